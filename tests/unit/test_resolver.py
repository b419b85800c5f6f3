"""The origin resolver (crossorigin.resolver, Engine.settle, policy.check_grant):
its contract in the engine, its failure modes, its cache, and a real SQLite
database behind it under concurrent WSGI load."""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from crossorigin import ConfigError, Policy
from crossorigin import resolver as resolver_module
from crossorigin.engine import CACHE_SIZE, Decision, Engine, Reason
from crossorigin.resolver import Grant, Outcome, RequestInfo, call_sync
from crossorigin.wsgi import CORSMiddleware

APP = "https://app.example.com"
TENANT = "https://acme.tenants.example"
INFO = RequestInfo.from_pairs("GET", "/api", [(b"host", b"api.example.com")])


def decide(
    engine: Engine, origin: str, method: str = "GET", request_method: str | None = None
) -> Decision:
    """What an edge does: ask the resolver when the engine says so, then decide."""
    raw = origin.encode()
    resolution = None
    if engine.needs_resolver(raw):
        assert engine.resolver is not None
        outcome = call_sync(engine.resolver, origin, INFO, engine.resolver_timeout)
        resolution = engine.settle(raw, outcome)
    request = (raw, request_method.encode() if request_method else None, None, None)
    return engine.decide_request(method, request, None, resolution)


def counting(answer: Callable[[str], Any]) -> tuple[Callable[[str, RequestInfo], Any], list[str]]:
    calls: list[str] = []

    def resolve(origin: str, request: RequestInfo) -> Any:
        calls.append(origin)
        return answer(origin)

    return resolve, calls


def acao(decision: Decision) -> bytes | None:
    return dict(decision.headers).get(b"access-control-allow-origin")


# -- the contract in the engine ------------------------------------------------------


def test_static_origins_never_reach_the_resolver() -> None:
    resolve, calls = counting(lambda origin: True)
    engine = Engine(Policy(origins=[APP, "https://*.example.org"], resolver=resolve))
    for origin in (APP, "https://a.example.org"):
        assert decide(engine, origin).allowed
        assert not engine.needs_resolver(origin.encode())
    assert calls == []


def test_allowed_refused_and_every_answer_varies_on_origin() -> None:
    resolve, calls = counting(lambda origin: origin == TENANT)
    engine = Engine(Policy(origins=[APP], resolver=resolve))
    allowed = decide(engine, TENANT)
    refused = decide(engine, "https://evil.example")
    assert acao(allowed) == TENANT.encode()
    assert acao(refused) is None and refused.reason is Reason.ORIGIN_NOT_ALLOWED
    for decision in (allowed, refused, engine.not_cors(), decide(engine, APP)):
        assert (b"vary", b"Origin") in decision.headers
    # Both answers are kept: asked once each.
    decide(engine, TENANT)
    decide(engine, "https://evil.example")
    assert calls == [TENANT, "https://evil.example"]
    assert engine.cached_headers(TENANT.encode()) == allowed.headers


def test_grant_sets_and_narrows_options() -> None:
    answers = {
        TENANT: Grant(credentials=True, expose_headers=["X-Tenant"]),
        "https://public.example": Grant(credentials=False, expose_headers=()),
    }
    engine = Engine(
        Policy(
            origins=[APP],
            credentials=True,
            expose_headers=["X-Total"],
            methods=["GET", "PUT"],
            resolver=lambda origin, request: answers.get(origin, False),
        )
    )
    granted = dict(decide(engine, TENANT).headers)
    assert granted[b"access-control-allow-credentials"] == b"true"
    assert granted[b"access-control-expose-headers"] == b"X-Tenant"
    narrowed = dict(decide(engine, "https://public.example").headers)
    assert b"access-control-allow-credentials" not in narrowed
    assert b"access-control-expose-headers" not in narrowed
    # The preflight follows the grant too.
    preflight = decide(engine, "https://public.example", "OPTIONS", "PUT")
    assert preflight.status == 204
    assert b"access-control-allow-credentials" not in dict(preflight.headers)
    preflight = decide(engine, TENANT, "OPTIONS", "PUT")
    assert dict(preflight.headers)[b"access-control-allow-credentials"] == b"true"


