"""`metrics=` for OpenTelemetry: a counter from the metrics API.

    from crossorigin.metrics.otel import OpenTelemetryMetrics
    app.add_middleware(CORSMiddleware, policy=policy, metrics=OpenTelemetryMetrics())

adds 1 to `crossorigin.cors.decisions` per decision, with the attributes
`kind`, `allowed`, `reason`, `route`, `report_only_change`. Only the API
package is needed (`opentelemetry-api`); the application's SDK and exporter
decide where the numbers go (without one configured, the API's no-op meter
drops them). The attribute dict of each event is built once and kept.
"""

from __future__ import annotations

from opentelemetry import metrics
from opentelemetry.metrics import Counter, Meter

from crossorigin import __version__
from crossorigin.metrics import LABELS, labels_of
from crossorigin.observe import DecisionEvent

__all__ = ["OpenTelemetryMetrics"]

Attributes = dict[str, str]


class OpenTelemetryMetrics:
    """A metrics hook adding to an OpenTelemetry counter. `meter`: the
    meter to create it with (default: the global provider's meter named
    "crossorigin")."""

    def __init__(
        self, name: str = "crossorigin.cors.decisions", *, meter: Meter | None = None
    ) -> None:
        meter = meter or metrics.get_meter("crossorigin", __version__)
        self.counter: Counter = meter.create_counter(
            name,
            unit="{request}",
            description="CORS decisions by request kind, verdict, refusal reason, route "
            "prefix and report-only change",
        )
        self._attributes: dict[DecisionEvent, Attributes] = {}

    def __call__(self, event: DecisionEvent) -> None:
        attributes = self._attributes.get(event)
        if attributes is None:
            attributes = self._attributes[event] = dict(zip(LABELS, labels_of(event), strict=True))
        self.counter.add(1, attributes)
