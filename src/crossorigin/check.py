"""`crossorigin check`: act like a browser against a live URL, explain, fix.

Theory of operation: the browser model (`crossorigin.browser.run_fetch`)
decides everything; this module only supplies it with live HTTP and turns its
`Trace` into words. `HttpxTransport` sends each request the model asks for
(the preflight when the browser would send one, then the request and each
redirect hop, never following redirects itself), so what is shown is exactly
what a browser would have exchanged, minus cookies.

The explanation half needs no network and is used by the playground too:

- `requirements(trace)` reads off what the server must allow for this request
  to pass: the origin, a non-safelisted method, the CORS-unsafe header names,
  credentials, and the response headers the page wants to read.
- `detect_stack(exchanges)` guesses the server from its headers (`server:`,
  `x-powered-by:` and framework fingerprints): FastAPI/Starlette, Flask,
  Django, Express, nginx.
- `explain(outcome, scenario)` (or `explain_trace(trace)`) gives an
  `Explanation`: a summary of the cause in plain words, notes (the
  development proxy; "credentials mode does not match" when that is the
  cause), and a concrete fix for each stack: the middleware arguments or
  configuration lines that make this request pass.

Exit status of the command: 0 allowed, 1 blocked, 2 error (bad arguments,
connection refused, timeout).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import click

from crossorigin import fetch_tables
from crossorigin.browser import (
    Exchange,
    FetchRequest,
    HTTPResponse,
    PreflightCache,
    ScenarioError,
    Trace,
    run_fetch,
)
from crossorigin.browser.access import combined_value
from crossorigin.browser.model import parse_scenario
from crossorigin.origin import Origin, OriginSyntaxError

__all__ = [
    "STACKS",
    "STACK_NAMES",
    "CheckError",
    "Explanation",
    "HttpxTransport",
    "Requirements",
    "command",
    "detect_stack",
    "explain",
    "explain_trace",
    "fixes_for",
    "requirements",
    "run_check",
]

#: Stacks a fix is written for, in the order they are offered when the
#: server's stack is unknown; "http" is the raw headers, for any server.
STACKS: Final = ("fastapi", "flask", "django", "express", "nginx", "http")
STACK_NAMES: Final = {
    "fastapi": "FastAPI / Starlette",
    "flask": "Flask",
    "django": "Django",
    "express": "Express",
    "nginx": "nginx",
    "http": "any server (raw HTTP headers)",
}
MAX_SHOWN_HEADERS: Final = 40
_USER_AGENT: Final = "crossorigin-check"


class CheckError(Exception):
    """The check could not run (bad argument, network failure); exit 2."""


# --- What the server must allow ---------------------------------------------------------


@dataclass(frozen=True)
class Requirements:
    """What the server's CORS configuration must allow for this request."""

    origin: str
    methods: tuple[str, ...]  # non-safelisted methods only
    request_headers: tuple[str, ...]  # lower-cased CORS-unsafe names
    credentials: bool
    expose_headers: tuple[str, ...]  # as the page names them
    preflight: bool


def requirements(trace: Trace) -> Requirements:
    request = trace.request
    method = fetch_tables.normalize_method(request.method)
    methods = () if fetch_tables.is_cors_safelisted_method(method) else (method,)
    expose = tuple(
        name
        for name in request.read_headers
        if name.lower() not in fetch_tables.CORS_SAFELISTED_RESPONSE_HEADER_NAMES
        and not fetch_tables.is_forbidden_response_header_name(name)
    )
    try:
        origin = Origin.parse(request.page_origin).serialize()
    except OriginSyntaxError:
        origin = request.page_origin
    return Requirements(
        origin=origin,
        methods=methods,
        request_headers=tuple(trace.unsafe_header_names),
        credentials=request.credentials == "include",
        expose_headers=expose,
        preflight=bool(methods or trace.unsafe_header_names),
    )


# --- Which server is it ---------------------------------------------------------------------


