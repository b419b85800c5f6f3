"""Why the browser decided as it did, in plain words: a table keyed by reason.

Rule: the words for a blocked request live in `BLOCKED`, one row per DevTools
reason the browser model reports (`crossorigin.browser.messages.REASONS`),
each row a small function from the failed exchange to a `Cause` (a stable
code, a summary, notes). tests/unit/test_explain.py holds the table to the model:
every reason the model can report has a row, every row's reason exists (a row
nobody can reach is a bug: it once hid the advice for crossorigin's own
refused preflight), and each row has its own test. What is not keyed by a
reason stays outside the table: an allowed request that still disappoints
(headers the page cannot read, an opaque response), a `fetch()` that throws
before sending, a redirect refused without a CORS reason.

`explain_trace` puts it together: the cause, the notes every blocked request
gets (credentials, the development proxy), and the fixes per stack written
by `crossorigin.explain.fixes` from what the request needs
(`crossorigin.explain.requirements`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from crossorigin.browser import Exchange, PreflightCache, Trace, run_fetch
from crossorigin.browser.access import combined_value
from crossorigin.browser.model import parse_scenario
from crossorigin.browser.url import parse_url
from crossorigin.double_layer import DoubleLayer, detect_double_layer
from crossorigin.explain.fixes import fixes_for
from crossorigin.explain.requirements import Requirements, requirements
from crossorigin.origin import Origin, OriginSyntaxError, same_site
from crossorigin.policy import ConfigError

__all__ = [
    "BLOCKED",
    "NETWORK_ERRORS",
    "THIRD_PARTY_COOKIE_NOTE",
    "Blocked",
    "Cause",
    "Explanation",
    "explain",
    "explain_trace",
    "third_party_cookie_notes",
]


@dataclass(frozen=True)
class Explanation:
    """Why the browser decided as it did, and how to change it.

    `cause` is a short stable code (`allowed`, `missing-allow-origin`,
    `origin-mismatch`, `credentials-mode-mismatch`, `preflight-status`,
    `redirect`, `method-not-allowed`, `header-not-allowed`, `unreadable-headers`,
    ...: docs/output-formats.md lists them); `fix_by_stack` maps each of
    `STACKS` to a fix (empty when nothing needs fixing on the server)."""

    summary: str
    fix_by_stack: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    cause: str = "allowed"


@dataclass(frozen=True)
class Cause:
    """One row's answer: the stable code, the summary, row-specific notes."""

    code: str
    summary: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Blocked:
    """What a row reads: the trace, what the request needs, and the exchange
    whose answer the browser rejected (None when nothing came back)."""

    trace: Trace
    need: Requirements
    exchange: Exchange | None

    @property
    def which(self) -> str:
        return "preflight (OPTIONS) response" if self.trace.failed_at == "preflight" else "response"

    @property
    def status(self) -> int:
        return self.exchange.response.status if self.exchange else 0

    def header(self, name: str) -> str | None:
        return combined_value(self.exchange.response.headers, name) if self.exchange else None

    @property
    def double_layer(self) -> DoubleLayer | None:
        """Two CORS answers on the rejected response (an application and a
        layer in front of it both adding the headers), with which layer
        probably sent which value."""
        return detect_double_layer(self.exchange.response.headers) if self.exchange else None

    @property
    def has_cors_headers(self) -> bool:
        headers = self.exchange.response.headers if self.exchange else ()
        return any(name.lower().startswith("access-control-") for name, _ in headers)


CREDENTIALS_NOTE: Final = (
    "Credentials mode does not match: the page sends credentials "
    "(fetch(..., {credentials: 'include'})), so the server must answer with its exact origin "
    "(not *) and Access-Control-Allow-Credentials: true. If the request needs no cookies, "
    "drop credentials: 'include' instead."
)

#: A credentialed request from a page on one site to an API on another:
#: CORS may allow it, yet the browser need not send the user's cookie.
THIRD_PARTY_COOKIE_NOTE: Final = (
    "The page and the API are on different sites, so the API's cookie is a third-party "
    "cookie here: CORS can allow this request and it can still arrive without the user's "
    "cookie. Safari blocks third-party cookies, Firefox partitions them (a cookie the API "
    "set when visited directly is not the one sent from this page), and every browser "
    "sends a cookie cross-site only if it was set with `SameSite=None; Secure`. Serve the "
    "API from the page's site (a subdomain or a path of it), or authenticate with a token "
    "in a header."
)


