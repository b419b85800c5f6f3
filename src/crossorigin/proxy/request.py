"""Whether a request head may go to the upstream, and what exactly goes.

Rule: every check the proxy makes on a request before the engine decides
lives in `admit`, a pure function of an `h11.Request`: no sockets, so the fuzz
harness (tests/oracles/fuzz/fuzz_proxy_request.py) runs exactly what the server runs.
A request that fails a check raises `Refused` with the status and a sentence
for the client; nothing of it is forwarded.

The checks, each closing one way to misuse a proxy in front of an API:

- `Host` names this proxy (see `addresses`): DNS rebinding.
- The target is a path (origin-form, RFC 9112 §3.2.1), so the upstream gets
  `prefix + path` and nothing else.
- No dot segment in the path, also percent-encoded, after a backslash or
  before a `;` parameter: `--target http://api/v1` must not reach `/admin`
  through `/../admin`, and upstreams differ in how they decode and normalise
  (RFC 3986 §5.2.4 removes dot segments; some servers decode `%2e` or `%2f`
  first, or treat `\\` as `/`, or `..;` as `..`).
- Not both `Content-Length` and `Transfer-Encoding` (RFC 9112 §6.3: "ought to
  be handled as an error"): an upstream that frames by `Content-Length` would
  read the rest of the chunked body as a second, smuggled request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote_to_bytes

import h11

from crossorigin.edge import CORSRequest, read_lowercase
from crossorigin.proxy.addresses import OwnAddress, Target

__all__ = ["Admitted", "Header", "Refused", "admit", "end_to_end"]

Header = tuple[bytes, bytes]

#: RFC 9110 §7.6.1: meaningful for one connection only, never forwarded.
#: (Content-Length and Transfer-Encoding stay: h11 frames each hop from them.)
_HOP_BY_HOP: Final = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"upgrade"}
)


class Refused(Exception):
    """A request the proxy answers itself with `status` and `why`, unforwarded."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status
        self.why = why


@dataclass(frozen=True, slots=True)
class Admitted:
    """A request that passed every check, ready for the engine and the upstream."""

    method: str
    #: The header lines as received.
    headers: list[Header]
    #: What CORS reads from them (`crossorigin.edge`), for `Engine.decide_request`.
    cors: CORSRequest
    #: The request-target to send upstream: the target's prefix, then the path.
    upstream_target: bytes
    #: The header lines to send upstream: `Host` names the target.
    upstream_headers: list[Header]
    #: The `Origin`, as `crossorigin.edge` reads it: a repeated line (which no
    #: browser sends) makes it one the engine refuses as invalid.
    origin: bytes | None
    #: This proxy's own origin when `Origin` is one of them, for the engine.
    self_origin: bytes | None
    is_websocket: bool
    #: A `Cookie` line: a browser attaches cookies to a cross-origin request only
    #: in credentials mode "include" (Fetch §3.2.5), so the response is shared
    #: only with `Access-Control-Allow-Credentials: true`. (`Authorization` tells
    #: nothing: a script sets it in any mode.)
    credentialed: bool


def admit(request: h11.Request, own: OwnAddress, target: Target) -> Admitted:
    """The checks above, in order; `Refused` on the first that fails."""
    headers: list[Header] = list(request.headers.raw_items())
    hosts: list[bytes] = []
    content_length = transfer_encoding = credentialed = False
    upgrade: bytes | None = None
    for name, value in request.headers:  # names lower-cased by h11
        if name == b"host":
            hosts.append(value)
        elif name == b"content-length":
            content_length = True
        elif name == b"transfer-encoding":
            transfer_encoding = True
        elif name == b"cookie":
            credentialed = True
        elif name == b"upgrade":
            upgrade = value
    _check_host(hosts, own)
    _check_target(request.target)
    if content_length and transfer_encoding:
        raise Refused(
            400,
            "a request with both Content-Length and Transfer-Encoding is refused "
            "(RFC 9112 §6.3): the two hops could disagree on where it ends",
        )
    method = request.method.decode("ascii")
    is_websocket = (
        method == "GET" and upgrade is not None and upgrade.strip().lower() == b"websocket"
    )
    cors = read_lowercase(request.headers)  # names lower-cased by h11
    origin = cors[0]
    # A WebSocket upgrade needs its Connection/Upgrade lines upstream.
    kept = headers if is_websocket else end_to_end(headers)
    upstream_headers = [(b"Host", target.authority)]
    upstream_headers.extend((name, value) for name, value in kept if name.lower() != b"host")
    return Admitted(
        method=method,
        headers=headers,
        cors=cors,
        upstream_target=target.path_prefix.encode() + request.target,
        upstream_headers=upstream_headers,
        origin=origin,
        self_origin=own.self_origin(origin),
        is_websocket=is_websocket,
        credentialed=credentialed,
    )


def _check_host(hosts: list[bytes], own: OwnAddress) -> None:
    if len(hosts) != 1:
        # RFC 9112 §3.2: a server MUST answer 400 to zero or several Host lines.
        raise Refused(400, f"a request needs exactly one Host line, not {len(hosts)}")
    if hosts[0].lower() not in own.hosts:
        raise Refused(
            421,
            f"Host '{hosts[0].decode('latin-1')}' does not name this proxy; it answers only as "
            f"{own.primary} (and its other local names). A page on another site can make "
            "its own host name resolve to this machine (DNS rebinding), so a request for "
            "any other name is refused rather than forwarded.",
        )


def _check_target(target: bytes) -> None:
    if not target.startswith(b"/"):
        raise Refused(
            400,
            "the request target must be a path starting with '/' (origin-form, RFC 9112 "
            "§3.2.1); this is not a forward proxy",
        )
    path = target.split(b"?", 1)[0]
    decoded = unquote_to_bytes(path).replace(b"\\", b"/")
    for segment in decoded.split(b"/"):
        if segment.split(b";", 1)[0] in (b".", b".."):
            raise Refused(
                400,
                "a path with a '.' or '..' segment (also percent-encoded) is refused, so "
                "that requests stay under the target's path",
            )


def _connection_tokens(headers: Iterable[Header]) -> set[bytes]:
    tokens: set[bytes] = set()
    for key, value in headers:
        if key.lower() == b"connection":
            tokens.update(t.strip().lower() for t in value.split(b","))
    return tokens


def end_to_end(headers: Iterable[Header]) -> list[Header]:
    """The headers without the hop-by-hop ones (also those named in `Connection`)."""
    headers = list(headers)
    dropped = _HOP_BY_HOP | _connection_tokens(headers)
    return [(key, value) for key, value in headers if key.lower() not in dropped]