def detect_stack(exchanges: Iterable[Exchange]) -> tuple[list[str], str]:
    """Stacks recognised from the responses' headers, most specific first
    (the application before a proxy in front of it), and the evidence."""
    found: list[str] = []
    evidence: list[str] = []

    def note(stack: str, why: str) -> None:
        if stack not in found:
            found.append(stack)
            evidence.append(why)

    for exchange in exchanges:
        headers = exchange.response.headers
        server = (combined_value(headers, "server") or "").lower()
        powered = (combined_value(headers, "x-powered-by") or "").lower()
        django_like = combined_value(headers, "x-frame-options") is not None and (
            combined_value(headers, "cross-origin-opener-policy") is not None
            or combined_value(headers, "referrer-policy") is not None
        )
        if any(name in server for name in ("uvicorn", "hypercorn", "daphne", "granian")):
            note("fastapi", f"server: {combined_value(headers, 'server')}")
        if "werkzeug" in server:
            note("flask", f"server: {combined_value(headers, 'server')}")
        if django_like and ("wsgiserver" in server or "gunicorn" in server or not server):
            note("django", "Django's security headers (X-Frame-Options, Referrer-Policy)")
        if "express" in powered:
            note("express", f"x-powered-by: {combined_value(headers, 'x-powered-by')}")
        if "nginx" in server:
            note("nginx", f"server: {combined_value(headers, 'server')}")
    app_first = sorted(found, key=lambda stack: stack == "nginx")
    order = {stack: found.index(stack) for stack in found}
    return app_first, "; ".join(evidence[order[stack]] for stack in app_first)


# --- Fixes per stack -----------------------------------------------------------------------------


def _py_list(items: Sequence[str]) -> str:
    return json.dumps(list(items))


def _fastapi(need: Requirements) -> str:
    lines = [
        "# pip install crossorigin; same arguments as starlette.middleware.cors.CORSMiddleware",
        "from crossorigin.asgi import CORSMiddleware",
        "",
        "app.add_middleware(",
        "    CORSMiddleware,",
        f"    allow_origins={_py_list([need.origin])},",
    ]
    if need.methods:
        lines.append(f"    allow_methods={_py_list(['GET', *need.methods])},")
    if need.request_headers:
        lines.append(f"    allow_headers={_py_list(need.request_headers)},")
    if need.credentials:
        lines.append("    allow_credentials=True,")
    if need.expose_headers:
        lines.append(f"    expose_headers={_py_list(need.expose_headers)},")
    lines.append(")")
    return "\n".join(lines)


def _flask(need: Requirements) -> str:
    arguments = [f"allow_origins={_py_list([need.origin])}"]
    flask_cors = [f"origins={_py_list([need.origin])}"]
    if need.methods:
        arguments.append(f"allow_methods={_py_list(['GET', *need.methods])}")
        flask_cors.append(f"methods={_py_list(['GET', *need.methods])}")
    if need.request_headers:
        arguments.append(f"allow_headers={_py_list(need.request_headers)}")
        flask_cors.append(f"allow_headers={_py_list(need.request_headers)}")
    if need.credentials:
        arguments.append("allow_credentials=True")
        flask_cors.append("supports_credentials=True")
    if need.expose_headers:
        arguments.append(f"expose_headers={_py_list(need.expose_headers)}")
        flask_cors.append(f"expose_headers={_py_list(need.expose_headers)}")
    body = "".join(f"    {argument},\n" for argument in arguments)
    return (
        "from crossorigin.wsgi import CORSMiddleware\n\n"
        f"app.wsgi_app = CORSMiddleware(\n    app.wsgi_app,\n{body})\n"
        f"# or, with flask-cors: CORS(app, {', '.join(flask_cors)})"
    )


def _django(need: Requirements) -> str:
    settings = [f'    "origins": {_py_list([need.origin])},']
    cors_headers = [f"CORS_ALLOWED_ORIGINS = {_py_list([need.origin])}"]
    if need.methods:
        settings.append(f'    "methods": {_py_list(["GET", "HEAD", "POST", *need.methods])},')
        cors_headers.append(
            "CORS_ALLOW_METHODS = (*default_methods, "
            + ", ".join(json.dumps(m) for m in need.methods)
            + ")"
        )
    if need.request_headers:
        settings.append(f'    "request_headers": {_py_list(need.request_headers)},')
        cors_headers.append(
            "CORS_ALLOW_HEADERS = (*default_headers, "
            + ", ".join(json.dumps(h) for h in need.request_headers)
            + ")"
        )
    if need.credentials:
        settings.append('    "credentials": True,')
        cors_headers.append("CORS_ALLOW_CREDENTIALS = True")
    if need.expose_headers:
        settings.append(f'    "expose_headers": {_py_list(need.expose_headers)},')
        cors_headers.append(f"CORS_EXPOSE_HEADERS = {_py_list(need.expose_headers)}")
    return "\n".join(
        [
            "# settings.py: first in MIDDLEWARE, before CommonMiddleware",
            'MIDDLEWARE = ["crossorigin.django.CORSMiddleware", *MIDDLEWARE]',
            "CROSSORIGIN = {",
            *settings,
            "}",
            "# or, with django-cors-headers (from corsheaders.defaults import default_headers,",
            "# default_methods; 'corsheaders.middleware.CorsMiddleware' first in MIDDLEWARE):",
            *(f"# {line}" for line in cors_headers),
        ]
    )


