"""The playground's API origin: a small JSON API behind crossorigin's WSGI adapter.

Theory of operation: three layers, outermost first.

1. `ExchangeRecorder` (WSGI): notes each request's line, headers and body
   exactly as the HTTP server parsed them (names as sent, in order, repeats
   kept; the body's first `MAX_RECORDED_BODY` bytes), the status and headers
   the layers below answered, and how long they took to answer, under the
   `attempt` query parameter of the URL (the playground's HAR export, har_export.py,
   is written from these notes). It asks the engine that serves the request
   for its `Decision` too, only to show *why* (the reason code and sentence);
   the answer itself comes from the adapter.
2. `crossorigin.wsgi.CORSMiddleware`: the engine decides (preflights are
   answered here and never reach the application); `reconfigure` swaps the
   policy when the page sets a new one.
3. `items_app`: the application. It answers JSON with two custom headers,
   `X-Total-Count` and `X-Request-Id`, so the page can see which headers a
   cross-origin script may read.

The server is the standard library's wsgiref, threaded, with TCP_NODELAY,
bound to loopback only.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, Final
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from crossorigin.playground.serving import BackgroundServer, LoopbackHTTPServer
from crossorigin.policy import Policy
from crossorigin.wsgi import CORSMiddleware

__all__ = ["ApiServer", "ExchangeRecorder", "items_app"]

Environ = dict[str, Any]
StartResponse = Callable[..., Callable[[bytes], object]]

#: The environ key under which the handler leaves the raw header lines.
RAW_HEADERS_KEY: Final = "crossorigin.playground.raw_headers"
#: Attempts remembered (the oldest are forgotten first).
MAX_ATTEMPTS: Final = 500
#: Exchanges kept per attempt (a fetch makes at most a few).
MAX_EXCHANGES_PER_ATTEMPT: Final = 10
MAX_BODY: Final = 64 * 1024
#: Body bytes kept per exchange: the demo's bodies are a few lines, and the
#: recorder holds up to MAX_ATTEMPTS * MAX_EXCHANGES_PER_ATTEMPT exchanges.
MAX_RECORDED_BODY: Final = 8 * 1024

ITEMS: Final = [
    {"id": 1, "name": "apples"},
    {"id": 2, "name": "pears"},
    {"id": 3, "name": "plums"},
]


def items_app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """The API: `/api/items` in every method; answers what it received."""
    method = environ["REQUEST_METHOD"]
    path = environ.get("PATH_INFO", "")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    received = environ["wsgi.input"].read(min(length, MAX_BODY)) if length > 0 else b""
    attempt = _attempt_of(environ) or "none"
    if path != "/api/items":
        body = json.dumps({"error": f"no route {path}; try /api/items"}).encode()
        start_response(
            "404 Not Found",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]
    if method == "OPTIONS":
        # A plain OPTIONS (no Access-Control-Request-Method) is the application's.
        start_response("204 No Content", [("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE")])
        return [b""]
    body = json.dumps(
        {
            "items": ITEMS,
            "method": method,
            "received_body": received.decode("utf-8", "replace"),
        }
    ).encode()
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("X-Total-Count", str(len(ITEMS))),
            ("X-Request-Id", attempt),
        ],
    )
    return [b""] if method == "HEAD" else [body]


def _attempt_of(environ: Environ) -> str | None:
    values = parse_qs(environ.get("QUERY_STRING", "")).get("attempt")
    return values[0][:64] if values else None


class ExchangeRecorder:
    """WSGI middleware recording every exchange under its attempt id."""

    def __init__(self, cors: CORSMiddleware) -> None:
        self._cors = cors
        self._lock = threading.Lock()
        self._attempts: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()

    def exchanges(self, attempt: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(exchange) for exchange in self._attempts.get(attempt, ())]

    def attempts(self) -> list[str]:
        """The attempt ids remembered, the least recently used first."""
        with self._lock:
            return list(self._attempts)

    def _keep(self, attempt: str, exchange: dict[str, Any]) -> None:
        with self._lock:
            kept = self._attempts.setdefault(attempt, [])
            self._attempts.move_to_end(attempt)
            if len(kept) < MAX_EXCHANGES_PER_ATTEMPT:
                kept.append(exchange)
            while len(self._attempts) > MAX_ATTEMPTS:
                self._attempts.popitem(last=False)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        attempt = _attempt_of(environ)
        if attempt is None:
            return self._cors(environ, start_response)
        method: str = environ["REQUEST_METHOD"]
        raw_headers: list[tuple[str, str]] = environ.get(RAW_HEADERS_KEY, [])
        engine = self._cors.engines.engine_for(environ.get("PATH_INFO", ""))
        decision = engine.decide(method, raw_headers) if engine is not None else None
        query = environ.get("QUERY_STRING", "")
        clock = time.perf_counter()
        body = _take_body(environ)
        exchange: dict[str, Any] = {
            "kind": decision.kind.value if decision is not None else "not-cors",
            "method": method,
            "target": environ.get("PATH_INFO", "") + (f"?{query}" if query else ""),
            "http_version": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "request_headers": [[name, value] for name, value in raw_headers],
            "decision": {
                "allowed": decision.allowed if decision is not None else True,
                "reason": decision.reason.value
                if decision is not None and decision.reason
                else None,
                "explanation": decision.reason.explanation
                if decision is not None and decision.reason
                else None,
                "detail": decision.detail if decision is not None else "",
            },
            "policy": engine.policy.to_dict() if engine is not None else None,
            "time": time.time(),
        }
        if body is not None:
            exchange["body"] = body

        def recording_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            code, _, text = status.partition(" ")
            exchange["status"] = int(code)
            exchange["status_text"] = text
            exchange["response_headers"] = [[name, value] for name, value in headers]
            # From the request parsed to the answer's headers, on the server's clock.
            exchange["wait_ms"] = round((time.perf_counter() - clock) * 1000, 3)
            # Kept before the answer is written, so it is there when the page asks.
            self._keep(attempt, exchange)
            return start_response(status, headers, exc_info)

        return self._cors(environ, recording_start_response)


def _take_body(environ: Environ) -> dict[str, Any] | None:
    """The request body as received (its first MAX_RECORDED_BODY bytes), put
    back for the layers below (at most MAX_BODY bytes, as the application
    reads); None when the request has none."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= 0:
        return None
    data = environ["wsgi.input"].read(min(length, MAX_BODY))
    environ["wsgi.input"] = io.BytesIO(data)
    kept = data[:MAX_RECORDED_BODY]
    return {
        "text": kept.decode("utf-8", "replace"),
        "size": length,
        "truncated": length > len(kept),
    }


