"""An async, SQLite-backed origin resolver under a real uvicorn server on
loopback: slow, raising and flapping resolvers under concurrent load give no
500, no wrong allow, and leave nothing behind."""

from __future__ import annotations

import asyncio
import itertools
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from crossorigin import Policy
from crossorigin import resolver as resolver_module
from crossorigin.asgi import CORSMiddleware, MiddlewareHandle
from crossorigin.engine import CACHE_SIZE
from crossorigin.resolver import Grant, RequestInfo

APP = "https://app.example.com"
GOOD = [f"https://t{n}.tenants.example" for n in range(30)]
EVIL = "https://evil.example"
SLOW = "https://slow.tenants.example"
RAISING = "https://raising.tenants.example"
FLAPPING = "https://flap.tenants.example"


def make_database(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE tenants (origin TEXT PRIMARY KEY, credentials INT)")
        db.executemany(
            "INSERT INTO tenants VALUES (?, ?)",
            [(origin, n % 2) for n, origin in enumerate([*GOOD, SLOW, RAISING, FLAPPING])],
        )


def build(path: Path, handle: MiddlewareHandle, seen: list[RequestInfo]) -> Starlette:
    flips = itertools.count()

    def lookup(origin: str) -> tuple[int] | None:
        with sqlite3.connect(path) as db:
            row: tuple[int] | None = db.execute(
                "SELECT credentials FROM tenants WHERE origin = ?", (origin,)
            ).fetchone()
            return row

    async def resolve(origin: str, request: RequestInfo) -> bool | Grant:
        seen.append(request)
        if origin == SLOW:
            await asyncio.sleep(5)
        if origin == RAISING:
            raise sqlite3.OperationalError("database is locked")
        if origin == FLAPPING and next(flips) % 2:
            raise ConnectionError("replica unreachable")
        row = await asyncio.to_thread(lookup, origin)
        return False if row is None else Grant(credentials=bool(row[0]))

    async def items(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/items", items, methods=["GET", "PUT"])])
    app.add_middleware(
        CORSMiddleware,
        policy=Policy(
            origins=[APP],
            methods=["GET", "PUT"],
            credentials=True,
            resolver=resolve,
            resolver_timeout=0.2,
            resolver_ttl=0.2,
            resolver_refusal_ttl=0.2,
        ),
        handle=handle,
    )
    return app


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, MiddlewareHandle, list[RequestInfo]]]:
    database = tmp_path_factory.mktemp("tenants") / "tenants.db"
    make_database(database)
    handle = MiddlewareHandle()
    seen: list[RequestInfo] = []
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(build(database, handle, seen), log_level="critical", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}", handle, seen
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_the_resolver_sees_the_request(
    served: tuple[str, MiddlewareHandle, list[RequestInfo]],
) -> None:
    base, _, seen = served
    response = httpx.get(f"{base}/items?q=1", headers={"Origin": GOOD[2], "X-Tenant": "2"})
    assert response.headers["access-control-allow-origin"] == GOOD[2]
    info = next(i for i in seen if i.headers.get("x-tenant") == "2")
    assert (info.method, info.path, info.host) == ("GET", "/items", base.partition("//")[2])


def test_load_with_slow_raising_and_flapping_resolvers(
    served: tuple[str, MiddlewareHandle, list[RequestInfo]],
) -> None:
    base, handle, _ = served
    origins = [*GOOD, EVIL, SLOW, RAISING, FLAPPING, APP]
    allowed_ever = {*GOOD, FLAPPING, APP}

    async def run() -> list[tuple[str, str, httpx.Response]]:
        limits = httpx.Limits(max_connections=24)
        async with httpx.AsyncClient(base_url=base, timeout=20, limits=limits) as client:
            semaphore = asyncio.Semaphore(24)

            async def one(n: int) -> tuple[str, str, httpx.Response]:
                origin = origins[n % len(origins)]
                async with semaphore:
                    if n % 3 == 0:
                        response = await client.options(
                            "/items",
                            headers={"Origin": origin, "Access-Control-Request-Method": "PUT"},
                        )
                        return origin, "OPTIONS", response
                    return origin, "GET", await client.get("/items", headers={"Origin": origin})

            return await asyncio.gather(*(one(n) for n in range(900)))

    results = asyncio.run(run())
    for origin, method, response in results:
        assert response.status_code in ((204, 403) if method == "OPTIONS" else (200,)), (
            origin,
            response,
        )
        assert "Origin" in response.headers.get("vary", ""), (origin, response.headers)
        allowed = response.headers.get("access-control-allow-origin")
        if allowed is not None:
            assert allowed == origin and origin in allowed_ever, (origin, response.headers)
        if origin in (EVIL, SLOW, RAISING):
            assert allowed is None and "access-control-allow-credentials" not in response.headers
    assert any(r.headers.get("access-control-allow-origin") == FLAPPING for _, _, r in results)
    # Nothing left behind: no resolver task, no pool call, bounded kept answers.
    assert resolver_module._tasks == {}
    # (The pool is shared with earlier tests' slow sync resolvers: let them end.)
    deadline = time.monotonic() + 10
    while resolver_module.pending_calls() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert resolver_module.pending_calls() == 0
    middleware = handle.middleware
    assert middleware is not None and middleware.engines.default is not None
    assert len(middleware.engines.default._resolutions) <= CACHE_SIZE
