"""The playground's page origin: the static page and its same-origin control API.

Routes (all on the page's origin, so no CORS is involved in driving the demo):

- `GET /` and `GET /static/<file>`: the hand-written page, its CSS and JS,
  read from the package. `/` also sets a harmless `playground_session`
  cookie, so a credentialed fetch visibly carries a cookie to the API
  (cookies are per host, not per port: the API on another port of the same
  host receives it when the page asks for credentials).
- `GET /control/state`: origins, the API's current policy, presets.
- `POST /control/policy` `{"policy": {...}, "apply": true}`: validate with
  `Policy.from_mapping`; every `ConfigError` issue comes back as
  `{"code", "value", "message"}`. Applied policies reconfigure the API.
- `POST /control/report` `{"attempt", "url", "request", "browser",
  "read_headers"}`: the report of one attempt (report.py).
- `GET /control/exchanges?attempt=ID`: what the API recorded for an attempt.
- `GET /har?attempt=ID` (or `GET /har` for every attempt remembered): the
  recorded exchanges and what the page reported, as a HAR 1.2 download
  (har_export.py) that `crossorigin explain` reads back; cookie values are
  omitted unless `&cookies=1`. 404 when the attempt sent nothing.

Requests whose `Host` is not this server's name are refused (a DNS-rebinding
page cannot drive the control API), and control POSTs must be JSON.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from importlib import resources
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, urlsplit

from crossorigin.explain.fixes import SNIPPET_STACKS, fixes_for
from crossorigin.playground.har_export import har_filename, kept_request
from crossorigin.playground.report import build_report
from crossorigin.playground.serving import BackgroundServer, LoopbackHTTPServer
from crossorigin.policy import ConfigError, Policy

if TYPE_CHECKING:
    from crossorigin.playground.server import Playground

__all__ = ["PageServer", "policy_response"]

MAX_REQUEST_BODY: Final = 256 * 1024
_CONTENT_TYPES: Final = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
SESSION_COOKIE: Final = "playground_session=demo-cookie; Path=/; SameSite=Lax"


def _static_files() -> dict[str, bytes]:
    folder = resources.files("crossorigin.playground") / "static"
    files = {}
    for entry in folder.iterdir():
        suffix = "." + entry.name.rpartition(".")[2]
        if entry.is_file() and suffix in _CONTENT_TYPES:
            files[entry.name] = entry.read_bytes()
    return files


def policy_response(data: object, playground: Playground, *, apply: bool) -> dict[str, Any]:
    """Validate a policy dict; apply it to the API when asked and valid."""
    if not isinstance(data, dict):
        return {
            "ok": False,
            "issues": [{"code": "type-invalid", "value": None, "message": "not an object"}],
        }
    try:
        policy = Policy.from_mapping(data)
    except ConfigError as error:
        return {
            "ok": False,
            "issues": [
                {"code": issue.code, "value": _jsonable(issue.value), "message": issue.message}
                for issue in error.issues
            ],
        }
    if apply:
        playground.api.set_policy(policy)
    snippets = fixes_for(policy, "the playground's policy")
    return {
        "ok": True,
        "applied": apply,
        "policy": policy.to_dict(),
        "notes": [
            {"code": note.code, "value": _jsonable(note.value), "message": note.message}
            for note in policy.notes
        ],
        "snippets": [
            {"stack": stack, "name": name, "text": snippets[stack]}
            for stack, name in SNIPPET_STACKS.items()
        ],
    }


def _jsonable(value: object) -> object:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _PageHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal shows the URLs, the page shows the exchanges."""

    # -- responses ---------------------------------------------------------------------

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        extra: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: object) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"ok": False, "error": message})

    # -- routing -----------------------------------------------------------------------

    def _host_ok(self) -> bool:
        return self.headers.get("Host", "") in self.server.playground.page_hosts

    def do_GET(self) -> None:
        if not self._host_ok():
            self._error(421, "this server answers only to its own loopback name")
            return
        url = urlsplit(self.path)
        if url.path in ("/", "/index.html"):
            self._page("index.html")
        elif url.path.startswith("/static/"):
            self._page(url.path.removeprefix("/static/"))
        elif url.path == "/control/state":
            self._json(200, self.server.playground.state(self.headers.get("Host", "")))
        elif url.path == "/control/exchanges":
            attempt = parse_qs(url.query).get("attempt", [""])[0]
            self._json(200, {"exchanges": self.server.playground.api.recorder.exchanges(attempt)})
        elif url.path == "/har":
            self._har(parse_qs(url.query))
        elif url.path == "/favicon.ico":
            self._send(204, b"", "image/x-icon")
        else:
            self._error(404, f"no route {url.path}")

    do_HEAD = do_GET

    def do_POST(self) -> None:
        if not self._host_ok():
            self._error(421, "this server answers only to its own loopback name")
            return
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BODY:
            self.close_connection = True
            self._error(413, "request body too large")
            return
        raw = self.rfile.read(length) if length > 0 else b""
        if content_type != "application/json":
            self._error(415, "control requests are JSON (Content-Type: application/json)")
            return
        try:
            data = json.loads(raw or b"{}")
        except ValueError as error:
            self._error(400, f"invalid JSON: {error}")
            return
        if not isinstance(data, dict):
            self._error(400, "the body must be a JSON object")
            return
        path = urlsplit(self.path).path
        playground = self.server.playground
        if path == "/control/policy":
            self._json(
                200, policy_response(data.get("policy"), playground, apply=bool(data.get("apply")))
            )
        elif path == "/control/report":
            self._json(200, playground.report(data, self.headers.get("Host", "")))
        else:
            self._error(404, f"no route {path}")

    def _har(self, query: dict[str, list[str]]) -> None:
        attempt = query.get("attempt", [""])[0] or None
        har = self.server.playground.har(
            attempt,
            self.headers.get("Host", ""),
            include_cookies=query.get("cookies", [""])[0] == "1",
        )
        if har is None:
            self._error(404, "nothing was sent to the API in this attempt (or it is forgotten)")
            return
        body = json.dumps(har, indent=2).encode()
        disposition = f'attachment; filename="{har_filename(attempt)}"'
        self._send(200, body, "application/json", (("Content-Disposition", disposition),))

    def _page(self, name: str) -> None:
        files = self.server.files
        if name not in files:
            self._error(404, f"no file {name}")
            return
        suffix = "." + name.rpartition(".")[2]
        extra: tuple[tuple[str, str], ...] = ()
        if name == "index.html":
            api_origin = self.server.playground.origins_for(self.headers.get("Host", ""))[1]
            extra = (
                ("Set-Cookie", SESSION_COOKIE),
                (
                    "Content-Security-Policy",
                    "default-src 'self'; script-src 'self'; style-src 'self'; "
                    f"img-src 'self' data:; connect-src 'self' {api_origin}; "
                    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
                ),
            )
        self._send(200, files[name], _CONTENT_TYPES[suffix], extra)


