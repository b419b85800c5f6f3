"""The reference CORS server: slow, obvious code written from the Fetch standard.

This module answers the same question as `crossorigin.engine.Engine` (what
does the server send for this request?) without sharing a line with it: no
import from `crossorigin` except the `Policy` it reads its fields from, no
compiled tables, no caches, no regular expressions. Origins are split with
plain string operations, patterns are compared by hand, and
`Access-Control-Request-Headers` is split by the HTTP list rules (RFC 9110
§5.6.1). The differential test in tests/oracles/test_reference_engine.py checks that
both agree on random policies and random requests.

Rules written down here, with their source:

- Fetch §3.2: a request without `Origin` is not a CORS request; `OPTIONS`
  with `Origin` and `Access-Control-Request-Method` is a preflight; every
  other request with `Origin` is an actual CORS request.
- Fetch §4.10 (CORS check): the browser compares `Access-Control-Allow-Origin`
  with its own serialized origin byte for byte, so the server must allow
  exactly the serialization a browser sends: lower-case scheme and host, no
  default port, no path, no trailing slash, no userinfo (HTML §7.5
  "serialization of an origin").
- Fetch §2.2.1: methods are compared exactly; GET, HEAD and POST are
  safelisted and need no permission. Header names are compared
  case-insensitively; `*` covers every name except `Authorization`
  (§2.2.2 "CORS non-wildcard request-header name"), and with credentials `*`
  means the literal name `*` (§3.2.5), so the server echoes instead.
- crossorigin's documented rules (README "The engine", engine.py's
  docstring): an allowed preflight is 204, a refused one 403 with no CORS
  headers; a refused actual request gets only `Vary: Origin`; `Vary: Origin`
  is sent whenever the answer depends on the origin, i.e. always except for a
  policy allowing any origin without credentials; a repeated `Origin` or
  `Access-Control-Request-Method` line is refused; `strict=True` answers 403
  to unsafe methods (RFC 9110 §9.2.1) from refused, cross-origin requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crossorigin import Policy

LOWER_LETTERS = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
# RFC 9110 §5.6.2 tchar.
TOKEN_CHARS = "!#$%&'*+-.^_`|~" + DIGITS + LOWER_LETTERS + LOWER_LETTERS.upper()
DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21"}
SAFELISTED_METHODS = ["GET", "HEAD", "POST"]
# RFC 9110 §9.2.1 safe methods (strict mode lets these through).
SAFE_METHODS = ["GET", "HEAD", "OPTIONS", "TRACE"]
LONGEST_ORIGIN = 326
LONGEST_REQUEST_HEADERS = 8192


@dataclass
class Answer:
    """What the reference server does: the same fields as an engine Decision,
    with headers as a plain list of (lower-case name, value) byte pairs."""

    kind: str  # "not-cors", "preflight" or "actual"
    allowed: bool
    status: int | None
    reason: str | None  # an engine Reason value, e.g. "origin-not-allowed"
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)

    def header(self, name: bytes) -> bytes | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


def is_token(text: str) -> bool:
    return text != "" and all(char in TOKEN_CHARS for char in text)


def split_origin(text: str) -> tuple[str, str, str] | None:
    """(scheme, host, port) of a serialized origin exactly as a browser writes
    it, or None when a browser would never send these bytes. `port` is "" when
    absent."""
    if "://" not in text:
        return None
    scheme = text[: text.index("://")]
    rest = text[text.index("://") + 3 :]
    if scheme == "" or scheme[0] not in LOWER_LETTERS:
        return None
    for char in scheme:
        if char not in LOWER_LETTERS + DIGITS + "+-.":
            return None
    if rest.startswith("["):
        if "]" not in rest:
            return None
        host = rest[: rest.index("]") + 1]
        after = rest[len(host) :]
        for char in host[1:-1]:
            if char not in DIGITS + "abcdef:.":
                return None
        if host == "[]":
            return None
    else:
        if ":" in rest:
            host = rest[: rest.index(":")]
            after = rest[rest.index(":") :]
        else:
            host = rest
            after = ""
        if host == "":
            return None
        for label in host.split("."):
            if label == "":
                return None
            for char in label:
                if char not in LOWER_LETTERS + DIGITS + "-_":
                    return None
    if after == "":
        return scheme, host, ""
    if not after.startswith(":"):
        return None
    port = after[1:]
    if port == "" or port[0] == "0":
        return None
    for char in port:
        if char not in DIGITS:
            return None
    if int(port) > 65535:
        return None
    if DEFAULT_PORTS.get(scheme) == port:
        return None
    return scheme, host, port


def split_pattern(text: str) -> tuple[str, str, str, bool]:
    """(scheme, host, port, any subdomain) of a policy entry; host keeps the
    base domain for `*.` patterns and port is "*" for any port."""
    scheme = text[: text.index("://")]
    rest = text[text.index("://") + 3 :]
    subdomains = rest.startswith("*.")
    if subdomains:
        rest = rest[2:]
    if rest.endswith(":*"):
        return scheme, rest[:-2], "*", subdomains
    if rest.startswith("["):
        host = rest[: rest.index("]") + 1]
        port = rest[len(host) + 1 :]
        return scheme, host, port, subdomains
    if ":" in rest:
        return scheme, rest[: rest.index(":")], rest[rest.index(":") + 1 :], subdomains
    return scheme, rest, "", subdomains


def pattern_allows(entry: str, origin: str) -> bool:
    if entry == "*":
        return True
    if entry == "null" or origin == "null":
        return entry == origin
    parts = split_origin(origin)
    if parts is None:
        return False
    scheme, host, port = parts
    want_scheme, want_host, want_port, subdomains = split_pattern(entry)
    if scheme != want_scheme:
        return False
    if want_port != "*" and port != want_port:
        return False
    if subdomains:
        return host.endswith("." + want_host)
    return host == want_host


def origin_allowed(policy: Policy, origin: str) -> bool:
    return any(pattern_allows(entry, origin) for entry in policy.origins)


def any_origin(policy: Policy) -> bool:
    return "*" in policy.origins


def looks_like_an_origin(raw: bytes) -> bool:
    """Bytes the engine may even consider: short, visible ASCII only."""
    if raw == b"" or len(raw) > LONGEST_ORIGIN:
        return False
    return all(0x21 <= byte <= 0x7E for byte in raw)


def parse_header_list(raw: bytes) -> list[str] | None:
    """RFC 9110 §5.6.1: comma-separated, optional whitespace around elements,
    empty elements ignored; every element must be a token. Lower-cased, in
    order. None when the value is not such a list."""
    if len(raw) > LONGEST_REQUEST_HEADERS:
        return None
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    names = []
    for element in text.split(","):
        element = element.strip(" \t")
        if element == "":
            continue
        if not is_token(element):
            return None
        names.append(element.lower())
    return names


def vary_origin(policy: Policy) -> bool:
    return not (any_origin(policy) and not policy.credentials)


def not_cors(policy: Policy) -> Answer:
    answer = Answer("not-cors", True, None, None)
    if any_origin(policy) and not policy.credentials:
        answer.headers = actual_headers(policy, b"*")
    elif vary_origin(policy):
        answer.headers = [(b"vary", b"Origin")]
    return answer


def actual_headers(policy: Policy, allow_origin: bytes) -> list[tuple[bytes, bytes]]:
    headers = [(b"access-control-allow-origin", allow_origin)]
    if policy.credentials:
        headers.append((b"access-control-allow-credentials", b"true"))
    if policy.expose_headers:
        headers.append(
            (b"access-control-expose-headers", ", ".join(policy.expose_headers).encode())
        )
    if vary_origin(policy):
        headers.append((b"vary", b"Origin"))
    return headers


def actual(
    policy: Policy,
    origin: bytes,
    method: str,
    *,
    strict: bool = False,
    self_origin: bytes | None = None,
) -> Answer:
    if any_origin(policy) and not policy.credentials:
        return Answer("actual", True, None, None, actual_headers(policy, b"*"))
    if not looks_like_an_origin(origin):
        refused = Answer("actual", False, None, "origin-invalid", [(b"vary", b"Origin")])
    elif not origin_allowed(policy, origin.decode("ascii")):
        refused = Answer("actual", False, None, "origin-not-allowed", [(b"vary", b"Origin")])
    else:
        return Answer("actual", True, None, None, actual_headers(policy, origin))
    if strict and method not in SAFE_METHODS and origin != self_origin:
        refused.status = 403
        refused.reason = "unsafe-method-from-refused-origin"
    return refused


def preflight(
    policy: Policy,
    origin: bytes,
    request_method: bytes,
    request_headers: bytes | None,
    private_network: bytes | None,
) -> Answer:
    # The answer depends on Private-Network whatever the policy says.
    vary = (
        "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
        "Access-Control-Request-Private-Network"
    )

    def refuse(reason: str) -> Answer:
        return Answer("preflight", False, 403, reason, [(b"vary", vary.encode())])

    # A preflight is refused for malformed or repeated origins even when the
    # policy allows any origin (nothing a browser sends looks like that).
    wildcard_origin = any_origin(policy) and not policy.credentials
    if not looks_like_an_origin(origin):
        return refuse("origin-invalid")
    if not origin_allowed(policy, origin.decode("ascii")):
        return refuse("origin-not-allowed")
    try:
        method = request_method.decode("ascii")
    except UnicodeDecodeError:
        return refuse("method-invalid")
    if not is_token(method):
        return refuse("method-invalid")
    if (
        method not in SAFELISTED_METHODS
        and method not in policy.methods
        and "*" not in policy.methods
    ):
        return refuse("method-not-allowed")
    names = parse_header_list(request_headers or b"")
    if names is None:
        return refuse("headers-invalid")
    listed = [name.lower() for name in policy.request_headers]
    for name in names:
        if name in listed:
            continue
        if "*" in listed and name != "authorization":
            continue
        return refuse("headers-not-allowed")
    asks_private_network = private_network == b"true"
    if asks_private_network and not policy.private_network:
        return refuse("private-network-not-allowed")
    headers = [(b"access-control-allow-origin", b"*" if wildcard_origin else origin)]
    if "*" in policy.methods and policy.credentials:
        headers.append((b"access-control-allow-methods", request_method))
    else:
        headers.append((b"access-control-allow-methods", ", ".join(policy.methods).encode()))
    if "*" in listed and policy.credentials:
        if names:
            headers.append((b"access-control-allow-headers", ",".join(names).encode()))
    elif listed:
        headers.append((b"access-control-allow-headers", ", ".join(listed).encode()))
    if policy.credentials:
        headers.append((b"access-control-allow-credentials", b"true"))
    if policy.max_age is not None:
        headers.append((b"access-control-max-age", str(policy.max_age).encode()))
    if asks_private_network:
        headers.append((b"access-control-allow-private-network", b"true"))
    headers.append((b"vary", vary.encode()))
    return Answer("preflight", True, 204, None, headers)


def decide(
    policy: Policy,
    method: str,
    lines: list[tuple[bytes, bytes]],
    *,
    strict: bool = False,
    self_origin: bytes | None = None,
) -> Answer:
    """Classify a request from its method and raw header lines, then decide."""
    origins = [value for name, value in lines if name.lower() == b"origin"]
    methods = [value for name, value in lines if name.lower() == b"access-control-request-method"]
    header_lists = [
        value for name, value in lines if name.lower() == b"access-control-request-headers"
    ]
    networks = [
        value for name, value in lines if name.lower() == b"access-control-request-private-network"
    ]
    if not origins:
        return not_cors(policy)
    # Two Origin lines are never what a browser sends; joined, they match nothing.
    origin = b", ".join(origins)
    if method == "OPTIONS" and methods:
        request_method = b", ".join(methods)
        request_headers = b",".join(header_lists) if header_lists else None
        network = networks[-1] if networks else None
        return preflight(policy, origin, request_method, request_headers, network)
    return actual(policy, origin, method, strict=strict, self_origin=self_origin)
