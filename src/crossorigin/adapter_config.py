"""What every adapter shares: arguments to engines, per-route selection,
atomic reconfiguration, and the debug log line.

Theory of operation: an adapter holds one `EngineTable`, an immutable value
built from a default policy and an ordered list of `(path prefix, policy)`
routes. The request path picks an engine with `EngineTable.engine_for(path)`:
the first route whose prefix matches wins, else the default, else None (the
middleware then leaves the request alone). Prefixes match case-sensitively, on
whole path segments: `/api` matches `/api` and `/api/users`, never `/apis` or
`/API`. Matching uses the same path the application routes on (the ASGI
`path` without `root_path`, as Starlette routes under `Mount` and
`--root-path`; the WSGI `PATH_INFO`; Django's `request.path_info`), so the
CORS policy and the handler can never disagree about which URL this is.

Reconfiguring builds a new table off to the side and swaps one attribute, so a
request in flight sees either the old table or the new one, never a mix.

Starlette's argument names are translated here, once, for the ASGI and WSGI
adapters; insecure combinations Starlette accepts raise ConfigError with the
fix spelled out.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Final, Literal

from crossorigin import fetch_tables
from crossorigin.engine import Decision, Engine
from crossorigin.observe import BoundObserver, Observer, ReportOnly
from crossorigin.policy import ConfigError, Issue, Policy

__all__ = [
    "STARLETTE_ALWAYS_ALLOWED_HEADERS",
    "EngineTable",
    "Route",
    "log_refusal",
    "refuse_unknown_arguments",
    "resolve_policy",
]

logger: Final = logging.getLogger("crossorigin")

#: Starlette's CORSMiddleware always allows these four request header names
#: (Fetch's no-CORS-safelisted names), whatever `allow_headers` says; the
#: drop-in keeps that.
STARLETTE_ALWAYS_ALLOWED_HEADERS: Final = fetch_tables.NO_CORS_SAFELISTED_REQUEST_HEADER_NAMES

Route = tuple[str, Policy]
Adapter = Literal["asgi", "wsgi"]

#: flask-cors' keyword arguments, and what to write instead.
_FLASK_CORS_ARGUMENTS: Final = {
    "origins": "allow_origins=[...] (or policy=Policy(origins=[...]))",
    "supports_credentials": "allow_credentials=True",
    "methods": "allow_methods=[...]",
    "resources": (
        'routes=[("/api", Policy(...)), ...] (path prefixes, first match wins; '
        "not regular expressions)"
    ),
    "send_wildcard": "allow_origins=['*'], which answers '*' already",
    "vary_header": "nothing: Vary: Origin is sent whenever the answer depends on it",
    "automatic_options": "nothing: preflights are always answered by the middleware",
    "always_send": "nothing: CORS headers are sent whenever the Origin is allowed",
    "intercept_exceptions": "nothing: error responses always carry the CORS headers",
    "allow_private_network": "allow_private_network=True",
}


def refuse_unknown_arguments(
    adapter: Adapter, unexpected: Mapping[str, object], known: Iterable[str]
) -> None:
    """A TypeError that says what to write, for arguments the adapter does
    not take: flask-cors' names get their translation, others a "did you
    mean" over the adapter's own names."""
    if not unexpected:
        return
    known = list(known)
    lines = []
    for name in unexpected:
        if name in _FLASK_CORS_ARGUMENTS:
            lines.append(f"{name}= is flask-cors'; write {_FLASK_CORS_ARGUMENTS[name]}")
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]}=?" if close else f"; it takes {', '.join(known)}"
        lines.append(f"unexpected argument {name}={hint}")
    raise TypeError(f"crossorigin.{adapter}.CORSMiddleware: " + "; ".join(lines))


def resolve_policy(
    policy: Policy | None,
    *,
    adapter: Adapter = "asgi",
    allow_origins: Sequence[str] = (),
    allow_origin_regex: str | None = None,
    allow_methods: Sequence[str] = ("GET",),
    allow_headers: Sequence[str] = (),
    allow_credentials: bool = False,
    expose_headers: Sequence[str] = (),
    max_age: int | None = 600,
    allow_private_network: bool = False,
) -> Policy | None:
    """The adapter's default policy: `policy` itself, or the Policy that
    Starlette's CORSMiddleware arguments mean, validated (None when neither
    is given: routes alone decide).

    Differences from Starlette, on purpose: `allow_origins=["*"]` with
    `allow_credentials=True` is refused (Starlette reflects every origin with
    credentials); origins are validated; `"*"` in `allow_methods` means every
    method rather than a fixed list of seven.
    """
    starlette_style = bool(allow_origins) or allow_origin_regex is not None
    if policy is not None and starlette_style:
        raise TypeError(
            f"crossorigin.{adapter}.CORSMiddleware: pass either policy= or the allow_* "
            "arguments, not both"
        )
    if not starlette_style:
        return policy
    origins: str | Sequence[str] = "*" if "*" in allow_origins else allow_origins
    if origins == "*" and allow_credentials:
        raise ConfigError(
            [
                Issue(
                    "wildcard-with-credentials",
                    list(allow_origins),
                    "allow_origins=['*'] with allow_credentials=True would let every site "
                    "read your users' data"
                    + (" (Starlette reflects any origin here)" if adapter == "asgi" else "")
                    + "; write the origins instead, e.g. "
                    "allow_origins=['https://app.example.com'], or use allow_origin_regex "
                    "for a family of subdomains",
                )
            ]
        )
    methods = "*" if "*" in allow_methods else tuple(allow_methods)
    if "*" in allow_headers:
        headers: tuple[str, ...] = ("*",)
    else:
        headers = (*STARLETTE_ALWAYS_ALLOWED_HEADERS, *allow_headers)
    return Policy(
        origins=origins,
        origin_regex=allow_origin_regex,
        methods=methods,
        request_headers=headers,
        credentials=allow_credentials,
        expose_headers=tuple(expose_headers),
        max_age=max_age,
        private_network=allow_private_network,
    )


