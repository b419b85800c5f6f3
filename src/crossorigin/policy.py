"""Policy: the one declarative, immutable description of what a server allows.

Theory of operation: `Policy` is a frozen dataclass of plain data. Building one
runs `_validate`, which hands each concern (opt-ins, origins, the origin regex,
methods, request headers, exposed headers, max-age) to a pure `_check_*`
function returning the normalized value with its issues and notes; it raises
one `ConfigError` listing every problem (code from `IssueCode`, value,
message) at once, so a service can show them all to whoever wrote the
configuration. A policy that constructs is valid; it also carries `notes`:
things that are legal but probably not what was meant (what `crossorigin
lint` prints). The policy compiles nothing: the engine builds its origin
lookup tables with `crossorigin.patterns.compile_matcher(policy)`.

Rule: every rule of *what may be configured* lives in this file; the
per-request decisions live in engine.py, the origin grammar in origin.py.
Insecure settings cannot be expressed without an opt-in whose name starts with
`dangerously_`. A new field is one declaration in `Policy` (type, default and
the sentence help(Policy) shows) plus, unless it is an on/off opt-in (those
are checked together), its `_check_*` function and one line in `_validate`;
the constructor, `to_dict`, `replace`, equality, the repr, the "did you mean"
list and help(Policy) follow from the declaration.

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
import functools
import inspect
import os
import re
import sys
import textwrap
import tomllib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Final, Generic, NamedTuple, TypeVar

from crossorigin import fetch_tables
from crossorigin.header_lists import split_list
from crossorigin.origin import (
    Origin,
    OriginPattern,
    OriginSyntaxError,
    PatternKind,
    expand_port_list,
    is_loopback_host,
)
from crossorigin.origin_regex import backtracking_problem, sample_origins
from crossorigin.patterns import OriginMatcher, compile_matcher
from crossorigin.resolver import Grant

__all__ = [
    "ConfigError",
    "GrantedOptions",
    "Group",
    "Issue",
    "IssueCode",
    "Policy",
    "PolicyFileError",
    "check_grant",
    "isolation_headers",
]

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
    with a refused example and an accepted neighbour in tests/unit/test_policy.py.
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
    #: An in-label glob right under a public suffix (`https://app-*.vercel.app`),
    #: with or without credentials, without dangerously_allow_public_suffix_subdomains.
    PUBLIC_SUFFIX_GLOB = "public-suffix-glob"
    #: An origin whose scheme is not http or https, not listed in app_schemes.
    ORIGIN_APP_SCHEME = "origin-app-scheme"
    #: An app_schemes entry that is not a scheme, or is http, https or file.
    APP_SCHEME_INVALID = "app-scheme-invalid"
    #: A group that is not a Group or a table of origins/credentials/expose_headers.
    GROUP_INVALID = "group-invalid"
    #: groups beside origins='*', which answers every origin before any group.
    GROUPS_WITH_ANY_ORIGIN = "groups-with-any-origin"
    #: A hosts= key that is not a lower-case host name without a port.
    HOST_INVALID = "host-invalid"
    #: cross_origin_isolation or resource_policy not one of the presets.
    ISOLATION_INVALID = "isolation-invalid"
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
    # -- the resolver and the preflight knobs ------------------------------------------
    #: resolver is not a callable (a policy file cannot name one).
    RESOLVER_INVALID = "resolver-invalid"
    #: A resolver beside `*` origins, which would never ask it.
    RESOLVER_WITH_ANY_ORIGIN = "resolver-with-any-origin"
    #: resolver_timeout, resolver_ttl or resolver_refusal_ttl out of range.
    RESOLVER_SECONDS_INVALID = "resolver-seconds-invalid"
    #: A resolver's answer that validation refuses (logged, never raised).
    GRANT_REFUSED = "grant-refused"
    #: preflight_status other than 200 or 204.
    PREFLIGHT_STATUS_INVALID = "preflight-status-invalid"
    #: preflight_cache_control that is not a list of Cache-Control directives.
    PREFLIGHT_CACHE_CONTROL_INVALID = "preflight-cache-control-invalid"


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
    close = difflib.get_close_matches(key, _FIELD_NAMES, n=1, cutoff=0.6)
    if close:
        return Issue(
            IssueCode.UNKNOWN_FIELD, key, f"not a policy field; did you mean {close[0]!r}?"
        ), (close[0])
    return Issue(
        IssueCode.UNKNOWN_FIELD, key, f"not a policy field; known: {', '.join(_FIELD_NAMES)}"
    ), None


# -- validation: one pure function per concern ----------------------------------------
#
# Each `_check_*` takes raw values (whatever a caller, a TOML file or a Django
# setting passed) and returns the normalized value with the issues and notes it
# found, touching nothing else; `_validate` runs them in the order the issues
# are listed and raises one ConfigError with all of them.

_T = TypeVar("_T")


class _Checked(NamedTuple, Generic[_T]):
    value: _T
    issues: tuple[Issue, ...] = ()
    notes: tuple[Issue, ...] = ()


def _as_names(value: object, field_name: str) -> _Checked[tuple[str, ...]]:
    """A string (a comma-separated list, header_lists.split_list; `"*"` alone
    stays `("*",)`) or an iterable of strings, as a tuple."""
    if isinstance(value, str):
        return _Checked((value,) if value == "*" else tuple(split_list(value)))
    if isinstance(value, bytes | Mapping) or not isinstance(value, Iterable):
        return _Checked(
            (), (Issue(IssueCode.TYPE_INVALID, value, f"{field_name} must be a list of strings"),)
        )
    items = tuple(value)
    for item in items:
        if not isinstance(item, str):
            issue = Issue(
                IssueCode.TYPE_INVALID, item, f"every entry of {field_name} must be a string"
            )
            return _Checked((), (issue,))
    return _Checked(items)


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _check_opt_ins(given: Mapping[str, object]) -> _Checked[dict[str, bool]]:
    """Every on/off field: true or false, nothing else (`"yes"` or 1 from a
    file is refused, not read as on)."""
    issues = [
        Issue(IssueCode.TYPE_INVALID, flag, f"{name} must be true or false")
        for name, flag in given.items()
        if not isinstance(flag, bool)
    ]
    flags = {name: flag is True for name, flag in given.items()}
    notes = []
    if flags.get("private_network"):
        notes.append(
            Issue(
                IssueCode.PRIVATE_NETWORK_LEGACY,
                True,
                "Chromium has replaced Private Network Access preflights with the Local "
                "Network Access permission; the header only helps older browsers",
            )
        )
    return _Checked(flags, tuple(issues), tuple(notes))


#: The schemes of web pages; any other origin (`capacitor://localhost`) is a
#: native app's web view or an extension, allowed only by naming its scheme.
WEB_SCHEMES: Final = frozenset({"http", "https"})


def _check_app_schemes(value: object) -> _Checked[tuple[str, ...]]:
    """Schemes beyond http and https whose origins `origins` may name
    (`capacitor`, `ionic`, `chrome-extension`), lower case."""
    names = _as_names(value, "app_schemes")
    if names.issues:
        return names
    issues = []
    for name in names.value:
        valid = bool(name) and name[0].isascii() and name[0].isalpha()
        valid = valid and all(c.isascii() and (c.isalnum() or c in "+-.") for c in name)
        if not valid or name != name.lower() or name in {*WEB_SCHEMES, "file"}:
            issues.append(
                Issue(
                    IssueCode.APP_SCHEME_INVALID,
                    name,
                    "app_schemes lists lower-case schemes other than http, https and file, "
                    "e.g. ['capacitor', 'ionic']",
                )
            )
    return _Checked(_dedupe(names.value), tuple(issues))


def _check_origins(
    value: object, origin_regex: object, opt_ins: Mapping[str, bool], app_schemes: object = ()
) -> _Checked[tuple[tuple[str, ...], tuple[OriginPattern, ...]]]:
    """The origins as written (deduplicated) and parsed, against the
    credentials and the opt-ins."""
    names = _as_names(value, "origins")
    if names.issues:
        # Origins of the wrong type are reported as that; "no origins" on top
        # would send the reader the wrong way.
        return _Checked(((), ()), names.issues)
    texts = _dedupe(names.value)
    if not texts and origin_regex is None:
        missing = Issue(
            IssueCode.ORIGINS_MISSING,
            [],
            "list at least one origin, e.g. origins=['https://app.example.com']",
        )
        return _Checked(((), ()), (missing,))
    credentials = opt_ins["credentials"]
    schemes = _as_names(app_schemes, "app_schemes").value
    issues: list[Issue] = []
    notes: list[Issue] = []
    patterns: list[OriginPattern] = []
    for text, pattern in _parse_origins(texts, issues):
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
                    Issue(IssueCode.ORIGIN_REDUNDANT, text, "'*' makes the other origins redundant")
                )
            continue
        if pattern.text == "null":
            if not opt_ins["dangerously_allow_null_origin"]:
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
            and not opt_ins["dangerously_allow_insecure_origins"]
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
        if pattern.scheme not in WEB_SCHEMES and pattern.scheme not in schemes:
            issues.append(
                Issue(
                    IssueCode.ORIGIN_APP_SCHEME,
                    text,
                    f"{pattern.scheme}:// is not a web page's scheme; if a native app or an "
                    f"extension sends it, list it: app_schemes=[{pattern.scheme!r}]",
                )
            )
        if pattern.kind is PatternKind.SUBDOMAINS:
            _check_public_suffix(pattern, opt_ins, issues, notes)
        if pattern.kind is PatternKind.LABEL_GLOB:
            _check_glob_public_suffix(pattern, opt_ins, issues)
    notes.extend(_redundant_origins(patterns))
    return _Checked((texts, tuple(patterns)), tuple(issues), tuple(notes))


def _parse_origins(
    texts: Iterable[str], issues: list[Issue]
) -> Iterable[tuple[str, OriginPattern]]:
    """(text as written, pattern) for each origin, a port list giving one
    exact pattern per port; syntax errors go to `issues`."""
    for text in texts:
        try:
            for expanded in expand_port_list(text):
                yield text, OriginPattern.parse(expanded)
        except OriginSyntaxError as error:
            message = f"{error} ({error.hint})" if error.hint else str(error)
            issues.append(Issue(IssueCode(error.code), text, message))


def _check_glob_public_suffix(
    pattern: OriginPattern, opt_ins: Mapping[str, bool], issues: list[Issue]
) -> None:
    """`https://myapp-*-team.vercel.app` matches whatever label anyone can
    register under vercel.app that fits, credentials or not (someone's
    project `myapp-x` in a team `y-team` fits), so it needs the opt-in."""
    from crossorigin.public_suffix import is_public_suffix

    if opt_ins["dangerously_allow_public_suffix_subdomains"] or not is_public_suffix(pattern.host):
        return
    issues.append(
        Issue(
            IssueCode.PUBLIC_SUFFIX_GLOB,
            pattern.text,
            f"anyone can register a site under {pattern.host!r}, and some of their names fit "
            f"{pattern.label!r}; list your deployments, use a domain of your own, or set "
            "dangerously_allow_public_suffix_subdomains=True",
        )
    )


def _check_public_suffix(
    pattern: OriginPattern,
    opt_ins: Mapping[str, bool],
    issues: list[Issue],
    notes: list[Issue],
) -> None:
    from crossorigin.public_suffix import is_public_suffix

    if is_loopback_host(pattern.host) or not is_public_suffix(pattern.host):
        return
    message = (
        f"anyone can register a site under {pattern.host!r}, so {pattern.text!r} trusts strangers"
    )
    if opt_ins["credentials"] and not opt_ins["dangerously_allow_public_suffix_subdomains"]:
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


def _redundant_origins(patterns: list[OriginPattern]) -> list[Issue]:
    wildcards = [p for p in patterns if p.is_wildcard and p.kind is not PatternKind.ANY]
    notes = []
    for pattern in patterns:
        if pattern.kind is not PatternKind.EXACT or pattern.text == "null":
            continue
        origin = Origin(pattern.scheme, pattern.host, pattern.port)
        covering = next((w for w in wildcards if w.matches(origin)), None)
        if covering is not None:
            notes.append(
                Issue(
                    IssueCode.ORIGIN_REDUNDANT,
                    pattern.text,
                    f"already covered by {covering.text!r}",
                )
            )
    return notes


def _check_origin_regex(value: object, opt_ins: Mapping[str, bool]) -> _Checked[str | None]:
    """The escape hatch: it must compile, stay within the characters of
    origins and regex syntax, never backtrack exponentially, and get the
    refusals patterns get for what it can match."""
    if value is None:
        return _Checked(None)
    if not isinstance(value, str):
        return _Checked(
            None, (Issue(IssueCode.TYPE_INVALID, value, "origin_regex must be a string"),)
        )
    stray = next((char for char in value if char not in _REGEX_CHARACTERS), None)
    if stray is not None:
        issue = Issue(
            IssueCode.ORIGIN_REGEX_CHARACTER,
            value,
            f"contains {stray!r}, which is neither regex syntax nor part of any origin "
            "(quotes, spaces, '%', ';' and the like only break the configurations "
            "`crossorigin export` writes)",
        )
        return _Checked(None, (issue,))
    try:
        compiled = re.compile(value)
    except (re.error, RecursionError, OverflowError) as error:
        issue = Issue(IssueCode.ORIGIN_REGEX_INVALID, value, f"does not compile: {error}")
        return _Checked(None, (issue,))
    problem = backtracking_problem(value)
    if problem is not None:
        issue = Issue(
            IssueCode.ORIGIN_REGEX_BACKTRACKING,
            value,
            f"{problem}: any page could stall the server with one crafted Origin; "
            r"write each label once, e.g. 'https://[a-z0-9-]+\.example\.com', or use "
            "'https://*.example.com'",
        )
        return _Checked(None, (issue,))
    issues, notes = _regex_reach_issues(value, compiled, opt_ins)
    broad = [probe for probe in _REGEX_PROBES if compiled.fullmatch(probe)]
    if broad:
        message = (
            f"matches origins anyone can obtain ({', '.join(broad)}); anchor every part, "
            r"e.g. 'https://[a-z0-9-]+\.example\.com'"
        )
        found = Issue(IssueCode.ORIGIN_REGEX_TOO_BROAD, value, message)
        (issues if opt_ins["credentials"] else notes).append(found)
    notes.append(
        Issue(
            IssueCode.ORIGIN_REGEX,
            value,
            "a regex is an escape hatch: prefer 'https://*.example.com' patterns, which "
            "cannot match a look-alike host by accident",
        )
    )
    return _Checked(value, tuple(issues), tuple(notes))


def _regex_reach_issues(
    origin_regex: str, compiled: re.Pattern[str], opt_ins: Mapping[str, bool]
) -> tuple[list[Issue], list[Issue]]:
    """The refusals patterns get, applied to the origins the regex can
    match: samples built from its syntax tree, then variations of each (the
    other scheme, another registrable label) that an attacker could use."""
    issues: list[Issue] = []
    notes: list[Issue] = []
    credentials = opt_ins["credentials"]
    matched = _regex_reach(compiled, sample_origins(origin_regex))
    insecure = next(
        (
            origin
            for origin in matched
            if origin.scheme in INSECURE_SCHEMES and not is_loopback_host(origin.host)
        ),
        None,
    )
    if insecure is not None and credentials and not opt_ins["dangerously_allow_insecure_origins"]:
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
    if wide is not None:
        example, suffix = wide
        message = (
            f"{origin_regex!r} matches {example!r}: anyone can register a site under "
            f"{suffix!r}, so it trusts strangers"
        )
        if credentials and not opt_ins["dangerously_allow_public_suffix_subdomains"]:
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
    return issues, notes


def _check_methods(value: object) -> _Checked[tuple[str, ...]]:
    """Tokens a preflight may allow, or `*`; compared case-sensitively, as
    browsers do (Fetch §4.8), after normalizing the six methods Fetch does."""
    names = _as_names(value, "methods")
    if names.issues:
        return names
    if "*" in names.value:
        if len(names.value) > 1:
            note = Issue(IssueCode.METHOD_REDUNDANT, list(names.value), "'*' covers every method")
            return _Checked(("*",), (), (note,))
        return _Checked(("*",))
    issues: list[Issue] = []
    notes: list[Issue] = []
    result: list[str] = []
    for name in names.value:
        if not fetch_tables.is_token(name):
            issues.append(Issue(IssueCode.METHOD_INVALID, name, "a method must be an HTTP token"))
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
    return _Checked(_dedupe(result), tuple(issues), tuple(notes))


def _check_request_headers(value: object) -> _Checked[tuple[str, ...]]:
    """Header names scripts may send (lower-cased), or `*`."""
    names = _as_names(value, "request_headers")
    if names.issues:
        return names
    issues: list[Issue] = []
    notes: list[Issue] = []
    result: list[str] = []
    for name in names.value:
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
    return _Checked(_dedupe(result), tuple(issues), tuple(notes))


def _check_expose_headers(value: object, *, credentials: bool) -> _Checked[tuple[str, ...]]:
    """Response header names scripts may read (as written), or `*`."""
    names = _as_names(value, "expose_headers")
    if names.issues:
        return names
    issues: list[Issue] = []
    notes: list[Issue] = []
    result: list[str] = []
    for name in names.value:
        if name == "*":
            if credentials:
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
                    Issue(IssueCode.EXPOSE_SAFELISTED, name, "scripts can read this header anyway")
                )
            result.append(name)
    return _Checked(_dedupe(result), tuple(issues), tuple(notes))


def _check_max_age(value: object) -> _Checked[int | None]:
    """Whole seconds between 0 and MAX_AGE_LIMIT, or None (no header)."""
    if value is None:
        return _Checked(None)
    if isinstance(value, bool) or not isinstance(value, int):
        return _Checked(
            None, (Issue(IssueCode.MAX_AGE_INVALID, value, "max_age must be whole seconds"),)
        )
    if not 0 <= value <= MAX_AGE_LIMIT:
        issue = Issue(
            IssueCode.MAX_AGE_OUT_OF_RANGE,
            value,
            f"max_age must be between 0 and {MAX_AGE_LIMIT} seconds",
        )
        return _Checked(None, (issue,))
    if value > fetch_tables.CHROMIUM_PREFLIGHT_CACHE_CAP_SECONDS:
        note = Issue(
            IssueCode.MAX_AGE_ABOVE_CHROMIUM_CAP,
            value,
            "Chromium caches preflights for at most 7200 seconds",
        )
        return _Checked(value, (), (note,))
    return _Checked(value)


#: Bounds of the resolver's seconds: a timeout long enough for a database
#: round trip but never a stalled request; a cache no longer than a day.
MAX_RESOLVER_TIMEOUT: Final = 30.0
MAX_RESOLVER_TTL: Final = 86400.0
#: What None means for the resolver's seconds and the preflight status.
DEFAULT_RESOLVER_TIMEOUT: Final = 0.5
DEFAULT_RESOLVER_TTL: Final = 60.0
DEFAULT_RESOLVER_REFUSAL_TTL: Final = 10.0
DEFAULT_PREFLIGHT_STATUS: Final = 204

#: One Cache-Control directive (RFC 9111 §5.2): a token, optionally `=` and a
#: token or a quoted string without escapes.
_CACHE_DIRECTIVE: Final = re.compile(
    r"[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:=(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+|\"[ !#-\[\]-~]*\"))?"
)


def _check_resolver(value: object, origins: object) -> _Checked[Any]:
    """A callable or None; pointless (so refused) beside `*`, which allows
    every origin before the resolver is asked."""
    if value is None:
        return _Checked(None)
    if not callable(value):
        issue = Issue(
            IssueCode.RESOLVER_INVALID,
            value,
            "resolver must be a function (origin, request) -> bool | Grant; a policy "
            "file cannot name one (pass it in Python: Policy(..., resolver=fn))",
        )
        return _Checked(None, (issue,))
    if "*" in _as_names(origins, "origins").value:
        issue = Issue(
            IssueCode.RESOLVER_WITH_ANY_ORIGIN,
            "*",
            "origins='*' allows every origin before the resolver is asked; list the "
            "fixed origins (or none) and let the resolver decide the rest",
        )
        return _Checked(None, (issue,))
    return _Checked(value)


def _check_seconds(value: object, name: str, low: float, high: float) -> _Checked[float | None]:
    """None (the default) or a number of seconds in [low, high]."""
    if value is None:
        return _Checked(None)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        issue = Issue(
            IssueCode.RESOLVER_SECONDS_INVALID,
            value,
            f"{name} must be a number of seconds from {low:g} to {high:g}",
        )
        return _Checked(None, (issue,))
    return _Checked(float(value))


def _check_preflight_status(value: object) -> _Checked[int | None]:
    """204 (None, the default) or 200, for clients that treat 204 as a failure."""
    if value is None or (value in (200, 204) and not isinstance(value, bool)):
        return _Checked(value if value is None else int(value))
    issue = Issue(
        IssueCode.PREFLIGHT_STATUS_INVALID,
        value,
        "preflight_status must be 204 or 200 (browsers accept any 2xx, but other "
        "statuses mislead caches and clients)",
    )
    return _Checked(None, (issue,))


def _check_preflight_cache_control(value: object) -> _Checked[str | None]:
    """A Cache-Control value for allowed preflight answers (RFC 9111 §5.2), as
    a CDN in front of the server reads it; `Vary` already names every request
    header the answer depends on."""
    if value is None:
        return _Checked(None)
    if isinstance(value, str) and len(value) <= 256:
        directives = [part.strip(" \t") for part in value.split(",")]
        if all(_CACHE_DIRECTIVE.fullmatch(part) for part in directives):
            return _Checked(", ".join(directives))
    issue = Issue(
        IssueCode.PREFLIGHT_CACHE_CONTROL_INVALID,
        value,
        "preflight_cache_control must be Cache-Control directives, e.g. "
        "'public, max-age=600' (at most 256 characters)",
    )
    return _Checked(None, (issue,))


class _Validated(NamedTuple):
    fields: dict[str, Any]
    patterns: tuple[OriginPattern, ...]
    notes: tuple[Issue, ...]


def _validate(given: Mapping[str, Any]) -> _Validated:
    """Every field checked; the normalized values, or one ConfigError listing
    every issue in field order. A new field adds its check here, one line."""
    opt_ins = _check_opt_ins({name: given[name] for name in _OPT_INS})
    credentials = opt_ins.value["credentials"]
    checked: dict[str, _Checked[Any]] = {
        "origins": _check_origins(
            given["origins"],
            given["origin_regex"] or given["resolver"] or given["groups"] or None,
            opt_ins.value,
            given["app_schemes"],
        ),
        "app_schemes": _check_app_schemes(given["app_schemes"]),
        "groups": _check_groups(
            given["groups"], opt_ins.value, given["app_schemes"], given["origins"]
        ),
        "origin_regex": _check_origin_regex(given["origin_regex"], opt_ins.value),
        "methods": _check_methods(given["methods"]),
        "request_headers": _check_request_headers(given["request_headers"]),
        "expose_headers": _check_expose_headers(given["expose_headers"], credentials=credentials),
        "max_age": _check_max_age(given["max_age"]),
        "resolver": _check_resolver(given["resolver"], given["origins"]),
        "resolver_timeout": _check_seconds(
            given["resolver_timeout"], "resolver_timeout", 0.001, MAX_RESOLVER_TIMEOUT
        ),
        "resolver_ttl": _check_seconds(given["resolver_ttl"], "resolver_ttl", 0, MAX_RESOLVER_TTL),
        "resolver_refusal_ttl": _check_seconds(
            given["resolver_refusal_ttl"], "resolver_refusal_ttl", 0, MAX_RESOLVER_TTL
        ),
        "preflight_status": _check_preflight_status(given["preflight_status"]),
        "cross_origin_isolation": _check_choice(
            given["cross_origin_isolation"], "cross_origin_isolation", ISOLATION_PRESETS
        ),
        "resource_policy": _check_choice(
            given["resource_policy"], "resource_policy", RESOURCE_POLICIES
        ),
        "preflight_cache_control": _check_preflight_cache_control(given["preflight_cache_control"]),
    }
    issues = [issue for check in (opt_ins, *checked.values()) for issue in check.issues]
    if issues:
        raise ConfigError(issues)
    values: dict[str, Any] = {**opt_ins.value, **{name: c.value for name, c in checked.items()}}
    values["origins"], patterns = values["origins"]
    # Notes in field order, the opt-ins' (private_network) last, as lint prints them.
    notes = [note for check in (*checked.values(), opt_ins) for note in check.notes]
    return _Validated(values, patterns, tuple(notes))


# -- cross-origin isolation presets ----------------------------------------------------

#: cross_origin_isolation presets -> (Cross-Origin-Opener-Policy,
#: Cross-Origin-Embedder-Policy) (HTML §7.1.3, §7.1.4).
ISOLATION_PRESETS: Final = {
    "require-corp": ("same-origin", "require-corp"),
    "credentialless": ("same-origin", "credentialless"),
}
#: resource_policy values, sent as Cross-Origin-Resource-Policy (Fetch §3.7).
RESOURCE_POLICIES: Final = ("same-origin", "same-site", "cross-origin")


def _check_choice(value: object, name: str, choices: Collection[str]) -> _Checked[str | None]:
    if value is None:
        return _Checked(None)
    if isinstance(value, str) and value in choices:
        return _Checked(value)
    issue = Issue(
        IssueCode.ISOLATION_INVALID,
        value,
        f"{name} is one of {', '.join(map(repr, choices))}, or None",
    )
    return _Checked(None, (issue,))


def isolation_headers(policy: Policy) -> tuple[tuple[str, str], ...]:
    """The (name, value) pairs the isolation presets add to every response
    the application sends (never to preflight answers)."""
    headers: list[tuple[str, str]] = []
    if policy.cross_origin_isolation is not None:
        opener, embedder = ISOLATION_PRESETS[policy.cross_origin_isolation]
        headers += [
            ("cross-origin-opener-policy", opener),
            ("cross-origin-embedder-policy", embedder),
        ]
    if policy.resource_policy is not None:
        headers.append(("cross-origin-resource-policy", policy.resource_policy))
    return tuple(headers)


# -- per-origin option groups ------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """Origins answered with their own options: `credentials` and
    `expose_headers` replace the policy's for them (methods, request headers
    and max-age stay the policy's). Validated with the policy as if each
    group were a policy of its own: `*` or a public-suffix wildcard with
    credentials, `http://` with credentials, ... are refused the same way.
    In a policy file: `[[groups]]` tables with the same keys."""

    origins: Collection[str]
    credentials: bool = False
    expose_headers: Collection[str] = ()
    #: The origins parsed (derived).
    patterns: tuple[OriginPattern, ...] = field(default=(), compare=False, repr=False)


_GROUP_KEYS: Final = ("origins", "credentials", "expose_headers")


def _check_groups(
    value: object, opt_ins: Mapping[str, bool], app_schemes: object, origins: object
) -> _Checked[tuple[Group, ...]]:
    """Each group checked as a policy of its own would be, its issues
    prefixed with the group's position."""
    if value is None or value == ():
        return _Checked(())
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        issue = Issue(IssueCode.GROUP_INVALID, value, "groups must be a list of groups")
        return _Checked((), (issue,))
    issues: list[Issue] = []
    notes: list[Issue] = []
    groups: list[Group] = []
    for index, item in enumerate(value):
        fields_given: Mapping[str, object]
        if isinstance(item, Group):
            fields_given = {
                "origins": item.origins,
                "credentials": item.credentials,
                "expose_headers": item.expose_headers,
            }
        elif isinstance(item, Mapping) and set(item) <= set(_GROUP_KEYS) and "origins" in item:
            fields_given = item
        else:
            issues.append(
                Issue(
                    IssueCode.GROUP_INVALID,
                    item,
                    f"groups[{index}]: a group is Group(origins=[...], credentials=..., "
                    "expose_headers=[...]) or a table with those keys",
                )
            )
            continue
        credentials = fields_given.get("credentials", False)
        if not isinstance(credentials, bool):
            issues.append(
                Issue(
                    IssueCode.TYPE_INVALID,
                    credentials,
                    f"groups[{index}]: credentials must be true or false",
                )
            )
            continue
        group_opt_ins = {**opt_ins, "credentials": credentials}
        checked_origins = _check_origins(fields_given["origins"], None, group_opt_ins, app_schemes)
        checked_expose = _check_expose_headers(
            fields_given.get("expose_headers", ()), credentials=credentials
        )
        for check in (checked_origins, checked_expose):
            issues.extend(
                Issue(i.code, i.value, f"groups[{index}]: {i.message}") for i in check.issues
            )
            notes.extend(
                Issue(i.code, i.value, f"groups[{index}]: {i.message}") for i in check.notes
            )
        if checked_origins.issues or checked_expose.issues:
            continue
        texts, patterns = checked_origins.value
        groups.append(
            Group(
                origins=texts,
                credentials=credentials,
                expose_headers=checked_expose.value,
                patterns=patterns,
            )
        )
    if groups and "*" in _as_names(origins, "origins").value:
        issues.append(
            Issue(
                IssueCode.GROUPS_WITH_ANY_ORIGIN,
                "*",
                "origins='*' answers every origin before any group is read; move '*' into "
                "a group of its own, last",
            )
        )
    return _Checked(tuple(groups), tuple(issues), tuple(notes))