def _express(need: Requirements) -> str:
    options = [f"  origin: {json.dumps(need.origin)},"]
    if need.methods:
        options.append(f"  methods: {_py_list(['GET', 'HEAD', 'POST', *need.methods])},")
    if need.request_headers:
        options.append(f"  allowedHeaders: {_py_list(need.request_headers)},")
    if need.credentials:
        options.append("  credentials: true,")
    if need.expose_headers:
        options.append(f"  exposedHeaders: {_py_list(need.expose_headers)},")
    return "\n".join(
        [
            "// npm install cors; register it before your routes",
            'const cors = require("cors");',
            "app.use(cors({",
            *options,
            "}));",
        ]
    )


def _nginx(need: Requirements) -> str:
    origin = need.origin
    shared = [f'add_header Access-Control-Allow-Origin "{origin}" always;']
    if need.credentials:
        shared.append('add_header Access-Control-Allow-Credentials "true" always;')
    shared.append('add_header Vary "Origin" always;')
    preflight = list(shared)
    methods = ", ".join(["GET", "HEAD", "POST", *need.methods])
    preflight.append(f'add_header Access-Control-Allow-Methods "{methods}" always;')
    if need.request_headers:
        names = ", ".join(need.request_headers)
        preflight.append(f'add_header Access-Control-Allow-Headers "{names}" always;')
    preflight.append("add_header Access-Control-Max-Age 600 always;")
    actual = list(shared)
    if need.expose_headers:
        names = ", ".join(need.expose_headers)
        actual.append(f'add_header Access-Control-Expose-Headers "{names}" always;')
    lines = [
        "# in the location that serves the API (or: crossorigin export --format nginx)",
        "location /api/ {",
        "    if ($request_method = OPTIONS) {",
        *(f"        {line}" for line in preflight),
        "        return 204;",
        "    }",
        *(f"    {line}" for line in actual),
        "    # proxy_pass ... as before",
        "}",
    ]
    if need.credentials:
        lines.insert(1, "# with one exact origin; for several, map $http_origin to the allowed one")
    return "\n".join(lines)


def _raw_http(need: Requirements) -> str:
    lines = []
    if need.preflight:
        lines.append(
            "Answer the preflight (OPTIONS with Access-Control-Request-Method) with 204 and:"
        )
        lines.append(f"  Access-Control-Allow-Origin: {need.origin}")
        if need.methods:
            lines.append(f"  Access-Control-Allow-Methods: {', '.join(need.methods)}")
        if need.request_headers:
            lines.append(f"  Access-Control-Allow-Headers: {', '.join(need.request_headers)}")
        if need.credentials:
            lines.append("  Access-Control-Allow-Credentials: true")
        lines.append("  Vary: Origin")
    lines.append("Add to the response itself (errors and redirects included):")
    lines.append(f"  Access-Control-Allow-Origin: {need.origin}")
    if need.credentials:
        lines.append("  Access-Control-Allow-Credentials: true")
    if need.expose_headers:
        lines.append(f"  Access-Control-Expose-Headers: {', '.join(need.expose_headers)}")
    lines.append("  Vary: Origin")
    return "\n".join(lines)


_FIXERS: Final = {
    "fastapi": _fastapi,
    "flask": _flask,
    "django": _django,
    "express": _express,
    "nginx": _nginx,
    "http": _raw_http,
}


def fixes_for(need: Requirements) -> dict[str, str]:
    """The configuration, per stack, that lets this request through."""
    return {stack: _FIXERS[stack](need) for stack in STACKS}


# --- Explanations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Explanation:
    """Why the browser decided as it did, and how to change it.

    `cause` is a short stable code (`allowed`, `missing-allow-origin`,
    `origin-mismatch`, `credentials-mode-mismatch`, `preflight-status`,
    `redirect`, `method-not-allowed`, `header-not-allowed`, `unreadable-headers`,
    ...); `fix_by_stack` maps each of STACKS to a fix (empty when nothing needs
    fixing on the server)."""

    summary: str
    fix_by_stack: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    cause: str = "allowed"


