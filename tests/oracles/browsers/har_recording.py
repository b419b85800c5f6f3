"""HAR recordings of real browsers, one per case, for `crossorigin explain`.

Run `python tests/oracles/browsers/har_recording.py [--engine chromium|firefox]
[--only NAME]` to re-record tests/oracles/browsers/hars/; the tests
(test_explain_har_recorded.py) hold `explain` to what the browser did.

Theory of operation:

- **Servers.** One threaded HTTP server and two HTTPS servers on loopback
  (a throwaway self-signed certificate made with the `openssl` command).
  The browser maps every `*.test` name to 127.0.0.1, so one server serves
  many origins: a page on `http://127.0.0.1:H` calls an API on
  `http://localhost:H` (another origin and another site); an https page on
  `https://app.crossorigin.test:S` calls `http://api.crossorigin.test:H`
  (mixed content: unlike `localhost`, that name is not potentially
  trustworthy) or `https://api.othersite.test:S` (another site, for
  third-party cookies); a page on the third server's port, which Chromium
  is told is a *public* address (`--ip-address-space-overrides`), calls
  loopback (Local Network Access).
- **Cases.** Each `Case` is one `fetch()` from one page to one route whose
  answers it defines (`Route`, per method and path), plus the headers of
  the page itself (CSP, COEP). Every reason of the browser model
  (`crossorigin.browser.messages.REASONS`) that a loopback page can make
  Chromium report has a case, and so has each not-CORS cause of
  `crossorigin.explain.not_cors.NOT_CORS`.
- **The verdict** is the page's: the fetch resolved or threw. Chromium's own
  reason (DevTools' `corsErrorStatus.corsError`) and blocked reason
  (`Network.loadingFailed.blockedReason`) come from the DevTools protocol.
- **The HAR.** Chromium: built from the DevTools protocol's `Network.*`
  events as DevTools' own "Save all as HAR" does (`ChromiumHar`): the
  request headers the network stack sent (`requestWillBeSentExtraInfo`:
  `Origin`, `Cookie`), the response's status and headers even when CORS
  hid it from the page (`responseReceivedExtraInfo`), one entry per
  redirect hop, the preflights (reported as requests of their own, after
  the fetch they serve: `_resourceType: preflight`), the failure
  (`_error`, `_blockedReason`). Firefox: its Remote Agent has no HAR
  export, so the HAR is built from WebDriver BiDi's network events
  (firefox_har.py says what they hold).
- **Sanitised** for stable test data: ports become fixed numbers (8001,
  8443, 8444), times and sizes fixed, headers that only vary between runs
  (`Date`, `User-Agent`, client hints) dropped; everything that decides
  stays.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HARS_DIR = Path(__file__).with_name("hars")
CHROMIUM_PATH = "/usr/bin/chromium"
#: The fixed ports the stored recordings use (http, https, public https).
STORED_PORTS = (8001, 8443, 8444)

Header = tuple[str, str]


# --- cases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One answer. `{page}` in a header value becomes the page's origin,
    `{api}` the API's; `without_cookie` is the answer when the request
    carries no `session` cookie."""

    status: int = 200
    headers: tuple[Header, ...] = ()
    body: bytes = b'{"ok": true}'
    without_cookie: Route | None = None


@dataclass(frozen=True)
class Case:
    """One fetch() from one page, and how the API answers.

    `expect` is what the case is built to show: a Chromium reason, a
    not-CORS class or `allowed`; `not_cors` the look-alike the server was
    built to be (the judge for causes no browser names, such as a gateway's
    502 page); `page` one of PAGES, `api` one of APIS; `init` the fetch()
    init; `routes` maps `METHOD /path` to its answer."""

    name: str
    expect: str
    init: Mapping[str, Any]
    routes: Mapping[str, Route]
    page: str = "loopback"
    api: str = "loopback"
    page_headers: tuple[Header, ...] = ()
    path: str = "/r"
    not_cors: str | None = None
    #: A top-level visit to the API first (to set its cookie).
    visit_api_first: str | None = None
    #: Engines the case is recorded in, and why not in the others.
    engines: tuple[str, ...] = ("chromium", "firefox")
    note: str = ""