# -- the resolver's answers --------------------------------------------------------------


class GrantedOptions(NamedTuple):
    """The options one resolved origin is answered with."""

    credentials: bool
    expose_headers: tuple[str, ...]


def check_grant(policy: Policy, origin: str, value: bool | Grant) -> GrantedOptions | Issue:
    """A resolver's answer for `origin`, validated as if the origin were
    written in the policy with the grant's options: the options to answer
    with, or the Issue (code GRANT_REFUSED) that refuses the origin. The
    same refusals as `origins`: `null` without dangerously_allow_null_origin,
    a non-loopback `http://` origin with credentials without
    dangerously_allow_insecure_origins, `*` or Set-Cookie exposed with
    credentials; a resolver can set options, never get past these."""
    if value is False:
        raise ValueError("check_grant: a refusal needs no check")
    grant = value if isinstance(value, Grant) else Grant()
    credentials = policy.credentials if grant.credentials is None else grant.credentials
    if not isinstance(credentials, bool):
        return Issue(IssueCode.GRANT_REFUSED, origin, "Grant.credentials must be True or False")
    if origin == "null":
        if not policy.dangerously_allow_null_origin:
            return Issue(
                IssueCode.GRANT_REFUSED,
                origin,
                "the resolver allowed 'null', which any site can send; set "
                "dangerously_allow_null_origin=True if it must",
            )
    else:
        try:
            parsed = Origin.parse_strict(origin)
        except OriginSyntaxError as error:
            return Issue(IssueCode.GRANT_REFUSED, origin, f"not an origin: {error}")
        if parsed.scheme not in WEB_SCHEMES and parsed.scheme not in policy.app_schemes:
            return Issue(
                IssueCode.GRANT_REFUSED,
                origin,
                f"{parsed.scheme}:// is not a web page's scheme; list it in app_schemes",
            )
        if (
            credentials
            and parsed.scheme in INSECURE_SCHEMES
            and not is_loopback_host(parsed.host)
            and not policy.dangerously_allow_insecure_origins
        ):
            return Issue(
                IssueCode.GRANT_REFUSED,
                origin,
                f"credentials for a {parsed.scheme}:// origin, which anyone on the network "
                "can impersonate; grant it without credentials, or set "
                "dangerously_allow_insecure_origins=True",
            )
    if grant.expose_headers is None:
        expose = tuple(policy.expose_headers)
        if credentials and expose == ("*",):
            return Issue(
                IssueCode.GRANT_REFUSED,
                origin,
                "credentials granted, but the policy exposes '*', which browsers read "
                "literally on credentialed requests; give the Grant its expose_headers",
            )
    else:
        checked = _check_expose_headers(grant.expose_headers, credentials=credentials)
        if checked.issues:
            return Issue(IssueCode.GRANT_REFUSED, origin, f"Grant: {checked.issues[0]}")
        expose = checked.value
    return GrantedOptions(credentials, expose)


