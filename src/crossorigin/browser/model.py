"""The browser model's first public module, kept so its names still import.

The model now lives in one module per concern: `types` (requests, responses,
traces), `url` (Chromium's URL parser), `fetch` (the fetch algorithm),
`scenario` (scenario files and `simulate`). Import from `crossorigin.browser`.
"""

from __future__ import annotations

from crossorigin.browser.fetch import MAX_REDIRECTS, canonical_url, run_fetch
from crossorigin.browser.scenario import parse_scenario, simulate, simulate_trace
from crossorigin.browser.types import (
    CREDENTIALS_MODES,
    MODES,
    REDIRECT_MODES,
    Exchange,
    FetchRequest,
    HTTPResponse,
    ScenarioError,
    Trace,
    Transport,
)

__all__ = [
    "CREDENTIALS_MODES",
    "MAX_REDIRECTS",
    "MODES",
    "REDIRECT_MODES",
    "Exchange",
    "FetchRequest",
    "HTTPResponse",
    "ScenarioError",
    "Trace",
    "Transport",
    "canonical_url",
    "parse_scenario",
    "run_fetch",
    "simulate",
    "simulate_trace",
]
