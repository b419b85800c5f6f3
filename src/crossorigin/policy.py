"""Policy: the one declarative, immutable description of what a server allows.

Theory of operation: `Policy(...)` normalizes its arguments, validates all of
them, and raises one `ConfigError` listing every problem (code, value, message)
at once, so a service can show them all to whoever wrote the configuration.
A policy that constructs is valid; it also carries `notes`: things that are
legal but probably not what was meant (what `crossorigin lint` prints).

Every rule of *what may be configured* lives here; the per-request decisions
live in engine.py. Insecure settings cannot be expressed without an opt-in whose
name starts with `dangerously_`.

`origin_regex` gets the same refusals as patterns: origin_regex.py derives what
a regex can match (samples from its syntax tree) and whether matching it can
backtrack exponentially; the rules applied to those facts are here. A regex
with an exponential shape is refused when the policy is built, rather than
matched under a time limit, because Python cannot interrupt a running `re`
match; the matcher also never runs it on more than an origin's 326 bytes.

Policy files are untrusted text: `from_toml` turns every way a file can fail
(unreadable, too large, not UTF-8, not TOML, nested too deep, integers too long
to convert) into a `ConfigError`, so a command can print one line and exit 2.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, Final, NamedTuple, Never

from crossorigin import fetch_tables
from crossorigin.origin import Origin, OriginSyntaxError, is_loopback_host
from crossorigin.origin_regex import backtracking_problem, sample_origins
from crossorigin.patterns import OriginMatcher, OriginPattern, PatternKind

__all__ = ["ConfigError", "Issue", "IssueCode", "Policy", "PolicyFileError"]

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

#: A policy file larger than this is refused unread: a real one is a few
#: hundred bytes, and tomllib holds the whole text in memory.
MAX_POLICY_FILE_BYTES: Final = 1 << 20

#: How much of an offending value a message shows.
_SHOWN_CHARACTERS: Final = 80

#: What an origin_regex may be written with: the characters of origins and
#: the regex syntax that matches them. Anything else can only be a mistake or an
#: attempt to break out of a quoted string in an exported server configuration.
_REGEX_CHARACTERS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\\.-_:/[](){}|?*+^$,=!<>"
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


#: The names other CORS libraries use for a policy field (Starlette/FastAPI,
#: flask-cors, django-cors-headers, Express `cors`, Go `rs/cors`), compared
#: without case, `_` or `-`: a user moving from one of them gets the exact
#: replacement instead of a bare "unknown field".
_FOREIGN_FIELDS: Final = {
    "alloworigins": "origins",
    "allowedorigins": "origins",
    "alloworigin": "origins",
    "origin": "origins",
    "corsallowedorigins": "origins",
    "corsoriginwhitelist": "origins",
    "corsoriginallowlist": "origins",
    "allowallorigins": "origins",
    "corsallowallorigins": "origins",
    "corsoriginallowall": "origins",
    "sendwildcard": "origins",
    "alloworiginregex": "origin_regex",
    "corsallowedoriginregexes": "origin_regex",
    "corsoriginregexwhitelist": "origin_regex",
    "allowmethods": "methods",
    "allowedmethods": "methods",
    "corsallowmethods": "methods",
    "allowheaders": "request_headers",
    "allowedheaders": "request_headers",
    "corsallowheaders": "request_headers",
    "headers": "request_headers",
    "allowcredentials": "credentials",
    "supportscredentials": "credentials",
    "corsallowcredentials": "credentials",
    "exposedheaders": "expose_headers",
    "corsexposeheaders": "expose_headers",
    "maxage": "max_age",
    "corspreflightmaxage": "max_age",
    "allowprivatenetwork": "private_network",
    "corsallowprivatenetwork": "private_network",
}

#: Foreign names whose value means "any origin": the replacement is `origins="*"`.
_ANY_ORIGIN_FLAGS: Final = frozenset(
    {"allowallorigins", "corsallowallorigins", "corsoriginallowall", "sendwildcard"}
)


def shown_value(value: object) -> str:
    """A short repr of a configuration value for a message: long values are cut
    and integers too long to print in decimal are described instead."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"<an integer of {value.bit_length()} bits>"
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return f"<a {type(value).__name__}>"
    if len(text) > _SHOWN_CHARACTERS:
        return text[: _SHOWN_CHARACTERS - 3] + "..."
    return text


