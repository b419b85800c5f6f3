"""The audit's keep-alive transport against a raw loopback server: chunked
bodies, 1xx answers, `Connection: close`, and idle connections the server
closed (sent again once on a fresh connection)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from crossorigin.audit.transport import KeepAliveTransport

Answer = Callable[[int], bytes]


@contextmanager
def raw_server(answer: Answer, close_after_each: bool = False) -> Iterator[tuple[str, list[int]]]:
    """Answers request number N (over all connections) with `answer(N)`."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()
    connections: list[int] = []
    counter = [0]

    def handle(connection: socket.socket) -> None:
        connection.settimeout(2)
        with connection:
            data = b""
            while not stop.is_set():
                try:
                    chunk = connection.recv(65536)
                except (TimeoutError, OSError):
                    return
                if not chunk:
                    return
                data += chunk
                while b"\r\n\r\n" in data:
                    _, data = data.split(b"\r\n\r\n", 1)
                    counter[0] += 1
                    connection.sendall(answer(counter[0]))
                    if close_after_each:
                        return

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connections.append(1)
            threading.Thread(target=handle, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/", connections
    finally:
        stop.set()
        thread.join(5)
        listener.close()


async def _get_many(url: str, count: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(transport=KeepAliveTransport(), timeout=2) as client:
        return [await client.get(url) for _ in range(count)]


def test_chunked_bodies_and_interim_answers_keep_the_connection() -> None:
    def answer(number: int) -> bytes:
        return (
            b"HTTP/1.1 100 Continue\r\n\r\n"
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-N: "
            + str(number).encode()
            + b"\r\n\r\n"
            b"3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nTrailer: x\r\n\r\n"
        )

    with raw_server(answer) as (url, connections):
        responses = asyncio.run(_get_many(url, 3))
    assert [r.content for r in responses] == [b"abcde"] * 3
    assert [r.headers["x-n"] for r in responses] == ["1", "2", "3"]
    assert len(connections) == 1


def test_connection_close_opens_a_new_connection() -> None:
    def answer(number: int) -> bytes:
        return b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"

    with raw_server(answer, close_after_each=True) as (url, connections):
        responses = asyncio.run(_get_many(url, 3))
    assert [r.status_code for r in responses] == [204] * 3
    assert len(connections) == 3


def test_an_idle_connection_closed_by_the_server_is_retried_fresh() -> None:
    """The server closes after each answer but says nothing: the next request
    finds the idle connection dead and goes out again on a new one."""

    def answer(number: int) -> bytes:
        return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

    with raw_server(answer, close_after_each=True) as (url, connections):
        responses = asyncio.run(_get_many(url, 3))
    assert [r.content for r in responses] == [b"ok"] * 3
    assert len(connections) == 3


def test_garbage_is_a_protocol_error() -> None:
    with (
        raw_server(lambda number: b"SSH-2.0-OpenSSH\r\n\r\n") as (url, _),
        pytest.raises(httpx.RemoteProtocolError),
    ):
        asyncio.run(_get_many(url, 1))
