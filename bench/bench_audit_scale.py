"""`crossorigin audit` at scale: 100,000 targets on loopback, memory flat.

    .venv/bin/python bench/bench_audit_scale.py [--counts 10000,100000] [--concurrency 20]

One nginx (a real server, so the scanner, not the target, is what is
measured) on a free loopback port answers every target. Each target has a
host name of its own (`t<n>.site<m>.test`, 1,000 targets per registrable
domain), sent to 127.0.0.1 with `--resolve`, so every target is a new site
with its own connection and its own derived probes, as on the internet. Nine
targets in ten reflect any origin with credentials (found at once: a few
requests); one in ten trusts nothing (every probe sent, about 120 requests).

The scanner runs in its own process with `--format jsonl --targets FILE -o
FILE`; it reports its own peak RSS (`ru_maxrss`) and CPU time (user +
system) when done. Requests are counted by nginx (`stub_status`). Memory is
flat when the peak at 100,000 targets is about the peak at 10,000.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NGINX = "/usr/sbin/nginx"

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log crit;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{port} reuseport backlog=4096;
        location = /_status {{ stub_status; }}
        location /reflect/ {{
            add_header Access-Control-Allow-Origin $http_origin always;
            add_header Access-Control-Allow-Credentials true always;
            add_header Vary Origin always;
            if ($request_method = OPTIONS) {{ return 204; }}
            return 200 '{{"ok": true}}';
        }}
        location /closed/ {{
            if ($request_method = OPTIONS) {{ return 204; }}
            return 200 '{{"ok": true}}';
        }}
    }}
}}
"""

#: Runs the command in-process and reports the process's own peak RSS and CPU.
WRAPPER = """
import json, resource, sys
from crossorigin.cli import main
code = main(sys.argv[2:])
usage = resource.getrusage(resource.RUSAGE_SELF)
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "maxrss_kib": usage.ru_maxrss,
               "cpu": usage.ru_utime + usage.ru_stime}, out)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _handled(port: int) -> int:
    """Requests nginx has handled (stub_status), minus this one."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_status", timeout=5) as answer:
        lines = answer.read().decode().splitlines()
    return int(lines[2].split()[2]) - 1


def _targets(path: Path, count: int, port: int) -> None:
    with path.open("w") as out:
        for n in range(count):
            kind = "closed" if n % 10 == 9 else "reflect"
            out.write(f"http://t{n}.site{n // 1000}.test:{port}/{kind}/api\n")


def run(count: int, port: int, scratch: Path, concurrency: int) -> dict[str, float]:
    targets = scratch / f"targets-{count}.txt"
    output = scratch / f"out-{count}.jsonl"
    usage = scratch / f"usage-{count}.json"
    _targets(targets, count, port)
    wrapper = scratch / "wrapper.py"
    wrapper.write_text(WRAPPER)
    command = [sys.executable, str(wrapper), str(usage), "audit", "--targets", str(targets)]
    command += ["--format", "jsonl", "-o", str(output), "--no-progress", "--fail-on", "never"]
    command += ["--resolve", f"*:{port}:127.0.0.1", "--concurrency", str(concurrency)]
    before = _handled(port)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    elapsed = time.perf_counter() - started
    requests = _handled(port) - before
    if done.returncode != 0:
        raise SystemExit(f"audit failed ({done.returncode}): {done.stderr[-2000:]}")
    measured = json.loads(usage.read_text())
    lines = 0
    with_errors = 0
    with output.open() as reports:
        for line in reports:
            lines += 1
            with_errors += bool(json.loads(line)["errors"])
    if lines != count or with_errors:
        raise SystemExit(f"{lines} reports for {count} targets, {with_errors} with errors")
    return {
        "targets": count,
        "requests": requests,
        "elapsed": elapsed,
        "peak_mib": measured["maxrss_kib"] / 1024,
        "cpu": measured["cpu"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="10000,100000", help="target counts, comma-separated")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--report", type=Path, help="also write the Markdown report here")
    arguments = parser.parse_args()
    counts = [int(text) for text in arguments.counts.split(",")]
    port = _free_port()
    with tempfile.TemporaryDirectory() as directory:
        scratch = Path(directory)
        (scratch / "nginx.conf").write_text(NGINX_CONF.format(dir=scratch, port=port))
        nginx = subprocess.Popen(
            [NGINX, "-c", str(scratch / "nginx.conf"), "-p", str(scratch)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            for _ in range(100):
                try:
                    _handled(port)
                    break
                except OSError:
                    time.sleep(0.05)
            rows = [run(count, port, scratch, arguments.concurrency) for count in counts]
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
    lines = [
        f"# crossorigin audit at scale (nginx on loopback, --concurrency {arguments.concurrency})",
        "",
        "| targets | requests | wall s | requests/s | targets/s | peak RSS MiB "
        "| scanner CPU s | CPU µs/request |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['targets']:,} | {row['requests']:,} | {row['elapsed']:.1f} "
            f"| {row['requests'] / row['elapsed']:,.0f} | {row['targets'] / row['elapsed']:,.0f} "
            f"| {row['peak_mib']:.1f} | {row['cpu']:.1f} "
            f"| {row['cpu'] * 1e6 / row['requests']:.0f} |"
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        ratio = last["peak_mib"] / first["peak_mib"]
        lines.append("")
        lines.append(
            f"Peak RSS at {last['targets']:,} targets is {ratio:.2f}x the peak at "
            f"{first['targets']:,} ({last['targets'] / first['targets']:.0f}x the targets)."
        )
    lines.append("")
    lines.append(
        "Each target is a site of its own (`t<n>.site<m>.test`, resolved to 127.0.0.1 with "
        "`--resolve`): nine in ten reflect any origin (found at once), one in ten trusts "
        "nothing (every probe sent). Requests are counted by nginx; peak RSS and CPU are the "
        "scanner process's own (`getrusage`), start-up included. nginx shares the machine's "
        "cores with the scanner."
    )
    text = "\n".join(lines)
    print(text)
    if arguments.report:
        arguments.report.parent.mkdir(parents=True, exist_ok=True)
        arguments.report.write_text(text + "\n")


if __name__ == "__main__":
    main()