@pytest.mark.parametrize(
    ("origin", "answer", "policy_fields"),
    [
        ("http://tenant.example", Grant(credentials=True), {}),
        ("http://tenant.example", True, {"credentials": True}),
        ("null", True, {}),
        (TENANT, Grant(expose_headers=["Set-Cookie"]), {}),
        (TENANT, Grant(credentials=True, expose_headers=["*"]), {}),
        (TENANT, Grant(credentials=True), {"expose_headers": "*"}),
        (TENANT, Grant(credentials="yes"), {}),  # type: ignore[arg-type]
    ],
)
def test_a_grant_past_validation_is_refused_and_logged(
    origin: str,
    answer: bool | Grant,
    policy_fields: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    resolver_module._last_logged.clear()
    engine = Engine(Policy(origins=[APP], resolver=lambda o, r: answer, **policy_fields))
    with caplog.at_level("WARNING", logger="crossorigin"):
        decision = decide(engine, origin)
        preflight = decide(engine, origin, "OPTIONS", "GET")
    assert not decision.allowed and decision.reason is Reason.GRANT_REFUSED
    assert decision.headers == ((b"vary", b"Origin"),)
    assert preflight.status == 403 and preflight.reason is Reason.GRANT_REFUSED
    assert [r for r in caplog.records if "grant-refused" in r.getMessage()]


def test_opt_ins_let_the_same_grants_through() -> None:
    engine = Engine(
        Policy(
            origins=[APP],
            dangerously_allow_insecure_origins=True,
            dangerously_allow_null_origin=True,
            resolver=lambda o, r: Grant(credentials=True),
        )
    )
    assert decide(engine, "http://tenant.example").allowed
    assert decide(engine, "null").allowed
    # Loopback never needs the opt-in (as in `origins`).
    plain = Engine(Policy(origins=[APP], resolver=lambda o, r: Grant(credentials=True)))
    assert decide(plain, "http://localhost:5173").allowed


def raising(origin: str, request: RequestInfo) -> bool:
    raise sqlite3.OperationalError("database is locked")


def slow(origin: str, request: RequestInfo) -> bool:
    time.sleep(1.0)
    return True


@pytest.mark.parametrize(
    "resolve",
    [raising, slow, lambda o, r: "yes", lambda o, r: None],
    ids=["raises", "times-out", "returns-str", "returns-none"],
)
def test_failures_refuse_with_one_log_line(
    resolve: Callable[[str, RequestInfo], Any], caplog: pytest.LogCaptureFixture
) -> None:
    resolver_module._last_logged.clear()
    engine = Engine(Policy(origins=[APP], resolver=resolve, resolver_timeout=0.05))
    with caplog.at_level("WARNING", logger="crossorigin"):
        decisions = [decide(engine, f"https://t{n}.example") for n in range(5)]
    for decision in decisions:
        assert not decision.allowed and decision.reason is Reason.RESOLVER_FAILED
        assert decision.headers == ((b"vary", b"Origin"),)
    assert len(caplog.records) == 1, [r.getMessage() for r in caplog.records]


def test_log_line_escapes_the_origin(caplog: pytest.LogCaptureFixture) -> None:
    resolver_module._last_logged.clear()
    with caplog.at_level("WARNING", logger="crossorigin"):
        call_sync(raising, "https://a.example\x1b[2J", INFO, 0.5)
    assert "\x1b" not in caplog.records[0].getMessage()


def test_answers_expire_after_their_ttl() -> None:
    flips = itertools.cycle([True, False])
    resolve, calls = counting(lambda origin: next(flips))
    engine = Engine(
        Policy(origins=[APP], resolver=resolve, resolver_ttl=0.05, resolver_refusal_ttl=0.05)
    )
    assert decide(engine, TENANT).allowed
    assert decide(engine, TENANT).allowed and len(calls) == 1  # kept
    time.sleep(0.1)
    assert engine.needs_resolver(TENANT.encode())
    assert engine.cached_headers(TENANT.encode()) is None  # the fast path never serves it stale
    assert not decide(engine, TENANT).allowed and len(calls) == 2


def test_zero_ttl_asks_every_time() -> None:
    resolve, calls = counting(lambda origin: True)
    engine = Engine(Policy(origins=[APP], resolver=resolve, resolver_ttl=0))
    for _ in range(3):
        assert decide(engine, TENANT).allowed
    assert len(calls) == 3


def test_failures_are_kept_briefly_not_for_the_refusal_ttl() -> None:
    engine = Engine(Policy(origins=[APP], resolver=raising, resolver_refusal_ttl=3600))
    resolution = engine.settle(TENANT.encode(), Outcome(False, "error: down"))
    assert resolution.expires - time.monotonic() <= resolver_module.FAILURE_TTL
    refusal = engine.settle(b"https://b.example", Outcome(False))
    assert refusal.expires - time.monotonic() > 3000


def test_the_kept_answers_are_bounded() -> None:
    engine = Engine(Policy(origins=[APP], resolver=lambda o, r: True))
    for n in range(CACHE_SIZE * 2 + 10):
        origin = f"https://t{n}.example".encode()
        engine.settle(origin, Outcome(True))
        assert len(engine._resolutions) <= CACHE_SIZE


def test_implausible_origins_never_reach_the_resolver() -> None:
    resolve, calls = counting(lambda origin: True)
    engine = Engine(Policy(origins=[APP], resolver=resolve))
    for origin in ("https://a.example, https://b.example", "x" * 400, "https://a.example\x7f"):
        assert not decide(engine, origin).allowed
    assert calls == []


def test_strict_mode_refuses_unsafe_methods_from_resolver_refusals() -> None:
    engine = Engine(Policy(origins=[APP], resolver=lambda o, r: False), strict=True)
    assert decide(engine, "https://evil.example", "POST").status == 403
    assert engine.cached_headers(b"https://evil.example") is None


def test_a_saturated_pool_refuses_at_once_and_stays_bounded() -> None:
    release = threading.Event()

    def stuck(origin: str, request: RequestInfo) -> bool:
        release.wait(10)
        return True

    try:
        with ThreadPoolExecutor(16) as pool:
            outcomes = list(
                pool.map(
                    lambda n: call_sync(stuck, f"https://t{n}.example", INFO, 0.05),
                    range(resolver_module.MAX_PENDING * 2),
                )
            )
        assert all(o.failed for o in outcomes)
        assert {o.failed.split(":")[0] for o in outcomes if o.failed} == {"timeout", "saturated"}
        assert resolver_module.pending_calls() <= resolver_module.MAX_PENDING
    finally:
        release.set()
    deadline = time.monotonic() + 10
    while resolver_module.pending_calls() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert resolver_module.pending_calls() == 0


def test_concurrent_requests_from_one_origin_share_one_call() -> None:
    gate = threading.Event()
    resolve, calls = counting(lambda origin: gate.wait(5))
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(call_sync, resolve, TENANT, INFO, 5) for _ in range(8)]
        time.sleep(0.1)
        gate.set()
        assert all(f.result().value is True for f in futures)
    assert calls == [TENANT]