def host_name(host: str | bytes) -> str:
    """A `Host` value's name: lower case, without the port (RFC 9110 §7.2)."""
    text = host.decode("latin-1") if isinstance(host, bytes) else host
    if text.startswith("["):
        return text[: text.find("]") + 1].lower()
    return text.partition(":")[0].lower()


def _check_host(name: object) -> str:
    if not isinstance(name, str) or not name or name != host_name(name):
        raise ConfigError(
            [
                Issue(
                    "host-invalid",
                    name,
                    "a hosts= key is a host name in lower case without a port, "
                    "e.g. 'api.example.com'",
                )
            ]
        )
    return name


def _check_prefix(prefix: str) -> str:
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        raise ConfigError(
            [Issue("route-prefix-invalid", prefix, "a route prefix is a path starting with '/'")]
        )
    return prefix.rstrip("/") if prefix != "/" else ""


class EngineTable:
    """An immutable choice of engine per request path."""

    __slots__ = ("_view_engines", "default", "hosts", "observer", "routes", "strict")

    def __init__(
        self,
        default: Policy | None,
        routes: Iterable[Route] = (),
        *,
        strict: bool = False,
        hosts: Mapping[str, Policy] | None = None,
        observer: Observer | None = None,
        report_only: ReportOnly | None = None,
    ) -> None:
        self.strict = strict
        self._view_engines: dict[int, tuple[Policy, Engine]] = {}
        self.default = Engine(default, strict=strict) if default is not None else None
        #: Host name (lower case, no port) -> its engine, for multi-site deployments.
        self.hosts: dict[str, Engine] = {
            _check_host(name): Engine(policy, strict=strict)
            for name, policy in (hosts or {}).items()
        }
        self.routes: tuple[tuple[str, str, Engine], ...] = tuple(
            (stem, stem + "/", Engine(policy, strict=strict))
            for stem, policy in ((_check_prefix(prefix), policy) for prefix, policy in routes)
        )
        # `report_only=` / `metrics=` (crossorigin.observe); None costs nothing.
        # `report_only` here (a fleet document's candidates) replaces the
        # observer's own for this table; empty means "none given".
        report_only = report_only or None
        if observer is None and report_only is not None:
            observer = Observer()
        self.observer: BoundObserver | None = (
            observer.bind(self.default, self.routes, _check_prefix, strict, report_only)
            if observer is not None
            else None
        )

    def engine_for(
        self, path: str, view_policy: Policy | None = None, host: str | bytes | None = None
    ) -> Engine | None:
        """The engine for a request: the view's policy (`crossorigin.views`)
        when it has one, else the policy for the request's `Host` (name
        compared without case and port), else the first route whose prefix
        matches, else the default."""
        if view_policy is not None:
            return self._view_engine(view_policy)
        if self.hosts and host is not None:
            engine = self.hosts.get(host_name(host))
            if engine is not None:
                return engine
        for stem, directory, engine in self.routes:
            if path == stem or path.startswith(directory):
                return engine
        return self.default

    def _view_engine(self, policy: Policy) -> Engine:
        # One engine per decorated view's policy, built on first use; bounded
        # by the number of policies in the code. A race builds two equal
        # engines, one of which is kept.
        kept = self._view_engines.get(id(policy))
        if kept is None or kept[0] is not policy:
            kept = (policy, Engine(policy, strict=self.strict))
            self._view_engines[id(policy)] = kept
        return kept[1]


def log_refusal(method: str, path: str, origin: bytes | None, decision: Decision) -> None:
    """One line per refused request. Values are repr()-escaped so a crafted
    header cannot forge log lines."""
    reason = decision.reason.value if decision.reason is not None else "refused"
    detail = f" ({decision.detail!r})" if decision.detail else ""
    logger.warning(
        "CORS %s: %s %r from origin %r%s",
        reason,
        method,
        path,
        origin.decode("latin-1") if origin is not None else None,
        detail,
    )
