"""The proxy's I/O: connections, limits, forwarding and streaming.

Each client connection is read by h11; a complete request head goes through
`request.admit` (the proxy's own checks), then the engine decides, and this
module carries the decision out: answer directly (preflights, refused
WebSocket upgrades), or forward to the target and stream the answer back with
the engine's headers in place of any `Access-Control-*` the upstream sent.

Limits, so that a slow or hostile client cannot lock others out:

- at most `Limits.max_connections` client connections (by default what the
  process's descriptor limit allows, each connection holding two); when full,
  the connection that has waited longest for a request head is closed to make
  room (slowloris connections are always such), or, when every connection is
  mid-exchange, the newcomer gets a 503;
- a request head must arrive within `Limits.head_timeout` of its first byte,
  a total, not an idle timer that every byte would restart;
- an idle keep-alive connection is closed after `Limits.idle_timeout`.

Every log line passes through `crossorigin.terminal.safe` once, here: header
values, paths and error texts come from the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Final, Literal, cast

import h11

from crossorigin.edge import merge_vary
from crossorigin.engine import Decision, Engine, RequestKind
from crossorigin.proxy.addresses import ListenAddress, OwnAddress, Target
from crossorigin.proxy.request import Admitted, Header, Refused, admit, end_to_end
from crossorigin.terminal import safe

try:
    import resource
except ImportError:  # not POSIX
    resource = None  # type: ignore[assignment]

__all__ = ["CORSProxy", "Limits", "default_max_connections", "serve"]

#: Bytes read from a socket at a time: the most body the proxy holds per
#: direction of one exchange (plus the transport's own buffers).
READ_SIZE: Final = 64 * 1024
#: Largest request or response head accepted (request line / status line and headers).
MAX_HEAD_SIZE: Final = 64 * 1024
_CORS_RESPONSE_PREFIX: Final = b"access-control-"
#: Descriptors left for everything but client connections (listening sockets,
#: the log, DNS, TLS).
_SPARE_DESCRIPTORS: Final = 32

#: How long, and how much, a refused client's remaining input is read and
#: discarded before closing (see `_linger`).
_LINGER_SECONDS: Final = 1.0
_LINGER_BYTES: Final = 1024 * 1024
_FINISHED: Final = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED)

Log = Callable[[str], None]
Side = Literal["client", "upstream"]


def default_max_connections() -> int:
    """As many client connections as the descriptor limit allows, each holding
    two (client and upstream), between 8 and 1024."""
    soft = 4096
    if resource is not None:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            soft = 1 << 16
    return max(8, min(1024, (soft - _SPARE_DESCRIPTORS) // 2))


@dataclass(frozen=True, slots=True)
class Limits:
    max_connections: int = field(default_factory=default_max_connections)
    #: Total time for a request head, from its first byte.
    head_timeout: float = 10.0
    #: How long a connection may wait for the first byte of a request.
    idle_timeout: float = 30.0
    connect_timeout: float = 10.0
    #: How long an upstream may take to start answering, and the longest
    #: silence inside a body (either way) before the exchange is abandoned.
    upstream_timeout: float = 120.0


class _Closed(Exception):
    """The peer went away or stayed silent too long."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class _HeadTimeout(Exception):
    """A request head started but did not finish within `head_timeout`."""


class _Broken(Exception):
    """One side of an exchange failed; `moved` body bytes had gone through."""

    def __init__(self, side: Side, why: str, moved: int = 0) -> None:
        super().__init__(f"{side} {why}")
        self.side = side
        self.why = why
        self.moved = moved


async def _next_event(
    conn: h11.Connection, reader: asyncio.StreamReader, timeout: float
) -> h11.Event | type[h11.PAUSED]:
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return cast("h11.Event | type[h11.PAUSED]", event)
        try:
            data = await asyncio.wait_for(reader.read(READ_SIZE), timeout)
        except TimeoutError:
            raise _Closed(f"was silent for {timeout:g} s") from None
        except ConnectionError as error:
            raise _Closed(f"closed the connection ({error})") from error
        conn.receive_data(data)


