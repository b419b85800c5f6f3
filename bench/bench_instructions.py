"""Middleware overhead in CPU instructions per request, counted by valgrind's
callgrind, for the ASGI suite (bench_asgi.py) and the WSGI suite
(bench_wsgi.py: Flask and Django).

Wall-clock timings on a shared virtual machine drift by tens of percent
between runs; instruction counts barely move (the same binary, inputs and
environment give nearly the same count). Each cell runs the same harness as
the timing benchmark in a child process twice, with N and with 2N requests;
the difference divided by N is the cost of one request, start-up cancelled out.

Run: `make bench` (needs Debian's valgrind; skipped with a message without it).
`--only crossorigin --kinds a b` measures a few cells (the floor is always
measured), for a quick before/after.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def suite_parts(suite: str) -> tuple[dict[str, Any], dict[str, Any], Any, str]:
    """(variants, request kinds, run_once, floor variant) of one suite; imports
    only that suite's frameworks."""
    sys.path.insert(0, str(HERE))
    if suite == "asgi":
        import bench_asgi

        return (
            bench_asgi.VARIANTS,
            bench_asgi.KINDS,
            bench_asgi.run_once,
            "no-op + send wrap (floor)",
        )
    import bench_wsgi

    if suite == "flask":
        flask = {name: bench_wsgi.flask_app(name) for name in bench_wsgi.FLASK_VARIANTS}
        return flask, bench_wsgi.KINDS, bench_wsgi.run_once, "bare"
    return bench_wsgi.django_handlers(), bench_wsgi.KINDS, bench_wsgi.run_once, "bare"


def child(suite: str, variant: str, kind: str, count: int) -> None:
    variants, kinds, run_once, _ = suite_parts(suite)
    app, request = variants[variant], kinds[kind]
    for _ in range(count):
        run_once(app, request)


def instructions(suite: str, variant: str, kind: str, count: int) -> int:
    # Without address-space randomization and with a fixed hash seed, two
    # runs of one cell give the same count to the instruction; otherwise the
    # layout of memory moves counts by a few hundred per request between runs.
    randomization_off = ["setarch", platform.machine(), "-R"] if shutil.which("setarch") else []
    done = subprocess.run(
        [
            *randomization_off,
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-W",
            "ignore",
            __file__,
            "--child",
            suite,
            variant,
            kind,
            str(count),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
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
    parser.add_argument("--suite", choices=["asgi", "flask", "django"], default="asgi")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="VARIANT",
        help="measure only these variants (and the floor), e.g. --only crossorigin",
    )
    parser.add_argument(
        "--kinds", nargs="+", metavar="LETTER", help="only these request kinds, e.g. --kinds a b"
    )
    parser.add_argument("--child", nargs=4, metavar=("SUITE", "VARIANT", "KIND", "COUNT"))
    arguments = parser.parse_args(argv)
    if arguments.child:
        suite, variant, kind, count = arguments.child
        child(suite, variant, kind, int(count))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind); instruction counts skipped")
        return 0

    suite = arguments.suite
    variants, kinds, _, floor = suite_parts(suite)
    if arguments.only:
        variants = {name: variants[name] for name in variants if name in {*arguments.only, floor}}
    if arguments.kinds:
        kinds = {name: kinds[name] for name in kinds if name.split()[0] in arguments.kinds}
    count = arguments.requests
    per_request: dict[tuple[str, str], float] = {}
    for variant in variants:
        for kind in kinds:
            once = instructions(suite, variant, kind, count)
            twice = instructions(suite, variant, kind, 2 * count)
            per_request[(variant, kind)] = (twice - once) / count

    names = list(kinds)
    print(f"{suite}: CPU instructions per request (callgrind, N={count} and {2 * count})")
    print()
    print("| variant | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for variant in variants:
        row = [f"{per_request[(variant, kind)]:,.0f}" for kind in names]
        print(f"| {variant} | " + " | ".join(row) + " |")
    print()
    print(f"overhead over {floor!r}, instructions per request")
    print("| variant | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for variant in variants:
        if variant == floor:
            continue
        row = [f"{per_request[(variant, k)] - per_request[(floor, k)]:+,.0f}" for k in names]
        print(f"| {variant} | " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