def third_party_cookie_notes(trace: Trace) -> tuple[str, ...]:
    """THIRD_PARTY_COOKIE_NOTE when the request includes credentials and
    its URL (the last one fetched) is on another site than the page (HTML
    §7.5 schemeful same site)."""
    if trace.request.credentials != "include":
        return ()
    url = parse_url(trace.final_url or trace.request.url)
    if url is None:
        return ()
    try:
        if same_site(trace.request.page_origin, url.origin):
            return ()
    except (OriginSyntaxError, ValueError):
        return ()
    return (THIRD_PARTY_COOKIE_NOTE,)


# --- the rows ---------------------------------------------------------------------------


def missing_allow_origin(blocked: Blocked) -> Cause:
    summary = (
        f"The {blocked.which} has no Access-Control-Allow-Origin header, so the browser hides "
        "it from the page."
    )
    status = blocked.status
    if blocked.trace.failed_at == "preflight" and status == 403 and not blocked.has_cors_headers:
        summary += " " + _refused_preflight(blocked.exchange)
    elif status >= 400:
        summary += (
            f" Its status is {status}: error responses often bypass the CORS layer (an "
            "exception, another route, an authentication layer in front of it). Put the "
            "CORS middleware outermost so it also answers errors and preflights."
        )
    return Cause("missing-allow-origin", summary)


def origin_mismatch(blocked: Blocked) -> Cause:
    allow_origin = blocked.header("access-control-allow-origin") or ""
    trace = blocked.trace
    if trace.tainted:
        return Cause(
            "redirect-tainted-origin",
            "The request was redirected to another origin, after which the browser sends "
            "`Origin: null`, and the server's Access-Control-Allow-Origin "
            f"'{allow_origin}' does not match null. Call the final URL "
            f"({trace.final_url}) directly instead of relying on the redirect; do not "
            "allow the origin null.",
        )
    page = blocked.need.origin
    return Cause(
        "origin-mismatch",
        f"The server allows the origin '{allow_origin}', but the page's origin is "
        f"'{page}'.{_origin_difference(allow_origin, page)}",
    )


def multiple_allow_origin(blocked: Blocked) -> Cause:
    return Cause(
        "multiple-allow-origin",
        "Access-Control-Allow-Origin holds several values "
        f"('{blocked.header('access-control-allow-origin')}'); only one is allowed. Usually "
        "two layers both add it (the application and a proxy such as nginx): keep one, and "
        "have it send the single origin that matches.",
    )


def invalid_allow_origin(blocked: Blocked) -> Cause:
    return Cause(
        "invalid-allow-origin",
        f"Access-Control-Allow-Origin '{blocked.header('access-control-allow-origin')}' is not "
        f"an origin; send the page's exact origin, '{blocked.need.origin}' "
        "(scheme://host[:port], no path, no slash).",
    )


def wildcard_with_credentials(blocked: Blocked) -> Cause:
    return Cause(
        "credentials-mode-mismatch",
        f"The {blocked.which} allows any origin (*), which browsers refuse with credentials.",
        (CREDENTIALS_NOTE,),
    )


def invalid_allow_credentials(blocked: Blocked) -> Cause:
    sent = blocked.header("access-control-allow-credentials")
    said = f" (it says '{sent}')." if sent is not None else " (the header is missing)."
    return Cause(
        "credentials-mode-mismatch",
        f"The {blocked.which} does not say Access-Control-Allow-Credentials: true{said}",
        (CREDENTIALS_NOTE,),
    )


def preflight_status(blocked: Blocked) -> Cause:
    return Cause(
        "preflight-status",
        f"The preflight (OPTIONS) got status {blocked.status}; it needs a 2xx. The OPTIONS "
        "request probably reached the application (a route without OPTIONS, or "
        "authentication refusing it) instead of the CORS layer, which must answer preflights "
        "itself.",
    )


def preflight_redirect(blocked: Blocked) -> Cause:
    return Cause(
        "redirect",
        f"The preflight was redirected (to {blocked.header('location')}); browsers never follow "
        "a redirect for a preflight. Request the final URL directly (look for a missing or "
        "extra trailing slash, or an http-to-https redirect).",
    )


def unparsable_allow_list(blocked: Blocked) -> Cause:
    name = "Methods" if "Methods" in (blocked.trace.reason or "") else "Headers"
    value = blocked.header(f"access-control-allow-{name.lower()}")
    return Cause(
        "unparsable-allow-list",
        f"Access-Control-Allow-{name} '{value}' does not parse: it must be a comma-separated "
        "list of tokens, e.g. 'GET, PUT' or 'content-type, x-token'.",
    )


