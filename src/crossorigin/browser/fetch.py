"""The browser's side of CORS: one `fetch()` from a page, hop by hop.

Rule 1: the order in which a fetch's steps run, and which failure wins when
several apply, lives in this file. What each step decides lives with its
grammar: request headers in `requests.py`, checks on responses in
`access.py`, URLs in `url.py`, the preflight cache in `preflight_cache.py`,
Chromium's words in `messages.py`.

Theory of operation: `run_fetch` plays Fetch §4.1 "main fetch", §4.3-4.6
(HTTP fetch, HTTP-redirect fetch, HTTP-network-or-cache fetch) and §4.8
(CORS-preflight fetch) for one request, the way Chromium 156 does by default
and the way the standard says with `spec=True`. It never touches a socket:
every request goes through a `Transport`. The result is a `Trace`.

1. The Request constructor (`requests.prepare_request`): header strings
   beyond ISO-8859-1, method and header syntax, forbidden methods and
   headers, a body on GET/HEAD, `only-if-cached` outside `same-origin` mode.
   A rejected request throws a TypeError: `failed_at` "request".
2. Same-origin with the page and never tainted: a basic response.
   `mode: "same-origin"` elsewhere fails with Blink's line; `no-cors` gives
   an opaque response.
3. Otherwise CORS: a preflight when the method is not safelisted or a header
   is CORS-unsafe, unless the preflight cache covers the request (looked up
   unless the cache mode is no-store, reload or no-cache).
4. Every response, before any CORS check, passes net's header-block checks
   (Chromium net/http/http_stream_parser.cc): a NUL byte anywhere is
   `net::ERR_INVALID_HTTP_RESPONSE`; two `Location` values that differ are
   `net::ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION` (any status, preflights
   too). A redirect (301/302/303/307/308 with a non-blank Location) whose
   Location does not parse is `net::ERR_INVALID_REDIRECT`, also before the
   CORS check and in every redirect mode (net/url_request/url_request_job.cc
   `CanFollowRedirect`); so is the 21st redirect in `follow` mode
   (`net::ERR_TOO_MANY_REDIRECTS`). These are network errors: no CORS reason, no console
   line, `network_error` names them.
5. The CORS check of the response (also of a redirect), then redirects
   (Fetch §4.4): `error` mode fails, `manual` gives an opaque-redirect; a
   target that is not
   HTTP(S): `data:`, `about:`, `blob:` and `file:` are
   `net::ERR_UNSAFE_REDIRECT`; in `cors` mode `ws:`/`wss:` are
   `net::ERR_UNKNOWN_URL_SCHEME` unless the request restarts, any other scheme
   `CorsDisabledScheme`; outside `cors` mode every other scheme is
   `net::ERR_UNKNOWN_URL_SCHEME` (all measured); a Location with credentials is
   refused; a hop to another origin drops `Authorization` and may taint the
   origin (`null` from then on); 303 (and 301/302 for POST) become GET
   without body headers; the fragment carries over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from crossorigin import fetch_tables
from crossorigin.browser import access, messages
from crossorigin.browser.engines import CHROMIUM, Engine, engine
from crossorigin.browser.preflight_cache import PreflightCache
from crossorigin.browser.requests import RequestRejected, prepare_request, unsafe_header_names
from crossorigin.browser.types import (
    Exchange,
    FetchRequest,
    Hop,
    HTTPResponse,
    ScenarioError,
    Trace,
    Transport,
)
from crossorigin.browser.url import URL, decode_unreserved, parse_location, parse_url
from crossorigin.origin import Origin, OriginSyntaxError

__all__ = ["MAX_REDIRECTS", "canonical_url", "run_fetch"]

#: Fetch §4.4 HTTP-redirect fetch: "If request's redirect count is 20, then
#: return a network error."
MAX_REDIRECTS: Final = 20

#: Fetch §2.2.2 request-body-header names, dropped when a redirect turns the
#: request into a GET.
_REQUEST_BODY_HEADER_NAMES: Final = frozenset(
    {"content-encoding", "content-language", "content-location", "content-type"}
)
_FETCHABLE_SCHEMES: Final = frozenset({"http", "https"})
#: Redirect targets that are not HTTP(S), after the CORS check of the 3xx
#: (measured in Chromium 156): net refuses the schemes it has handlers for
#: as unsafe (net/url_request/url_request_job.cc `IsSafeRedirect`), has no
#: handler for WebSocket schemes, and lets every other scheme through to the
#: CORS loader, which restarts the request and refuses it by scheme
#: (CorsDisabledScheme).
_REDIRECT_SCHEME_ERRORS: Final = {
    "about": "net::ERR_UNSAFE_REDIRECT",
    "blob": "net::ERR_UNSAFE_REDIRECT",
    "data": "net::ERR_UNSAFE_REDIRECT",
    "file": "net::ERR_UNSAFE_REDIRECT",
    "ws": "net::ERR_UNKNOWN_URL_SCHEME",
    "wss": "net::ERR_UNKNOWN_URL_SCHEME",
}
#: Cache modes that skip the preflight cache lookup, and that skip the store
#: (Chromium services/network/cors/preflight_controller.cc: LOAD_VALIDATE_CACHE,
#: LOAD_BYPASS_CACHE and LOAD_DISABLE_CACHE; measured).
_NO_LOOKUP_CACHE_MODES: Final = frozenset({"no-store", "reload", "no-cache"})
_NO_STORE_CACHE_MODES: Final = frozenset({"no-store"})


def canonical_url(url: str, base: str | None = None) -> str:
    """The URL as Chromium prints it (see `url.py`), resolved against `base`.
    Raises ScenarioError when it does not parse or is not HTTP(S)."""
    base_url = parse_url(base) if base else None
    parsed = parse_url(url, base_url)
    if parsed is None:
        raise ScenarioError(f"{url!r} is not a valid URL")
    if parsed.scheme not in _FETCHABLE_SCHEMES:
        raise ScenarioError(f"{url!r}: the model fetches http and https URLs only")
    return parsed.serialize()


@dataclass
class _State:
    request: FetchRequest
    page: Origin
    page_origin: str  # serialized
    initial_url: URL
    url: URL
    method: str
    headers: list[tuple[str, str]]
    exchanges: list[Exchange] = field(default_factory=list)
    hops: list[Hop] = field(default_factory=list)
    tainted: bool = False
    response_tainting: str = "basic"
    # `run_fetch(spec=True)`: the standard's rules and Chromium's names, none
    # of the engine's own departures or texts.
    spec: bool = False
    issues: list[str] = field(default_factory=list)
    unsafe: list[str] = field(default_factory=list)
    redirects: int = 0
    profile: Engine = CHROMIUM
    # The URL of the last request sent, fragment included.
    sent_url: URL | None = None
    # GET responses with a permanent redirect status, by URL: Chromium's HTTP
    # cache stores them (heuristically fresh), so a redirect loop back to
    # such a URL is answered without reaching the server (measured: WPT
    # redirect-location "#invalidurl:" with 301/308 hits the server once).
    permanent: dict[str, HTTPResponse] = field(default_factory=dict)
    # Whether a redirect that changed the method kept the Origin header the
    # request had (Engine.keeps_origin_after_method_change).
    origin_kept: bool = False
    # Whether any hop so far needed a preflight (Engine.preflight_sticks).
    preflighted: bool = False
    # Authorization taken off by a redirect to another origin, the hop still
    # preflighted (Engine.keeps_authorization_across_origins).
    authorization_dropped: bool = False
    # A refused userinfo redirect waiting for the next hop's preflight
    # (Engine.userinfo_checked_after_preflight).
    userinfo_refused: bool = False
    # A redirect's CORS failure waiting for the next hop's preflight
    # (Engine.redirect_checks_first_credentials): reason, parameter, status.
    redirect_refused: tuple[str, str, int] | None = None
    # The target of the redirect being followed (None: the response is not
    # one), and how WebKit's console names it: without userinfo, or the
    # Location as written when it does not parse.
    redirect_target: URL | None = None
    redirect_text: str | None = None

    @property
    def request_origin(self) -> str:
        return "null" if self.tainted else self.page_origin

    @property
    def preflight_origin(self) -> str:
        """The Origin a preflight carries and the cache is keyed by: the
        request's, or the page's in an engine whose preflight is made for the
        page after a tainting redirect (Firefox)."""
        return (
            self.page_origin if self.profile.preflight_keeps_page_origin else (self.request_origin)
        )

    @property
    def credentials(self) -> bool:
        """Whether the CORS checks run in credentials mode "include"."""
        return self.request.credentials == "include"

    def same_origin_as_page(self, url: URL) -> bool:
        return not self.page.is_opaque and url.origin == self.page_origin


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
    network_error: str | None = None,
    sent_origin: bool = True,
    status: int | None = None,
) -> Trace:
    readable: dict[str, str | None]
    if allowed and response is not None:
        readable = access.readable_values(
            response.headers
            if state.spec
            else _page_visible_headers(state.profile, response.headers),
            state.request.read_headers,
            response_type=response_type,
            credentials=state.credentials,
        )
    else:
        readable = {name.lower(): None for name in state.request.read_headers}
    profile = state.profile
    if (
        reason is not None
        and console is None
        and not state.spec
        and reason in dict(profile.network_errors)
    ):
        # A redirect Chromium refuses with a CORS reason is a network error
        # in this engine (Firefox: NS_ERROR_DOM_BAD_URI), logged as a CORS
        # failure when the refused target is another origin's (userinfo).
        return _network_error(
            state,
            failed_at or "redirect",
            reason,
            log=reason == "RedirectContainsCredentials",
        )
    url_text = state.url.serialize()
    if reason is not None and console is None and profile.checks != "chromium" and not state.spec:
        target = state.redirect_target
        if reason == "RedirectContainsCredentials" and target is not None:
            # WebKit names the target with its userinfo.
            failed_parameter = target.serialize()
        reason, console = messages.engine_failure(
            profile.checks,
            reason,
            failed_parameter,
            url=url_text,
            request_origin=state.request_origin,
            status=status,
            redirect_target=state.redirect_text if failed_at == "redirect" else None,
            redirect_scheme=target.scheme if target is not None else "",
        )
    if reason is not None and console is None:
        console = messages.blocked_line(
            url=url_text,
            initial_url=state.initial_url.serialize(),
            page_origin=state.page_origin,
            reason=reason,
            failed_parameter=failed_parameter,
        )
    if not allowed and error is None:
        error = profile.failed_to_fetch
    hops = state.hops
    if hops and not allowed and failed_at in ("actual", "redirect"):
        last = hops[-1]
        hops[-1] = Hop(last.url, last.method, last.status, "error", last.origin, network_error)
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
        final_url=url_text,
        network_error=network_error,
        hops=tuple(hops),
        browser=profile.name,
    )


def _page_visible_headers(profile: Engine, headers: access.Headers) -> access.Headers:
    """The response headers as the engine hands them to the page's Headers
    object (see `Engine.gecko_response_join`, `Engine.response_values_via_utf8`)."""
    if profile.response_values_via_utf8:
        headers = tuple((name, _via_utf8(value)) for name, value in headers)
    if not profile.gecko_response_join:
        return headers
    merged: dict[str, tuple[str, str]] = {}
    for name, value in headers:
        lowered = name.lower()
        value = value.strip(" \t")
        if lowered not in merged:
            merged[lowered] = (name, value)
            continue
        first_name, joined = merged[lowered]
        if not value:
            continue
        if not joined:
            merged[lowered] = (first_name, value)
        else:
            separator = "," if lowered == "content-type" else ", "
            merged[lowered] = (first_name, f"{joined}{separator}{value}")
    return tuple(merged.values())


def _via_utf8(value: str) -> str:
    """A header value as WebKitGTK shows it: the bytes on the wire (one per
    character when all fit in Latin-1, else UTF-8, as the harness sends
    them) decoded as UTF-8 with replacement, then re-read as Latin-1."""
    raw = value.encode("latin-1") if max(value, default="\x00") <= "\xff" else value.encode()
    return raw.decode("utf-8", "replace").encode().decode("latin-1")


def _rejected(state: _State, *, error: str | None = None, console: str | None = None) -> Trace:
    """fetch() refused the request before sending anything (a TypeError for
    the script; `console`, when the engine logs one, for DevTools)."""
    return _finish(
        state,
        allowed=False,
        response_type="error",
        failed_at="request",
        error=error,
        console=console,
        sent_origin=False,
    )


def _network_error(state: _State, failed_at: str, name: str, *, log: bool = False) -> Trace:
    """A network error, named as the engine names it; an engine that logs a
    CORS line for a CORS request's network error (Firefox: "CORS request did
    not succeed", no status) gets that line and reason too."""
    profile = state.profile
    if not state.spec:
        name = dict(profile.network_errors).get(name, name)
    if (
        profile.logs_cors_network_errors
        and not state.spec
        and (log or state.response_tainting == "cors")
    ):
        # Firefox names the URL of the request that failed, fragment and all
        # (measured: the 21st hop of a redirect chain, not the first URL; a
        # preflight's own URL when the preflight failed, even after a
        # redirect from another URL).
        failed = state.url if failed_at == "preflight" else (state.sent_url or state.url)
        url = failed.serialize()
        return _finish(
            state,
            allowed=False,
            response_type="error",
            failed_at=failed_at,
            network_error=name,
            reason=messages.firefox_reason("CORSDidNotSucceed2"),
            console=messages.firefox_line("CORSDidNotSucceed2", url=url, status=None),
        )
    if profile.checks == "webkit" and not state.spec:
        target = state.redirect_target
        reason = messages.webkit_network_reason(
            name,
            failed_at=failed_at,
            mode=state.request.mode,
            target=state.redirect_text,
            scheme=target.scheme if target is not None else "",
        )
        if reason is not None:
            return _finish(
                state,
                allowed=False,
                response_type="error",
                failed_at=failed_at,
                network_error=name,
                reason=reason,
            )
    return _finish(
        state, allowed=False, response_type="error", failed_at=failed_at, network_error=name
    )


