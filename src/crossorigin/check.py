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

What comes back from the network is hostile until shown otherwise. A
response head must be complete within `--timeout` seconds (not only each
read). Bodies are never needed for the verdict: each is read raw (never
decompressed, so a gzip bomb stays a few kilobytes) and at most
`MAX_BODY_BYTES` of it, within `--timeout` more seconds, then the connection
is dropped; the output says when a body was cut short. Every value shown in
the terminal (header names and values, URLs from `Location`, the explanation
that quotes them) passes through `crossorigin.terminal.safe` before rich's
markup escaping, so a crafted header cannot move the cursor, erase a line or
retitle the window.
The JSON output escapes control characters itself.

Exit status of the command: 0 allowed, 1 blocked, 2 error (bad arguments, a
URL without a scheme, connection refused, timeout).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

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
from crossorigin.terminal import safe

__all__ = [
    "MAX_BODY_BYTES",
    "STACKS",
    "STACK_NAMES",
    "BodyRead",
    "CheckError",
    "Explanation",
    "HttpxTransport",
    "Requirements",
    "check_url",
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
#: Body bytes read at most per response; the verdict needs the headers only.
MAX_BODY_BYTES: Final = 64 * 1024
#: A URL longer than this is refused before anything is sent (servers commonly
#: refuse request lines above 8 KiB anyway).
MAX_URL_LENGTH: Final = 8192
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
        "# install crossorigin (README: Installing into your project)",
        "# same arguments as Starlette's CORSMiddleware",
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


def _cors_headers(headers: Sequence[tuple[str, str]]) -> list[str]:
    return [name for name, _ in headers if name.lower().startswith("access-control-")]


def _refused_by_crossorigin(headers: Sequence[tuple[str, str]]) -> bool:
    """crossorigin's engine refuses a preflight with 403, no CORS header, and a
    Vary naming the preflight's request headers (engine.py, `_refuse_preflight`);
    an authentication layer's or a framework's 403 rarely varies on them."""
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
        if trace.failed_at == "preflight" and status == 403 and not _cors_headers(headers):
            summary += " " + _refused_preflight(exchange)
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


@dataclass(frozen=True)
class BodyRead:
    """How much of one response body was read: raw bytes on the wire (before
    any content coding is undone), and why reading stopped early, if it did."""

    bytes_read: int
    #: "size" (MAX_BODY_BYTES), "time" (--timeout) or "error" (the body broke off)
    stopped: str | None = None


class _Deadline:
    """Hangs up a connection that is still busy when its time is up.

    httpx's timeouts bound each read, not an exchange: a server sending one
    byte just within every read timeout keeps a request alive for hours. The
    socket is learnt from httpcore's `trace` extension when it connects (each
    request gets its own connection, see `HttpxTransport`); at the deadline a
    timer thread shuts it down, which ends the blocked read at once."""

    def __init__(self) -> None:
        self._sockets: list[socket.socket] = []
        self._timer: threading.Timer | None = None
        self.expired = False

    def trace(self, name: str, info: Mapping[str, Any]) -> None:
        if name.endswith("connect_tcp.complete"):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                self._sockets.append(sock)

    def start(self, seconds: float) -> None:
        self.cancel()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self) -> None:
        self.expired = True
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class HttpxTransport:
    """Sends the model's requests with httpx, without following redirects.

    Responses are streamed: the headers are what the model needs, and they
    must arrive within `timeout` seconds of the request; of the body, at most
    `max_body` raw bytes are read within `timeout` more seconds, then the
    connection is dropped. `bodies` lists one `BodyRead` per request sent, in
    order (the order of `Trace.exchanges`). No connection is reused: each
    exchange's deadline owns its socket."""

    def __init__(
        self, *, timeout: float = 10.0, body: bytes | None = None, max_body: int = MAX_BODY_BYTES
    ) -> None:
        import httpx

        self._httpx = httpx
        self._client = httpx.Client(
            follow_redirects=False,
            timeout=timeout,
            headers={"User-Agent": _USER_AGENT},
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
        )
        self._body = body
        self._timeout = timeout
        self._max_body = max_body
        self.bodies: list[BodyRead] = []

    def close(self) -> None:
        self._client.close()

    def __call__(
        self, kind: str, method: str, url: str, headers: Sequence[tuple[str, str]]
    ) -> HTTPResponse:
        body = self._body if kind == "actual" and method not in ("GET", "HEAD") else None
        deadline = _Deadline()
        deadline.start(self._timeout)
        try:
            with self._client.stream(
                method,
                url,
                headers=list(headers),
                content=body,
                extensions={"trace": deadline.trace},
            ) as response:
                pairs = tuple(
                    (name.decode("latin-1"), value.decode("latin-1"))
                    for name, value in response.headers.raw
                )
                deadline.start(self._timeout)
                self.bodies.append(self._read_body(response, deadline))
        except self._httpx.TimeoutException as error:
            raise CheckError(f"{method} {url}: timed out ({error.__class__.__name__})") from None
        except self._httpx.HTTPError as error:
            if deadline.expired:
                raise CheckError(
                    f"{method} {url}: timed out (no complete response head within "
                    f"{self._timeout:g} s)"
                ) from None
            raise CheckError(f"{method} {url}: {_network_message(error)}") from None
        finally:
            deadline.cancel()
        return HTTPResponse(response.status_code, pairs)

    def _read_body(self, response: Any, deadline: _Deadline) -> BodyRead:
        # iter_raw: the bytes as sent, never gunzipped (a 1 MiB gzip bomb would
        # otherwise expand to gigabytes); leaving the `with` early closes the
        # connection instead of draining an endless body.
        received = 0
        try:
            for chunk in response.iter_raw():
                received += len(chunk)
                if received >= self._max_body:
                    return BodyRead(min(received, self._max_body), "size")
                if deadline.expired:
                    return BodyRead(received, "time")
        except self._httpx.HTTPError:
            # The body is not part of the verdict: a timeout or a broken body
            # after complete headers only ends the reading.
            return BodyRead(received, "time" if deadline.expired else "error")
        return BodyRead(received, "time" if deadline.expired else None)