#: Page origins: {H} http port, {S} https port, {P} the "public" https port.
PAGES = {
    "loopback": "http://127.0.0.1:{H}",
    "secure": "https://app.crossorigin.test:{S}",
    "public": "https://public.crossorigin.test:{P}",
}
APIS = {
    "loopback": "http://localhost:{H}",
    "http-named": "http://api.crossorigin.test:{H}",
    "http-localhost": "http://localhost:{H}",
    "other-site": "https://api.othersite.test:{S}",
    "same-site": "https://api.crossorigin.test:{S}",
}

_ACAO = ("Access-Control-Allow-Origin", "{page}")
_JSON = ("Content-Type", "application/json")
_PUT = {"method": "PUT", "headers": {"Content-Type": "application/json"}, "body": "{}"}
_CUSTOM = {"method": "GET", "headers": {"X-Custom": "1"}}
_CREDENTIALS = {"credentials": "include"}
_OTHER = "http://other.example"


def _ok(*headers: Header) -> Route:
    return Route(200, (_JSON, *headers))


def _preflight(*headers: Header, status: int = 204) -> Route:
    return Route(status, headers, b"")


def _put_case(name: str, preflight: Route, *, credentials: bool = False) -> Case:
    init = {**_PUT, **(_CREDENTIALS if credentials else {})}
    return Case(name, CASE_REASONS[name], init, {"OPTIONS /r": preflight, "PUT /r": _ok(_ACAO)})


#: Case name -> the reason Chromium gives (the model's name for it).
CASE_REASONS = {
    "preflight-invalid-status": "PreflightInvalidStatus",
    "preflight-missing-allow-origin": "PreflightMissingAllowOriginHeader",
    "preflight-allow-origin-mismatch": "PreflightAllowOriginMismatch",
    "preflight-wildcard-with-credentials": "PreflightWildcardOriginNotAllowed",
    "preflight-invalid-allow-credentials": "PreflightInvalidAllowCredentials",
    "preflight-multiple-allow-origin": "PreflightMultipleAllowOriginValues",
    "preflight-invalid-allow-origin": "PreflightInvalidAllowOriginValue",
    "preflight-redirect": "PreflightDisallowedRedirect",
    "method-not-allowed": "MethodDisallowedByPreflightResponse",
    "invalid-allow-methods": "InvalidAllowMethodsPreflightResponse",
}

_ALLOW_PUT = (
    ("Access-Control-Allow-Methods", "PUT"),
    ("Access-Control-Allow-Headers", "content-type"),
)
_CREDENTIALED = ("Access-Control-Allow-Credentials", "true")
#: A top-level visit that signs in: the API's cookie, sendable cross-site.
_SIGN_IN = Route(
    200,
    (
        ("Content-Type", "text/html"),
        ("Set-Cookie", "session=s3cr3t-token; SameSite=None; Secure; Path=/"),
    ),
    b"<p>signed in",
)

