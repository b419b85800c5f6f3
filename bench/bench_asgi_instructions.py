"""ASGI overhead in CPU instructions per request, counted by valgrind's callgrind.

Wall-clock timings on a shared virtual machine drift by tens of percent
between runs; instruction counts do not (the same binary, inputs and
environment give the same count). Each cell runs the same harness as
bench_asgi.py in a child process twice, with N and with 2N requests; the
difference divided by N is the cost of one request, start-up cancelled out.

Run: `make bench` (needs Debian's valgrind; skipped with a message without it).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def child(variant: str, kind: str, count: int) -> None:
    sys.path.insert(0, str(HERE))
    import bench_asgi

    app, scope = bench_asgi.VARIANTS[variant], bench_asgi.KINDS[kind]
    for _ in range(count):
        bench_asgi.run_once(app, scope)


def instructions(variant: str, kind: str, count: int) -> int:
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-W",
            "ignore",
            __file__,
            "--child",
            variant,
            kind,
            str(count),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    match = COLLECTED.search(done.stderr)
    if match is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{done.stderr[-500:]}")
    return int(match.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--child", nargs=3, metavar=("VARIANT", "KIND", "COUNT"))
    arguments = parser.parse_args(argv)
    if arguments.child:
        variant, kind, count = arguments.child
        child(variant, kind, int(count))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind); instruction counts skipped")
        return 0

    sys.path.insert(0, str(HERE))
    import bench_asgi

    count = arguments.requests
    per_request: dict[tuple[str, str], float] = {}
    for variant in bench_asgi.VARIANTS:
        for kind in bench_asgi.KINDS:
            once = instructions(variant, kind, count)
            twice = instructions(variant, kind, 2 * count)
            per_request[(variant, kind)] = (twice - once) / count

    kinds = list(bench_asgi.KINDS)
    floor = "no-op + send wrap (floor)"
    print(f"ASGI, CPU instructions per request (callgrind, N={count} and {2 * count})")
    print()
    print("| variant | " + " | ".join(kinds) + " |")
    print("|---|" + "---|" * len(kinds))
    for variant in bench_asgi.VARIANTS:
        row = [f"{per_request[(variant, kind)]:,.0f}" for kind in kinds]
        print(f"| {variant} | " + " | ".join(row) + " |")
    print()
    print("overhead over the send-wrap floor, instructions per request")
    print("| variant | " + " | ".join(kinds) + " |")
    print("|---|" + "---|" * len(kinds))
    for variant in ("starlette CORSMiddleware", "crossorigin"):
        row = [
            f"+{per_request[(variant, kind)] - per_request[(floor, kind)]:,.0f}" for kind in kinds
        ]
        print(f"| {variant} | " + " | ".join(row) + " |")
    ratios = []
    for kind in kinds:
        ours = per_request[("crossorigin", kind)] - per_request[(floor, kind)]
        theirs = per_request[("starlette CORSMiddleware", kind)] - per_request[(floor, kind)]
        ratios.append(f"{kind}: {theirs / ours:.1f}x" if ours > 0 else f"{kind}: below the floor")
    print()
    print("Starlette's overhead over ours: " + ", ".join(ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
