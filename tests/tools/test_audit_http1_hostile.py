"""The audit's HTTP/1.1 parser against a hostile server: answers dribbled one
byte at a time, endless interim answers, oversized heads and trailers.

Linear work is shown by a ratio: feeding F times more bytes, one byte per
call, must cost about F times the CPU, not F². The bound (2.5 F) is loose
enough for a shared machine; with F = 16 the quadratic parser measured 83x
(one big chunk) and 215x (a body until close), the linear one 15-17x.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from crossorigin.audit.http1 import (
    MAX_BODY_BYTES,
    MAX_HEADER_BYTES,
    MAX_INTERIM_RESPONSES,
    ProtocolError,
    ResponseParser,
)

pytestmark = pytest.mark.timeout(120)

RATIO_SLACK = 2.5


def _one_byte_at_a_time(data: bytes) -> Callable[[], ResponseParser]:
    pieces = [data[index : index + 1] for index in range(len(data))]

    def run() -> ResponseParser:
        parser = ResponseParser()
        for piece in pieces:
            if parser.feed(piece):
                break
        else:
            parser.feed_eof()
        return parser

    return run


def _cpu_seconds(run: Callable[[], ResponseParser]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return max(best, 1e-4)


def _ratio(make: Callable[[int], bytes], small: int, factor: int) -> float:
    return _cpu_seconds(_one_byte_at_a_time(make(small * factor))) / _cpu_seconds(
        _one_byte_at_a_time(make(small))
    )


def _until_close(size: int) -> bytes:
    return b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"x" * size


def _one_chunk(size: int) -> bytes:
    return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (
        size,
        b"x" * size,
    )


@pytest.mark.parametrize(
    ("make", "small", "factor"),
    [(_until_close, 16 * 1024, 16), (_one_chunk, 16 * 1024, 16)],
    ids=["body-until-close", "one-big-chunk"],
)
def test_one_byte_feeds_cost_linear_time(
    make: Callable[[int], bytes], small: int, factor: int
) -> None:
    assert _ratio(make, small, factor) < RATIO_SLACK * factor


def test_one_byte_feeds_parse_the_same_answer() -> None:
    data = _one_chunk(1000)
    whole = ResponseParser()
    assert whole.feed(data)
    dribbled = _one_byte_at_a_time(data)()
    assert dribbled.done
    assert dribbled.response() == whole.response()
    assert dribbled.reusable == whole.reusable


def test_interim_answers_are_capped() -> None:
    interim = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
    final = b"HTTP/1.1 204 No Content\r\n\r\n"
    parser = ResponseParser()
    assert parser.feed(interim * MAX_INTERIM_RESPONSES + final)
    assert parser.response().status == 204
    with pytest.raises(ProtocolError, match="interim"):
        ResponseParser().feed(interim * (MAX_INTERIM_RESPONSES + 1) + final)


def test_an_endless_stream_of_interim_answers_stops_early() -> None:
    parser = ResponseParser()
    interim = b"HTTP/1.1 100 Continue\r\n\r\n"
    with pytest.raises(ProtocolError):
        for _ in range(100_000):
            parser.feed(interim)


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 200 OK\r\nX: " + b"a" * (MAX_HEADER_BYTES + 10),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"f" * (MAX_HEADER_BYTES + 10),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
        + b"X-Trailer: value\r\n" * (MAX_HEADER_BYTES // 10),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"1" * 40 + b"\r\n",
    ],
    ids=["head", "chunk-size-line", "trailers", "chunk-size-digits"],
)
def test_what_precedes_the_body_is_capped(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        ResponseParser().feed(data)


def test_the_buffer_holds_no_more_than_the_unread_bytes() -> None:
    # A long keep-alive body fed in small pieces: consumed bytes are dropped.
    parser = ResponseParser()
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % MAX_BODY_BYTES
    parser.feed(head)
    for _ in range(MAX_BODY_BYTES // 1024):
        parser.feed(b"z" * 1024)
        assert len(parser._buffer) <= 2 * 1024 + len(head)
    assert parser.done
