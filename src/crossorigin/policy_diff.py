"""What a policy change does to access: `crossorigin diff OLD NEW`.

Theory of operation: both documents (a policy file, or a fleet document with
`[[routes]]`) are cut into path regions, one per route prefix in either
document plus "every other path"; within a region each side's policy is the
one the adapters would pick (`EngineTable.engine_for`, first match wins), so
reordered or nested routes are compared as they behave. Per region, each
dimension is compared as a set of what it lets through:

- origins: `*`, exact origins and patterns compared by inclusion, not by
  text. A new exact origin already covered by an old pattern widens nothing;
  a removed exact origin that a new pattern still covers loses nothing (and
  the change says which pattern covers it). A pattern is covered by another
  when every origin it matches is matched by the other
  (`https://*.a.example.com` by `https://*.example.com`, a port by `:*`).
  Regular expressions are not compared for inclusion: a changed
  `origin_regex` counts as widened, with origins it newly matches when its
  samples show some.
- methods, request headers (case-insensitive; `*` never covers
  Authorization, Fetch standard §3.2.3), exposed headers: sets, `*` as "any".
- credentials, private network: on/off.
- max_age: not access, but how long a browser keeps a preflight answer; a
  change is reported, never counted as widening.

Severities rate the risk of a widening: origins, credentials and private
network `high`; methods and request headers `medium`; exposed headers `low`.
Narrowings are `info`: they cannot leak, but they can break clients, and
browsers that cached a wider preflight answer keep using it for up to
`max_age` seconds, which the warnings spell out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal

from crossorigin.adapter_config import EngineTable
from crossorigin.origin import (
    ANY_PORT,
    Origin,
    OriginPattern,
    OriginSyntaxError,
    PatternKind,
    label_glob_matches,
)
from crossorigin.origin_regex import sample_origins
from crossorigin.policy import Policy
from crossorigin.sources.document import PolicyDocument

__all__ = [
    "BROWSER_MAX_AGE_CAPS",
    "Change",
    "PolicyDiff",
    "covers",
    "diff_documents",
    "diff_policies",
]

Direction = Literal["widened", "narrowed", "changed"]
Severity = Literal["high", "medium", "low", "info"]

#: How long each engine keeps a preflight answer at most, in seconds
#: (Chromium: kMaxPreflightCacheDuration 2 h; Firefox: 24 h; WebKit: 10 min).
BROWSER_MAX_AGE_CAPS: Final = {"chromium": 7200, "firefox": 86400, "safari": 600}
#: What browsers cache a preflight for when no Access-Control-Max-Age is sent
#: (Fetch standard, CORS-preflight cache: the default is 5 s).
DEFAULT_MAX_AGE: Final = 5

_WIDENING_SEVERITY: Final[dict[str, Severity]] = {
    "origins": "high",
    "credentials": "high",
    "private_network": "high",
    "methods": "medium",
    "request_headers": "medium",
    "expose_headers": "low",
}
_OTHER_PATHS: Final = "every other path"


@dataclass(frozen=True, slots=True)
class Change:
    """One difference in one path region. `direction` is `widened`,
    `narrowed` or `changed` (max_age); `subject` the origin, method or
    header concerned (None for on/off settings)."""

    region: str
    field: str
    direction: Direction
    severity: Severity
    subject: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class PolicyDiff:
    """`changes` in region order; `warnings` (the preflight cache);
    `notes`: list edits that change no access (an origin removed but still
    covered by a pattern, one added that a pattern already allowed)."""

    changes: tuple[Change, ...]
    warnings: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    @property
    def widened(self) -> bool:
        return any(change.direction == "widened" for change in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "widened": self.widened,
            "changes": [change.to_dict() for change in self.changes],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


# -- access as sets --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Names:
    """A header or method list: `star` for `*`, `names` normalized."""

    star: bool
    names: frozenset[str]
    star_excludes: frozenset[str] = frozenset()

    def allows(self, name: str) -> bool:
        return name in self.names or (self.star and name not in self.star_excludes)


_NOTHING: Final = _Names(False, frozenset())


def _names(values: Iterable[str], *, fold: bool, star_excludes: frozenset[str]) -> _Names:
    items = list(values)
    star = "*" in items
    names = frozenset(v.lower() if fold else v for v in items if v != "*")
    return _Names(star, names, star_excludes)


@dataclass(frozen=True, slots=True)
class _Access:
    any_origin: bool
    patterns: tuple[OriginPattern, ...]
    origin_regex: str | None
    methods: _Names
    request_headers: _Names
    expose_headers: _Names
    credentials: bool
    private_network: bool
    max_age: int | None
    enabled: bool

    @classmethod
    def of(cls, policy: Policy | None) -> _Access:
        if policy is None:
            return cls(False, (), None, _NOTHING, _NOTHING, _NOTHING, False, False, None, False)
        return cls(
            any_origin=policy.allows_any_origin,
            patterns=tuple(p for p in policy.patterns if p.kind is not PatternKind.ANY),
            origin_regex=policy.origin_regex,
            methods=_names(policy.methods, fold=False, star_excludes=frozenset()),
            # Fetch §3.2.3: `*` in Access-Control-Allow-Headers never covers
            # Authorization.
            request_headers=_names(
                policy.request_headers, fold=True, star_excludes=frozenset({"authorization"})
            ),
            expose_headers=_names(policy.expose_headers, fold=True, star_excludes=frozenset()),
            credentials=policy.credentials,
            private_network=policy.private_network,
            max_age=policy.max_age,
            enabled=True,
        )

    def allows_origin_text(self, text: str) -> bool:
        if self.any_origin:
            return True
        try:
            origin = Origin.parse_strict(text) if text != "null" else Origin.opaque()
        except OriginSyntaxError:
            return False
        if any(_pattern_matches(pattern, origin, text) for pattern in self.patterns):
            return True
        if self.origin_regex is not None:
            return re.fullmatch(self.origin_regex, text) is not None
        return False


def _pattern_matches(pattern: OriginPattern, origin: Origin, text: str) -> bool:
    if text == "null":
        return pattern.kind is PatternKind.EXACT and pattern.text == "null"
    return pattern.matches(origin)


def covers(wide: OriginPattern, narrow: OriginPattern) -> bool:
    """Whether every origin `narrow` matches is matched by `wide`."""
    if wide.kind is PatternKind.ANY:
        return True
    if narrow.kind is PatternKind.ANY:
        return False
    if wide.text == "null" or narrow.text == "null":
        return wide.text == narrow.text
    if wide.scheme != narrow.scheme:
        return False
    if wide.port != ANY_PORT and wide.port != narrow.port:
        return False
    if wide.kind is PatternKind.SUBDOMAINS:
        # *.h covers x.h and *.x.h; *.h covers *.h and a-*.h (a glob's host is
        # the part after its first label).
        return narrow.host.endswith("." + wide.host) or (
            narrow.kind in (PatternKind.SUBDOMAINS, PatternKind.LABEL_GLOB)
            and narrow.host == wide.host
        )
    if wide.kind is PatternKind.LABEL_GLOB:
        # a-*.h covers a-x.h and itself; it covers no other glob or subdomains.
        if narrow.kind is PatternKind.LABEL_GLOB:
            return narrow.host == wide.host and narrow.label == wide.label
        label, _, rest = narrow.host.partition(".")
        return (
            narrow.kind is not PatternKind.SUBDOMAINS
            and rest == wide.host
            and label_glob_matches(label, *wide.label_affixes)
        )
    if narrow.kind is PatternKind.LABEL_GLOB:
        return False
    return narrow.kind is not PatternKind.SUBDOMAINS and narrow.host == wide.host


# -- the comparison --------------------------------------------------------------------


def diff_policies(old: Policy | None, new: Policy | None, region: str = _OTHER_PATHS) -> PolicyDiff:
    """The changes between two policies (None: the adapter leaves requests
    alone there, so no cross-origin access)."""
    before, after = _Access.of(old), _Access.of(new)
    changes: list[Change] = []
    notes: list[str] = []
    _diff_origins(region, before, after, changes, notes)
    _diff_flag(region, "credentials", before.credentials, after.credentials, changes)
    _diff_names(region, "methods", before.methods, after.methods, changes)
    _diff_names(region, "request_headers", before.request_headers, after.request_headers, changes)
    _diff_names(region, "expose_headers", before.expose_headers, after.expose_headers, changes)
    _diff_flag(region, "private_network", before.private_network, after.private_network, changes)
    if before.max_age != after.max_age and before.enabled and after.enabled:
        changes.append(
            Change(
                region,
                "max_age",
                "changed",
                "info",
                None,
                f"max_age {_age(before.max_age)} -> {_age(after.max_age)}",
            )
        )
    return PolicyDiff(tuple(changes), tuple(_warnings(changes, [before])), tuple(notes))


def diff_documents(old: PolicyDocument, new: PolicyDocument) -> PolicyDiff:
    """The changes between two documents, region by region."""
    old_table = EngineTable(old.default, old.routes)
    new_table = EngineTable(new.default, new.routes)
    prefixes = dict.fromkeys(
        prefix for prefix, _ in (*old.routes, *new.routes)
    )  # in document order, once
    regions: list[tuple[str, str]] = [
        (f"paths under {prefix!r}", prefix.rstrip("/") or "/") for prefix in prefixes
    ]
    # A path under no prefix of either document (if a route is "/", this
    # region is that route's, and equal to it).
    regions.append((_OTHER_PATHS, "/\x00crossorigin-no-route"))
    changes: list[Change] = []
    notes: list[str] = []
    olds: list[_Access] = []
    for label, path in regions:
        old_engine, new_engine = old_table.engine_for(path), new_table.engine_for(path)
        old_policy = old_engine.policy if old_engine is not None else None
        new_policy = new_engine.policy if new_engine is not None else None
        if old_policy == new_policy:
            continue
        part = diff_policies(old_policy, new_policy, label)
        changes.extend(part.changes)
        notes.extend(part.notes)
        olds.append(_Access.of(old_policy))
    return PolicyDiff(tuple(changes), tuple(_warnings(changes, olds)), tuple(notes))


def _change(region: str, name: str, widened: bool, subject: str | None, message: str) -> Change:
    if widened:
        return Change(region, name, "widened", _WIDENING_SEVERITY[name], subject, message)
    return Change(region, name, "narrowed", "info", subject, message)


#: Widened (a pattern added) or not (removed) -> the words for: the other
#: side still covers it, it changed, and the other side's patterns inside it.
_PATTERN_WORDS: Final = {
    True: ("added, already allowed by", "is now allowed", " (wider than {}, allowed before)"),
    False: ("removed, still allowed by", "is no longer allowed", " (only {} of it remain)"),
}


def _diff_origins(
    region: str, before: _Access, after: _Access, changes: list[Change], notes: list[str]
) -> None:
    name = "origins"
    if before.any_origin != after.any_origin:
        if after.any_origin:
            changes.append(_change(region, name, True, "*", "every origin is now allowed ('*')"))
            return
        kept = [p.text for p in after.patterns] or ["none"]
        message = f"no longer every origin ('*'); now only {', '.join(kept)}"
        changes.append(_change(region, name, False, "*", message))
        return
    if before.any_origin:
        return
    # Added patterns first (widened), then removed ones, each judged against
    # the other side's patterns.
    for widened, side, other in ((True, after, before), (False, before, after)):
        covered_note, changed, inside = _PATTERN_WORDS[widened]
        other_texts = {p.text for p in other.patterns}
        for pattern in side.patterns:
            if pattern.text in other_texts:
                continue
            kind = "pattern" if pattern.is_wildcard else "origin"
            wider = _covering(other, pattern)
            if wider is not None:
                notes.append(f"{region}: {kind} {pattern.text} {covered_note} {wider}")
                continue
            message = f"{kind} {pattern.text} {changed}"
            within = [p.text for p in other.patterns if covers(pattern, p)]
            if within:
                message += inside.format(", ".join(within))
            changes.append(_change(region, name, widened, pattern.text, message))
    if before.origin_regex != after.origin_regex:
        _diff_regex(region, before, after, changes)


def _covering(access: _Access, pattern: OriginPattern) -> str | None:
    """What in `access` already allows every origin `pattern` matches (a
    pattern's text, or the regex for an exact origin it matches), or None."""
    for candidate in access.patterns:
        if covers(candidate, pattern):
            return candidate.text
    if (
        pattern.kind is PatternKind.EXACT
        and access.origin_regex is not None
        and re.fullmatch(access.origin_regex, pattern.text) is not None
    ):
        return f"origin_regex {access.origin_regex!r}"
    return None


def _diff_regex(region: str, before: _Access, after: _Access, changes: list[Change]) -> None:
    if after.origin_regex is None:
        changes.append(
            _change(
                region,
                "origins",
                False,
                before.origin_regex,
                f"origin_regex {before.origin_regex!r} removed",
            )
        )
        return
    newly = [
        text for text in sample_origins(after.origin_regex) if not before.allows_origin_text(text)
    ]
    shown = f"; it newly matches e.g. {', '.join(newly[:3])}" if newly else ""
    changes.append(
        _change(
            region,
            "origins",
            True,
            after.origin_regex,
            f"origin_regex {before.origin_regex!r} -> {after.origin_regex!r}: regular "
            f"expressions are not compared for inclusion, review it by hand{shown}",
        )
    )


def _diff_flag(region: str, name: str, before: bool, after: bool, changes: list[Change]) -> None:
    if before == after:
        return
    label = {"credentials": "credentials", "private_network": "private network access"}[name]
    if after:
        changes.append(_change(region, name, True, None, f"{label} now allowed"))
    else:
        changes.append(_change(region, name, False, None, f"{label} no longer allowed"))


def _diff_names(
    region: str, name: str, before: _Names, after: _Names, changes: list[Change]
) -> None:
    label = {
        "methods": "method",
        "request_headers": "request header",
        "expose_headers": "exposed header",
    }[name]
    if after.star and not before.star:
        excluded = (
            f" except {', '.join(sorted(after.star_excludes))}" if after.star_excludes else ""
        )
        changes.append(
            _change(region, name, True, "*", f"every {label}{excluded} now allowed ('*')")
        )
    if before.star and not after.star:
        kept = ", ".join(sorted(after.names)) or "none"
        changes.append(
            _change(region, name, False, "*", f"no longer every {label} ('*'); now only {kept}")
        )
    for item in sorted(after.names):
        if not before.allows(item):
            changes.append(_change(region, name, True, item, f"{label} {item} now allowed"))
    for item in sorted(before.names):
        if not after.allows(item):
            changes.append(_change(region, name, False, item, f"{label} {item} no longer allowed"))


def _age(value: int | None) -> str:
    return f"{value} s" if value is not None else f"unset (browsers: {DEFAULT_MAX_AGE} s)"


def _warnings(changes: list[Change], befores: list[_Access]) -> list[str]:
    """The preflight cache warning, when something is taken away."""
    if not any(change.direction == "narrowed" for change in changes):
        return []
    longest = max(
        (access.max_age if access.max_age is not None else DEFAULT_MAX_AGE for access in befores),
        default=DEFAULT_MAX_AGE,
    )
    if longest <= DEFAULT_MAX_AGE:
        return []
    held = ", ".join(
        f"{browser} {min(longest, cap)} s" for browser, cap in BROWSER_MAX_AGE_CAPS.items()
    )
    return [
        f"this change narrows access, but browsers keep preflight answers for up to the old "
        f"max_age ({longest} s; capped at {held}): clients keep the old, wider answer that "
        "long. Publish a lower max_age first, wait the old max_age, then tighten."
    ]
