"""A lean HTTP/1.1 keep-alive transport for httpx, sized for scanning.

Why it exists: an audit sends dozens of small requests per URL, and with
httpcore's general-purpose pool (anyio locks, per-request scans of every
connection) the client spent about 0.8 ms of CPU per request on a 2-core
machine, more than the servers under test. This transport does only what the
audit needs, over asyncio streams: HTTP/1.1 with keep-alive, one request per
connection at a time, idle connections kept per (scheme, host, port), TLS
for https, bodies by Content-Length, chunked coding or end of stream, and
1xx responses skipped. No HTTP/2, no proxies, no decompression (the body is
never judged). It plugs in below `httpx.AsyncClient`, so the scanner keeps
httpx's request and response model and its exceptions.

A reused idle connection may have been closed by the server meanwhile; a
request that fails on one before any byte of the answer came back is sent
again once on a fresh connection (what every HTTP/1.1 client does).
"""

from __future__ import annotations

import asyncio
import ssl
from collections import defaultdict
from typing import Final

import httpx

__all__ = ["KeepAliveTransport"]

#: A response header block larger than this is refused (a protocol error).
MAX_HEADER_BYTES: Final = 64 * 1024
#: Body bytes read at most; past this the connection is dropped, not drained.
MAX_BODY_BYTES: Final = 1024 * 1024
_NO_BODY_STATUSES: Final = frozenset({204, 304})

_Key = tuple[str, str, int]
_Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class _StaleConnection(Exception):
    """A reused connection failed before the answer started."""


class KeepAliveTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, verify: bool | ssl.SSLContext = True) -> None:
        if isinstance(verify, ssl.SSLContext):
            self._tls = verify
        else:
            self._tls = ssl.create_default_context()
            if not verify:
                self._tls.check_hostname = False
                self._tls.verify_mode = ssl.CERT_NONE
        self._idle: defaultdict[_Key, list[_Connection]] = defaultdict(list)
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported scheme {url.scheme!r}", request=request)
        port = url.port or (443 if url.scheme == "https" else 80)
        key = (url.scheme, url.host, port)
        timeouts = request.extensions.get("timeout", {})
        connect_timeout = timeouts.get("connect")
        read_timeout = timeouts.get("read")
        head = _request_head(request)
        body = request.content
        while self._idle[key]:
            connection = self._idle[key].pop()
            try:
                return await self._exchange(
                    key, connection, request, head + body, read_timeout, reused=True
                )
            except _StaleConnection:
                continue
        connection = await self._connect(key, request, connect_timeout)
        return await self._exchange(
            key, connection, request, head + body, read_timeout, reused=False
        )

    async def _connect(
        self, key: _Key, request: httpx.Request, timeout: float | None
    ) -> _Connection:
        scheme, host, port = key
        try:
            async with asyncio.timeout(timeout):
                return await asyncio.open_connection(
                    host.strip("[]"),
                    port,
                    ssl=self._tls if scheme == "https" else None,
                    server_hostname=host if scheme == "https" else None,
                    limit=MAX_HEADER_BYTES,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout("timed out connecting", request=request) from None
        except (OSError, ssl.SSLError) as error:
            raise httpx.ConnectError(str(error) or type(error).__name__, request=request) from None

    async def _exchange(
        self,
        key: _Key,
        connection: _Connection,
        request: httpx.Request,
        payload: bytes,
        timeout: float | None,
        *,
        reused: bool,
    ) -> httpx.Response:
        reader, writer = connection
        started = False
        try:
            async with asyncio.timeout(timeout):
                writer.write(payload)
                await writer.drain()
                while True:
                    try:
                        block = await reader.readuntil(b"\r\n\r\n")
                    except asyncio.IncompleteReadError as error:
                        if not error.partial and reused:
                            raise _StaleConnection from None
                        raise httpx.RemoteProtocolError(
                            "the server closed the connection without an answer", request=request
                        ) from None
                    started = True
                    version, status, headers = _parse_head(block, request)
                    if 100 <= status < 200 and status != 101:
                        continue
                    break
                body, reusable = await _read_body(reader, request.method, status, headers)
        except _StaleConnection:
            writer.close()
            raise
        except TimeoutError:
            writer.close()
            raise httpx.ReadTimeout("timed out waiting for the answer", request=request) from None
        except asyncio.LimitOverrunError:
            writer.close()
            raise httpx.RemoteProtocolError("response headers too large", request=request) from None
        except httpx.HTTPError:
            writer.close()
            raise
        except (OSError, asyncio.IncompleteReadError) as error:
            writer.close()
            if reused and not started:
                raise _StaleConnection from None
            raise httpx.ReadError(str(error) or type(error).__name__, request=request) from None
        connection_header = b",".join(
            value.lower() for name, value in headers if name.lower() == b"connection"
        )
        keep_alive = (
            reusable
            and b"close" not in connection_header
            and (version == b"HTTP/1.1" or b"keep-alive" in connection_header)
        )
        if keep_alive and not self._closed:
            self._idle[key].append(connection)
        else:
            writer.close()
        return httpx.Response(
            status,
            headers=headers,
            content=body,
            request=request,
            extensions={"http_version": version},
        )

    async def aclose(self) -> None:
        self._closed = True
        for connections in self._idle.values():
            for _, writer in connections:
                writer.close()
        self._idle.clear()


def _request_head(request: httpx.Request) -> bytes:
    target = request.url.raw_path or b"/"
    lines = [request.method.encode("ascii") + b" " + target + b" HTTP/1.1"]
    lines.extend(name + b": " + value for name, value in request.headers.raw)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _parse_head(
    block: bytes, request: httpx.Request
) -> tuple[bytes, int, list[tuple[bytes, bytes]]]:
    status_line, *lines = block[:-4].split(b"\r\n")
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise httpx.RemoteProtocolError(
            f"not an HTTP/1.x answer: {status_line[:80]!r}", request=request
        )
    headers = []
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise httpx.RemoteProtocolError(f"malformed header line {line[:80]!r}", request=request)
        headers.append((name, value.strip(b" \t")))
    return parts[0], int(parts[1]), headers


async def _read_body(
    reader: asyncio.StreamReader,
    method: str,
    status: int,
    headers: list[tuple[bytes, bytes]],
) -> tuple[bytes, bool]:
    """The body, and whether the connection can carry another request."""
    if method == "HEAD" or status in _NO_BODY_STATUSES or status == 101:
        return b"", status != 101
    encoding = b",".join(v.lower() for n, v in headers if n.lower() == b"transfer-encoding")
    if encoding:
        if not encoding.rstrip().endswith(b"chunked"):
            return await reader.read(MAX_BODY_BYTES), False
        return await _read_chunked(reader)
    lengths = {v.strip() for n, v in headers if n.lower() == b"content-length"}
    if not lengths:
        return await reader.read(MAX_BODY_BYTES), False
    if len(lengths) > 1 or not next(iter(lengths)).isdigit():
        raise asyncio.IncompleteReadError(b"", None)
    length = int(next(iter(lengths)))
    if length > MAX_BODY_BYTES:
        return await reader.readexactly(MAX_BODY_BYTES), False
    return await reader.readexactly(length), True


async def _read_chunked(reader: asyncio.StreamReader) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    total = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size_text = size_line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise asyncio.IncompleteReadError(size_line, None) from None
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return b"".join(chunks), True
        total += size
        if total > MAX_BODY_BYTES:
            return b"".join(chunks), False
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)
