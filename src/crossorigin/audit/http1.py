"""The audit's HTTP/1.1 wire format, sans I/O: request heads out, responses in.

Theory of operation: `transport.py` owns sockets and timing; this module owns
bytes. `ResponseParser` is fed whatever the socket delivered and says when one
response is complete, how its body was framed (RFC 9112 §6.3: no body for
HEAD, 1xx, 204 and 304; chunked coding; Content-Length; otherwise until the
connection closes) and whether the connection can carry another request.
Interim 1xx answers (other than 101) are skipped, as every client does.

Only what an audit needs: the status and the header lines exactly as the
server sent them (names in their own case, values trimmed of spaces and tabs,
repeated names kept), decoded once as Latin-1 so nothing downstream decodes
or normalizes again. The body is read so the connection stays usable, capped
at `MAX_BODY_BYTES` (past that the connection is dropped, not drained); the
audit never judges it.

Work is linear in the bytes received, however they are split: the buffer is
a `bytearray` read from an offset (consumed bytes are dropped in one move
once they are the larger part), and a search for a line end or the end of
the head resumes where the previous one stopped. Before this, a hostile
server sending its answer one byte at a time made each byte copy everything
buffered so far (47 s of CPU for one URL). What a server may send before
the final answer is capped too: `MAX_HEADER_BYTES` per head, per chunk-size
line and for all trailers together, and `MAX_INTERIM_RESPONSES` 1xx heads.

Why not h11 (which the proxy uses): its event objects and per-connection
state machine cost several times this parser's few microseconds per
response, and the audit reads thousands of responses a second. The tests
check this parser against h11 on the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_HEADER_BYTES",
    "MAX_INTERIM_RESPONSES",
    "ProtocolError",
    "Response",
    "ResponseParser",
    "encode_header_lines",
    "request_target",
]

#: A response header block larger than this is refused (a protocol error).
MAX_HEADER_BYTES: Final = 64 * 1024
#: Body bytes read at most; past this the connection is dropped, not drained.
MAX_BODY_BYTES: Final = 1024 * 1024
#: Interim (1xx) answers skipped at most before the final one; RFC 9110 §15.2
#: allows several (100 then 103), none allows an endless stream of them.
MAX_INTERIM_RESPONSES: Final = 8
#: A chunk size longer than this many hex digits is refused (16 digits is
#: already far past `MAX_BODY_BYTES`).
_MAX_CHUNK_SIZE_DIGITS: Final = 16

#: Printable ASCII but the space: sent as is in a request target.
_TARGET_SAFE: Final = "".join(chr(code) for code in range(0x21, 0x7F))
_NO_BODY_STATUSES: Final = frozenset({204, 304})
_END_OF_HEAD: Final = b"\r\n\r\n"

# Parser states.
_HEAD: Final = 0
_LENGTH: Final = 1
_CHUNK_SIZE: Final = 2
_CHUNK_DATA: Final = 3
_CHUNK_END: Final = 4
_TRAILERS: Final = 5
_UNTIL_CLOSE: Final = 6
_DONE: Final = 7


class ProtocolError(Exception):
    """The bytes received are not an HTTP/1.x response."""


@dataclass(frozen=True, slots=True)
class Response:
    """One HTTP/1.x response as received."""

    version: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def encode_header_lines(headers: Iterable[tuple[str, str]]) -> bytes:
    """`Name: value` lines, each ending in CRLF. Names and values are sent as
    given (Latin-1); a CR or LF in them would split the request, so it is refused."""
    lines = [f"{name}: {value}\r\n" for name, value in headers]
    text = "".join(lines)
    if text.count("\n") != len(lines) or text.count("\r") != len(lines):
        raise ValueError(f"a header name or value holds CR or LF: {text[:200]!r}")
    return text.encode("latin-1")


def request_target(url: str) -> str:
    """The origin-form request target of an http(s) URL (RFC 9112 §3.2.1):
    path and query, no fragment, `/` when empty, with whatever may not appear
    on the wire (controls, spaces, non-ASCII) percent-encoded as UTF-8 and
    existing escapes kept."""
    rest = url.partition("://")[2]
    rest = rest.partition("#")[0].replace("\\", "/")
    start = len(rest)
    for stop in "/?":
        index = rest.find(stop)
        if index != -1 and index < start:
            start = index
    target = rest[start:]
    if not target.startswith("/"):
        target = "/" + target
    return quote(target, safe=_TARGET_SAFE)


def parse_head(block: str) -> tuple[str, int, tuple[tuple[str, str], ...]]:
    """The version, status and header lines of a response head (without its
    final empty line), decoded as Latin-1."""
    status_line, _, rest = block.partition("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise ProtocolError(f"not an HTTP/1.x answer: {status_line[:80]!r}")
    headers: list[tuple[str, str]] = []
    if rest:
        for line in rest.split("\r\n"):
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip():
                raise ProtocolError(f"malformed header line {line[:80]!r}")
            headers.append((name, value.strip(" \t")))
    return parts[0], int(parts[1]), tuple(headers)


class ResponseParser:
    """Reads one response to a request with method `method`.

    `feed(data)` returns True once the response is complete; `feed_eof()`
    when the peer closed, True if that completed it. Then `response()` is the
    answer and `reusable` says whether the connection may carry another
    request. Raises `ProtocolError` on anything that is not HTTP/1.x.
    """

    __slots__ = (
        "_body",
        "_buffer",
        "_chunk",
        "_headers",
        "_interim",
        "_keep_alive",
        "_offset",
        "_remaining",
        "_scanned",
        "_state",
        "_status",
        "_trailer_bytes",
        "_version",
        "head_only",
        "received",
        "reusable",
    )

    def __init__(self, head_only: bool = False) -> None:
        #: The request was HEAD: a response never has a body.
        self.head_only = head_only
        #: Any byte of an answer arrived (a reused connection that closes
        #: before this may be retried on a fresh one).
        self.received = False
        self.reusable = False
        self._buffer = bytearray()
        #: Bytes of `_buffer` before this offset are consumed.
        self._offset = 0
        #: Where the search for the next line end or head end resumes.
        self._scanned = 0
        self._interim = 0
        self._trailer_bytes = 0
        self._state = _HEAD
        self._version = ""
        self._status = 0
        self._headers: tuple[tuple[str, str], ...] = ()
        self._keep_alive = False
        self._body: list[bytes] = []
        self._remaining = 0
        self._chunk = 0

    @property
    def done(self) -> bool:
        return self._state == _DONE

    def response(self) -> Response:
        return Response(self._version, self._status, self._headers, b"".join(self._body))

    def feed(self, data: bytes) -> bool:
        if data:
            self.received = True
            buffer = self._buffer
            if self._offset and self._offset * 2 >= len(buffer):
                # Drop the consumed part once it is the larger one: each byte
                # is moved a bounded number of times, so feeding stays linear.
                del buffer[: self._offset]
                self._scanned -= self._offset
                self._offset = 0
            buffer += data
        while self._state != _DONE:
            if not self._step():
                return False
        return True

    def feed_eof(self) -> bool:
        """The peer closed the connection; True when that ends the answer."""
        if self._state == _UNTIL_CLOSE:
            self._body.append(self._take(self._available()))
            self._state = _DONE
            self.reusable = False
            return True
        return self._state == _DONE

    # -- the buffer: `_offset` onwards is unread --------------------------------------

    def _available(self) -> int:
        return len(self._buffer) - self._offset

    def _take(self, size: int) -> bytes:
        start = self._offset
        self._offset = start + size
        self._scanned = max(self._scanned, self._offset)
        return bytes(self._buffer[start : start + size])

    def _skip(self, size: int) -> None:
        self._offset += size
        self._scanned = max(self._scanned, self._offset)

    def _find(self, marker: bytes, limit: int, what: str) -> int:
        """The length of the unread bytes before `marker`, or -1 when it has
        not arrived yet. The search resumes where the last one ended; more
        than `limit` bytes without it is a protocol error."""
        buffer = self._buffer
        end = buffer.find(marker, max(self._scanned, self._offset))
        if end == -1:
            if self._available() > limit:
                raise ProtocolError(f"{what} too large")
            self._scanned = max(self._offset, len(buffer) - len(marker) + 1)
            return -1
        if end - self._offset > limit:
            raise ProtocolError(f"{what} too large")
        return end - self._offset

    # -- one step of the state machine; False when more bytes are needed -----------

    def _step(self) -> bool:
        state = self._state
        if state == _HEAD:
            size = self._find(_END_OF_HEAD, MAX_HEADER_BYTES, "response headers")
            if size == -1:
                return False
            head = self._take(size)
            self._skip(4)
            self._start(head.decode("latin-1"))
            return True
        if state == _LENGTH:
            take = min(self._remaining, self._available())
            if take:
                self._body.append(self._take(take))
                self._remaining -= take
            if self._remaining:
                return False
            self._state = _DONE
            return True
        if state == _UNTIL_CLOSE:
            if self._available() >= MAX_BODY_BYTES:
                self._body.append(self._take(MAX_BODY_BYTES))
                self._state = _DONE
                self.reusable = False
                return True
            return False
        if state == _CHUNK_SIZE:
            size_line = self._find(b"\r\n", MAX_HEADER_BYTES, "chunk size line")
            if size_line == -1:
                return False
            size_text = self._take(size_line).split(b";", 1)[0].strip()
            self._skip(2)
            if len(size_text) > _MAX_CHUNK_SIZE_DIGITS:
                raise ProtocolError(f"bad chunk size {size_text[:40]!r}")
            try:
                size = int(size_text, 16)
            except ValueError:
                raise ProtocolError(f"bad chunk size {size_text[:40]!r}") from None
            if size < 0:
                raise ProtocolError(f"bad chunk size {size_text[:40]!r}")
            if size == 0:
                self._state = _TRAILERS
                return True
            if self._remaining + size > MAX_BODY_BYTES:
                self._state = _DONE
                self.reusable = False
                return True
            self._chunk = size
            self._state = _CHUNK_DATA
            return True
        if state == _CHUNK_DATA:
            size = self._chunk
            if self._available() < size + 2:
                return False
            end = self._offset + size
            if self._buffer[end : end + 2] != b"\r\n":
                raise ProtocolError("chunk data not followed by CRLF")
            self._body.append(self._take(size))
            self._skip(2)
            self._remaining += size  # while chunked: the body length so far
            self._state = _CHUNK_SIZE
            return True
        if state == _TRAILERS:
            line = self._find(b"\r\n", MAX_HEADER_BYTES - self._trailer_bytes, "trailers")
            if line == -1:
                return False
            self._trailer_bytes += line + 2
            self._skip(line + 2)
            if line == 0:
                self._state = _DONE
                self.reusable = self._keep_alive
            return True
        raise AssertionError(f"unknown parser state {state}")  # pragma: no cover

    def _start(self, head: str) -> None:
        """A head arrived: skip it when interim, else pick the body framing."""
        version, status, headers = parse_head(head)
        if 100 <= status < 200 and status != 101:
            # Interim (100 Continue, 103 Early Hints): the answer follows.
            self._interim += 1
            if self._interim > MAX_INTERIM_RESPONSES:
                raise ProtocolError(f"more than {MAX_INTERIM_RESPONSES} interim (1xx) responses")
            return
        self._version, self._status, self._headers = version, status, headers
        connection = ""
        transfer_encoding = ""
        lengths: set[str] = set()
        for name, value in headers:
            lowered = name.lower()
            if lowered == "content-length":
                lengths.add(value.strip())
            elif lowered == "transfer-encoding":
                transfer_encoding += "," + value.lower()
            elif lowered == "connection":
                connection += "," + value.lower()
        self._keep_alive = "close" not in connection and (
            version == "HTTP/1.1" or "keep-alive" in connection
        )
        if self.head_only or status in _NO_BODY_STATUSES or status == 101:
            self._state = _DONE
            self.reusable = self._keep_alive and status != 101
        elif transfer_encoding:
            if transfer_encoding.rstrip(" \t").endswith("chunked"):
                self._state = _CHUNK_SIZE
                self._remaining = 0
            else:
                self._state = _UNTIL_CLOSE
        elif not lengths:
            self._state = _UNTIL_CLOSE
        else:
            length = next(iter(lengths))
            if len(lengths) > 1 or not length.isdigit():
                raise ProtocolError(f"invalid Content-Length {', '.join(sorted(lengths))[:80]!r}")
            self._remaining = min(int(length), MAX_BODY_BYTES)
            self._state = _LENGTH
            self.reusable = self._keep_alive and int(length) <= MAX_BODY_BYTES