def _header_block_error(
    response: HTTPResponse, profile: Engine = CHROMIUM
) -> tuple[str, str | None]:
    """Chromium net's checks on a response's header block, before anything
    reads it: (network error or "", the Location value or None).

    A NUL byte anywhere fails the response (net/http/http_response_headers.cc
    `TryToCreate`); `Location` is a header that must not repeat with different
    values (net/http/http_stream_parser.cc, `HeadersContainMultipleCopiesOfField`;
    identical copies are fine). An engine that joins repeated headers
    (WebKit) reads one Location, the values joined with ", "."""
    location: str | None = None
    for name, value in response.headers:
        if "\x00" in value or "\x00" in name:
            return "net::ERR_INVALID_HTTP_RESPONSE", None
        if len(name) == 8 and name.lower() == "location":
            trimmed = value.strip(" \t")
            if location is None:
                location = trimmed
            elif profile.joins_repeated_location:
                location = f"{location}, {trimmed}"
            elif trimmed != location:
                return "net::ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION", None
    return "", location


def _parse_location(value: str, base: URL, profile: Engine) -> URL | None:
    """The redirect target, read as the engine reads a Location's bytes."""
    if profile.location_from_latin1:
        # WebKit: the header's bytes are Latin-1 characters, which the URL
        # parser then UTF-8-encodes (measured: a UTF-8 `é` arrives as
        # `%C3%83%C2%A9`). Before that libsoup makes the bytes valid UTF-8,
        # each stray byte becoming U+FFFD (measured: a lone 0xE9 arrives as
        # `%C3%AF%C2%BF%C2%BD`, the replacement character's bytes re-read).
        try:
            raw = value.encode("latin-1")
        except UnicodeEncodeError:
            raw = value.encode("utf-8")
        value = raw.decode("utf-8", "replace").encode("utf-8").decode("latin-1")
        return parse_url(value, base)
    return parse_location(value, base)