CASES: tuple[Case, ...] = (
    # --- allowed ------------------------------------------------------------------
    Case("allowed", "allowed", {"method": "GET"}, {"GET /r": _ok(_ACAO)}),
    Case(
        "allowed-preflight",
        "allowed",
        _PUT,
        {"OPTIONS /r": _preflight(_ACAO, *_ALLOW_PUT), "PUT /r": _ok(_ACAO)},
    ),
    Case(
        "allowed-credentials",
        "allowed",
        {"method": "GET", **_CREDENTIALS},
        {"GET /r": _ok(_ACAO, _CREDENTIALED)},
    ),
    # --- the response's checks ----------------------------------------------------
    Case("missing-allow-origin", "MissingAllowOriginHeader", {"method": "GET"}, {"GET /r": _ok()}),
    Case(
        "allow-origin-mismatch",
        "AllowOriginMismatch",
        {"method": "GET"},
        {"GET /r": _ok(("Access-Control-Allow-Origin", _OTHER))},
    ),
    Case(
        "wildcard-with-credentials",
        "WildcardOriginNotAllowed",
        {"method": "GET", **_CREDENTIALS},
        {"GET /r": _ok(("Access-Control-Allow-Origin", "*"), _CREDENTIALED)},
    ),
    Case(
        "multiple-allow-origin",
        "MultipleAllowOriginValues",
        {"method": "GET"},
        {"GET /r": _ok(("Access-Control-Allow-Origin", "{page}, " + _OTHER))},
    ),
    Case(
        "invalid-allow-origin",
        "InvalidAllowOriginValue",
        {"method": "GET"},
        {"GET /r": _ok(("Access-Control-Allow-Origin", "o.test"))},
    ),
    Case(
        "invalid-allow-credentials",
        "InvalidAllowCredentials",
        {"method": "GET", **_CREDENTIALS},
        {"GET /r": _ok(_ACAO, ("Access-Control-Allow-Credentials", "yes"))},
    ),
    # --- the preflight's checks ---------------------------------------------------
    _put_case("preflight-invalid-status", _preflight(_ACAO, *_ALLOW_PUT, status=404)),
    _put_case("preflight-missing-allow-origin", _preflight(*_ALLOW_PUT)),
    _put_case(
        "preflight-allow-origin-mismatch",
        _preflight(("Access-Control-Allow-Origin", _OTHER), *_ALLOW_PUT),
    ),
    _put_case(
        "preflight-wildcard-with-credentials",
        _preflight(("Access-Control-Allow-Origin", "*"), _CREDENTIALED, *_ALLOW_PUT),
        credentials=True,
    ),
    _put_case(
        "preflight-invalid-allow-credentials",
        _preflight(_ACAO, ("Access-Control-Allow-Credentials", "yes"), *_ALLOW_PUT),
        credentials=True,
    ),
    _put_case(
        "preflight-multiple-allow-origin",
        _preflight(("Access-Control-Allow-Origin", "{page}, " + _OTHER), *_ALLOW_PUT),
    ),
    _put_case(
        "preflight-invalid-allow-origin",
        _preflight(("Access-Control-Allow-Origin", "o.test"), *_ALLOW_PUT),
    ),
    _put_case(
        "preflight-redirect",
        Route(302, (_ACAO, *_ALLOW_PUT, ("Location", "{api}/c/preflight-redirect/moved")), b""),
    ),
    _put_case(
        "method-not-allowed",
        _preflight(_ACAO, ("Access-Control-Allow-Headers", "content-type")),
    ),
    _put_case(
        "invalid-allow-methods",
        _preflight(_ACAO, ("Access-Control-Allow-Methods", "Bad method name"), *_ALLOW_PUT[1:]),
    ),
    Case(
        "header-not-allowed",
        "HeaderDisallowedByPreflightResponse",
        _CUSTOM,
        {"OPTIONS /r": _preflight(_ACAO), "GET /r": _ok(_ACAO)},
    ),
    Case(
        "invalid-allow-headers",
        "InvalidAllowHeadersPreflightResponse",
        _CUSTOM,
        {
            "OPTIONS /r": _preflight(
                _ACAO, ("Access-Control-Allow-Headers", "x-custom,header name with space")
            ),
            "GET /r": _ok(_ACAO),
        },
    ),
    # --- redirects ----------------------------------------------------------------
    Case(
        "redirect-contains-credentials",
        "RedirectContainsCredentials",
        {"method": "GET"},
        {
            "GET /r": Route(302, (_ACAO, ("Location", "http://user:pass@localhost:{H}/x")), b""),
        },
    ),
    Case(
        "cors-disabled-scheme",
        "CorsDisabledScheme",
        _CUSTOM,
        {
            "OPTIONS /r": _preflight(_ACAO, ("Access-Control-Allow-Headers", "x-custom")),
            "GET /r": Route(302, (_ACAO, ("Location", "ws://127.0.0.1/x")), b""),
        },
        note="a redirect to ws: after a preflight (a simple GET redirected to ws: is "
        "net::ERR_UNKNOWN_URL_SCHEME instead)",
    ),
    # --- not CORS -----------------------------------------------------------------
    Case(
        "csp-connect-src",
        "csp",
        {"method": "GET"},
        {"GET /r": _ok(_ACAO)},
        page_headers=(("Content-Security-Policy", "connect-src 'self'"),),
        not_cors="csp",
    ),
    Case(
        "corp-same-origin",
        "corp",
        {"method": "GET", "mode": "no-cors"},
        {"GET /r": _ok(("Cross-Origin-Resource-Policy", "same-origin"))},
        not_cors="corp",
        note="CORP is enforced on no-cors requests only: a mode 'cors' fetch with the same "
        "header is allowed when its CORS headers pass (corp-cors-mode)",
    ),
    Case(
        "corp-cors-mode",
        "allowed",
        {"method": "GET"},
        {"GET /r": _ok(_ACAO, ("Cross-Origin-Resource-Policy", "same-origin"))},
        page_headers=(("Cross-Origin-Embedder-Policy", "require-corp"),),
    ),
    Case(
        "coep-require-corp",
        "coep",
        {"method": "GET", "mode": "no-cors"},
        {"GET /r": _ok()},
        page_headers=(("Cross-Origin-Embedder-Policy", "require-corp"),),
        not_cors="coep",
    ),
    Case(
        "mixed-content",
        "mixed-content",
        {"method": "GET"},
        {"GET /r": _ok(_ACAO)},
        page="secure",
        api="http-named",
        not_cors="mixed-content",
    ),
    Case(
        "mixed-content-localhost",
        "allowed",
        {"method": "GET"},
        {"GET /r": _ok(_ACAO)},
        page="secure",
        api="http-localhost",
        note="http://localhost is potentially trustworthy: not mixed content in Chromium "
        "and Firefox",
    ),
    Case(
        "local-network-access",
        "local-network-access",
        {"method": "GET"},
        {"GET /r": _ok(_ACAO)},
        page="public",
        api="loopback",
        not_cors="local-network-access",
        engines=("chromium",),
    ),
    Case(
        "third-party-cookies",
        "third-party-cookies",
        {"method": "GET", **_CREDENTIALS},
        {
            "GET /r": Route(
                200,
                (_JSON, _ACAO, _CREDENTIALED),
                b'{"user": "ann"}',
                without_cookie=Route(401, (_JSON, _ACAO, _CREDENTIALED), b'{"error": "login"}'),
            ),
            "GET /set": _SIGN_IN,
        },
        page="secure",
        api="other-site",
        not_cors="third-party-cookies",
        visit_api_first="/set",
    ),
    Case(
        "same-site-cookies",
        "allowed",
        {"method": "GET", **_CREDENTIALS},
        {
            "GET /r": Route(
                200,
                (_JSON, _ACAO, _CREDENTIALED),
                b'{"user": "ann"}',
                without_cookie=Route(401, (_JSON, _ACAO, _CREDENTIALED), b'{"error": "login"}'),
            ),
            "GET /set": _SIGN_IN,
        },
        page="secure",
        api="same-site",
        visit_api_first="/set",
        note="the third-party-cookies case's control: the same API on the page's site gets "
        "its cookie",
    ),
    Case(
        "redirect-to-login",
        "redirect-to-login",
        {"method": "GET"},
        {
            "GET /r": Route(302, (("Location", "/login?next=/r"),), b""),
            "GET /login": Route(200, (("Content-Type", "text/html"),), b"<form>login</form>"),
        },
        not_cors="redirect-to-login",
    ),
    Case(
        "gateway-502",
        "gateway-error",
        {"method": "GET"},
        {"GET /r": Route(502, (("Server", "nginx"), ("Content-Type", "text/html")), b"<h1>502")},
        not_cors="gateway-error",
    ),
    Case(
        "gateway-504-preflighted",
        "gateway-error",
        _PUT,
        {
            "OPTIONS /r": _preflight(_ACAO, *_ALLOW_PUT),
            "PUT /r": Route(
                504, (("Server", "awselb/2.0"), ("Content-Type", "text/html")), b"<h1>504"
            ),
        },
        not_cors="gateway-error",
    ),
)


