"""`reconfigure` is atomic: at every step of a swap, every request sees the
old configuration or the new one as a whole, never old routes with a new
default engine (or the other way round).

How it is caught deterministically: `sys.settrace` stops before every line
(and at every return) that the adapter's own modules execute during
`reconfigure`, and at each stop a probe sends a request for every (path,
origin) pair and records which pairs get `Access-Control-Allow-Origin`. Each
snapshot must equal the whole old configuration's or the whole new one's.
The two transitions below are chosen so that a swap done field by field is
seen: strict mode keeps refused origins out of the fast path's table, so the
fast path's engine and the routing table are each consulted by some probe.
`test_the_probe_catches_a_swap_field_by_field` runs the same probe against
two such non-atomic swaps and requires it to fail them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import pytest

from crossorigin import ConfigError, Policy
from crossorigin import asgi as asgi_module
from crossorigin import wsgi as wsgi_module
from crossorigin.adapter_config import EngineTable, Route

A, B, C, D = (f"https://{name}.example" for name in "abcd")
ORIGINS = [A, B, C, D]
PATHS = ["/x", "/r", "/s"]

Snapshot = frozenset[tuple[str, str]]
Configuration = tuple[Policy | None, tuple[Route, ...]]

#: (old, new): from one default engine to routes, and back.
TRANSITIONS: dict[str, tuple[Configuration, Configuration]] = {
    "fast path to routes": (
        (Policy(origins=[A]), ()),
        (Policy(origins=[C]), (("/r", Policy(origins=[D])),)),
    ),
    "routes to fast path": (
        (Policy(origins=[A]), (("/r", Policy(origins=[B])),)),
        (Policy(origins=[C]), ()),
    ),
}


async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def asgi_allows(middleware: asgi_module.CORSMiddleware, path: str, origin: str) -> bool:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "headers": [(b"host", b"api.example"), (b"origin", origin.encode())],
    }
    coroutine = middleware(scope, receive, send)
    with pytest.raises(StopIteration):
        coroutine.send(None)  # the app never suspends: one step runs it all
    return any(name == b"access-control-allow-origin" for name, _ in sent[0]["headers"])


def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [])
    return [b""]


def wsgi_allows(middleware: wsgi_module.CORSMiddleware, path: str, origin: str) -> bool:
    headers: list[tuple[str, str]] = []

    def start_response(status: str, response_headers: list[tuple[str, str]], *_: Any) -> None:
        headers.extend(response_headers)

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "wsgi.url_scheme": "https",
        "HTTP_HOST": "api.example",
        "HTTP_ORIGIN": origin,
    }
    middleware(environ, start_response)
    return any(name.lower() == "access-control-allow-origin" for name, _ in headers)


def snapshot(allows: Callable[[str, str], bool]) -> Snapshot:
    return frozenset((path, origin) for path in PATHS for origin in ORIGINS if allows(path, origin))


def snapshots_during(swap: Callable[[], None], take: Callable[[], Snapshot]) -> list[Snapshot]:
    """Run `swap`, taking a snapshot before each line and at each return the
    adapter's modules (and this file) execute meanwhile (tracing is off inside the tracer, so
    the probe's own requests are not traced)."""
    watched = {
        asgi_module.__file__,
        wsgi_module.__file__,
        sys.modules[EngineTable.__module__].__file__,
        __file__,  # the swaps written below, which must be caught
    }
    taken: list[Snapshot] = []

    def local(frame: FrameType, event: str, arg: object) -> Any:
        if event in ("line", "return"):
            taken.append(take())
        return local

    def calls(frame: FrameType, event: str, arg: object) -> Any:
        return local if frame.f_code.co_filename in watched else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        swap()
    finally:
        sys.settrace(previous)
    return taken