def test_request_info_is_read_only() -> None:
    info = RequestInfo.from_environ(
        {"REQUEST_METHOD": "PUT", "PATH_INFO": "/x", "HTTP_HOST": "a.example", "HTTP_X_A": "1"}
    )
    assert (info.method, info.path, info.host, info.headers["x-a"]) == (
        "PUT",
        "/x",
        "a.example",
        "1",
    )
    with pytest.raises(TypeError):
        info.headers["x-a"] = "2"  # type: ignore[index]
    with pytest.raises(AttributeError):
        info.method = "GET"  # type: ignore[misc]


# -- WSGI -------------------------------------------------------------------------------


def test_wsgi_refuses_a_coroutine_resolver() -> None:
    async def resolve(origin: str, request: RequestInfo) -> bool:
        return True

    with pytest.raises(ConfigError, match="coroutine"):
        CORSMiddleware(lambda e, s: [], policy=Policy(origins=[APP], resolver=resolve))


def open_tenants(path: Path, rows: Iterable[tuple[str, int]]) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE IF NOT EXISTS tenants (origin TEXT PRIMARY KEY, credentials INT)")
        db.executemany("INSERT OR REPLACE INTO tenants VALUES (?, ?)", rows)


def sqlite_resolver(path: Path) -> Callable[[str, RequestInfo], bool | Grant]:
    def resolve(origin: str, request: RequestInfo) -> bool | Grant:
        # One connection per call: the pool's threads never share one.
        with sqlite3.connect(path, timeout=0.2) as db:
            row = db.execute(
                "SELECT credentials FROM tenants WHERE origin = ?", (origin,)
            ).fetchone()
        if row is None:
            return False
        return Grant(credentials=bool(row[0]))

    return resolve


