"""Odd servers: an endless stream of `100 Continue` costs the audit little
CPU and ends as an error (never a hang, never clean); a `101` answer and a
redirect-only URL are reported with a note in every format."""

from __future__ import annotations

import json
import resource
import socket
import threading
from contextlib import AbstractContextManager

import pytest

from crossorigin.audit import audit
from crossorigin.audit.http1 import MAX_INTERIM_RESPONSES
from crossorigin.cli import main
from servers.raw_tcp import RawServer, raw_tcp, request_heads

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def endless_continue() -> AbstractContextManager[RawServer]:
    """Answers every request with `100 Continue` heads, forever, as fast as
    the socket takes them."""

    def flood(connection: socket.socket, stop: threading.Event) -> None:
        with connection:
            try:
                connection.recv(65536)
                while not stop.is_set():
                    connection.sendall(CONTINUE * 64)
            except OSError:
                return

    return raw_tcp(flood)


def _thread_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


def test_an_endless_100_continue_costs_little_and_is_an_error() -> None:
    """The parser gives up after MAX_INTERIM_RESPONSES heads: a few
    connections and a fraction of a second of this thread's CPU, where an
    uncapped client parses forever (the flood never ends)."""
    with endless_continue() as server:
        before = _thread_cpu()
        (report,) = audit([server.base_url + "/api"], retries=1, timeout=5)
        spent = _thread_cpu() - before
    assert report.findings == []
    assert report.errors and all("interim" in error for error in report.errors)
    assert f"more than {MAX_INTERIM_RESPONSES} interim" in report.errors[0]
    assert server.connections <= 2  # the baseline and its one retry: the host is given up on
    assert spent < 2.0, spent


def raw_answers(answer: bytes) -> AbstractContextManager[RawServer]:
    """Answers every request with the bytes `answer`."""

    def serve(connection: socket.socket, stop: threading.Event) -> None:
        with connection:
            for _ in request_heads(connection, stop):
                connection.sendall(answer)

    return raw_tcp(serve)


@pytest.mark.parametrize(
    ("answer", "note"),
    [
        (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\n\r\n",
            "101 Switching Protocols",
        ),
        (
            b"HTTP/1.1 301 Moved Permanently\r\nLocation: https://example.com/api\r\n"
            b"Content-Length: 0\r\n\r\n",
            "every answer was a redirect (301 to https://example.com/api)",
        ),
    ],
)
def test_unjudgeable_answers_carry_a_note_in_every_format(
    answer: bytes, note: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with raw_answers(answer) as server:
        url = server.base_url + "/api"
        code = main(["audit", "--no-progress", "--seed", "1", "--format", "json", url])
        (target,) = json.loads(capsys.readouterr().out)["targets"]
        assert code == 0
        assert target["findings"] == [] and target["errors"] == []
        assert any(note in text for text in target["notes"])
        main(["audit", "--no-progress", "--seed", "1", url])
        text = capsys.readouterr().out
    assert "no findings, but read the notes" in text and note in text
    assert "\n  no findings\n" not in text
