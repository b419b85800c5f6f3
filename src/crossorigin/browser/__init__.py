"""The browser's side of CORS: what Chromium (or, with `spec=True`, the Fetch
standard) does with a page's `fetch()` and the server's answers.

- `simulate(scenario)`: a scenario in, an outcome out (docs/scenario-format.md).
- `run_fetch(request, transport)`: the same model over any transport (live
  HTTP in `crossorigin check`), returning a full `Trace`.
- `cors_check(...)`: the Fetch CORS check with Chromium's reason and text.
- `PreflightCache`: the preflight cache, keyed as Chromium keys it.

Modules, one concern each: `types` (requests, responses, traces), `url`
(Chromium's URL parser: validity, serialization, origins), `requests` (what
fetch() sends), `access` (checks on responses), `preflight_cache`, `messages`
(Chromium's console text), `fetch` (the fetch algorithm, step order),
`scenario` (scenario files, `simulate`), `command` (`crossorigin simulate`).
`model` keeps an older import path (`crossorigin.browser.model`) working.
"""

from crossorigin.browser.access import CorsCheckResult, cors_check
from crossorigin.browser.fetch import run_fetch
from crossorigin.browser.messages import REASONS
from crossorigin.browser.preflight_cache import PreflightCache
from crossorigin.browser.scenario import simulate, simulate_trace
from crossorigin.browser.types import (
    Body,
    Exchange,
    FetchRequest,
    Hop,
    HTTPResponse,
    ScenarioError,
    Trace,
    Transport,
)

__all__ = [
    "REASONS",
    "Body",
    "CorsCheckResult",
    "Exchange",
    "FetchRequest",
    "HTTPResponse",
    "Hop",
    "PreflightCache",
    "ScenarioError",
    "Trace",
    "Transport",
    "cors_check",
    "run_fetch",
    "simulate",
    "simulate_trace",
]
