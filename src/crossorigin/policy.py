"""Policy: the one declarative, immutable description of what a server allows.

Theory of operation: `Policy(...)` normalizes its arguments, validates all of
them, and raises one `ConfigError` listing every problem (code, value, message)
at once, so a service can show them all to whoever wrote the configuration.
A policy that constructs is valid; it also carries `notes`: things that are
legal but probably not what was meant (what `crossorigin lint` prints).

Every rule of *what may be configured* lives here; the per-request decisions
live in engine.py. Insecure settings cannot be expressed without an opt-in whose
name starts with `dangerously_`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final, NamedTuple

from crossorigin import fetch_tables
from crossorigin.origin import Origin, OriginSyntaxError, is_loopback_host
from crossorigin.patterns import OriginMatcher, OriginPattern, PatternKind

__all__ = ["ConfigError", "Issue", "Policy"]

#: Access-Control-Max-Age above this is refused: no browser honours more
#: (Firefox caps at 24 h, Chromium at 2 h, WebKit at 10 min).
MAX_AGE_LIMIT: Final = 86400

#: Cleartext schemes: an origin on one of them can be impersonated by anyone on
#: the network path, so trusting it with credentials needs an explicit opt-in.
INSECURE_SCHEMES: Final = frozenset({"http", "ws", "ftp"})

#: Origins an attacker can obtain at will; a regex matching one of them with
#: credentials on trusts the whole web.
_REGEX_PROBES: Final = (
    "https://crossorigin-probe.invalid",
    "http://crossorigin-probe.invalid",
    "null",
)

_FIELDS: Final = (
    "origins",
    "methods",
    "request_headers",
    "credentials",
    "expose_headers",
    "max_age",
    "private_network",
    "origin_regex",
    "dangerously_allow_insecure_origins",
    "dangerously_allow_public_suffix_subdomains",
    "dangerously_allow_null_origin",
)


class Issue(NamedTuple):
    """One configuration problem (or, in `Policy.notes`, one remark)."""

    code: str
    value: object
    message: str

    def __str__(self) -> str:
        if repr(self.value) in self.message:
            return f"[{self.code}] {self.message}"
        return f"[{self.code}] {self.value!r}: {self.message}"


class ConfigError(ValueError):
    """The configuration cannot be used; `.issues` lists every problem."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues: list[Issue] = list(issues)
        lines = "\n".join(f"  - {issue}" for issue in self.issues)
        count = len(self.issues)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the CORS policy:\n{lines}")


def _as_names(value: object, field: str, issues: list[Issue]) -> tuple[str, ...]:
    """A string or an iterable of strings, as a tuple; `"*"` alone stays `("*",)`."""
    if isinstance(value, str):
        return (value,) if value == "*" else tuple(p.strip() for p in value.split(",") if p.strip())
    if isinstance(value, bytes) or not isinstance(value, Iterable):
        issues.append(Issue("type-invalid", value, f"{field} must be a list of strings"))
        return ()
    items = tuple(value)
    for item in items:
        if not isinstance(item, str):
            issues.append(Issue("type-invalid", item, f"every entry of {field} must be a string"))
            return ()
    return items


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