async def _linger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Half-close, then discard what the client still sends, briefly: closing a
    socket with unread input makes the kernel send a reset, which can destroy
    an error response before the client has read it."""
    with contextlib.suppress(Exception):
        if writer.can_write_eof():
            writer.write_eof()
        discarded = 0
        async with asyncio.timeout(_LINGER_SECONDS):
            while discarded < _LINGER_BYTES and (data := await reader.read(READ_SIZE)):
                discarded += len(data)


def _set_nodelay(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _phrase(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode()
    except ValueError:
        return b""


def response_headers(upstream: Iterable[Header], decision: Decision) -> tuple[list[Header], bool]:
    """The upstream's end-to-end headers without its CORS headers, plus the
    engine's; and whether any upstream CORS header was removed."""
    # (A response with both Content-Length and Transfer-Encoding needs nothing
    # here: h11 frames it by Transfer-Encoding and, sending it on, drops
    # Content-Length, as RFC 9112 §6.3 asks of an intermediary.)
    kept: list[Header] = []
    upstream_vary: list[bytes] = []
    stripped = False
    for key, value in end_to_end(upstream):
        lowered = key.lower()
        if lowered.startswith(_CORS_RESPONSE_PREFIX):
            stripped = True
        elif lowered == b"vary":
            upstream_vary.append(value)
        else:
            kept.append((key, value))
    added_vary = [value for key, value in decision.headers if key == b"vary"]
    kept.extend((key, value) for key, value in decision.headers if key != b"vary")
    if upstream_vary or added_vary:
        merged = merge_vary(*(value.decode("latin-1") for value in [*upstream_vary, *added_vary]))
        kept.append((b"vary", merged.encode("latin-1")))
    return kept, stripped


def describe(decision: Decision, credentialed: bool = False, credentials: bool = True) -> str:
    """The verdict as the log shows it. An allowed actual request that carried a
    cookie, under a policy without credentials, gets the CORS headers but the
    browser still refuses to share the answer (Fetch §4.9 CORS check, step 6:
    credentials mode "include" needs `Access-Control-Allow-Credentials: true`)."""
    kind = decision.kind.value
    if decision.allowed:
        if decision.kind is RequestKind.NOT_CORS:
            return "not-cors"
        if decision.kind is RequestKind.ACTUAL and credentialed and not credentials:
            return (
                f"{kind}: CORS headers sent, but the browser will refuse to share a "
                "credentialed response (the request carried cookies): policy has "
                "credentials=false"
            )
        return f"{kind} allowed"
    reason = decision.reason
    text = f"{kind} refused: {reason.value} ({reason.explanation})" if reason else f"{kind} refused"
    if decision.detail:
        text += f" [{decision.detail}]"
    return text


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count / (1024 * 1024):.1f} MiB"


def _latin1(value: bytes) -> str:
    return value.decode("latin-1")


def request_line(request: h11.Request) -> str:
    """Method, target and the CORS request headers, for the log (unescaped:
    `CORSProxy` escapes every line it logs)."""
    line = f"{_latin1(request.method)} {_latin1(request.target)}"
    origins = [value for name, value in request.headers if name == b"origin"]
    for origin in origins:
        line += f" origin={_latin1(origin)}"
    wanted = [v for n, v in request.headers if n == b"access-control-request-method"]
    if request.method == b"OPTIONS" and origins and wanted:
        line += f" wants={_latin1(b', '.join(wanted))}"
        asked = [v for n, v in request.headers if n == b"access-control-request-headers"]
        if asked:
            line += f" headers={_latin1(b','.join(asked))}"
    return line


class _Connection:
    """One client connection, as the connection cap sees it."""

    __slots__ = ("busy", "evicted", "waiting_since", "writer")

    def __init__(self, writer: asyncio.StreamWriter, now: float) -> None:
        self.writer = writer
        self.waiting_since = now
        self.busy = False
        self.evicted = False

    def evict(self) -> None:
        self.evicted = True
        self.writer.transport.abort()


