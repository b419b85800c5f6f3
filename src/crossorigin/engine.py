"""The server's CORS decisions, sans I/O.

Theory of operation: the engine takes what a request says (method, `Origin`,
and for preflights `Access-Control-Request-Method`, `-Headers`,
`-Private-Network`) as raw bytes and returns a `Decision`: which headers to add
to the application's response, or the status and headers of the answer the
middleware sends itself (a preflight, or a strict-mode refusal), plus a
`Reason` when something was refused. It never touches a socket; the adapters in
asgi.py, wsgi.py and django.py translate, and decide nothing.

One entry point, `Engine.decide_request(method, request, self_origin)`,
classifies a request read by `crossorigin.edge` and decides it; `decide` does
the same from header lines, for tools. Every edge (ASGI, WSGI, Django, the
proxy, the playground) goes through them and only copies the `Decision` out:
the headers to add to the application's response, or the whole `Answer` the
middleware sends itself (status, every header, `Content-Length: 0` where a
body must be framed).

Every decision is computed once and reused: the answers for the policy's exact
origins are built when the engine is constructed, and answers for pattern- or
regex-matched origins and for preflights are kept in bounded caches, so the
request path is a dictionary lookup. Decisions are immutable and shared. The
one way into those caches from outside is `cached_headers`, the ASGI fast
path, whose contract is in its docstring.

Rules (Fetch standard §3.2 "CORS protocol", §4.8 "CORS-preflight fetch",
§4.10 "CORS check"):

- A request without `Origin` is not a CORS request. Its response still gets
  `Vary: Origin` whenever the policy's answer depends on the origin, so a cache
  never serves a header-less copy to a cross-origin reader.
- `OPTIONS` with `Origin` and `Access-Control-Request-Method` is a preflight;
  the engine answers it (204 allowed, 403 refused with no CORS headers). Any
  other request with `Origin` is an actual CORS request, handled by the
  application; when refused it gets no CORS headers, only `Vary: Origin`.
- Origins are compared byte for byte, as browsers compare `Access-Control-
  Allow-Origin`. Methods are compared case-sensitively (§2.2.1: `patch` is not
  `PATCH`); request-header names case-insensitively.
- With credentials, `*` cannot be sent (§3.2.5): a wildcard for methods or
  headers is answered by echoing the request. `Authorization` is never covered
  by `*` (§2.2.2 "CORS non-wildcard request-header name").
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from http import HTTPStatus
from typing import Final, NamedTuple, TypeVar, cast

from crossorigin import fetch_tables
from crossorigin.edge import MAX_REQUEST_HEADERS_LENGTH, CORSRequest, read_lines
from crossorigin.origin import MAX_ORIGIN_LENGTH
from crossorigin.patterns import OriginMatcher, compile_matcher
from crossorigin.policy import (
    DEFAULT_PREFLIGHT_STATUS,
    DEFAULT_RESOLVER_REFUSAL_TTL,
    DEFAULT_RESOLVER_TIMEOUT,
    DEFAULT_RESOLVER_TTL,
    GrantedOptions,
    Group,
    Issue,
    Policy,
    check_grant,
    isolation_headers,
)
from crossorigin.resolver import FAILURE_TTL, Outcome, Resolver, log_failure

__all__ = ["MAX_REQUEST_HEADERS_LENGTH", "Answer", "Decision", "Engine", "Reason", "RequestKind"]

Header = tuple[bytes, bytes]
K = TypeVar("K")
V = TypeVar("V")

#: Entries kept per cache before it is emptied (bounded memory under a flood of
#: distinct origins or header lists).
CACHE_SIZE: Final = 4096
#: A cache key longer than this is not cached (it is decided, not remembered).
MAX_CACHED_KEY_LENGTH: Final = 1024

_VISIBLE_ASCII: Final = frozenset(range(0x21, 0x7F))
#: The `Vary` of every preflight answer, allowed or refused.
VARY_PREFLIGHT: Final = (
    b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    b"Access-Control-Request-Private-Network"
)


class RequestKind(Enum):
    """How the engine classified a request (Fetch §3.2.2): no `Origin` is not
    CORS; `OPTIONS` with `Origin` and `Access-Control-Request-Method` is a
    preflight; any other request with `Origin` is actual, a plain `OPTIONS`
    included (the application answers it)."""

    NOT_CORS = "not-cors"
    PREFLIGHT = "preflight"
    ACTUAL = "actual"
    WEBSOCKET = "websocket"


class Reason(Enum):
    """Why a request was refused: a stable code, and a sentence for people."""

    ORIGIN_NOT_ALLOWED = "origin-not-allowed"
    ORIGIN_INVALID = "origin-invalid"
    METHOD_NOT_ALLOWED = "method-not-allowed"
    METHOD_INVALID = "method-invalid"
    HEADERS_NOT_ALLOWED = "headers-not-allowed"
    HEADERS_INVALID = "headers-invalid"
    PRIVATE_NETWORK_NOT_ALLOWED = "private-network-not-allowed"
    UNSAFE_METHOD_FROM_REFUSED_ORIGIN = "unsafe-method-from-refused-origin"
    RESOLVER_FAILED = "resolver-failed"
    GRANT_REFUSED = "grant-refused"

    @property
    def explanation(self) -> str:
        return _EXPLANATIONS[self]


_EXPLANATIONS: Final = {
    Reason.ORIGIN_NOT_ALLOWED: "the Origin is not one the policy allows",
    Reason.ORIGIN_INVALID: (
        "the Origin header is not a serialized origin a browser would send "
        "(malformed, too long, or repeated)"
    ),
    Reason.METHOD_NOT_ALLOWED: "the preflight asks for a method the policy does not allow",
    Reason.METHOD_INVALID: "Access-Control-Request-Method is not a single HTTP method token",
    Reason.HEADERS_NOT_ALLOWED: "the preflight asks for request headers the policy does not allow",
    Reason.HEADERS_INVALID: "Access-Control-Request-Headers is not a list of header names",
    Reason.PRIVATE_NETWORK_NOT_ALLOWED: (
        "the preflight asks for private network access, which the policy does not allow"
    ),
    Reason.UNSAFE_METHOD_FROM_REFUSED_ORIGIN: (
        "strict mode: a state-changing request from an origin the policy does not allow"
    ),
    Reason.RESOLVER_FAILED: (
        "the policy's resolver raised, timed out or returned something other than "
        "bool or Grant, so the origin was refused"
    ),
    Reason.GRANT_REFUSED: (
        "the policy's resolver allowed the origin with options validation refuses "
        "(e.g. credentials for an http:// origin)"
    ),
}


#: An empty body needs `Content-Length: 0` to be framed without closing the
#: connection (RFC 9112 §6.3); a 204 must not carry one (RFC 9110 §8.6).
_LENGTH_ZERO: Final = (b"content-length", b"0")


@dataclass(frozen=True, slots=True)
class Answer:
    """The response the middleware sends itself, whole: `status`, every header
    (the CORS ones, `Vary`, and `Content-Length: 0` unless the status is 204)
    and an empty body. `status_line` and `text_headers` are the same for the
    servers that want text (WSGI, Django)."""

    status: int
    headers: tuple[Header, ...]
    phrase: str = field(init=False, compare=False)
    status_line: str = field(init=False, compare=False)
    text_headers: tuple[tuple[str, str], ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        phrase = HTTPStatus(self.status).phrase
        object.__setattr__(self, "phrase", phrase)
        object.__setattr__(self, "status_line", f"{self.status} {phrase}")
        object.__setattr__(self, "text_headers", _text(self.headers))


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one request.

    `status` is None when the application answers (add `headers` to its
    response); otherwise the middleware answers itself with `answer` (the
    same status, `headers` plus the framing) and the application is not
    called. `text_headers` are `headers` as str pairs (latin-1), computed once
    for the adapters whose servers want text (WSGI, Django).
    """

    kind: RequestKind
    allowed: bool
    headers: tuple[Header, ...]
    status: int | None = None
    reason: Reason | None = None
    detail: str = field(default="", compare=False)
    text_headers: tuple[tuple[str, str], ...] = field(
        default=(), init=False, compare=False, repr=False
    )
    answer: Answer | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text_headers", _text(self.headers))
        if self.status is not None:
            framing = () if self.status == HTTPStatus.NO_CONTENT else (_LENGTH_ZERO,)
            answer = Answer(self.status, (*self.headers, *framing))
            object.__setattr__(self, "answer", answer)

    @property
    def respond_directly(self) -> bool:
        return self.answer is not None


