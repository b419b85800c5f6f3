"""WSGI adapter: `CORSMiddleware` for Flask and any WSGI application.

Theory of operation: translate, decide nothing. `crossorigin.edge` reads the
request's `Origin` and `Access-Control-Request-*` from the environ (PEP 3333
gives them as latin-1 text; they are turned back into the exact bytes the
client sent), the engine returns a cached `Decision`, and the middleware
either sends its `Answer` (preflights, strict-mode refusals) or wraps
`start_response` so the application's response, error pages included, carries
the decision's headers (precomputed as text in `Decision.text_headers`).

A WSGI server merges repeated header lines into one comma-separated value, so
a doubled `Origin` arrives as `a, b`, which no policy allows.

With Flask: `app.wsgi_app = CORSMiddleware(app.wsgi_app, policy=...)`. Flask
turns view exceptions into its 500 page inside `wsgi_app`, so that page gets
the headers. If an application lets an exception escape before calling
`start_response`, the middleware answers the 500 itself with the CORS headers
and reports the exception to `wsgi.errors` and the "crossorigin" logger, so
the browser sees a 500 and the operator sees the traceback.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Never

from crossorigin.adapter_config import (
    EngineTable,
    Route,
    log_refusal,
    refuse_unknown_arguments,
    resolve_policy,
)
from crossorigin.edge import own_origin, read_environ
from crossorigin.engine import Answer
from crossorigin.observe import MetricsHook, Observer, ReportOnly
from crossorigin.policy import ConfigError, Issue, IssueCode, Policy
from crossorigin.resolver import RequestInfo, call_sync, is_async, pending_call
from crossorigin.sources.base import PolicySource
from crossorigin.sources.document import PolicyDocument
from crossorigin.views import flask_view, policy_of

__all__ = ["CORSMiddleware"]

Environ = dict[str, Any]
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

_ERROR_BODY = b"Internal Server Error"
_ERROR_HEADERS = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Content-Length", str(len(_ERROR_BODY))),
]
logger = logging.getLogger("crossorigin")


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
    "debug",
    "report_only",
    "metrics",
    "views",
    "hosts",
)


class CORSMiddleware:
    """CORS for a WSGI application; the same arguments as the ASGI adapter:
    `policy=` (and `routes=`), `source=` (a `crossorigin.sources` source), or
    the `allow_*` arguments (`allow_origins`,
    `allow_origin_regex`, `allow_methods`, `allow_headers`, `allow_credentials`,
    `expose_headers`, `max_age`, `allow_private_network`), `strict`, `debug`;
    `views=flask_app` reads `@crossorigin.views.cors(policy)` on its views;
    `hosts={"api.example.com": Policy(...)}` chooses a policy by `Host`.
    flask-cors' argument names (`origins=`, `supports_credentials=`,
    `resources=`, ...) raise a TypeError naming the argument to write."""

    def __init__(
        self,
        app: WSGIApp,
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
        debug: bool = False,
        report_only: ReportOnly | None = None,
        metrics: MetricsHook | None = None,
        views: Any = None,
        hosts: Mapping[str, Policy] | None = None,
        **unexpected: Never,  # a type checker refuses any; at run time, a clear TypeError
    ) -> None:
        refuse_unknown_arguments("wsgi", unexpected, _ARGUMENTS)
        self.app = app
        # The Flask application whose views may carry @cors(policy).
        self._views = views
        self._hosts = dict(hosts or {})
        policy = resolve_policy(
            policy,
            adapter="wsgi",
            allow_origins=allow_origins,
            allow_origin_regex=allow_origin_regex,
            allow_methods=allow_methods,
            allow_headers=allow_headers,
            allow_credentials=allow_credentials,
            expose_headers=expose_headers,
            max_age=max_age,
            allow_private_network=allow_private_network,
        )
        self._strict = strict
        self._debug = debug
        self._observer = Observer.build(report_only, metrics)
        self._table = _sync_only(
            EngineTable(policy, routes, strict=strict, hosts=self._hosts, observer=self._observer)
        )
        if source is not None:
            if policy is not None or self._table.routes or self._hosts:
                raise TypeError(
                    "crossorigin.wsgi.CORSMiddleware: pass either source= or policy=/routes=/"
                    "allow_* arguments, not both"
                )
            source.subscribe(self._apply_document)

    def _apply_document(self, document: PolicyDocument) -> None:
        """A new document from `source=` (called from the source's thread)."""
        self.reconfigure(document.default, document.routes, report_only=dict(document.report_only))

    def reconfigure(
        self,
        policy: Policy | None = None,
        routes: Iterable[Route] = (),
        *,
        report_only: ReportOnly | None = None,
    ) -> None:
        """Swap the policy (and routes) atomically: the new engines are built
        off to the side and replace the old ones in one assignment.
        `report_only`, when given, replaces the constructor's candidates while
        this configuration is in force."""
        self._table = _sync_only(
            EngineTable(
                policy,
                routes,
                strict=self._strict,
                hosts=self._hosts,
                observer=self._observer,
                report_only=report_only,
            )
        )

    @property
    def engines(self) -> EngineTable:
        return self._table

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        table = self._table
        if self._views is not None or table.hosts:
            view = flask_view(self._views, environ) if self._views is not None else None
            engine = table.engine_for(
                environ.get("PATH_INFO", ""), policy_of(view), environ.get("HTTP_HOST")
            )
        else:
            engine = (
                table.default
                if not table.routes
                else table.engine_for(environ.get("PATH_INFO", ""))
            )
        if engine is None:
            return self.app(environ, start_response)
        method: str = environ["REQUEST_METHOD"]
        request = read_environ(environ)
        # The server's own origin matters only to strict mode's refusals.
        self_origin = (
            own_origin(environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST"))
            if engine.strict
            else None
        )
        resolution = None
        pending = pending_call(engine, request[0], lambda: RequestInfo.from_environ(environ))
        if pending is not None:
            origin, call = pending
            resolution = engine.settle(origin, call_sync(*call))
        decision = engine.decide_request(method, request, self_origin, resolution)
        if table.observer is not None:
            path = environ.get("PATH_INFO", "")
            table.observer.after(engine, method, request, decision, self_origin, path)
        if not decision.allowed and self._debug:
            log_refusal(method, environ.get("PATH_INFO", ""), request[0], decision)
        if decision.answer is not None:
            return _answer(decision.answer, start_response)
        return self._call_app(environ, start_response, decision.text_headers)

    def _call_app(
        self,
        environ: Environ,
        start_response: StartResponse,
        extra: tuple[tuple[str, str], ...],
    ) -> Iterable[bytes]:
        started = False

        def start_with_cors(
            status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
        ) -> Callable[[bytes], object]:
            nonlocal started
            started = True
            return start_response(status, [*headers, *extra], exc_info)

        def answer_error() -> list[bytes]:
            _report(environ)
            start_response("500 Internal Server Error", [*_ERROR_HEADERS, *extra], sys.exc_info())
            return [_ERROR_BODY]

        try:
            body = self.app(environ, start_with_cors)
        except Exception:
            if started:
                raise
            return answer_error()
        if started:
            return body
        # A generator application calls start_response only once iterated
        # (PEP 3333 allows it up to the first body chunk). Take that first step
        # here, so an exception before it still gets the CORS-carrying 500
        # instead of the server's bare one.
        chunks = iter(body)
        try:
            first = next(chunks, None)
        except Exception:
            _close(body)
            return answer_error()
        return _Prepended(first, chunks, body)


def _sync_only(table: EngineTable) -> EngineTable:
    """A WSGI server calls the application in a thread with no event loop,
    so a coroutine resolver could never be awaited here: refused when the
    middleware is built, not on the first request."""
    engines = [table.default, *(engine for _, _, engine in table.routes)]
    for engine in engines:
        if engine is not None and engine.resolver is not None and is_async(engine.resolver):
            raise ConfigError(
                [
                    Issue(
                        IssueCode.RESOLVER_INVALID,
                        engine.resolver,
                        "crossorigin.wsgi.CORSMiddleware: the resolver is a coroutine "
                        "function, which WSGI cannot await; give it a plain (sync) function, "
                        "or serve the application with ASGI",
                    )
                ]
            )
    return table


def _answer(answer: Answer, start_response: StartResponse) -> Iterable[bytes]:
    start_response(answer.status_line, list(answer.text_headers))
    return [b""]


class _Prepended:
    """A WSGI body whose first chunk was already taken; closes the original."""

    def __init__(self, first: bytes | None, rest: Iterator[bytes], original: Iterable[bytes]):
        self._first = first
        self._rest = rest
        self._original = original

    def __iter__(self) -> Iterator[bytes]:
        if self._first is not None:
            yield self._first
        yield from self._rest

    def close(self) -> None:
        _close(self._original)


def _close(body: Iterable[bytes]) -> None:
    close = getattr(body, "close", None)
    if close is not None:
        close()


def _report(environ: Environ) -> None:
    """Tell the operator what the 500 hides: the traceback goes where the
    server puts errors, and to the "crossorigin" logger."""
    text = traceback.format_exc()
    errors = environ.get("wsgi.errors")
    if errors is not None:
        errors.write(text)
    logger.error("exception in the WSGI application, answered 500 with CORS headers", exc_info=True)
