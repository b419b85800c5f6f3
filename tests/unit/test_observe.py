"""crossorigin.observe: report-only comparison, rate-limited lines, metrics
events, and the adapters' one call (in process; the real servers are in
test_observe_servers.py)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from crossorigin import Policy
from crossorigin.adapter_config import EngineTable
from crossorigin.asgi import CORSMiddleware as ASGIMiddleware
from crossorigin.observe import Counters, DecisionEvent, Observer, RateLimitedLog
from crossorigin.wsgi import CORSMiddleware as WSGIMiddleware

A = "https://a.example"
B = "https://b.example"
LIVE = Policy(origins="*", methods=["GET", "PUT"])
NARROW = Policy(origins=[A], methods=["GET", "PUT"])


def report_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "report-only" in r.getMessage()]


# -- the ASGI adapter in process -------------------------------------------------------


async def _app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def asgi_call(middleware: Any, method: str, headers: list[tuple[bytes, bytes]], path: str = "/x"):
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": headers}
    asyncio.run(middleware(scope, receive, send))
    return messages[0]["status"], messages[0]["headers"]


def test_change_kinds_are_logged_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    counters = Counters()
    middleware = ASGIMiddleware(
        _app,
        policy=Policy(origins=[A, B], methods=["GET", "PUT"]),
        report_only=Policy(origins=[A], methods=["GET"], credentials=True),
        metrics=counters,
    )
    with caplog.at_level(logging.WARNING, logger="crossorigin"):
        asgi_call(middleware, "GET", [(b"origin", B.encode())])  # allowed -> refused
        asgi_call(middleware, "GET", [(b"origin", A.encode())])  # credentials added
        asgi_call(middleware, "GET", [])  # not CORS: never compared
        preflight = [(b"origin", A.encode()), (b"access-control-request-method", b"PUT")]
        asgi_call(middleware, "OPTIONS", preflight)  # PUT allowed -> refused
    lines = report_lines(caplog)
    assert len(lines) == 3
    assert "allowed-to-refused on route default: GET /x from origin https://b.example" in lines[0]
    assert "report-only refused (origin-not-allowed)" in lines[0]
    assert "headers-changed" in lines[1] and "access-control-allow-credentials: true" in lines[1]
    assert "allowed-to-refused" in lines[2] and "(preflight)" in lines[2]
    assert counters.count(report_only_change="allowed-to-refused") == 2
    assert counters.count(report_only_change="headers-changed") == 1
    assert counters.count(kind="not-cors", report_only_change=None) == 1


def test_refused_to_allowed_and_unchanged() -> None:
    counters = Counters()
    middleware = ASGIMiddleware(
        _app, policy=NARROW, report_only=Policy(origins=[A, B]), metrics=counters
    )
    asgi_call(middleware, "GET", [(b"origin", B.encode())])
    asgi_call(middleware, "GET", [(b"origin", A.encode())])  # same answer both ways
    assert counters.count(report_only_change="refused-to-allowed") == 1
    assert counters.count(allowed=True, report_only_change=None) == 1


def test_wildcard_and_echoed_origin_are_the_same_answer() -> None:
    # Tightening `*` to a list that holds the origin changes nothing a browser reads.
    counters = Counters()
    middleware = ASGIMiddleware(_app, policy=LIVE, report_only=NARROW, metrics=counters)
    asgi_call(middleware, "GET", [(b"origin", A.encode())])
    assert counters.snapshot() == {DecisionEvent("actual", True, None, "default", None): 1}


def test_live_answer_is_the_same_with_and_without_hooks() -> None:
    def boom(event: DecisionEvent) -> None:
        raise RuntimeError("metrics backend down")

    plain = ASGIMiddleware(_app, policy=NARROW)
    watched = ASGIMiddleware(_app, policy=NARROW, report_only=LIVE, metrics=boom)
    requests = [
        ("GET", [(b"origin", A.encode())]),
        ("GET", [(b"origin", B.encode())]),
        ("GET", []),
        ("OPTIONS", [(b"origin", B.encode()), (b"access-control-request-method", b"PUT")]),
        ("OPTIONS", [(b"origin", A.encode()), (b"access-control-request-method", b"PUT")]),
    ]
    for method, headers in requests:
        assert asgi_call(watched, method, headers) == asgi_call(plain, method, headers)


def test_per_route_candidates_are_keyed_by_live_route(caplog: pytest.LogCaptureFixture) -> None:
    counters = Counters()
    middleware = ASGIMiddleware(
        _app,
        policy=LIVE,
        routes=[("/public/", LIVE), ("/api", LIVE)],
        report_only={"/api/": NARROW, None: Policy(origins=[B])},
        metrics=counters,
    )
    origin = [(b"origin", A.encode())]
    asgi_call(middleware, "GET", origin, path="/public/x")  # no candidate: not compared
    asgi_call(middleware, "GET", origin, path="/api/x")  # NARROW allows A
    asgi_call(middleware, "GET", origin, path="/other")  # default candidate refuses A
    assert counters.snapshot() == {
        DecisionEvent("actual", True, None, "/public", None): 1,
        DecisionEvent("actual", True, None, "/api", None): 1,
        DecisionEvent("actual", True, None, "default", "allowed-to-refused"): 1,
    }


def test_a_candidate_for_no_live_route_is_said(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="crossorigin"):
        EngineTable(LIVE, [("/api", LIVE)], observer=Observer({"/apx": NARROW}))
    assert "route '/apx'" in caplog.text and "nothing is compared" in caplog.text


def test_report_only_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(TypeError, match="report_only="):
        WSGIMiddleware(lambda e, s: [], policy=LIVE, report_only=["https://a.example"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="metrics="):
        WSGIMiddleware(lambda e, s: [], policy=LIVE, metrics="prometheus")  # type: ignore[arg-type]


def test_no_hooks_no_observer_and_the_asgi_fast_path_stays() -> None:
    plain = ASGIMiddleware(_app, policy=LIVE)
    assert plain.engines.observer is None and plain._config.fast is not None
    watched = ASGIMiddleware(_app, policy=LIVE, metrics=Counters())
    assert watched.engines.observer is not None and watched._config.fast is None
    # reconfigure keeps the hooks
    watched.reconfigure(NARROW)
    assert watched.engines.observer is not None and watched._config.fast is None


def test_counters_survive_reconfigure_and_events_are_interned() -> None:
    counters = Counters()
    middleware = ASGIMiddleware(_app, policy=LIVE, metrics=counters)
    for index in range(500):
        middleware.reconfigure(LIVE if index % 2 else NARROW)
        # 500 distinct origins: the events carry none of them
        asgi_call(middleware, "GET", [(b"origin", f"https://{index}.example".encode())])
    snapshot = counters.snapshot()
    assert sum(snapshot.values()) == 500
    assert len(snapshot) == 2  # allowed (LIVE) and origin-not-allowed (NARROW)
    assert len(middleware._observer._events) == 2  # type: ignore[union-attr]


# -- rate limiting -------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limit_per_key_with_held_back_count(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    log = RateLimitedLog(3, 60.0, clock=clock)
    with caplog.at_level(logging.WARNING, logger="crossorigin"):
        written = [log.warning(("default", "allowed-to-refused"), "line %d", i) for i in range(100)]
        other = log.warning(("default", "headers-changed"), "other key")
        clock.now += 59.9
        still = log.warning(("default", "allowed-to-refused"), "late")
        clock.now += 0.2
        after = log.warning(("default", "allowed-to-refused"), "next window")
    assert written == [True] * 3 + [False] * 97
    assert other and not still and after
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 5
    assert "limit of 3 lines per 60 s reached" in messages[2]
    assert messages[4] == "next window [98 similar lines held back before this one]"


def test_rate_limit_keys_are_bounded() -> None:
    log = RateLimitedLog(1, 60.0, clock=FakeClock(), log=logging.getLogger("crossorigin.test"))
    for key in range(10_000):
        log.warning(key, "x")
    assert len(log._state) <= 1024


def test_a_raising_hook_is_logged_once_a_minute_and_the_request_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = 0

    def boom(event: DecisionEvent) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("metrics backend down")

    middleware = ASGIMiddleware(_app, policy=NARROW, metrics=boom)
    with caplog.at_level(logging.WARNING, logger="crossorigin"):
        for _ in range(200):
            status, headers = asgi_call(middleware, "GET", [(b"origin", A.encode())])
            assert status == 200 and (b"access-control-allow-origin", A.encode()) in headers
    assert calls == 200
    failures = [r for r in caplog.records if "metrics hook" in r.getMessage()]
    assert len(failures) == 1
    assert "boom" in failures[0].getMessage() and failures[0].exc_info is not None


def test_log_line_escapes_what_the_request_sent(caplog: pytest.LogCaptureFixture) -> None:
    middleware = WSGIMiddleware(
        lambda e, s: [s("200 OK", []) and b""], policy=LIVE, report_only=NARROW
    )
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/x\n[forged] line",
        "HTTP_ORIGIN": "https://evil.example\x1b[2J",
    }
    with caplog.at_level(logging.WARNING, logger="crossorigin"):
        middleware(environ, lambda status, headers, exc_info=None: None)
    (line,) = report_lines(caplog)
    assert "\n" not in line and "\x1b" not in line
    assert "/x\\n[forged] line" in line and "\\x1b[2J" in line


# -- Django ---------------------------------------------------------------------------


def test_django_reads_report_only_and_metrics_from_settings() -> None:
    from crossorigin.django import engine_table_from_settings

    counters = Counters()
    table, _ = engine_table_from_settings(
        {"origins": "*", "report_only": {"origins": [A]}, "metrics": counters}
    )
    assert table.observer is not None and table.default is not None
    request = (B.encode(), None, None, None)
    decision = table.default.decide_request("GET", request)
    table.observer.after(table.default, "GET", request, decision)
    assert counters.count(report_only_change="allowed-to-refused") == 1


# -- fleet documents ------------------------------------------------------------------

DOCUMENT = b"""
version = "1"
origins = "*"

