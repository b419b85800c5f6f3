"""ExportPlan -> a Cloudflare Worker (ES module) answering CORS as the engine
does, in front of the origin server.

Theory of operation: a Worker runs code per request, so, like the Express
export, it follows the plan exactly rather than a vocabulary: the request's
state is computed with the plan's regexes (JavaScript's dialect is one the
plan writes), a preflight is answered by the Worker (204 or 403) without
reaching the origin, and every other request is fetched from the origin
(`fetch(request)`: the route's origin server, or the Worker's outbound
service) and answered with the origin's response minus every
`Access-Control-*` header it carried, plus the policy's, so error
responses from the origin carry them too and a second layer cannot add its
own. Headers read with `Headers.get` join repeated lines with `, ` as
Node's do, so the state is the Express export's.

The state and the headers are computed by the JavaScript `javascript.py`
writes for this export and the Express one; quoting (configuration
injection) is that module's: JSON literals, comments through `comment_text`.
"""

from __future__ import annotations

from crossorigin.export import javascript
from crossorigin.export.plan import ExportPlan

__all__ = ["render_cloudflare_worker"]

_REQUEST_HEADER = """
function requestHeader(request, name) {
  return request.headers.get(name) ?? '';
}

"""

_ANSWER = """function applyHeaders(target, headers) {
  for (const name of [...target.keys()]) {
    if (name.startsWith('access-control-')) target.delete(name);
  }
  for (const [name, value] of headers) {
    if (name === 'Vary') {
      const existing = target.get('Vary');
      target.set('Vary', existing ? `${existing}, ${value}` : value);
    } else {
      target.set(name, value);
    }
  }
}

export default {
  async fetch(request) {
    const state = stateOf(request);
    const headers = headersFor(request, state);
    if (state === 'preflight-allowed' || state === 'preflight-refused') {
      const answer = new Headers();
      applyHeaders(answer, headers);
      const status =
        state === 'preflight-allowed' ? PREFLIGHT_ALLOWED_STATUS : PREFLIGHT_REFUSED_STATUS;
      return new Response(null, { status, headers: answer });
    }
    const upstream = await fetch(request);
    const response = new Response(upstream.body, upstream);
    applyHeaders(response.headers, headers);
    return response;
  },
};
"""


def render_cloudflare_worker(plan: ExportPlan) -> str:
    use = (
        "Use: deploy as an ES module Worker on the route in front of your origin "
        '(wrangler: main = "cors-worker.js"). Preflights are answered here (204 or '
        "403) and never reach the origin; other requests are fetched from the origin "
        "and its Access-Control-* headers replaced by the policy's."
    )
    lines = [
        *javascript.heading(plan, "CORS as a Cloudflare Worker", "cloudflare-worker", use),
        "",
        *javascript.constants(plan),
        _REQUEST_HEADER + javascript.state_functions("request") + _ANSWER,
    ]
    return "\n".join(lines)