def _last(trace: Trace, kind: str) -> Exchange | None:
    for exchange in reversed(trace.exchanges):
        if exchange.kind == kind:
            return exchange
    return None


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


_CREDENTIALS_NOTE: Final = (
    "Credentials mode does not match: the page sends credentials "
    "(fetch(..., {credentials: 'include'})), so the server must answer with its exact origin "
    "(not *) and Access-Control-Allow-Credentials: true. If the request needs no cookies, "
    "drop credentials: 'include' instead."
)


def explain_trace(trace: Trace) -> Explanation:
    """Explain a Trace from the model (see the module docstring)."""
    need = requirements(trace)
    fixes = fixes_for(need)
    reason = trace.reason or ""
    base_reason = reason.removeprefix("Preflight") if reason != "PreflightInvalidStatus" else reason
    exchange = _last(trace, "preflight" if trace.failed_at == "preflight" else "actual")
    headers = exchange.response.headers if exchange else ()
    status = exchange.response.status if exchange else 0
    which = "preflight (OPTIONS) response" if trace.failed_at == "preflight" else "response"
    allow_origin = combined_value(headers, "access-control-allow-origin")
    notes: list[str] = []

    if trace.allowed:
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
                fixes,
                tuple(issues),
                "unreadable-headers",
            )
        if issues:
            return Explanation(
                "The browser allows the request.", fixes, tuple(issues), "deprecated"
            )
        if trace.response_type == "basic":
            return Explanation("Same-origin request: CORS does not apply.", {}, (), "allowed")
        if trace.response_type == "opaque":
            return Explanation(
                "The no-cors request succeeds, but its response is opaque: the page can read "
                "neither its body nor its headers. Use mode 'cors' and let the server allow it.",
                fixes,
                (),
                "opaque",
            )
        return Explanation("The browser allows the request.", {}, (), "allowed")

    if trace.failed_at == "request":
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

    cause = "cors"
    if base_reason == "MissingAllowOriginHeader":
        cause = "missing-allow-origin"
        summary = (
            f"The {which} has no Access-Control-Allow-Origin header, so the browser hides it "
            "from the page."
        )
        if which == "preflight" and status == 403:
            summary += (
                " Its status is 403: the server's CORS layer refused the preflight, so the "
                "origin, the method or one of the requested headers is not in its policy "
                "(crossorigin's middleware logs which one with debug=True). If nothing on "
                "the server is meant to refuse it, an authentication layer in front of the "
                "CORS middleware may be answering instead."
            )
        elif status >= 400:
            summary += (
                f" Its status is {status}: error responses often bypass the CORS layer (an "
                "exception, another route, an authentication layer in front of it). Put the "
                "CORS middleware outermost so it also answers errors and preflights."
            )
    elif base_reason == "AllowOriginMismatch":
        cause = "origin-mismatch"
        if trace.tainted:
            cause = "redirect-tainted-origin"
            summary = (
                "The request was redirected to another origin, after which the browser sends "
                "`Origin: null`, and the server's Access-Control-Allow-Origin "
                f"'{allow_origin}' does not match null. Call the final URL "
                f"({trace.final_url}) directly instead of relying on the redirect; do not "
                "allow the origin null."
            )
        else:
            summary = (
                f"The server allows the origin '{allow_origin}', but the page's origin is "
                f"'{need.origin}'.{_origin_difference(allow_origin or '', need.origin)}"
            )
    elif base_reason == "MultipleAllowOriginValues":
        cause = "multiple-allow-origin"
        summary = (
            f"Access-Control-Allow-Origin holds several values ('{allow_origin}'); only one is "
            "allowed. Usually two layers both add it (the application and a proxy such as "
            "nginx): keep one, and have it send the single origin that matches."
        )
    elif base_reason == "InvalidAllowOriginValue":
        cause = "invalid-allow-origin"
        summary = (
            f"Access-Control-Allow-Origin '{allow_origin}' is not an origin; send the page's "
            f"exact origin, '{need.origin}' (scheme://host[:port], no path, no slash)."
        )
    elif base_reason in ("WildcardOriginNotAllowed", "InvalidAllowCredentials"):
        cause = "credentials-mode-mismatch"
        sent = combined_value(headers, "access-control-allow-credentials")
        if base_reason == "WildcardOriginNotAllowed":
            summary = f"The {which} allows any origin (*), which browsers refuse with credentials."
        else:
            summary = f"The {which} does not say Access-Control-Allow-Credentials: true" + (
                f" (it says '{sent}')." if sent is not None else " (the header is missing)."
            )
        notes.append(_CREDENTIALS_NOTE)
    elif reason == "PreflightInvalidStatus":
        cause = "preflight-status"
        summary = (
            f"The preflight (OPTIONS) got status {status}; it needs a 2xx. The OPTIONS request "
            "probably reached the application (a route without OPTIONS, or authentication "
            "refusing it) instead of the CORS layer, which must answer preflights itself."
        )
    elif reason == "PreflightDisallowedRedirect":
        cause = "redirect"
        location = combined_value(headers, "location")
        summary = (
            f"The preflight was redirected (to {location}); browsers never follow a redirect "
            "for a preflight. Request the final URL directly (look for a missing or extra "
            "trailing slash, or an http-to-https redirect)."
        )
    elif reason in ("InvalidAllowMethodsPreflightResponse", "InvalidAllowHeadersPreflightResponse"):
        name = "Methods" if "Methods" in reason else "Headers"
        value = combined_value(headers, f"access-control-allow-{name.lower()}")
        cause = "unparsable-allow-list"
        summary = (
            f"Access-Control-Allow-{name} '{value}' does not parse: it must be a comma-separated "
            "list of tokens, e.g. 'GET, PUT' or 'content-type, x-token'."
        )
    elif reason == "MethodDisallowedByPreflightResponse":
        cause = "method-not-allowed"
        allowed_methods = combined_value(headers, "access-control-allow-methods")
        summary = (
            f"The preflight does not allow the method {trace.failed_parameter} "
            f"(Access-Control-Allow-Methods: {allowed_methods!r})."
        )
        if trace.failed_parameter != trace.failed_parameter.upper():
            summary += (
                " Methods are case-sensitive and fetch() sends this one as written: use "
                f"'{trace.failed_parameter.upper()}' in the page."
            )
        elif need.credentials and allowed_methods and "*" in allowed_methods:
            notes.append("With credentials, * in Access-Control-Allow-Methods is a literal name.")
    elif reason == "HeaderDisallowedByPreflightResponse":
        cause = "header-not-allowed"
        allowed_headers = combined_value(headers, "access-control-allow-headers")
        summary = (
            f"The page sends the header {trace.failed_parameter}, which the preflight does not "
            f"allow (Access-Control-Allow-Headers: {allowed_headers!r})."
        )
        if allowed_headers and "*" in allowed_headers:
            if trace.failed_parameter == "authorization" and not need.credentials:
                notes.append("* never covers Authorization in the Fetch standard: list it.")
            elif need.credentials:
                notes.append(
                    "With credentials, * in Access-Control-Allow-Headers is a literal name."
                )
    elif reason == "RedirectContainsCredentials":
        cause = "redirect"
        summary = (
            "The server redirects to a URL containing a user name and password, which "
            "browsers refuse for cross-origin requests; redirect to a URL without them."
        )
    elif trace.failed_at == "redirect":
        cause = "redirect"
        summary = f"The redirect was refused: {trace.error}"
    else:
        summary = trace.console or "The browser blocks the request."
    if need.credentials and cause not in ("credentials-mode-mismatch",) and (allow_origin == "*"):
        notes.append(_CREDENTIALS_NOTE)
    notes.append(_proxy_note(trace, need))
    return Explanation(summary, fixes, tuple(notes), cause)


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
        trace = _with_outcome(trace, outcome)
    return explain_trace(trace)


