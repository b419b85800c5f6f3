"""ASGI adapter: `CORSMiddleware` for Starlette, FastAPI and any ASGI app.

Theory of operation: translate, decide nothing. Per HTTP request the
middleware scans the raw `scope["headers"]` once (ASGI header names are
already lower-case bytes), asks the engine for a precomputed `Decision`, and
either answers itself (preflights, strict-mode refusals) with two raw ASGI
messages, or calls the application with a `send` that appends the decision's
header tuples to `http.response.start`. Nothing is decoded or re-encoded on
the way.

Errors: Starlette and FastAPI turn an unhandled exception into a 500 in
`ServerErrorMiddleware`, which sits *outside* every user middleware, so that
500 would reach the browser without CORS headers and show up as a CORS error.
When the application raises before it starts its response, this middleware
answers the 500 itself, through the same header-adding `send` (using the
application's own handler for 500/Exception when it registered one), then
re-raises so the server still logs the exception.

Configuration errors: constructing the middleware with an invalid policy
raises ConfigError. Starlette and FastAPI construct it inside their first ASGI
call (the lifespan one), where uvicorn's default lifespan mode would swallow
that exception; built there, the middleware fails the lifespan start-up with
the error instead, and serves nothing (see `_fail_closed`).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from typing import Any, Never

from crossorigin.adapter_config import (
    EngineTable,
    Route,
    log_refusal,
    logger,
    refuse_unknown_arguments,
    resolve_policy,
)
from crossorigin.engine import MAX_REQUEST_HEADERS_LENGTH, Decision, Engine, Header, RequestKind
from crossorigin.policy import ConfigError, Policy
from crossorigin.sources.base import PolicySource, SourceUnavailable
from crossorigin.sources.document import PolicyDocument

__all__ = ["CORSMiddleware", "MiddlewareHandle"]

Scope = MutableMapping[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: A WebSocket's page is served over the matching HTTP scheme.
_PAGE_SCHEMES = {"http": b"http", "https": b"https", "ws": b"http", "wss": b"https"}
_LENGTH_ZERO = (b"content-length", b"0")
_ERROR_HEADERS = ((b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"21"))
_ARGUMENTS = (
    "policy",
    "source",
    "routes",
    "allow_origins",
    "allow_origin_regex",
    "allow_methods",
    "allow_headers",
    "allow_credentials",
    "expose_headers",
    "max_age",
    "allow_private_network",
    "strict",
    "check_websockets",
    "debug",
    "handle",
)
_BROKEN_BODY = (
    b"Internal Server Error: the CORS middleware (crossorigin) was given an invalid "
    b"configuration and serves nothing; the server log says what to change.\n"
)
_BROKEN_HEADERS = (
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"content-length", str(len(_BROKEN_BODY)).encode()),
)


class CORSMiddleware:
    """CORS for an ASGI application.

    Either pass `policy=Policy(...)` (and optionally `routes=[(prefix, Policy)]`),
    or Starlette's CORSMiddleware arguments, which mean what they mean there
    (`allow_origins`, `allow_origin_regex`, `allow_methods`, `allow_headers`,
    `allow_credentials`, `expose_headers`, `max_age`, `allow_private_network`),
    except that insecure combinations raise ConfigError.

    `source=` (a `crossorigin.sources` source) instead: the middleware follows
    its documents and unsubscribes at lifespan shutdown.

    `strict=True` answers 403 to state-changing requests (POST, PUT, ...) from
    origins the policy refuses, which CORS alone lets through to the handler.
    `check_websockets=True` refuses WebSocket handshakes from such origins.
    `debug=True` logs every refusal with its reason (logger "crossorigin").
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        policy: Policy | None = None,
        source: PolicySource | None = None,
        routes: Iterable[Route] = (),
        allow_origins: Sequence[str] = (),
        allow_origin_regex: str | None = None,
        allow_methods: Sequence[str] = ("GET",),
        allow_headers: Sequence[str] = (),
        allow_credentials: bool = False,
        expose_headers: Sequence[str] = (),
        max_age: int | None = 600,
        allow_private_network: bool = False,
        strict: bool = False,
        check_websockets: bool = False,
        debug: bool = False,
        handle: MiddlewareHandle | None = None,
        **unexpected: Never,  # a type checker refuses any; at run time, a clear TypeError
    ) -> None:
        self.app = app
        self._strict = strict
        self._check_websockets = check_websockets
        self._debug = debug
        self._source = source
        self._broken: str | None = None
        self._broken_logged = False
        self._error: Exception | None = None
        try:
            refuse_unknown_arguments("asgi", unexpected, _ARGUMENTS)
            policy = resolve_policy(
                policy,
                allow_origins=allow_origins,
                allow_origin_regex=allow_origin_regex,
                allow_methods=allow_methods,
                allow_headers=allow_headers,
                allow_credentials=allow_credentials,
                expose_headers=expose_headers,
                max_age=max_age,
                allow_private_network=allow_private_network,
            )
            self._table = EngineTable(policy, routes, strict=strict)
            if source is not None:
                if policy is not None or self._table.routes:
                    raise TypeError(
                        "crossorigin.asgi.CORSMiddleware: pass either source= or policy=/"
                        "routes=/allow_* arguments, not both"
                    )
                source.subscribe(self._apply_document)
        except (ConfigError, TypeError, SourceUnavailable) as error:
            if not _built_lazily_by_starlette():
                raise
            self._fail_closed(error)
        self._hot_engine = self._engine_for_hot_path()
        if handle is not None:
            handle._attach(self)

    def _fail_closed(self, error: Exception) -> None:
        """Starlette and FastAPI build their middleware on the first ASGI call,
        the lifespan one, where uvicorn's default `--lifespan auto` reads any
        exception as "lifespan unsupported", logs that at INFO and serves on;
        every request would then be a 500 without CORS headers, which the
        browser reports as a CORS error. So when built there, the middleware
        keeps the error instead of raising it: it fails the lifespan start-up
        (uvicorn prints the message and exits); run without lifespan, it logs
        the error at ERROR on the first request and answers every request with
        a 500 that says why, allowing nothing."""
        self._error = error
        self._broken = (
            f"crossorigin.asgi.CORSMiddleware: invalid CORS configuration, "
            f"the application cannot start.\n{error}"
        )
        self._broken_logged = False
        self._table = EngineTable(None)

    async def _serve_nothing(self, send: Send, websocket: bool = False) -> None:
        if not self._broken_logged:
            self._broken_logged = True
            logger.error("%s", self._broken)
        if websocket:
            await send({"type": "websocket.close", "code": 1011})
        else:
            await send(
                {"type": "http.response.start", "status": 500, "headers": list(_BROKEN_HEADERS)}
            )
            await send({"type": "http.response.body", "body": _BROKEN_BODY})

    def _engine_for_hot_path(self) -> Engine | None:
        """The engine, when one engine answers every path and no refusal needs
        logging; otherwise None, and every request takes the general path."""
        engine = self._table.default
        if engine is None or self._table.routes or self._debug:
            return None
        return engine

    def reconfigure(self, policy: Policy | None = None, routes: Iterable[Route] = ()) -> None:
        """Swap the policy (and routes) atomically; requests in flight finish
        under the old ones."""
        table = EngineTable(policy, routes, strict=self._strict)
        self._hot_engine = None  # requests in between take the general path
        self._table = table
        self._broken = self._error = None
        self._hot_engine = self._engine_for_hot_path()

    def _apply_document(self, document: PolicyDocument) -> None:
        """A new document from `source=` (called from the source's thread)."""
        self.reconfigure(document.default, document.routes)

    @property
    def engines(self) -> EngineTable:
        return self._table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._not_http(scope, receive, send)
            return
        extra: tuple[Header, ...] | None = None
        engine = self._hot_engine
        if engine is not None:
            # The hot path: one scan of the raw headers (`_origin_of`, inlined),
            # one dictionary lookup of a decision made earlier.
            if scope["method"] != "OPTIONS":
                origin: bytes | None = None
                for name, value in scope["headers"]:
                    if name == b"origin":
                        if origin is not None:
                            # A browser sends one Origin; two make an origin no
                            # policy allows. Stop at the second line: joining
                            # every repeat is quadratic in their number.
                            origin = origin + b", " + value
                            break
                        origin = value
                known = engine.known_actual.get(origin)
                if known is not None:
                    extra = known.headers
            else:
                decision = self._options(engine, scope["headers"])
                if decision.kind is RequestKind.PREFLIGHT:
                    start, body = _own_answer(decision)
                    await send(start)
                    await send(body)
                    return
                if decision.status is None:
                    extra = decision.headers
        if extra is None:
            extra = await self._general(scope, receive, send)
            if extra is None:
                return

        started = False

        async def send_with_cors(message: Message) -> None:
            nonlocal started
            # ASGI allows one response start; once it is out, the rest is body.
            if not started and message["type"] == "http.response.start":
                started = True
                # A copy: the application may reuse its message objects.
                headers = [*message.get("headers", ()), *extra]
                message = message.copy()
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_cors)
        except Exception as error:
            if started:
                raise
            # The application failed before answering: send the 500 here, with
            # the CORS headers, then let the server log the exception.
            await _send_error_response(scope, receive, send_with_cors, error)
            raise
        if not started:
            # The application returned without answering: the server would send
            # a bare 500 (ASGI spec), which the browser would report as a CORS
            # error. Send it here with the CORS headers instead.
            await _send_error_response(scope, receive, send_with_cors, None)

    async def _general(
        self, scope: Scope, receive: Receive, send: Send
    ) -> tuple[Header, ...] | None:
        """Every request the hot path does not settle: routes, preflights,
        first sight of an origin, strict mode's refusals, debug logging.
        Returns the headers to add to the application's response, or None when
        the request is already answered (or is not this middleware's business)."""
        if self._broken is not None:
            await self._serve_nothing(send)
            return None
        table = self._table
        engine = table.default if not table.routes else table.engine_for(_route_path(scope))
        if engine is None:
            await self.app(scope, receive, send)
            return None
        method: str = scope["method"]
        if method == "OPTIONS":
            decision = self._options(engine, scope["headers"])
            if decision.kind is RequestKind.PREFLIGHT:
                await self._answer(scope, send, decision)
                return None
        else:
            decision = engine.actual(_origin_of(scope), method)
        if decision.status is not None:
            # Strict mode refused a state-changing request; same-origin ones
            # are let through (browsers send Origin on same-origin POSTs too).
            decision = engine.actual(_origin_of(scope), method, _self_origin(scope))
            if decision.status is not None:
                await self._answer(scope, send, decision)
                return None
        if self._debug and not decision.allowed:
            log_refusal(method, scope["path"], _origin_of(scope), decision)
        return decision.headers

    async def _not_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._broken is not None:
            await self._refuse_to_start(scope, receive, send)
        elif scope["type"] == "websocket" and self._check_websockets:
            await self._websocket(scope, receive, send)
        elif scope["type"] == "lifespan" and self._source is not None:
            source, apply = self._source, self._apply_document

            async def stop_source_on_shutdown(message: Message) -> None:
                if message["type"] == "lifespan.shutdown.complete":
                    source.unsubscribe(apply)
                await send(message)

            await self.app(scope, receive, stop_source_on_shutdown)
        else:
            await self.app(scope, receive, send)

    async def _refuse_to_start(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self._broken is not None
        if scope["type"] == "lifespan":
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.failed", "message": self._broken})
                # Then raise, as Starlette's own lifespan does: servers that
                # saw the failure stop quietly, test clients raise it.
                assert self._error is not None
                raise self._error
        elif scope["type"] == "websocket":
            message = await receive()
            if message["type"] == "websocket.connect":
                await self._serve_nothing(send, websocket=True)
        else:
            await self.app(scope, receive, send)

    @staticmethod
    def _options(engine: Engine, headers: Iterable[tuple[bytes, bytes]]) -> Decision:
        """Read a possible preflight's headers in one pass. Repeated lines are
        bounded work: a second Origin or Access-Control-Request-Method line
        already makes the value invalid, so later ones are not joined; the
        request-header lines (which HTTP lets a client split, RFC 9110 §5.3)
        are joined once, and only up to the length the engine reads."""
        origin: bytes | None = None
        request_method: bytes | None = None
        request_headers: bytes | None = None
        header_lines: list[bytes] | None = None
        header_length = 0
        private_network: bytes | None = None
        origin_repeated = method_repeated = False
        for name, value in headers:
            if name == b"origin":
                if origin is None:
                    origin = value
                elif not origin_repeated:
                    origin_repeated = True
                    origin = origin + b", " + value
            elif name == b"access-control-request-method":
                if request_method is None:
                    request_method = value
                elif not method_repeated:
                    method_repeated = True
                    request_method = request_method + b", " + value
            elif name == b"access-control-request-headers":
                if request_headers is None:
                    request_headers = value
                    header_length = len(value)
                elif header_length <= MAX_REQUEST_HEADERS_LENGTH:
                    if header_lines is None:
                        header_lines = [request_headers]
                    header_lines.append(value)
                    header_length += 1 + len(value)
            elif name == b"access-control-request-private-network":
                private_network = value
        if header_lines is not None:
            # Past MAX_REQUEST_HEADERS_LENGTH the engine refuses it unread.
            request_headers = b",".join(header_lines)
        if origin is None:
            return engine.not_cors()
        if request_method is None:
            return engine.actual(origin, "OPTIONS")
        return engine.preflight(origin, request_method, request_headers, private_network)

    async def _answer(self, scope: Scope, send: Send, decision: Decision) -> None:
        if self._debug and not decision.allowed:
            log_refusal(scope["method"], scope["path"], _origin_of(scope), decision)
        start, body = _own_answer(decision)
        await send(start)
        await send(body)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        table = self._table
        engine = table.engine_for(_route_path(scope))
        if engine is None:
            await self.app(scope, receive, send)
            return
        origin = _origin_of(scope)
        decision = engine.websocket(origin, _self_origin(scope))
        if decision.allowed:
            await self.app(scope, receive, send)
            return
        if self._debug:
            log_refusal("WEBSOCKET", scope["path"], origin, decision)
        message = await receive()
        if message["type"] == "websocket.connect":
            # Closing before accepting makes the server answer the handshake 403.
            await send({"type": "websocket.close", "code": 1008})


class MiddlewareHandle:
    """A way to reach the `CORSMiddleware` a framework builds for you.

    FastAPI and Starlette build the middleware themselves, when the server
    starts, so `app.add_middleware(...)` gives you no instance to call
    `reconfigure()` on. Create a handle first and pass it along:

        cors = MiddlewareHandle()
        app.add_middleware(CORSMiddleware, policy=policy, handle=cors)
        ...
        cors.reconfigure(new_policy)  # e.g. in an admin endpoint

    A reconfiguration made before the middleware exists (before start-up) is
    applied when it is built.
    """

    __slots__ = ("_middlewares", "_pending")

    def __init__(self) -> None:
        self._middlewares: list[CORSMiddleware] = []
        self._pending: tuple[Policy | None, tuple[Route, ...]] | None = None

    @property
    def middleware(self) -> CORSMiddleware | None:
        """The middleware built with this handle (the latest one), or None
        before the framework has built it."""
        return self._middlewares[-1] if self._middlewares else None

    def reconfigure(self, policy: Policy | None = None, routes: Iterable[Route] = ()) -> None:
        """`CORSMiddleware.reconfigure` on every middleware built with this
        handle; remembered for one not built yet. An invalid configuration
        raises ConfigError and leaves the running one in place."""
        routes = tuple(routes)
        EngineTable(policy, routes)  # validate before touching anything
        self._pending = (policy, routes)
        for middleware in self._middlewares:
            middleware.reconfigure(policy, routes)

    def _attach(self, middleware: CORSMiddleware) -> None:
        self._middlewares.append(middleware)
        if self._pending is not None:
            middleware.reconfigure(*self._pending)

    def __repr__(self) -> str:
        state = "built" if self._middlewares else "not built yet"
        return f"<MiddlewareHandle: middleware {state}>"


def _own_answer(decision: Decision) -> tuple[Message, Message]:
    """The two messages of the middleware's own answer: an empty body, no
    application call (204 has no Content-Length; a refusal says 0)."""
    headers = list(decision.headers) if decision.allowed else [*decision.headers, _LENGTH_ZERO]
    return (
        {"type": "http.response.start", "status": decision.status, "headers": headers},
        {"type": "http.response.body", "body": b"", "more_body": False},
    )


def _origin_of(scope: Scope) -> bytes | None:
    """The Origin line; two lines joined (an invalid origin), never more."""
    origin: bytes | None = None
    for name, value in scope["headers"]:
        if name == b"origin":
            if origin is not None:
                joined: bytes = origin + b", " + value
                return joined
            origin = value
    return origin


def _route_path(scope: Scope) -> str:
    """The path the application routes on: `path` without `root_path`, as
    Starlette routes (its `get_route_path`). Since asgiref 3.7 / Starlette 0.33
    `path` includes `root_path`, both when a server is run with `--root-path`
    and inside a `Mount`; with older servers it may not, and the path is then
    used as it is."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        rest = path[len(root_path) :]
        if not rest or rest[0] == "/":
            return rest
    return path


def _built_lazily_by_starlette() -> bool:
    """Is this middleware being built by Starlette's (or FastAPI's)
    `build_middleware_stack`, which runs inside the first ASGI call rather than
    when the application is created? Inspected only when the configuration is
    invalid."""
    frame = sys._getframe(2)  # _built_lazily_by_starlette <- __init__ <- the builder
    return frame.f_code.co_name == "build_middleware_stack"


def _self_origin(scope: Scope) -> bytes | None:
    """The origin the request was addressed to: scheme and Host."""
    host: bytes
    for name, host in scope["headers"]:
        if name == b"host":
            return _PAGE_SCHEMES.get(scope.get("scheme", "http"), b"http") + b"://" + host
    return None


async def _send_error_response(
    scope: Scope, receive: Receive, send: Send, error: Exception | None
) -> None:
    """The 500 the server would have sent, but through the CORS `send`; for
    an exception, the application's own 500 handler writes it when it has one."""
    handler = _error_handler(scope) if error is not None else None
    if handler is not None:
        from starlette.requests import Request  # the app is Starlette: it is installed

        response = handler(Request(scope, receive), error)
        if inspect.isawaitable(response):
            response = await response
        await response(scope, receive, send)
        return
    await send({"type": "http.response.start", "status": 500, "headers": list(_ERROR_HEADERS)})
    await send({"type": "http.response.body", "body": b"Internal Server Error"})


def _error_handler(scope: Scope) -> Callable[..., Any] | None:
    """A Starlette/FastAPI application's own handler for 500 or Exception."""
    handlers = getattr(scope.get("app"), "exception_handlers", None)
    if not isinstance(handlers, dict):
        return None
    handler = handlers.get(500) or handlers.get(Exception)
    return handler if callable(handler) else None
