"""Report-only and metrics under real servers: uvicorn (ASGI) and waitress
(WSGI, threads), driven over loopback HTTP/1.1 keep-alive connections.

For each server: every answer is the same with and without report_only (and
a metrics hook that raises); 10,000 requests whose verdict would change are
each counted, while the log gets at most the limit's lines per (route, change
kind) and window."""

from __future__ import annotations

import http.client
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn

from crossorigin import Policy
from crossorigin.asgi import CORSMiddleware as ASGIMiddleware
from crossorigin.observe import DEFAULT_LINES_PER_MINUTE, Counters, DecisionEvent
from crossorigin.wsgi import CORSMiddleware as WSGIMiddleware

waitress = pytest.importorskip("waitress")
from waitress.server import create_server  # noqa: E402

A = "https://a.example"
B = "https://b.example"
C = "https://c.example"
LIVE = Policy(origins=[A, B], methods=["GET", "PUT"], credentials=True, max_age=60)
ROUTE = Policy(origins="*")
CANDIDATE = Policy(origins=[A, C], methods=["GET"], credentials=True, max_age=60)
ROUTES = [("/public", ROUTE)]

#: Request shapes: (method, path, headers). Together they cover each change
#: kind, an unchanged answer, a route without a candidate, and not-CORS.
SHAPES: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/items", {"Origin": B}),  # allowed -> refused
    ("GET", "/items", {"Origin": C}),  # refused -> allowed
    ("OPTIONS", "/items", {"Origin": A, "Access-Control-Request-Method": "PUT"}),  # a->r
    ("GET", "/items", {"Origin": A}),  # unchanged
    ("OPTIONS", "/items", {"Origin": A, "Access-Control-Request-Method": "GET"}),  # unchanged
    ("GET", "/public/x", {"Origin": C}),  # no candidate for this route
    ("GET", "/items", {}),  # not CORS
]
CHANGING = SHAPES[:3]


def raising_hook(event: DecisionEvent) -> None:
    raise RuntimeError("metrics backend down")


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"1")]})
    await send({"type": "http.response.body", "body": b"ok"})


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("X-App", "1"), ("Content-Length", "2")])
    return [b"ok"]


def serve_uvicorn(app: Any) -> tuple[int, Callable[[], None]]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_config=None, log_level="critical", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()

    return sock.getsockname()[1], stop


def serve_waitress(app: Any) -> tuple[int, Callable[[], None]]:
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()

    def stop() -> None:
        server.close()
        thread.join(timeout=10)

    return server.effective_port, stop


SERVERS = {
    "uvicorn": (ASGIMiddleware, asgi_app, serve_uvicorn),
    "waitress": (WSGIMiddleware, wsgi_app, serve_waitress),
}


@pytest.fixture(params=list(SERVERS))
def servers(request: pytest.FixtureRequest) -> Iterator[tuple[int, int, Counters]]:
    """(port without hooks, port with report_only and counting metrics,
    the counters); a third server with a raising hook is compared too."""
    middleware, app, serve = SERVERS[request.param]
    counters = Counters()
    plain_port, stop_plain = serve(middleware(app, policy=LIVE, routes=ROUTES))
    watched = middleware(app, policy=LIVE, routes=ROUTES, report_only=CANDIDATE, metrics=counters)
    watched_port, stop_watched = serve(watched)
    try:
        yield plain_port, watched_port, counters
    finally:
        stop_watched()
        stop_plain()


def exchange(
    connection: http.client.HTTPConnection, method: str, path: str, headers: dict[str, str]
) -> tuple[int, list[tuple[str, str]]]:
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    response.read()
    kept = [
        (name.lower(), value)
        for name, value in response.getheaders()
        if name.lower() not in ("date", "server")
    ]
    return response.status, sorted(kept)


def test_live_answers_are_identical_with_and_without_hooks(
    servers: tuple[int, int, Counters],
) -> None:
    plain_port, watched_port, _ = servers
    plain = http.client.HTTPConnection("127.0.0.1", plain_port, timeout=10)
    watched = http.client.HTTPConnection("127.0.0.1", watched_port, timeout=10)
    try:
        for method, path, headers in SHAPES * 3:
            assert exchange(watched, method, path, headers) == exchange(
                plain, method, path, headers
            ), (method, path, headers)
    finally:
        plain.close()
        watched.close()


def test_a_raising_hook_changes_no_answer(caplog: pytest.LogCaptureFixture) -> None:
    for middleware, app, serve in SERVERS.values():
        plain_port, stop_plain = serve(middleware(app, policy=LIVE, routes=ROUTES))
        broken_port, stop_broken = serve(
            middleware(app, policy=LIVE, routes=ROUTES, metrics=raising_hook)
        )
        plain = http.client.HTTPConnection("127.0.0.1", plain_port, timeout=10)
        broken = http.client.HTTPConnection("127.0.0.1", broken_port, timeout=10)
        try:
            with caplog.at_level(logging.WARNING, logger="crossorigin"):
                for method, path, headers in SHAPES * 20:
                    assert exchange(broken, method, path, headers) == exchange(
                        plain, method, path, headers
                    )
        finally:
            plain.close()
            broken.close()
            stop_broken()
            stop_plain()
    failures = [r for r in caplog.records if "metrics hook" in r.getMessage()]
    assert len(failures) == 2  # one per server's observer, within the minute


REQUESTS = 10_000


def test_rate_limit_holds_over_10000_changing_requests(
    servers: tuple[int, int, Counters], caplog: pytest.LogCaptureFixture
) -> None:
    _, watched_port, counters = servers
    connection = http.client.HTTPConnection("127.0.0.1", watched_port, timeout=10)
    started = time.monotonic()
    try:
        with caplog.at_level(logging.WARNING, logger="crossorigin"):
            for index in range(REQUESTS):
                method, path, headers = CHANGING[index % len(CHANGING)]
                status, _ = exchange(connection, method, path, headers)
                assert status in (200, 204, 403)
    finally:
        connection.close()
    elapsed = time.monotonic() - started
    lines = [r.getMessage() for r in caplog.records if "report-only" in r.getMessage()]
    # Two keys: (default, allowed-to-refused) for B and the PUT preflight,
    # (default, refused-to-allowed) for C.
    windows = int(elapsed // 60) + 1
    assert len(lines) <= 2 * DEFAULT_LINES_PER_MINUTE * windows
    assert any("allowed-to-refused" in line for line in lines)
    assert any("refused-to-allowed" in line for line in lines)
    assert sum("limit of" in line for line in lines) == 2 * windows or windows > 1
    # ... while every request was counted.
    expected = sum(1 for index in range(REQUESTS) if index % len(CHANGING) != 1)
    assert counters.count(report_only_change="allowed-to-refused") == expected
    assert counters.count(report_only_change="refused-to-allowed") == REQUESTS - expected
    assert sum(counters.snapshot().values()) == REQUESTS