def _wire_url(state: _State) -> str:
    """The URL the request line carries, without its fragment."""
    url = state.url.serialize(fragment=False)
    if state.profile.sends_unreserved_decoded:
        return decode_unreserved(url)
    return url


@lru_cache(maxsize=256)
def _page(page_origin: str) -> tuple[Origin, str, URL | None]:
    """The page's origin, serialized, and the base URL of its relative
    requests (None for an opaque page)."""
    try:
        page = Origin.parse(page_origin)
    except OriginSyntaxError as error:
        raise ScenarioError(f"page_origin {page_origin!r}: {error}") from None
    if not page.is_opaque and page.scheme not in ("http", "https"):
        raise ScenarioError(f"page_origin {page_origin!r} must be http(s) or null")
    serialized = page.serialize()
    return page, serialized, None if page.is_opaque else parse_url(serialized + "/")


def run_fetch(
    request: FetchRequest,
    transport: Transport,
    *,
    cache: PreflightCache | None = None,
    spec: bool = False,
    now: float = 0.0,
    browser: str | Engine = "chromium",
) -> Trace:
    """Play one fetch against `transport` (see the module docstring) as the
    engine `browser` does (`chromium`, `firefox` or `webkit`)."""
    profile = engine(browser)
    page, page_origin, base = _page(request.page_origin)
    url = parse_url(request.url, base, gecko_paths=profile.gecko_paths)
    if url is None:
        raise ScenarioError(f"request.url {request.url!r} is not a valid URL")
    if url.scheme not in _FETCHABLE_SCHEMES:
        raise ScenarioError(f"request.url {request.url!r}: the model fetches http and https only")
    state = _State(
        request, page, page_origin, url, url, request.method, [], profile=profile, spec=spec
    )
    if url.has_credentials:
        return _rejected(
            state,
            error="TypeError: Failed to execute 'fetch' on 'Window': Request cannot be "
            f"constructed from a URL that includes credentials: {request.url}",
        )
    try:
        prepared = prepare_request(
            method=request.method,
            headers=request.headers,
            mode=request.mode,
            combine=not spec and profile.joins_repeated_headers,
            spec=spec,
            body=request.body,
            cache=request.cache,
            engine=profile,
        )
    except RequestRejected as rejected:
        return _rejected(state, error=str(rejected))
    state.method = prepared.method
    state.headers = list(prepared.headers)
    cache = cache if cache is not None else PreflightCache()

    while True:
        if state.url.port in fetch_tables.BAD_PORTS:
            # Fetch §4.1 main fetch: a bad port is a network error before the
            # mode checks and before any preflight, on every hop.
            if state.redirects == 0 and profile.bad_port_first_hop_silent and not spec:
                return _finish(state, allowed=False, response_type="error", failed_at="request")
            stage = "request" if state.redirects == 0 else "redirect"
            if profile.checks == "webkit" and not spec:
                # WebKit prints the port and URL; no network error name.
                line = messages.webkit_bad_port_line(port=state.url.port, url=state.url.serialize())
                return _finish(
                    state,
                    allowed=False,
                    response_type="error",
                    failed_at=stage,
                    network_error="net::ERR_UNSAFE_PORT",
                    console=line,
                )
            return _network_error(state, stage, "net::ERR_UNSAFE_PORT")
        if not (state.same_origin_as_page(state.url) and state.response_tainting == "basic"):
            if request.mode == "same-origin":
                # Only the first hop gets here: a redirect elsewhere is refused
                # in `_follow_redirect`.
                console = (
                    messages.same_origin_mode_line(
                        url=state.url.serialize(), page_origin=page_origin
                    )
                    if profile.logs_mode_errors
                    else None
                )
                if profile.checks == "webkit":
                    console = messages.webkit_mode_line(url=state.url.serialize())
                return _rejected(state, console=console)
            if request.mode == "no-cors":
                if request.redirect != "follow":
                    console = (
                        messages.no_cors_redirect_mode_line(url=state.url.serialize())
                        if profile.logs_mode_errors
                        else None
                    )
                    if profile.checks == "webkit":
                        console = messages.webkit_no_cors_redirect_mode_line()
                    return _rejected(state, console=console)
                state.response_tainting = "opaque"
            else:
                state.response_tainting = "cors"
        if state.response_tainting == "cors":
            state.unsafe = unsafe_header_names(state.headers, spec=spec, engine=profile)
            needs_preflight = (
                not fetch_tables.is_cors_safelisted_method(state.method)
                or bool(state.unsafe)
                or (state.preflighted and profile.preflight_sticks and not spec)
                or state.authorization_dropped
            )
            state.preflighted = state.preflighted or needs_preflight
            # A hop preflighted only for the Authorization it lost has nothing
            # left for the standard's cache layout to look up (any URL would
            # pass); Firefox needs an entry for the URL there, so it is sent.
            if needs_preflight and (
                state.authorization_dropped or not _cached(state, cache, now=now)
            ):
                refused = _preflight(state, transport, cache, now=now)
                if refused is not None:
                    return refused
        if state.userinfo_refused:
            return _finish(
                state,
                allowed=False,
                response_type="error",
                failed_at="redirect",
                reason="RedirectContainsCredentials",
            )
        if state.redirect_refused is not None:
            reason, parameter, status = state.redirect_refused
            return _finish(
                state,
                allowed=False,
                response_type="error",
                failed_at="redirect",
                reason=reason,
                failed_parameter=parameter,
                status=status,
            )
        response = _send_actual(state, transport)
        net_error, location = _header_block_error(response, profile)
        stage = "actual"
        if net_error:
            return _network_error(state, stage, net_error)
        target: URL | None = None
        state.redirect_target = state.redirect_text = None
        late = profile.checks_redirect_before_location and not spec
        blank_fails = False
        redirect_status = response.status in access.REDIRECT_STATUSES or (
            response.status in profile.extra_redirect_statuses and not spec
        )
        if redirect_status and location is not None and not location:
            if profile.blank_location_redirects_to_self:
                location = state.url.serialize()
            elif profile.blank_location_fails and request.redirect == "follow":
                if not late:
                    return _network_error(state, "redirect", "net::ERR_INVALID_REDIRECT")
                # WebKit: no redirect, so the response's CORS check comes first.
                blank_fails = True
        if redirect_status and location:
            stage = "redirect"
            target = _parse_location(location, state.url, profile)
            state.redirect_target = target
            state.redirect_text = (
                location if target is None else _without_userinfo(_inherit_fragment(target, state))
            )
            if (
                target is None
                and request.redirect == "manual"
                and profile.manual_ignores_bad_location
            ):
                return _finish(
                    state, allowed=True, response_type="opaqueredirect", response=response
                )
            if target is None and profile.location_parsed_when_followed:
                if request.redirect == "manual":
                    return _finish(
                        state, allowed=True, response_type="opaqueredirect", response=response
                    )
                if request.redirect == "error":
                    return _finish(
                        state, allowed=False, response_type="error", failed_at="redirect"
                    )
            if target is None and not late:
                return _network_error(state, stage, "net::ERR_INVALID_REDIRECT")
            if (
                profile.redirect_scheme_errors
                and target is not None
                and target.scheme not in _FETCHABLE_SCHEMES
                and request.redirect == "follow"
                and _scheme_error_name(state, target)
                not in profile.redirect_scheme_errors_after_cors
            ):
                return _scheme_network_error(state, target)
            if state.redirects == MAX_REDIRECTS and request.redirect == "follow" and not late:
                # net's redirect limit, also before the CORS check of the 3xx
                # (measured: the 21st redirect without CORS headers is
                # ERR_TOO_MANY_REDIRECTS, not MissingAllowOriginHeader).
                return _network_error(state, stage, "net::ERR_TOO_MANY_REDIRECTS")
        if state.response_tainting == "cors":
            check = _CORS_CHECKS[profile.checks if not spec else "chromium"]
            failure = check(
                request_origin=state.request_origin,
                credentials=state.credentials,
                response_headers=response.headers,
            )
            if failure is None and _first_credentials(state, target):
                # WebKit's web process checks the 3xx again with the first
                # request's credentials, once the network process has made
                # the next hop's preflight (measured).
                late_failure = check(
                    request_origin=state.request_origin,
                    credentials=True,
                    response_headers=response.headers,
                )
                if late_failure is not None:
                    state.redirect_refused = (*late_failure, response.status)
            if failure is not None:
                return _finish(
                    state,
                    allowed=False,
                    response_type="error",
                    failed_at=stage,
                    reason=failure[0],
                    failed_parameter=failure[1],
                    status=response.status,
                )
        if blank_fails:
            return _network_error(state, "redirect", "net::ERR_INVALID_REDIRECT")
        if stage == "redirect" and late:
            # WebKit: after the 3xx's CORS check, the redirect mode, then the
            # Location and the redirect limit.
            if request.redirect == "error":
                return _finish(
                    state,
                    allowed=False,
                    response_type="error",
                    failed_at="redirect",
                    reason="RedirectModeError",
                    failed_parameter=state.url.serialize(),
                )
            if target is None:
                if state.response_tainting == "basic":
                    # Refused in the network layer, unlogged; only a
                    # cross-origin hop's redirect meets the scheme check.
                    state.redirect_text = None
                return _network_error(state, stage, "net::ERR_INVALID_REDIRECT")
            if state.redirects == MAX_REDIRECTS and request.redirect == "follow":
                return _network_error(state, stage, "net::ERR_TOO_MANY_REDIRECTS")
        if target is None:
            return _finish(
                state, allowed=True, response_type=state.response_tainting, response=response
            )
        if request.redirect == "error":
            return _finish(state, allowed=False, response_type="error", failed_at="redirect")
        if request.redirect == "manual":
            return _finish(state, allowed=True, response_type="opaqueredirect", response=response)
        refused = _follow_redirect(state, response, target)
        if refused is not None:
            return refused


