"""The browser's side of CORS: one `fetch()` from a page, hop by hop.

Theory of operation: `run_fetch` plays Fetch §4.1 "main fetch" and §4.3-4.5
(HTTP fetch, redirects) for one request, the way Chromium 156 does by default
and the way the standard says with `spec=True`. It never touches a socket:
every request it would send goes through a `Transport`, a callable that
returns the server's status and headers. `simulate` feeds it the canned
responses of a DESIGN.md scenario; `crossorigin check` feeds it live HTTP.
The result is a `Trace`: every exchange, the verdict, Chromium's reason name
and console line, and what a script could read; `Trace.outcome()` is the
DESIGN.md outcome dict.

The steps, and where each rule lives:

1. The Request constructor (`requests.prepare_request`): method and header
   syntax, forbidden methods and headers, the no-cors method rule. A rejected
   request throws a TypeError: `failed_at` is "request", `reason` None.
2. Same-origin with the page and never tainted: a basic response, all headers
   readable. `mode: "same-origin"` to another origin fails in Blink with its
   own console line; `no-cors` gives an opaque response, nothing readable.
3. Otherwise CORS: a preflight is needed when the method is not safelisted or
   some header is CORS-unsafe (`requests.unsafe_header_names`), unless the
   `PreflightCache` covers the request. The preflight is checked by
   `access.preflight_check`, the actual response and every redirect hop by
   the CORS check (`access.cors_check_failure`).
4. Redirects (Fetch §4.5): at most 20; a Location with credentials is refused
   in CORS requests (and, silently, in Chromium in every mode); a
   `same-origin`-mode request redirected to another origin fails with Blink's
   "Unsafe attempt to load URL" line; a hop to another origin drops
   `Authorization` and, from a cross-origin URL, taints the request's origin,
   which is then sent and compared as `null`; 303 (and 301/302 for POST)
   become GET without body headers; the next hop is a new request, with its
   own preflight when needed. Response tainting "cors" is sticky, so a
   redirect back to the page's origin still needs CORS headers.

Where Chromium 156 and the standard differ (`spec=True` follows the standard):
`Access-Control-Allow-Headers: *` covers `Authorization` in Chromium (only a
DevTools issue, "AuthorizationCoveredByWildcard"); Chromium safelists some
client-hint request headers; Chromium joins a repeated request header into one
before the safelist rules judge it (see `requests.py`); Chromium refuses a
redirect to a URL with userinfo in every mode; the preflight cache layout (see
`preflight_cache.py`); a negative `Access-Control-Max-Age` (0 in Chromium, 5
in the standard). Not modelled: cookies themselves, Local Network Access
permissions, service workers, and request bodies (only their headers matter).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote, urljoin, urlsplit

from crossorigin import fetch_tables
from crossorigin.browser import access, messages
from crossorigin.browser.preflight_cache import PreflightCache
from crossorigin.browser.requests import RequestRejected, prepare_request, unsafe_header_names
from crossorigin.origin import Origin, OriginSyntaxError, same_origin

__all__ = [
    "CREDENTIALS_MODES",
    "MAX_REDIRECTS",
    "MODES",
    "REDIRECT_MODES",
    "Exchange",
    "FetchRequest",
    "HTTPResponse",
    "ScenarioError",
    "Trace",
    "Transport",
    "canonical_url",
    "parse_scenario",
    "run_fetch",
    "simulate",
    "simulate_trace",
]

#: Fetch §4.5 HTTP-redirect fetch: "If request's redirect count is 20, then
#: return a network error."
MAX_REDIRECTS: Final = 20
CREDENTIALS_MODES: Final = ("omit", "same-origin", "include")
MODES: Final = ("cors", "no-cors", "same-origin")
REDIRECT_MODES: Final = ("follow", "error", "manual")

#: Fetch §2.2.2 request-body-header names, dropped when a redirect turns the
#: request into a GET.
_REQUEST_BODY_HEADER_NAMES: Final = frozenset(
    {"content-encoding", "content-language", "content-location", "content-type"}
)
_FAILED_TO_FETCH: Final = "TypeError: Failed to fetch"

# URL standard percent-encode sets, as the characters kept unencoded.
_PATH_SAFE: Final = "".join(
    c for c in string.printable if c not in ' "#<>?`{}' and c not in "\t\n\r\x0b\x0c"
)
_QUERY_SAFE: Final = "".join(c for c in _PATH_SAFE + "?`{}" if c not in "'")
_FRAGMENT_SAFE: Final = "".join(c for c in _PATH_SAFE + "?#{}" if c != "`")


class ScenarioError(ValueError):
    """A scenario (or a request given to the model) is not well formed."""


@dataclass(frozen=True)
class HTTPResponse:
    """A server's answer as the model needs it: status and header list."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Exchange:
    """One request the browser sent and the response it got."""

    kind: str  # "preflight" or "actual"
    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    response: HTTPResponse