def _network_message(error: Exception) -> str:
    text = str(error) or error.__class__.__name__
    if "refused" in text.lower() or "111" in text:
        return f"connection refused ({text}); is the server running?"
    return text


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def _suggest_scheme(url: str) -> str:
    host = urlsplit("//" + url).hostname or ""
    try:
        local = ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_private
    except ValueError:
        local = host == "localhost" or host.endswith(".localhost")
    return ("http://" if local else "https://") + url


def check_url(url: str) -> None:
    """Refuse a URL the check cannot mean: too long, without a scheme (a
    browser would resolve `127.0.0.1:8000/items` against the page, a request
    to the page's own origin that is never what the user meant), with a
    scheme other than http(s), or unparsable. Raises CheckError."""
    if len(url) > MAX_URL_LENGTH:
        raise CheckError(
            f"the URL is {len(url):,} characters long; at most {MAX_URL_LENGTH:,} are accepted"
        )
    head = url.partition("/")[0]
    scheme, colon, _ = head.partition(":")
    has_scheme = bool(colon) and "://" in url and scheme.isascii() and scheme.isalpha()
    if not has_scheme:
        raise CheckError(f"'{url}' has no scheme; did you mean {_suggest_scheme(url)}?")
    if scheme.lower() not in ("http", "https"):
        raise CheckError(f"'{url}': only http and https URLs can be checked")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as error:
        raise CheckError(f"'{url}' is not a valid URL: {error}") from None
    if not parts.hostname:
        raise CheckError(f"'{url}' is not a valid URL: it has no host")


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
    transport: HttpxTransport | None = None,
) -> Trace:
    """One live check: the model's fetch with real HTTP. Raises CheckError.
    A `transport` passed in (to read its `bodies` afterwards) stays open."""
    check_url(url)
    try:
        page = Origin.parse_strict(origin)
    except OriginSyntaxError as error:
        hint = f" ({error.hint})" if error.hint else ""
        raise CheckError(f"--origin '{_clip(origin)}': {_clip(str(error))}{hint}") from None
    request = FetchRequest(
        page_origin=page.serialize(),
        url=url,
        method=method,
        headers=tuple(headers),
        credentials="include" if credentials else "same-origin",
        read_headers=tuple(read_headers),
    )
    own = transport is None
    live = HttpxTransport(timeout=timeout, body=body) if transport is None else transport
    try:
        return run_fetch(request, live, spec=spec)
    except ScenarioError as error:
        raise CheckError(_clip(str(error), 400)) from None
    finally:
        if own:
            live.close()


def report(
    trace: Trace, *, stack: str | None = None, bodies: Sequence[BodyRead] = ()
) -> dict[str, Any]:
    """The JSON report of `crossorigin check --format json`; `bodies` (from
    `HttpxTransport.bodies`) adds what was read of each response body."""
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
                **_body_fields(bodies, number),
            }
            for number, exchange in enumerate(trace.exchanges)
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


def _body_fields(bodies: Sequence[BodyRead], number: int) -> dict[str, Any]:
    if number >= len(bodies):
        return {}
    read = bodies[number]
    return {"body_bytes_read": read.bytes_read, "body_truncated": read.stopped}


# --- Text output ---------------------------------------------------------------------------------


def _shown(value: str) -> str:
    """A value from the network (or the command line) as rich markup: control
    characters made visible first, then the markup's own brackets escaped."""
    from rich.markup import escape

    return escape(safe(value))


def _shown_lines(text: str) -> str:
    """Multi-line text we composed (a fix, an explanation) whose lines may
    quote network values: each line made safe, the line breaks kept."""
    return "\n".join(safe(line) for line in text.split("\n"))


