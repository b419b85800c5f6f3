"""`crossorigin proxy`: a streaming development reverse proxy that answers CORS.

Theory of operation: a browser page on one origin (say a React dev server on
:3000) calls an API on another (:8000) that has no CORS support. Point the page
at the proxy instead; the proxy forwards every request to `--target` and makes
the API speak CORS exactly as the policy says. It decides nothing itself: each
request goes through `Engine.decide` (or `Engine.websocket` for an upgrade), and
the proxy only carries out the `Decision`:

- a preflight is answered by the proxy (204 or 403, the engine's headers); the
  upstream never sees it;
- any other request is forwarded, and the engine's headers are added to the
  upstream's response. CORS response headers the upstream sent itself
  (`Access-Control-*`) are removed, so the policy is the single source of
  truth; the upstream's `Vary` is kept and merged with the engine's;
- a WebSocket upgrade is forwarded only when `Engine.websocket` allows its
  `Origin` (a cross-site page could otherwise open a socket with the user's
  cookies); after the upstream's `101` the proxy splices bytes both ways.

Nothing else is rewritten except what HTTP requires of a proxy: hop-by-hop
headers (RFC 9110 §7.6.1) are dropped, and `Host` names the target, so a
virtual-hosted upstream answers. Bodies stream in both directions, one read
buffer at a time with back-pressure (`drain`), so a 1 GB download costs no more
memory than a 1 KB one. HTTP/1.1 framing is parsed and produced by h11.

Every exchange is logged as one line (stderr for the command) with the verdict
and, when refused, the reason, so a developer sees why the browser complained.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, cast
from urllib.parse import urlsplit

import click
import h11

from crossorigin.engine import Decision, Engine, RequestKind
from crossorigin.origin import is_loopback_host
from crossorigin.policy import ConfigError, Policy

__all__ = ["CORSProxy", "ListenAddress", "Target", "command", "serve"]

#: Bytes read from a socket at a time: the most body the proxy holds per
#: direction of one exchange (plus the transport's own buffers).
READ_SIZE: Final = 64 * 1024
#: Largest request or response head accepted (request line / status line and headers).
MAX_HEAD_SIZE: Final = 64 * 1024
CONNECT_TIMEOUT: Final = 10.0
#: How long an upstream may take to start answering, and the longest silence
#: inside a body, before the exchange is abandoned.
UPSTREAM_TIMEOUT: Final = 120.0
#: How long an idle client connection is kept open between requests.
KEEP_ALIVE_TIMEOUT: Final = 30.0
DEFAULT_LISTEN: Final = "127.0.0.1:8080"

#: RFC 9110 §7.6.1: meaningful for one connection only, never forwarded.
#: (Content-Length and Transfer-Encoding stay: h11 frames each hop from them.)
_HOP_BY_HOP: Final = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"upgrade"}
)
_CORS_RESPONSE_PREFIX: Final = b"access-control-"

Header = tuple[bytes, bytes]
Log = Callable[[str], None]


class ProxyConfigError(ValueError):
    """A `--target` or `--listen` value that cannot be used."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where requests go: `http://127.0.0.1:8000` or `https://api.example.com/v1`
    (a path is a prefix put before every request's path)."""

    scheme: str
    host: str
    port: int
    path_prefix: str = ""

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ProxyConfigError(f"--target must be an http:// or https:// URL, not {url!r}")
        if not parts.hostname:
            raise ProxyConfigError(f"--target {url!r} has no host")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ProxyConfigError(
                f"--target {url!r}: give scheme, host, port and optionally a path prefix only"
            )
        try:
            port = parts.port
        except ValueError:
            raise ProxyConfigError(f"--target {url!r} has an invalid port") from None
        if port is None:
            port = 443 if parts.scheme == "https" else 80
        return cls(parts.scheme, parts.hostname, port, parts.path.rstrip("/"))

    @property
    def authority(self) -> bytes:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return (host if self.port == default else f"{host}:{self.port}").encode("idna")

    def __str__(self) -> str:
        return f"{self.scheme}://{self.authority.decode()}{self.path_prefix}"


@dataclass(frozen=True, slots=True)
class ListenAddress:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> ListenAddress:
        host, colon, port_text = text.rpartition(":")
        if not colon or not port_text.isdigit() or int(port_text) > 65535:
            raise ProxyConfigError(
                f"--listen must be HOST:PORT (e.g. {DEFAULT_LISTEN}), not {text!r}"
            )
        host = host.strip("[]") or "127.0.0.1"
        return cls(host, int(port_text))

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host if ":" not in self.host else f"[{self.host}]")