class IssueCode(StrEnum):
    """The closed set of `Issue.code` values: stable identifiers a program can
    match on (a SaaS showing configuration errors in its own words), each
    with a refused example and an accepted neighbour in tests/test_policy.py.
    Values are plain strings (`IssueCode.ORIGIN_NULL == "origin-null"`), so
    code written against the strings keeps working. Problems raise
    `ConfigError`; the codes marked "note" appear only in `Policy.notes`.
    """

    # -- the file ------------------------------------------------------------------
    #: The policy file cannot be opened or read (the message gives the reason).
    POLICY_FILE_UNREADABLE = "policy-file-unreadable"
    #: The policy file is larger than MAX_POLICY_FILE_BYTES.
    POLICY_FILE_TOO_LARGE = "policy-file-too-large"
    #: The policy file is not UTF-8 (the message gives the byte offset).
    POLICY_FILE_NOT_UTF8 = "policy-file-not-utf8"
    #: Not TOML (line and column), or an integer too long to convert.
    TOML_INVALID = "toml-invalid"
    #: Arrays or tables nested deeper than the parser can follow.
    TOML_TOO_DEEP = "toml-too-deep"
    # -- fields --------------------------------------------------------------------
    #: Not a policy field; the message names the field meant when it can.
    UNKNOWN_FIELD = "unknown-field"
    #: A value of the wrong type (a number for a list, a string for a bool).
    TYPE_INVALID = "type-invalid"
    # -- origins (OriginSyntaxError codes from origin.py and patterns.py) ----------
    #: No origins and no origin_regex.
    ORIGINS_MISSING = "origins-missing"
    ORIGIN_MISSING_SCHEME = "origin-missing-scheme"
    ORIGIN_INVALID_SCHEME = "origin-invalid-scheme"
    ORIGIN_FILE_SCHEME = "origin-file-scheme"
    ORIGIN_HAS_PATH = "origin-has-path"
    ORIGIN_TRAILING_SLASH = "origin-trailing-slash"
    ORIGIN_HAS_QUERY = "origin-has-query"
    ORIGIN_HAS_FRAGMENT = "origin-has-fragment"
    ORIGIN_HAS_USERINFO = "origin-has-userinfo"
    ORIGIN_DEFAULT_PORT = "origin-default-port"
    ORIGIN_INVALID_PORT = "origin-invalid-port"
    ORIGIN_PORT_OUT_OF_RANGE = "origin-port-out-of-range"
    ORIGIN_UPPERCASE = "origin-uppercase"
    ORIGIN_NON_ASCII_HOST = "origin-non-ascii-host"
    ORIGIN_INVALID_HOST = "origin-invalid-host"
    ORIGIN_WHITESPACE = "origin-whitespace"
    ORIGIN_TOO_LONG = "origin-too-long"
    ORIGIN_INVALID_WILDCARD = "origin-invalid-wildcard"
    #: `null` without dangerously_allow_null_origin.
    ORIGIN_NULL = "origin-null"
    #: `*` with credentials.
    WILDCARD_WITH_CREDENTIALS = "wildcard-with-credentials"
    #: An http:// (ws://, ftp://) origin, pattern or regex match, with credentials.
    INSECURE_ORIGIN_WITH_CREDENTIALS = "insecure-origin-with-credentials"
    #: A wildcard (pattern or regex) over a public suffix, with credentials.
    PUBLIC_SUFFIX_WILDCARD_WITH_CREDENTIALS = "public-suffix-wildcard-with-credentials"
    #: Note: a wildcard over a public suffix without credentials.
    PUBLIC_SUFFIX_WILDCARD = "public-suffix-wildcard"
    #: Note: an origin already covered by a pattern or `*`.
    ORIGIN_REDUNDANT = "origin-redundant"
    # -- origin_regex -------------------------------------------------------------
    #: The regex does not compile.
    ORIGIN_REGEX_INVALID = "origin-regex-invalid"
    #: A character that is neither regex syntax nor part of an origin.
    ORIGIN_REGEX_CHARACTER = "origin-regex-character"
    #: A shape whose matching can backtrack exponentially.
    ORIGIN_REGEX_BACKTRACKING = "origin-regex-backtracking"
    #: Matches origins anyone can obtain (refused with credentials, else a note).
    ORIGIN_REGEX_TOO_BROAD = "origin-regex-too-broad"
    #: Note: a regex is set at all (patterns are safer).
    ORIGIN_REGEX = "origin-regex"
    # -- methods and headers -----------------------------------------------------------
    METHOD_INVALID = "method-invalid"
    #: CONNECT, TRACE, TRACK.
    METHOD_FORBIDDEN = "method-forbidden"
    #: Note: a method in lower case (methods are case-sensitive).
    METHOD_CASE = "method-case"
    #: Note: `*` next to other methods.
    METHOD_REDUNDANT = "method-redundant"
    HEADER_INVALID = "header-invalid"
    #: A forbidden request header (Cookie, Host, Sec-*, ...).
    HEADER_FORBIDDEN = "header-forbidden"
    #: An Access-Control-* response header listed as a request header.
    HEADER_IS_RESPONSE_HEADER = "header-is-response-header"
    #: Note: `*` request headers without Authorization.
    WILDCARD_EXCLUDES_AUTHORIZATION = "wildcard-excludes-authorization"
    EXPOSE_INVALID = "expose-invalid"
    #: Set-Cookie exposed.
    EXPOSE_FORBIDDEN = "expose-forbidden"
    #: Exposed `*` with credentials.
    EXPOSE_WILDCARD_WITH_CREDENTIALS = "expose-wildcard-with-credentials"
    #: Note: exposing a safelisted response header.
    EXPOSE_SAFELISTED = "expose-safelisted"
    # -- the rest -------------------------------------------------------------------
    MAX_AGE_INVALID = "max-age-invalid"
    #: Below 0 or above MAX_AGE_LIMIT.
    MAX_AGE_OUT_OF_RANGE = "max-age-out-of-range"
    #: Note: above Chromium's 7200 s cap.
    MAX_AGE_ABOVE_CHROMIUM_CAP = "max-age-above-chromium-cap"
    #: Note: private_network=True (a legacy Chrome mechanism).
    PRIVATE_NETWORK_LEGACY = "private-network-legacy"
    #: A route prefix that is not a path (the adapters' route tables).
    ROUTE_PREFIX_INVALID = "route-prefix-invalid"