# -- the policy -----------------------------------------------------------------------


def _field(default: Any, doc: str) -> Any:
    """A policy field: its default and the sentence help(Policy) shows for it."""
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Policy:
    """What a server allows, validated when built; immutable (`replace` makes a
    changed copy). Keyword-only; `Policy(origins=[...])` alone is valid. Every
    problem is raised at once as a `ConfigError` whose `.issues` are (code,
    value, message), codes from `IssueCode`; `notes` lists legal but suspicious
    settings.

    A list field also takes one comma-separated string. Names other CORS
    libraries use (`allow_origins`, `allow_headers`, `allow_credentials`,
    `CORS_ALLOWED_ORIGINS`, ...) are refused with the field to write instead.
    Besides the fields, a policy has `patterns` (its origins parsed) and
    `notes`; the engine compiles the origins into lookup tables
    (`crossorigin.patterns.compile_matcher`).
    """

    origins: Collection[str] = _field(
        (),
        "(required, unless origin_regex is set) who may read responses. Exact "
        "origins as browsers send them (`https://app.example.com`, "
        "`http://localhost:3000`), subdomain patterns (`https://*.example.com`: one "
        "or more labels, not the apex), port patterns (`http://localhost:*`), or "
        '`"*"` for any origin. Refused: paths, trailing `/`, upper case, default '
        "ports, userinfo, `null` and `file://` (see the dangerously_* fields).",
    )
    methods: Collection[str] = _field(
        ("GET", "HEAD", "POST"),
        'methods a preflight may allow, or `"*"`. Case-sensitive, as browsers '
        "compare them. CONNECT, TRACE and TRACK are refused (fetch() never sends "
        "them). The default is what a form can send anyway, so it widens nothing.",
    )
    request_headers: Collection[str] = _field(
        (),
        "request headers scripts may send beyond the CORS-safelisted ones, or "
        '`"*"` (which never covers Authorization, per the Fetch standard). '
        "Forbidden names (Cookie, Host, Sec-*, ...) are refused. Empty by default: "
        "each header a script may set is a decision.",
    )
    credentials: bool = _field(
        False,
        "whether scripts may send cookies and HTTP authentication and read the "
        "answers (`Access-Control-Allow-Credentials: true`). Off by default because "
        "it is what makes a loose policy leak users' data; with it, `*` origins and "
        "exposed `*` are refused.",
    )
    expose_headers: Collection[str] = _field(
        (),
        'response headers scripts may read beyond the safelisted ones, or `"*"` '
        "(refused with credentials). Set-Cookie is refused.",
    )
    max_age: int | None = _field(
        None,
        "seconds browsers may cache a preflight answer (`Access-Control-Max-Age`), "
        "0 to 86400; None sends no header and browsers then cache for 5 s. "
        "Chromium caps it at 7200 (a note says so).",
    )
    private_network: bool = _field(
        False,
        "answer Chrome's legacy Private Network Access preflights with "
        "`Access-Control-Allow-Private-Network: true`. Off because it lets public "
        "pages reach a service on a private network.",
    )
    origin_regex: str | None = _field(
        None,
        "an escape hatch, a Python regex full-matched against the `Origin` header "
        "in addition to `origins`. Refused when it can match `http://` origins or "
        "any site under a public suffix with credentials (as patterns are), and "
        "when its shape can make matching take exponential time (`(a+)+`, "
        "`(a|aa)*`). Prefer patterns.",
    )
    groups: Collection[Group | Mapping[str, Any]] = _field(
        (),
        "origins answered with their own credentials and expose_headers, e.g. "
        "first-party apps with credentials beside a public `*` group without: "
        "`[Group(origins=[...], credentials=True), Group(origins='*')]`. Read in "
        "order after `origins`, before the resolver; each validated as a policy "
        "of its own would be.",
    )
    app_schemes: Collection[str] = _field(
        (),
        "schemes other than http and https that `origins` may name, e.g. "
        "`['capacitor', 'ionic']` for `capacitor://localhost` (Capacitor and Ionic "
        "apps' web views) or `chrome-extension`. Empty: only web pages.",
    )
    resolver: Callable[..., Any] | None = _field(  # noqa: RUF009 (its default is None)
        None,
        "a function deciding the origins `origins` does not cover, e.g. from a "
        "database: `resolver(origin, request) -> bool | Grant` (a coroutine "
        "function under ASGI). An exception, a timeout or a Grant that fails "
        "validation refuses the origin; answers are cached. See "
        "docs/dynamic-policies.md.",
    )
    resolver_timeout: float | None = _field(
        None,
        "seconds the resolver may take before the origin is refused (None: 0.5).",
    )
    resolver_ttl: float | None = _field(
        None, "seconds an allowed answer of the resolver is reused (None: 60)."
    )
    resolver_refusal_ttl: float | None = _field(
        None,
        "seconds a refusal of the resolver is reused (None: 10); failures are "
        "reused for at most 1 s.",
    )
    preflight_status: int | None = _field(
        None,
        "the status of an allowed preflight answer: 204 (None) or 200, for old "
        "clients and proxies that mishandle 204.",
    )
    preflight_continue: bool = _field(
        False,
        "pass allowed preflights on to the application, with the CORS headers "
        "added, instead of answering them (refused ones are still answered 403).",
    )
    preflight_cache_control: str | None = _field(
        None,
        "a `Cache-Control` value for allowed preflight answers, e.g. "
        "`public, max-age=600`, so a CDN can keep them (it must honour `Vary`).",
    )
    timing_allow_origin: bool = _field(
        False,
        "send `Timing-Allow-Origin` with the same value as "
        "`Access-Control-Allow-Origin` on allowed responses, so the page can "
        "read detailed Resource Timing for them.",
    )
    cross_origin_isolation: str | None = _field(
        None,
        "make pages served by this application cross-origin isolated (needed for "
        "SharedArrayBuffer and precise timers): `require-corp` sends "
        "`Cross-Origin-Opener-Policy: same-origin` and "
        "`Cross-Origin-Embedder-Policy: require-corp`; `credentialless` the same "
        "with `credentialless`. Breaks: popups to and from other origins lose "
        "`window.opener` (OAuth and payment popups), and with `require-corp` "
        "every cross-origin image, script or frame must send CORP or pass CORS.",
    )
    resource_policy: str | None = _field(
        None,
        "`Cross-Origin-Resource-Policy` on every response: `same-origin` or "
        "`same-site` stop other sites embedding them with no-cors requests "
        "(`<img>`, `<script>`; CORS requests are unaffected); `cross-origin` lets "
        "isolated (COEP) pages of other sites embed them.",
    )
    dangerously_allow_insecure_origins: bool = _field(
        False,
        "allow `http://` (and `ws://`, `ftp://`) origins with credentials. Anyone "
        "on the network path can impersonate such an origin; loopback origins "
        "never need this.",
    )
    dangerously_allow_public_suffix_subdomains: bool = _field(
        False,
        "allow a wildcard over a public suffix (`https://*.github.io`, `*.co.uk`) "
        "with credentials, which trusts every site anyone can register there.",
    )
    dangerously_allow_null_origin: bool = _field(
        False,
        "allow the origin `null`, which sandboxed iframes, `data:` and `file://` "
        "pages send, so any site can.",
    )
    #: The origins parsed (derived; not an argument).
    patterns: tuple[OriginPattern, ...] = field(init=False, repr=False, compare=False)
    #: Legal but suspicious settings (what `crossorigin lint` reports).
    notes: tuple[Issue, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        validated = _validate({name: getattr(self, name) for name in _FIELD_NAMES})
        for name, value in validated.fields.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "patterns", validated.patterns)
        object.__setattr__(self, "notes", validated.notes)

    @property
    def allows_any_origin(self) -> bool:
        return "*" in self.origins

    def allows_origin(self, origin: str | bytes) -> bool:
        """Whether a serialized origin (as a browser sends it) is allowed by
        `origins`, `origin_regex` or a group (never the resolver). For tools
        and tests: this compiles the matcher on each call, where the engine
        compiles it once."""
        raw = origin if isinstance(origin, bytes) else origin.encode("utf-8", "surrogateescape")
        if compile_matcher(self).match(raw):
            return True
        # Option groups too; the resolver is not asked (tools never call it).
        return any(OriginMatcher(group.patterns).match(raw) for group in self.groups)  # type: ignore[union-attr]

    # -- conversions -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The normalized fields, lists as lists; `Policy(**p.to_dict()) == p`."""
        return {name: _plain(getattr(self, name)) for name in _FIELD_NAMES}

    def replace(self, **changes: Any) -> Policy:
        """A copy with some fields changed, validated like a new policy."""
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
        return cls.from_mapping(parse_toml(text, name))

    def __repr__(self) -> str:
        shown = {
            name: value
            for name, value in self.to_dict().items()
            if name == "origins" or value != _plain(_DEFAULTS[name])
        }
        return "Policy(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"


