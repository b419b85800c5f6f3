"""Benchmark `crossorigin audit` against the loopback zoo, side by side with CORScanner.

    .venv/bin/python bench/bench_audit.py [--copies 5] [--corscanner-python PATH]

Both scanners audit the same URLs (every zoo fixture, `--copies` times with a
distinct query string) served by one zoo process emulating
`http://www.example.com` (CORScanner derives its probes from the URL's host
and scheme, so it is given `http://www.example.com:PORT/...` and the name is
resolved to 127.0.0.1 inside its process; nothing leaves the machine).
Throughput is counted at the server: requests received per wall-clock second.
Findings are compared per fixture with what the fixture states.

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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

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


def run_crossorigin(zoo: RunningZoo, urls: list[str], concurrency: int) -> dict[str, object]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(urls))
    before = zoo.request_count()
    client_cpu, server_cpu = _children_cpu(), _process_cpu(zoo.process.pid)
    start = time.perf_counter()
    done = subprocess.run(
        [
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
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    elapsed = time.perf_counter() - start
    client_cpu = _children_cpu() - client_cpu
    server_cpu = _process_cpu(zoo.process.pid) - server_cpu
    requests = zoo.request_count() - before - 1
    os.unlink(listing.name)
    if done.returncode not in (0, 1):
        raise SystemExit(f"crossorigin audit failed ({done.returncode}): {done.stderr[-2000:]}")
    found: dict[str, set[str]] = {}
    for target in json.loads(done.stdout)["targets"]:
        classes = {finding["class"] for finding in target["findings"]}
        found.setdefault(_fixture_of(target["url"]), set()).update(classes)
    return {
        "elapsed": elapsed,
        "requests": requests,
        "found": found,
        "client_cpu": client_cpu,
        "server_cpu": server_cpu,
    }


def run_corscanner(
    zoo: RunningZoo, urls: list[str], python: str, threads: int
) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as scratch:
        listing = Path(scratch, "urls.txt")
        listing.write_text("\n".join(urls) + "\n")
        output = Path(scratch, "out.json")
        wrapper = Path(scratch, "run_corscanner.py")
        wrapper.write_text(_CORSCANNER_WRAPPER)
        before = zoo.request_count()
        client_cpu, server_cpu = _children_cpu(), _process_cpu(zoo.process.pid)
        start = time.perf_counter()
        done = subprocess.run(
            [python, str(wrapper), str(listing), str(output), str(threads)],
            capture_output=True,
            text=True,
            timeout=900,
            env=dict(os.environ, GEVENT_RESOLVER="block"),
        )
        elapsed = time.perf_counter() - start
        client_cpu = _children_cpu() - client_cpu
        server_cpu = _process_cpu(zoo.process.pid) - server_cpu
        requests = zoo.request_count() - before - 1
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
    return {
        "elapsed": elapsed,
        "requests": requests,
        "found": found,
        "client_cpu": client_cpu,
        "server_cpu": server_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=5, help="times each fixture is audited")
    parser.add_argument("--concurrency", type=int, default=20, help="crossorigin --concurrency")
    parser.add_argument("--threads", type=int, default=50, help="CORScanner -t (its default)")
    parser.add_argument("--corscanner-python", default=DEFAULT_CORSCANNER)
    parser.add_argument("--report", type=Path, help="also write the Markdown report here")
    arguments = parser.parse_args()

    fixtures = build_fixtures(SITE)
    names = list(fixtures)
    lines: list[str] = []
    with running_zoo(SITE) as zoo:
        ours = run_crossorigin(
            zoo, _targets(zoo, names, arguments.copies, "127.0.0.1"), arguments.concurrency
        )
        theirs = None
        if Path(arguments.corscanner_python).exists():
            theirs = run_corscanner(
                zoo,
                _targets(zoo, names, arguments.copies, "www.example.com"),
                arguments.corscanner_python,
                arguments.threads,
            )
    urls = len(names) * arguments.copies
    lines.append(
        f"# crossorigin audit benchmark ({urls} URLs: {len(names)} fixtures x {arguments.copies})"
    )
    lines.append("")
    lines.append(
        "| scanner | requests | wall s | requests/s | URLs/s "
        "| scanner CPU µs/request | zoo CPU µs/request |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    for label, result in (("crossorigin audit", ours), ("CORScanner 0.9.7", theirs)):
        if result is None:
            lines.append(f"| {label} | not installed | | | |")
            continue
        elapsed = float(result["elapsed"])  # type: ignore[arg-type]
        requests = int(result["requests"])  # type: ignore[call-overload]
        client = float(result["client_cpu"]) * 1e6 / requests  # type: ignore[arg-type]
        server = float(result["server_cpu"]) * 1e6 / requests  # type: ignore[arg-type]
        lines.append(
            f"| {label} | {requests} | {elapsed:.2f} | {requests / elapsed:.0f} "
            f"| {urls / elapsed:.1f} | {client:.0f} | {server:.0f} |"
        )
    if theirs is not None:
        ratio_requests = (int(ours["requests"]) / float(ours["elapsed"])) / (  # type: ignore[call-overload, arg-type]
            int(theirs["requests"]) / float(theirs["elapsed"])  # type: ignore[call-overload, arg-type]
        )
        ratio_urls = float(theirs["elapsed"]) / float(ours["elapsed"])  # type: ignore[arg-type]
        ratio_cpu = (float(theirs["client_cpu"]) / int(theirs["requests"])) / (  # type: ignore[arg-type, call-overload]
            float(ours["client_cpu"]) / int(ours["requests"])  # type: ignore[arg-type, call-overload]
        )
        lines.append("")
        lines.append(
            f"crossorigin: {ratio_requests:.1f}x CORScanner's requests/s, "
            f"{ratio_urls:.1f}x its URLs/s (a complete audit per URL, where CORScanner "
            f"stops at its first finding), {ratio_cpu:.1f}x less scanner CPU per request. "
            "Wall-clock rates include each scanner's start-up and are bounded by the zoo "
            "server sharing the same cores; CPU per request is the scanner's own cost."
        )
    lines.append("")
    lines.append("| fixture | expected | crossorigin | CORScanner |")
    lines.append("|---|---|---|---|")
    ours_exact = theirs_exact = 0
    ours_found: dict[str, set[str]] = ours["found"]  # type: ignore[assignment]
    theirs_found: dict[str, set[str]] = theirs["found"] if theirs else {}  # type: ignore[assignment]
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
