"""Benchmark `crossorigin audit` against the loopback zoo, side by side with CORScanner.

    .venv/bin/python bench/bench_audit.py [--copies 5] [--rounds 3] [--corscanner-python PATH]

Both scanners audit the same URLs (every zoo fixture, `--copies` times with a
distinct query string) served by one zoo process emulating
`http://www.example.com` (CORScanner derives its probes from the URL's host
and scheme, so it is given `http://www.example.com:PORT/...` and the name is
resolved to 127.0.0.1 inside its process; nothing leaves the machine).
Throughput is counted at the server: requests received per second, over the
scanner's whole run (start-up included) and over the zoo's active window
(first to last request: start-up excluded), the same way for both scanners;
the median of `--rounds` alternating rounds. Findings are compared per
fixture with what the fixture states (crossorigin's must not change from one
round to the next).

CORScanner (PyPI `corscanner`) drags in gevent and old requests, so it lives
in its own virtualenv: `python3 -m venv /tmp/corscanner-venv &&
/tmp/corscanner-venv/bin/pip install corscanner`; without it, only
crossorigin is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "support"))

from audit_zoo.fixtures import build_fixtures  # noqa: E402
from audit_zoo.server import RunningZoo, running_zoo  # noqa: E402

SITE = "http://www.example.com"
DEFAULT_CORSCANNER = "/tmp/corscanner-venv/bin/python"

#: CORScanner's finding types, as crossorigin's classes.
CORSCANNER_TYPES = {
    "reflect_origin": "origin-reflected",
    "prefix_match": "prefix-match",
    "suffix_match": "suffix-match",
    "trust_null": "null-trusted",
    "include_match": "substring-match",
    "not_escape_dot": "unescaped-dot",
    "custom_third_parties": "third-party-trusted",
    "special_characters_bypass": "special-char-bypass",
    "trust_any_subdomain": "subdomain-trusted",
    "https_trust_http": "insecure-scheme-trusted",
}

#: Run inside CORScanner's interpreter: every name resolves to loopback (or
#: fails), the public suffix list comes from tldextract's bundled snapshot.
_CORSCANNER_WRAPPER = """
import os, sys, _socket
os.environ["GEVENT_RESOLVER"] = "block"
_real = _socket.getaddrinfo
def _loopback_only(host, port, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name in ("127.0.0.1", "localhost") or name.endswith("example.com"):
        return _real("127.0.0.1", port, *args, **kwargs)
    raise _socket.gaierror(-2, "loopback only in this benchmark")
_socket.getaddrinfo = _loopback_only
import socket
socket.getaddrinfo = _loopback_only
import tldextract.tldextract as extract_module
extract_module.TLD_EXTRACTOR = extract_module.TLDExtract(suffix_list_urls=(), cache_dir=None)
from CORScanner import cors_scan
sys.argv = ["corscanner", "-i", sys.argv[1], "-o", sys.argv[2], "-t", sys.argv[3]]
cors_scan.main()
"""


def _targets(zoo: RunningZoo, names: list[str], copies: int, host: str) -> list[str]:
    base = zoo.base_url.replace("127.0.0.1", host)
    return [f"{base}/{name}/api?copy={copy}" for copy in range(copies) for name in names]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _fixture_of(url: str) -> str:
    return url.split("/")[3]


def _measured(
    zoo: RunningZoo, command: list[str], env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, float]]:
    """Run one scanner process against the zoo and measure it: wall time (its
    start-up and exit included), the zoo's active window (first to last
    request it received: start-up and exit excluded), requests, and CPU."""
    before = zoo.stats(reset=True)
    client_cpu, server_cpu = _children_cpu(), _process_cpu(zoo.process.pid)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
    elapsed = time.perf_counter() - start
    client_cpu = _children_cpu() - client_cpu
    server_cpu = _process_cpu(zoo.process.pid) - server_cpu
    after = zoo.stats()
    first, last = after["first"], after["last"]
    requests = int(after["count"] or 0) - int(before["count"] or 0)
    return done, {
        "elapsed": elapsed,
        "active": (last - first) if first is not None and last is not None else elapsed,
        "requests": requests,
        "client_cpu": client_cpu,
        "server_cpu": server_cpu,
    }


def run_crossorigin(
    zoo: RunningZoo, urls: list[str], concurrency: int
) -> tuple[dict[str, float], dict[str, set[str]]]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(urls))
    command = [
        str(ROOT / ".venv/bin/crossorigin"),
        "audit",
        "--site",
        SITE,
        "--targets",
        listing.name,
        "--format",
        "json",
        "--concurrency",
        str(concurrency),
        "--no-progress",
    ]
    done, measured = _measured(zoo, command)
    os.unlink(listing.name)
    if done.returncode not in (0, 1):
        raise SystemExit(f"crossorigin audit failed ({done.returncode}): {done.stderr[-2000:]}")
    found: dict[str, set[str]] = {}
    for target in json.loads(done.stdout)["targets"]:
        if target["errors"]:
            raise SystemExit(f"crossorigin audit errors on {target['url']}: {target['errors']}")
        classes = {finding["class"] for finding in target["findings"]}
        found.setdefault(_fixture_of(target["url"]), set()).update(classes)
    return measured, found


def run_corscanner(
    zoo: RunningZoo, urls: list[str], python: str, threads: int
) -> tuple[dict[str, float], dict[str, set[str]]]:
    with tempfile.TemporaryDirectory() as scratch:
        listing = Path(scratch, "urls.txt")
        listing.write_text("\n".join(urls) + "\n")
        output = Path(scratch, "out.json")
        wrapper = Path(scratch, "run_corscanner.py")
        wrapper.write_text(_CORSCANNER_WRAPPER)
        done, measured = _measured(
            zoo,
            [python, str(wrapper), str(listing), str(output), str(threads)],
            env=dict(os.environ, GEVENT_RESOLVER="block"),
        )
        if not output.exists():
            raise SystemExit(
                f"CORScanner wrote no results: {done.stdout[-1500:]}{done.stderr[-1500:]}"
            )
        results = json.loads(output.read_text())
    found: dict[str, set[str]] = {}
    for item in results:
        found.setdefault(_fixture_of(item["url"]), set()).add(
            CORSCANNER_TYPES.get(item["type"], item["type"])
        )
    return measured, found


def _median(rounds: list[dict[str, float]], key: str) -> float:
    return statistics.median(measured[key] for measured in rounds)


def _rate(rounds: list[dict[str, float]], window: str) -> float:
    """The median round's requests per second over `window`."""
    return statistics.median(measured["requests"] / measured[window] for measured in rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=5, help="times each fixture is audited")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each scanner (median)")
    parser.add_argument("--concurrency", type=int, default=20, help="crossorigin --concurrency")
    parser.add_argument("--threads", type=int, default=50, help="CORScanner -t (its default)")
    parser.add_argument("--corscanner-python", default=DEFAULT_CORSCANNER)
    parser.add_argument("--report", type=Path, help="also write the Markdown report here")
    arguments = parser.parse_args()

    fixtures = build_fixtures(SITE)
    names = list(fixtures)
    with_corscanner = Path(arguments.corscanner_python).exists() and (
        subprocess.run(
            [arguments.corscanner_python, "-c", "import CORScanner"], capture_output=True
        ).returncode
        == 0
    )
    if not with_corscanner:
        print(
            f"CORScanner is not importable from {arguments.corscanner_python}: "
            "crossorigin is measured alone",
            file=sys.stderr,
        )
    ours: list[dict[str, float]] = []
    theirs: list[dict[str, float]] = []
    ours_found: dict[str, set[str]] = {}
    theirs_found: dict[str, set[str]] = {}
    with running_zoo(SITE) as zoo:
        # Alternate the scanners, so a busy spell on the machine hits both.
        for round_number in range(arguments.rounds):
            measured, found = run_crossorigin(
                zoo, _targets(zoo, names, arguments.copies, "127.0.0.1"), arguments.concurrency
            )
            if round_number and found != ours_found:
                raise SystemExit("crossorigin found different classes from one round to the next")
            ours.append(measured)
            ours_found = found
            if with_corscanner:
                measured, theirs_found = run_corscanner(
                    zoo,
                    _targets(zoo, names, arguments.copies, "www.example.com"),
                    arguments.corscanner_python,
                    arguments.threads,
                )
                theirs.append(measured)
    urls = len(names) * arguments.copies
    lines = [
        f"# crossorigin audit benchmark ({urls} URLs: {len(names)} fixtures x "
        f"{arguments.copies}; median of {arguments.rounds} rounds)",
        "",
        "| scanner | requests | wall s | requests/s | URLs/s | active s | requests/s active "
        "| scanner CPU µs/request | zoo CPU µs/request |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, rounds in (("crossorigin audit", ours), ("CORScanner 0.9.7", theirs)):
        if not rounds:
            lines.append(f"| {label} | not installed | | | | | | | |")
            continue
        requests = _median(rounds, "requests")
        client = statistics.median(m["client_cpu"] * 1e6 / m["requests"] for m in rounds)
        server = statistics.median(m["server_cpu"] * 1e6 / m["requests"] for m in rounds)
        lines.append(
            f"| {label} | {requests:.0f} | {_median(rounds, 'elapsed'):.2f} "
            f"| {_rate(rounds, 'elapsed'):.0f} "
            f"| {statistics.median(urls / m['elapsed'] for m in rounds):.1f} "
            f"| {_median(rounds, 'active'):.2f} | {_rate(rounds, 'active'):.0f} "
            f"| {client:.0f} | {server:.0f} |"
        )
    lines.append("")
    for label, rounds in (("crossorigin", ours), ("CORScanner", theirs)):
        if rounds:
            per_round = ", ".join(
                f"{m['requests'] / m['elapsed']:.0f} ({m['requests'] / m['active']:.0f} active)"
                for m in rounds
            )
            lines.append(f"- {label} requests/s per round: {per_round}")
    if theirs:
        ratio_wall = _rate(ours, "elapsed") / _rate(theirs, "elapsed")
        ratio_active = _rate(ours, "active") / _rate(theirs, "active")
        ratio_urls = _median(theirs, "elapsed") / _median(ours, "elapsed")
        ratio_cpu = statistics.median(m["client_cpu"] / m["requests"] for m in theirs) / (
            statistics.median(m["client_cpu"] / m["requests"] for m in ours)
        )
        lines.append("")
        lines.append(
            f"crossorigin: {ratio_wall:.1f}x CORScanner's requests/s with start-up "
            f"({ratio_active:.1f}x without), {ratio_urls:.1f}x its URLs/s (a complete audit "
            f"per URL, where CORScanner stops at its first finding), {ratio_cpu:.1f}x less "
            "scanner CPU per request."
        )
        lines.append("")
        lines.append(
            "How it is measured: both scanners audit the same fixtures and copies on one zoo "
            "process (crossorigin as `--site http://www.example.com` over 127.0.0.1, "
            "CORScanner over `www.example.com` resolved to 127.0.0.1 in its process, since it "
            "derives its probes from the URL), each with its default concurrency, in "
            "alternating rounds. *wall* runs from starting the scanner's process to its exit, "
            "so it includes each one's start-up (imports; for CORScanner gevent's patching) "
            "and report writing; *active* is the zoo's own clock from the first to the last "
            "request it received, so it excludes both, for both. Requests are counted by "
            "the zoo. CPU is the scanner process's user+system time over the whole run "
            "(start-up included, for both) per request; the zoo shares the same cores, so "
            "rates are bounded by it too."
        )
    lines.append("")
    lines.append("| fixture | expected | crossorigin | CORScanner |")
    lines.append("|---|---|---|---|")
    ours_exact = theirs_exact = 0
    for name in names:
        expected = set(fixtures[name].expected)
        mine = ours_found.get(name, set())
        other = theirs_found.get(name, set())
        ours_exact += mine == expected
        theirs_exact += other == expected
        lines.append(
            f"| {name} | {', '.join(sorted(expected)) or '-'} | "
            f"{', '.join(sorted(mine)) or '-'}{'' if mine == expected else ' (differs)'} | "
            + (f"{', '.join(sorted(other)) or '-'}" if theirs else "n/a")
            + " |"
        )
    lines.append("")
    lines.append(
        f"Fixtures matched exactly: crossorigin {ours_exact}/{len(names)}"
        + (f", CORScanner {theirs_exact}/{len(names)}" if theirs else "")
    )
    text = "\n".join(lines)
    print(text)
    if arguments.report:
        arguments.report.parent.mkdir(parents=True, exist_ok=True)
        arguments.report.write_text(text + "\n")


if __name__ == "__main__":
    main()