class Policy:
    """What a server allows, validated when built. Keyword-only; `Policy(origins=[...])`
    alone is valid. See the README for every field."""

    __slots__ = (
        "_credentials",
        "_dangerously_allow_insecure_origins",
        "_dangerously_allow_null_origin",
        "_dangerously_allow_public_suffix_subdomains",
        "_expose_headers",
        "_matcher",
        "_max_age",
        "_methods",
        "_notes",
        "_origin_regex",
        "_origins",
        "_patterns",
        "_private_network",
        "_request_headers",
    )
    _credentials: bool
    _dangerously_allow_insecure_origins: bool
    _dangerously_allow_null_origin: bool
    _dangerously_allow_public_suffix_subdomains: bool
    _expose_headers: tuple[str, ...]
    _matcher: OriginMatcher
    _max_age: int | None
    _methods: tuple[str, ...]
    _notes: tuple[Issue, ...]
    _origin_regex: str | None
    _origins: tuple[str, ...]
    _patterns: tuple[OriginPattern, ...]
    _private_network: bool
    _request_headers: tuple[str, ...]

    def __init__(
        self,
        *,
        origins: str | Iterable[str],
        methods: str | Iterable[str] = ("GET", "HEAD", "POST"),
        request_headers: str | Iterable[str] = (),
        credentials: bool = False,
        expose_headers: str | Iterable[str] = (),
        max_age: int | None = None,
        private_network: bool = False,
        origin_regex: str | None = None,
        dangerously_allow_insecure_origins: bool = False,
        dangerously_allow_public_suffix_subdomains: bool = False,
        dangerously_allow_null_origin: bool = False,
    ) -> None:
        issues: list[Issue] = []
        notes: list[Issue] = []
        flags = {
            "credentials": credentials,
            "private_network": private_network,
            "dangerously_allow_insecure_origins": dangerously_allow_insecure_origins,
            "dangerously_allow_public_suffix_subdomains": (
                dangerously_allow_public_suffix_subdomains
            ),
            "dangerously_allow_null_origin": dangerously_allow_null_origin,
        }
        for name, flag in flags.items():
            if not isinstance(flag, bool):
                issues.append(Issue("type-invalid", flag, f"{name} must be true or false"))
        set_ = object.__setattr__
        set_(self, "_credentials", credentials is True)
        set_(self, "_private_network", private_network is True)
        set_(
            self, "_dangerously_allow_insecure_origins", dangerously_allow_insecure_origins is True
        )
        set_(
            self,
            "_dangerously_allow_public_suffix_subdomains",
            dangerously_allow_public_suffix_subdomains is True,
        )
        set_(self, "_dangerously_allow_null_origin", dangerously_allow_null_origin is True)

        origin_texts = _dedupe(_as_names(origins, "origins", issues))
        patterns = self._validate_origins(origin_texts, origin_regex, issues, notes)
        regex = self._validate_regex(origin_regex, issues, notes)
        method_names = self._validate_methods(_as_names(methods, "methods", issues), issues, notes)
        header_names = self._validate_request_headers(
            _as_names(request_headers, "request_headers", issues), issues, notes
        )
        exposed = self._validate_expose_headers(
            _as_names(expose_headers, "expose_headers", issues), issues, notes
        )
        self._validate_max_age(max_age, issues, notes)
        if self._private_network:
            notes.append(
                Issue(
                    "private-network-legacy",
                    True,
                    "Chromium has replaced Private Network Access preflights with the Local "
                    "Network Access permission; the header only helps older browsers",
                )
            )
        if issues:
            raise ConfigError(issues)

        set_(self, "_origins", origin_texts)
        set_(self, "_patterns", patterns)
        set_(self, "_origin_regex", regex)
        set_(self, "_methods", method_names)
        set_(self, "_request_headers", header_names)
        set_(self, "_expose_headers", exposed)
        set_(self, "_max_age", max_age)
        set_(self, "_notes", tuple(notes))
        set_(self, "_matcher", OriginMatcher(patterns, regex))

    # -- validation -----------------------------------------------------------------

    def _validate_origins(
        self,
        texts: tuple[str, ...],
        origin_regex: str | None,
        issues: list[Issue],
        notes: list[Issue],
    ) -> tuple[OriginPattern, ...]:
        if not texts and origin_regex is None:
            issues.append(
                Issue(
                    "origins-missing",
                    list(texts),
                    "list at least one origin, e.g. origins=['https://app.example.com']",
                )
            )
            return ()
        credentials = self._credentials
        patterns: list[OriginPattern] = []
        for text in texts:
            try:
                pattern = OriginPattern.parse(text)
            except OriginSyntaxError as error:
                message = f"{error} ({error.hint})" if error.hint else str(error)
                issues.append(Issue(error.code, text, message))
                continue
            patterns.append(pattern)
            if pattern.kind is PatternKind.ANY:
                if credentials:
                    issues.append(
                        Issue(
                            "wildcard-with-credentials",
                            text,
                            "browsers refuse '*' on credentialed requests, and reflecting any "
                            "origin instead would let every site read your users' data: list "
                            "the origins that may send credentials",
                        )
                    )
                if len(texts) > 1:
                    notes.append(
                        Issue("origin-redundant", text, "'*' makes the other origins redundant")
                    )
                continue
            if pattern.text == "null":
                if not self._dangerously_allow_null_origin:
                    issues.append(
                        Issue(
                            "origin-null",
                            text,
                            "'null' is sent by sandboxed iframes, file:// pages and redirects, "
                            "which any site can produce; set dangerously_allow_null_origin=True "
                            "if you really must trust it",
                        )
                    )
                continue
            if (
                credentials
                and pattern.scheme in INSECURE_SCHEMES
                and not is_loopback_host(pattern.host)
                and not self._dangerously_allow_insecure_origins
            ):
                issues.append(
                    Issue(
                        "insecure-origin-with-credentials",
                        text,
                        f"anyone on the network can impersonate a {pattern.scheme}:// origin; use "
                        f"'https://{text.partition('://')[2]}', or set "
                        "dangerously_allow_insecure_origins=True",
                    )
                )
            if pattern.kind is PatternKind.SUBDOMAINS:
                self._check_public_suffix(pattern, issues, notes)
        self._note_redundant(patterns, notes)
        return tuple(patterns)

    def _check_public_suffix(
        self, pattern: OriginPattern, issues: list[Issue], notes: list[Issue]
    ) -> None:
        from crossorigin.public_suffix import is_public_suffix

        if is_loopback_host(pattern.host) or not is_public_suffix(pattern.host):
            return
        message = (
            f"anyone can register a site under {pattern.host!r}, so {pattern.text!r} trusts "
            "strangers"
        )
        if self._credentials and not self._dangerously_allow_public_suffix_subdomains:
            issues.append(
                Issue(
                    "public-suffix-wildcard-with-credentials",
                    pattern.text,
                    f"{message}; list your own origins, or set "
                    "dangerously_allow_public_suffix_subdomains=True",
                )
            )
        else:
            notes.append(Issue("public-suffix-wildcard", pattern.text, message))

    @staticmethod
    def _note_redundant(patterns: list[OriginPattern], notes: list[Issue]) -> None:
        wildcards = [p for p in patterns if p.is_wildcard and p.kind is not PatternKind.ANY]
        for pattern in patterns:
            if pattern.kind is not PatternKind.EXACT or pattern.text == "null":
                continue
            origin = Origin(pattern.scheme, pattern.host, pattern.port)
            for wildcard in wildcards:
                if wildcard.matches(origin):
                    notes.append(
                        Issue(
                            "origin-redundant",
                            pattern.text,
                            f"already covered by {wildcard.text!r}",
                        )
                    )
                    break

    def _validate_regex(
        self, origin_regex: str | None, issues: list[Issue], notes: list[Issue]
    ) -> str | None:
        if origin_regex is None:
            return None
        if not isinstance(origin_regex, str):
            issues.append(Issue("type-invalid", origin_regex, "origin_regex must be a string"))
            return None
        try:
            compiled = re.compile(origin_regex)
        except re.error as error:
            issues.append(Issue("origin-regex-invalid", origin_regex, f"does not compile: {error}"))
            return None
        broad = [probe for probe in _REGEX_PROBES if compiled.fullmatch(probe)]
        if broad:
            message = (
                f"matches origins anyone can obtain ({', '.join(broad)}); anchor every part, "
                r"e.g. 'https://[a-z0-9-]+\.example\.com'"
            )
            if self._credentials:
                issues.append(Issue("origin-regex-too-broad", origin_regex, message))
            else:
                notes.append(Issue("origin-regex-too-broad", origin_regex, message))
        notes.append(
            Issue(
                "origin-regex",
                origin_regex,
                "a regex is an escape hatch: prefer 'https://*.example.com' patterns, which "
                "cannot match a look-alike host by accident",
            )
        )
        return origin_regex

    @staticmethod
    def _validate_methods(
        names: tuple[str, ...], issues: list[Issue], notes: list[Issue]
    ) -> tuple[str, ...]:
        if "*" in names:
            if len(names) > 1:
                notes.append(Issue("method-redundant", list(names), "'*' covers every method"))
            return ("*",)
        result: list[str] = []
        for name in names:
            if not fetch_tables.is_token(name):
                issues.append(Issue("method-invalid", name, "a method must be an HTTP token"))
                continue
            if fetch_tables.is_forbidden_method(name):
                issues.append(
                    Issue(
                        "method-forbidden",
                        name,
                        "browsers never send CONNECT, TRACE or TRACK from fetch(); remove it",
                    )
                )
                continue
            normalized = fetch_tables.normalize_method(name)
            if normalized != normalized.upper():
                notes.append(
                    Issue(
                        "method-case",
                        name,
                        f"methods are case-sensitive: this allows only the literal {name!r}; "
                        f"fetch() sends {name.upper()!r} only if the script writes it so",
                    )
                )
            result.append(normalized)
        return _dedupe(result)

    @staticmethod
    def _validate_request_headers(
        names: tuple[str, ...], issues: list[Issue], notes: list[Issue]
    ) -> tuple[str, ...]:
        result: list[str] = []
        for name in names:
            if name == "*":
                result.append(name)
                continue
            lowered = name.lower()
            if not fetch_tables.is_token(name):
                issues.append(Issue("header-invalid", name, "a header name must be an HTTP token"))
            elif fetch_tables.is_forbidden_request_header(lowered):
                issues.append(
                    Issue(
                        "header-forbidden",
                        name,
                        "browsers never let a script set this header, so allowing it has no "
                        "effect; remove it",
                    )
                )
            elif lowered in fetch_tables.CORS_RESPONSE_HEADER_NAMES:
                issues.append(
                    Issue(
                        "header-is-response-header",
                        name,
                        "this is a response header the server sends, not a request header; "
                        "remove it from request_headers",
                    )
                )
            else:
                result.append(lowered)
        if "*" in result and "authorization" not in result:
            notes.append(
                Issue(
                    "wildcard-excludes-authorization",
                    "*",
                    "'*' does not cover Authorization (Fetch standard); list 'Authorization' "
                    "too if clients send it",
                )
            )
        return _dedupe(result)

    def _validate_expose_headers(
        self, names: tuple[str, ...], issues: list[Issue], notes: list[Issue]
    ) -> tuple[str, ...]:
        result: list[str] = []
        for name in names:
            if name == "*":
                if self._credentials:
                    issues.append(
                        Issue(
                            "expose-wildcard-with-credentials",
                            name,
                            "browsers read '*' literally on credentialed requests; list the "
                            "headers scripts may read",
                        )
                    )
                result.append(name)
                continue
            lowered = name.lower()
            if not fetch_tables.is_token(name):
                issues.append(Issue("expose-invalid", name, "a header name must be an HTTP token"))
            elif fetch_tables.is_forbidden_response_header_name(lowered):
                issues.append(
                    Issue(
                        "expose-forbidden",
                        name,
                        "browsers never expose Set-Cookie to scripts; remove it",
                    )
                )
            else:
                if lowered in fetch_tables.CORS_SAFELISTED_RESPONSE_HEADER_NAMES:
                    notes.append(
                        Issue("expose-safelisted", name, "scripts can read this header anyway")
                    )
                result.append(name)
        return _dedupe(result)

    @staticmethod
    def _validate_max_age(max_age: object, issues: list[Issue], notes: list[Issue]) -> None:
        if max_age is None:
            return
        if isinstance(max_age, bool) or not isinstance(max_age, int):
            issues.append(Issue("max-age-invalid", max_age, "max_age must be whole seconds"))
            return
        if not 0 <= max_age <= MAX_AGE_LIMIT:
            issues.append(
                Issue(
                    "max-age-out-of-range",
                    max_age,
                    f"max_age must be between 0 and {MAX_AGE_LIMIT} seconds",
                )
            )
        elif max_age > fetch_tables.CHROMIUM_PREFLIGHT_CACHE_CAP_SECONDS:
            notes.append(
                Issue(
                    "max-age-above-chromium-cap",
                    max_age,
                    "Chromium caches preflights for at most 7200 seconds",
                )
            )

    # -- read-only view ---------------------------------------------------------------

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Policy is immutable; use policy.replace(...)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Policy is immutable")

    @property
    def origins(self) -> tuple[str, ...]:
        return self._origins

    @property
    def patterns(self) -> tuple[OriginPattern, ...]:
        return self._patterns

    @property
    def methods(self) -> tuple[str, ...]:
        return self._methods

    @property
    def request_headers(self) -> tuple[str, ...]:
        return self._request_headers

    @property
    def credentials(self) -> bool:
        return self._credentials

    @property
    def expose_headers(self) -> tuple[str, ...]:
        return self._expose_headers

    @property
    def max_age(self) -> int | None:
        return self._max_age

    @property
    def private_network(self) -> bool:
        return self._private_network

    @property
    def origin_regex(self) -> str | None:
        return self._origin_regex

    @property
    def dangerously_allow_insecure_origins(self) -> bool:
        return self._dangerously_allow_insecure_origins

    @property
    def dangerously_allow_public_suffix_subdomains(self) -> bool:
        return self._dangerously_allow_public_suffix_subdomains

    @property
    def dangerously_allow_null_origin(self) -> bool:
        return self._dangerously_allow_null_origin

    @property
    def notes(self) -> tuple[Issue, ...]:
        """Legal but suspicious settings (what `crossorigin lint` reports)."""
        return self._notes

    @property
    def matcher(self) -> OriginMatcher:
        return self._matcher

    @property
    def allows_any_origin(self) -> bool:
        return self.matcher.matches_any

    def allows_origin(self, origin: str | bytes) -> bool:
        """Whether a serialized origin (as a browser sends it) is allowed."""
        raw = origin if isinstance(origin, bytes) else origin.encode("utf-8", "surrogateescape")
        return self.matcher.match(raw)

    # -- conversions -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The normalized fields; `Policy(**p.to_dict()) == p`."""
        return {
            "origins": list(self.origins),
            "methods": list(self.methods),
            "request_headers": list(self.request_headers),
            "credentials": self.credentials,
            "expose_headers": list(self.expose_headers),
            "max_age": self.max_age,
            "private_network": self.private_network,
            "origin_regex": self.origin_regex,
            "dangerously_allow_insecure_origins": self.dangerously_allow_insecure_origins,
            "dangerously_allow_public_suffix_subdomains": (
                self.dangerously_allow_public_suffix_subdomains
            ),
            "dangerously_allow_null_origin": self.dangerously_allow_null_origin,
        }

    def replace(self, **changes: Any) -> Policy:
        return Policy.from_mapping({**self.to_dict(), **changes})

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Policy:
        """A policy from a dict of its fields (TOML, Django settings); unknown keys
        are reported with the other issues."""
        unknown = [key for key in data if key not in _FIELDS]
        known = {key: value for key, value in data.items() if key in _FIELDS}
        issues = [
            Issue("unknown-field", key, f"not a policy field; known: {', '.join(_FIELDS)}")
            for key in unknown
        ]
        if "origins" not in known and "origin_regex" not in known:
            issues.append(Issue("origins-missing", None, "the policy has no 'origins'"))
            raise ConfigError(issues)
        known.setdefault("origins", ())
        try:
            policy = cls(**known)
        except ConfigError as error:
            raise ConfigError(issues + error.issues) from None
        if issues:
            raise ConfigError(issues)
        return policy

    @classmethod
    def from_toml(cls, path: str | Path) -> Policy:
        """Load a policy from a TOML file whose top-level keys are the fields."""
        try:
            with open(path, "rb") as file:
                data = tomllib.load(file)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError([Issue("toml-invalid", str(path), str(error))]) from None
        return cls.from_mapping(data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Policy):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        defaults = _DEFAULTS
        shown = {k: v for k, v in self.to_dict().items() if k == "origins" or v != defaults.get(k)}
        return "Policy(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"


_DEFAULTS: Final[dict[str, Any]] = {
    "methods": ["GET", "HEAD", "POST"],
    "request_headers": [],
    "credentials": False,
    "expose_headers": [],
    "max_age": None,
    "private_network": False,
    "origin_regex": None,
    "dangerously_allow_insecure_origins": False,
    "dangerously_allow_public_suffix_subdomains": False,
    "dangerously_allow_null_origin": False,
}