def _first_credentials(state: _State, target: URL | None) -> bool:
    """Whether a redirect's CORS check runs with the credentials the first
    request had: `same-origin` credentials of a fetch that started on the
    page's origin (Engine.redirect_checks_first_credentials)."""
    return (
        state.profile.redirect_checks_first_credentials
        and not state.spec
        and target is not None
        and state.request.redirect == "follow"
        and state.request.credentials == "same-origin"
        and state.same_origin_as_page(state.initial_url)
    )


def _inherit_fragment(target: URL, state: _State) -> URL:
    """Fetch §4.4 step 'location URL's fragment': a target without one takes
    the request's."""
    if target.fragment is not None or state.url.fragment is None:
        return target
    return URL(
        target.scheme,
        target.username,
        target.password,
        target.host,
        target.port,
        target.path,
        target.query,
        state.url.fragment,
    )


def _without_userinfo(url: URL) -> str:
    if not url.has_credentials:
        return url.serialize()
    return URL(
        url.scheme, "", "", url.host, url.port, url.path, url.query, url.fragment
    ).serialize()


def _scheme_error_name(state: _State, target: URL) -> str:
    table = dict(state.profile.redirect_scheme_errors)
    scheme = target.scheme
    if state.request.mode == "no-cors":
        return table.get("no-cors:" + scheme, table.get(scheme, table.get("no-cors:*", "")))
    return table.get(scheme, table.get("*", ""))