#: The constructor's fields, in order; the opt-ins are the on/off ones.
_FIELD_NAMES: Final = tuple(f.name for f in fields(Policy) if f.init)
_DEFAULTS: Final[dict[str, Any]] = {f.name: f.default for f in fields(Policy) if f.init}
_OPT_INS: Final = tuple(name for name, value in _DEFAULTS.items() if isinstance(value, bool))


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Group):
        return {name: _plain(getattr(value, name)) for name in _GROUP_KEYS}
    return value


def _document_fields(cls: type) -> None:
    """Append one paragraph per field (`name = default: what it is`) to the
    class docstring, from the fields' own documentation, so help(Policy) and
    the fields cannot drift apart."""
    lines = ["", "", "Fields (name = default: what it is; why the default):", ""]
    for item in fields(cls):
        if item.init:
            text = f"{item.name} = {item.default!r}: {item.metadata['doc']}"
            lines.extend(textwrap.wrap(text, 76, subsequent_indent="    ", break_on_hyphens=False))
    cls.__doc__ = inspect.cleandoc(cls.__doc__ or "") + "\n".join(lines)


def _unknown_fields_are_issues(generated: Callable[..., None]) -> Callable[..., None]:
    """Wrap the dataclass's __init__ so that an unknown keyword becomes an issue
    naming the field meant, listed with every other problem, where a plain
    dataclass raises TypeError. Type checkers still see the generated
    signature, so they reject unknown keywords before anything runs."""
    known = frozenset(_FIELD_NAMES)

    @functools.wraps(generated)
    def __init__(self: Policy, /, **given: Any) -> None:
        unknown = [key for key in given if key not in known]
        if not unknown:
            generated(self, **given)
            return
        issues: list[Issue] = []
        meant: set[str] = set()
        for key in unknown:
            issue, field_name = _unknown_field(key)
            issues.append(issue)
            if field_name is not None:
                meant.add(field_name)
        try:
            generated(self, **{key: value for key, value in given.items() if key in known})
        except ConfigError as error:
            rest = error.issues
            if meant & {"origins", "origin_regex"}:
                # Origins given under another name: "no origins" on top would
                # send the reader the wrong way.
                rest = [issue for issue in rest if issue.code != IssueCode.ORIGINS_MISSING]
            raise ConfigError(issues + rest) from None
        raise ConfigError(issues)

    return __init__


