"""ASGI adapter: `CORSMiddleware` for Starlette, FastAPI and any ASGI app.

Theory of operation: translate, decide nothing. Per HTTP request the
middleware reads the raw `scope["headers"]` once with `crossorigin.edge` (ASGI
header names are already lower-case bytes), asks the engine for a precomputed
`Decision`, and either sends the decision's `Answer` (preflights, strict-mode
refusals) as two raw ASGI messages, or calls the application with a `send`
that appends the decision's header tuples to `http.response.start`. Nothing is
decoded or re-encoded on the way.

The fast path: with one engine for every path and no debug logging, a request
that is not `OPTIONS` reads only its `Origin` and takes the headers from
`Engine.cached_headers`; anything that answer does not cover goes through
`Engine.decide_request`. Everything a request reads from the middleware (the
engines, the fast path's engine, a configuration error) is one immutable
`_Configuration`, read once per request and replaced whole by `reconfigure`.

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
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Never

from crossorigin.adapter_config import (
    EngineTable,
    Route,
    log_refusal,
    logger,
    refuse_unknown_arguments,
    resolve_policy,
)
from crossorigin.edge import host_of, origin_of, own_origin, read_lowercase
from crossorigin.engine import Answer, Engine, Header
from crossorigin.observe import MetricsHook, Observer, ReportOnly
from crossorigin.policy import ConfigError, Policy
from crossorigin.resolver import RequestInfo, call_async, pending_call
from crossorigin.sources.base import PolicySource, SourceUnavailable
from crossorigin.sources.document import PolicyDocument
from crossorigin.views import policy_of, starlette_router, starlette_view

__all__ = ["CORSMiddleware", "MiddlewareHandle"]

Scope = MutableMapping[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

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
    "report_only",
    "metrics",
    "hosts",
)
_BROKEN_BODY = (
    b"Internal Server Error: the CORS middleware (crossorigin) was given an invalid "
    b"configuration and serves nothing; the server log says what to change.\n"
)
_BROKEN_HEADERS = (
    (b"content-type", b"text/plain; charset=utf-8"),
    (b"content-length", str(len(_BROKEN_BODY)).encode()),
)


@dataclass(frozen=True, slots=True)
class _Configuration:
    """Everything a request reads from the middleware, as one value."""

    table: EngineTable
    #: The engine, when one engine answers every path and no refusal needs
    #: logging; otherwise None, and every request takes the general path.
    fast: Engine | None = None
    #: The same for OPTIONS, unless the engine has a resolver (whose answer
    #: a preflight may have to await first: the general path).
    fast_preflight: Engine | None = None
    #: Why the middleware serves nothing (an invalid configuration), or None.
    broken: str | None = None
    error: Exception | None = None
    #: The application's router when some endpoint under it has a policy of
    #: its own (crossorigin.views); else None.
    views: object | None = None
    #: `fast.cached_headers_lookup`, taken once here rather than per request.
    lookup: Callable[[bytes | None], tuple[Header, ...] | None] | None = field(
        init=False, default=None
    )

    def __post_init__(self) -> None:
        if self.fast is not None:
            object.__setattr__(self, "lookup", self.fast.cached_headers_lookup)


class CORSMiddleware:
    """CORS for an ASGI application.

    Either pass `policy=Policy(...)` (and optionally `routes=[(prefix, Policy)]`),
    or Starlette's CORSMiddleware arguments, which mean what they mean there
    (`allow_origins`, `allow_origin_regex`, `allow_methods`, `allow_headers`,
    `allow_credentials`, `expose_headers`, `max_age`, `allow_private_network`),
    except that insecure combinations raise ConfigError.

    `source=` (a `crossorigin.sources` source) instead: the middleware follows
    its documents and unsubscribes at lifespan shutdown.

    `hosts={"api.example.com": Policy(...)}` gives each site of a multi-site
    deployment its own policy, chosen by the request's `Host` (after a
    view's own policy, before `routes`).

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
        report_only: ReportOnly | None = None,
        metrics: MetricsHook | None = None,
        hosts: Mapping[str, Policy] | None = None,
        **unexpected: Never,  # a type checker refuses any; at run time, a clear TypeError
    ) -> None:
        self.app = app
        self._strict = strict
        self._check_websockets = check_websockets
        self._debug = debug
        self._source = source
        self._hosts = dict(hosts or {})
        self._broken_logged = False
        self._observer: Observer | None = None
        try:
            refuse_unknown_arguments("asgi", unexpected, _ARGUMENTS)
            self._observer = Observer.build(report_only, metrics)
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
            self._config = self._configuration(
                EngineTable(
                    policy, routes, strict=strict, hosts=self._hosts, observer=self._observer
                )
            )
            if source is not None:
                if policy is not None or self._config.table.routes or self._hosts:
                    raise TypeError(
                        "crossorigin.asgi.CORSMiddleware: pass either source= or policy=/"
                        "routes=/allow_* arguments, not both"
                    )
                source.subscribe(self._apply_document)
        except (ConfigError, TypeError, SourceUnavailable) as error:
            if not _built_lazily_by_starlette():
                raise
            self._fail_closed(error)
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
        broken = (
            f"crossorigin.asgi.CORSMiddleware: invalid CORS configuration, "
            f"the application cannot start.\n{error}"
        )
        self._broken_logged = False
        self._config = _Configuration(EngineTable(None), broken=broken, error=error)

    async def _serve_nothing(self, broken: str, send: Send, websocket: bool = False) -> None:
        if not self._broken_logged:
            self._broken_logged = True
            logger.error("%s", broken)
        if websocket:
            await send({"type": "websocket.close", "code": 1011})
        else:
            await send(
                {"type": "http.response.start", "status": 500, "headers": list(_BROKEN_HEADERS)}
            )
            await send({"type": "http.response.body", "body": _BROKEN_BODY})

    def _configuration(self, table: EngineTable) -> _Configuration:
        watched = table.observer is not None
        views = starlette_router(self.app)
        fast = (
            table.default
            if not table.routes
            and not table.hosts
            and not self._debug
            and not watched
            and views is None
            else None
        )
        fast_preflight = fast if fast is not None and fast.resolver is None else None
        return _Configuration(table, fast, fast_preflight, views=views)

    def reconfigure(
        self,
        policy: Policy | None = None,
        routes: Iterable[Route] = (),
        *,
        report_only: ReportOnly | None = None,
    ) -> None:
        """Swap the policy (and routes) atomically: the new engines are built
        off to the side and replace the old ones in one assignment, so a
        request sees either the old configuration or the new one, never a mix;
        requests in flight finish under the one they started with. An invalid
        configuration raises ConfigError and leaves the running one in place.
        `report_only`, when given, replaces the constructor's candidates while
        this configuration is in force."""
        self._config = self._configuration(
            EngineTable(
                policy,
                routes,
                strict=self._strict,
                hosts=self._hosts,
                observer=self._observer,
                report_only=report_only,
            )
        )

    def _apply_document(self, document: PolicyDocument) -> None:
        """A new document from `source=` (called from the source's thread)."""
        self.reconfigure(document.default, document.routes, report_only=dict(document.report_only))

    @property
    def engines(self) -> EngineTable:
        return self._config.table

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._not_http(scope, receive, send)
            return
        config = self._config
        extra: tuple[Header, ...] | None
        if scope["method"] != "OPTIONS":
            lookup = config.lookup
            extra = None if lookup is None else lookup(origin_of(scope["headers"]))
        else:
            extra = None
            engine = config.fast_preflight
            if engine is not None:
                # A preflight (or a plain OPTIONS): safe, so strict mode never
                # needs the server's own origin here.
                decision = engine.decide_request("OPTIONS", read_lowercase(scope["headers"]))
                answer = decision.answer
                if answer is not None:
                    start, body = _answer_messages(answer)
                    await send(start)
                    await send(body)
                    return
                extra = decision.headers
        if extra is None:
            extra = await self._general(config, scope, receive, send)
            if extra is None:
                return

        # Not `async def`: it returns the server's own awaitable, so the
        # application's `await send(...)` costs no coroutine of ours per
        # message (about a sixth of this middleware's cost per request).
        def send_with_cors(message: Message) -> Awaitable[None]:
            nonlocal extra
            # ASGI allows one response start; once it is out (`extra` is then
            # None), the rest is body.
            if extra is not None and message["type"] == "http.response.start":
                # A copy: the application may reuse its message objects, and
                # an outer middleware may read them after `send` returns.
                # (`copy()` then one item set is the cheapest copy measured:
                # `{**message, ...}` and `dict(message, ...)` cost more.)
                message = message.copy()
                message["headers"] = [*message.get("headers", ()), *extra]
                extra = None
            return send(message)

        try:
            await self.app(scope, receive, send_with_cors)
        except Exception as error:
            if extra is None:
                raise
            # The application failed before answering: send the 500 here, with
            # the CORS headers, then let the server log the exception.
            await _send_error_response(scope, receive, send_with_cors, error)
            raise
        if extra is not None:
            # The application returned without answering: the server would send
            # a bare 500 (ASGI spec), which the browser would report as a CORS
            # error. Send it here with the CORS headers instead.
            await _send_error_response(scope, receive, send_with_cors, None)

    async def _general(
        self, config: _Configuration, scope: Scope, receive: Receive, send: Send
    ) -> tuple[Header, ...] | None:
        """Every request the fast path does not settle: routes, preflights,
        first sight of an origin, strict mode's refusals, debug logging.
        Returns the headers to add to the application's response, or None when
        the request is already answered (or is not this middleware's business)."""
        if config.broken is not None:
            await self._serve_nothing(config.broken, send)
            return None
        table = config.table
        if config.views is not None or table.hosts:
            view_policy = (
                policy_of(starlette_view(scope, config.views)) if config.views is not None else None
            )
            engine = table.engine_for(_route_path(scope), view_policy, host_of(scope["headers"]))
        else:
            engine = table.default if not table.routes else table.engine_for(_route_path(scope))
        if engine is None:
            await self.app(scope, receive, send)
            return None
        method: str = scope["method"]
        headers = scope["headers"]
        request = read_lowercase(headers)
        # The server's own origin matters only to strict mode's refusals.
        self_origin = (
            own_origin(scope.get("scheme", "http"), host_of(headers)) if engine.strict else None
        )
        resolution = None
        pending = pending_call(
            engine, request[0], lambda: RequestInfo.from_pairs(method, scope["path"], headers)
        )
        if pending is not None:
            origin, call = pending
            resolution = engine.settle(origin, await call_async(*call))
        decision = engine.decide_request(method, request, self_origin, resolution)
        if table.observer is not None:
            table.observer.after(engine, method, request, decision, self_origin, scope["path"])
        if self._debug and not decision.allowed:
            log_refusal(method, scope["path"], request[0], decision)
        if decision.answer is not None:
            start, body = _answer_messages(decision.answer)
            await send(start)
            await send(body)
            return None
        return decision.headers

    async def _not_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        config = self._config
        if config.broken is not None:
            await self._refuse_to_start(config, scope, receive, send)
        elif scope["type"] == "websocket" and self._check_websockets:
            await self._websocket(config, scope, receive, send)
        elif scope["type"] == "lifespan" and self._source is not None:
            source, apply = self._source, self._apply_document

            async def stop_source_on_shutdown(message: Message) -> None:
                if message["type"] == "lifespan.shutdown.complete":
                    source.unsubscribe(apply)
                await send(message)

            await self.app(scope, receive, stop_source_on_shutdown)
        else:
            await self.app(scope, receive, send)

    async def _refuse_to_start(
        self, config: _Configuration, scope: Scope, receive: Receive, send: Send
    ) -> None:
        assert config.broken is not None and config.error is not None
        if scope["type"] == "lifespan":
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.failed", "message": config.broken})
                # Then raise, as Starlette's own lifespan does: servers that
                # saw the failure stop quietly, test clients raise it.
                raise config.error
        elif scope["type"] == "websocket":
            message = await receive()
            if message["type"] == "websocket.connect":
                await self._serve_nothing(config.broken, send, websocket=True)
        else:
            await self.app(scope, receive, send)

    async def _websocket(
        self, config: _Configuration, scope: Scope, receive: Receive, send: Send
    ) -> None:
        engine = config.table.engine_for(_route_path(scope), None, host_of(scope["headers"]))
        if engine is None:
            await self.app(scope, receive, send)
            return
        origin = origin_of(scope["headers"])
        self_origin = own_origin(scope.get("scheme", "ws"), host_of(scope["headers"]))
        resolution = None
        if origin != self_origin:
            headers = scope["headers"]
            pending = pending_call(
                engine, origin, lambda: RequestInfo.from_pairs("GET", scope["path"], headers)
            )
            if pending is not None:
                resolution = engine.settle(pending[0], await call_async(*pending[1]))
        decision = engine.websocket(origin, self_origin, resolution)
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


def _answer_messages(answer: Answer) -> tuple[Message, Message]:
    """The two messages of the middleware's own answer: the engine's status
    and headers, an empty body (the application is not called)."""
    return (
        {"type": "http.response.start", "status": answer.status, "headers": [*answer.headers]},
        {"type": "http.response.body", "body": b"", "more_body": False},
    )


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