def _with_outcome(trace: Trace, outcome: Mapping[str, Any]) -> Trace:
    from dataclasses import replace

    return replace(
        trace,
        allowed=bool(outcome.get("allowed")),
        reason=outcome.get("reason"),
        failed_at=outcome.get("failed_at"),
        console=outcome.get("console"),
    )


# --- Live HTTP ---------------------------------------------------------------------------------


class HttpxTransport:
    """Sends the model's requests with httpx, without following redirects."""

    def __init__(self, *, timeout: float = 10.0, body: bytes | None = None) -> None:
        import httpx

        self._httpx = httpx
        self._client = httpx.Client(
            follow_redirects=False,
            timeout=timeout,
            headers={"User-Agent": _USER_AGENT},
            trust_env=False,
        )
        self._body = body

    def close(self) -> None:
        self._client.close()

    def __call__(
        self, kind: str, method: str, url: str, headers: Sequence[tuple[str, str]]
    ) -> HTTPResponse:
        body = self._body if kind == "actual" and method not in ("GET", "HEAD") else None
        try:
            response = self._client.request(method, url, headers=list(headers), content=body)
        except self._httpx.TimeoutException as error:
            raise CheckError(f"{method} {url}: timed out ({error.__class__.__name__})") from None
        except self._httpx.HTTPError as error:
            raise CheckError(f"{method} {url}: {_network_message(error)}") from None
        pairs = tuple(
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in response.headers.raw
        )
        return HTTPResponse(response.status_code, pairs)


