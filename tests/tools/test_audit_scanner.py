"""The scanner's scheduling against raw loopback servers: a host that stops
answering mid-audit costs a few timeouts (never a clean result), `--concurrency`
holds at 1, and evidence is the same from run to run."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from crossorigin.audit import AttackerNames, Scanner, audit
from crossorigin.audit.findings import Severity
from crossorigin.audit.scanner import GIVE_UP_AFTER
from crossorigin.cli.audit import exit_status
from servers.raw_tcp import raw_tcp, request_heads

ATTACKER = AttackerNames.generate(seed=3)


@contextmanager
def answers_then_silence(answered: int) -> Iterator[tuple[str, list[int]]]:
    """Trusts `Origin: null` (with credentials) on the first `answered`
    requests, then reads and never answers again (connections stay open)."""
    count = [0]
    lock = threading.Lock()

    def handle(connection: socket.socket, stop: threading.Event) -> None:
        for head in request_heads(connection, stop, timeout=0.1, patient=True):
            with lock:
                count[0] += 1
                number = count[0]
            if number > answered:
                continue
            headers = b"Content-Length: 0\r\n"
            if b"\r\nOrigin: null\r\n" in head + b"\r\n":
                headers += b"Access-Control-Allow-Origin: null\r\n"
                headers += b"Access-Control-Allow-Credentials: true\r\n"
            connection.sendall(b"HTTP/1.1 200 OK\r\n" + headers + b"\r\n")

    with raw_tcp(handle) as server:
        yield server.base_url + "/api", count


def test_a_host_that_stops_answering_is_given_up_on_never_clean() -> None:
    # The baseline, the control and the arbitrary origin's GET and preflight
    # are answered; then nothing.
    with answers_then_silence(answered=4) as (url, count):
        started = time.perf_counter()
        (report,) = audit([url], timeout=0.3, retries=0, concurrency=1)
        elapsed = time.perf_counter() - started
        sent = count[0]
    assert report.errors, report
    assert exit_status([report], Severity.MEDIUM) == 2
    timeouts = [error for error in report.errors if "ReadTimeout" in error]
    assert len(timeouts) >= GIVE_UP_AFTER
    assert any("more probes not sent after" in error for error in report.errors)
    # A few timeouts, not one per probe (about 30 probes would take 9 s).
    assert elapsed < 4
    assert sent < 12


def test_concurrency_one_audits_completely() -> None:
    with answers_then_silence(answered=10_000) as (url, _):
        (one,) = audit([url], timeout=2, retries=0, concurrency=1, attacker=ATTACKER)
        (many,) = audit([url], timeout=2, retries=0, concurrency=16, attacker=ATTACKER)
    assert one.errors == many.errors == []
    assert one.requests == many.requests
    assert [f.to_json() for f in one.findings] == [f.to_json() for f in many.findings]
    assert {f.cls.id for f in one.findings} == {"null-trusted"}


def test_evidence_is_the_same_from_run_to_run() -> None:
    with answers_then_silence(answered=10_000) as (url, _):
        scanner = Scanner(timeout=2, retries=0, concurrency=20, attacker=ATTACKER)
        runs = [
            [report.to_json() for report in asyncio.run(scanner.scan([url] * 3))] for _ in range(2)
        ]
    assert runs[0] == runs[1]
    assert runs[0][0]["findings"]
