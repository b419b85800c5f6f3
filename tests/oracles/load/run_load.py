"""`make load`: a bounded load on the ASGI adapter under uvicorn and the WSGI
adapter under waitress, on loopback, each response checked against the
reference server (see loadgen.py).

Usage: run_load.py [--seconds 25] [--max-requests 200000] [--concurrency 32]
[--seed 1] [--only asgi|wsgi]. Each run stops at its deadline (at most 60 s)
or request count. Exits 1 on any 5xx, wrong allow, other mismatch or
transport error, or when the server's memory grows by more than
--max-growth-mb after warm-up.
"""

from __future__ import annotations

import argparse
import sys

import loadgen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=25.0)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-growth-mb", type=float, default=16.0)
    parser.add_argument("--only", choices=["asgi", "wsgi"], action="append")
    args = parser.parse_args(argv)
    failed = False
    for kind in args.only or ["asgi", "wsgi"]:
        result = loadgen.run(kind, args.seconds, args.max_requests, args.concurrency, args.seed)
        print(result.summary(), flush=True)
        for example in result.examples:
            print(f"  {example}")
        if result.failures or result.requests == 0:
            failed = True
        if result.memory_growth_mb > args.max_growth_mb:
            print(f"  memory grew by {result.memory_growth_mb:.1f} MB after warm-up")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