#: Sends one request: (kind, method, url, request headers) -> response.
Transport = Callable[[str, str, str, Sequence[tuple[str, str]]], HTTPResponse]


@dataclass(frozen=True)
class FetchRequest:
    """What the page's script asked for: `fetch(url, {method, headers,
    credentials, mode, redirect})` from `page_origin`, then
    `response.headers.get(name)` for each of `read_headers`."""

    page_origin: str
    url: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    credentials: str = "same-origin"
    mode: str = "cors"
    redirect: str = "follow"
    read_headers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("credentials", self.credentials, CREDENTIALS_MODES),
            ("mode", self.mode, MODES),
            ("redirect", self.redirect, REDIRECT_MODES),
        ):
            if value not in allowed:
                choices = ", ".join(repr(choice) for choice in allowed)
                raise ScenarioError(f"request.{name} is {value!r}; use one of {choices}")


@dataclass(frozen=True)
class Trace:
    """Everything that happened during one fetch."""

    request: FetchRequest
    exchanges: tuple[Exchange, ...]
    allowed: bool
    failed_at: str | None
    reason: str | None
    failed_parameter: str
    console: str | None
    error: str | None
    response_type: str  # basic, cors, opaque, opaqueredirect, or error
    readable_headers: dict[str, str | None]
    request_origin: str | None  # the Origin header of the last request (null once tainted)
    tainted: bool
    issues: tuple[str, ...] = ()
    unsafe_header_names: tuple[str, ...] = ()
    final_url: str = ""

    @property
    def preflights(self) -> tuple[Exchange, ...]:
        return tuple(e for e in self.exchanges if e.kind == "preflight")

    def outcome(self) -> dict[str, Any]:
        """DESIGN.md's outcome. One key beyond it, `error`, appears only when a
        request failed without a DevTools reason (a TypeError thrown by
        `fetch()`, a Blink mode check, a refused redirect): it holds the
        error the script sees, e.g. "TypeError: Failed to fetch"."""
        preflight_request = None
        if self.preflights:
            first = self.preflights[0]
            headers = [
                [name, value]
                for name, value in first.request_headers
                if name.lower().startswith("access-control-request-")
            ]
            preflight_request = {"method": "OPTIONS", "headers": headers}
        outcome: dict[str, Any] = {
            "preflight_sent": preflight_request is not None,
            "preflight_request": preflight_request,
            "allowed": self.allowed,
            "failed_at": self.failed_at,
            "reason": self.reason,
            "console": self.console,
            "readable_headers": dict(self.readable_headers),
        }
        if not self.allowed and self.reason is None and self.error:
            outcome["error"] = self.error
        return outcome


# --- URLs ------------------------------------------------------------------------


