"""`metrics=` for prometheus-client: one `Counter` of CORS decisions.

    from crossorigin.metrics.prometheus import PrometheusMetrics
    app.add_middleware(CORSMiddleware, policy=policy, metrics=PrometheusMetrics())

exposes `crossorigin_cors_decisions_total{kind, allowed, reason, route,
report_only_change}` in the default registry (or `registry=`). The child
counter of each label set is looked up once and kept: the label sets are
bounded by the configuration (see `crossorigin.observe`), and `labels()` is
the slow part of a prometheus-client increment.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter

from crossorigin.metrics import LABELS, labels_of
from crossorigin.observe import DecisionEvent

__all__ = ["PrometheusMetrics"]


class PrometheusMetrics:
    """A metrics hook counting decisions in a prometheus-client Counter.
    `name` is the metric's name without `_total`; `counter` the Counter
    itself (to read it, or to pass your own with the same label names)."""

    def __init__(
        self,
        name: str = "crossorigin_cors_decisions",
        *,
        registry: CollectorRegistry | None = REGISTRY,
        counter: Counter | None = None,
    ) -> None:
        self.counter = counter or Counter(
            name,
            "CORS decisions by request kind, verdict, refusal reason, route prefix and "
            "report-only change",
            LABELS,
            registry=registry,
        )
        self._children: dict[DecisionEvent, Any] = {}

    def __call__(self, event: DecisionEvent) -> None:
        child = self._children.get(event)
        if child is None:
            # Two threads may both create it: labels() returns the same child.
            child = self._children[event] = self.counter.labels(*labels_of(event))
        child.inc()