def _scheme_network_error(state: _State, target: URL) -> Trace:
    """A redirect to a scheme other than HTTP(S) in an engine that refuses
    it by scheme before any CORS check (Firefox's channel cannot be
    redirected there: measured names in `Engine.redirect_scheme_errors`)."""
    name = _scheme_error_name(state, target)
    if not name:
        return _finish(state, allowed=False, response_type="error", failed_at="redirect")
    return _network_error(state, "redirect", name)


def _cached(state: _State, cache: PreflightCache, *, now: float) -> bool:
    profile, spec = state.profile, state.spec
    skip = _NO_LOOKUP_CACHE_MODES if spec else profile.cache_skip_lookup
    if state.request.cache in skip:
        return False
    if state.tainted and not spec and not profile.preflight_keeps_page_origin:
        # Measured: a request tainted by a redirect neither uses nor fills
        # Chromium's cache (its origin is a fresh opaque one).
        return False
    return cache.allows(
        origin=state.preflight_origin,
        url=state.url.serialize(),
        credentials=state.credentials,
        method=state.method,
        unsafe_header_names=state.unsafe,
        now=now,
        spec=spec or profile.cache_layout == "spec",
        miss_evicts=spec or profile.cache_miss_evicts,
        credentials_miss_evicts=not spec and profile.credentials_miss_evicts,
        cached_wildcards=spec or profile.cache_honours_wildcards,
        wildcard_covers_authorization=not spec and profile.cache_wildcard_covers_authorization,
    )