class _Handler(WSGIRequestHandler):
    disable_nagle_algorithm = True

    def get_environ(self) -> Environ:
        environ: Environ = super().get_environ()
        environ[RAW_HEADERS_KEY] = list(self.headers.items())
        return environ

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the page shows every exchange."""


class _ThreadingWSGIServer(LoopbackHTTPServer, WSGIServer):
    def server_bind(self) -> None:
        super().server_bind()  # LoopbackHTTPServer's: WSGIServer's would look the name up
        self.setup_environ()


class ApiServer(BackgroundServer):
    """The API origin on a loopback address; `port=0` picks a free port."""

    def __init__(self, policy: Policy, *, bind: str = "127.0.0.1", port: int = 8000) -> None:
        self.cors = CORSMiddleware(items_app, policy=policy)
        self.recorder = ExchangeRecorder(self.cors)
        self._policy = policy
        self._lock = threading.Lock()
        self.server = _ThreadingWSGIServer((bind, port), _Handler)
        self.server.set_app(self.recorder)
        super().__init__(self.server, "crossorigin-demo-api")
        # Nagle off on the listening socket too (inherited by accepted sockets on Linux).
        self.server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @property
    def policy(self) -> Policy:
        return self._policy

    def set_policy(self, policy: Policy) -> None:
        with self._lock:
            self.cors.reconfigure(policy)
            self._policy = policy