class CORSProxy:
    """Forwards HTTP/1.1 exchanges to a target, carrying out the engine's decisions."""

    def __init__(
        self,
        engine: Engine,
        target: Target,
        listen: ListenAddress,
        *,
        log: Log | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.engine = engine
        self.target = target
        self.listen = listen
        self.limits = limits or Limits()
        self._write_log = log or (lambda line: None)
        self._ssl: ssl.SSLContext | None = (
            ssl.create_default_context() if target.scheme == "https" else None
        )
        self._connections: dict[_Connection, None] = {}
        self._own: dict[tuple[str, int], OwnAddress] = {}

    def _log(self, text: str) -> None:
        self._write_log(safe(text))

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    def _own_address(self, writer: asyncio.StreamWriter) -> OwnAddress:
        sockname = writer.get_extra_info("sockname")
        ip, port = (str(sockname[0]), int(sockname[1])) if sockname else ("", self.listen.port)
        own = self._own.get((ip, port))
        if own is None:
            own = self._own[(ip, port)] = self.listen.own_address(port, ip or None)
        return own

    def _make_room(self, writer: asyncio.StreamWriter) -> bool:
        """Whether a new connection may proceed, evicting a waiting one if full."""
        if len(self._connections) < self.limits.max_connections:
            return True
        waiting = [conn for conn in self._connections if not conn.busy]
        if waiting:
            victim = min(waiting, key=lambda conn: conn.waiting_since)
            del self._connections[victim]
            victim.evict()
            self._log(
                f"- connection limit ({self.limits.max_connections}) reached: closed the "
                "connection that had waited longest for a request"
            )
            return True
        body = b"crossorigin proxy: too many connections, all busy; try again\n"
        writer.write(
            b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
            b"content-length: %d\r\nretry-after: 1\r\nconnection: close\r\n\r\n" % len(body) + body
        )
        self._log(f"- connection limit ({self.limits.max_connections}) reached, all busy -> 503")
        return False

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One client connection: exchanges until it closes or idles out."""
        loop = asyncio.get_running_loop()
        if not self._make_room(writer):
            await _linger(reader, writer)
            writer.close()
            return
        conn = _Connection(writer, loop.time())
        self._connections[conn] = None
        _set_nodelay(writer)
        client = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_SIZE)
        try:
            own = self._own_address(writer)
            while True:
                conn.busy = False
                conn.waiting_since = loop.time()
                event = await self._read_head(client, reader)
                if not isinstance(event, h11.Request):
                    break
                conn.busy = True
                keep_alive = await self._exchange(client, reader, writer, event, own)
                if not keep_alive or client.our_state is not h11.DONE:
                    break
                if client.their_state is not h11.DONE:
                    break
                client.start_next_cycle()
        except h11.RemoteProtocolError as error:
            if not conn.evicted:
                await self._refuse(
                    client, writer, error.error_status_hint, f"malformed request: {error}", "-"
                )
        except _HeadTimeout:
            if not conn.evicted:
                why = f"the request head did not arrive within {self.limits.head_timeout:g} s"
                await self._refuse(client, writer, 408, why, "-")
        except (_Closed, _Broken, ConnectionError, h11.LocalProtocolError):
            pass
        finally:
            self._connections.pop(conn, None)
            if client.our_state is h11.MUST_CLOSE and client.their_state not in _FINISHED:
                await _linger(reader, writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _read_head(
        self, client: h11.Connection, reader: asyncio.StreamReader
    ) -> h11.Event | type[h11.PAUSED]:
        """The next request head. Waits up to `idle_timeout` for its first byte,
        then `head_timeout` in total for the rest, however it trickles in."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.limits.head_timeout if client.trailing_data[0] else None
        while True:
            event = client.next_event()
            if event is not h11.NEED_DATA:
                return cast("h11.Event | type[h11.PAUSED]", event)
            now = loop.time()
            timeout = self.limits.idle_timeout if deadline is None else deadline - now
            if timeout <= 0:
                raise _HeadTimeout
            try:
                data = await asyncio.wait_for(reader.read(READ_SIZE), timeout)
            except TimeoutError:
                if deadline is None:
                    raise _Closed("idle") from None
                raise _HeadTimeout from None
            except ConnectionError as error:
                raise _Closed("reset") from error
            if deadline is None:
                deadline = now + self.limits.head_timeout
            client.receive_data(data)

    async def _refuse(
        self,
        client: h11.Connection,
        writer: asyncio.StreamWriter,
        status: int,
        why: str,
        line: str,
    ) -> None:
        """Answer `status` with `why` as the body, and close."""
        self._log(f"{line} -> {status} refused by the proxy: {why}")
        if client.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        await _send_text(client, writer, status, why)

    async def _exchange(
        self,
        client: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        request: h11.Request,
        own: OwnAddress,
    ) -> bool:
        started = time.monotonic()
        line = request_line(request)
        try:
            admitted = admit(request, own, self.target)
        except Refused as refusal:
            await self._refuse(client, writer, refusal.status, refusal.why, line)
            return False
        if admitted.is_websocket:
            decision = self.engine.websocket(admitted.origin, admitted.self_origin)
        else:
            decision = self.engine.decide_request(
                admitted.method, admitted.cors, admitted.self_origin
            )
        if decision.answer is not None:
            await self._answer_directly(client, reader, writer, decision)
            self._log_exchange(line, decision.answer.status, decision, started, admitted)
            return decision.kind is not RequestKind.WEBSOCKET
        return await self._forward(client, reader, writer, admitted, decision, line, started)

    def _log_exchange(
        self,
        line: str,
        status: int,
        decision: Decision,
        started: float,
        admitted: Admitted,
        note: str = "",
    ) -> None:
        elapsed = (time.monotonic() - started) * 1000
        verdict = describe(decision, admitted.credentialed, self.engine.policy.credentials)
        shown = str(status) if status else "-"
        self._log(f"{line} -> {shown} {verdict}{note} ({elapsed:.0f} ms)")

    async def _answer_directly(
        self,
        client: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        decision: Decision,
    ) -> None:
        # Read (and discard) whatever body came with the request, bounded by the
        # same idle timeout, so the connection can be reused.
        while True:
            try:
                event = await _next_event(client, reader, self.limits.upstream_timeout)
            except _Closed as closed:
                raise _Broken("client", closed.why) from None
            if isinstance(event, h11.EndOfMessage | h11.ConnectionClosed) or event is h11.PAUSED:
                break
        answer = decision.answer
        assert answer is not None
        headers = list(answer.headers)
        if decision.kind is RequestKind.WEBSOCKET:
            # The refused upgrade ends this connection (the client's next bytes
            # would be WebSocket frames).
            headers.append((b"connection", b"close"))
        response = h11.Response(
            status_code=answer.status, headers=headers, reason=answer.phrase.encode()
        )
        writer.write(client.send(response))
        writer.write(client.send(h11.EndOfMessage()))
        await writer.drain()

    async def _forward(
        self,
        client: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        admitted: Admitted,
        decision: Decision,
        line: str,
        started: float,
    ) -> bool:
        target = self.target
        limits = self.limits
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(
                    target.host,
                    target.port,
                    ssl=self._ssl,
                    server_hostname=target.host if self._ssl else None,
                ),
                limits.connect_timeout,
            )
        except (OSError, TimeoutError) as error:
            why = str(error) or f"no connection within {limits.connect_timeout:g} s"
            why = f"upstream {target} unreachable: {why}"
            await self._bad_gateway(client, writer, decision, why)
            self._log_exchange(line, 502, decision, started, admitted, f"; {why}")
            return False
        _set_nodelay(up_writer)
        upstream = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_SIZE)
        response: h11.Response | h11.InformationalResponse | None = None
        try:
            up_writer.write(
                upstream.send(
                    h11.Request(
                        method=admitted.method,
                        target=admitted.upstream_target,
                        headers=admitted.upstream_headers,
                        http_version=b"1.1",
                    )
                )
            )
            await self._pump_body(client, reader, "client", upstream, up_writer, "upstream")
            response = await self._read_response_head(upstream, up_reader)
            if admitted.is_websocket and response.status_code == 101:
                await self._splice(client, reader, writer, upstream, up_reader, up_writer, response)
                self._log_exchange(line, 101, decision, started, admitted, "; websocket closed")
                return False
            assert isinstance(response, h11.Response)
            headers, stripped = response_headers(response.headers.raw_items(), decision)
            writer.write(
                client.send(
                    h11.Response(
                        status_code=response.status_code, headers=headers, reason=response.reason
                    )
                )
            )
            sent = await self._pump_body(upstream, up_reader, "upstream", client, writer, "client")
        except _Broken as broken:
            if client.our_state is h11.SEND_RESPONSE and broken.side == "upstream":
                why = f"upstream {target} {broken.why}"
                await self._bad_gateway(client, writer, decision, why)
                self._log_exchange(line, 502, decision, started, admitted, f"; {why}")
                return False
            status = response.status_code if response is not None else 0
            body = "request" if response is None else "response"
            note = f"; {broken.side} {broken.why} after {_size(broken.moved)} of the {body} body"
            self._log_exchange(line, status, decision, started, admitted, note)
            return False
        except h11.LocalProtocolError as error:
            self._log_exchange(line, 0, decision, started, admitted, f"; {error}")
            return False
        finally:
            up_writer.close()
        note = f", {_size(sent)}"
        if stripped:
            note += "; upstream Access-Control-* headers replaced by the policy's"
        self._log_exchange(line, response.status_code, decision, started, admitted, note)
        return upstream.our_state is h11.DONE

    async def _read_response_head(
        self, upstream: h11.Connection, up_reader: asyncio.StreamReader
    ) -> h11.Response | h11.InformationalResponse:
        while True:
            try:
                event = await _next_event(upstream, up_reader, self.limits.upstream_timeout)
            except _Closed as closed:
                raise _Broken("upstream", closed.why) from None
            except h11.RemoteProtocolError as error:
                raise _Broken("upstream", f"answered badly: {error}") from None
            if isinstance(event, h11.Response):
                return event
            if isinstance(event, h11.InformationalResponse):
                if event.status_code == 101:
                    return event
                continue  # 100 Continue, 103 Early Hints: ours to absorb
            raise _Broken("upstream", "closed the connection without an answer")

    async def _pump_body(
        self,
        source: h11.Connection,
        source_reader: asyncio.StreamReader,
        source_side: Side,
        sink: h11.Connection,
        sink_writer: asyncio.StreamWriter,
        sink_side: Side,
    ) -> int:
        """Move one message body, chunk by chunk, from one h11 side to the
        other; `_Broken` names the side that failed."""
        moved = 0
        while True:
            try:
                event = await _next_event(source, source_reader, self.limits.upstream_timeout)
            except _Closed as closed:
                raise _Broken(source_side, closed.why, moved) from None
            except h11.RemoteProtocolError as error:
                raise _Broken(source_side, f"broke off the message: {error}", moved) from None
            if isinstance(event, h11.Data):
                out = sink.send(h11.Data(data=event.data))
            elif isinstance(event, h11.EndOfMessage):
                out = sink.send(h11.EndOfMessage())
            else:
                raise _Broken(source_side, "closed the connection mid-message", moved)
            try:
                sink_writer.write(out)
                await sink_writer.drain()
            except (ConnectionError, OSError) as error:
                raise _Broken(sink_side, f"closed the connection ({error})", moved) from None
            if isinstance(event, h11.EndOfMessage):
                return moved
            moved += len(event.data)

    async def _splice(
        self,
        client: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upstream: h11.Connection,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
        switch: h11.Response | h11.InformationalResponse,
    ) -> None:
        writer.write(
            client.send(
                h11.InformationalResponse(
                    status_code=101, headers=switch.headers.raw_items(), reason=switch.reason
                )
            )
        )
        await writer.drain()
        from_client = client.trailing_data[0]
        from_upstream = upstream.trailing_data[0]
        if from_client:
            up_writer.write(from_client)
        if from_upstream:
            writer.write(from_upstream)

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(READ_SIZE):
                    sink.write(data)
                    await sink.drain()
            except ConnectionError:
                pass
            finally:
                with contextlib.suppress(OSError, RuntimeError):
                    if sink.can_write_eof():
                        sink.write_eof()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))

    async def _bad_gateway(
        self,
        client: h11.Connection,
        writer: asyncio.StreamWriter,
        decision: Decision,
        why: str,
    ) -> None:
        """A 502 that still carries the decision's CORS headers, so the page can
        read why instead of seeing a CORS failure."""
        if client.our_state is not h11.SEND_RESPONSE:
            return
        await _send_text(client, writer, 502, why, decision.headers)


async def _send_text(
    client: h11.Connection,
    writer: asyncio.StreamWriter,
    status: int,
    why: str,
    extra: Iterable[Header] = (),
) -> None:
    """The proxy's own text answer (`why` as the body), then close; a
    connection that broke meanwhile is already lost, so errors are ignored."""
    body = f"crossorigin proxy: {why}\n".encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *extra,
    ]
    response = h11.Response(status_code=status, headers=headers, reason=_phrase(status))
    with contextlib.suppress(Exception):
        writer.write(
            client.send(response)
            + client.send(h11.Data(data=body))
            + client.send(h11.EndOfMessage())
        )
        await writer.drain()


async def serve(proxy: CORSProxy) -> asyncio.Server:
    """Start listening on `proxy.listen`; the caller owns the returned server
    (close it to stop)."""
    return await asyncio.start_server(
        proxy.handle, proxy.listen.host, proxy.listen.port, limit=READ_SIZE * 2
    )