class _PageHTTPServer(LoopbackHTTPServer):
    playground: Playground
    files: dict[str, bytes]


class PageServer(BackgroundServer):
    """The page origin on a loopback address; `port=0` picks a free port."""

    def __init__(self, *, bind: str = "127.0.0.1", port: int = 3000) -> None:
        self.server = _PageHTTPServer((bind, port), _Handler)
        self.server.files = _static_files()
        super().__init__(self.server, "crossorigin-demo-page")

    def attach(self, playground: Playground) -> None:
        self.server.playground = playground


def report_for(
    playground: Playground, data: dict[str, Any], host_header: str = ""
) -> dict[str, Any]:
    """The report of one attempt from the page's POST body, for the page
    opened under the name in `host_header`."""
    page_origin, api_origin = playground.origins_for(host_header)
    attempt = str(data.get("attempt") or "")
    exchanges = playground.api.recorder.exchanges(attempt)
    policy = next((e["policy"] for e in exchanges if e.get("policy")), None)
    if policy is None:
        policy = playground.api.policy.to_dict()
    read_headers = data.get("read_headers") or []
    request = data.get("request") or {}
    browser = data.get("browser") or {}
    report = build_report(
        attempt=attempt,
        page_origin=page_origin,
        api_origin=api_origin,
        url=str(
            data.get("url") or api_origin + playground.api_url.removeprefix(playground.api_origin)
        ),
        request=request if isinstance(request, dict) else {},
        exchanges=exchanges,
        browser=browser if isinstance(browser, dict) else {},
        read_headers=[str(name) for name in read_headers if isinstance(name, str)],
        policy=policy,
    )
    if attempt:
        outcome = (report.get("model") or {}).get("outcome") or {}
        playground.reports.keep(
            attempt,
            {
                "page_origin": page_origin,
                "url": report["url"],
                "request": kept_request(report["request"]),
                "browser": {
                    key: report["browser"].get(key)
                    for key in ("resolved", "status", "type", "error", "readable", "user_agent")
                },
                "verdict": report["verdict"],
                "reason": outcome.get("reason"),
                "cause": (report.get("explanation") or {}).get("cause"),
                "model_browser": report.get("model_browser"),
            },
        )
    return report