def _network_message(error: Exception) -> str:
    text = str(error) or error.__class__.__name__
    if "refused" in text.lower() or "111" in text:
        return f"connection refused ({text}); is the server running?"
    return text


def _parse_header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise CheckError(f"-H {text!r}: write headers as 'Name: value'")
    return name.strip(), value.strip()


def run_check(
    url: str,
    *,
    origin: str,
    method: str = "GET",
    headers: Sequence[tuple[str, str]] = (),
    credentials: bool = False,
    read_headers: Sequence[str] = (),
    spec: bool = False,
    timeout: float = 10.0,
    body: bytes | None = None,
) -> Trace:
    """One live check: the model's fetch with real HTTP. Raises CheckError."""
    try:
        page = Origin.parse_strict(origin)
    except OriginSyntaxError as error:
        hint = f" ({error.hint})" if error.hint else ""
        raise CheckError(f"--origin {origin!r}: {error}{hint}") from None
    request = FetchRequest(
        page_origin=page.serialize(),
        url=url,
        method=method,
        headers=tuple(headers),
        credentials="include" if credentials else "same-origin",
        read_headers=tuple(read_headers),
    )
    transport = HttpxTransport(timeout=timeout, body=body)
    try:
        return run_fetch(request, transport, spec=spec)
    except ScenarioError as error:
        raise CheckError(str(error)) from None
    finally:
        transport.close()


def report(trace: Trace, *, stack: str | None = None) -> dict[str, Any]:
    """The JSON report of `crossorigin check --format json`."""
    detected, evidence = detect_stack(trace.exchanges)
    explanation = explain_trace(trace)
    chosen = stack or (detected[0] if detected else None)
    return {
        "url": trace.request.url,
        "origin": trace.request.page_origin,
        "request": {
            "method": trace.request.method,
            "headers": [list(pair) for pair in trace.request.headers],
            "credentials": trace.request.credentials,
        },
        "exchanges": [
            {
                "kind": exchange.kind,
                "method": exchange.method,
                "url": exchange.url,
                "request_headers": [list(pair) for pair in exchange.request_headers],
                "status": exchange.response.status,
                "response_headers": [list(pair) for pair in exchange.response.headers],
            }
            for exchange in trace.exchanges
        ],
        "outcome": trace.outcome(),
        "stack": {"detected": detected, "evidence": evidence, "fix_shown_for": chosen},
        "explanation": {
            "cause": explanation.cause,
            "summary": explanation.summary,
            "notes": list(explanation.notes),
            "fix_by_stack": explanation.fix_by_stack,
        },
    }


# --- Text output ---------------------------------------------------------------------------------


