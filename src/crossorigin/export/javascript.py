"""The export plan in JavaScript: what the Express middleware and the
Cloudflare Worker share, written once.

Theory of operation. Rule 1: the JavaScript that computes a request's state
and the headers it gets (`stateOf`, `headersFor`) and the constants they
read live in this file; `express.py` and `cloudflare.py` add only what their
runtime differs in (how a header is read, how the answer is written). Both
runtimes join repeated header lines with `, `, so the state is the same.

Quoting (configuration injection): every value from the policy is a JSON
literal, which is valid JavaScript with the same meaning (json.dumps escapes
U+2028 and U+2029 too, as it writes ASCII only). Comments are `//` lines whose
text passes through `comment_text`: printable ASCII only, so a file name
holding a line break cannot end the comment and run code.
"""

from __future__ import annotations

import json

from crossorigin.export.nginx import header_case
from crossorigin.export.plan import (
    PLAUSIBLE_ORIGIN_REGEX,
    ExportPlan,
    Placeholder,
    State,
    heading_comment,
)

__all__ = ["constants", "heading", "state_functions"]


def _regex(pattern: str, flags: str = "") -> str:
    return f"new RegExp({json.dumps(pattern)}{', ' + json.dumps(flags) if flags else ''})"


def _templates(plan: ExportPlan) -> str:
    states = {}
    for state in State:
        entries = []
        for template in plan.headers[state]:
            value = template.value
            spelled = {"echo": value.value.lower()} if isinstance(value, Placeholder) else value
            entries.append([header_case(template.name), spelled])
        states[state.value] = entries
    return json.dumps(states, indent=2)


def heading(plan: ExportPlan, what: str, format_name: str, use: str) -> list[str]:
    """The opening comment: what the file is, the policy, how to use it
    (`use`), and where it differs from the engine."""
    return heading_comment(plan, "//", what, format_name, use, title_lines=2)


def constants(plan: ExportPlan) -> list[str]:
    """The plan as `const` lines, the only values `stateOf` and `headersFor` read."""
    excluded = plan.excluded_header_regex()
    private_network = [[header_case(t.name), t.value] for t in plan.private_network_headers]
    return [
        f"const PLAUSIBLE_ORIGIN = {_regex(PLAUSIBLE_ORIGIN_REGEX)};",
        f"const ANY_ORIGIN = {json.dumps(plan.any_origin)};",
        f"const ALLOWED_ORIGIN = {_regex(plan.origin_regex())};",
        f"const ALLOWED_METHOD = {_regex(plan.method_regex())};",
        f"const ALLOWED_HEADER_LIST = {_regex(plan.header_list_regex(), 'i')};",
        f"const EXCLUDED_HEADER_LIST = {_regex(excluded, 'i') if excluded else 'null'};",
        f"const MAX_HEADER_LIST_LENGTH = {plan.max_request_headers_length};",
        f"const PRIVATE_NETWORK_ALLOWED = {json.dumps(plan.private_network)};",
        f"const PRIVATE_NETWORK_HEADERS = {json.dumps(private_network)};",
        f"const PREFLIGHT_ALLOWED_STATUS = {plan.preflight_allowed_status};",
        f"const PREFLIGHT_REFUSED_STATUS = {plan.preflight_refused_status};",
        f"const HEADERS = {_templates(plan)};",
    ]


# `REQUEST` stands for the request parameter's name; both functions read
# headers only through the runtime's `requestHeader(REQUEST, name)`.
_STATE_FUNCTIONS = """function stateOf(REQUEST) {
  const origin = requestHeader(REQUEST, 'origin');
  if (origin === '') return 'not-cors';
  const originOk = PLAUSIBLE_ORIGIN.test(origin) && (ANY_ORIGIN || ALLOWED_ORIGIN.test(origin));
  const requestMethod = requestHeader(REQUEST, 'access-control-request-method');
  if (REQUEST.method === 'OPTIONS' && requestMethod !== '') {
    const list = requestHeader(REQUEST, 'access-control-request-headers');
    const ok =
      originOk &&
      ALLOWED_METHOD.test(requestMethod) &&
      list.length <= MAX_HEADER_LIST_LENGTH &&
      ALLOWED_HEADER_LIST.test(list) &&
      !(EXCLUDED_HEADER_LIST && EXCLUDED_HEADER_LIST.test(list)) &&
      (PRIVATE_NETWORK_ALLOWED ||
        requestHeader(REQUEST, 'access-control-request-private-network') !== 'true');
    return ok ? 'preflight-allowed' : 'preflight-refused';
  }
  return ANY_ORIGIN || originOk ? 'actual-allowed' : 'actual-refused';
}

function headersFor(REQUEST, state) {
  const headers = [];
  for (const [name, value] of HEADERS[state]) {
    let text = value;
    if (typeof value === 'object') {
      text = requestHeader(REQUEST, value.echo);
      if (/^[ \\t,]*$/.test(text)) continue;
    }
    headers.push([name, text]);
  }
  if (
    state === 'preflight-allowed' &&
    requestHeader(REQUEST, 'access-control-request-private-network') === 'true'
  ) {
    headers.push(...PRIVATE_NETWORK_HEADERS);
  }
  return headers;
}

"""


def state_functions(request: str) -> str:
    """`stateOf` and `headersFor`, their request parameter named `request`
    (Express's `req`, a Worker's `request`), followed by a blank line."""
    return _STATE_FUNCTIONS.replace("REQUEST", request)
