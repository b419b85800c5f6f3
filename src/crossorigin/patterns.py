"""Origin patterns and the compiled matcher.

Theory of operation: a policy lists origins in three shapes, each parsed into an
`OriginPattern`:

- exact: `https://app.example.com`, `http://localhost:3000`;
- subdomain wildcard: `https://*.example.com` (one or more labels before
  `example.com`; the apex itself is not included), optionally with a port or
  `:*`;
- port wildcard: `http://localhost:*` (any port, including none).

`OriginMatcher` compiles a list of patterns into lookup tables. Matching works
on the raw bytes of the `Origin` header, as a browser compares (byte for byte,
Fetch §4.10 "CORS check"): exact origins are one frozenset lookup; patterns
need one split of the header and a few dictionary lookups, one per dot of the
host. No regular expression runs unless the policy's `origin_regex` escape
hatch is set.

Only the exact serialization a browser produces can match: upper case, a
trailing slash, a default port, userinfo or stray bytes never do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Final

from crossorigin.origin import (
    DEFAULT_PORTS,
    HOST_CHARACTERS,
    MAX_ORIGIN_LENGTH,
    Origin,
    OriginSyntaxError,
)

__all__ = ["ANY_PORT", "OriginMatcher", "OriginPattern", "PatternKind"]


class PatternKind(Enum):
    ANY = "any"
    EXACT = "exact"
    SUBDOMAINS = "subdomains"
    ANY_PORT = "any-port"


#: The port value of a pattern that accepts every port.
ANY_PORT: Final = -1


@dataclass(frozen=True, slots=True)
class OriginPattern:
    """One parsed entry of a policy's `origins`.

    For SUBDOMAINS, `host` is the base domain (`example.com` for
    `https://*.example.com`). `port` is None (scheme default), a number, or
    ANY_PORT.
    """

    kind: PatternKind
    text: str
    scheme: str = ""
    host: str = ""
    port: int | None = None

    @classmethod
    def parse(cls, text: str) -> OriginPattern:
        """Parse one policy origin; raise OriginSyntaxError saying what is wrong."""
        if text == "*":
            return cls(PatternKind.ANY, text)
        if text == "null":
            return cls(PatternKind.EXACT, text)
        scheme, sep, rest = text.partition("://")
        any_port = False
        if sep and rest.endswith(":*"):
            any_port = True
            rest = rest[:-2]
        wildcard_host = sep and rest.startswith("*.")
        if wildcard_host:
            rest = rest[2:]
            base_host = rest if rest.startswith("[") else rest.partition(":")[0]
            if base_host.startswith("[") or base_host.rsplit(".", 1)[-1].isdigit():
                raise OriginSyntaxError(
                    "origin-invalid-wildcard", f"{text!r}: an IP address has no subdomains"
                )
        if sep and "*" in rest:
            raise OriginSyntaxError(
                "origin-invalid-wildcard",
                f"{text!r}: '*' is allowed only as the first label ('https://*.example.com') "
                "or as the port ('http://localhost:*')",
            )
        # Validate what remains as an exact origin, with a placeholder label in
        # place of the wildcard so the host rules still apply.
        probe = f"{scheme}{sep}{'x.' if wildcard_host else ''}{rest}"
        origin = Origin.parse_strict(probe)
        if wildcard_host:
            base = origin.host[2:]
            port = ANY_PORT if any_port else origin.port
            return cls(PatternKind.SUBDOMAINS, text, origin.scheme, base, port)
        if any_port:
            return cls(PatternKind.ANY_PORT, text, origin.scheme, origin.host, ANY_PORT)
        return cls(PatternKind.EXACT, text, origin.scheme, origin.host, origin.port)

    def matches(self, origin: Origin) -> bool:
        """Whether a parsed origin is covered (used by lint and the tools; the
        request path uses OriginMatcher)."""
        if self.kind is PatternKind.ANY:
            return True
        if origin.is_opaque:
            return self.kind is PatternKind.EXACT and self.text == "null"
        if origin.scheme != self.scheme:
            return False
        if self.port != ANY_PORT and origin.port != self.port:
            return False
        if self.kind is PatternKind.SUBDOMAINS:
            return origin.host.endswith("." + self.host)
        return origin.host == self.host

    @property
    def is_wildcard(self) -> bool:
        return self.kind is not PatternKind.EXACT


class OriginMatcher:
    """Compiled lookup tables for a list of patterns (and an optional regex).

    `match(raw)` answers for the raw `Origin` header bytes; it never raises.
    """

    __slots__ = ("_any", "_any_port", "_exact", "_has_patterns", "_regex", "_subdomains")

    def __init__(self, patterns: Iterable[OriginPattern], regex: str | None = None) -> None:
        self._any = False
        exact: set[bytes] = set()
        self._any_port: set[tuple[str, str]] = set()
        # (scheme, port) -> base domains; port None, a number, or ANY_PORT.
        self._subdomains: dict[tuple[str, int | None], set[str]] = {}
        for pattern in patterns:
            if pattern.kind is PatternKind.ANY:
                self._any = True
            elif pattern.kind is PatternKind.EXACT:
                exact.add(pattern.text.encode("ascii"))
            elif pattern.kind is PatternKind.ANY_PORT:
                self._any_port.add((pattern.scheme, pattern.host))
            else:
                self._subdomains.setdefault((pattern.scheme, pattern.port), set()).add(pattern.host)
        self._exact: frozenset[bytes] = frozenset(exact)
        self._regex = re.compile(regex) if regex is not None else None
        self._has_patterns = bool(self._any_port or self._subdomains)

    @property
    def matches_any(self) -> bool:
        return self._any

    @property
    def exact(self) -> frozenset[bytes]:
        return self._exact

    def match(self, raw: bytes) -> bool:
        if self._any:
            return True
        if raw in self._exact:
            return True
        if len(raw) > MAX_ORIGIN_LENGTH:
            return False
        if self._has_patterns and self._match_patterns(raw):
            return True
        if self._regex is not None:
            try:
                text = raw.decode("ascii")
            except UnicodeDecodeError:
                return False
            return self._regex.fullmatch(text) is not None
        return False

    def _match_patterns(self, raw: bytes) -> bool:
        parsed = _split_serialized_origin(raw)
        if parsed is None:
            return False
        scheme, host, port = parsed
        if (scheme, host) in self._any_port:
            return True
        for key in ((scheme, port), (scheme, ANY_PORT)):
            bases = self._subdomains.get(key)
            if not bases:
                continue
            dot = host.find(".")
            while dot > 0:
                if host[dot + 1 :] in bases:
                    return True
                dot = host.find(".", dot + 1)
        return False


def _split_serialized_origin(raw: bytes) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of a browser-serialized origin, or None for anything
    a browser would not send (so it can match no pattern)."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    scheme, sep, authority = text.partition("://")
    if not sep or not scheme:
        return None
    if authority.startswith("["):
        close = authority.find("]")
        if close == -1:
            return None
        host, after = authority[: close + 1], authority[close + 1 :]
        colon = after[:1]
        if after and colon != ":":
            return None
        port_text = after[1:]
        if not all(c in "0123456789abcdef:." for c in host[1:-1]):
            return None
    else:
        host, colon, port_text = authority.partition(":")
        if (
            not host
            or host.startswith(".")
            or host.endswith(".")
            or ".." in host
            or any(c not in HOST_CHARACTERS for c in host)
        ):
            return None
    if not colon:
        return scheme, host, None
    if not port_text.isdigit() or port_text.startswith("0") or len(port_text) > 5:
        return None
    port = int(port_text)
    if port > 65535 or DEFAULT_PORTS.get(scheme) == port:
        return None
    return scheme, host, port
