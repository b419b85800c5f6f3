"""The ASGI adapter under a real uvicorn server on loopback, driven over HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from crossorigin import Policy
from crossorigin.asgi import CORSMiddleware

PAGE = "http://127.0.0.1:3000"


def build_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(
        CORSMiddleware,
        policy=Policy(
            origins=[PAGE],
            methods=["GET", "PUT"],
            request_headers=["Content-Type", "Authorization"],
            credentials=True,
            expose_headers=["X-Total"],
            max_age=60,
        ),
    )

    @app.get("/items")
    def items() -> dict[str, int]:
        return {"count": 3}

    @app.put("/items")
    def put_items() -> dict[str, bool]:
        return {"stored": True}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("server bug")

    return app


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(build_app(), log_level="critical", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_preflight_then_actual_over_http(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=5) as client:
        preflight = client.options(
            "/items",
            headers={
                "Origin": PAGE,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == PAGE
        assert preflight.headers["access-control-allow-credentials"] == "true"
        assert preflight.headers["access-control-max-age"] == "60"
        actual = client.put("/items", headers={"Origin": PAGE}, json={})
        assert actual.json() == {"stored": True}
        assert actual.headers["access-control-allow-origin"] == PAGE
        assert actual.headers["access-control-expose-headers"] == "X-Total"
        assert actual.headers["vary"] == "Origin"


def test_refused_requests_over_http(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=5) as client:
        refused = client.options(
            "/items",
            headers={"Origin": "http://127.0.0.1:6666", "Access-Control-Request-Method": "PUT"},
        )
        assert refused.status_code == 403
        assert refused.headers["content-length"] == "0"
        assert "access-control-allow-origin" not in refused.headers
        denied = client.get("/items", headers={"Origin": "http://127.0.0.1:6666"})
        assert denied.status_code == 200
        assert "access-control-allow-origin" not in denied.headers


def test_server_error_keeps_cors_headers_over_http(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=5) as client:
        response = client.get("/boom", headers={"Origin": PAGE})
        assert response.status_code == 500
        assert response.headers["access-control-allow-origin"] == PAGE
    # The exception is re-raised to uvicorn, which logs it and closes that
    # connection; the server itself stays healthy.
    with httpx.Client(base_url=base_url, timeout=5) as client:
        assert client.get("/items", headers={"Origin": PAGE}).status_code == 200


def test_hostile_headers_over_http(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=5) as client:
        huge = client.get("/items", headers={"Origin": "http://" + "a" * 20_000})
        assert huge.status_code in (200, 400, 431)
        assert "access-control-allow-origin" not in huge.headers
        many = client.options(
            "/items",
            headers={
                "Origin": PAGE,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": ",".join(f"x-{i}" for i in range(3000)),
            },
        )
        assert many.status_code == 403
        twice = client.get("/items", headers=[("Origin", PAGE), ("Origin", PAGE)])
        assert "access-control-allow-origin" not in twice.headers
