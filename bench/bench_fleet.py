"""Propagation latency of a published policy across a fleet.

Method: a real redis-server and etcd on loopback (temporary data dirs, free
ports), four application processes per store (two uvicorn + ASGI adapter, two
waitress + WSGI adapter) following one key. Each round publishes a new
document with `crossorigin.sources.publish.publish` (what `crossorigin
publish` runs) and waits until every process reports its digest. A process's
latency is the time from just before the publish call to the moment that
process applied the document (`status.updated_at`, stamped by the process
itself: same machine, same clock), so the polling that detects convergence
adds nothing. Reported: median and worst per-process latency, and median and
worst fleet latency (the last process of the four).

Run: `.venv/bin/python bench/bench_fleet.py [--publishes 100]` (needs Debian's
redis-server and etcd: scripts/install-system-deps).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from crossorigin.sources.document import digest_of
from crossorigin.sources.publish import parse_target, publish
from servers.fleet import Fleet
from servers.stores import EtcdServer, RedisServer

KEY = "bench/policy"
KINDS = ["asgi", "asgi", "wsgi", "wsgi"]


def document(number: int) -> bytes:
    return f'version = "{number}"\norigins = ["https://app{number}.example"]\n'.encode()


def measure(store: str, publishes: int, tmp: Path) -> tuple[list[float], list[float]]:
    server = RedisServer(tmp / store) if store == "redis" else EtcdServer(tmp / store)
    server.start()
    fleet = None
    try:
        target = parse_target(f"{server.target}/{KEY}")
        publish(document(0), target)
        url = server.url
        fleet = Fleet(KINDS, store, url, KEY, tmp / f"{store}-logs")
        fleet.wait_for(digest_of(document(0)))
        per_process: list[float] = []
        per_fleet: list[float] = []
        for number in range(1, publishes + 1):
            data = document(number)
            started = time.time()
            publish(data, target)
            statuses = fleet.wait_for(digest_of(data))
            latencies = [status["updated_at"] - started for status in statuses]
            per_process.extend(latencies)
            per_fleet.append(max(latencies))
        return per_process, per_fleet
    finally:
        if fleet is not None:
            fleet.stop()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--publishes", type=int, default=100)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="crossorigin-fleet-bench-") as tmp:
        for store in ("redis", "etcd"):
            per_process, per_fleet = measure(store, arguments.publishes, Path(tmp))
            print(
                f"{store}: {arguments.publishes} publishes x {len(KINDS)} processes; "
                f"per process median {statistics.median(per_process) * 1000:.1f} ms, "
                f"worst {max(per_process) * 1000:.1f} ms; whole fleet median "
                f"{statistics.median(per_fleet) * 1000:.1f} ms, "
                f"worst {max(per_fleet) * 1000:.1f} ms"
            )


if __name__ == "__main__":
    main()