def method_not_allowed(blocked: Blocked) -> Cause:
    method = blocked.trace.failed_parameter
    allowed = blocked.header("access-control-allow-methods")
    summary = (
        f"The preflight does not allow the method {method} "
        f"(Access-Control-Allow-Methods: {allowed!r})."
    )
    notes: tuple[str, ...] = ()
    if method != method.upper():
        summary += (
            " Methods are case-sensitive and fetch() sends this one as written: use "
            f"'{method.upper()}' in the page."
        )
    elif blocked.need.credentials and allowed and "*" in allowed:
        notes = ("With credentials, * in Access-Control-Allow-Methods is a literal name.",)
    return Cause("method-not-allowed", summary, notes)


def header_not_allowed(blocked: Blocked) -> Cause:
    name = blocked.trace.failed_parameter
    allowed = blocked.header("access-control-allow-headers")
    notes: tuple[str, ...] = ()
    if allowed and "*" in allowed:
        if name == "authorization" and not blocked.need.credentials:
            notes = ("* never covers Authorization in the Fetch standard: list it.",)
        elif blocked.need.credentials:
            notes = ("With credentials, * in Access-Control-Allow-Headers is a literal name.",)
    return Cause(
        "header-not-allowed",
        f"The page sends the header {name}, which the preflight does not allow "
        f"(Access-Control-Allow-Headers: {allowed!r}).",
        notes,
    )


def redirect_with_credentials(blocked: Blocked) -> Cause:
    return Cause(
        "redirect",
        "The server redirects to a URL containing a user name and password, which browsers "
        "refuse for cross-origin requests; redirect to a URL without them.",
    )


def disabled_scheme(blocked: Blocked) -> Cause:
    return Cause(
        "redirect-scheme",
        "The request was redirected to a URL whose scheme CORS does not cover (only http: "
        "and https: can be fetched cross-origin, e.g. not ws:, data: or a custom scheme); "
        "redirect to an http(s) URL, or have the page request the final URL itself.",
    )


#: Chromium's network error -> what the server did to cause it. These end the
#: fetch before any CORS check (the console shows the net:: name, no CORS line).
NETWORK_ERRORS: Final[Mapping[str, str]] = {
    "net::ERR_INVALID_HTTP_RESPONSE": (
        "The response is not valid HTTP to the browser (e.g. a NUL byte in a header): "
        "no CORS header can help; fix the server's header values."
    ),
    "net::ERR_INVALID_REDIRECT": (
        "The redirect's Location cannot be parsed as a URL; send an absolute, valid URL."
    ),
    "net::ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION": (
        "The response carries two different Location headers (often two layers both "
        "redirecting); send exactly one."
    ),
    "net::ERR_TOO_MANY_REDIRECTS": (
        "The server redirects more than 20 times (a loop?); make the chain end."
    ),
    "net::ERR_UNSAFE_REDIRECT": (
        "The server redirects to a URL the browser never follows from a fetch (data:, "
        "about:, blob:, file:); redirect to an http(s) URL."
    ),
    "net::ERR_UNSAFE_PORT": (
        "The URL's port is one browsers never connect to (Fetch's bad ports, e.g. 0, 21, "
        "25, 6000, 6667, 10080: ports of other protocols); serve the API on another port. "
        "No CORS header helps: nothing is sent."
    ),
    "net::ERR_UNKNOWN_URL_SCHEME": (
        "The server redirects to a scheme fetch() cannot request (e.g. ws:); redirect to "
        "an http(s) URL."
    ),
}


def _network_error(trace: Trace) -> Explanation:
    name = trace.network_error or ""
    told = NETWORK_ERRORS.get(name, "The request failed before any CORS check.")
    summary = f"Network error {name}, not a CORS error: {told}"
    return Explanation(summary, {}, (), "network-error")


