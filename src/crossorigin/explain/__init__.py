"""Explanations and fixes: why a browser blocked a request, and what to change.

Theory of operation: the browser model (`crossorigin.browser`) decides; this
package only puts its `Trace` into words and writes configuration. Four
modules, one concern each:

- `requirements`: what the server must allow for the request to pass, and
  that as a `Policy`;
- `reasons`: the explanation, a table keyed by the browser's reason
  (`BLOCKED`), and `explain_trace` / `explain` that use it;
- `stacks`: which server answered, guessed from its headers;
- `fixes`: one writer per stack (FastAPI/Starlette, Flask, Django, Express,
  nginx, raw HTTP) turning a `Policy` into configuration; Express and nginx
  are `crossorigin export`'s output.

Captured traffic (`crossorigin explain`, docs/explain.md) adds four:

- `har`: a HAR file read within bounds and rebuilt into model runs, with the
  preflights the recording lacks inferred;
- `errors`: console lines recognised, from tables generated from the
  model's own message templates (one per engine);
- `not_cors`: the failures that look like CORS and are not, with evidence;
- `captured`: all of it per request, beside the browser's own line.

`crossorigin check` (live HTTP) and the playground (`crossorigin demo`) both
explain through this package. Nothing here does I/O or imports click.
"""

from crossorigin.explain.fixes import STACK_NAMES, STACKS, fixes_for, policy_arguments
from crossorigin.explain.reasons import BLOCKED, Explanation, explain, explain_trace
from crossorigin.explain.requirements import Requirements, requirements
from crossorigin.explain.stacks import detect_stack

__all__ = [
    "BLOCKED",
    "STACKS",
    "STACK_NAMES",
    "Explanation",
    "Requirements",
    "detect_stack",
    "explain",
    "explain_trace",
    "fixes_for",
    "policy_arguments",
    "requirements",
]