[report_only]
origins = ["https://a.example"]

[[routes]]
prefix = "/api"
origins = ["https://a.example", "https://b.example"]
report_only = { origins = ["https://b.example"] }

[[routes]]
prefix = "/public"
origins = "*"
"""


def test_a_document_carries_report_only_tables() -> None:
    from crossorigin.sources.document import PolicyDocument

    document = PolicyDocument.from_bytes(DOCUMENT)
    assert [prefix for prefix, _ in document.report_only] == [None, "/api"]
    assert document.report_only[1][1].origins == ("https://b.example",)
    assert [prefix for prefix, _ in document.routes] == ["/api", "/public"]


def test_a_bad_report_only_table_refuses_the_document() -> None:
    from crossorigin.policy import ConfigError
    from crossorigin.sources.document import REPORT_ONLY_INVALID, PolicyDocument

    bad = DOCUMENT.replace(b'{ origins = ["https://b.example"] }', b'{ origins = ["b.example"] }')
    with pytest.raises(ConfigError) as caught:
        PolicyDocument.from_bytes(bad)
    assert any("route '/api': report_only" in issue.message for issue in caught.value.issues)
    with pytest.raises(ConfigError) as caught:
        PolicyDocument.from_bytes(b'origins = "*"\nreport_only = "https://a.example"\n')
    assert [issue.code for issue in caught.value.issues] == [REPORT_ONLY_INVALID]


def test_a_source_document_report_only_is_compared_without_hooks_given(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from crossorigin.sources import FileSource
    from crossorigin.sources.document import PolicyDocument

    path = tmp_path / "policy.toml"
    path.write_bytes(DOCUMENT)
    source = FileSource(path, interval=0.02)
    middleware = ASGIMiddleware(_app, source=source)
    try:
        assert middleware.engines.observer is not None
        with caplog.at_level(logging.WARNING, logger="crossorigin"):
            asgi_call(middleware, "GET", [(b"origin", B.encode())], path="/other")
            asgi_call(middleware, "GET", [(b"origin", A.encode())], path="/api/x")
            asgi_call(middleware, "GET", [(b"origin", A.encode())], path="/public/x")
        lines = report_lines(caplog)
        assert len(lines) == 2
        assert "allowed-to-refused on route default" in lines[0] and "b.example" in lines[0]
        assert "allowed-to-refused on route /api" in lines[1] and "a.example" in lines[1]
        # a document without report_only tables: nothing to watch, fast path back
        middleware._apply_document(PolicyDocument.from_bytes(b'origins = "*"\n'))
        assert middleware.engines.observer is None and middleware._config.fast is not None
    finally:
        source.stop()