#: DevTools reason -> the row that explains it. The five Access-Control-Allow-
#: Origin/-Credentials checks have a Preflight twin with the same words.
BLOCKED: Final[Mapping[str, Callable[[Blocked], Cause]]] = {
    **{
        prefix + reason: row
        for reason, row in (
            ("MissingAllowOriginHeader", missing_allow_origin),
            ("AllowOriginMismatch", origin_mismatch),
            ("MultipleAllowOriginValues", multiple_allow_origin),
            ("InvalidAllowOriginValue", invalid_allow_origin),
            ("WildcardOriginNotAllowed", wildcard_with_credentials),
            ("InvalidAllowCredentials", invalid_allow_credentials),
        )
        for prefix in ("", "Preflight")
    },
    "PreflightInvalidStatus": preflight_status,
    "PreflightDisallowedRedirect": preflight_redirect,
    "InvalidAllowMethodsPreflightResponse": unparsable_allow_list,
    "InvalidAllowHeadersPreflightResponse": unparsable_allow_list,
    "MethodDisallowedByPreflightResponse": method_not_allowed,
    "HeaderDisallowedByPreflightResponse": header_not_allowed,
    "RedirectContainsCredentials": redirect_with_credentials,
    "CorsDisabledScheme": disabled_scheme,
}


# --- what the rows share ---------------------------------------------------------------


def _origin_difference(allowed: str, page: str) -> str:
    """A hint at why two origins that look alike are not equal."""
    if allowed.rstrip("/") == page:
        return " It differs only by the trailing slash: an origin never has one."
    if allowed.lower() == page:
        return " It differs only in case: browsers compare origins byte for byte."
    try:
        mine, theirs = Origin.parse(page), Origin.parse(allowed)
    except OriginSyntaxError:
        return ""
    if mine.host == theirs.host and mine.port == theirs.port and mine.scheme != theirs.scheme:
        return f" The scheme differs ({theirs.scheme} vs {mine.scheme})."
    if mine.scheme == theirs.scheme and mine.host == theirs.host:
        return " The port differs: every port is a different origin."
    loopback = {"localhost", "127.0.0.1", "[::1]"}
    if mine.host in loopback and theirs.host in loopback:
        return (
            f" {theirs.host} and {mine.host} are different origins, even though both are "
            "this machine."
        )
    return ""


def _refused_by_crossorigin(headers: Sequence[tuple[str, str]]) -> bool:
    """crossorigin's engine refuses a preflight with 403, no CORS header, and a
    Vary naming the preflight's request headers (engine.py); an
    authentication layer's or a framework's 403 rarely varies on them."""
    vary = {name.strip().lower() for name in (combined_value(headers, "vary") or "").split(",")}
    return {"origin", "access-control-request-method"} <= vary


def _refused_preflight(exchange: Exchange | None) -> str:
    """Why a 403 preflight without CORS headers was refused, in the terms of
    what it asked for (the CORS layer compared exactly these values)."""
    sent = exchange.request_headers if exchange else ()
    asked = [f"origin {combined_value(sent, 'origin')}"]
    method = combined_value(sent, "access-control-request-method")
    if method:
        asked.append(f"method {method}")
    names = combined_value(sent, "access-control-request-headers")
    if names:
        asked.append(f"header{'s' if ',' in names else ''} {names}")
    if combined_value(sent, "access-control-request-private-network") == "true":
        asked.append("private network access")
    request = ", ".join(asked)
    headers = exchange.response.headers if exchange else ()
    if _refused_by_crossorigin(headers):
        return (
            "Its status is 403 with no CORS headers and a Vary on the preflight's own "
            "headers: that is how crossorigin's middleware refuses a preflight. The "
            f"preflight asked for {request}; at least one of these is not in the server's "
            "policy. Start the middleware with debug=True: it logs the exact reason (the "
            "origin, method or header it refused) on the 'crossorigin' logger."
        )
    return (
        "Its status is 403: the server's CORS layer (or an authentication layer in front "
        f"of it) refused the preflight, which asked for {request}; one of these is not "
        "allowed. If the server is crossorigin, debug=True logs the exact reason on the "
        "'crossorigin' logger."
    )


def _proxy_note(trace: Trace, need: Requirements) -> str:
    try:
        target = Origin.parse(trace.request.url).serialize()
    except OriginSyntaxError:
        target = trace.request.url
    return (
        "In development you can sidestep the server's configuration: run "
        f"`crossorigin proxy --target {target} --allow-origin {need.origin}"
        f"{' --credentials' if need.credentials else ''}` and point the page at the proxy."
    )


def _last(trace: Trace, kind: str) -> Exchange | None:
    for exchange in reversed(trace.exchanges):
        if exchange.kind == kind:
            return exchange
    return None


def _fixes(need: Requirements) -> tuple[dict[str, str], tuple[str, ...]]:
    """The fixes per stack for what the request needs, or a note saying why
    no policy can allow it."""
    try:
        policy = need.policy()
    except ConfigError as error:
        return {}, (f"No policy can allow the page's origin: {error}",)
    return fixes_for(policy, f"what a request from {need.origin} needs"), ()