def call_wsgi(app: Any, environ: dict[str, Any]) -> tuple[str, dict[str, str]]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen["status"], seen["headers"] = status, headers
        return lambda data: None

    body = app(environ, start_response)
    b"".join(body)
    return seen["status"], {k.lower(): v for k, v in seen["headers"]}


def test_sqlite_resolver_under_concurrent_wsgi_load(tmp_path: Path) -> None:
    """Tenants come and go while 8 threads send requests; some origins raise
    (a locked database) or hang. Every response is the application's 200 or
    a preflight answer, never a 500; an origin is only ever allowed while it
    is in the table; memory stays bounded."""
    database = tmp_path / "tenants.db"
    open_tenants(database, [(f"https://t{n}.tenants.example", n % 2) for n in range(20)])
    real = sqlite_resolver(database)
    flapping = itertools.count()

    def resolve(origin: str, request: RequestInfo) -> bool | Grant:
        if origin.startswith("https://slow"):
            time.sleep(0.5)
        if origin.startswith("https://flap") and next(flapping) % 2:
            raise sqlite3.OperationalError("database is locked")
        return real(origin, request)

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    middleware = CORSMiddleware(
        app,
        policy=Policy(
            origins=[APP],
            methods=["GET", "PUT"],
            resolver=resolve,
            resolver_timeout=0.1,
            resolver_ttl=0.05,
            resolver_refusal_ttl=0.05,
        ),
    )
    ever_in_table = {f"https://t{n}.tenants.example" for n in range(40)} | {
        "https://flap.tenants.example"
    }
    open_tenants(database, [("https://flap.tenants.example", 1)])
    origins = [
        *(f"https://t{n}.tenants.example" for n in range(40)),
        "https://evil.example",
        "https://slow.tenants.example",
        "https://flap.tenants.example",
        APP,
    ]
    stop = threading.Event()

    def churn() -> None:
        n = 20
        while not stop.is_set():
            open_tenants(database, [(f"https://t{n % 40}.tenants.example", 1)])
            n += 1
            time.sleep(0.005)

    def one(n: int) -> tuple[str, str, dict[str, str]]:
        origin = origins[n % len(origins)]
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api", "HTTP_ORIGIN": origin}
        if n % 3 == 0:
            environ.update(REQUEST_METHOD="OPTIONS", HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT")
        status, headers = call_wsgi(middleware, environ)
        return origin, status, headers

    writer = threading.Thread(target=churn)
    writer.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(one, range(1500)))
    finally:
        stop.set()
        writer.join()
    statuses = {status for _, status, _ in results}
    assert statuses <= {"200 OK", "204 No Content", "403 Forbidden"}, statuses
    for origin, _, headers in results:
        assert "Origin" in headers.get("vary", ""), (origin, headers)
        allowed = headers.get("access-control-allow-origin")
        if allowed is not None:
            assert allowed == origin and origin in (ever_in_table | {APP}), (origin, headers)
            if headers.get("access-control-allow-credentials"):
                assert origin != "https://evil.example"
    assert not any(
        h.get("access-control-allow-origin") for o, _, h in results if o.startswith("https://slow")
    )
    engine = middleware.engines.default
    assert engine is not None and len(engine._resolutions) <= CACHE_SIZE
    assert resolver_module.pending_calls() <= resolver_module.MAX_PENDING


# -- the preflight knobs and companion headers ---------------------------------------------