class Resolution(NamedTuple):
    """A resolver's answer for one origin as the engine keeps it: the actual
    request's decision, the credentials its preflights are answered with, and
    until when (time.monotonic()) it may be reused."""

    expires: float
    actual: Decision
    credentials: bool


def _text(headers: tuple[Header, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers)


def _header_list(values: Iterable[str]) -> bytes:
    return ", ".join(values).encode("latin-1")


class Engine:
    """Decisions for one Policy. Thread-safe: its caches only ever gain entries
    or are replaced whole, and every value in them is immutable."""

    __slots__ = (
        "_actual_allowed_tail",
        "_actual_cache",
        "_allow_headers_value",
        "_allow_methods_value",
        "_allowed_headers",
        "_allowed_methods",
        "_fast_headers",
        "_groups",
        "_headers_wildcard",
        "_invalid_actual",
        "_matcher",
        "_methods_wildcard",
        "_not_cors",
        "_policy",
        "_preflight_cache",
        "_preflight_continue",
        "_preflight_status",
        "_preflight_tail",
        "_refusal_ttl",
        "_refused_actual",
        "_refused_preflight",
        "_resolutions",
        "_resolver",
        "_resolver_timeout",
        "_resolver_ttl",
        "_static_actual",
        "_strict",
        "_strict_refusal",
        "_timing",
        "_vary",
        "_wildcard_actual",
    )

    def __init__(self, policy: Policy, *, strict: bool = False) -> None:
        self._policy = policy
        self._strict = strict
        self._matcher = compile_matcher(policy)
        credentials = policy.credentials
        any_origin = policy.allows_any_origin
        self._timing = policy.timing_allow_origin
        # Option groups, read in order after `origins`: each a matcher, its
        # options, and whether it answers `*` (any origin, no credentials).
        self._groups: tuple[tuple[OriginMatcher, GrantedOptions, bool], ...] = tuple(
            (
                OriginMatcher(group.patterns),
                GrantedOptions(group.credentials, tuple(group.expose_headers)),
                "*" in group.origins and not group.credentials,
            )
            for group in cast("tuple[Group, ...]", policy.groups)  # normalized by Policy
        )
        # The resolver's answers, by raw Origin (bounded, with expiry). Only
        # origins the matcher does not cover are ever asked about.
        self._resolver: Resolver | None = policy.resolver
        self._resolutions: dict[bytes, Resolution] = {}
        self._resolver_timeout = policy.resolver_timeout or DEFAULT_RESOLVER_TIMEOUT
        self._resolver_ttl = (
            DEFAULT_RESOLVER_TTL if policy.resolver_ttl is None else policy.resolver_ttl
        )
        self._refusal_ttl = (
            DEFAULT_RESOLVER_REFUSAL_TTL
            if policy.resolver_refusal_ttl is None
            else policy.resolver_refusal_ttl
        )

        # What every response the application sends carries after the CORS
        # headers: Vary: Origin, then the policy's isolation headers (the
        # same for every origin, so they ride on every decision).
        companions = tuple(
            (name.encode("ascii"), value.encode("ascii"))
            for name, value in isolation_headers(policy)
        )
        vary_origin: tuple[Header, ...] = ((b"vary", b"Origin"), *companions)
        self._vary = vary_origin
        tail: list[Header] = []
        if credentials:
            tail.append((b"access-control-allow-credentials", b"true"))
        if policy.expose_headers:
            tail.append((b"access-control-expose-headers", _header_list(policy.expose_headers)))

        # Without credentials, "allow any origin" answers `*` to everyone: the
        # response is then the same whatever the Origin, and needs no Vary.
        self._wildcard_actual: Decision | None = None
        if any_origin and not credentials:
            timing = ((b"timing-allow-origin", b"*"),) if self._timing else ()
            constant = ((b"access-control-allow-origin", b"*"), *tail, *timing, *companions)
            self._not_cors = Decision(RequestKind.NOT_CORS, True, constant)
            self._wildcard_actual = Decision(RequestKind.ACTUAL, True, constant)
        else:
            self._not_cors = Decision(RequestKind.NOT_CORS, True, vary_origin)
        self._actual_allowed_tail = (*tail, *vary_origin)
        self._refused_actual = Decision(
            RequestKind.ACTUAL, False, vary_origin, reason=Reason.ORIGIN_NOT_ALLOWED
        )
        self._invalid_actual = Decision(
            RequestKind.ACTUAL, False, vary_origin, reason=Reason.ORIGIN_INVALID
        )
        self._strict_refusal = Decision(
            RequestKind.ACTUAL,
            False,
            vary_origin,
            status=403,
            reason=Reason.UNSAFE_METHOD_FROM_REFUSED_ORIGIN,
        )

        # Decisions for actual requests, by raw Origin (None: no Origin). The
        # policy's exact origins are answered from here from the start; others
        # are added as they are decided (bounded).
        self._static_actual: dict[bytes | None, Decision] = {
            raw: self._allowed_actual(raw) for raw in self._matcher.exact
        }
        self._static_actual[None] = self._not_cors
        self._actual_cache: dict[bytes | None, Decision] = dict(self._static_actual)
        # `cached_headers`' table: the headers of the decisions above that hold
        # whatever the method and the server's own origin, i.e. all of them
        # except, in strict mode, refusals (which become 403 for unsafe
        # methods from other origins).
        self._fast_headers: dict[bytes | None, tuple[Header, ...]] = {}
        self._learn_headers(self._static_actual)

        # Preflight pieces that do not depend on the request.
        self._methods_wildcard = policy.methods == ("*",)
        self._allowed_methods = frozenset(policy.methods) | fetch_tables.CORS_SAFELISTED_METHODS
        self._allow_methods_value = _header_list(policy.methods)
        self._headers_wildcard = "*" in policy.request_headers
        self._allowed_headers = frozenset(h for h in policy.request_headers if h != "*")
        self._allow_headers_value = (
            _header_list(policy.request_headers) if policy.request_headers else b""
        )
        # Allow-Credentials is added per preflight: a resolver's Grant may set it.
        preflight_tail: list[Header] = []
        if policy.max_age is not None:
            preflight_tail.append((b"access-control-max-age", str(policy.max_age).encode()))
        if policy.preflight_cache_control is not None:
            preflight_tail.append((b"cache-control", policy.preflight_cache_control.encode()))
        self._preflight_tail = tuple(preflight_tail)
        self._preflight_status = policy.preflight_status or DEFAULT_PREFLIGHT_STATUS
        self._preflight_continue = policy.preflight_continue
        # Every request header the preflight's answer depends on (RFC 9110
        # §12.5.5). Access-Control-Request-Private-Network is listed whatever
        # the policy: when the policy refuses private network access, the same
        # preflight is answered 204 without it and 403 with it.
        self._refused_preflight = ((b"vary", VARY_PREFLIGHT),)
        self._preflight_cache: dict[tuple[bytes | None, ...], Decision] = {}

    def _allowed_actual(self, raw_origin: bytes) -> Decision:
        if self._wildcard_actual is not None:
            return self._wildcard_actual
        timing = ((b"timing-allow-origin", raw_origin),) if self._timing else ()
        headers = (
            (b"access-control-allow-origin", raw_origin),
            *timing,
            *self._actual_allowed_tail,
        )
        return Decision(RequestKind.ACTUAL, True, headers)

    def __repr__(self) -> str:
        strict = ", strict=True" if self._strict else ""
        return (
            f"<Engine for {self._policy!r}{strict}; "
            f"{len(self._actual_cache) - len(self._static_actual)} learned origins, "
            f"{len(self._preflight_cache)} cached preflights>"
        )

    # -- public API -------------------------------------------------------------------

    @property
    def policy(self) -> Policy:
        return self._policy

    @property
    def strict(self) -> bool:
        return self._strict

    def not_cors(self) -> Decision:
        """The headers for a request without `Origin`."""
        return self._not_cors

    def decide_request(
        self,
        method: str,
        request: CORSRequest,
        self_origin: bytes | None = None,
        resolution: Resolution | None = None,
    ) -> Decision:
        """The entry point: classify one request (Fetch §3.2.2, see
        `RequestKind`) and decide it. `request` is what `crossorigin.edge`
        read from the request head; `self_origin` the server's own origin
        (`edge.own_origin`), which only strict mode reads; `resolution` the
        resolver's answer for this Origin when `needs_resolver` said to get
        one (see `settle`)."""
        origin, request_method, request_headers, private_network = request
        if origin is None:
            return self._not_cors
        if method == "OPTIONS" and request_method is not None:
            # The request tuple is its own preflight cache key (see `preflight`).
            cached = self._preflight_cache.get(request)
            if cached is not None:
                return cached
            return self.preflight(
                origin, request_method, request_headers, private_network, resolution
            )
        return self.actual(origin, method, self_origin, resolution)

    # -- the resolver (see crossorigin.resolver) ------------------------------------------

    @property
    def resolver(self) -> Resolver | None:
        return self._resolver

    @property
    def resolver_timeout(self) -> float:
        return self._resolver_timeout

    def needs_resolver(self, origin: bytes | None) -> bool:
        """Whether a request with this `Origin` needs the resolver's answer
        before `decide_request`: the policy has a resolver, the origin could
        be a browser's, `origins` does not cover it, and no answer for it is
        kept. The edge then calls the resolver (`resolver.call_sync` or
        `call_async`), hands the outcome to `settle`, and passes the
        `Resolution` to `decide_request`; without one the origin is refused."""
        if self._resolver is None or origin is None or origin in self._actual_cache:
            return False
        if not _is_plausible_origin(origin) or self._statically_allowed(origin):
            return False
        kept = self._resolutions.get(origin)
        return kept is None or kept.expires <= time.monotonic()

    def settle(self, origin: bytes, outcome: Outcome) -> Resolution:
        """Turn a resolver's outcome for `origin` into the decision it means,
        validated by `policy.check_grant`, and keep it for the policy's TTL
        (failures for at most resolver.FAILURE_TTL; bounded like every cache
        here)."""
        now = time.monotonic()
        if outcome.failed is not None:
            refusal = Decision(
                RequestKind.ACTUAL,
                False,
                self._vary,
                reason=Reason.RESOLVER_FAILED,
                detail=outcome.failed,
            )
            resolution = Resolution(now + min(FAILURE_TTL, self._refusal_ttl), refusal, False)
        elif outcome.value is False:
            resolution = Resolution(now + self._refusal_ttl, self._refused_actual, False)
        else:
            text = origin.decode("latin-1")
            checked = check_grant(self._policy, text, outcome.value)
            if isinstance(checked, Issue):
                log_failure("grant-refused", text, checked.message)
                refusal = Decision(
                    RequestKind.ACTUAL,
                    False,
                    self._vary,
                    reason=Reason.GRANT_REFUSED,
                    detail=checked.message,
                )
                resolution = Resolution(now + self._refusal_ttl, refusal, False)
            else:
                allowed = self._option_actual(origin, checked)
                resolution = Resolution(now + self._resolver_ttl, allowed, checked.credentials)
        if resolution.expires > now and len(origin) <= MAX_CACHED_KEY_LENGTH:
            _remember(self._resolutions, origin, resolution)
        return resolution

    def _option_actual(
        self, origin: bytes, options: GrantedOptions, answer_any: bool = False
    ) -> Decision:
        """An allowed actual request answered with a group's or a grant's
        options (`answer_any`: a `*` group's, which answers `*`)."""
        allow = b"*" if answer_any else origin
        headers: list[Header] = [(b"access-control-allow-origin", allow)]
        if self._timing:
            headers.append((b"timing-allow-origin", allow))
        if options.credentials:
            headers.append((b"access-control-allow-credentials", b"true"))
        if options.expose_headers:
            value = _header_list(options.expose_headers)
            headers.append((b"access-control-expose-headers", value))
        # Vary even for `*`: other origins get other answers from this policy.
        return Decision(RequestKind.ACTUAL, True, (*headers, *self._vary))

    def _group_for(self, origin: bytes) -> tuple[OriginMatcher, GrantedOptions, bool] | None:
        for group in self._groups:
            if group[0].match(origin):
                return group
        return None

    def _statically_allowed(self, origin: bytes) -> bool:
        return self._matcher.match(origin) or self._group_for(origin) is not None

    def _resolved(self, origin: bytes, given: Resolution | None) -> Resolution | None:
        if given is not None:
            return given
        kept = self._resolutions.get(origin)
        if kept is None or kept.expires <= time.monotonic():
            return None
        return kept

    def cached_headers(self, origin: bytes | None) -> tuple[Header, ...] | None:
        """The fast path for a request that is not `OPTIONS`: the headers to
        add to the application's response, when they are already known and
        depend on nothing but the raw `Origin` (None: no `Origin`); else None,
        and the caller asks `decide_request`.

        Contract: a non-None answer is exactly `decide_request(method,
        request, self_origin).headers` for every such request with this
        `Origin`, whatever its method and the server's own origin, and that
        decision lets the application answer. So it is never a strict-mode
        refusal (strict mode answers 403 to an unsafe method from a refused
        origin; those origins are never in this table), never a preflight,
        and never from another policy: the table belongs to this engine,
        whose policy cannot change (`reconfigure` builds new engines). The
        resolver's answers are kept apart, with their expiry, and consulted
        only when the table misses."""
        headers = self._fast_headers.get(origin)
        if headers is None and self._resolutions:
            kept = self._resolutions.get(origin)  # type: ignore[arg-type]
            if (
                kept is not None
                and kept.expires > time.monotonic()
                and (kept.actual.allowed or not self._strict)
            ):
                return kept.actual.headers
        return headers

    @property
    def cached_headers_lookup(self) -> Callable[[bytes | None], tuple[Header, ...] | None]:
        """`cached_headers` as the cheapest callable that gives the same
        answers, for an edge to look up once per configuration and call per
        request. Without a resolver no kept answer can ever be consulted, so
        it is the table's own `dict.get`: a C call where the method costs a
        Python frame (about a tenth of the ASGI fast path). The table is
        emptied and refilled in place, never rebound, so the bound `get`
        always reads the live table."""
        if self._resolver is None:
            return self._fast_headers.get
        return self.cached_headers

    def actual(
        self,
        origin: bytes | None,
        method: str = "GET",
        self_origin: bytes | None = None,
        resolution: Resolution | None = None,
    ) -> Decision:
        """An actual (non-preflight) request. `self_origin` is the server's own
        origin as the request addressed it (used only by strict mode, so that
        same-origin form posts are not refused)."""
        decision = self._actual_cache.get(origin)
        if decision is None:
            # Type checks only here, on a miss, so the hot path pays nothing: a
            # str never hits the cache (its keys are bytes) and lands here.
            if not isinstance(origin, bytes):
                raise _not_bytes("origin", origin)
            decision = self._decide_actual(origin, resolution)
        if (
            self._strict
            and not decision.allowed
            and method not in fetch_tables.SAFE_METHODS
            and origin != self_origin
        ):
            return self._strict_refusal
        return decision

    def _decide_actual(self, origin: bytes, resolution: Resolution | None = None) -> Decision:
        if self._wildcard_actual is not None:
            decision = self._wildcard_actual
        elif not _is_plausible_origin(origin):
            decision = self._invalid_actual
        elif self._matcher.match(origin):
            decision = self._allowed_actual(origin)
        elif (group := self._group_for(origin)) is not None:
            decision = self._option_actual(origin, group[1], group[2])
        elif self._resolver is not None:
            # The resolver's answer expires: it never enters the tables above.
            resolved = self._resolved(origin, resolution)
            return self._refused_actual if resolved is None else resolved.actual
        else:
            decision = self._refused_actual
        if len(origin) > MAX_CACHED_KEY_LENGTH:
            return decision
        cache = self._actual_cache
        if len(cache) >= CACHE_SIZE + len(self._static_actual):
            # Emptied whole, then refilled: a reader in between misses and
            # decides again, never reads a wrong entry.
            self._fast_headers.clear()
            cache.clear()
            cache.update(self._static_actual)
            self._learn_headers(self._static_actual)
        cache[origin] = decision
        self._learn_headers({origin: decision})
        return decision

    def _learn_headers(self, decisions: dict[bytes | None, Decision]) -> None:
        for origin, decision in decisions.items():
            if decision.allowed or not self._strict:
                self._fast_headers[origin] = decision.headers

    def preflight(
        self,
        origin: bytes,
        request_method: bytes,
        request_headers: bytes | None = None,
        private_network: bytes | None = None,
        resolution: Resolution | None = None,
    ) -> Decision:
        """A CORS preflight (§4.8): answer it entirely."""
        key = (origin, request_method, request_headers, private_network)
        decision = self._preflight_cache.get(key)
        if decision is None:
            _check_bytes(origin, request_method, request_headers, private_network)
            if (
                self._resolver is not None
                and _is_plausible_origin(origin)
                and not self._statically_allowed(origin)
            ):
                # Decided by the resolver's answer, which expires: not cached.
                resolved = self._resolved(origin, resolution)
                if resolved is None or not resolved.actual.allowed:
                    reason = Reason.ORIGIN_NOT_ALLOWED
                    if resolved is not None and resolved.actual.reason is not None:
                        reason = resolved.actual.reason
                    detail = resolved.actual.detail if resolved is not None else ""
                    return self._refuse_preflight(reason, detail)
                return self._decide_preflight(
                    origin, request_method, request_headers, private_network, resolved.credentials
                )
            decision = self._decide_preflight(
                origin, request_method, request_headers, private_network
            )
            size = len(origin) + len(request_method) + len(request_headers or b"")
            if size <= MAX_CACHED_KEY_LENGTH:
                _remember(self._preflight_cache, key, decision)
        return decision

    def websocket(
        self,
        origin: bytes | None,
        self_origin: bytes | None = None,
        resolution: Resolution | None = None,
    ) -> Decision:
        """A WebSocket handshake: browsers send `Origin` but no CORS applies,
        so a cross-site page could open a socket with the user's cookies
        (cross-site WebSocket hijacking). Allowed: no `Origin` (not a browser),
        the server's own origin, or an origin the policy allows."""
        if origin is not None and not isinstance(origin, bytes):
            raise _not_bytes("origin", origin)
        if origin is None or origin == self_origin or self._statically_allowed(origin):
            return Decision(RequestKind.WEBSOCKET, True, ())
        if self._resolver is not None and _is_plausible_origin(origin):
            resolved = self._resolved(origin, resolution)
            if resolved is not None and resolved.actual.allowed:
                return Decision(RequestKind.WEBSOCKET, True, ())
        reason = (
            Reason.ORIGIN_NOT_ALLOWED if _is_plausible_origin(origin) else Reason.ORIGIN_INVALID
        )
        return Decision(RequestKind.WEBSOCKET, False, (), status=403, reason=reason)

    def decide(
        self,
        method: str,
        headers: Iterable[tuple[bytes | str, bytes | str]],
        self_origin: bytes | None = None,
    ) -> Decision:
        """`decide_request` from a method and the request's header lines (any
        case, str or bytes, repeated lines allowed), for tools and tests."""
        return self.decide_request(method, read_lines(headers), self_origin)

    # -- preflight rules ------------------------------------------------------------------

    def _refuse_preflight(self, reason: Reason, detail: str = "") -> Decision:
        return Decision(
            RequestKind.PREFLIGHT,
            False,
            self._refused_preflight,
            status=403,
            reason=reason,
            detail=detail,
        )

    def _decide_preflight(
        self,
        origin: bytes,
        request_method: bytes,
        request_headers: bytes | None,
        private_network: bytes | None,
        resolved_credentials: bool | None = None,
    ) -> Decision:
        """`resolved_credentials` is given for an origin the resolver allowed
        (the matcher is then not asked): the credentials it was granted."""
        policy = self._policy
        answer_any = policy.allows_any_origin
        if resolved_credentials is None:
            if not _is_plausible_origin(origin):
                return self._refuse_preflight(Reason.ORIGIN_INVALID)
            if not self._matcher.match(origin):
                group = self._group_for(origin)
                if group is None:
                    return self._refuse_preflight(Reason.ORIGIN_NOT_ALLOWED)
                resolved_credentials, answer_any = group[1].credentials, group[2]

        try:
            method = request_method.decode("ascii")
        except UnicodeDecodeError:
            return self._refuse_preflight(Reason.METHOD_INVALID)
        if not fetch_tables.is_token(method):
            return self._refuse_preflight(Reason.METHOD_INVALID, method[:64])
        if not self._methods_wildcard and method not in self._allowed_methods:
            return self._refuse_preflight(Reason.METHOD_NOT_ALLOWED, method[:64])

        names = _parse_header_names(request_headers)
        if names is None:
            return self._refuse_preflight(Reason.HEADERS_INVALID)
        refused = [name for name in names if not self._header_allowed(name)]
        if refused:
            return self._refuse_preflight(Reason.HEADERS_NOT_ALLOWED, ", ".join(refused)[:200])

        wants_private_network = private_network is not None and private_network == b"true"
        if wants_private_network and not policy.private_network:
            return self._refuse_preflight(Reason.PRIVATE_NETWORK_NOT_ALLOWED)

        credentials = policy.credentials if resolved_credentials is None else resolved_credentials
        allow_origin = b"*" if answer_any and not credentials else origin
        headers: list[Header] = [(b"access-control-allow-origin", allow_origin)]
        if self._methods_wildcard and credentials:
            headers.append((b"access-control-allow-methods", request_method))
        else:
            headers.append((b"access-control-allow-methods", self._allow_methods_value))
        if self._headers_wildcard and credentials:
            if names:
                headers.append((b"access-control-allow-headers", ",".join(names).encode()))
        elif self._allow_headers_value:
            headers.append((b"access-control-allow-headers", self._allow_headers_value))
        if credentials:
            headers.append((b"access-control-allow-credentials", b"true"))
        headers.extend(self._preflight_tail)
        if wants_private_network:
            headers.append((b"access-control-allow-private-network", b"true"))
        headers.extend(self._refused_preflight)
        # preflight_continue: the application answers, with these headers added.
        status = None if self._preflight_continue else self._preflight_status
        return Decision(RequestKind.PREFLIGHT, True, tuple(headers), status=status)

    def _header_allowed(self, name: str) -> bool:
        if name in self._allowed_headers:
            return True
        return self._headers_wildcard and (
            name not in fetch_tables.CORS_NON_WILDCARD_REQUEST_HEADER_NAMES
        )


def _not_bytes(name: str, value: object) -> TypeError:
    hint = " (encode a str with .encode('latin-1'))" if isinstance(value, str) else ""
    return TypeError(
        f"Engine: {name} must be the raw header value as bytes, not "
        f"{type(value).__name__}{hint}: {value!r:.80}"
    )


def _check_bytes(
    origin: object, request_method: object, request_headers: object, private_network: object
) -> None:
    """Refuse str (a common slip: it would never match, and silently refuse)."""
    if not isinstance(origin, bytes):
        raise _not_bytes("origin", origin)
    if not isinstance(request_method, bytes):
        raise _not_bytes("request_method", request_method)
    if request_headers is not None and not isinstance(request_headers, bytes):
        raise _not_bytes("request_headers", request_headers)
    if private_network is not None and not isinstance(private_network, bytes):
        raise _not_bytes("private_network", private_network)


def _remember(cache: dict[K, V], key: K, value: V) -> None:
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[key] = value


def _is_plausible_origin(raw: bytes) -> bool:
    """Could a browser have sent this `Origin`? Bounded length, visible ASCII
    only (so nothing reflected can split a header line)."""
    return 0 < len(raw) <= MAX_ORIGIN_LENGTH and all(byte in _VISIBLE_ASCII for byte in raw)


def _parse_header_names(value: bytes | None) -> list[str] | None:
    """Access-Control-Request-Headers as lower-case names, or None when it is
    not a comma-separated list of tokens. Browsers send sorted lower-case names
    without spaces (§4.8 step 5); other clients may add optional whitespace or
    split the list over several lines, which HTTP allows."""
    if value is None:
        return []
    if len(value) > MAX_REQUEST_HEADERS_LENGTH:
        return None
    try:
        text = value.decode("ascii")
    except UnicodeDecodeError:
        return None
    names = fetch_tables.extract_header_list_values(text)
    return None if names is None else [name.lower() for name in names]
