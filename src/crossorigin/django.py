"""Django adapter: `crossorigin.django.CORSMiddleware`.

Theory of operation: translate, decide nothing. Settings are read once, when
Django builds the middleware chain, into an `EngineTable`; per request the
middleware reads `Origin` and the preflight headers from `request.META` with
`crossorigin.edge`, asks the engine, and either sends the decision's `Answer`
(preflights, strict-mode refusals) or adds the decision's headers to the
view's response, folding `Vary` into the view's own with `edge.merge_vary`. Django turns a view's
exception into a 500 response inside the chain (each layer is wrapped by
`convert_exception_to_response`), so that 500 passes through here and gets
the CORS headers like any other response.

Settings: `CROSSORIGIN` is a dict of Policy fields, plus optional keys
`routes`, `strict` and `debug`. `routes` maps path prefixes to dicts of Policy
fields, first match wins, matched on `request.path_info`; write it as a dict
(`{"/api": {...}}`, in order), a list of `(prefix, dict)` pairs, or a list of
dicts with a `"prefix"` key:

    MIDDLEWARE = ["crossorigin.django.CORSMiddleware", ...]   # first, or near it
    CROSSORIGIN = {"origins": ["https://app.example.com"], "credentials": True}

A fleet follows one policy document instead: `{"source": FileSource(...)}`
(any `crossorigin.sources` source, with `strict` and `debug` if wanted).

django-cors-headers' `CORS_*` settings are not read; when they are present the
middleware refuses to start and prints the `CROSSORIGIN` that means the same.

Put it above middleware that may answer early (CommonMiddleware redirects,
authentication), so their responses get CORS headers too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from crossorigin.adapter_config import EngineTable, log_refusal
from crossorigin.edge import merge_vary, own_origin, read_environ
from crossorigin.engine import Engine, Resolution
from crossorigin.observe import BoundObserver, Observer
from crossorigin.policy import ConfigError, Issue, IssueCode, Policy, policy_or_issues
from crossorigin.resolver import (
    RequestInfo,
    ResolverCall,
    call_async,
    call_sync,
    is_async,
    pending_call,
)
from crossorigin.sources.document import PolicyDocument
from crossorigin.views import django_view, policy_of, views_marked

__all__ = ["CORSMiddleware", "engine_table_from_settings"]

_OPTIONS = frozenset({"routes", "strict", "debug", "source", "report_only", "metrics", "hosts"})
TextHeaders = tuple[tuple[str, str], ...]
GetResponse = Callable[[HttpRequest], HttpResponseBase | Awaitable[HttpResponseBase]]


def engine_table_from_settings(config: Mapping[str, Any]) -> tuple[EngineTable, bool]:
    """(engines, debug) from a `CROSSORIGIN` settings dict; every problem of
    every policy is reported in one ConfigError."""
    if not isinstance(config, Mapping):
        raise ImproperlyConfigured("settings.CROSSORIGIN must be a dict of policy fields")
    fields = {key: value for key, value in config.items() if key not in _OPTIONS}
    issues: list[Issue] = []
    default = policy_or_issues(fields, issues) if fields else None
    routes: list[tuple[str, Policy]] = []
    for prefix, route_fields in _route_entries(config.get("routes", ())):
        route_policy = policy_or_issues(route_fields, issues, f"route {prefix!r}")
        if route_policy is not None:
            routes.append((prefix, route_policy))
    hosts: dict[str, Policy] = {}
    host_entries = config.get("hosts", {})
    if not isinstance(host_entries, Mapping):
        raise ImproperlyConfigured(
            "CROSSORIGIN['hosts'] maps host names to dicts of policy fields, e.g. "
            "{'api.example.com': {'origins': [...]}}"
        )
    for name, host_fields in host_entries.items():
        host_policy = policy_or_issues(host_fields, issues, f"host {name!r}")
        if host_policy is not None:
            hosts[name] = host_policy
    if issues:
        raise ConfigError(issues)
    strict = bool(config.get("strict", False))
    table = EngineTable(default, routes, strict=strict, hosts=hosts, observer=_observer(config))
    return table, bool(config.get("debug", False))


def _observer(config: Mapping[str, Any]) -> Observer | None:
    """`report_only` (a Policy, a dict of Policy fields, or what the other
    adapters' `report_only=` takes) and `metrics` (a callable)."""
    report_only = config.get("report_only")
    if isinstance(report_only, Mapping) and not all(
        key is None or (isinstance(key, str) and key.startswith("/")) for key in report_only
    ):
        report_only = Policy.from_mapping(report_only)
    return Observer.build(report_only, config.get("metrics"))


_ROUTES_FORMS = (
    "write CROSSORIGIN['routes'] as "
    '{"/api": {"origins": [...]}, ...}, '
    'or [("/api", {"origins": [...]}), ...], or [{"prefix": "/api", "origins": [...]}, ...]'
)


def _route_entries(routes: object) -> list[tuple[str, Mapping[str, Any]]]:
    """(prefix, policy fields) pairs from any of the three spellings."""
    if isinstance(routes, Mapping):
        entries: Iterable[object] = routes.items()
    elif isinstance(routes, Iterable) and not isinstance(routes, str | bytes):
        entries = routes
    else:
        raise ImproperlyConfigured(
            f"CROSSORIGIN['routes'] is a {type(routes).__name__}; {_ROUTES_FORMS}"
        )
    pairs: list[tuple[str, Mapping[str, Any]]] = []
    for entry in entries:
        if isinstance(entry, Mapping) and "prefix" in entry:
            fields = {key: value for key, value in entry.items() if key != "prefix"}
            pairs.append((entry["prefix"], fields))
        elif isinstance(entry, tuple | list) and len(entry) == 2 and isinstance(entry[1], Mapping):
            pairs.append((entry[0], entry[1]))
        else:
            raise ImproperlyConfigured(
                f"CROSSORIGIN['routes'] entry {entry!r:.120} is not a route; {_ROUTES_FORMS}"
            )
    return pairs


#: django-cors-headers' settings and the CROSSORIGIN key each one becomes.
_DJANGO_CORS_HEADERS_SETTINGS: dict[str, str] = {
    "CORS_ALLOWED_ORIGINS": "origins",
    "CORS_ORIGIN_WHITELIST": "origins",
    "CORS_ALLOW_ALL_ORIGINS": "origins",
    "CORS_ORIGIN_ALLOW_ALL": "origins",
    "CORS_ALLOWED_ORIGIN_REGEXES": "origin_regex",
    "CORS_ORIGIN_REGEX_WHITELIST": "origin_regex",
    "CORS_ALLOW_METHODS": "methods",
    "CORS_ALLOW_HEADERS": "request_headers",
    "CORS_EXPOSE_HEADERS": "expose_headers",
    "CORS_PREFLIGHT_MAX_AGE": "max_age",
    "CORS_ALLOW_CREDENTIALS": "credentials",
    "CORS_ALLOW_PRIVATE_NETWORK": "private_network",
}


def _translate_django_cors_headers(present: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The CROSSORIGIN dict that means what the CORS_* settings meant, and
    the names that have no equivalent."""
    translated: dict[str, Any] = {}
    untranslated: list[str] = []
    for name, value in present.items():
        key = _DJANGO_CORS_HEADERS_SETTINGS.get(name)
        if key is None:
            untranslated.append(name)
        elif name in ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"):
            if value:
                translated["origins"] = "*"
        elif key == "origin_regex":
            patterns = [value] if isinstance(value, str) else list(value)
            if patterns:
                translated[key] = "|".join(f"(?:{pattern})" for pattern in patterns)
        elif isinstance(value, list | tuple):
            translated[key] = list(value)
        else:
            translated[key] = value
    return translated, untranslated


def _refuse_django_cors_headers_settings(config: object) -> None:
    present = {name: getattr(settings, name) for name in dir(settings) if name.startswith("CORS_")}
    if not present:
        return
    translated, untranslated = _translate_django_cors_headers(present)
    where = (
        "settings.CROSSORIGIN is missing"
        if config is None
        else "crossorigin reads only settings.CROSSORIGIN"
    )
    lines = [
        f"django-cors-headers settings found ({', '.join(sorted(present))}), but {where}: "
        "they would be ignored. Replace them with:",
        f"    CROSSORIGIN = {translated!r}",
    ]
    if untranslated:
        lines.append(
            f"and delete {', '.join(sorted(untranslated))}: no equivalent "
            "(CORS_URLS_REGEX: use CROSSORIGIN['routes'] with path prefixes)."
        )
    defaults = {
        "methods": "['DELETE', 'GET', 'OPTIONS', 'PATCH', 'POST', 'PUT']",
        "request_headers": "['Accept', 'Authorization', 'Content-Type', 'User-Agent', "
        "'X-CSRFToken', 'X-Requested-With']",
    }
    unset = [f"{key!r}: {value}" for key, value in defaults.items() if key not in translated]
    if unset:
        lines.append(
            "django-cors-headers allowed these by default; add the ones your clients "
            f"need: {', '.join(unset)}."
        )
    raise ImproperlyConfigured("\n".join(lines))


def _resolver_call(
    request: HttpRequest, engine: Engine | None
) -> tuple[bytes, ResolverCall] | None:
    """`resolver.pending_call` for this request (None without an engine)."""
    if engine is None:
        return None
    return pending_call(engine, _origin(request), lambda: RequestInfo.from_environ(request.META))


class CORSMiddleware:
    """Django middleware (sync and async) applying `settings.CROSSORIGIN`."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        config = getattr(settings, "CROSSORIGIN", None)
        _refuse_django_cors_headers_settings(config)
        if config is None:
            raise ImproperlyConfigured(
                "crossorigin.django.CORSMiddleware needs settings.CROSSORIGIN, e.g. "
                "{'origins': ['https://app.example.com']}"
            )
        # One attribute, so that `reconfigure` swaps engines and debug together.
        self._config = engine_table_from_settings(config)
        source = config.get("source")
        if source is not None:
            table, debug = self._config
            if table.default is not None or table.routes:
                raise ImproperlyConfigured(
                    "CROSSORIGIN: 'source' replaces the policy fields and 'routes'; keep only "
                    "'source' (with 'strict' and 'debug' if wanted)"
                )
            strict = bool(config.get("strict", False))

            observer = _observer(config)

            def apply(document: PolicyDocument) -> None:
                self._config = (
                    EngineTable(
                        document.default,
                        document.routes,
                        strict=strict,
                        observer=observer,
                        report_only=dict(document.report_only),
                    ),
                    debug,
                )

            source.subscribe(apply)
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)
        else:
            _refuse_async_resolvers(self._config[0])

    def reconfigure(self, config: Mapping[str, Any]) -> None:
        """Swap the policies atomically (e.g. after reloading tenants): the new
        engines are built off to the side and replace the old ones, with the
        debug flag, in one assignment."""
        config_value = engine_table_from_settings(config)
        if not self._async:
            _refuse_async_resolvers(config_value[0])
        self._config = config_value

    def __call__(self, request: HttpRequest) -> Any:
        if self._async:
            return self.__acall__(request)
        engine, debug, observer = self._select(request)
        resolution = None
        pending = _resolver_call(request, engine)
        if engine is not None and pending is not None:
            origin, call = pending
            resolution = engine.settle(origin, call_sync(*call))
        extra, answer = self._decide(request, engine, debug, observer, resolution)
        if answer is not None:
            return answer
        response = self.get_response(request)
        assert isinstance(response, HttpResponseBase)
        return _with_headers(response, extra)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        engine, debug, observer = self._select(request)
        resolution = None
        pending = _resolver_call(request, engine)
        if engine is not None and pending is not None:
            origin, call = pending
            resolution = engine.settle(origin, await call_async(*call))
        extra, answer = self._decide(request, engine, debug, observer, resolution)
        if answer is not None:
            return answer
        response = await self.get_response(request)
        return _with_headers(response, extra)

    def _select(self, request: HttpRequest) -> tuple[Engine | None, bool, BoundObserver | None]:
        """The engine for this request, the debug flag and the report-only /
        metrics observer, from one read of the configuration."""
        table, debug = self._config
        if views_marked() or table.hosts:
            view_policy = policy_of(django_view(request.path_info)) if views_marked() else None
            host = request.META.get("HTTP_HOST")
            return table.engine_for(request.path_info, view_policy, host), debug, table.observer
        engine = table.default if not table.routes else table.engine_for(request.path_info)
        return engine, debug, table.observer

    def _decide(
        self,
        request: HttpRequest,
        engine: Engine | None,
        debug: bool,
        observer: BoundObserver | None,
        resolution: Resolution | None = None,
    ) -> tuple[TextHeaders, HttpResponse | None]:
        """The headers to add to the view's response, or the middleware's own
        response (then the view is not called)."""
        if engine is None:
            return (), None
        method = request.method or "GET"
        cors = read_environ(request.META)
        # The server's own origin matters only to strict mode's refusals;
        # Django knows it best (SECURE_PROXY_SSL_HEADER, USE_X_FORWARDED_HOST).
        self_origin = own_origin(request.scheme, request.get_host()) if engine.strict else None
        decision = engine.decide_request(method, cors, self_origin, resolution)
        if observer is not None:
            observer.after(engine, method, cors, decision, self_origin, request.path_info)
        if debug and not decision.allowed:
            log_refusal(method, request.path_info, cors[0], decision)
        answer = decision.answer
        if answer is None:
            return decision.text_headers, None
        response = HttpResponse(status=answer.status)
        del response["Content-Type"]  # an empty body has no type
        return (), _with_headers(response, answer.text_headers)


def _origin(request: HttpRequest) -> bytes | None:
    value = request.META.get("HTTP_ORIGIN")
    return value.encode("latin-1", "replace") if isinstance(value, str) else None


def _refuse_async_resolvers(table: EngineTable) -> None:
    """A coroutine resolver needs Django's async mode (an async middleware
    chain under ASGI); in sync mode it could never be awaited."""
    for engine in (table.default, *(engine for _, _, engine in table.routes)):
        if engine is not None and engine.resolver is not None and is_async(engine.resolver):
            raise ConfigError(
                [
                    Issue(
                        IssueCode.RESOLVER_INVALID,
                        engine.resolver,
                        "crossorigin.django.CORSMiddleware runs in sync mode here (a WSGI "
                        "server, or a sync middleware below it), where a coroutine resolver "
                        "cannot be awaited; give it a plain function, or serve Django with "
                        "ASGI and only async-capable middleware",
                    )
                ]
            )


def _with_headers(response: HttpResponseBase, headers: TextHeaders) -> HttpResponseBase:
    store = getattr(response.headers, "_store", None)
    if not isinstance(store, dict):
        for name, value in headers:
            present = response.headers.get(name) if name == "vary" else None
            response[name] = merge_vary(present, value) if present else value
        return response
    # Django validates and re-encodes every header set through
    # `response[name] = value` (about 0.8 us each), and its `get` raises and
    # catches KeyError for an absent name. The engine's headers are already
    # valid (lower-case token names, visible latin-1 values, no line breaks),
    # so they go straight into the store `ResponseHeaders` has kept since 3.2,
    # keyed by lower-case name.
    for name, value in headers:
        if name == "vary":
            entry = store.get("vary")
            if entry is not None:
                store["vary"] = (entry[0], merge_vary(entry[1], value))
                continue
        store[name] = (name, value)
    return response