_document_fields(Policy)
setattr(Policy, "__init__", _unknown_fields_are_issues(Policy.__init__))  # noqa: B010


def policy_or_issues(
    fields: Mapping[str, Any], issues: list[Issue], where: str = ""
) -> Policy | None:
    """`Policy.from_mapping(fields)`, or None with its issues appended to
    `issues`, each message prefixed by `where` (e.g. "route '/api'"), so a
    configuration of several policies reports every problem of every one."""
    try:
        return Policy.from_mapping(fields)
    except ConfigError as error:
        issues.extend(
            Issue(issue.code, issue.value, f"{where}: {issue.message}" if where else issue.message)
            for issue in error.issues
        )
        return None


def parse_toml(text: str, value: str, shown: str | None = None) -> dict[str, Any]:
    """tomllib's result, with every failure a ConfigError: a syntax error
    (line and column), nesting too deep for the parser, or an integer longer
    than Python converts. `value` is the issue's value (the file's name),
    `shown` how messages name it (default: `value` quoted). Policy files and
    fleet documents both read TOML through here."""
    shown = repr(value) if shown is None else shown
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib's message ends with "(at line L, column C)".
        raise ConfigError([Issue(IssueCode.TOML_INVALID, value, f"{shown}: {error}")]) from None
    except RecursionError:
        raise ConfigError(
            [
                Issue(
                    IssueCode.TOML_TOO_DEEP,
                    value,
                    f"{shown}: arrays or tables are nested too deeply",
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
        raise ConfigError([Issue(IssueCode.TOML_INVALID, value, f"{shown}: {reason}")]) from None


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