def test_preflight_status_200_is_framed() -> None:
    engine = Engine(Policy(origins=[APP], preflight_status=200))
    decision = decide(engine, APP, "OPTIONS", "GET")
    assert decision.status == 200 and decision.answer is not None
    assert (b"content-length", b"0") in decision.answer.headers


def test_preflight_cache_control_only_on_allowed_answers() -> None:
    engine = Engine(Policy(origins=[APP], preflight_cache_control="public,max-age=600"))
    allowed = decide(engine, APP, "OPTIONS", "GET")
    refused = decide(engine, "https://evil.example", "OPTIONS", "GET")
    assert dict(allowed.headers)[b"cache-control"] == b"public, max-age=600"
    assert b"cache-control" not in dict(refused.headers)
    assert b"cache-control" not in dict(decide(engine, APP).headers)


def test_preflight_continue_passes_allowed_preflights_to_the_application() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Allow", "GET, OPTIONS")])
        return [b"app options"]

    middleware = CORSMiddleware(app, policy=Policy(origins=[APP], preflight_continue=True))
    preflight = {
        "REQUEST_METHOD": "OPTIONS",
        "PATH_INFO": "/api",
        "HTTP_ORIGIN": APP,
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET",
    }
    status, headers = call_wsgi(middleware, preflight)
    assert status == "200 OK" and headers["allow"] == "GET, OPTIONS"
    assert headers["access-control-allow-origin"] == APP
    assert headers["access-control-allow-methods"] == "GET, HEAD, POST"
    # A refused preflight is still answered here: the application never sees it.
    status, headers = call_wsgi(middleware, {**preflight, "HTTP_ORIGIN": "https://evil.example"})
    assert status == "403 Forbidden" and "allow" not in headers


def test_timing_allow_origin_follows_the_same_decision() -> None:
    engine = Engine(Policy(origins=[APP], timing_allow_origin=True))
    assert dict(decide(engine, APP).headers)[b"timing-allow-origin"] == APP.encode()
    assert b"timing-allow-origin" not in dict(decide(engine, "https://evil.example").headers)
    anyone = Engine(Policy(origins="*", timing_allow_origin=True))
    assert dict(decide(anyone, APP).headers)[b"timing-allow-origin"] == b"*"
    resolved = Engine(Policy(origins=[APP], timing_allow_origin=True, resolver=lambda o, r: True))
    assert dict(decide(resolved, TENANT).headers)[b"timing-allow-origin"] == TENANT.encode()
    assert b"timing-allow-origin" not in dict(Engine(Policy(origins=[APP])).actual(b"x").headers)


# -- option groups ------------------------------------------------------------------------


def test_groups_first_party_with_credentials_and_a_public_group() -> None:
    from crossorigin.policy import Group

    engine = Engine(
        Policy(
            methods=["GET", "PUT"],
            groups=[
                Group(origins=[APP], credentials=True, expose_headers=["X-Total"]),
                {"origins": "*", "expose_headers": ["X-Public"]},
            ],
        )
    )
    first = dict(decide(engine, APP).headers)
    assert first[b"access-control-allow-origin"] == APP.encode()
    assert first[b"access-control-allow-credentials"] == b"true"
    assert first[b"access-control-expose-headers"] == b"X-Total"
    public = dict(decide(engine, "https://anyone.example").headers)
    assert public[b"access-control-allow-origin"] == b"*"
    assert b"access-control-allow-credentials" not in public
    assert public[b"vary"] == b"Origin"  # the answer depends on the origin
    preflight = dict(decide(engine, "https://anyone.example", "OPTIONS", "PUT").headers)
    assert preflight[b"access-control-allow-origin"] == b"*"
    assert b"access-control-allow-credentials" not in preflight
    preflight = dict(decide(engine, APP, "OPTIONS", "PUT").headers)
    assert preflight[b"access-control-allow-credentials"] == b"true"
    # The fast path serves what the decision says.
    assert engine.cached_headers(APP.encode()) == decide(engine, APP).headers


