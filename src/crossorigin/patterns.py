"""The compiled origin matcher: a policy's origins as lookup tables.

Theory of operation: the grammar of origins and patterns (`OriginPattern`,
`PatternKind`, `ANY_PORT`, re-exported here) lives in origin.py. This module
turns parsed patterns into lookup tables, once per engine:
`compile_matcher(policy)` is what the engine calls when it is built, so a
`Policy` stays plain validated data.

Matching works on the raw bytes of the `Origin` header, as a browser compares
(byte for byte, Fetch §4.10 "CORS check"): exact origins are one frozenset
lookup (port lists are exact origins by then); patterns need one split of
the header (origin.split_serialized_origin) and a few dictionary lookups, one
per dot of the host; an in-label glob one more lookup by the host after its
first label, then a prefix and suffix comparison of that label. No regular expression
runs unless the policy's `origin_regex` escape hatch is set.

Only the exact serialization a browser produces can match: upper case, a
trailing slash, a default port, userinfo or stray bytes never do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from crossorigin.origin import (
    ANY_PORT,
    MAX_ORIGIN_LENGTH,
    OriginPattern,
    PatternKind,
    label_glob_matches,
    split_serialized_origin,
)

if TYPE_CHECKING:
    from crossorigin.policy import Policy

__all__ = ["ANY_PORT", "OriginMatcher", "OriginPattern", "PatternKind", "compile_matcher"]


def compile_matcher(policy: Policy) -> OriginMatcher:
    """The lookup tables for a policy's `origins` and `origin_regex`."""
    return OriginMatcher(policy.patterns, policy.origin_regex)


class OriginMatcher:
    """Compiled lookup tables for a list of patterns (and an optional regex).

    `match(raw)` answers for the raw `Origin` header bytes; it never raises.
    """

    __slots__ = (
        "_any",
        "_any_port",
        "_exact",
        "_globs",
        "_has_patterns",
        "_regex",
        "_subdomains",
    )

    def __init__(self, patterns: Iterable[OriginPattern], regex: str | None = None) -> None:
        self._any = False
        exact: set[bytes] = set()
        self._any_port: set[tuple[str, str]] = set()
        # (scheme, port) -> base domains; port None, a number, or ANY_PORT.
        self._subdomains: dict[tuple[str, int | None], set[str]] = {}
        # (scheme, port) -> the host after the first label -> (before, after) `*`.
        self._globs: dict[tuple[str, int | None], dict[str, list[tuple[str, str]]]] = {}
        for pattern in patterns:
            if pattern.kind is PatternKind.ANY:
                self._any = True
            elif pattern.kind is PatternKind.EXACT:
                exact.add(pattern.text.encode("ascii"))
            elif pattern.kind is PatternKind.ANY_PORT:
                self._any_port.add((pattern.scheme, pattern.host))
            elif pattern.kind is PatternKind.LABEL_GLOB:
                by_rest = self._globs.setdefault((pattern.scheme, pattern.port), {})
                by_rest.setdefault(pattern.host, []).append(pattern.label_affixes)
            else:
                self._subdomains.setdefault((pattern.scheme, pattern.port), set()).add(pattern.host)
        self._exact: frozenset[bytes] = frozenset(exact)
        self._regex = re.compile(regex) if regex is not None else None
        self._has_patterns = bool(self._any_port or self._subdomains or self._globs)

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
        parsed = split_serialized_origin(raw)
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
        if self._globs:
            label, _, rest = host.partition(".")
            for key in ((scheme, port), (scheme, ANY_PORT)):
                affixes = self._globs.get(key, {}).get(rest)
                if affixes and any(label_glob_matches(label, *pair) for pair in affixes):
                    return True
        return False