def _preflight(
    state: _State, transport: Transport, cache: PreflightCache, *, now: float
) -> Trace | None:
    """Fetch §4.8 CORS-preflight fetch: None when it allows the request."""
    spec = state.spec
    headers = [("Accept", "*/*"), ("Origin", state.preflight_origin)]
    headers.append(("Access-Control-Request-Method", state.method))
    if state.unsafe:
        headers.append(("Access-Control-Request-Headers", ",".join(state.unsafe)))
    url = _wire_url(state)
    response = transport("preflight", "OPTIONS", url, headers)
    state.exchanges.append(Exchange("preflight", "OPTIONS", url, tuple(headers), response))
    net_error, location = _header_block_error(response, state.profile)
    if net_error:
        return _network_error(state, "preflight", net_error)
    if (
        response.status in access.REDIRECT_STATUSES
        and location
        and not (state.profile.checks_redirect_before_location and not spec)
        and _parse_location(location, state.url, state.profile) is None
    ):
        # net refuses to follow before the preflight loader sees a redirect.
        return _network_error(state, "preflight", "net::ERR_INVALID_REDIRECT")
    verdict = access.preflight_check(
        status=response.status,
        response_headers=response.headers,
        request_origin=state.preflight_origin,
        credentials=state.credentials,
        method=state.method,
        unsafe_header_names=state.unsafe,
        spec=spec,
        engine=state.profile,
    )
    if not verdict.ok:
        if state.profile.failed_preflight_evicts and not spec:
            cache.forget(origin=state.preflight_origin, url=state.url.serialize())
        parameter = verdict.failed_parameter
        if verdict.reason == "HeaderNotAllowed":
            parameter = _first_refused_header(state, response, parameter)
        return _finish(
            state,
            allowed=False,
            response_type="error",
            failed_at="preflight",
            reason=verdict.reason,
            failed_parameter=parameter,
            status=response.status,
        )
    state.issues.extend(verdict.issues)
    profile = state.profile
    skip_store = _NO_STORE_CACHE_MODES if spec else profile.cache_skip_store
    fills = not state.tainted or spec or profile.preflight_keeps_page_origin
    if fills and state.request.cache not in skip_store:
        cache.store(
            origin=state.preflight_origin,
            url=state.url.serialize(),
            credentials=state.credentials,
            methods=verdict.methods,
            header_names=verdict.header_names,
            max_age=verdict.max_age,
            now=now,
            spec=spec or profile.cache_layout == "spec",
            url_limit=None if spec else profile.cache_url_limit,
            max_age_cap=profile.max_age_cap,
        )
    return None


