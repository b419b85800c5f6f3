"""The audit's HTTP/1.1 client: keep-alive connections per host, sized for scanning.

Why it exists: an audit sends dozens of small requests per URL. Through
httpx (request and response models, URL and header normalization, cookie
extraction, the client's auth and redirect layers) over httpcore's pool, the
audit spent most of its CPU in the client, more than the servers under test
spent answering. This client does only what the audit needs, directly on an
`asyncio.Protocol` (no stream reader/writer layer): the caller hands it the
request head as bytes (built once per target, see scanner.py), each response
is parsed once into `http1.Response` (str header pairs, as the browser model
reads them), and connections are kept idle per (scheme, host, port) and
reused, most recently used first, so a probe's GET and preflight go out on
the same connection one after the other.

Scope: HTTP/1.1 with keep-alive, one request per connection at a time, TLS
for https, an optional HTTP proxy (`Proxy`: https targets through a
`CONNECT` tunnel, RFC 9110 §9.3.6, TLS end to end inside it; http targets
sent to the proxy in absolute form, RFC 9112 §3.2.2, which the scanner
writes into the request head); no HTTP/2, no decompression (the body is never
judged), no pipelining (servers and middleboxes that mishandle it would turn
into false errors). Every request has a connect and a read timeout; read
timeouts share one periodic check (`_Deadlines`) instead of a timer each.

A reused idle connection may have been closed by the server meanwhile; one
that already said so is dropped before use, and a request that fails on one
before any byte of the answer came back is sent again once on a fresh
connection (what every HTTP/1.1 client does). Errors are `TransportError`
subclasses named like httpx's (`ConnectError`, `ReadTimeout`...), so reports
read the same.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote, urlsplit

from crossorigin.audit.http1 import ProtocolError, Response, ResponseParser

__all__ = [
    "ConnectError",
    "ConnectTimeout",
    "Endpoint",
    "KeepAliveTransport",
    "Proxy",
    "ReadError",
    "ReadTimeout",
    "RemoteProtocolError",
    "TransportError",
    "UnsupportedProtocol",
]

#: (scheme, host as in a URL, port): where a connection goes.
Endpoint = tuple[str, str, int]

_SCHEMES: Final = ("http", "https")
#: Hosts whose idle connections are kept (the most recently used ones).
MAX_IDLE_HOSTS: Final = 256
#: Seconds a read timeout may fire late (see `_Deadlines`).
TIMEOUT_GRANULARITY: Final = 0.05


class TransportError(Exception):
    """A request that got no complete answer."""


class UnsupportedProtocol(TransportError):
    pass


class ConnectError(TransportError):
    pass


class ConnectTimeout(TransportError):
    pass


class ReadTimeout(TransportError):
    pass


class ReadError(TransportError):
    pass


class RemoteProtocolError(TransportError):
    pass


@dataclass(frozen=True, slots=True)
class Proxy:
    """An HTTP proxy (`http://[user:password@]host:port`), e.g. an
    intercepting one such as Burp or mitmproxy."""

    host: str
    port: int
    #: The `Proxy-Authorization` value (Basic), from the URL's user info.
    authorization: str | None = None

    @classmethod
    def parse(cls, url: str) -> Proxy:
        """Raises ValueError with a message fit for the command line (which
        never repeats the password)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise ValueError("write the proxy as http://HOST:PORT") from None
        if parts.scheme != "http":
            raise ValueError(
                "only http:// proxies are supported (https targets go through a CONNECT "
                "tunnel over them)"
            )
        if not parts.hostname or parts.path not in ("", "/") or parts.query:
            raise ValueError("write the proxy as http://HOST:PORT")
        authorization = None
        if parts.username is not None:
            credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            authorization = "Basic " + base64.b64encode(credentials.encode()).decode("ascii")
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        return cls(host, port or 80, authorization)

    def __str__(self) -> str:
        return f"http://{self.host}:{self.port}"

    def header_lines(self) -> bytes:
        """What every request to the proxy itself carries."""
        if self.authorization is None:
            return b""
        return f"Proxy-Authorization: {self.authorization}\r\n".encode("ascii")


class _StaleConnection(Exception):
    """A reused connection closed before the answer started."""


def _via(proxy: Proxy | None) -> str:
    return "" if proxy is None else f" (through the proxy {proxy})"