# --- servers --------------------------------------------------------------------------


@dataclass
class Origins:
    http: int
    https: int
    public: int

    def fill(self, text: str) -> str:
        return (
            text.replace("{H}", str(self.http))
            .replace("{S}", str(self.https))
            .replace("{P}", str(self.public))
        )

    def page(self, case: Case) -> str:
        return self.fill(PAGES[case.page])

    def api(self, case: Case) -> str:
        return self.fill(APIS[case.api])


@dataclass
class _State:
    cases: dict[str, Case] = field(default_factory=dict)
    origins: Origins | None = None


class _Handler(BaseHTTPRequestHandler):
    state: _State
    protocol_version = "HTTP/1.1"
    server_version = "loopback-test"
    sys_version = ""

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        parts = self.path.split("?", 1)[0].split("/", 3)  # "", "page"|"c", case, rest
        case = self.state.cases.get(parts[2]) if len(parts) > 2 else None
        origins = self.state.origins
        if case is None or origins is None:
            return self._send(404, (), b"")
        if parts[1] == "page":
            html = b"<!doctype html><meta charset=utf-8><title>page</title>"
            return self._send(200, (("Content-Type", "text/html"), *case.page_headers), html)
        route = case.routes.get(f"{self.command} /{parts[3] if len(parts) > 3 else ''}")
        if route is None:
            return self._send(404, (("Content-Type", "text/plain"),), b"no route")
        if route.without_cookie and "session=" not in (self.headers.get("Cookie") or ""):
            route = route.without_cookie
        page, api = origins.page(case), origins.api(case)
        headers = tuple(
            (name, origins.fill(value.replace("{page}", page).replace("{api}", api)))
            for name, value in route.headers
        )
        self._send(route.status, headers, route.body)

    def _send(self, status: int, headers: tuple[Header, ...], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_OPTIONS = do_DELETE = _answer


class _Server(ThreadingHTTPServer):
    daemon_threads = True


def _certificate(directory: str) -> tuple[str, str]:
    """A throwaway self-signed certificate for the test names (the browser
    is told to accept it)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    names = "DNS:*.crossorigin.test,DNS:*.othersite.test,DNS:localhost,IP:127.0.0.1"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
         "-out", cert, "-days", "2", "-subj", "/CN=crossorigin-test",
         "-addext", f"subjectAltName={names}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@contextlib.contextmanager
def servers(cases: tuple[Case, ...]) -> Iterator[Origins]:
    """The http, https and "public" https servers, serving `cases`."""
    state = _State({case.name: case for case in cases})
    handler = type("Handler", (_Handler,), {"state": state})
    directory = tempfile.mkdtemp(prefix="crossorigin-har-")
    running: list[_Server] = []
    try:
        cert, key = _certificate(directory)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        for tls in (False, True, True):
            server = _Server(("127.0.0.1", 0), handler)
            if tls:
                server.socket = context.wrap_socket(server.socket, server_side=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            running.append(server)
        state.origins = Origins(*(server.server_address[1] for server in running))
        yield state.origins
    finally:
        for server in running:
            server.shutdown()
            server.server_close()
        shutil.rmtree(directory, ignore_errors=True)


# --- the page's fetch -----------------------------------------------------------------

FETCH_SCRIPT = """async ([url, init]) => {
  try {
    const response = await fetch(url, init);
    let body = null;
    try { body = await response.text(); } catch (error) {}
    return {resolved: true, status: response.status, type: response.type, body};
  } catch (error) {
    return {resolved: false, error: String(error)};
  }
}"""


@dataclass
class Recording:
    """One case recorded in one engine."""

    case: str
    engine: str
    har: dict[str, Any]
    console: list[str]
    verdict: dict[str, Any]


def case_url(case: Case, origins: Origins) -> str:
    return f"{origins.api(case)}/c/{case.name}{case.path}"


# --- Chromium -------------------------------------------------------------------------

CHROMIUM_FLAGS = (
    "--host-resolver-rules=MAP *.test 127.0.0.1",
    "--ignore-certificate-errors",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Third-party cookies blocked, as Chrome's setting does (and Safari,
    # Firefox by partitioning): the third-party-cookies case needs it.
    "--test-third-party-cookie-phaseout",
)


def chromium_args(origins: Origins) -> list[str]:
    return [
        *CHROMIUM_FLAGS,
        f"--ip-address-space-overrides=127.0.0.1:{origins.public}=public",
    ]


class ChromiumHar:
    """A HAR built from the DevTools protocol's Network events of one page."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def listen(self, session: Any) -> None:
        for name in (
            "requestWillBeSent",
            "requestWillBeSentExtraInfo",
            "responseReceived",
            "responseReceivedExtraInfo",
            "loadingFailed",
            "loadingFinished",
        ):
            session.on(
                f"Network.{name}", lambda params, name=name: self.events.append((name, params))
            )

    def verdict_events(self, url: str) -> dict[str, Any]:
        """Chromium's own words on the first request to `url`."""
        ids = {
            params["requestId"]
            for name, params in self.events
            if name == "requestWillBeSent"
            and params["request"]["url"] == url
            and params.get("initiator", {}).get("type") != "preflight"
        }
        for name, params in self.events:
            if name == "loadingFailed" and params["requestId"] in ids:
                status = params.get("corsErrorStatus") or {}
                return {
                    "cors_error": status.get("corsError"),
                    "blocked_reason": params.get("blockedReason"),
                    "error_text": params.get("errorText"),
                }
        return {"cors_error": None, "blocked_reason": None, "error_text": None}

    def build(self, version: str) -> dict[str, Any]:
        hops: list[dict[str, Any]] = []  # one per request hop, in order
        current: dict[str, dict[str, Any]] = {}
        extra_requests: dict[str, list[list[Header]]] = {}
        extra_responses: dict[str, list[dict[str, Any]]] = {}
        for name, params in self.events:
            rid = params["requestId"]
            if name == "requestWillBeSentExtraInfo":
                extra_requests.setdefault(rid, []).append(_pairs(params.get("headers", {})))
            elif name == "responseReceivedExtraInfo":
                extra_responses.setdefault(rid, []).append(params)
        for name, params in self.events:
            rid = params["requestId"]
            if name == "requestWillBeSent":
                if params["request"]["url"].endswith("/favicon.ico"):
                    continue  # the browser's own request, a 404 in every recording
                previous = current.get(rid)
                if previous is not None and params.get("redirectResponse"):
                    _respond(previous, params["redirectResponse"])
                    previous["response"]["redirectURL"] = params["request"]["url"]
                hop = _hop(params)
                hop["_rid"], hop["_n"] = rid, sum(1 for h in hops if h["_rid"] == rid)
                hops.append(hop)
                current[rid] = hop
            elif name == "responseReceived" and rid in current:
                _respond(current[rid], params["response"])
            elif name == "loadingFailed" and rid in current:
                hop = current[rid]
                hop["response"]["_error"] = params.get("errorText")
                if params.get("blockedReason"):
                    hop["_blockedReason"] = params["blockedReason"]
        for hop in hops:
            rid, index = hop.pop("_rid"), hop.pop("_n")
            sent = extra_requests.get(rid, [])
            if index < len(sent):
                hop["request"]["headers"] = [{"name": k, "value": v} for k, v in sent[index]]
            got = extra_responses.get(rid, [])
            if index < len(got) and hop["response"]["status"] in (0, -1):
                # Blocked before the page saw it (CORS, CORP): DevTools still
                # shows what came back, from the network stack's own report.
                hop["response"]["status"] = got[index].get("statusCode", 0)
                hop["response"]["headers"] = [
                    {"name": k, "value": v} for k, v in _pairs(got[index].get("headers", {}))
                ]
        return _har("Chromium", version, hops)


def _pairs(headers: Mapping[str, str]) -> list[Header]:
    # The protocol joins repeated headers with "\n".
    return [(name, part) for name, value in headers.items() for part in value.split("\n")]


def _hop(params: Mapping[str, Any]) -> dict[str, Any]:
    request = params["request"]
    entry: dict[str, Any] = {
        "startedDateTime": "2026-01-01T00:00:00.000Z",
        "time": 0,
        # DevTools names a preflight's type after its initiator.
        "_resourceType": "preflight"
        if params.get("initiator", {}).get("type") == "preflight"
        else str(params.get("type", "Other")).lower(),
        "_initiator": {"type": params.get("initiator", {}).get("type", "other")},
        "request": {
            "method": request["method"],
            "url": request["url"],
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": k, "value": v} for k, v in _pairs(request.get("headers", {}))],
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": len(request.get("postData", "") or ""),
        },
        "response": {
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "headers": [],
            "cookies": [],
            "content": {"size": 0, "mimeType": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
    }
    document = params.get("documentURL")
    if document and document != request["url"]:
        entry["_initiator"]["url"] = document
    return entry


def _respond(hop: dict[str, Any], response: Mapping[str, Any]) -> None:
    hop["response"].update(
        status=response.get("status", 0),
        statusText=response.get("statusText", ""),
        httpVersion="HTTP/1.1",
        headers=[{"name": k, "value": v} for k, v in _pairs(response.get("headers", {}))],
    )
    hop["response"]["content"]["mimeType"] = response.get("mimeType", "")


def _har(name: str, version: str, hops: list[dict[str, Any]]) -> dict[str, Any]:
    pages = []
    for index, hop in enumerate(hops):
        if hop["_resourceType"] == "document":
            pages = [{"id": "page_1", "title": hop["request"]["url"], "startedDateTime":
                      "2026-01-01T00:00:00.000Z", "pageTimings": {}}]  # fmt: skip
        hop["pageref"] = "page_1"
        del index
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "crossorigin har_recording.py", "version": "1"},
            "browser": {"name": name, "version": version},
            "pages": pages,
            "entries": hops,
        }
    }