class _Closed(Exception):
    """The peer went away or stayed silent too long; end the connection quietly."""


async def _next_event(
    conn: h11.Connection, reader: asyncio.StreamReader, timeout: float
) -> h11.Event | type[h11.PAUSED]:
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return cast("h11.Event | type[h11.PAUSED]", event)
        try:
            data = await asyncio.wait_for(reader.read(READ_SIZE), timeout)
        except (TimeoutError, ConnectionError) as error:
            raise _Closed from error
        conn.receive_data(data)


def _set_nodelay(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _header_value(headers: Iterable[Header], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _connection_tokens(headers: Iterable[Header]) -> set[bytes]:
    tokens: set[bytes] = set()
    for key, value in headers:
        if key.lower() == b"connection":
            tokens.update(t.strip().lower() for t in value.split(b","))
    return tokens


def _end_to_end(headers: Iterable[Header]) -> list[Header]:
    """The headers without the hop-by-hop ones (also those named in `Connection`)."""
    headers = list(headers)
    dropped = _HOP_BY_HOP | _connection_tokens(headers)
    return [(key, value) for key, value in headers if key.lower() not in dropped]


def _merge_vary(upstream: list[bytes], added: list[bytes]) -> bytes:
    names: dict[bytes, bytes] = {}
    for value in [*upstream, *added]:
        for item in value.split(b","):
            name = item.strip()
            if name:
                names.setdefault(name.lower(), name)
    if b"*" in names:
        return b"*"
    return b", ".join(names.values())


def _response_headers(upstream: Iterable[Header], decision: Decision) -> tuple[list[Header], bool]:
    """The upstream's end-to-end headers without its CORS headers, plus the
    engine's; and whether any upstream CORS header was removed."""
    kept: list[Header] = []
    upstream_vary: list[bytes] = []
    stripped = False
    for key, value in _end_to_end(upstream):
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
        kept.append((b"vary", _merge_vary(upstream_vary, added_vary)))
    return kept, stripped


def _describe(decision: Decision) -> str:
    kind = decision.kind.value
    if decision.allowed:
        if decision.kind is RequestKind.NOT_CORS:
            return "not-cors"
        return f"{kind} allowed"
    reason = decision.reason
    text = f"{kind} refused: {reason.value} ({reason.explanation})" if reason else f"{kind} refused"
    if decision.detail:
        text += f" [{decision.detail}]"
    return text


class CORSProxy:
    """Forwards HTTP/1.1 exchanges to a target, carrying out the engine's decisions."""

    def __init__(self, engine: Engine, target: Target, *, log: Log | None = None) -> None:
        self.engine = engine
        self.target = target
        self._log = log or (lambda line: None)
        self._ssl: ssl.SSLContext | None = (
            ssl.create_default_context() if target.scheme == "https" else None
        )

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One client connection: exchanges until it closes or idles out."""
        _set_nodelay(writer)
        client = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD_SIZE)
        try:
            while True:
                event = await _next_event(client, reader, KEEP_ALIVE_TIMEOUT)
                if not isinstance(event, h11.Request):
                    break
                keep_alive = await self._exchange(client, reader, writer, event)
                if not keep_alive or client.our_state is not h11.DONE:
                    break
                if client.their_state is not h11.DONE:
                    break
                client.start_next_cycle()
        except h11.RemoteProtocolError as error:
            await self._refuse_malformed(client, writer, error)
        except (_Closed, ConnectionError, h11.LocalProtocolError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _refuse_malformed(
        self, client: h11.Connection, writer: asyncio.StreamWriter, error: h11.RemoteProtocolError
    ) -> None:
        if client.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        body = f"crossorigin proxy: malformed request: {error}\n".encode()
        with contextlib.suppress(Exception):
            writer.write(
                client.send(
                    h11.Response(
                        status_code=error.error_status_hint,
                        headers=[
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"),
                        ],
                    )
                )
                + client.send(h11.Data(data=body))
                + client.send(h11.EndOfMessage())
            )
            await writer.drain()
        self._log(f"- malformed request -> {error.error_status_hint}: {error}")

    async def _exchange(
        self,
        client: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        request: h11.Request,
    ) -> bool:
        started = time.monotonic()
        method = request.method.decode("ascii")
        headers: list[Header] = list(request.headers.raw_items())
        host = _header_value(headers, b"host")
        self_origin = b"http://" + host if host else None
        origin = _header_value(headers, b"origin")
        upgrade = _header_value(headers, b"upgrade")
        is_websocket = (
            upgrade is not None and upgrade.strip().lower() == b"websocket" and method == "GET"
        )
        if is_websocket:
            decision = self.engine.websocket(origin, self_origin)
        else:
            decision = self.engine.decide(method, headers, self_origin)
        line = f"{method} {request.target.decode('latin-1')}"
        if origin is not None:
            line += f" origin={origin.decode('latin-1')}"
        if decision.kind is RequestKind.PREFLIGHT:
            wanted = _header_value(headers, b"access-control-request-method") or b""
            line += f" wants={wanted.decode('latin-1')}"
            asked = _header_value(headers, b"access-control-request-headers")
            if asked:
                line += f" headers={asked.decode('latin-1')}"

        if decision.respond_directly:
            await self._answer_directly(client, reader, writer, decision)
            self._log_exchange(line, decision.status or 0, decision, started)
            return decision.kind is not RequestKind.WEBSOCKET
        return await self._forward(
            client, reader, writer, request, headers, decision, line, started, is_websocket
        )

    def _log_exchange(
        self, line: str, status: int, decision: Decision, started: float, note: str = ""
    ) -> None:
        elapsed = (time.monotonic() - started) * 1000
        text = f"{line} -> {status} {_describe(decision)}{note} ({elapsed:.0f} ms)"
        self._log(text)

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
            event = await _next_event(client, reader, UPSTREAM_TIMEOUT)
            if isinstance(event, h11.EndOfMessage | h11.ConnectionClosed) or event is h11.PAUSED:
                break
        status = decision.status or 204
        headers = list(decision.headers)
        if status != 204:
            headers.append((b"content-length", b"0"))
        if decision.kind is RequestKind.WEBSOCKET:
            headers.append((b"connection", b"close"))
        writer.write(client.send(h11.Response(status_code=status, headers=headers)))
        writer.write(client.send(h11.EndOfMessage()))
        await writer.drain()

    async def _forward(
        self,
        client: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        request: h11.Request,
        headers: list[Header],
        decision: Decision,
        line: str,
        started: float,
        is_websocket: bool,
    ) -> bool:
        target = self.target
        forwarded: list[Header] = []
        for key, value in headers if is_websocket else _end_to_end(headers):
            if key.lower() == b"host":
                continue
            forwarded.append((key, value))
        forwarded.insert(0, (b"Host", target.authority))
        path = target.path_prefix.encode() + request.target
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(
                    target.host,
                    target.port,
                    ssl=self._ssl,
                    server_hostname=target.host if self._ssl else None,
                ),
                CONNECT_TIMEOUT,
            )
        except (OSError, TimeoutError) as error:
            await self._bad_gateway(client, reader, writer, decision, f"cannot connect: {error}")
            self._log_exchange(line, 502, decision, started, f"; upstream {target} unreachable")
            return False
        _set_nodelay(up_writer)
        upstream = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD_SIZE)
        try:
            up_writer.write(
                upstream.send(
                    h11.Request(
                        method=request.method,
                        target=path,
                        headers=forwarded,
                        http_version=b"1.1",
                    )
                )
            )
            await self._pump_body(client, reader, upstream, up_writer)
            response = await self._read_response_head(upstream, up_reader)
            if is_websocket and response.status_code == 101:
                await self._splice(client, reader, writer, upstream, up_reader, up_writer, response)
                self._log_exchange(line, 101, decision, started, "; websocket closed")
                return False
            assert isinstance(response, h11.Response)
            response_headers, stripped = _response_headers(response.headers.raw_items(), decision)
            writer.write(
                client.send(
                    h11.Response(
                        status_code=response.status_code,
                        headers=response_headers,
                        reason=response.reason,
                    )
                )
            )
            sent = await self._pump_body(upstream, up_reader, client, writer)
        except h11.RemoteProtocolError as error:
            if client.our_state is h11.SEND_RESPONSE:
                await self._bad_gateway(client, reader, writer, decision, f"bad response: {error}")
                self._log_exchange(
                    line, 502, decision, started, f"; upstream answered badly: {error}"
                )
            return False
        except (_Closed, ConnectionError, ssl.SSLError):
            if client.our_state is h11.SEND_RESPONSE:
                await self._bad_gateway(
                    client, reader, writer, decision, "upstream closed or timed out"
                )
                self._log_exchange(line, 502, decision, started, "; upstream closed or timed out")
            return False
        finally:
            up_writer.close()
        note = f", {_size(sent)}"
        if stripped:
            note += "; upstream Access-Control-* headers replaced by the policy's"
        self._log_exchange(line, response.status_code, decision, started, note)
        return upstream.our_state is h11.DONE

    async def _read_response_head(
        self, upstream: h11.Connection, up_reader: asyncio.StreamReader
    ) -> h11.Response | h11.InformationalResponse:
        while True:
            event = await _next_event(upstream, up_reader, UPSTREAM_TIMEOUT)
            if isinstance(event, h11.Response):
                return event
            if isinstance(event, h11.InformationalResponse):
                if event.status_code == 101:
                    return event
                continue  # 100 Continue, 103 Early Hints: ours to absorb
            raise _Closed

    async def _pump_body(
        self,
        source: h11.Connection,
        source_reader: asyncio.StreamReader,
        sink: h11.Connection,
        sink_writer: asyncio.StreamWriter,
    ) -> int:
        """Move one message body, chunk by chunk, from one h11 side to the other."""
        sent = 0
        while True:
            event = await _next_event(source, source_reader, UPSTREAM_TIMEOUT)
            if isinstance(event, h11.Data):
                sink_writer.write(sink.send(h11.Data(data=event.data)))
                sent += len(event.data)
                await sink_writer.drain()
            elif isinstance(event, h11.EndOfMessage):
                sink_writer.write(sink.send(h11.EndOfMessage()))
                await sink_writer.drain()
                return sent
            else:
                raise _Closed

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
                h11.InformationalResponse(status_code=101, headers=switch.headers.raw_items())
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
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        decision: Decision,
        why: str,
    ) -> None:
        """A 502 that still carries the decision's CORS headers, so the page can
        read the error instead of seeing a CORS failure."""
        if client.our_state is not h11.SEND_RESPONSE:
            return
        body = f"crossorigin proxy: upstream {self.target}: {why}\n".encode()
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
            *decision.headers,
        ]
        with contextlib.suppress(Exception):
            writer.write(client.send(h11.Response(status_code=502, headers=headers)))
            writer.write(client.send(h11.Data(data=body)) + client.send(h11.EndOfMessage()))
            await writer.drain()


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count / (1024 * 1024):.1f} MiB"


async def serve(proxy: CORSProxy, listen: ListenAddress) -> asyncio.Server:
    """Start listening; the caller owns the returned server (close it to stop)."""
    return await asyncio.start_server(proxy.handle, listen.host, listen.port, limit=READ_SIZE * 2)


# -- the command ---------------------------------------------------------------------


def _build_policy(
    policy_file: Path | None,
    allow_origins: tuple[str, ...],
    allow_methods: tuple[str, ...],
    allow_headers: tuple[str, ...],
    expose_headers: tuple[str, ...],
    credentials: bool,
    max_age: int | None,
) -> Policy:
    if policy_file is not None:
        if allow_origins:
            raise click.UsageError("give either --policy or --allow-origin, not both")
        return Policy.from_toml(policy_file)
    if not allow_origins:
        raise click.UsageError("say which origins may call the API: --allow-origin or --policy")
    return Policy(
        origins=allow_origins,
        methods=allow_methods or "*",
        request_headers=allow_headers or "*",
        expose_headers=expose_headers,
        credentials=credentials,
        max_age=max_age,
    )


@click.command("proxy")
@click.option("--target", required=True, help="The upstream, e.g. http://127.0.0.1:8000.")
@click.option(
    "--listen",
    default=DEFAULT_LISTEN,
    show_default=True,
    help="HOST:PORT to listen on (port 0 picks a free one). Loopback unless you say otherwise.",
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A policy TOML file.",
)
@click.option("--allow-origin", "allow_origins", multiple=True, help="An allowed origin (repeat).")
@click.option(
    "--allow-method",
    "allow_methods",
    multiple=True,
    help="With --allow-origin: an allowed method (repeat; default: any).",
)
@click.option(
    "--allow-header",
    "allow_headers",
    multiple=True,
    help="With --allow-origin: an allowed request header (repeat; default: any but Authorization).",
)
@click.option("--expose-header", "expose_headers", multiple=True, help="A header scripts may read.")
@click.option("--credentials", is_flag=True, help="With --allow-origin: allow credentials.")
@click.option("--max-age", type=int, default=None, help="Preflight cache lifetime in seconds.")
def command(
    target: str,
    listen: str,
    policy_file: Path | None,
    allow_origins: tuple[str, ...],
    allow_methods: tuple[str, ...],
    allow_headers: tuple[str, ...],
    expose_headers: tuple[str, ...],
    credentials: bool,
    max_age: int | None,
) -> int:
    """Forward requests to TARGET and answer CORS for it, per a policy.

    For development: e.g. a page on http://localhost:3000 calling an API on
    :8000 that has no CORS support. Preflights are answered by the proxy;
    other requests stream through with the policy's headers added. One line per
    exchange on stderr says what was allowed or refused, and why.
    """
    try:
        upstream = Target.parse(target)
        address = ListenAddress.parse(listen)
    except ProxyConfigError as error:
        click.echo(f"crossorigin proxy: {error}", err=True)
        return 2
    try:
        policy = _build_policy(
            policy_file,
            allow_origins,
            allow_methods,
            allow_headers,
            expose_headers,
            credentials,
            max_age,
        )
    except ConfigError as error:
        click.echo(f"crossorigin proxy: {error}", err=True)
        return 2

    def log(line: str) -> None:
        click.echo(f"{time.strftime('%H:%M:%S')} {line}", err=True)

    if policy.allows_any_origin:
        click.secho(
            "WARNING: this policy allows ANY origin: every web site you visit can call "
            f"{upstream} through this proxy and read the answers.",
            fg="yellow",
            bold=True,
            err=True,
        )
    if not address.is_loopback:
        click.secho(
            f"WARNING: listening on {address.host}, not loopback: other machines can reach "
            f"{upstream} through this proxy.",
            fg="yellow",
            bold=True,
            err=True,
        )
    proxy = CORSProxy(Engine(policy), upstream, log=log)
    try:
        asyncio.run(_run(proxy, address))
    except OSError as error:
        click.echo(f"crossorigin proxy: cannot listen on {listen}: {error}", err=True)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


async def _run(proxy: CORSProxy, address: ListenAddress) -> None:
    server = await serve(proxy, address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    bound = server.sockets[0].getsockname()
    host = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    click.echo(
        f"crossorigin proxy listening on http://{host}:{bound[1]} -> {proxy.target}",
        err=True,
    )
    async with server:
        await stop.wait()
        server.close()