#: The request headers a page can set that WebKit's HTTPHeaderMap stores as
#: known names (Source/WebCore/platform/network/HTTPHeaderNames.in).
_WEBKIT_KNOWN_HEADERS: Final = frozenset(
    {
        "accept",
        "accept-language",
        "authorization",
        "cache-control",
        "content-disposition",
        "content-language",
        "content-type",
        "default-style",
        "dnt",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-range",
        "if-unmodified-since",
        "last-event-id",
        "pragma",
        "purpose",
        "range",
        "user-agent",
    }
)


def _first_refused_header(state: _State, response: HTTPResponse, sorted_first: str) -> str:
    """The header WebKit names when its preflight refuses some: the first
    the page set that the response does not allow, as the page wrote it,
    headers WebKit knows by name before the others (HTTPHeaderMap keeps
    them apart; measured: `x-lower` before `X-API-Key`, `Content-Type`
    before `x-lower`)."""
    if state.spec:
        return sorted_first
    # The response's list is read once: judging each header alone with the
    # whole preflight check cost the list's length per header (quadratic).
    refused = access.engine_refused_header_names(
        response.headers, state.unsafe, credentials=state.credentials
    )
    known = [pair for pair in state.headers if pair[0].lower() in _WEBKIT_KNOWN_HEADERS]
    others = [pair for pair in state.headers if pair[0].lower() not in _WEBKIT_KNOWN_HEADERS]
    for name, _ in known + others:
        if name.lower() in refused:
            return name
    return sorted_first


_CORS_CHECKS: Final = {
    "chromium": access.cors_check_failure,
    "gecko": access.firefox_cors_check_failure,
    "webkit": access.webkit_cors_check_failure,
}


def _send_actual(state: _State, transport: Transport) -> HTTPResponse:
    headers = list(state.headers)
    # Fetch §3.1 "append a request `Origin` header": always for CORS requests,
    # and for any method other than GET and HEAD.
    sends_origin = (
        state.response_tainting == "cors"
        or state.method not in ("GET", "HEAD")
        or state.origin_kept
    )
    if sends_origin:
        headers.insert(0, ("Origin", state.request_origin))
    url = _wire_url(state)
    cacheable = (
        state.profile.caches_permanent_redirects
        and state.method == "GET"
        and state.request.cache != "no-store"
    )
    if cacheable and url in state.permanent:
        return state.permanent[url]
    response = transport("actual", state.method, url, headers)
    state.sent_url = state.url
    state.exchanges.append(Exchange("actual", state.method, url, tuple(headers), response))
    if (
        cacheable
        and response.status in (301, 308)
        and not any(name.lower() == "cache-control" for name, _ in response.headers)
    ):
        state.permanent[url] = response
    sent = state.url
    if sent.has_credentials:
        # Userinfo never reaches the server's request line (measured in
        # Firefox, which follows such redirects outside `cors` mode).
        sent = URL(sent.scheme, "", "", sent.host, sent.port, sent.path, sent.query, None)
    sent_text = sent.serialize(fragment=False)
    if state.profile.sends_unreserved_decoded:
        sent_text = decode_unreserved(sent_text)
    state.hops.append(
        Hop(
            sent_text,
            state.method,
            response.status,
            state.response_tainting,
            state.request_origin if sends_origin else None,
        )
    )
    return response


def _restarts(state: _State, response: HTTPResponse) -> bool:
    """Whether Chromium's CORS loader restarts the request for this redirect
    instead of letting net follow it: the method changes (Fetch §4.4 step
    12), the CORS flag turns on (the hop so far was same-origin), or the
    request needs a preflight."""
    status = response.status
    method_changes = (status in (301, 302) and state.method == "POST") or (
        status == 303 and state.method not in ("GET", "HEAD")
    )
    return (
        method_changes
        or state.response_tainting == "basic"
        or (
            state.response_tainting == "cors"
            and (not fetch_tables.is_cors_safelisted_method(state.method) or bool(state.unsafe))
        )
    )


