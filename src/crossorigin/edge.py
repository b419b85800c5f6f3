"""What every edge shares: reading a request's CORS headers, the server's own
origin, and merging `Vary`.

Theory of operation: the engine decides from a `CORSRequest`, the four values
CORS reads from a request head. Each edge has those header lines in its own
native form, and this module is the only place that reads them:

- `read_lowercase(pairs)`: byte pairs with lower-case names, as ASGI servers
  (`scope["headers"]`) and h11 give them; repeated lines arrive as they were
  sent.
- `read_lines(pairs)`: str or bytes pairs in any case (tools, tests, a
  recorded exchange).
- `read_environ(environ)`: a WSGI environ or Django's `request.META`, where
  the server has already merged repeated lines into one value (PEP 3333).

Rule 1: everything that decides how repeated lines are read lives here.

- A browser sends one `Origin` and one `Access-Control-Request-Method` (Fetch
  §4.1 "main fetch", §4.8 step 3). A second line makes the value invalid: the
  two are joined as `first, second`, which contains a space and so is no
  serialized origin and no method token; the engine refuses it. Reading stops
  joining at the second line, so a request of 120,000 repeated lines costs one
  pass and two lines' worth of bytes, never a quadratic join.
- `Access-Control-Request-Headers` is a list, which HTTP lets a client split
  over several lines (RFC 9110 §5.3): the lines are joined once with `,`, and
  only until the joined value passes `MAX_REQUEST_HEADERS_LENGTH`, past which
  the engine refuses it unread.

Rule 2: the server's own origin (strict mode lets same-origin requests
through) is `own_origin(scheme, host)`, from what the edge knows: the ASGI
scope's scheme and the `Host` line (`host_of`), the WSGI environ's `wsgi.url_scheme` and
`HTTP_HOST`, Django's `request.scheme` and `request.get_host()`. The proxy
knows its own origins from the address it listens on.

Rule 3: when an edge must fold the decision's `Vary` into a response that has
one (Django, the proxy), `merge_vary` is the one way (RFC 9110 §12.5.5).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, overload

__all__ = [
    "MAX_REQUEST_HEADERS_LENGTH",
    "CORSRequest",
    "host_of",
    "merge_vary",
    "origin_of",
    "own_origin",
    "read_environ",
    "read_lines",
    "read_lowercase",
]

#: Access-Control-Request-Headers longer than this is refused unread: browsers
#: send one short name per non-safelisted header, so 8 KiB is generous.
MAX_REQUEST_HEADERS_LENGTH: Final = 8192

#: The length of the shortest of the three Access-Control-Request-* names
#: (`-Method`); `read_lowercase` skips shorter lines other than `Origin`.
_SHORTEST_REQUEST_NAME: Final = len(b"access-control-request-method")

#: A WebSocket's page is served over the matching HTTP scheme.
_PAGE_SCHEMES: Final = {"http": b"http", "https": b"https", "ws": b"http", "wss": b"https"}


#: What CORS reads from a request head, as the raw bytes sent (None: absent),
#: in this order: `Origin`, `Access-Control-Request-Method`,
#: `Access-Control-Request-Headers`, `Access-Control-Request-Private-Network`.
#: A plain tuple: it costs a request no more than the engine's preflight cache
#: key would, because it is that key (a named tuple would cost three times as
#: much to build, on every preflight).
CORSRequest = tuple[bytes | None, bytes | None, bytes | None, bytes | None]


def origin_of(pairs: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    """The `Origin` alone, from lower-case byte pairs: the ASGI fast path's
    read (one pass; stops at a second line, joined as `read_lowercase` does)."""
    origin: bytes | None = None
    for name, value in pairs:
        if name == b"origin":
            if origin is not None:
                return origin + b", " + value
            origin = value
    return origin


def read_lowercase(pairs: Iterable[tuple[bytes, bytes]]) -> CORSRequest:
    """A `CORSRequest` from byte pairs with lower-case names (ASGI, h11)."""
    origin = request_method = request_headers = private_network = None
    origin_repeated = method_repeated = False
    header_lines: list[bytes] | None = None
    header_length = 0
    for name, value in pairs:
        # Most lines are none of the four, and shorter than the three
        # Access-Control-Request-* names: a length test then leaves one byte
        # comparison (with `origin`) instead of four (measured: about 500
        # instructions less for a preflight of six lines, more with more).
        # Longer names go through the comparisons below as before.
        if len(name) < _SHORTEST_REQUEST_NAME:
            if name != b"origin":
                continue
            if origin is None:
                origin = value
            elif not origin_repeated:
                origin_repeated = True
                origin = origin + b", " + value
        elif name == b"access-control-request-method":
            if request_method is None:
                request_method = value
            elif not method_repeated:
                method_repeated = True
                request_method = request_method + b", " + value
        elif name == b"access-control-request-headers":
            if request_headers is None:
                request_headers = value
                header_length = len(value)
            elif header_length <= MAX_REQUEST_HEADERS_LENGTH:
                if header_lines is None:
                    header_lines = [request_headers]
                header_lines.append(value)
                header_length += 1 + len(value)
        elif name == b"access-control-request-private-network":
            # Repeated, a yes/no flag can only be read as its last value.
            private_network = value
    if header_lines is not None:
        request_headers = b",".join(header_lines)
    return (origin, request_method, request_headers, private_network)


def host_of(pairs: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    """The `Host` line from lower-case byte pairs (a repeated one is the
    server's to refuse, RFC 9112 §3.2)."""
    for name, value in pairs:
        if name == b"host":
            return value
    return None


def read_lines(pairs: Iterable[tuple[bytes | str, bytes | str]]) -> CORSRequest:
    """A `CORSRequest` from str or bytes pairs with names in any case; str
    values are taken as latin-1, as HTTP libraries decode them."""
    return read_lowercase(
        (
            (name if isinstance(name, bytes) else name.encode("latin-1", "replace")).lower(),
            value if isinstance(value, bytes) else value.encode("latin-1", "replace"),
        )
        for name, value in pairs
    )


def _raw(value: str | None) -> bytes | None:
    """PEP 3333 header text back to the bytes on the wire."""
    return None if value is None else value.encode("latin-1", "replace")


def read_environ(environ: Mapping[str, Any]) -> CORSRequest:
    """A `CORSRequest` from a WSGI environ or Django's `request.META`, whose
    values are latin-1 text with repeated lines already merged by the server."""
    get = environ.get
    return (
        _raw(get("HTTP_ORIGIN")),
        _raw(get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")),
        _raw(get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")),
        _raw(get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK")),
    )


@overload
def own_origin(scheme: str, host: bytes | str) -> bytes: ...
@overload
def own_origin(scheme: str, host: None) -> None: ...
@overload
def own_origin(scheme: str, host: bytes | str | None) -> bytes | None: ...
def own_origin(scheme: str, host: bytes | str | None) -> bytes | None:
    """The origin a request was addressed to: its scheme (a WebSocket's `ws`
    and `wss` read as the page's `http` and `https`) and its `Host`, or None
    without a Host."""
    if host is None:
        return None
    raw = host if isinstance(host, bytes) else host.encode("latin-1", "replace")
    return _PAGE_SCHEMES.get(scheme, b"http") + b"://" + raw


def merge_vary(*values: str) -> str:
    """Several `Vary` field values as one (RFC 9110 §12.5.5): each name once,
    compared case-insensitively, in first-seen order and spelling. A `*`
    anywhere gives `*`: it already says the response varies on everything, so
    names beside it add nothing."""
    names: dict[str, str] = {}
    for value in values:
        for item in value.split(","):
            name = item.strip(" \t")
            if name:
                names.setdefault(name.lower(), name)
    if "*" in names:
        return "*"
    return ", ".join(names.values())