class _Deadlines:
    """The read timeouts of every request in flight, checked by one periodic
    timer rather than one timer per request (each costs a heap push, a cancel
    and a pop later: about a tenth of the client's CPU at scanning rates). A
    timeout fires at most `TIMEOUT_GRANULARITY` seconds late."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._watched: dict[_Connection, float] = {}
        self._timer: asyncio.TimerHandle | None = None

    def watch(self, connection: _Connection, timeout: float) -> None:
        self._watched[connection] = self._loop.time() + timeout
        if self._timer is None:
            self._timer = self._loop.call_later(TIMEOUT_GRANULARITY, self._sweep)

    def unwatch(self, connection: _Connection) -> None:
        self._watched.pop(connection, None)

    def _sweep(self) -> None:
        now = self._loop.time()
        expired = [connection for connection, end in self._watched.items() if end <= now]
        for connection in expired:
            del self._watched[connection]
            connection.time_out()
        self._timer = (
            self._loop.call_later(TIMEOUT_GRANULARITY, self._sweep) if self._watched else None
        )

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._watched.clear()


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection; at most one request in flight."""

    __slots__ = (
        "_deadlines",
        "_loop",
        "_parser",
        "_reused",
        "_waiter",
        "closed",
        "transport",
        "used",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop, deadlines: _Deadlines) -> None:
        self._loop = loop
        self._deadlines = deadlines
        self.transport: asyncio.Transport | None = None
        self._parser: ResponseParser | None = None
        self._waiter: asyncio.Future[None] | None = None
        #: The peer closed, or the connection failed: never reuse it.
        self.closed = False
        #: A request was sent on it before.
        self.used = False
        #: The request in flight went out on a connection used before, so a
        #: close before its answer starts may be a stale keep-alive.
        self._reused = False

    # -- asyncio.Protocol ----------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        parser = self._parser
        if parser is None:
            # Bytes nobody asked for on an idle connection: unusable.
            self._close()
            return
        try:
            done = parser.feed(data)
        except ProtocolError as error:
            self._fail(RemoteProtocolError(str(error)))
            return
        if done:
            self._finish()

    def eof_received(self) -> bool | None:
        self.closed = True
        self._peer_closed(None)
        return None  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._peer_closed(exc)

    def _peer_closed(self, exc: Exception | None) -> None:
        parser = self._parser
        if parser is None:
            return
        if exc is None and parser.feed_eof():
            self._finish()
        elif not parser.received and self._reused:
            self._fail(_StaleConnection())
        elif exc is not None:
            self._fail(ReadError(str(exc) or type(exc).__name__))
        elif not parser.received:
            self._fail(RemoteProtocolError("the server closed the connection without an answer"))
        else:
            self._fail(ReadError("the server closed the connection in the middle of the answer"))

    # -- one exchange ------------------------------------------------------------------

    @property
    def usable(self) -> bool:
        return not self.closed and self.transport is not None and not self.transport.is_closing()

    async def tunnel(self, authority: str, proxy: Proxy) -> None:
        """Ask the proxy for a tunnel to `authority` (`CONNECT`); raises
        ConnectError when it refuses. The connection is then fresh for the
        requests that go through it."""
        head = (
            f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n".encode("ascii")
            + proxy.header_lines()
            + b"\r\n"
        )
        response = await self.exchange(head, True, None, tunnel=True)
        self.used = False
        if not 200 <= response.status < 300:
            self._close()
            raise ConnectError(f"the proxy {proxy} refused CONNECT {authority}: {response.status}")

    async def exchange(
        self, payload: bytes, head_only: bool, timeout: float | None, *, tunnel: bool = False
    ) -> Response:
        """Send `payload` (a complete request) and read the answer. A
        `tunnel` (CONNECT) answer leaves the connection open whatever its
        framing: what follows is the tunnel's."""
        assert self.transport is not None
        self._reused = self.used
        self.used = True
        parser = self._parser = ResponseParser(head_only)
        waiter = self._waiter = self._loop.create_future()
        if timeout is not None:
            self._deadlines.watch(self, timeout)
        try:
            self.transport.write(payload)
            await waiter
        except BaseException:
            self._close()  # an answer may still be on its way: never reuse
            raise
        finally:
            if timeout is not None:
                self._deadlines.unwatch(self)
            self._parser = None
            self._waiter = None
        if not parser.reusable and not tunnel:
            self._close()
        return parser.response()

    def time_out(self) -> None:
        self._fail(ReadTimeout("timed out waiting for the answer"))

    def _finish(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, error: BaseException) -> None:
        self._close()
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    def _close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class KeepAliveTransport:
    """Idle connections kept per endpoint; `request` sends one request.

    `verify` is as in httpx: True (system trust store), False (no checks) or
    an `ssl.SSLContext`. `resolve` maps (host, port) to the address to
    connect to instead of the host's own (curl's `--resolve`; host `*` for
    any host on that port); TLS still names and checks the host. With
    `proxy`, every connection goes to the proxy: a `CONNECT` tunnel for
    https, the connection itself for http (the caller writes the request in
    absolute form, see `Proxy.header_lines`).
    """

    def __init__(
        self,
        *,
        verify: bool | ssl.SSLContext = True,
        max_idle_hosts: int = MAX_IDLE_HOSTS,
        resolve: Mapping[tuple[str, int], str] | None = None,
        proxy: Proxy | None = None,
    ) -> None:
        self._verify = verify
        self._resolve = dict(resolve or {})
        self._proxy = proxy
        self._max_idle_hosts = max_idle_hosts
        self._tls: ssl.SSLContext | None = verify if isinstance(verify, ssl.SSLContext) else None
        self._idle: dict[Endpoint, list[_Connection]] = {}
        self._deadlines: _Deadlines | None = None
        self._closed = False

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
            if not self._verify:
                self._tls.check_hostname = False
                self._tls.verify_mode = ssl.CERT_NONE
        return self._tls

    async def request(
        self,
        endpoint: Endpoint,
        payload: bytes,
        *,
        head_only: bool = False,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
    ) -> Response:
        """Send `payload` (request line, headers, blank line, any body) to
        `endpoint` over an idle connection if there is one, and read the answer."""
        if endpoint[0] not in _SCHEMES:
            raise UnsupportedProtocol(f"unsupported scheme {endpoint[0]!r}")
        idle = self._idle.get(endpoint)
        while idle:
            connection = idle.pop()
            if not connection.usable:
                continue
            try:
                response = await connection.exchange(payload, head_only, read_timeout)
            except _StaleConnection:
                continue
            self._release(endpoint, connection)
            return response
        connection = await self._connect(endpoint, connect_timeout)
        response = await connection.exchange(payload, head_only, read_timeout)
        self._release(endpoint, connection)
        return response

    def _release(self, endpoint: Endpoint, connection: _Connection) -> None:
        if connection.closed:
            return
        if self._closed:
            connection._close()
            return
        # Most recently used endpoint last; past `max_idle_hosts`, the least
        # recently used one's connections are closed (a long list of hosts
        # must not keep a socket open per host).
        idle = self._idle.pop(endpoint, None)
        if idle is None:
            idle = []
        idle.append(connection)
        self._idle[endpoint] = idle
        if len(self._idle) > self._max_idle_hosts:
            for stale in self._idle.pop(next(iter(self._idle))):
                stale._close()

    async def _connect(self, endpoint: Endpoint, timeout: float | None) -> _Connection:
        scheme, host, port = endpoint
        loop = asyncio.get_running_loop()
        tls = self._tls_context() if scheme == "https" else None
        proxy = self._proxy
        if self._deadlines is None:
            self._deadlines = _Deadlines(loop)
        deadlines = self._deadlines
        try:
            async with asyncio.timeout(timeout):
                if proxy is None:
                    address = self._resolve.get((host, port)) or self._resolve.get(("*", port))
                    _, protocol = await loop.create_connection(
                        lambda: _Connection(loop, deadlines),
                        (address or host).strip("[]"),
                        port,
                        ssl=tls,
                        server_hostname=host.strip("[]") if tls is not None else None,
                    )
                    return protocol
                _, protocol = await loop.create_connection(
                    lambda: _Connection(loop, deadlines), proxy.host.strip("[]"), proxy.port
                )
                if tls is not None:
                    await self._through_tunnel(loop, protocol, tls, host, port, proxy)
                return protocol
        except TimeoutError:
            raise ConnectTimeout("timed out connecting" + _via(proxy)) from None
        except (OSError, ssl.SSLError) as error:
            raise ConnectError((str(error) or type(error).__name__) + _via(proxy)) from None
        except TransportError as error:
            if isinstance(error, ConnectError):
                raise
            raise ConnectError(f"{type(error).__name__}: {error}{_via(proxy)}") from None

    @staticmethod
    async def _through_tunnel(
        loop: asyncio.AbstractEventLoop,
        protocol: _Connection,
        tls: ssl.SSLContext,
        host: str,
        port: int,
        proxy: Proxy,
    ) -> None:
        """CONNECT, then TLS with the target inside the tunnel (the proxy
        sees only ciphertext, unless it intercepts with its own certificate,
        which the trust store must then hold)."""
        await protocol.tunnel(f"{host}:{port}", proxy)
        assert protocol.transport is not None
        secure = await loop.start_tls(
            protocol.transport, protocol, tls, server_hostname=host.strip("[]")
        )
        if secure is None:  # pragma: no cover - only when the transport closed meanwhile
            raise ConnectError("the proxy closed the tunnel")
        assert isinstance(secure, asyncio.Transport)
        protocol.transport = secure

    async def aclose(self) -> None:
        self._closed = True
        if self._deadlines is not None:
            self._deadlines.close()
            self._deadlines = None
        for connections in self._idle.values():
            for connection in connections:
                connection._close()
        self._idle.clear()
