"""A deliberately broken CORS server on loopback, for `crossorigin check` tests.

Each path is one classic misconfiguration (or a correct answer, for contrast);
`Server` and `X-Powered-By` are set per path to pretend to be a given stack.
Threaded, TCP_NODELAY, port 0: parallel-safe and quick.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

from servers.loopback import serving

Headers = list[tuple[str, str]]
Behaviour = Callable[[str, dict[str, str]], tuple[int, Headers]]


def _reflect(request: dict[str, str]) -> Headers:
    origin = request.get("origin")
    return [("Access-Control-Allow-Origin", origin)] if origin else []


def _preflight(method: str, request: dict[str, str]) -> bool:
    return method == "OPTIONS" and "access-control-request-method" in request


def no_cors(method: str, request: dict[str, str]) -> tuple[int, Headers]:
    return 200, [("Content-Type", "application/json")]


def wildcard(method: str, request: dict[str, str]) -> tuple[int, Headers]:
    headers = [("Access-Control-Allow-Origin", "*")]
    if _preflight(method, request):
        return 204, [*headers, ("Access-Control-Allow-Methods", "GET, PUT")]
    return 200, headers


def preflight_404(method: str, request: dict[str, str]) -> tuple[int, Headers]:
    if method == "OPTIONS":
        return 404, [("Content-Type", "text/plain")]
    return 200, _reflect(request)


def preflight_405_with_origin(method: str, request: dict[str, str]) -> tuple[int, Headers]:
    if method == "OPTIONS":
        return 405, [*_reflect(request), ("Allow", "GET")]
    return 200, _reflect(request)


def reflect_without_credentials(method: str, request: dict[str, str]) -> tuple[int, Headers]:
    if _preflight(method, request):
        return 204, [*_reflect(request), ("Access-Control-Allow-Methods", "PUT")]
    return 200, [*_reflect(request), ("X-Total", "3")]


def trailing_slash(method: str, request: dict[str, str]) -> tuple[int, Headers]:
    origin = request.get("origin", "")
    return 200, [("Access-Control-Allow-Origin", origin + "/")]


def duplicated_origin(method: str, request: dict[str, str]) -> tuple[int, Headers]:
    return 200, [*_reflect(request), *_reflect(request), ("Server", "nginx/1.22.1")]


def headers_not_allowed(method: str, request: dict[str, str]) -> tuple[int, Headers]:
    if _preflight(method, request):
        return 204, [
            *_reflect(request),
            ("Access-Control-Allow-Methods", "GET, POST"),
            ("Access-Control-Allow-Headers", "content-type"),
            ("Server", "Werkzeug/3.0.1 Python/3.11.7"),
        ]
    return 200, _reflect(request)


def express_no_cors(method: str, request: dict[str, str]) -> tuple[int, Headers]:
    return 200, [("X-Powered-By", "Express")]


def redirect_elsewhere(method: str, request: dict[str, str]) -> tuple[int, Headers]:
    # Redirect to the same server under another host name: another origin.
    return 302, [*_reflect(request), ("Location", "/ok")]


def ok(method: str, request: dict[str, str]) -> tuple[int, Headers]:
    if _preflight(method, request):
        return 204, [
            *_reflect(request),
            ("Access-Control-Allow-Methods", "PUT"),
            ("Access-Control-Allow-Headers", "x-token"),
            ("Access-Control-Allow-Credentials", "true"),
        ]
    return 200, [
        *_reflect(request),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Expose-Headers", "X-Total"),
        ("X-Total", "3"),
    ]


BEHAVIOURS: dict[str, Behaviour] = {
    "/no-cors": no_cors,
    "/wildcard": wildcard,
    "/preflight-404": preflight_404,
    "/preflight-405": preflight_405_with_origin,
    "/reflect-without-credentials": reflect_without_credentials,
    "/trailing-slash": trailing_slash,
    "/duplicated-origin": duplicated_origin,
    "/headers-not-allowed": headers_not_allowed,
    "/express": express_no_cors,
    "/redirect": redirect_elsewhere,
    "/ok": ok,
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        behaviour = BEHAVIOURS.get(self.path.split("?")[0])
        request = {key.lower(): value for key, value in self.headers.items()}
        status, headers = behaviour(self.command, request) if behaviour else (404, [])
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def running_broken_server() -> Iterator[str]:
    """Yields the server's base URL, http://127.0.0.1:PORT."""
    with serving(_Handler, name="broken-server") as base_url:
        yield base_url
