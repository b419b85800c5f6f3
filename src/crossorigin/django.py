"""Django adapter: `crossorigin.django.CORSMiddleware`.

Theory of operation: translate, decide nothing. Settings are read once, when
Django builds the middleware chain, into an `EngineTable`; per request the
middleware reads `Origin` and the preflight headers from `request.META`, asks
the engine, and either answers itself (preflights, strict-mode refusals) or
adds the decision's headers to the view's response. Django turns a view's
exception into a 500 response inside the chain (each layer is wrapped by
`convert_exception_to_response`), so that 500 passes through here and gets
the CORS headers like any other response.

Settings: `CROSSORIGIN` is a dict of Policy fields, plus optional keys
`routes` (a list of `(path prefix, dict of Policy fields)`, first match wins,
matched on `request.path_info`), `strict` and `debug`:

    MIDDLEWARE = ["crossorigin.django.CORSMiddleware", ...]   # first, or near it
    CROSSORIGIN = {"origins": ["https://app.example.com"], "credentials": True}

Put it above middleware that may answer early (CommonMiddleware redirects,
authentication), so their responses get CORS headers too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from crossorigin.adapter_config import EngineTable, log_refusal
from crossorigin.engine import Decision, Engine, RequestKind
from crossorigin.policy import ConfigError, Issue, Policy

__all__ = ["CORSMiddleware", "engine_table_from_settings"]

_OPTIONS = frozenset({"routes", "strict", "debug"})
GetResponse = Callable[[HttpRequest], HttpResponseBase | Awaitable[HttpResponseBase]]


def engine_table_from_settings(config: Mapping[str, Any]) -> tuple[EngineTable, bool]:
    """(engines, debug) from a `CROSSORIGIN` settings dict; every problem of
    every policy is reported in one ConfigError."""
    if not isinstance(config, Mapping):
        raise ImproperlyConfigured("settings.CROSSORIGIN must be a dict of policy fields")
    fields = {key: value for key, value in config.items() if key not in _OPTIONS}
    issues: list[Issue] = []
    default: Policy | None = None
    if fields:
        try:
            default = Policy.from_mapping(fields)
        except ConfigError as error:
            issues.extend(error.issues)
    routes: list[tuple[str, Policy]] = []
    for entry in config.get("routes", ()):
        prefix, route_fields = entry
        try:
            routes.append((prefix, Policy.from_mapping(route_fields)))
        except ConfigError as error:
            issues.extend(
                Issue(i.code, i.value, f"route {prefix!r}: {i.message}") for i in error.issues
            )
    if issues:
        raise ConfigError(issues)
    table = EngineTable(default, routes, strict=bool(config.get("strict", False)))
    return table, bool(config.get("debug", False))


def _header(request: HttpRequest, key: str) -> bytes | None:
    value = request.META.get(key)
    return None if value is None else value.encode("latin-1", "replace")


class CORSMiddleware:
    """Django middleware (sync and async) applying `settings.CROSSORIGIN`."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        config = getattr(settings, "CROSSORIGIN", None)
        if config is None:
            raise ImproperlyConfigured(
                "crossorigin.django.CORSMiddleware needs settings.CROSSORIGIN, e.g. "
                "{'origins': ['https://app.example.com']}"
            )
        self._table, self._debug = engine_table_from_settings(config)
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def reconfigure(self, config: Mapping[str, Any]) -> None:
        """Swap the policies atomically (e.g. after reloading tenants)."""
        self._table, self._debug = engine_table_from_settings(config)

    def __call__(self, request: HttpRequest) -> Any:
        if self._async:
            return self.__acall__(request)
        decision, answer = self._decide(request)
        if answer is not None:
            return answer
        response = self.get_response(request)
        assert isinstance(response, HttpResponseBase)
        return _with_headers(response, decision)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        decision, answer = self._decide(request)
        if answer is not None:
            return answer
        response = await self.get_response(request)
        return _with_headers(response, decision)

    def _decide(self, request: HttpRequest) -> tuple[Decision | None, HttpResponse | None]:
        table = self._table
        engine: Engine | None = (
            table.default if not table.routes else table.engine_for(request.path_info)
        )
        if engine is None:
            return None, None
        origin = _header(request, "HTTP_ORIGIN")
        if origin is None:
            return engine.not_cors(), None
        method = request.method or "GET"
        request_method = _header(request, "HTTP_ACCESS_CONTROL_REQUEST_METHOD")
        if method == "OPTIONS" and request_method is not None:
            decision = engine.preflight(
                origin,
                request_method,
                _header(request, "HTTP_ACCESS_CONTROL_REQUEST_HEADERS"),
                _header(request, "HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK"),
            )
        else:
            self_origin = (
                f"{request.scheme}://{request.get_host()}".encode("latin-1", "replace")
                if engine.strict
                else None
            )
            decision = engine.actual(origin, method, self_origin)
        if self._debug and not decision.allowed:
            log_refusal(method, request.path_info, origin, decision)
        if decision.status is None:
            return decision, None
        answer = HttpResponse(status=decision.status)
        if decision.kind is RequestKind.PREFLIGHT and decision.allowed:
            del answer["Content-Type"]
        return None, _with_headers(answer, decision)


def _with_headers(response: HttpResponseBase, decision: Decision | None) -> HttpResponseBase:
    if decision is None:
        return response
    store = getattr(response.headers, "_store", None)
    if not isinstance(store, dict):
        for name, value in decision.text_headers:
            present = response.headers.get(name) if name == "vary" else None
            merged = _merge_vary(present, value) if present else value
            if merged is not None:
                response[name] = merged
        return response
    # Django validates and re-encodes every header set through
    # `response[name] = value` (about 0.8 us each), and its `get` raises and
    # catches KeyError for an absent name. The engine's headers are already
    # valid (lower-case token names, visible latin-1 values, no line breaks),
    # so they go straight into the store `ResponseHeaders` has kept since 3.2,
    # keyed by lower-case name.
    for name, value in decision.text_headers:
        if name == "vary":
            entry = store.get("vary")
            if entry is not None:
                merged = _merge_vary(entry[1], value)
                if merged is None:
                    continue
                value = merged
        store[name] = (name, value)
    return response


def _merge_vary(present: str, value: str) -> str | None:
    """One Vary field, merged as HTTP lists merge (RFC 9110 §12.5.5); None
    when every name is already there."""
    have = {item.strip().lower() for item in present.split(",")}
    missing = [item for item in value.split(", ") if item.lower() not in have]
    return ", ".join([present, *missing]) if missing else None
