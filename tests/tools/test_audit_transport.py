"""The audit's HTTP/1.1 client against a raw loopback server: chunked
bodies, 1xx answers, `Connection: close`, idle connections the server closed
(sent again once on a fresh connection), timeouts and garbage; and its
sans-I/O response parser fed byte by byte."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from crossorigin.audit.http1 import (
    MAX_BODY_BYTES,
    ProtocolError,
    Response,
    ResponseParser,
    encode_header_lines,
    request_target,
)
from crossorigin.audit.transport import (
    ConnectError,
    KeepAliveTransport,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    UnsupportedProtocol,
)
from servers.raw_tcp import RawServer, raw_tcp, request_heads

Answer = Callable[[int], bytes]


@contextmanager
def raw_server(answer: Answer, close_after_each: bool = False) -> Iterator[tuple[str, RawServer]]:
    """Answers request number N (over all connections) with `answer(N)`."""
    counter = [0]

    def handle(connection: socket.socket, stop: threading.Event) -> None:
        for _ in request_heads(connection, stop):
            counter[0] += 1
            connection.sendall(answer(counter[0]))
            if close_after_each:
                return

    with raw_tcp(handle, backlog=16) as server:
        yield server.base_url + "/", server


def _endpoint(url: str) -> tuple[str, str, int]:
    host, _, port = url.split("/")[2].partition(":")
    return ("http", host, int(port))


async def _get_many(url: str, count: int, timeout: float = 2) -> list[Response]:
    transport = KeepAliveTransport()
    payload = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    try:
        return [
            await transport.request(
                _endpoint(url), payload, connect_timeout=timeout, read_timeout=timeout
            )
            for _ in range(count)
        ]
    finally:
        await transport.aclose()


def test_chunked_bodies_and_interim_answers_keep_the_connection() -> None:
    def answer(number: int) -> bytes:
        return (
            b"HTTP/1.1 100 Continue\r\n\r\n"
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-N: "
            + str(number).encode()
            + b"\r\n\r\n"
            b"3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nTrailer: x\r\n\r\n"
        )

    with raw_server(answer) as (url, server):
        responses = asyncio.run(_get_many(url, 3))
    assert [r.body for r in responses] == [b"abcde"] * 3
    assert [dict(r.headers)["X-N"] for r in responses] == ["1", "2", "3"]
    assert server.connections == 1


def test_connection_close_opens_a_new_connection() -> None:
    def answer(number: int) -> bytes:
        return b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"

    with raw_server(answer, close_after_each=True) as (url, server):
        responses = asyncio.run(_get_many(url, 3))
    assert [r.status for r in responses] == [204] * 3
    assert server.connections == 3


def test_an_idle_connection_closed_by_the_server_is_retried_fresh() -> None:
    """The server closes after each answer but says nothing: the next request
    finds the idle connection dead and goes out again on a new one."""

    def answer(number: int) -> bytes:
        return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

    with raw_server(answer, close_after_each=True) as (url, server):
        responses = asyncio.run(_get_many(url, 3))
    assert [r.body for r in responses] == [b"ok"] * 3
    assert server.connections == 3


def test_garbage_is_a_protocol_error() -> None:
    with (
        raw_server(lambda number: b"SSH-2.0-OpenSSH\r\n\r\n") as (url, _),
        pytest.raises(RemoteProtocolError),
    ):
        asyncio.run(_get_many(url, 1))


def test_a_body_until_close_ends_the_connection() -> None:
    def answer(number: int) -> bytes:
        return b"HTTP/1.0 200 OK\r\nX-N: " + str(number).encode() + b"\r\n\r\nall of it"

    with raw_server(answer, close_after_each=True) as (url, server):
        responses = asyncio.run(_get_many(url, 2))
    assert [r.body for r in responses] == [b"all of it"] * 2
    assert [r.version for r in responses] == ["HTTP/1.0"] * 2
    assert server.connections == 2


def test_a_server_that_never_answers_is_a_read_timeout() -> None:
    with (
        raw_server(lambda number: b"") as (url, _),
        pytest.raises(ReadTimeout),
    ):
        asyncio.run(_get_many(url, 1, timeout=0.2))


def test_an_answer_cut_short_is_a_read_error() -> None:
    def answer(number: int) -> bytes:
        return b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"

    with (
        raw_server(answer, close_after_each=True) as (url, _),
        pytest.raises(ReadError),
    ):
        asyncio.run(_get_many(url, 1))


def test_a_closed_port_is_a_connect_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ConnectError):
        asyncio.run(_get_many(f"http://127.0.0.1:{port}/", 1))


def test_only_http_and_https() -> None:
    async def send() -> None:
        await KeepAliveTransport().request(("ftp", "127.0.0.1", 21), b"")

    with pytest.raises(UnsupportedProtocol):
        asyncio.run(send())


# -- the sans-I/O parser ----------------------------------------------------------------


def _parse_bytewise(data: bytes, head_only: bool = False) -> ResponseParser:
    parser = ResponseParser(head_only)
    for index in range(len(data)):
        if parser.feed(data[index : index + 1]):
            assert index == len(data) - 1, "complete before the last byte"
            return parser
    parser.feed_eof()
    return parser


@pytest.mark.parametrize(
    ("data", "head_only", "body", "reusable"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", False, b"abc", True),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", True, b"", True),
        (b"HTTP/1.1 204 No Content\r\n\r\n", False, b"", True),
        (b"HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n", False, b"", False),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", False, b"x", False),
        (
            b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
            False,
            b"x",
            True,
        ),
        (
            b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n0\r\n\r\n",
            False,
            b"abc",
            True,
        ),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz", False, b"zz", False),
    ],
)
def test_parser_framing(data: bytes, head_only: bool, body: bytes, reusable: bool) -> None:
    parser = _parse_bytewise(data, head_only)
    assert parser.done
    assert parser.response().body == body
    assert parser.reusable is reusable


def test_parser_keeps_header_names_as_sent_and_trims_values() -> None:
    parser = ResponseParser()
    assert parser.feed(
        b"HTTP/1.1 200 OK\r\naccess-control-allow-ORIGIN:  \thttps://a.test \t\r\n"
        b"Vary: Origin\r\nVary: Accept\r\nContent-Length: 0\r\n\r\n"
    )
    response = parser.response()
    assert response.status == 200
    assert response.headers == (
        ("access-control-allow-ORIGIN", "https://a.test"),
        ("Vary", "Origin"),
        ("Vary", "Accept"),
        ("Content-Length", "0"),
    )


@pytest.mark.parametrize(
    "data",
    [
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n folded: value\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nX: " + b"a" * (70 * 1024),
    ],
)
def test_parser_refuses_what_is_not_http(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        ResponseParser().feed(data)


def test_parser_caps_the_body() -> None:
    parser = ResponseParser()
    head = b"HTTP/1.1 200 OK\r\nContent-Length: " + str(MAX_BODY_BYTES + 5).encode()
    assert not parser.feed(head + b"\r\n\r\n")
    assert parser.feed(b"x" * (MAX_BODY_BYTES + 5))
    assert len(parser.response().body) == MAX_BODY_BYTES
    assert parser.reusable is False


def test_request_head_parts() -> None:
    assert request_target("https://u:p@h.test:8443/a b/é?q=1 2#frag") == "/a%20b/%C3%A9?q=1%202"
    assert request_target("http://h.test") == "/"
    assert request_target("http://h.test?x=%41") == "/?x=%41"
    assert encode_header_lines([("Origin", "null"), ("X", "")]) == b"Origin: null\r\nX: \r\n"
    with pytest.raises(ValueError):
        encode_header_lines([("Origin", "https://a.test\r\nX-Injected: 1")])


def test_idle_connections_are_kept_for_the_most_recent_hosts_only() -> None:
    def answer(number: int) -> bytes:
        return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

    async def visit(first: str, second: str) -> None:
        transport = KeepAliveTransport(max_idle_hosts=1)
        payload = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        try:
            for url in (first, second, first, first):
                await transport.request(_endpoint(url), payload, read_timeout=2)
        finally:
            await transport.aclose()

    with (
        raw_server(answer) as (first, first_server),
        raw_server(answer) as (second, second_server),
    ):
        asyncio.run(visit(first, second))
    # The first host's idle connection was closed when the second was used,
    # and the fourth request reused the third's.
    assert first_server.connections == 2
    assert second_server.connections == 1


def _h11_parse(data: bytes, method: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """h11's reading of the same bytes: the second opinion."""
    import h11

    connection = h11.Connection(h11.CLIENT)
    connection.send(h11.Request(method=method, target="/", headers=[("Host", "x")]))
    connection.send(h11.EndOfMessage())
    connection.receive_data(data)
    status, headers, body = 0, [], b""
    while True:
        event = connection.next_event()
        if isinstance(event, h11.Response):
            status = event.status_code
            headers = [(name.decode(), value.decode()) for name, value in event.headers]
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            return status, headers, body
        elif event is h11.NEED_DATA:
            connection.receive_data(b"")
        elif isinstance(event, h11.InformationalResponse):
            continue


@pytest.mark.parametrize(
    ("data", "method"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nVary: Origin\r\n\r\nhello", b"GET"),
        (
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n"
            b"Access-Control-Allow-Origin: https://a.test\r\n\r\n",
            b"OPTIONS",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX:  spaced \t\r\n\r\n"
            b"4;x=y\r\nwiki\r\n5\r\npedia\r\n0\r\nTrailer: 1\r\n\r\n",
            b"GET",
        ),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", b"HEAD"),
        (b"HTTP/1.0 403 Forbidden\r\nServer: x\r\n\r\nno more", b"GET"),
    ],
)
def test_parser_reads_what_h11_reads(data: bytes, method: bytes) -> None:
    parser = ResponseParser(head_only=method == b"HEAD")
    if not parser.feed(data):
        assert parser.feed_eof()
    ours = parser.response()
    status, headers, body = _h11_parse(data, method)
    assert ours.status == status
    assert [(name.lower(), value) for name, value in ours.headers] == headers
    assert ours.body == body