@pytest.mark.parametrize(
    ("groups", "code"),
    [
        ([{"origins": "*", "credentials": True}], "wildcard-with-credentials"),
        (
            [{"origins": ["http://a.example"], "credentials": True}],
            "insecure-origin-with-credentials",
        ),
        (
            [{"origins": ["https://*.github.io"], "credentials": True}],
            "public-suffix-wildcard-with-credentials",
        ),
        (
            [{"origins": [APP], "credentials": True, "expose_headers": "*"}],
            "expose-wildcard-with-credentials",
        ),
        ([{"origins": [APP], "methods": ["PUT"]}], "group-invalid"),
        ("https://a.example", "group-invalid"),
    ],
)
def test_groups_are_validated_like_policies(groups: Any, code: str) -> None:
    with pytest.raises(ConfigError) as error:
        Policy(groups=groups)
    assert code in [issue.code for issue in error.value.issues]


def test_groups_beside_any_origin_are_refused() -> None:
    with pytest.raises(ConfigError) as error:
        Policy(origins="*", groups=[{"origins": [APP], "credentials": True}])
    assert "groups-with-any-origin" in [issue.code for issue in error.value.issues]


def test_groups_come_before_the_resolver() -> None:
    resolve, calls = counting(lambda origin: True)
    engine = Engine(Policy(groups=[{"origins": [APP], "credentials": True}], resolver=resolve))
    assert decide(engine, APP).allowed and calls == []
    assert decide(engine, TENANT).allowed and calls == [TENANT]


def test_isolation_presets_ride_on_every_application_response() -> None:
    engine = Engine(
        Policy(origins=[APP], cross_origin_isolation="require-corp", resource_policy="cross-origin")
    )
    expected = {
        b"cross-origin-opener-policy": b"same-origin",
        b"cross-origin-embedder-policy": b"require-corp",
        b"cross-origin-resource-policy": b"cross-origin",
    }
    for decision in (
        decide(engine, APP),
        decide(engine, "https://evil.example"),
        engine.not_cors(),
    ):
        headers = dict(decision.headers)
        assert {name: headers.get(name) for name in expected} == expected
        assert headers[b"vary"] == b"Origin"
    # Not on preflight answers, which no page reads as a document or resource.
    assert b"cross-origin-opener-policy" not in dict(decide(engine, APP, "OPTIONS", "GET").headers)
    anyone = Engine(Policy(origins="*", cross_origin_isolation="credentialless"))
    assert dict(anyone.not_cors().headers)[b"cross-origin-embedder-policy"] == b"credentialless"
    assert b"cross-origin-opener-policy" not in dict(
        Engine(Policy(origins=[APP])).not_cors().headers
    )


def test_an_async_resolver_that_cancels_itself_is_a_failure() -> None:
    import asyncio

    from crossorigin.resolver import call_async

    async def cancels(origin: str, request: RequestInfo) -> bool:
        raise asyncio.CancelledError

    async def slow_async(origin: str, request: RequestInfo) -> bool:
        await asyncio.sleep(5)
        return True

    async def run() -> tuple[Outcome, Outcome, Outcome]:
        return (
            await call_async(cancels, TENANT, INFO, 0.5),
            await call_async(slow_async, TENANT, INFO, 0.05),
            await call_async(raising, TENANT, INFO, 0.5),
        )

    for outcome in asyncio.run(run()):
        assert outcome.value is False and outcome.failed


def test_websocket_checks_follow_groups_and_the_resolver() -> None:
    engine = Engine(
        Policy(
            groups=[{"origins": [APP], "credentials": True}],
            resolver=lambda origin, request: origin == TENANT,
        )
    )
    assert engine.websocket(APP.encode()).allowed
    assert not engine.websocket(TENANT.encode()).allowed  # nothing kept yet: refused
    resolution = engine.settle(TENANT.encode(), Outcome(True))
    assert engine.websocket(TENANT.encode(), None, resolution).allowed
    assert engine.websocket(TENANT.encode()).allowed  # kept
    assert not engine.websocket(b"https://evil.example").allowed


def test_allows_origin_reads_groups_for_the_tools() -> None:
    policy = Policy(groups=[{"origins": [APP], "credentials": True}])
    assert policy.allows_origin(APP) and not policy.allows_origin(TENANT)
