"""Ready metrics hooks for `metrics=` (see `crossorigin.observe`).

Each lives in its own module and imports its library only when that module is
imported, so the core never needs them:

- `crossorigin.metrics.prometheus.PrometheusMetrics`: a prometheus-client
  `Counter` (`pip install 'crossorigin[prometheus]'`);
- `crossorigin.metrics.otel.OpenTelemetryMetrics`: an OpenTelemetry metrics
  API counter (`pip install 'crossorigin[otel]'`).

Both count one per decision with the labels of `DecisionEvent`: `kind`,
`allowed`, `reason`, `route`, `report_only_change` (never the origin: an
unbounded label set). A missing field is the string "none".
"""

from __future__ import annotations

from crossorigin.observe import DecisionEvent

__all__ = ["LABELS", "labels_of"]

#: The label names, in order.
LABELS = ("kind", "allowed", "reason", "route", "report_only_change")


def labels_of(event: DecisionEvent) -> tuple[str, str, str, str, str]:
    """An event's label values as strings, in `LABELS` order."""
    return (
        event.kind,
        "true" if event.allowed else "false",
        event.reason or "none",
        event.route,
        event.report_only_change or "none",
    )
