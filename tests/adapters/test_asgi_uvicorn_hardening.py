"""The ASGI adapter under real uvicorn (httptools when installed, as
`uvicorn[standard]` and `fastapi[standard]` install it): repeated header lines,
`--root-path`, and an invalid configuration at start-up."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from crossorigin import Policy
from crossorigin.asgi import CORSMiddleware

APP = "https://app.example.com"
EVIL = "https://evil.example"
STRICT_API = [("/api", Policy(origins=[APP], methods=["GET", "POST"]))]


@contextmanager
def serve(app: Any, **config: Any) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", **config))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def raw_request(base_url: str, head: bytes) -> tuple[bytes, float]:
    """Send one raw HTTP/1.1 request; (status line, seconds to the answer)."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=120) as connection:
        started = time.perf_counter()
        connection.sendall(head)
        answer = connection.recv(65536)
        elapsed = time.perf_counter() - started
    return answer.split(b"\r\n", 1)[0], elapsed


async def hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_many_repeated_origin_lines_cost_what_any_header_costs() -> None:
    """Same request size and line count; only the header name differs. The
    server's own parsing is the same, so the ratio is crossorigin's share.
    Before the fix, 60,000 Origin lines took seconds (quadratic joining)."""
    pytest.importorskip("httptools")
    lines = 60_000
    middleware = CORSMiddleware(hello, policy=Policy(origins=[APP]))

    def head(name: bytes) -> bytes:
        line = name + b": " + APP.encode() + b"\r\n"
        return b"GET /items HTTP/1.1\r\nHost: x\r\n" + line * lines + b"Connection: close\r\n\r\n"

    with serve(middleware, http="httptools", lifespan="off") as base_url:
        raw_request(base_url, head(b"x-filler"))  # warm up
        filler = min(raw_request(base_url, head(b"x-filler"))[1] for _ in range(2))
        status, origin = raw_request(base_url, head(b"origin"))
    assert status == b"HTTP/1.1 200 OK"
    assert origin < 5 * filler + 0.5, (origin, filler)


# -- routes under root_path and Mount ------------------------------------------------


def where(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request.url.path)


def strict_api_app() -> Starlette:
    return Starlette(
        routes=[Route("/api/items", where, methods=["GET", "POST"])],
        middleware=[Middleware(CORSMiddleware, routes=STRICT_API, strict=True)],
    )


def test_route_policies_apply_under_uvicorn_root_path() -> None:
    """`uvicorn --root-path /v1` behind a proxy that strips /v1: the request
    path is /api/items, scope["path"] is /v1/api/items, Starlette routes on
    /api/items. The /api policy must apply (strict mode refuses the POST)."""
    with (
        serve(strict_api_app(), root_path="/v1", lifespan="off") as base_url,
        httpx.Client(base_url=base_url, timeout=10) as client,
    ):
        allowed = client.get("/api/items", headers={"Origin": APP})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == APP
        refused = client.post("/api/items", headers={"Origin": EVIL})
        assert refused.status_code == 403
        assert "access-control-allow-origin" not in refused.headers


def test_route_policies_apply_inside_a_mount() -> None:
    outer = Starlette(routes=[Mount("/v1", app=strict_api_app())])
    with (
        serve(outer, lifespan="off") as base_url,
        httpx.Client(base_url=base_url, timeout=10) as client,
    ):
        allowed = client.get("/v1/api/items", headers={"Origin": APP})
        assert allowed.text == "/v1/api/items"
        assert allowed.headers["access-control-allow-origin"] == APP
        assert client.post("/v1/api/items", headers={"Origin": EVIL}).status_code == 403


# -- an invalid configuration at start-up --------------------------------------------

BAD_APPS = {
    "wildcard-with-credentials": 'allow_origins=["*"], allow_credentials=True',
    "trailing-slash": 'allow_origins=["https://app.example.com/"]',
}


@pytest.mark.parametrize("arguments", BAD_APPS.values(), ids=BAD_APPS.keys())
def test_plain_uvicorn_refuses_to_start_with_an_invalid_policy(
    tmp_path: Path, arguments: str
) -> None:
    """`uvicorn main:app` with its defaults (lifespan "auto"): before, the
    ConfigError was read as "lifespan unsupported" and the server served 500s."""
    (tmp_path / "main.py").write_text(
        textwrap.dedent(
            f"""
            from fastapi import FastAPI
            from crossorigin.asgi import CORSMiddleware

            app = FastAPI()
            app.add_middleware(CORSMiddleware, {arguments})

            @app.get("/items")
            def items():
                return {{"count": 1}}
            """
        )
    )
    command = [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", "0"]
    environment = {**os.environ, "PYTHONPATH": str(tmp_path)}
    try:
        result = subprocess.run(
            command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired as running:
        pytest.fail(f"uvicorn kept running with an invalid policy: {running.stderr!r}")
    assert result.returncode != 0
    assert "invalid CORS configuration" in result.stderr
    assert "Application startup failed. Exiting." in result.stderr


def test_without_lifespan_every_request_says_why_and_the_log_says_it_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = Starlette(
        routes=[Route("/items", where)],
        middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)],
    )
    with (
        caplog.at_level(logging.ERROR, logger="crossorigin"),
        serve(app, lifespan="off") as base_url,
        httpx.Client(base_url=base_url, timeout=10) as client,
    ):
        answers = [client.get("/items", headers={"Origin": APP}) for _ in range(3)]
    for answer in answers:
        assert answer.status_code == 500
        assert "invalid configuration" in answer.text
        assert "access-control-allow-origin" not in answer.headers
    errors = [r for r in caplog.records if r.name == "crossorigin" and r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "wildcard-with-credentials" in errors[0].getMessage()
    assert "allow_origins=['https://app.example.com']" in errors[0].getMessage()
