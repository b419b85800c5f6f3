"""Repeated Origin / Access-Control-Request-* lines cost the ASGI adapter work
bounded by the limits, not by the number of lines.

Before: every repeat was joined with `bytes +` in a loop (quadratic), and the
length limits applied only to the result; one request of 120,000 Origin lines
held uvicorn's event loop for 19.7 s. The tests record what the middleware
hands the engine: a joined value bounded by two lines (Origin, method) or by
the 8 KiB request-header limit proves the join stopped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from crossorigin import Policy, Reason
from crossorigin.asgi import CORSMiddleware
from crossorigin.engine import MAX_REQUEST_HEADERS_LENGTH, Decision, Engine

APP = b"https://app.example.com"
LINES = 5_000  # enough to take seconds when joined quadratically, little when not
POLICY = Policy(origins=[APP.decode()], methods=["PUT"], request_headers=["X-A", "X-B"])


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def call(middleware: CORSMiddleware, method: str, headers: list[tuple[bytes, bytes]]) -> int:
    scope = {"type": "http", "method": method, "path": "/items", "headers": headers}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    status: int = sent[0]["status"]
    return status


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Any, ...]]]:
    """Every argument tuple the middleware passes to Engine.actual/preflight,
    and every key it looks up in the hot path's table of known origins."""
    record: list[tuple[Any, ...]] = []
    actual, preflight = Engine.actual, Engine.preflight

    def spy_actual(self: Engine, *args: Any) -> Decision:
        record.append(args)
        return actual(self, *args)

    def spy_preflight(self: Engine, *args: Any) -> Decision:
        record.append(args)
        return preflight(self, *args)

    monkeypatch.setattr(Engine, "actual", spy_actual)
    monkeypatch.setattr(Engine, "preflight", spy_preflight)
    yield record


def longest(record: list[tuple[Any, ...]], position: int) -> int:
    values = [args[position] for args in record if len(args) > position]
    return max(len(value) for value in values if isinstance(value, bytes))


def test_hot_path_stops_at_the_second_origin_line(monkeypatch: pytest.MonkeyPatch) -> None:
    record: list[tuple[Any, ...]] = []
    lookup_of = Engine.cached_headers_lookup.fget
    assert lookup_of is not None

    def spy_on(engine: Engine) -> Any:
        lookup = lookup_of(engine)

        def spy(origin: bytes | None) -> Any:
            record.append((origin,))
            return lookup(origin)

        return spy

    # The fast path takes the engine's lookup once per configuration.
    monkeypatch.setattr(Engine, "cached_headers_lookup", property(spy_on))
    middleware = CORSMiddleware(app, policy=POLICY)
    line = (b"origin", APP)
    assert call(middleware, "GET", [line] * LINES) == 200
    assert record and longest(record, 0) == 2 * len(APP) + 2  # "a, b": two lines, no more


@pytest.mark.parametrize("routes", [False, True], ids=["default", "routes"])
def test_general_path_and_preflight_read_two_origin_lines_at_most(
    seen: list[tuple[Any, ...]], routes: bool
) -> None:
    if routes:
        middleware = CORSMiddleware(app, routes=[("/items", POLICY)], strict=True)
    else:
        middleware = CORSMiddleware(app, policy=POLICY, debug=True)
    origins = [(b"origin", APP)] * LINES
    call(middleware, "POST", origins)
    preflight = [*origins, (b"access-control-request-method", b"PUT")]
    assert call(middleware, "OPTIONS", preflight) == 403
    assert seen and longest(seen, 0) == 2 * len(APP) + 2


def test_repeated_request_method_lines_are_not_joined_past_the_second(
    seen: list[tuple[Any, ...]],
) -> None:
    middleware = CORSMiddleware(app, policy=POLICY)
    lines = [(b"origin", APP), *[(b"access-control-request-method", b"PUT")] * LINES]
    assert call(middleware, "OPTIONS", lines) == 403
    assert longest(seen, 1) == len(b"PUT, PUT")


def test_request_header_lines_are_joined_only_up_to_the_limit(
    seen: list[tuple[Any, ...]],
) -> None:
    middleware = CORSMiddleware(app, policy=POLICY)
    base = [(b"origin", APP), (b"access-control-request-method", b"PUT")]
    flood = [*base, *[(b"access-control-request-headers", b"x-a")] * LINES]
    assert call(middleware, "OPTIONS", flood) == 403
    assert MAX_REQUEST_HEADERS_LENGTH < longest(seen, 2) <= MAX_REQUEST_HEADERS_LENGTH + 4
    engine = middleware.engines.default
    assert engine is not None
    assert engine.preflight(*seen[-1]).reason is Reason.HEADERS_INVALID


def test_request_headers_split_over_lines_still_join() -> None:
    """HTTP lets a client split a list over several lines (RFC 9110 §5.3)."""
    middleware = CORSMiddleware(app, policy=POLICY)
    lines = [
        (b"origin", APP),
        (b"access-control-request-method", b"PUT"),
        (b"access-control-request-headers", b"x-a"),
        (b"access-control-request-headers", b"x-b"),
    ]
    assert call(middleware, "OPTIONS", lines) == 204
    assert call(middleware, "OPTIONS", [*lines, (b"access-control-request-headers", b"x-c")]) == 403
