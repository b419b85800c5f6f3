"""The ASGI fast path answers exactly as the general path.

`CORSMiddleware.__call__` settles most requests without `decide_request`: an
actual request takes its headers from the engine's `cached_headers_lookup`
(the table's `dict.get` when the policy has no resolver), a preflight is
decided without routing. The general path (`_general`) is the reference. Each
test sends the same requests, in the same order, through a middleware with
the fast path and through one whose configuration has none, and requires
every message sent to the server to be the same, on first sight of each
origin and once it is cached.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest

from crossorigin import Policy
from crossorigin.asgi import CORSMiddleware, _Configuration
from crossorigin.engine import Engine

A = b"https://a.example"
TENANT = b"https://x.tenants.example"
RESOLVED = b"https://r.resolved.example"
EVIL = b"https://evil.example"

#: The application's one response start, reused for every request (as some
#: applications do): the middleware must copy it, never change it.
START: dict[str, Any] = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"text/plain")],
}
PRISTINE = copy.deepcopy(START)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send(START)
    await send({"type": "http.response.body", "body": b"ok"})


def allow_resolved(origin: str, request: Any) -> bool:
    return origin.endswith(".resolved.example")


POLICIES = {
    "credentials": Policy(
        origins=[A.decode(), "https://*.tenants.example"],
        methods=["PUT"],
        request_headers=["x-a"],
        credentials=True,
        max_age=600,
    ),
    "any origin": Policy(origins=["*"], expose_headers=["x-total"]),
    "resolver": Policy(origins=[A.decode()], resolver=allow_resolved, methods=["PUT"]),
}

ORIGIN_LINES: dict[str, list[tuple[bytes, bytes]]] = {
    "none": [],
    "allowed": [(b"origin", A)],
    "pattern": [(b"origin", TENANT)],
    "resolved": [(b"origin", RESOLVED)],
    "refused": [(b"origin", EVIL)],
    "null": [(b"origin", b"null")],
    "invalid": [(b"origin", b"https://a.example\xff")],
    "doubled": [(b"origin", A), (b"origin", A)],
    "doubled, other": [(b"origin", A), (b"origin", EVIL)],
}
PREFLIGHT_LINES: list[list[tuple[bytes, bytes]]] = [
    [],
    [(b"access-control-request-method", b"PUT")],
    [(b"access-control-request-method", b"PATCH")],
    [(b"access-control-request-method", b"PUT"), (b"access-control-request-headers", b"x-a")],
    [
        (b"access-control-request-method", b"PUT"),
        (b"access-control-request-headers", b"x-a"),
        (b"access-control-request-headers", b"x-b"),
    ],
    [(b"access-control-request-method", b"PUT"), (b"access-control-request-method", b"PUT")],
]


def requests() -> list[tuple[str, list[tuple[bytes, bytes]]]]:
    base = [(b"host", b"api.example"), (b"accept", b"*/*")]
    every: list[tuple[str, list[tuple[bytes, bytes]]]] = []
    for origin in ORIGIN_LINES.values():
        for method in ("GET", "HEAD", "POST", "DELETE"):
            every.append((method, [*base, *origin]))
        for preflight in PREFLIGHT_LINES:
            every.append(("OPTIONS", [*base, *origin, *preflight]))
    return every


async def exchange(
    middleware: CORSMiddleware, method: str, headers: list[tuple[bytes, bytes]]
) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(copy.deepcopy(message))

    scope = {
        "type": "http",
        "method": method,
        "scheme": "https",
        "path": "/items",
        "root_path": "",
        "headers": headers,
    }
    await middleware(scope, receive, send)
    return sent


def answers(middleware: CORSMiddleware) -> list[list[dict[str, Any]]]:
    async def every_request_twice() -> list[list[dict[str, Any]]]:
        return [
            await exchange(middleware, method, headers)
            for _ in range(2)  # first sight of each origin, then from the caches
            for method, headers in requests()
        ]

    return asyncio.run(every_request_twice())


def without_fast_path(middleware: CORSMiddleware) -> CORSMiddleware:
    middleware._config = _Configuration(middleware._config.table)
    return middleware


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
@pytest.mark.parametrize("name", list(POLICIES))
def test_fast_path_answers_every_request_as_the_general_path(name: str, strict: bool) -> None:
    policy = POLICIES[name]
    fast = CORSMiddleware(app, policy=policy, strict=strict)
    general = without_fast_path(CORSMiddleware(app, policy=policy, strict=strict))
    assert fast._config.lookup is not None and general._config.lookup is None
    assert answers(fast) == answers(general)
    assert START == PRISTINE  # the application's message was copied, never changed


@pytest.mark.parametrize("name", list(POLICIES))
def test_cached_headers_lookup_gives_cached_headers_answers(name: str) -> None:
    """The lookup the fast path calls is `cached_headers` itself or the
    table's `get`; either way the same answer for every origin, before and
    after the engine has decided (and, with a resolver, kept) it."""
    engine = Engine(POLICIES[name], strict=True)
    lookup = engine.cached_headers_lookup
    origins = [None, A, TENANT, RESOLVED, EVIL, b"null", A + b", " + A]

    def agree() -> None:
        for origin in origins:
            assert lookup(origin) == engine.cached_headers(origin), origin

    agree()
    for origin in origins:
        headers = [] if origin is None else [(b"origin", origin)]
        engine.decide("GET", headers)
    agree()
    assert any(lookup(origin) is not None for origin in origins if origin is not None)