# --- outside the table ----------------------------------------------------------------


def _allowed(trace: Trace, need: Requirements) -> Explanation:
    explanation = _allowed_why(trace, need)
    if trace.response_type != "cors":
        return explanation
    return replace(explanation, notes=explanation.notes + third_party_cookie_notes(trace))


def _allowed_why(trace: Trace, need: Requirements) -> Explanation:
    unreadable = [
        name
        for name in trace.request.read_headers
        if trace.readable_headers.get(name.lower()) is None
        and trace.response_type == "cors"
        and combined_value(trace.exchanges[-1].response.headers, name) is not None
    ]
    issues = []
    if "AuthorizationCoveredByWildcard" in trace.issues:
        issues.append(
            "Chromium lets Authorization through `Access-Control-Allow-Headers: *` today, "
            "but the Fetch standard does not and DevTools reports it as deprecated: list "
            "Authorization explicitly."
        )
    if unreadable:
        return Explanation(
            "The browser allows the request, but the page cannot read "
            + ", ".join(unreadable)
            + ": a cross-origin response shows only the safelisted headers and those "
            "named in Access-Control-Expose-Headers.",
            _fixes(need)[0],
            tuple(issues),
            "unreadable-headers",
        )
    if issues:
        return Explanation(
            "The browser allows the request.", _fixes(need)[0], tuple(issues), "deprecated"
        )
    if trace.response_type == "basic":
        return Explanation("Same-origin request: CORS does not apply.", {}, (), "allowed")
    if trace.response_type == "opaque":
        return Explanation(
            "The no-cors request succeeds, but its response is opaque: the page can read "
            "neither its body nor its headers. Use mode 'cors' and let the server allow it.",
            _fixes(need)[0],
            (),
            "opaque",
        )
    return Explanation("The browser allows the request.", {}, (), "allowed")


def _rejected(trace: Trace) -> Explanation:
    if trace.console and "same-origin" in trace.console:
        summary = (
            "The page asked for mode 'same-origin', but the URL is on another origin. "
            "Use mode 'cors' (the default) and let the server allow the page's origin."
        )
    elif trace.console:
        summary = "A no-cors request must use redirect: 'follow'."
    else:
        summary = f"fetch() throws before sending anything: {trace.error}"
    return Explanation(summary, {}, (), "request-rejected")


def explain_trace(trace: Trace) -> Explanation:
    """Explain a Trace from the browser model (see the module docstring)."""
    need = requirements(trace)
    if trace.allowed:
        return _allowed(trace, need)
    if trace.failed_at == "request":
        return _rejected(trace)
    if trace.network_error is not None:
        return _network_error(trace)
    fixes, fix_notes = _fixes(need)
    exchange = _last(trace, "preflight" if trace.failed_at == "preflight" else "actual")
    blocked = Blocked(trace, need, exchange)
    row = BLOCKED.get(trace.reason or "")
    if row is not None:
        cause = row(blocked)
    elif trace.failed_at == "redirect":
        cause = Cause("redirect", f"The redirect was refused: {trace.error}")
    else:
        cause = Cause("cors", trace.console or "The browser blocks the request.")
    notes = list(cause.notes)
    layered = blocked.double_layer
    if layered is not None:
        notes.insert(0, layered.message)
    if (
        need.credentials
        and cause.code != "credentials-mode-mismatch"
        and blocked.header("access-control-allow-origin") == "*"
    ):
        notes.append(CREDENTIALS_NOTE)
    notes.extend(third_party_cookie_notes(trace))
    notes.extend(fix_notes)
    notes.append(_proxy_note(trace, need))
    return Explanation(cause.summary, fixes, tuple(notes), cause.code)


def explain(
    outcome: Mapping[str, Any], scenario: Mapping[str, Any], *, spec: bool = False
) -> Explanation:
    """Explain a `simulate` outcome for its scenario (no network).

    The scenario is replayed through the model to recover the exchanges; if
    the replay disagrees with `outcome` (e.g. it was computed with a warm
    preflight cache), the outcome's verdict is what is explained."""
    request, transport = parse_scenario(scenario)
    trace = run_fetch(request, transport, cache=PreflightCache(), spec=spec)
    if outcome.get("allowed") != trace.allowed or outcome.get("reason") != trace.reason:
        trace = replace(
            trace,
            allowed=bool(outcome.get("allowed")),
            reason=outcome.get("reason"),
            failed_at=outcome.get("failed_at"),
            console=outcome.get("console"),
        )
    return explain_trace(trace)
