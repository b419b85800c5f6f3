"""The browser's checks on responses: the CORS check, the preflight check,
and which response headers a script may read.

Theory of operation: every function here takes header lists as the server sent
them (`(name, value)` pairs, names in any case, a name possibly repeated) and
reads them the way Chromium's network stack does: a repeated header is one
value joined with ", ", and leading and trailing whitespace is trimmed. The
order of the checks is Chromium's, and each failure carries the DevTools name
and the parameter that `messages.py` turns into console text.

- CORS check (Fetch §4.10): `Access-Control-Allow-Origin` must be `*` (only
  without credentials) or byte-equal to the serialized request origin (`null`
  after a tainting redirect); with credentials, `Access-Control-Allow-
  Credentials` must be exactly `true`. Chromium names a value holding a space
  or a comma "multiple values", and a value that is not a URL "invalid".
- Preflight check (Fetch §4.8): a redirect is refused; then the CORS check;
  then an ok status (200-299); then `Access-Control-Allow-Methods` and
  `-Headers` must parse as comma-separated tokens (empty items are skipped);
  then the method and every CORS-unsafe header name must be allowed. Methods
  compare exactly (`put` is not `PUT`), header names case-insensitively; `*`
  is a wildcard only without credentials. `Authorization` is never covered by
  `*` in the standard (§2.2.2 "CORS non-wildcard request-header name"), but is
  in Chromium 156, which only files a DevTools deprecation issue.
- Exposure (Fetch §2.2.3, §3.2.3): a CORS response shows the safelisted
  response headers and those named in `Access-Control-Expose-Headers` (a
  token list; one bad item voids the list, measured in Chromium); `*` exposes
  every header unless credentials are included. `Set-Cookie` never shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from crossorigin import fetch_tables
from crossorigin.browser import messages
from crossorigin.browser.engines import CHROMIUM, Engine
from crossorigin.browser.url import parse_header_url

__all__ = [
    "CorsCheckResult",
    "PreflightVerdict",
    "allowed_by_preflight",
    "combined_value",
    "cors_check",
    "cors_check_failure",
    "exposed_header_names",
    "is_redirect",
    "parse_allow_list",
    "parse_max_age",
    "preflight_check",
    "readable_value",
    "readable_values",
]

Headers = Sequence[tuple[str, str]]

#: net::HttpResponseHeaders::IsRedirectResponseCode: the statuses Chromium
#: follows when a Location header is present (300 is not one of them).
REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
#: Fetch §2.2.4 "ok status": any status in the range 200 to 299, inclusive.
OK_STATUSES: Final = range(200, 300)

_HTTP_WHITESPACE: Final = " \t\r\n"
_DIGITS = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class CorsCheckResult:
    """The outcome of a CORS check. `reason` is Chromium's DevTools name (None
    when ok); `message` the console text after "...blocked by CORS policy: "."""

    ok: bool
    reason: str | None
    message: str


@dataclass(frozen=True)
class PreflightVerdict:
    """What a preflight response decided: `reason` and `failed_parameter` when
    refused; otherwise the parsed lists and max-age for the preflight cache.
    `issues` holds DevTools issue names Chromium files without failing."""

    reason: str | None
    failed_parameter: str = ""
    methods: frozenset[str] = frozenset()
    header_names: frozenset[str] = frozenset()
    max_age: int = fetch_tables.PREFLIGHT_CACHE_DEFAULT_SECONDS
    issues: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.reason is None


# --- Reading headers --------------------------------------------------------------


def combined_value(headers: Headers, name: str) -> str | None:
    """Every value of `name`, trimmed and joined with ", " (Fetch "get"), or
    None when the header is absent."""
    lowered = name.lower()
    values = [value.strip(_HTTP_WHITESPACE) for key, value in headers if key.lower() == lowered]
    return ", ".join(values) if values else None


def is_redirect(status: int, headers: Headers) -> bool:
    """A response the browser treats as a redirect: a redirect status and a
    Location (a 302 without one is just a non-ok status)."""
    return status in REDIRECT_STATUSES and bool(combined_value(headers, "location"))


# --- The CORS check -------------------------------------------------------------------


def _looks_like_url(value: str) -> bool:
    """Whether Chromium's URL parser (GURL) accepts the value: Chromium calls
    an `Access-Control-Allow-Origin` that differs from the origin "invalid"
    when `GURL(value).is_valid()` is false (services/network/public/cpp/cors/
    cors.cc `CheckAccess`), else a "mismatch". The parser is `url.py`'s:
    bad ports, IPv4 forms and host code points are invalid; missing slashes
    (`http:o.test`), leading controls and embedded tabs are not (WPT
    cors/origin.htm; tests/oracles/browsers/rule_cases.py `acao-url-*`)."""
    return parse_header_url(value) is not None


def cors_check_failure(
    *, request_origin: str, credentials: bool, response_headers: Headers
) -> tuple[str, str] | None:
    """Fetch §4.10 CORS check in Chromium's order: None on success, else the
    DevTools name (without the Preflight prefix) and the failed parameter."""
    allow_origin = combined_value(response_headers, "access-control-allow-origin")
    if allow_origin == "*":
        if credentials:
            return "WildcardOriginNotAllowed", ""
    elif allow_origin is None:
        return "MissingAllowOriginHeader", ""
    elif allow_origin != request_origin:
        if " " in allow_origin or "," in allow_origin:
            return "MultipleAllowOriginValues", allow_origin
        if allow_origin != "null" and not _looks_like_url(allow_origin):
            return "InvalidAllowOriginValue", allow_origin
        return "AllowOriginMismatch", allow_origin
    if credentials:
        allow_credentials = combined_value(response_headers, "access-control-allow-credentials")
        if allow_credentials != "true":
            return "InvalidAllowCredentials", allow_credentials or ""
    return None


def _all_values(headers: Headers, name: str) -> list[str]:
    lowered = name.lower()
    return [value.strip(_HTTP_WHITESPACE) for key, value in headers if key.lower() == lowered]


def gecko_text(value: str) -> str:
    """A header value as Firefox prints it: its bytes read as UTF-8
    (`NS_ConvertUTF8toUTF16`), a bad sequence as U+FFFD."""
    return value.encode("latin-1", "replace").decode("utf-8", "replace")


def firefox_cors_check_failure(
    *, request_origin: str, credentials: bool, response_headers: Headers
) -> tuple[str, str] | None:
    """Firefox's CORS check (netwerk/protocol/http/nsCORSListenerProxy.cpp
    `CheckRequestApproved`): None on success, else the security.properties
    key and its parameter. Unlike Chromium it counts header *lines* (two
    `Access-Control-Allow-Origin` lines are "multiple", one line `a, b` a
    mismatch) and never calls a value "invalid": any value other than the
    origin (or `*`) is "does not match"."""
    values = _all_values(response_headers, "access-control-allow-origin")
    if len(values) > 1:
        return "CORSMultipleAllowOriginNotAllowed", ""
    if not values:
        return "CORSMissingAllowOrigin2", ""
    allow_origin = values[0]
    if credentials and allow_origin == "*":
        return "CORSNotSupportingCredentials", ""
    if allow_origin != "*" and allow_origin != request_origin:
        return "CORSAllowOriginNotMatchingOrigin", gecko_text(allow_origin)
    if credentials and combined_value(response_headers, "access-control-allow-credentials") != (
        "true"
    ):
        return "CORSMissingAllowCredentials", ""
    return None


def webkit_cors_check_failure(
    *, request_origin: str, credentials: bool, response_headers: Headers
) -> tuple[str, str] | None:
    """WebKit's CORS check (Source/WebCore/loader/CrossOriginAccessControl.cpp
    `passesAccessControlCheck`): None on success, else our reason name
    (messages.WEBKIT_TEXTS). A missing and a mismatching value share one text."""
    allow_origin = combined_value(response_headers, "access-control-allow-origin") or ""
    if not (allow_origin == "*" and not credentials) and allow_origin != request_origin:
        if allow_origin == "*":
            return "AllowOriginWildcardWithCredentials", ""
        if "," in allow_origin:
            return "AllowOriginMultiple", ""
        return "AllowOriginNotMatching", ""
    if credentials and combined_value(response_headers, "access-control-allow-credentials") != (
        "true"
    ):
        return "AllowCredentialsNotTrue", ""
    return None


def cors_check(
    *,
    request_origin: str,
    credentials: bool,
    response_headers: Headers,
    preflight: bool = False,
) -> CorsCheckResult:
    """Fetch §4.10 CORS check, as Chromium reports it.

    `request_origin` is the serialized origin the request carried (`null`
    after a tainting redirect); `credentials` is True for credentials mode
    "include". With `preflight=True` the reason names and text are those of a
    failed preflight (`PreflightAllowOriginMismatch`, "Response to preflight
    request doesn't pass access control check: ...")."""
    failure = cors_check_failure(
        request_origin=request_origin, credentials=credentials, response_headers=response_headers
    )
    if failure is None:
        return CorsCheckResult(True, None, "")
    reason, parameter = failure
    if preflight:
        reason = "Preflight" + reason
    return CorsCheckResult(False, reason, messages.reason_text(reason, parameter))


# --- The preflight check ----------------------------------------------------------------


def parse_allow_list(value: str | None) -> list[str] | None:
    """A comma-separated token list (Fetch "extracting header list values" for
    `#method` / `#field-name`): None when an item is not a token. Items are
    trimmed; empty items are skipped; an absent header is an empty list."""
    return fetch_tables.extract_header_list_values(value)


def parse_max_age(value: str | None, *, spec: bool = False, engine: Engine = CHROMIUM) -> int:
    """Seconds a preflight result may be cached (Fetch §4.8 step "max-age";
    Chromium services/network/cors/preflight_result.cc
    `ParseAccessControlMaxAge`): 5 when absent or unparsable, capped at 7200.
    A negative number is 0 in Chromium; the standard's grammar (delta-seconds,
    digits only) makes it unparsable, so 5. Chromium parses with
    `base::StringToInt64`, so a number outside the 64-bit range is
    unparsable: 5 (measured: `99999999999999999999` and its negative)."""
    default = fetch_tables.PREFLIGHT_CACHE_DEFAULT_SECONDS
    if value is None:
        return default
    if engine.max_age_digits_only and not spec:
        # Firefox (nsCORSListenerProxy.cpp, AddResultToCache) reads digits
        # alone; anything else caches nothing (measured: `+60`, `abc`). An
        # empty value counts as absent: the default (measured,
        # branch-cache-max-age-empty).
        if not value:
            return engine.max_age_default
        if not value.isascii() or not value.isdigit():
            return engine.max_age_unparsable
        limit = engine.max_age_parse_limit
        if limit is not None and int(value) > limit:
            return engine.max_age_unparsable
        return min(int(value), engine.max_age_cap)
    if spec:
        if not value.isascii() or not value.isdigit():
            return default
        seconds = int(value)
    else:
        if _DIGITS.fullmatch(value) is None:
            return default
        seconds = int(value)
        if not -(2**63) <= seconds < 2**63:
            return default
        if seconds < 0:
            return 0
    cap = fetch_tables.CHROMIUM_PREFLIGHT_CACHE_CAP_SECONDS if spec else engine.max_age_cap
    return min(seconds, cap)


def allowed_by_preflight(
    *,
    method: str,
    unsafe_header_names: Sequence[str],
    methods: Iterable[str],
    header_names: Iterable[str],
    credentials: bool,
    spec: bool,
) -> tuple[str, str] | None:
    """Whether a preflight result (parsed `methods`, lower-cased `header_names`,
    obtained with or without credentials) covers a request. None when it does;
    else the DevTools reason and the method or header name refused."""
    method_set = set(methods)
    if not (
        method in method_set
        or fetch_tables.is_cors_safelisted_method(method)
        or (not credentials and "*" in method_set)
    ):
        return "MethodDisallowedByPreflightResponse", method
    name_set = frozenset(header_names)
    wildcard = not credentials and "*" in name_set
    for name in unsafe_header_names:
        if not _header_covered(name, name_set, wildcard=wildcard, spec=spec):
            return "HeaderDisallowedByPreflightResponse", name
    return None


def _header_covered(name: str, allowed: frozenset[str], *, wildcard: bool, spec: bool) -> bool:
    """Whether a preflight's lower-cased `allowed` names cover the unsafe
    header `name`; `wildcard`: a `*` among them counts (not with
    credentials). The standard keeps Authorization out of `*`; Chromium,
    outside spec mode, does not."""
    if name in allowed:
        return True
    return wildcard and (
        not spec or name not in fetch_tables.CORS_NON_WILDCARD_REQUEST_HEADER_NAMES
    )


def preflight_check(
    *,
    status: int,
    response_headers: Headers,
    request_origin: str,
    credentials: bool,
    method: str,
    unsafe_header_names: Sequence[str],
    spec: bool = False,
    engine: Engine = CHROMIUM,
) -> PreflightVerdict:
    """Fetch §4.8 CORS-preflight fetch, steps after the response arrives, in
    Chromium's order (see the module docstring), or the engine's."""
    if engine.checks != "chromium" and not spec:
        return _other_engine_preflight_check(
            status=status,
            response_headers=response_headers,
            request_origin=request_origin,
            credentials=credentials,
            method=method,
            unsafe_header_names=unsafe_header_names,
            engine=engine,
        )
    if is_redirect(status, response_headers):
        return PreflightVerdict("PreflightDisallowedRedirect")
    failure = cors_check_failure(
        request_origin=request_origin, credentials=credentials, response_headers=response_headers
    )
    if failure is not None:
        return PreflightVerdict("Preflight" + failure[0], failure[1])
    if status not in OK_STATUSES:
        return PreflightVerdict("PreflightInvalidStatus")
    methods = parse_allow_list(combined_value(response_headers, "access-control-allow-methods"))
    if methods is None:
        return PreflightVerdict("InvalidAllowMethodsPreflightResponse")
    names = parse_allow_list(combined_value(response_headers, "access-control-allow-headers"))
    if names is None:
        return PreflightVerdict("InvalidAllowHeadersPreflightResponse")
    header_names = frozenset(name.lower() for name in names)
    refused = allowed_by_preflight(
        method=method,
        unsafe_header_names=unsafe_header_names,
        methods=methods,
        header_names=header_names,
        credentials=credentials,
        spec=spec,
    )
    if refused is not None:
        return PreflightVerdict(refused[0], refused[1])
    issues: tuple[str, ...] = ()
    if (
        not spec
        and not credentials
        and "*" in header_names
        and "authorization" in unsafe_header_names
        and "authorization" not in header_names
    ):
        issues = ("AuthorizationCoveredByWildcard",)
    max_age = parse_max_age(combined_value(response_headers, "access-control-max-age"), spec=spec)
    return PreflightVerdict(
        None,
        methods=frozenset(methods),
        header_names=header_names,
        max_age=max_age,
        issues=issues,
    )


def _gecko_tokens(value: str | None) -> tuple[list[str], str | None]:
    """Firefox's reading of Access-Control-Allow-Methods/-Headers: items
    split on commas and trimmed, empty ones skipped; the first item that is
    not a token is returned as the failure."""
    items: list[str] = []
    for item in (value or "").split(","):
        item = item.strip(_HTTP_WHITESPACE)
        if not item:
            continue
        if not fetch_tables.is_token(item):
            return items, item
        items.append(item)
    return items, None


def _other_engine_preflight_check(
    *,
    status: int,
    response_headers: Headers,
    request_origin: str,
    credentials: bool,
    method: str,
    unsafe_header_names: Sequence[str],
    engine: Engine,
) -> PreflightVerdict:
    """The preflight check of Firefox (nsCORSListenerProxy.cpp: the CORS
    check of the preflight's own listener, then nsCORSPreflightListener::
    CheckPreflightRequestApproved: status, each method token, each header
    token, the method, each header) or WebKit (CrossOriginAccessControl.cpp
    `validatePreflightResponse`: status, the CORS check, the lists, the
    method, the headers). A redirect is a status that is not ok in both."""
    gecko = engine.checks == "gecko"
    check = firefox_cors_check_failure if gecko else webkit_cors_check_failure
    failure = check(
        request_origin=request_origin, credentials=credentials, response_headers=response_headers
    )
    if gecko and failure is None and is_redirect(status, response_headers):
        # After its CORS check, nsCORSListenerProxy refuses to follow a
        # preflight's redirect (measured: a bad Allow-Origin wins).
        return PreflightVerdict("CORSExternalRedirectNotAllowed")
    if status not in OK_STATUSES and not (gecko and failure is not None):
        return PreflightVerdict(
            "CORSPreflightDidNotSucceed3" if gecko else "PreflightNotSuccessful"
        )
    if failure is not None:
        return PreflightVerdict(failure[0], failure[1])
    raw_methods = combined_value(response_headers, "access-control-allow-methods")
    methods, bad_method = _gecko_tokens(raw_methods)
    if bad_method is not None:
        if gecko:
            return PreflightVerdict("CORSInvalidAllowMethod", gecko_text(bad_method))
        return PreflightVerdict("AllowMethodsInvalid", raw_methods or "")
    if gecko:
        # Firefox checks the method before it reads Access-Control-Allow-
        # Headers (measured: an empty method list wins over a bad header token).
        method_refused = allowed_by_preflight(
            method=method,
            unsafe_header_names=(),
            methods=methods,
            header_names=(),
            credentials=credentials,
            spec=False,
        )
        if method_refused is not None:
            return PreflightVerdict("CORSMethodNotFound", method_refused[1])
    raw_names = combined_value(response_headers, "access-control-allow-headers")
    names, bad_name = _gecko_tokens(raw_names)
    if bad_name is not None:
        if gecko:
            return PreflightVerdict("CORSInvalidAllowHeader", gecko_text(bad_name))
        return PreflightVerdict("AllowHeadersInvalid", raw_names or "")
    header_names = frozenset(name.lower() for name in names)
    refused = allowed_by_preflight(
        method=method,
        unsafe_header_names=unsafe_header_names,
        methods=methods,
        header_names=header_names,
        credentials=credentials,
        spec=False,
    )
    if refused is not None:
        if refused[0] == "MethodDisallowedByPreflightResponse":
            return PreflightVerdict(
                "CORSMethodNotFound" if gecko else "MethodNotAllowed", refused[1]
            )
        return PreflightVerdict(
            "CORSMissingAllowHeaderFromPreflight2" if gecko else "HeaderNotAllowed", refused[1]
        )
    max_age = parse_max_age(
        combined_value(response_headers, "access-control-max-age"), engine=engine
    )
    return PreflightVerdict(
        None, methods=frozenset(methods), header_names=header_names, max_age=max_age
    )


def engine_refused_header_names(
    response_headers: Headers, unsafe_header_names: Sequence[str], *, credentials: bool
) -> frozenset[str]:
    """Of `unsafe_header_names`, those Firefox's or WebKit's preflight check
    (above) refuses, each judged alone, for a response whose status, CORS
    check and lists pass: the engine's reading of Access-Control-Allow-
    Headers parsed once, then the header rule `allowed_by_preflight` uses."""
    names, _ = _gecko_tokens(combined_value(response_headers, "access-control-allow-headers"))
    allowed = frozenset(name.lower() for name in names)
    wildcard = not credentials and "*" in allowed
    return frozenset(
        name
        for name in unsafe_header_names
        if not _header_covered(name, allowed, wildcard=wildcard, spec=False)
    )


# --- Exposure ----------------------------------------------------------------------------


def exposed_header_names(response_headers: Headers, *, credentials: bool) -> frozenset[str]:
    """Lower-cased names a script may read from a CORS response besides the
    safelisted ones (Fetch §4.1 main fetch, "CORS-exposed header-name list")."""
    names = parse_allow_list(combined_value(response_headers, "access-control-expose-headers"))
    if not names:
        return frozenset()
    lowered = frozenset(name.lower() for name in names)
    if "*" in lowered and not credentials:
        return lowered | {key.lower() for key, _ in response_headers}
    return lowered


def readable_values(
    response_headers: Headers, names: Iterable[str], *, response_type: str, credentials: bool
) -> dict[str, str | None]:
    """`response.headers.get(name)` for each of `names` (keys lower-cased):
    `readable_value` for many names at once. The headers are indexed once, so
    the work is linear in headers + names, not their product."""
    values: dict[str, list[str]] = {}
    for key, value in response_headers:
        values.setdefault(key.lower(), []).append(value.strip(_HTTP_WHITESPACE))
    exposed: frozenset[str] = frozenset()
    if response_type == "cors":
        listed = values.get("access-control-expose-headers")
        exposed_names = parse_allow_list(", ".join(listed) if listed else None)
        if exposed_names:
            exposed = frozenset(name.lower() for name in exposed_names)
            if "*" in exposed and not credentials:
                exposed = exposed | values.keys()
    result: dict[str, str | None] = {}
    for name in names:
        lowered = name.lower()
        found = values.get(lowered)
        visible = not fetch_tables.is_forbidden_response_header_name(lowered) and (
            response_type == "basic"
            or (
                response_type == "cors"
                and (
                    lowered in fetch_tables.CORS_SAFELISTED_RESPONSE_HEADER_NAMES
                    or lowered in exposed
                )
            )
        )
        result[lowered] = ", ".join(found) if visible and found else None
    return result


def readable_value(
    response_headers: Headers, name: str, *, response_type: str, credentials: bool
) -> str | None:
    """What `response.headers.get(name)` returns for a response of the given
    type (`basic`, `cors`, `opaque`, `opaqueredirect`, or `error`)."""
    lowered = name.lower()
    if fetch_tables.is_forbidden_response_header_name(lowered):
        return None
    if response_type == "basic":
        return combined_value(response_headers, lowered)
    if response_type != "cors":
        return None
    if lowered in fetch_tables.CORS_SAFELISTED_RESPONSE_HEADER_NAMES or lowered in (
        exposed_header_names(response_headers, credentials=credentials)
    ):
        return combined_value(response_headers, lowered)
    return None