def _follow_redirect(state: _State, response: HTTPResponse, target: URL) -> Trace | None:
    """Fetch §4.4 HTTP-redirect fetch: update `state` for the next hop, or the
    Trace of a refused redirect."""
    spec = state.spec
    state.redirects += 1
    target = _inherit_fragment(target, state)
    if target.scheme not in _FETCHABLE_SCHEMES and state.profile.redirect_scheme_errors:
        return _scheme_network_error(state, target)
    if target.scheme not in _FETCHABLE_SCHEMES:
        scheme_error = _REDIRECT_SCHEME_ERRORS.get(target.scheme)
        if state.request.mode != "cors" and scheme_error is None:
            # Without CORS no loader refuses the scheme: net cannot load it
            # (measured: no-cors to foo: is ERR_UNKNOWN_URL_SCHEME).
            scheme_error = "net::ERR_UNKNOWN_URL_SCHEME"
        elif (
            state.request.mode == "cors"
            and scheme_error == "net::ERR_UNKNOWN_URL_SCHEME"
            and _restarts(state, response)
        ):
            # The CORS loader restarts the request itself (a new method, a
            # preflight, or the CORS flag turning on) and refuses the scheme
            # before net sees it (services/network/cors/cors_url_loader.cc
            # `FollowRedirect`; measured: POST 301 to ws: is CorsDisabledScheme).
            scheme_error = None
        if scheme_error is not None:
            return _network_error(state, "redirect", scheme_error)
        state.url = target
        return _finish(
            state,
            allowed=False,
            response_type="error",
            failed_at="redirect",
            reason="CorsDisabledScheme",
        )
    cross_origin_target = state.tainted or not state.same_origin_as_page(target)
    if (
        target.has_credentials
        and state.profile.userinfo_checked_after_preflight
        and not spec
        and state.request.mode == "cors"
        and state.response_tainting == "basic"
        and cross_origin_target
    ):
        state.userinfo_refused = True
    elif target.has_credentials and (
        (state.request.mode == "cors" and cross_origin_target) or state.response_tainting == "cors"
    ):
        # Fetch §4.4 steps 9-10, in Chromium's network service (a DevTools reason).
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
        if not state.profile.logs_mode_errors:
            # Firefox: a network error, no console line (measured).
            return _network_error(state, "redirect", "SameOriginModeRedirect")
        console = messages.unsafe_redirect_line(
            url=target.serialize(), frame_url=state.page_origin + "/"
        )
        if state.profile.checks == "webkit":
            # The network layer has taken the userinfo off by then.
            console = messages.webkit_unsafe_redirect_line(
                url=_without_userinfo(target), page_origin=state.page_origin
            )
        return _finish(
            state, allowed=False, response_type="error", failed_at="redirect", console=console
        )
    if target.has_credentials and not spec and state.profile.refuses_all_userinfo_redirects:
        # Stricter than Fetch, which checks userinfo only in "cors" mode or
        # with the CORS flag: Chromium 156 also refuses a redirect to a URL with
        # userinfo in `no-cors` and `same-origin` mode and to the page's own
        # origin, silently (no console line, no DevTools reason).
        return _finish(state, allowed=False, response_type="error", failed_at="redirect")
    keeps_headers = state.profile.redirect_keeps_headers and not spec
    if state.url.origin != target.origin:
        # Fetch §4.4 HTTP-redirect fetch, step 13: "If request's current URL's
        # origin is not same origin with locationURL's origin, then for each
        # headerName of CORS non-wildcard request-header name, delete headerName
        # from request's header list." So the next hop goes without
        # Authorization, and needs no preflight for it.
        if not keeps_headers:
            kept = [
                (name, value)
                for name, value in state.headers
                if name.lower() not in fetch_tables.CORS_NON_WILDCARD_REQUEST_HEADER_NAMES
            ]
            if len(kept) < len(state.headers) and not spec:
                state.authorization_dropped = state.profile.keeps_authorization_across_origins
            state.headers = kept
        if not state.same_origin_as_page(state.url):
            state.tainted = True
    status = response.status
    if state.url.origin != target.origin:
        # libsoup clears a kept Origin on a hop to another origin.
        state.origin_kept = False
    if (
        (status in (301, 302) and state.method == "POST")
        or (status == 303 and state.method not in ("GET", "HEAD"))
        or (
            state.profile.cross_origin_delete_becomes_get
            and not spec
            and state.method == "DELETE"
            and state.url.origin != target.origin
        )
    ):
        if state.profile.keeps_origin_after_method_change and not spec:
            # The Origin the request carried stays on it (measured in
            # WebKitGTK 2.50: a same-origin GET after POST 303 sends it),
            # unless the hop leaves its origin: libsoup's redirect code then
            # clears it (NetworkDataTaskSoup.cpp continueHTTPRedirection;
            # measured: no-cors POST 303 to another origin sends none).
            state.origin_kept = state.url.origin == target.origin
        state.method = "GET"
        if not keeps_headers:
            state.headers = [
                (name, value)
                for name, value in state.headers
                if name.lower() not in _REQUEST_BODY_HEADER_NAMES
            ]
    state.url = target
    return None