def _record_chromium_case(browser: Any, case: Case, origins: Origins) -> Recording:
    context = browser.new_context(ignore_https_errors=True)
    try:
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        if case.visit_api_first:
            page.goto(f"{origins.api(case)}/c/{case.name}{case.visit_api_first}")
        har = ChromiumHar()
        session = context.new_cdp_session(page)
        har.listen(session)
        session.send("Network.enable")
        page.goto(f"{origins.page(case)}/page/{case.name}")
        url = case_url(case, origins)
        result = page.evaluate(FETCH_SCRIPT, [url, dict(case.init)])
        # The failure's protocol event and console line can trail the promise.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            page.wait_for_timeout(50)
            finished = any(
                name in ("loadingFailed", "loadingFinished")
                and params["requestId"] in har_request_ids(har, url)
                for name, params in har.events
            )
            if finished and (result["resolved"] or console):
                break
        page.wait_for_timeout(100)
        said = har.verdict_events(url)
        verdict = {
            "browser": "chromium",
            "version": browser.version,
            "url": url,
            "resolved": result["resolved"],
            "status": result.get("status"),
            "error": result.get("error"),
            **said,
            "not_cors": case.not_cors,
        }
        built = har.build(browser.version)
        verdict["har_lacks_request"] = not any(
            entry["request"]["url"] == url for entry in built["log"]["entries"]
        )
        return Recording(case.name, "chromium", built, console, verdict)
    finally:
        context.close()