def _print_text(trace: Trace, data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.syntax import Syntax

    console = Console(file=sys.stdout, highlight=False, soft_wrap=True)
    outcome = data["outcome"]
    credentials = " with credentials" if trace.request.credentials == "include" else ""
    console.print(
        f"[bold]crossorigin check[/]  {escape(trace.request.method)} {escape(trace.request.url)}"
        f"  from [cyan]{escape(trace.request.page_origin)}[/]{credentials}"
    )
    if not trace.exchanges:
        console.print("  (nothing was sent)")
    for number, exchange in enumerate(trace.exchanges, 1):
        title = "Preflight" if exchange.kind == "preflight" else "Request"
        console.print(
            f"\n[bold]{number}. {title}[/]  {escape(exchange.method)} {escape(exchange.url)}"
        )
        for name, value in exchange.request_headers:
            console.print(f"   [dim]>[/] {escape(name)}: {escape(value)}")
        style = "green" if 200 <= exchange.response.status < 400 else "red"
        console.print(f"   [dim]<[/] [{style}]{exchange.response.status}[/]")
        shown = exchange.response.headers[:MAX_SHOWN_HEADERS]
        for name, value in shown:
            accent = "yellow" if name.lower().startswith("access-control-") else "default"
            console.print(f"   [dim]<[/] [{accent}]{escape(name)}[/]: {escape(value)}")
        hidden = len(exchange.response.headers) - len(shown)
        if hidden > 0:
            console.print(f"   [dim]< ... {hidden} more headers[/]")
    if outcome["allowed"]:
        console.print("\n[bold green]ALLOWED[/]")
    else:
        where = f" at the {outcome['failed_at']}" if outcome["failed_at"] else ""
        reason = f" ({outcome['reason']})" if outcome["reason"] else ""
        console.print(f"\n[bold red]BLOCKED[/]{escape(where)}{escape(reason)}")
        if outcome["console"]:
            console.print(f"[dim]Console:[/] {escape(outcome['console'])}")
        elif outcome.get("error"):
            console.print(f"[dim]Error:[/] {escape(outcome['error'])}")
    for name, value in outcome["readable_headers"].items():
        console.print(f"[dim]page reads[/] {escape(name)}: {escape(repr(value))}")
    explanation = data["explanation"]
    console.print(f"\n[bold]Why:[/] {escape(explanation['summary'])}")
    for note in explanation["notes"]:
        console.print(f"[bold]Note:[/] {escape(note)}")
    fixes: dict[str, str] = explanation["fix_by_stack"]
    if fixes:
        chosen = data["stack"]["fix_shown_for"]
        if chosen:
            detected = data["stack"]["evidence"]
            because = f" (detected from {detected})" if detected else ""
            console.print(f"\n[bold]Fix for {STACK_NAMES[chosen]}[/]{escape(because)}:")
            language = {"express": "javascript", "nginx": "nginx", "http": "text"}.get(
                chosen, "python"
            )
            if console.is_terminal:
                console.print(Syntax(fixes[chosen], language, theme="ansi_dark", word_wrap=True))
            else:
                console.print(escape(fixes[chosen]))
        else:
            console.print("\n[bold]Fix[/] (server stack not recognised; the headers to send):")
            console.print(escape(fixes["http"]))
        others = [stack for stack in STACKS if stack != (chosen or "http")]
        console.print(
            f"[dim]Fixes for {', '.join(others)}: --stack NAME, or all of them with "
            "--format json.[/]"
        )


@click.command("check")
@click.argument("url")
@click.option("--origin", required=True, help="The page's origin, e.g. http://localhost:3000.")
@click.option("--method", "-X", default="GET", show_default=True, help="The request method.")
@click.option("-H", "--header", "headers", multiple=True, help="A request header 'Name: value'.")
@click.option("--credentials", is_flag=True, help="As fetch(..., {credentials: 'include'}).")
@click.option("--read", "read_headers", multiple=True, help="A response header the page reads.")
@click.option("-d", "--data", default=None, help="A request body to send with the request.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--stack", type=click.Choice(STACKS), default=None, help="Show the fix for this stack."
)
@click.option("--spec", is_flag=True, help="Follow the Fetch standard where Chromium departs.")
@click.option("--timeout", type=click.FloatRange(0.1, 300), default=10.0, show_default=True)
def command(
    url: str,
    origin: str,
    method: str,
    headers: tuple[str, ...],
    credentials: bool,
    read_headers: tuple[str, ...],
    data: str | None,
    output_format: str,
    stack: str | None,
    spec: bool,
    timeout: float,
) -> int:
    """Send what a browser on ORIGIN would send to URL, and explain its verdict."""
    try:
        trace = run_check(
            url,
            origin=origin,
            method=method,
            headers=[_parse_header(text) for text in headers],
            credentials=credentials,
            read_headers=read_headers,
            spec=spec,
            timeout=timeout,
            body=data.encode("utf-8") if data is not None else None,
        )
    except CheckError as error:
        click.echo(f"crossorigin check: {error}", err=True)
        return 2
    data_out = report(trace, stack=stack)
    if output_format == "json":
        click.echo(json.dumps(data_out, indent=2))
    else:
        _print_text(trace, data_out)
    return 0 if trace.allowed else 1
