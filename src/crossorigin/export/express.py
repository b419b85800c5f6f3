"""ExportPlan -> a CommonJS middleware for Express (or Connect, or plain `http`).

Theory of operation: the output is a self-contained module exporting one
`(req, res, next)` function; no dependency. The plan's regexes become
`RegExp`s (written as JSON strings, so nothing in them needs JavaScript
escaping), the request's state is computed as the plan defines it, and:

- a preflight is answered here (204 or 403) and `next` is not called;
- otherwise the headers are applied when the response head is written (by
  wrapping `res.writeHead`), after removing every `Access-Control-*` header
  the application set (any name with that prefix), so the policy is the
  single source and responses made by error handlers (Express's default one
  clears headers first) still carry them.

The state and the headers are computed by the JavaScript `javascript.py`
writes for this export and the Cloudflare Worker's; quoting (configuration
injection) is that module's: JSON literals, and `//` comments whose text is
printable ASCII only, so a file name holding a line break cannot end the
comment and run code at `require()`.
"""

from __future__ import annotations

from crossorigin.export import javascript
from crossorigin.export.plan import ExportPlan

__all__ = ["render_express"]

_REQUEST_HEADER = """function requestHeader(req, name) {
  const value = req.headers[name];
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(', ') : value;
}

"""

_ANSWER = """function applyHeaders(res, headers) {
  for (const name of res.getHeaderNames()) {
    if (name.startsWith('access-control-')) res.removeHeader(name);
  }
  for (const [name, value] of headers) {
    if (name === 'Vary') {
      const existing = res.getHeader('Vary');
      res.setHeader('Vary', existing ? `${existing}, ${value}` : value);
    } else {
      res.setHeader(name, value);
    }
  }
}

module.exports = function crossoriginCors(req, res, next) {
  const state = stateOf(req);
  const headers = headersFor(req, state);
  if (state === 'preflight-allowed' || state === 'preflight-refused') {
    applyHeaders(res, headers);
    res.statusCode =
      state === 'preflight-allowed' ? PREFLIGHT_ALLOWED_STATUS : PREFLIGHT_REFUSED_STATUS;
    if (res.statusCode !== 204) res.setHeader('Content-Length', '0');
    res.end();
    return;
  }
  const writeHead = res.writeHead;
  res.writeHead = function writeHeadWithCors(...args) {
    applyHeaders(this, headers);
    return writeHead.apply(this, args);
  };
  next();
};
"""


def render_express(plan: ExportPlan) -> str:
    use = (
        "Use: app.use(require('./cors.js')) before your routes. Preflights are "
        "answered here (204 or 403) and never reach the routes; the headers of "
        "other responses are set when the response head is written, so error "
        "responses keep them and Access-Control-* headers set by routes are "
        "replaced by the policy's."
    )
    lines = [
        *javascript.heading(plan, "CORS for Express/Connect/node:http", "express", use),
        "'use strict';",
        "",
        *javascript.constants(plan),
        "",
        _REQUEST_HEADER + javascript.state_functions("req") + _ANSWER,
    ]
    return "\n".join(lines)