def har_request_ids(har: ChromiumHar, url: str) -> set[str]:
    return {
        params["requestId"]
        for name, params in har.events
        if name == "requestWillBeSent" and params["request"]["url"] == url
    }


# --- sanitising and storing ------------------------------------------------------------

#: Headers that only vary between runs, or that no explanation reads.
_DROPPED = re.compile(
    r"^(date|user-agent|sec-ch-ua.*|accept-encoding|accept-language|keep-alive|connection|"
    r"upgrade-insecure-requests|x-powered-by)$",
    re.IGNORECASE,
)


def sanitise(value: Any, origins: Origins) -> Any:
    """Ports made the stored ones, varying headers dropped."""
    if isinstance(value, str):
        for port, stored in zip(
            (origins.http, origins.https, origins.public), STORED_PORTS, strict=True
        ):
            value = value.replace(f":{port}", f":{stored}")
        return value
    if isinstance(value, list):
        kept = [
            item
            for item in value
            if not (isinstance(item, dict) and set(item) == {"name", "value"}
                    and _DROPPED.match(str(item["name"])))
        ]  # fmt: skip
        return [sanitise(item, origins) for item in kept]
    if isinstance(value, dict):
        return {key: sanitise(item, origins) for key, item in value.items()}
    return value


def store(recording: Recording, origins: Origins, directory: Path = HARS_DIR) -> None:
    where = directory / recording.engine
    where.mkdir(parents=True, exist_ok=True)
    har = sanitise(recording.har, origins)
    (where / f"{recording.case}.har").write_text(json.dumps(har, indent=1) + "\n")
    console = sanitise(recording.console, origins)
    (where / f"{recording.case}.console.txt").write_text("".join(f"{line}\n" for line in console))
    verdict = sanitise({**recording.verdict, "case": recording.case}, origins)
    (where / f"{recording.case}.json").write_text(json.dumps(verdict, indent=1) + "\n")


