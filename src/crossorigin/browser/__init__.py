"""The browser's side of CORS: what Chromium (or, with `spec=True`, the Fetch
standard) does with a page's `fetch()` and the server's answers.

- `simulate(scenario)`: a DESIGN.md scenario in, a DESIGN.md outcome out.
- `run_fetch(request, transport)`: the same model over any transport (live
  HTTP in `crossorigin check`), returning a full `Trace`.
- `cors_check(...)`: the Fetch CORS check with Chromium's reason and text.
- `PreflightCache`: the preflight cache, keyed as Chromium keys it.

Modules: `requests` (what fetch() sends), `access` (checks on responses),
`preflight_cache`, `messages` (Chromium's console text), `model` (the fetch),
`command` (`crossorigin simulate`).
"""

from crossorigin.browser.access import CorsCheckResult, cors_check
from crossorigin.browser.messages import REASONS
from crossorigin.browser.model import (
    Exchange,
    FetchRequest,
    HTTPResponse,
    ScenarioError,
    Trace,
    Transport,
    run_fetch,
    simulate,
    simulate_trace,
)
from crossorigin.browser.preflight_cache import PreflightCache

__all__ = [
    "REASONS",
    "CorsCheckResult",
    "Exchange",
    "FetchRequest",
    "HTTPResponse",
    "PreflightCache",
    "ScenarioError",
    "Trace",
    "Transport",
    "cors_check",
    "run_fetch",
    "simulate",
    "simulate_trace",
]