def canonical_url(url: str, base: str | None = None) -> str:
    """The URL as Chromium prints it: resolved against `base`, scheme and host
    lower-cased, default port dropped, empty path as `/`, spaces and other
    characters outside the URL standard's percent-encode sets encoded."""
    absolute = urljoin(base, url) if base else url
    try:
        parts = urlsplit(absolute.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as error:
        raise ScenarioError(f"{url!r} is not a valid URL: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ScenarioError(f"{url!r}: the model fetches http and https URLs only")
    netloc = parts.netloc.rpartition("@")[2]
    try:
        origin = Origin.parse(f"{scheme}://{netloc}")
    except OriginSyntaxError as error:
        raise ScenarioError(f"{url!r} is not a valid URL: {error}") from None
    userinfo = parts.netloc.rpartition("@")[0]
    authority = origin.serialize().partition("://")[2]
    text = f"{scheme}://{userinfo + '@' if userinfo else ''}{authority}"
    text += quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query or absolute.rstrip("#").endswith("?"):
        text += "?" + quote(parts.query, safe=_QUERY_SAFE)
    if parts.fragment:
        text += "#" + quote(parts.fragment, safe=_FRAGMENT_SAFE)
    return text


def _has_credentials(url: str) -> bool:
    parts = urlsplit(url)
    return parts.username is not None or parts.password is not None


def _without_fragment(url: str) -> str:
    return url.partition("#")[0]


# --- The fetch -------------------------------------------------------------------


@dataclass
class _State:
    request: FetchRequest
    page: Origin
    initial_url: str
    url: str
    method: str
    headers: list[tuple[str, str]]
    exchanges: list[Exchange] = field(default_factory=list)
    tainted: bool = False
    response_tainting: str = "basic"
    issues: list[str] = field(default_factory=list)
    unsafe: list[str] = field(default_factory=list)

    @property
    def request_origin(self) -> str:
        return "null" if self.tainted else self.page.serialize()

    @property
    def credentials(self) -> bool:
        """Whether the CORS checks run in credentials mode "include"."""
        return self.request.credentials == "include"


def _finish(
    state: _State,
    *,
    allowed: bool,
    response_type: str,
    response: HTTPResponse | None = None,
    failed_at: str | None = None,
    reason: str | None = None,
    failed_parameter: str = "",
    console: str | None = None,
    error: str | None = None,
    sent_origin: bool = True,
) -> Trace:
    readable: dict[str, str | None]
    if allowed and response is not None:
        readable = access.readable_values(
            response.headers,
            state.request.read_headers,
            response_type=response_type,
            credentials=state.credentials,
        )
    else:
        readable = {name.lower(): None for name in state.request.read_headers}
    if reason is not None and console is None:
        console = messages.blocked_line(
            url=state.url,
            initial_url=state.initial_url,
            page_origin=state.page.serialize(),
            reason=reason,
            failed_parameter=failed_parameter,
        )
    if not allowed and error is None:
        error = _FAILED_TO_FETCH
    return Trace(
        request=state.request,
        exchanges=tuple(state.exchanges),
        allowed=allowed,
        failed_at=failed_at,
        reason=reason,
        failed_parameter=failed_parameter,
        console=console,
        error=error,
        response_type=response_type if allowed else "error",
        readable_headers=readable,
        request_origin=state.request_origin if sent_origin else None,
        tainted=state.tainted,
        issues=tuple(state.issues),
        unsafe_header_names=tuple(state.unsafe),
        final_url=state.url,
    )


def run_fetch(
    request: FetchRequest,
    transport: Transport,
    *,
    cache: PreflightCache | None = None,
    spec: bool = False,
    now: float = 0.0,
) -> Trace:
    """Play one fetch against `transport` (see the module docstring)."""
    try:
        page = Origin.parse(request.page_origin)
    except OriginSyntaxError as error:
        raise ScenarioError(f"page_origin {request.page_origin!r}: {error}") from None
    if not page.is_opaque and page.scheme not in ("http", "https"):
        raise ScenarioError(f"page_origin {request.page_origin!r} must be http(s) or null")
    base = None if page.is_opaque else page.serialize() + "/"
    url = canonical_url(request.url, base)
    state = _State(request, page, url, url, request.method, [])
    if _has_credentials(url):
        return _finish(
            state,
            allowed=False,
            response_type="error",
            failed_at="request",
            error="TypeError: Failed to execute 'fetch' on 'Window': Request cannot be "
            f"constructed from a URL that includes credentials: {url}",
            sent_origin=False,
        )
    try:
        prepared = prepare_request(
            method=request.method, headers=request.headers, mode=request.mode, combine=not spec
        )
    except RequestRejected as rejected:
        return _finish(
            state,
            allowed=False,
            response_type="error",
            failed_at="request",
            error=str(rejected),
            sent_origin=False,
        )
    state.method = prepared.method
    state.headers = list(prepared.headers)
    cache = cache if cache is not None else PreflightCache()

    for _hop in range(MAX_REDIRECTS + 1):
        same = same_origin(page, state.url) if not page.is_opaque else False
        if not (same and state.response_tainting == "basic"):
            if request.mode == "same-origin":
                # Only the first hop gets here: a redirect elsewhere is refused
                # in `_follow_redirect`.
                console = messages.same_origin_mode_line(
                    url=state.url, page_origin=page.serialize()
                )
                return _finish(
                    state,
                    allowed=False,
                    response_type="error",
                    failed_at="request",
                    console=console,
                    sent_origin=False,
                )
            if request.mode == "no-cors":
                if request.redirect != "follow":
                    console = messages.no_cors_redirect_mode_line(url=state.url)
                    return _finish(
                        state,
                        allowed=False,
                        response_type="error",
                        failed_at="request",
                        console=console,
                        sent_origin=False,
                    )
                state.response_tainting = "opaque"
            else:
                state.response_tainting = "cors"
        if state.response_tainting == "cors":
            state.unsafe = unsafe_header_names(state.headers, spec=spec)
            needs_preflight = not fetch_tables.is_cors_safelisted_method(state.method) or bool(
                state.unsafe
            )
            if needs_preflight and not _cached(state, cache, spec=spec, now=now):
                refused = _preflight(state, transport, cache, spec=spec, now=now)
                if refused is not None:
                    return refused
        response = _send_actual(state, transport)
        redirect = access.is_redirect(response.status, response.headers)
        if state.response_tainting == "cors":
            failure = access.cors_check_failure(
                request_origin=state.request_origin,
                credentials=state.credentials,
                response_headers=response.headers,
            )
            if failure is not None:
                return _finish(
                    state,
                    allowed=False,
                    response_type="error",
                    failed_at="redirect" if redirect else "actual",
                    reason=failure[0],
                    failed_parameter=failure[1],
                )
        if not redirect:
            return _finish(
                state, allowed=True, response_type=state.response_tainting, response=response
            )
        if request.redirect == "error":
            return _finish(state, allowed=False, response_type="error", failed_at="redirect")
        if request.redirect == "manual":
            return _finish(state, allowed=True, response_type="opaqueredirect", response=response)
        refused = _follow_redirect(state, response, spec=spec)
        if refused is not None:
            return refused
    # Fetch §4.5 step "If request's redirect count is 20, return a network error."
    return _finish(
        state,
        allowed=False,
        response_type="error",
        failed_at="redirect",
        error=_FAILED_TO_FETCH + " (net::ERR_TOO_MANY_REDIRECTS)",
    )


def _cached(state: _State, cache: PreflightCache, *, spec: bool, now: float) -> bool:
    if state.tainted and not spec:
        return False  # a fresh opaque origin: never in Chromium's cache
    return cache.allows(
        origin=state.request_origin,
        url=_without_fragment(state.url),
        credentials=state.credentials,
        method=state.method,
        unsafe_header_names=state.unsafe,
        now=now,
        spec=spec,
    )


def _preflight(
    state: _State, transport: Transport, cache: PreflightCache, *, spec: bool, now: float
) -> Trace | None:
    """Fetch §4.8 CORS-preflight fetch: None when it allows the request."""
    headers = [("Accept", "*/*"), ("Origin", state.request_origin)]
    headers.append(("Access-Control-Request-Method", state.method))
    if state.unsafe:
        headers.append(("Access-Control-Request-Headers", ",".join(state.unsafe)))
    url = _without_fragment(state.url)
    response = transport("preflight", "OPTIONS", url, headers)
    state.exchanges.append(Exchange("preflight", "OPTIONS", url, tuple(headers), response))
    verdict = access.preflight_check(
        status=response.status,
        response_headers=response.headers,
        request_origin=state.request_origin,
        credentials=state.credentials,
        method=state.method,
        unsafe_header_names=state.unsafe,
        spec=spec,
    )
    if not verdict.ok:
        return _finish(
            state,
            allowed=False,
            response_type="error",
            failed_at="preflight",
            reason=verdict.reason,
            failed_parameter=verdict.failed_parameter,
        )
    state.issues.extend(verdict.issues)
    if not state.tainted or spec:
        cache.store(
            origin=state.request_origin,
            url=url,
            credentials=state.credentials,
            methods=verdict.methods,
            header_names=verdict.header_names,
            max_age=verdict.max_age,
            now=now,
            spec=spec,
        )
    return None


def _send_actual(state: _State, transport: Transport) -> HTTPResponse:
    headers = list(state.headers)
    # Fetch §3.1 "append a request `Origin` header": always for CORS requests,
    # and for any method other than GET and HEAD.
    if state.response_tainting == "cors" or state.method not in ("GET", "HEAD"):
        headers.insert(0, ("Origin", state.request_origin))
    url = _without_fragment(state.url)
    response = transport("actual", state.method, url, headers)
    state.exchanges.append(Exchange("actual", state.method, url, tuple(headers), response))
    return response


def _follow_redirect(state: _State, response: HTTPResponse, *, spec: bool) -> Trace | None:
    """Fetch §4.5 HTTP-redirect fetch: update `state` for the next hop, or the
    Trace of a refused redirect."""
    location = access.combined_value(response.headers, "location") or ""
    try:
        next_url = canonical_url(location, state.url)
    except ScenarioError:
        return _finish(
            state,
            allowed=False,
            response_type="error",
            failed_at="redirect",
            error=_FAILED_TO_FETCH + " (invalid redirect location)",
        )
    if "#" not in next_url and "#" in state.url:
        next_url += "#" + state.url.partition("#")[2]
    cross_origin_target = state.tainted or not same_origin(state.page, next_url)
    if _has_credentials(next_url) and (
        (state.request.mode == "cors" and cross_origin_target) or state.response_tainting == "cors"
    ):
        # Fetch §4.5 steps 9-10, in Chromium's network service (a DevTools reason).
        return _finish(
            state,
            allowed=False,
            response_type="error",
            failed_at="redirect",
            reason="RedirectContainsCredentials",
        )
    if state.request.mode == "same-origin" and cross_origin_target:
        # Blink refuses the hop before any CORS or userinfo rule, with its own
        # line naming the target (userinfo and fragment included) and the
        # frame's URL; the model's page is `page_origin` + "/" (measured in
        # Chromium 156: no DevTools reason, the line ends in a newline).
        console = messages.unsafe_redirect_line(
            url=next_url, frame_url=state.page.serialize() + "/"
        )
        return _finish(
            state, allowed=False, response_type="error", failed_at="redirect", console=console
        )
    if _has_credentials(next_url) and not spec:
        # Stricter than Fetch, which checks userinfo only in "cors" mode or
        # with the CORS flag: Chromium 156 also refuses a redirect to a URL with
        # userinfo in `no-cors` and `same-origin` mode and to the page's own
        # origin, silently (no console line, no DevTools reason).
        return _finish(state, allowed=False, response_type="error", failed_at="redirect")
    if not same_origin(state.url, next_url):
        # Fetch §4.4 HTTP-redirect fetch, step 13: "If request's current URL's
        # origin is not same origin with locationURL's origin, then for each
        # headerName of CORS non-wildcard request-header name, delete headerName
        # from request's header list." So the next hop goes without
        # Authorization, and needs no preflight for it.
        state.headers = [
            (name, value)
            for name, value in state.headers
            if name.lower() not in fetch_tables.CORS_NON_WILDCARD_REQUEST_HEADER_NAMES
        ]
        if not same_origin(state.page, state.url):
            state.tainted = True
    status = response.status
    if (status in (301, 302) and state.method == "POST") or (
        status == 303 and state.method not in ("GET", "HEAD")
    ):
        state.method = "GET"
        state.headers = [
            (name, value)
            for name, value in state.headers
            if name.lower() not in _REQUEST_BODY_HEADER_NAMES
        ]
    state.url = next_url
    return None


# --- Scenarios -------------------------------------------------------------------------


def _pairs(value: object, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if isinstance(value, Mapping):
        value = list(value.items())
    if not isinstance(value, list | tuple):
        raise ScenarioError(f"{where} must be a list of [name, value] pairs")
    pairs = []
    for item in value:
        if (
            not isinstance(item, list | tuple)
            or len(item) != 2
            or not all(isinstance(part, str) for part in item)
        ):
            raise ScenarioError(f"{where}: each header must be a [name, value] pair of strings")
        pairs.append((item[0], item[1]))
    return tuple(pairs)


def _response(value: object, where: str) -> HTTPResponse:
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{where} must be an object with status and headers")
    status = value.get("status", 200)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ScenarioError(f"{where}.status must be an HTTP status (100-599), not {status!r}")
    return HTTPResponse(status, _pairs(value.get("headers"), f"{where}.headers"))


def _responses(value: object, where: str) -> list[HTTPResponse]:
    if value is None:
        return []
    if isinstance(value, list):
        if not value:
            raise ScenarioError(f"{where} is an empty list")
        return [_response(item, f"{where}[{index}]") for index, item in enumerate(value)]
    return [_response(value, where)]


def _string(value: object, where: str, default: str | None = None) -> str:
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise ScenarioError(f"{where} must be a string")
    return value


def parse_scenario(scenario: Mapping[str, Any]) -> tuple[FetchRequest, Transport]:
    """A DESIGN.md scenario as a FetchRequest and a Transport replaying its
    responses. `responses.preflight` may be a list (one per preflight sent,
    the last one repeated); `responses.actual` a list of hops."""
    if not isinstance(scenario, Mapping):
        raise ScenarioError("a scenario must be a JSON object")
    raw_request = scenario.get("request")
    if not isinstance(raw_request, Mapping):
        raise ScenarioError("scenario.request must be an object with at least a url")
    read = scenario.get("read_headers") or []
    if not isinstance(read, list) or not all(isinstance(name, str) for name in read):
        raise ScenarioError("scenario.read_headers must be a list of header names")
    request = FetchRequest(
        page_origin=_string(scenario.get("page_origin"), "scenario.page_origin"),
        url=_string(raw_request.get("url"), "request.url"),
        method=_string(raw_request.get("method"), "request.method", "GET"),
        headers=_pairs(raw_request.get("headers"), "request.headers"),
        credentials=_string(raw_request.get("credentials"), "request.credentials", "same-origin"),
        mode=_string(raw_request.get("mode"), "request.mode", "cors"),
        redirect=_string(raw_request.get("redirect"), "request.redirect", "follow"),
        read_headers=tuple(read),
    )
    responses = scenario.get("responses") or {}
    if not isinstance(responses, Mapping):
        raise ScenarioError("scenario.responses must be an object")
    preflights = _responses(responses.get("preflight"), "responses.preflight")
    actuals = _responses(responses.get("actual"), "responses.actual")
    counters = {"preflight": 0, "actual": 0}

    def replay(
        kind: str, method: str, url: str, headers: Sequence[tuple[str, str]]
    ) -> HTTPResponse:
        index = counters[kind]
        counters[kind] += 1
        if kind == "preflight":
            if not preflights:
                raise ScenarioError(
                    f"the browser sends a preflight (OPTIONS {url}) but the scenario has no "
                    "responses.preflight"
                )
            return preflights[min(index, len(preflights) - 1)]
        if index >= len(actuals):
            if not actuals:
                raise ScenarioError(
                    f"the browser sends {method} {url} but the scenario has no responses.actual"
                )
            raise ScenarioError(
                f"responses.actual has {len(actuals)} hop(s) but the browser follows a redirect "
                f"to {url}; add the response for that hop"
            )
        return actuals[index]

    return request, replay


def simulate_trace(
    scenario: Mapping[str, Any],
    *,
    cache: PreflightCache | None = None,
    spec: bool = False,
    now: float | None = None,
) -> Trace:
    """Like `simulate`, but the whole Trace (exchanges, response type, issues)."""
    request, transport = parse_scenario(scenario)
    if now is None:
        offset = scenario.get("time", 0)
        if isinstance(offset, bool) or not isinstance(offset, int | float):
            raise ScenarioError("scenario.time must be a number of seconds")
        now = float(offset)
    return run_fetch(request, transport, cache=cache, spec=spec, now=now)


def simulate(
    scenario: Mapping[str, Any],
    *,
    cache: PreflightCache | None = None,
    spec: bool = False,
    now: float | None = None,
) -> dict[str, Any]:
    """One DESIGN.md scenario in, one DESIGN.md outcome out.

    `cache` is the preflight cache to consult and fill (a fresh one when
    None); `now` is the clock in seconds for that cache, by default the
    scenario's optional `time` key (0 when absent). `spec=True` follows the
    Fetch standard where Chromium departs from it. Raises ScenarioError for a
    malformed scenario."""
    return simulate_trace(scenario, cache=cache, spec=spec, now=now).outcome()