def assert_atomic(
    build: Callable[[Configuration], Any],
    allows: Callable[[Any, str, str], bool],
    old: Configuration,
    new: Configuration,
    swap: Callable[[Any, Configuration], None],
) -> None:
    expected_new = snapshot(lambda path, origin: allows(build(new), path, origin))
    middleware = build(old)
    take = lambda: snapshot(lambda path, origin: allows(middleware, path, origin))  # noqa: E731
    expected_old = take()
    assert expected_old != expected_new
    taken = snapshots_during(lambda: swap(middleware, new), take)
    assert len(taken) >= 2, "the probe never ran during the swap"
    mixed = [seen for seen in taken if seen not in (expected_old, expected_new)]
    assert not mixed, f"a request saw a mix of old and new: {sorted(mixed[0])}"
    assert take() == expected_new


def build_asgi(configuration: Configuration) -> asgi_module.CORSMiddleware:
    policy, routes = configuration
    return asgi_module.CORSMiddleware(asgi_app, policy=policy, routes=routes, strict=True)


def build_wsgi(configuration: Configuration) -> wsgi_module.CORSMiddleware:
    policy, routes = configuration
    return wsgi_module.CORSMiddleware(wsgi_app, policy=policy, routes=routes, strict=True)


def reconfigure(middleware: Any, configuration: Configuration) -> None:
    middleware.reconfigure(*configuration)


@pytest.fixture(params=list(TRANSITIONS))
def transition(request: pytest.FixtureRequest) -> Iterator[tuple[Configuration, Configuration]]:
    yield TRANSITIONS[request.param]


def test_asgi_reconfigure_is_atomic(transition: tuple[Configuration, Configuration]) -> None:
    assert_atomic(build_asgi, asgi_allows, *transition, reconfigure)


def test_wsgi_reconfigure_is_atomic(transition: tuple[Configuration, Configuration]) -> None:
    assert_atomic(build_wsgi, wsgi_allows, *transition, reconfigure)


def table_first(middleware: Any, configuration: Configuration) -> None:
    new = middleware._configuration(EngineTable(*configuration, strict=True))
    middleware._config = asgi_module._Configuration(
        new.table, middleware._config.fast, middleware._config.fast_preflight
    )
    middleware._config = new


def fast_engine_first(middleware: Any, configuration: Configuration) -> None:
    new = middleware._configuration(EngineTable(*configuration, strict=True))
    middleware._config = asgi_module._Configuration(
        middleware._config.table, new.fast, new.fast_preflight
    )
    middleware._config = new


@pytest.mark.parametrize("swap", [table_first, fast_engine_first])
def test_the_probe_catches_a_swap_field_by_field(
    swap: Callable[[Any, Configuration], None],
) -> None:
    """The test above has teeth: the same probe fails two non-atomic swaps
    (the routing table and the fast path's engine replaced one after the
    other, in either order) on one of the transitions."""
    failures = 0
    for old, new in TRANSITIONS.values():
        try:
            assert_atomic(build_asgi, asgi_allows, old, new, swap)
        except AssertionError as error:
            assert "a mix of old and new" in str(error)
            failures += 1
    assert failures >= 1


def test_fast_path_is_never_stale_after_reconfigure() -> None:
    """The fast path's table belongs to an engine, and `reconfigure` builds new
    engines: what the old one learned is never served after the swap."""
    middleware = build_asgi((Policy(origins=[A]), ()))
    assert asgi_allows(middleware, "/x", A)
    old_engine = middleware.engines.default
    assert old_engine is not None and old_engine.cached_headers(A.encode()) is not None
    middleware.reconfigure(Policy(origins=[B]))
    new_engine = middleware.engines.default
    assert new_engine is not None and new_engine.cached_headers(A.encode()) is None
    assert not asgi_allows(middleware, "/x", A)
    assert asgi_allows(middleware, "/x", B)


def test_a_refused_reconfiguration_leaves_the_running_one() -> None:
    middleware = build_asgi((Policy(origins=[A]), ()))
    with pytest.raises(ConfigError):
        middleware.reconfigure(Policy(origins=["bad"]))
    assert asgi_allows(middleware, "/x", A)
    assert not asgi_allows(middleware, "/x", B)
