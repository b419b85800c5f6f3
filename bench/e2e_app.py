"""The application served by bench_e2e.py, one variant per server process.

`CROSSORIGIN_BENCH_VARIANT` picks what wraps the application (bare, no-op
middleware, Starlette's CORSMiddleware, crossorigin); `CROSSORIGIN_BENCH_APP`
picks the application: `raw` (a plain ASGI callable, so the middleware's cost
is as visible as it can be) or `starlette` (a routed Starlette app returning
JSON, closer to what a FastAPI service does per request). The policy is the
one bench_asgi.py uses.
"""

from __future__ import annotations

import os
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware as StarletteCORS
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import baseline
from crossorigin import Policy
from crossorigin.asgi import CORSMiddleware

ORIGINS = [f"https://{letter}.example" for letter in "abcdefghijk"]
METHODS = ["GET", "POST", "PUT", "DELETE"]
HEADERS = ["content-type", "authorization"]
POLICY = {
    "origins": ORIGINS,
    "methods": METHODS,
    "request_headers": HEADERS,
    "credentials": True,
    "max_age": 600,
}


async def raw_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")],
        }
    )
    await send({"type": "http.response.body", "body": b"ok"})


async def items(request: Request) -> JSONResponse:
    return JSONResponse({"count": 1})


def starlette_app() -> Any:
    return Starlette(routes=[Route("/items", items, methods=["GET", "PUT", "OPTIONS"])])


class NoOpSendWrap:
    """The floor for any middleware that adds response headers: it wraps
    `send` and changes nothing."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def wrapped(message: Any) -> None:
            await send(message)

        await self.app(scope, receive, wrapped)


class FixedHeaders:
    """The floor for a CORS middleware answering an allowed credentialed
    GET: it decides nothing and adds the three headers that answer needs
    (Access-Control-Allow-Origin, -Allow-Credentials, Vary), copying the
    response start as any such middleware must. What it costs beyond the
    no-op is mostly the server's own work on three more header lines."""

    HEADERS = (
        (b"access-control-allow-origin", b"https://a.example"),
        (b"access-control-allow-credentials", b"true"),
        (b"vary", b"Origin"),
    )

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def wrapped(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], *self.HEADERS]}
            await send(message)

        await self.app(scope, receive, wrapped)


def build(variant: str, application: str) -> Any:
    inner = raw_app if application == "raw" else starlette_app()
    if variant == "bare":
        return inner
    if variant == "noop":
        return NoOpSendWrap(inner)
    if variant == "fixed":
        return FixedHeaders(inner)
    if variant == "starlette":
        return StarletteCORS(
            inner,
            allow_origins=ORIGINS,
            allow_methods=METHODS,
            allow_headers=HEADERS,
            allow_credentials=True,
            max_age=600,
        )
    if variant == "baseline":  # bench_e2e.py --baseline: the package at another revision
        return baseline.middleware(inner, POLICY)
    if variant == "crossorigin":
        return CORSMiddleware(inner, policy=Policy(**POLICY))
    raise SystemExit(f"unknown variant {variant!r}")


app = build(
    os.environ.get("CROSSORIGIN_BENCH_VARIANT", "bare"),
    os.environ.get("CROSSORIGIN_BENCH_APP", "raw"),
)
