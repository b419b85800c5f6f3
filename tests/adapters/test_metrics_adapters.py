"""crossorigin.metrics: the prometheus-client and OpenTelemetry hooks against
the real libraries, with exact counts under concurrent load (WSGI, threads)."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from crossorigin import Policy
from crossorigin.observe import Counters, DecisionEvent
from crossorigin.wsgi import CORSMiddleware

prometheus_client = pytest.importorskip("prometheus_client")
pytest.importorskip("opentelemetry.sdk")

from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import InMemoryMetricReader  # noqa: E402

from crossorigin.metrics.otel import OpenTelemetryMetrics  # noqa: E402
from crossorigin.metrics.prometheus import PrometheusMetrics  # noqa: E402

A = "https://a.example"
B = "https://b.example"


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def call(middleware: CORSMiddleware, method: str, path: str, **headers: str) -> str:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, **headers}
    seen: list[str] = []
    middleware(environ, lambda status, h, exc_info=None: seen.append(status))
    return seen[0]


def fan_out(middleware: CORSMiddleware, threads: int, per_thread: int) -> None:
    """Each thread sends, per round: an allowed GET, a refused GET, a
    preflight asking for a refused method, and a GET without Origin."""

    def work() -> None:
        for _ in range(per_thread):
            call(middleware, "GET", "/api/x", HTTP_ORIGIN=A)
            call(middleware, "GET", "/api/x", HTTP_ORIGIN=B)
            call(
                middleware,
                "OPTIONS",
                "/other",
                HTTP_ORIGIN=A,
                HTTP_ACCESS_CONTROL_REQUEST_METHOD="DELETE",
            )
            call(middleware, "GET", "/other")

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def build(metrics: Callable[[DecisionEvent], object]) -> CORSMiddleware:
    return CORSMiddleware(
        app,
        policy=Policy(origins=[A]),
        routes=[("/api", Policy(origins=[A]))],
        report_only={"/api": Policy(origins=[A, B])},
        metrics=metrics,
    )


THREADS, ROUNDS = 8, 500
N = THREADS * ROUNDS


def test_prometheus_counts_exactly_under_threads() -> None:
    registry = prometheus_client.CollectorRegistry()
    middleware = build(PrometheusMetrics(registry=registry))
    fan_out(middleware, THREADS, ROUNDS)

    def value(**labels: str) -> float | None:
        full = {"reason": "none", "report_only_change": "none", **labels}
        result: float | None = registry.get_sample_value("crossorigin_cors_decisions_total", full)
        return result

    assert value(kind="actual", allowed="true", route="/api") == N
    assert (
        value(
            kind="actual",
            allowed="false",
            reason="origin-not-allowed",
            route="/api",
            report_only_change="refused-to-allowed",
        )
        == N
    )
    assert (
        value(kind="preflight", allowed="false", reason="method-not-allowed", route="default") == N
    )
    assert value(kind="not-cors", allowed="true", route="default") == N
    text = prometheus_client.generate_latest(registry).decode()
    assert "https://" not in text  # never an origin label


def test_opentelemetry_counts_exactly_under_threads() -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    middleware = build(OpenTelemetryMetrics(meter=provider.get_meter("test")))
    fan_out(middleware, THREADS, ROUNDS)
    data = reader.get_metrics_data()
    points = {
        tuple(sorted(point.attributes.items())): point.value
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == "crossorigin.cors.decisions"
        for point in metric.data.data_points
    }
    assert len(points) == 4
    assert sorted(points.values()) == [N] * 4
    key = (
        ("allowed", "false"),
        ("kind", "actual"),
        ("reason", "origin-not-allowed"),
        ("report_only_change", "refused-to-allowed"),
        ("route", "/api"),
    )
    assert points[key] == N


def test_counters_count_exactly_under_threads() -> None:
    counters = Counters()
    fan_out(build(counters), THREADS, ROUNDS)
    snapshot = counters.snapshot()
    assert sorted(snapshot.values()) == [N] * 4
    assert counters.count(report_only_change="refused-to-allowed") == N


def test_the_core_imports_neither_library() -> None:
    code = (
        "import sys, crossorigin, crossorigin.asgi, crossorigin.wsgi, crossorigin.observe, "
        "crossorigin.metrics\n"
        "bad = [m for m in sys.modules if m.startswith(('prometheus_client', 'opentelemetry'))]\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