def record_chromium(
    playwright: Any, cases: tuple[Case, ...] = CASES
) -> tuple[list[Recording], Origins]:
    """Each case recorded in a fresh context (no cookies, no preflight
    cache) of one Chromium launched with the flags the cases need."""
    with servers(cases) as origins:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, headless=True, args=chromium_args(origins)
        )
        try:
            recordings = [
                _record_chromium_case(browser, case, origins)
                for case in cases
                if "chromium" in case.engines
            ]
        finally:
            browser.close()
    return recordings, origins


# --- explain held to a recording ------------------------------------------------------


def explain_disagreements(directory: Path, engine: str, case: str, *, console: bool) -> list[str]:
    """How `crossorigin explain` on a stored recording differs from what the
    browser did (empty when it agrees): the verdict, the reason (Chromium's
    own, when the model knows it; Firefox's as read from its console), the
    not-CORS cause, no disagreement shown, the exit status, no cookie value
    printed."""
    from crossorigin.browser.messages import REASONS
    from crossorigin.cli import main as cli

    where = directory / engine
    verdict = json.loads((where / f"{case}.json").read_text())
    arguments = ["explain", str(where / f"{case}.har"), "--format", "json"]
    if console:
        arguments += ["--console", str(where / f"{case}.console.txt")]
    if engine != "chromium":
        arguments += ["--browser", engine]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli(arguments)
    problems = []
    if SECRET in out.getvalue():
        problems.append("a cookie value is printed")
    found = [r for r in json.loads(out.getvalue())["requests"] if r["url"] == verdict["url"]]
    if not found:
        if not console and verdict["har_lacks_request"]:
            return problems  # refused before it existed (CSP): only the console tells
        return [*problems, "the request is not explained"]
    request = found[0]
    allowed = verdict["resolved"]
    if engine == "firefox":
        reason = request["reason"]  # Firefox names fewer checks: its own is compared below
        if console and verdict["firefox_reason"] != request["browser_reason"]:
            problems.append(f"browser_reason {request['browser_reason']}")
    else:
        reason = verdict["cors_error"] if verdict["cors_error"] in REASONS else None
    want = (allowed, reason, verdict["not_cors"])
    got = (request["allowed"], request["reason"], request["not_cors"])
    if got != want:
        problems.append(f"(allowed, reason, not_cors) {got}, the browser's {want}")
    if request["disagreement"]:
        problems.append(f"disagreement: {request['disagreement']}")
    if code != (0 if allowed else 1):
        problems.append(f"exit status {code}")
    return problems


#: Where a HAR alone cannot tell what the browser did, and why. Firefox's
#: BiDi events hold no failure for a response CORS refused, nor the fetch's
#: credentials mode: with no cookie stored for the API, a credentialed
#: request whose response fails only because of credentials looks allowed.
#: Its console line tells (with the console, explain agrees).
HAR_ONLY_UNKNOWABLE = {
    ("firefox", "wildcard-with-credentials"): "credentials mode not recorded",
    ("firefox", "invalid-allow-credentials"): "credentials mode not recorded",
}

#: The cookie value the sign-in routes set; never printed without --show-secrets.
SECRET = "s3cr3t-token"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=("chromium", "firefox"), default="chromium")
    parser.add_argument("--only", default="", help="only the cases whose name starts so")
    args = parser.parse_args(argv)
    cases = tuple(case for case in CASES if case.name.startswith(args.only))
    if args.engine == "chromium":
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            recordings, origins = record_chromium(playwright, cases)
    else:
        from firefox_har import record_firefox

        recordings, origins = record_firefox(cases)
    for recording in recordings:
        store(recording, origins)
        print(recording.case, json.dumps(recording.verdict))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    # tests/support (servers.processes), as pytest's pythonpath has it.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "support"))
    raise SystemExit(main())
