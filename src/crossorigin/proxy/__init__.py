"""`crossorigin proxy`: a streaming development reverse proxy that answers CORS.

Theory of operation: a browser page on one origin (say a React dev server on
:3000) calls an API on another (:8000) that has no CORS support. Point the page
at the proxy instead; the proxy forwards every request to `--target` and makes
the API speak CORS exactly as the policy says. It decides nothing itself: each
request goes through `Engine.decide` (or `Engine.websocket` for an upgrade), and
the proxy only carries out the `Decision`:

- a preflight is answered by the proxy (204 or 403, the engine's headers); the
  upstream never sees it;
- any other request is forwarded, and the engine's headers are added to the
  upstream's response. CORS response headers the upstream sent itself
  (`Access-Control-*`) are removed, so the policy is the single source of
  truth; the upstream's `Vary` is kept and merged with the engine's;
- a WebSocket upgrade is forwarded only when `Engine.websocket` allows its
  `Origin` (a cross-site page could otherwise open a socket with the user's
  cookies); after the upstream's `101` the proxy splices bytes both ways.

Before the engine, the proxy makes its own checks (`request.admit`): the
`Host` must name the proxy itself (DNS rebinding), the target must be a path
without dot segments (it stays under `--target`'s path), and a request may not
carry both `Content-Length` and `Transfer-Encoding` (request smuggling).

Nothing else is rewritten except what HTTP requires of a proxy: hop-by-hop
headers (RFC 9110 §7.6.1) are dropped, and `Host` names the target, so a
virtual-hosted upstream answers. Bodies stream in both directions, one read
buffer at a time with back-pressure (`drain`), so a 1 GB download costs no more
memory than a 1 KB one. HTTP/1.1 framing is parsed and produced by h11.

Modules: `addresses` (target, listen address, the proxy's own host names),
`request` (the checks, sans I/O), `server` (connections, limits, streaming);
the command is `crossorigin.cli.proxy`. Every exchange is logged as one line
(stderr for the command) with the verdict and, when refused, the reason.
"""

from __future__ import annotations

from crossorigin.proxy.addresses import ListenAddress, ProxyConfigError, Target
from crossorigin.proxy.server import CORSProxy, Limits, serve

__all__ = ["CORSProxy", "Limits", "ListenAddress", "ProxyConfigError", "Target", "serve"]