def _body_line(read: BodyRead) -> str | None:
    if read.stopped == "size":
        return (
            f"   [dim]< body: stopped reading after {read.bytes_read:,} bytes (the verdict "
            "needs the headers only)[/]"
        )
    if read.stopped == "time":
        return (
            f"   [dim]< body: stopped reading after {read.bytes_read:,} bytes at the time "
            "limit (the verdict needs the headers only)[/]"
        )
    if read.stopped == "error":
        return f"   [dim]< body: broke off after {read.bytes_read:,} bytes[/]"
    return None


def _print_text(trace: Trace, data: dict[str, Any], bodies: Sequence[BodyRead] = ()) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.syntax import Syntax

    console = Console(file=sys.stdout, highlight=False, soft_wrap=True)
    outcome = data["outcome"]
    credentials = " with credentials" if trace.request.credentials == "include" else ""
    console.print(
        f"[bold]crossorigin check[/]  {_shown(trace.request.method)} {_shown(trace.request.url)}"
        f"  from [cyan]{_shown(trace.request.page_origin)}[/]{credentials}"
    )
    if not trace.exchanges:
        console.print("  (nothing was sent)")
    for number, exchange in enumerate(trace.exchanges, 1):
        title = "Preflight" if exchange.kind == "preflight" else "Request"
        console.print(
            f"\n[bold]{number}. {title}[/]  {_shown(exchange.method)} {_shown(exchange.url)}"
        )
        for name, value in exchange.request_headers:
            console.print(f"   [dim]>[/] {_shown(name)}: {_shown(value)}")
        style = "green" if 200 <= exchange.response.status < 400 else "red"
        console.print(f"   [dim]<[/] [{style}]{exchange.response.status}[/]")
        shown = exchange.response.headers[:MAX_SHOWN_HEADERS]
        for name, value in shown:
            accent = "yellow" if name.lower().startswith("access-control-") else "default"
            console.print(f"   [dim]<[/] [{accent}]{_shown(name)}[/]: {_shown(value)}")
        hidden = len(exchange.response.headers) - len(shown)
        if hidden > 0:
            console.print(f"   [dim]< ... {hidden} more headers[/]")
        body_line = _body_line(bodies[number - 1]) if number <= len(bodies) else None
        if body_line:
            console.print(body_line)
    if outcome["allowed"]:
        console.print("\n[bold green]ALLOWED[/]")
    else:
        where = f" at the {outcome['failed_at']}" if outcome["failed_at"] else ""
        reason = f" ({outcome['reason']})" if outcome["reason"] else ""
        console.print(f"\n[bold red]BLOCKED[/]{_shown(where)}{_shown(reason)}")
        if outcome["console"]:
            console.print(f"[dim]Console:[/] {_shown(outcome['console'])}")
        elif outcome.get("error"):
            console.print(f"[dim]Error:[/] {_shown(outcome['error'])}")
    for name, value in outcome["readable_headers"].items():
        console.print(f"[dim]page reads[/] {_shown(name)}: {_shown(repr(value))}")
    explanation = data["explanation"]
    console.print(f"\n[bold]Why:[/] {escape(_shown_lines(explanation['summary']))}")
    for note in explanation["notes"]:
        console.print(f"[bold]Note:[/] {escape(_shown_lines(note))}")
    fixes: dict[str, str] = explanation["fix_by_stack"]
    if fixes:
        chosen = data["stack"]["fix_shown_for"]
        if chosen:
            detected = data["stack"]["evidence"]
            because = f" (detected from {detected})" if detected else ""
            console.print(f"\n[bold]Fix for {STACK_NAMES[chosen]}[/]{_shown(because)}:")
            language = {"express": "javascript", "nginx": "nginx", "http": "text"}.get(
                chosen, "python"
            )
            code = _shown_lines(fixes[chosen])
            if console.is_terminal:
                console.print(Syntax(code, language, theme="ansi_dark", word_wrap=True))
            else:
                console.print(escape(code))
        else:
            console.print("\n[bold]Fix[/] (server stack not recognised; the headers to send):")
            console.print(escape(_shown_lines(fixes["http"])))
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
    """Send what a browser on ORIGIN would send to URL, and explain its verdict.

    Response bodies are not needed for the verdict: at most 64 KiB of each is
    read, raw (never decompressed)."""
    transport = HttpxTransport(
        timeout=timeout, body=data.encode("utf-8", "surrogateescape") if data is not None else None
    )
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
            transport=transport,
        )
    except CheckError as error:
        click.echo(f"crossorigin check: {safe(str(error))}", err=True)
        return 2
    finally:
        transport.close()
    data_out = report(trace, stack=stack, bodies=transport.bodies)
    if output_format == "json":
        click.echo(json.dumps(data_out, indent=2))
    else:
        _print_text(trace, data_out, transport.bodies)
    return 0 if trace.allowed else 1
