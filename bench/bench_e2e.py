"""End to end: requests per second through uvicorn (uvloop, httptools) on
loopback, measured by wrk, for the bare app, a no-op send-wrapping middleware,
Starlette's CORSMiddleware and crossorigin.

Method: one uvicorn process per variant, all started before the first round
and kept warm; each round runs wrk once against every variant, in a freshly
shuffled order (interleaved, so drift and noise hit every variant alike).
A variant's cost is the median over rounds of its throughput divided by the
bare app's throughput in the same round. wrk gets one thread and the server
one process: on a 2-core machine each has a core.

Variant "no-op + 3 fixed CORS headers" adds, to every response, the three
headers an allowed credentialed GET is answered with, deciding nothing: the
floor for any CORS middleware on that kind, most of it the server's own work
per header line.

Kinds: an allowed GET (`Origin` in the policy), a GET without `Origin`, and
a preflight. Run: `make bench` (or `python bench/bench_e2e.py --rounds 5`);
`--baseline REVISION` adds crossorigin as it is at that git revision as one
more server, interleaved with the others (before/after under the same load).
Needs Debian's `wrk` and PyPI's uvloop and httptools.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import baseline

HERE = Path(__file__).resolve().parent
VARIANTS = ("bare", "noop", "fixed", "starlette", "crossorigin")
LABELS = {
    "bare": "bare app",
    "noop": "no-op + send wrap",
    "fixed": "no-op + 3 fixed CORS headers",
    "starlette": "Starlette CORSMiddleware",
    "crossorigin": "crossorigin",
    "baseline": "crossorigin at the baseline revision",
}
KINDS: dict[str, tuple[str, list[str]]] = {
    "allowed GET": ("GET", ["Origin: https://a.example"]),
    "no Origin": ("GET", []),
    "preflight": (
        "OPTIONS",
        [
            "Origin: https://a.example",
            "Access-Control-Request-Method: PUT",
            "Access-Control-Request-Headers: content-type,authorization",
        ],
    ),
}
_RATE = re.compile(r"^Requests/sec:\s+([0-9.]+)", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: (.*)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_listening(port: int, process: subprocess.Popen[bytes], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"uvicorn exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"uvicorn did not listen on port {port} within {seconds} s")


@contextmanager
def servers(
    application: str, variants: tuple[str, ...], baseline_root: Path | None
) -> Iterator[dict[str, int]]:
    processes: list[subprocess.Popen[bytes]] = []
    ports: dict[str, int] = {}
    path = [str(HERE)] if baseline_root is None else [str(HERE), str(baseline_root)]
    try:
        for variant in variants:
            port = _free_port()
            environment = {
                **os.environ,
                "CROSSORIGIN_BENCH_VARIANT": variant,
                "CROSSORIGIN_BENCH_APP": application,
                "PYTHONPATH": os.pathsep.join(path),
            }
            command = [
                sys.executable,
                "-m",
                "uvicorn",
                "e2e_app:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--no-access-log",
                "--log-level",
                "warning",
                "--lifespan",
                "off",
            ]
            process = subprocess.Popen(command, env=environment, cwd=HERE)
            processes.append(process)
            _wait_listening(port, process)
            ports[variant] = port
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def wrk(port: int, method: str, headers: list[str], seconds: int, connections: int) -> float:
    """Requests per second; any socket error or unexpected status fails the run."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    with tempfile.TemporaryDirectory() as scratch:
        if method != "GET":
            script = Path(scratch) / "method.lua"
            script.write_text(f'wrk.method = "{method}"\n')
            command += ["-s", str(script)]
        command.append(f"http://127.0.0.1:{port}/items")
        result = subprocess.run(command, capture_output=True, text=True, check=True)
    output = result.stdout
    rate = _RATE.search(output)
    if rate is None:
        raise SystemExit(f"wrk printed no rate:\n{output}\n{result.stderr}")
    bad = _NON_2XX.search(output)
    errors = _ERRORS.search(output)
    if bad is not None or errors is not None:
        raise SystemExit(f"wrk saw errors or non-2xx answers:\n{output}")
    return float(rate.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=3, help="per wrk run (whole seconds)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--app", choices=("raw", "starlette"), default="raw")
    parser.add_argument("--kinds", nargs="*", choices=list(KINDS), default=list(KINDS))
    parser.add_argument(
        "--baseline",
        metavar="REVISION",
        help="also serve crossorigin as it is at this git revision",
    )
    arguments = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("bench_e2e: wrk is not installed (Debian package `wrk`)", file=sys.stderr)
        return 2

    variants = VARIANTS
    baseline_root = None
    if arguments.baseline:
        variants = (*VARIANTS, "baseline")
        LABELS["baseline"] = f"crossorigin at {arguments.baseline}"
        baseline_root = baseline.extract(arguments.baseline)
    rates: dict[tuple[str, str], list[float]] = {
        (variant, kind): [] for variant in variants for kind in arguments.kinds
    }
    with servers(arguments.app, variants, baseline_root) as ports:
        cells = [(variant, kind) for variant in variants for kind in arguments.kinds]
        for kind in arguments.kinds:  # warm-up, not recorded
            method, headers = KINDS[kind]
            for variant in variants:
                wrk(ports[variant], method, headers, 1, arguments.connections)
        for _ in range(arguments.rounds):
            random.shuffle(cells)
            for variant, kind in cells:
                method, headers = KINDS[kind]
                rate = wrk(
                    ports[variant], method, headers, arguments.seconds, arguments.connections
                )
                rates[(variant, kind)].append(rate)

    print(
        f"End to end: uvicorn (uvloop, httptools) + wrk -t1 -c{arguments.connections}, "
        f"{arguments.app} app, {arguments.rounds} interleaved rounds of {arguments.seconds:g} s"
    )
    print()
    print("| variant | " + " | ".join(f"{kind} req/s (vs bare)" for kind in arguments.kinds) + " |")
    print("|---|" + "---|" * len(arguments.kinds))
    for variant in variants:
        cells_text = []
        for kind in arguments.kinds:
            median_rate = statistics.median(rates[(variant, kind)])
            ratios = [
                ours / bare
                for ours, bare in zip(rates[(variant, kind)], rates[("bare", kind)], strict=True)
            ]
            change = (statistics.median(ratios) - 1) * 100
            cells_text.append(f"{median_rate:,.0f} ({change:+.1f}%)")
        print(f"| {LABELS[variant]} | " + " | ".join(cells_text) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
