"""In-process throughput of the browser model: scenarios per second through
`crossorigin.browser.simulate`.

Three mixes, each a fixed list of scenarios replayed in a loop with a fresh
preflight cache per scenario (so every preflighted scenario sends its
preflight): `preflighted` (a PUT with a JSON body type and a custom header,
answered by a permissive preflight and actual response), `simple` (a GET with
an exact `Access-Control-Allow-Origin`) and `redirect` (a GET through one
cross-origin 307). Each mix runs for about `--seconds` per round; the figure
is the median over `--rounds` rounds.

Run: `.venv/bin/python bench/bench_model.py` (also part of `make bench`).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from crossorigin.browser import PreflightCache, simulate

PAGE = "http://127.0.0.1:3000"
API = "http://127.0.0.1:8000/api/items?page=2"

PREFLIGHTED: dict[str, Any] = {
    "page_origin": PAGE,
    "request": {
        "url": API,
        "method": "PUT",
        "headers": [["Content-Type", "application/json"], ["X-Request-Id", "42"]],
        "credentials": "include",
    },
    "responses": {
        "preflight": {
            "status": 204,
            "headers": [
                ["Access-Control-Allow-Origin", PAGE],
                ["Access-Control-Allow-Credentials", "true"],
                ["Access-Control-Allow-Methods", "GET, PUT, DELETE"],
                ["Access-Control-Allow-Headers", "content-type, x-request-id"],
                ["Access-Control-Max-Age", "600"],
            ],
        },
        "actual": {
            "status": 200,
            "headers": [
                ["Access-Control-Allow-Origin", PAGE],
                ["Access-Control-Allow-Credentials", "true"],
                ["Access-Control-Expose-Headers", "X-Total"],
                ["X-Total", "7"],
            ],
        },
    },
    "read_headers": ["X-Total", "Content-Type"],
}

SIMPLE: dict[str, Any] = {
    "page_origin": PAGE,
    "request": {"url": API},
    "responses": {"actual": {"status": 200, "headers": [["Access-Control-Allow-Origin", PAGE]]}},
}

REDIRECT: dict[str, Any] = {
    "page_origin": PAGE,
    "request": {"url": API},
    "responses": {
        "actual": [
            {
                "status": 307,
                "headers": [
                    ["Location", "http://127.0.0.1:8001/next"],
                    ["Access-Control-Allow-Origin", "*"],
                ],
            },
            {"status": 200, "headers": [["Access-Control-Allow-Origin", "null"]]},
        ]
    },
}

MIXES = {"preflighted": PREFLIGHTED, "simple": SIMPLE, "redirect": REDIRECT}


def rate(scenario: dict[str, Any], seconds: float) -> float:
    """Scenarios per second over about `seconds`."""
    count = 0
    batch = 200
    started = time.perf_counter()
    while True:
        for _ in range(batch):
            simulate(scenario, cache=PreflightCache())
        count += batch
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0)
    arguments = parser.parse_args()
    for scenario in MIXES.values():
        simulate(scenario)  # warm-up; also proves the scenario is valid
    results: dict[str, list[float]] = {name: [] for name in MIXES}
    for _ in range(arguments.rounds):
        for name, scenario in MIXES.items():
            results[name].append(rate(scenario, arguments.seconds))
    for name, rates in results.items():
        print(f"{name:12s} {statistics.median(rates):10,.0f} scenarios/s (median of {len(rates)})")


if __name__ == "__main__":
    main()