class Issue(NamedTuple):
    """One configuration problem (or, in `Policy.notes`, one remark)."""

    code: str
    value: object
    message: str

    def __str__(self) -> str:
        shown = shown_value(self.value)
        if shown in self.message:
            return f"[{self.code}] {self.message}"
        return f"[{self.code}] {shown}: {self.message}"


class ConfigError(ValueError):
    """The configuration cannot be used; `.issues` lists every problem."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues: list[Issue] = list(issues)
        count = len(self.issues)
        if count == 1:
            # One line, so a command can print it as its one-line error.
            super().__init__(f"1 problem in the CORS policy: {self.issues[0]}")
            return
        lines = "\n".join(f"  - {issue}" for issue in self.issues)
        super().__init__(f"{count} problems in the CORS policy:\n{lines}")


class PolicyFileError(ConfigError):
    """A policy file could not be read as text at all (missing, unreadable,
    too large, not UTF-8). A `ConfigError`, so callers that catch that need
    nothing more; `crossorigin lint` tells it apart to exit 2 instead of 1."""


def _unknown_field(key: object) -> tuple[Issue, str | None]:
    """The issue for a key that is not a field, and the field it stands for
    when that is clear (a foreign library's name for it, or a near spelling)."""
    if not isinstance(key, str):
        return Issue(IssueCode.UNKNOWN_FIELD, key, "field names are strings"), None
    folded = re.sub(r"[^a-z0-9]", "", key.lower())
    field = _FOREIGN_FIELDS.get(folded)
    if folded in _ANY_ORIGIN_FLAGS:
        return (
            Issue(
                IssueCode.UNKNOWN_FIELD,
                key,
                f"{shown_value(key)} is another library's name; to allow any origin write "
                "origins='*' (never with credentials)",
            ),
            "origins",
        )
    if field is not None:
        return (
            Issue(
                IssueCode.UNKNOWN_FIELD,
                key,
                f"{shown_value(key)} is another library's name; crossorigin calls it {field!r}",
            ),
            field,
        )
    close = difflib.get_close_matches(key, _FIELDS, n=1, cutoff=0.6)
    if close:
        return Issue(
            IssueCode.UNKNOWN_FIELD, key, f"not a policy field; did you mean {close[0]!r}?"
        ), (close[0])
    return Issue(
        IssueCode.UNKNOWN_FIELD, key, f"not a policy field; known: {', '.join(_FIELDS)}"
    ), None


def _as_names(value: object, field: str, issues: list[Issue]) -> tuple[str, ...]:
    """A string or an iterable of strings, as a tuple; `"*"` alone stays `("*",)`."""
    if isinstance(value, str):
        return (value,) if value == "*" else tuple(p.strip() for p in value.split(",") if p.strip())
    if isinstance(value, bytes | Mapping) or not isinstance(value, Iterable):
        issues.append(Issue(IssueCode.TYPE_INVALID, value, f"{field} must be a list of strings"))
        return ()
    items = tuple(value)
    for item in items:
        if not isinstance(item, str):
            issues.append(
                Issue(IssueCode.TYPE_INVALID, item, f"every entry of {field} must be a string")
            )
            return ()
    return items


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


class Policy:
    """What a server allows, validated when built; immutable (`replace` makes a
    changed copy). Keyword-only; `Policy(origins=[...])` alone is valid. Every
    problem is raised at once as a `ConfigError` whose `.issues` are (code,
    value, message); `notes` lists legal but suspicious settings.

    Fields (name = default: what it is; why the default):

    origins (required): who may read responses. Exact origins as browsers send
        them (`https://app.example.com`, `http://localhost:3000`), subdomain
        patterns (`https://*.example.com`: one or more labels, not the apex),
        port patterns (`http://localhost:*`), or `"*"` for any origin. A string
        is split on commas. Refused: paths, trailing `/`, upper case, default
        ports, userinfo, `null` and `file://` (see the dangerously_* fields).
    methods = ('GET', 'HEAD', 'POST'): methods a preflight may allow, or `"*"`.
        Case-sensitive, as browsers compare them. CONNECT, TRACE and TRACK are
        refused (fetch() never sends them). The default is what a form can
        send anyway, so it widens nothing.
    request_headers = (): request headers scripts may send beyond the
        CORS-safelisted ones, or `"*"` (which never covers Authorization, per
        the Fetch standard). Forbidden names (Cookie, Host, Sec-*, ...) are
        refused. Empty by default: each header a script may set is a decision.
    credentials = False: whether scripts may send cookies and HTTP
        authentication and read the answers (`Access-Control-Allow-Credentials:
        true`). Off by default because it is what makes a loose policy leak
        users' data; with it, `*` origins and exposed `*` are refused.
    expose_headers = (): response headers scripts may read beyond the
        safelisted ones, or `"*"` (refused with credentials). Set-Cookie is
        refused.
    max_age = None: seconds browsers may cache a preflight answer
        (`Access-Control-Max-Age`), 0 to 86400; None sends no header and
        browsers then cache for 5 s. Chromium caps it at 7200 (a note says so).
    private_network = False: answer Chrome's legacy Private Network Access
        preflights with `Access-Control-Allow-Private-Network: true`. Off
        because it lets public pages reach a service on a private network.
    origin_regex = None: an escape hatch, a Python regex full-matched against
        the `Origin` header in addition to `origins`. Refused when it can match
        `http://` origins or any site under a public suffix with credentials
        (as patterns are), and when its shape can make matching take
        exponential time (`(a+)+`, `(a|aa)*`). Prefer patterns.
    dangerously_allow_insecure_origins = False: allow `http://` (and `ws://`,
        `ftp://`) origins with credentials. Anyone on the network path can
        impersonate such an origin; loopback origins never need this.
    dangerously_allow_public_suffix_subdomains = False: allow a wildcard over a
        public suffix (`https://*.github.io`, `*.co.uk`) with credentials,
        which trusts every site anyone can register there.
    dangerously_allow_null_origin = False: allow the origin `null`, which
        sandboxed iframes, `data:` and `file://` pages send, so any site can.

    Names other CORS libraries use (`allow_origins`, `allow_headers`,
    `allow_credentials`, `CORS_ALLOWED_ORIGINS`, ...) are refused with the
    field to write instead.
    """

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
        origins: str | Iterable[str] = (),
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
        # `Never`: a type checker refuses any other keyword, while at run time
        # a misspelt or foreign field becomes an issue with a suggestion.
        **unknown: Never,
    ) -> None:
        issues: list[Issue] = []
        notes: list[Issue] = []
        meant: set[str] = set()
        for key in unknown:
            issue, field = _unknown_field(key)
            issues.append(issue)
            if field is not None:
                meant.add(field)
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
                issues.append(Issue(IssueCode.TYPE_INVALID, flag, f"{name} must be true or false"))
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

        before = len(issues)
        origin_texts = _dedupe(_as_names(origins, "origins", issues))
        # Origins given under another name, or of the wrong type, are reported
        # as that; "no origins" on top would send the reader the wrong way.
        origins_misnamed = len(issues) > before or bool(meant & {"origins", "origin_regex"})
        patterns = self._validate_origins(
            origin_texts, origin_regex, issues, notes, origins_misnamed=origins_misnamed
        )
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
                    IssueCode.PRIVATE_NETWORK_LEGACY,
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
        *,
        origins_misnamed: bool = False,
    ) -> tuple[OriginPattern, ...]:
        if not texts and origin_regex is None:
            if origins_misnamed:
                return ()
            issues.append(
                Issue(
                    IssueCode.ORIGINS_MISSING,
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
                issues.append(Issue(IssueCode(error.code), text, message))
                continue
            patterns.append(pattern)
            if pattern.kind is PatternKind.ANY:
                if credentials:
                    issues.append(
                        Issue(
                            IssueCode.WILDCARD_WITH_CREDENTIALS,
                            text,
                            "browsers refuse '*' on credentialed requests, and reflecting any "
                            "origin instead would let every site read your users' data: list "
                            "the origins that may send credentials",
                        )
                    )
                if len(texts) > 1:
                    notes.append(
                        Issue(
                            IssueCode.ORIGIN_REDUNDANT,
                            text,
                            "'*' makes the other origins redundant",
                        )
                    )
                continue
            if pattern.text == "null":
                if not self._dangerously_allow_null_origin:
                    issues.append(
                        Issue(
                            IssueCode.ORIGIN_NULL,
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
                        IssueCode.INSECURE_ORIGIN_WITH_CREDENTIALS,
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
                    IssueCode.PUBLIC_SUFFIX_WILDCARD_WITH_CREDENTIALS,
                    pattern.text,
                    f"{message}; list your own origins, or set "
                    "dangerously_allow_public_suffix_subdomains=True",
                )
            )
        else:
            notes.append(Issue(IssueCode.PUBLIC_SUFFIX_WILDCARD, pattern.text, message))

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
                            IssueCode.ORIGIN_REDUNDANT,
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
            issues.append(
                Issue(IssueCode.TYPE_INVALID, origin_regex, "origin_regex must be a string")
            )
            return None
        stray = next((char for char in origin_regex if char not in _REGEX_CHARACTERS), None)
        if stray is not None:
            issues.append(
                Issue(
                    IssueCode.ORIGIN_REGEX_CHARACTER,
                    origin_regex,
                    f"contains {stray!r}, which is neither regex syntax nor part of any origin "
                    "(quotes, spaces, '%', ';' and the like only break the configurations "
                    "`crossorigin export` writes)",
                )
            )
            return None
        try:
            compiled = re.compile(origin_regex)
        except (re.error, RecursionError, OverflowError) as error:
            issues.append(
                Issue(IssueCode.ORIGIN_REGEX_INVALID, origin_regex, f"does not compile: {error}")
            )
            return None
        problem = backtracking_problem(origin_regex)
        if problem is not None:
            issues.append(
                Issue(
                    IssueCode.ORIGIN_REGEX_BACKTRACKING,
                    origin_regex,
                    f"{problem}: any page could stall the server with one crafted Origin; "
                    r"write each label once, e.g. 'https://[a-z0-9-]+\.example\.com', or use "
                    "'https://*.example.com'",
                )
            )
            return None
        self._check_regex_reach(origin_regex, compiled, issues, notes)
        broad = [probe for probe in _REGEX_PROBES if compiled.fullmatch(probe)]
        if broad:
            message = (
                f"matches origins anyone can obtain ({', '.join(broad)}); anchor every part, "
                r"e.g. 'https://[a-z0-9-]+\.example\.com'"
            )
            if self._credentials:
                issues.append(Issue(IssueCode.ORIGIN_REGEX_TOO_BROAD, origin_regex, message))
            else:
                notes.append(Issue(IssueCode.ORIGIN_REGEX_TOO_BROAD, origin_regex, message))
        notes.append(
            Issue(
                IssueCode.ORIGIN_REGEX,
                origin_regex,
                "a regex is an escape hatch: prefer 'https://*.example.com' patterns, which "
                "cannot match a look-alike host by accident",
            )
        )
        return origin_regex

    def _check_regex_reach(
        self,
        origin_regex: str,
        compiled: re.Pattern[str],
        issues: list[Issue],
        notes: list[Issue],
    ) -> None:
        """The refusals patterns get, applied to the origins the regex can
        match: samples built from its syntax tree, then variations of each (the
        other scheme, another registrable label) that an attacker could use."""
        matched = _regex_reach(compiled, sample_origins(origin_regex))
        insecure = next(
            (
                origin
                for origin in matched
                if origin.scheme in INSECURE_SCHEMES and not is_loopback_host(origin.host)
            ),
            None,
        )
        if (
            insecure is not None
            and self._credentials
            and not self._dangerously_allow_insecure_origins
        ):
            issues.append(
                Issue(
                    IssueCode.INSECURE_ORIGIN_WITH_CREDENTIALS,
                    origin_regex,
                    f"{origin_regex!r} matches {insecure.serialize()!r}: anyone on the network "
                    f"can impersonate a {insecure.scheme}:// origin; match only https://, or set "
                    "dangerously_allow_insecure_origins=True",
                )
            )
        wide = _public_suffix_reach(compiled, matched)
        if wide is None:
            return
        example, suffix = wide
        message = (
            f"{origin_regex!r} matches {example!r}: anyone can register a site under "
            f"{suffix!r}, so it trusts strangers"
        )
        if self._credentials and not self._dangerously_allow_public_suffix_subdomains:
            issues.append(
                Issue(
                    IssueCode.PUBLIC_SUFFIX_WILDCARD_WITH_CREDENTIALS,
                    origin_regex,
                    f"{message}; list your own origins, or set "
                    "dangerously_allow_public_suffix_subdomains=True",
                )
            )
        else:
            notes.append(Issue(IssueCode.PUBLIC_SUFFIX_WILDCARD, origin_regex, message))

    @staticmethod
    def _validate_methods(
        names: tuple[str, ...], issues: list[Issue], notes: list[Issue]
    ) -> tuple[str, ...]:
        if "*" in names:
            if len(names) > 1:
                notes.append(
                    Issue(IssueCode.METHOD_REDUNDANT, list(names), "'*' covers every method")
                )
            return ("*",)
        result: list[str] = []
        for name in names:
            if not fetch_tables.is_token(name):
                issues.append(
                    Issue(IssueCode.METHOD_INVALID, name, "a method must be an HTTP token")
                )
                continue
            if fetch_tables.is_forbidden_method(name):
                issues.append(
                    Issue(
                        IssueCode.METHOD_FORBIDDEN,
                        name,
                        "browsers never send CONNECT, TRACE or TRACK from fetch(); remove it",
                    )
                )
                continue
            normalized = fetch_tables.normalize_method(name)
            if normalized != normalized.upper():
                notes.append(
                    Issue(
                        IssueCode.METHOD_CASE,
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
                issues.append(
                    Issue(IssueCode.HEADER_INVALID, name, "a header name must be an HTTP token")
                )
            elif fetch_tables.is_forbidden_request_header(lowered):
                issues.append(
                    Issue(
                        IssueCode.HEADER_FORBIDDEN,
                        name,
                        "browsers never let a script set this header, so allowing it has no "
                        "effect; remove it",
                    )
                )
            elif lowered in fetch_tables.CORS_RESPONSE_HEADER_NAMES:
                issues.append(
                    Issue(
                        IssueCode.HEADER_IS_RESPONSE_HEADER,
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
                    IssueCode.WILDCARD_EXCLUDES_AUTHORIZATION,
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
                            IssueCode.EXPOSE_WILDCARD_WITH_CREDENTIALS,
                            name,
                            "browsers read '*' literally on credentialed requests; list the "
                            "headers scripts may read",
                        )
                    )
                result.append(name)
                continue
            lowered = name.lower()
            if not fetch_tables.is_token(name):
                issues.append(
                    Issue(IssueCode.EXPOSE_INVALID, name, "a header name must be an HTTP token")
                )
            elif fetch_tables.is_forbidden_response_header_name(lowered):
                issues.append(
                    Issue(
                        IssueCode.EXPOSE_FORBIDDEN,
                        name,
                        "browsers never expose Set-Cookie to scripts; remove it",
                    )
                )
            else:
                if lowered in fetch_tables.CORS_SAFELISTED_RESPONSE_HEADER_NAMES:
                    notes.append(
                        Issue(
                            IssueCode.EXPOSE_SAFELISTED, name, "scripts can read this header anyway"
                        )
                    )
                result.append(name)
        return _dedupe(result)

    @staticmethod
    def _validate_max_age(max_age: object, issues: list[Issue], notes: list[Issue]) -> None:
        if max_age is None:
            return
        if isinstance(max_age, bool) or not isinstance(max_age, int):
            issues.append(
                Issue(IssueCode.MAX_AGE_INVALID, max_age, "max_age must be whole seconds")
            )
            return
        if not 0 <= max_age <= MAX_AGE_LIMIT:
            issues.append(
                Issue(
                    IssueCode.MAX_AGE_OUT_OF_RANGE,
                    max_age,
                    f"max_age must be between 0 and {MAX_AGE_LIMIT} seconds",
                )
            )
        elif max_age > fetch_tables.CHROMIUM_PREFLIGHT_CACHE_CAP_SECONDS:
            notes.append(
                Issue(
                    IssueCode.MAX_AGE_ABOVE_CHROMIUM_CAP,
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
        are reported with the other issues, with the field they stand for."""
        if not isinstance(data, Mapping):
            raise ConfigError(
                [Issue(IssueCode.TYPE_INVALID, data, "a policy is a table (dict) of its fields")]
            )
        issues: list[Issue] = []
        known: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(key, str):
                known[key] = value
            else:
                issues.append(_unknown_field(key)[0])
        try:
            policy = cls(**known)
        except ConfigError as error:
            raise ConfigError(issues + error.issues) from None
        if issues:
            raise ConfigError(issues)
        return policy

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> Policy:
        """Load a policy from a TOML file whose top-level keys are the fields.

        Every failure is a `ConfigError`: `PolicyFileError` (codes
        `policy-file-unreadable` with the system's reason, `policy-file-too-large`,
        `policy-file-not-utf8` with the byte offset) when the file cannot be
        read as text, else `toml-invalid` (with line and column) or
        `toml-too-deep`, then the policy's own issues."""
        name = os.fspath(path)
        try:
            with open(path, "rb") as file:
                data = file.read(MAX_POLICY_FILE_BYTES + 1)
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise PolicyFileError(
                [Issue(IssueCode.POLICY_FILE_UNREADABLE, name, f"cannot read {name!r}: {reason}")]
            ) from None
        if len(data) > MAX_POLICY_FILE_BYTES:
            raise PolicyFileError(
                [
                    Issue(
                        IssueCode.POLICY_FILE_TOO_LARGE,
                        name,
                        f"{name!r} is larger than {MAX_POLICY_FILE_BYTES} bytes; "
                        "a policy file is a few lines",
                    )
                ]
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise PolicyFileError(
                [
                    Issue(
                        IssueCode.POLICY_FILE_NOT_UTF8,
                        name,
                        f"{name!r} is not UTF-8 text: byte 0x{data[error.start]:02x} at offset "
                        f"{error.start} ({error.reason}); TOML files are UTF-8",
                    )
                ]
            ) from None
        return cls.from_mapping(_parse_toml(text, name))

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


def _parse_toml(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib's message ends with "(at line L, column C)".
        raise ConfigError([Issue(IssueCode.TOML_INVALID, name, f"{name!r}: {error}")]) from None
    except RecursionError:
        raise ConfigError(
            [
                Issue(
                    IssueCode.TOML_TOO_DEEP,
                    name,
                    f"{name!r}: arrays or tables are nested too deeply",
                )
            ]
        ) from None
    except ValueError as error:
        # int() refuses decimal literals of more than sys.get_int_max_str_digits()
        # digits (4300 by default) with a ValueError that tomllib lets through.
        reason = (
            f"an integer has more than {sys.get_int_max_str_digits()} digits"
            if "integer string conversion" in str(error)
            else str(error)
        )
        raise ConfigError([Issue(IssueCode.TOML_INVALID, name, f"{name!r}: {reason}")]) from None


def _regex_reach(compiled: re.Pattern[str], samples: Iterable[str]) -> list[Origin]:
    """Origins the regex full-matches among its samples and their variants on
    the other web scheme (a regex that does not pin the scheme matches both)."""
    found: dict[Origin, None] = {}
    for sample in samples:
        texts = [sample] if "://" in sample else [f"https://{sample}", f"http://{sample}"]
        for text in texts:
            try:
                origin = Origin.parse_strict(text)
            except OriginSyntaxError:
                continue
            if origin.is_opaque:
                continue
            for scheme in dict.fromkeys((origin.scheme, "http", "https")):
                variant = Origin(scheme, origin.host, origin.port)
                if compiled.fullmatch(variant.serialize()):
                    found[variant] = None
    return list(found)


def _public_suffix_reach(
    compiled: re.Pattern[str], matched: Iterable[Origin]
) -> tuple[str, str] | None:
    """(an origin an attacker could register, its public suffix) when the regex
    also matches another registrable label next to a public suffix than the
    one in a sample, i.e. it wildcards over a public suffix; else None."""
    from crossorigin.public_suffix import registrable_domain

    for origin in matched:
        if origin.is_ip or is_loopback_host(origin.host):
            continue
        registrable = registrable_domain(origin.host)
        if registrable is None:
            continue
        label, _, suffix = registrable.partition(".")
        prefix = origin.host[: len(origin.host) - len(registrable)]
        variants = {label + "q", "q" + label, label[:-1] + "q", "q" + label[1:], label + "7"}
        for variant in sorted(variants - {label}):
            if not variant or variant.startswith("-") or variant.endswith("-"):
                continue
            attacker = Origin(origin.scheme, f"{prefix}{variant}.{suffix}", origin.port)
            if compiled.fullmatch(attacker.serialize()):
                return attacker.serialize(), suffix
    return None


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
