"""The Fetch standard's CORS facts, in one place.

Theory of operation: every table and small predicate that the Fetch standard
(https://fetch.spec.whatwg.org/) defines for CORS lives here, each with the
section it comes from. The server engine, the policy validator and the browser
model all import from this module; nobody re-types a header list elsewhere.

Names here are lower-case strings where the standard compares
byte-case-insensitively, and exact strings where it compares exactly (methods).
"""

from __future__ import annotations

import re
from typing import Final

from crossorigin.header_lists import OWS, split_list

__all__ = [
    "BAD_PORTS",
    "CHROMIUM_PREFLIGHT_CACHE_CAP_SECONDS",
    "CORS_NON_WILDCARD_REQUEST_HEADER_NAMES",
    "CORS_RESPONSE_HEADER_NAMES",
    "CORS_SAFELISTED_METHODS",
    "CORS_SAFELISTED_REQUEST_HEADER_NAMES",
    "CORS_SAFELISTED_RESPONSE_HEADER_NAMES",
    "CORS_UNSAFE_REQUEST_HEADER_BYTES",
    "FORBIDDEN_METHODS",
    "FORBIDDEN_REQUEST_HEADER_NAMES",
    "FORBIDDEN_REQUEST_HEADER_PREFIXES",
    "FORBIDDEN_RESPONSE_HEADER_NAMES",
    "HTTP_TAB_OR_SPACE",
    "MAX_SAFELISTED_TOTAL_LENGTH",
    "MAX_SAFELISTED_VALUE_LENGTH",
    "NORMALIZED_METHODS",
    "NO_CORS_SAFELISTED_REQUEST_HEADER_NAMES",
    "PREFLIGHT_CACHE_DEFAULT_SECONDS",
    "SAFELISTED_CONTENT_TYPES",
    "SAFE_METHODS",
    "TOKEN_CHARACTERS",
    "cors_unsafe_request_header_names",
    "extract_header_list_values",
    "is_cors_safelisted_method",
    "is_cors_safelisted_request_header",
    "is_forbidden_method",
    "is_forbidden_request_header",
    "is_forbidden_response_header_name",
    "is_token",
    "normalize_method",
]

# --- Methods -------------------------------------------------------------

#: §2.2.1 "A CORS-safelisted method is a method that is `GET`, `HEAD`, or `POST`."
#: Compared exactly (methods are case-sensitive after normalization).
CORS_SAFELISTED_METHODS: Final = frozenset({"GET", "HEAD", "POST"})

#: §2.2.1 "A forbidden method is a method that is a byte-case-insensitive match
#: for `CONNECT`, `TRACE`, or `TRACK`."
FORBIDDEN_METHODS: Final = frozenset({"CONNECT", "TRACE", "TRACK"})

#: §2.2.1 "To normalize a method, if it is a byte-case-insensitive match for
#: `DELETE`, `GET`, `HEAD`, `OPTIONS`, `POST`, or `PUT`, byte-uppercase it."
#: Note `PATCH` is not in the list: `fetch(url, {method: "patch"})` sends `patch`.
NORMALIZED_METHODS: Final = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})

#: RFC 9110 §9.2.1 safe methods: the ones a cross-origin form or script can send
#: without changing server state (used by the strict mode, not by Fetch).
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def normalize_method(method: str) -> str:
    """§2.2.1 normalize a method, as `fetch()` does before sending it."""
    upper = method.upper()
    return upper if upper in NORMALIZED_METHODS else method


def is_cors_safelisted_method(method: str) -> bool:
    return method in CORS_SAFELISTED_METHODS


#: Fetch §2.9 "bad port": a fetch to an http(s) URL on one of these ports is a
#: network error before anything is sent, in every mode and on every redirect
#: hop. Chromium net/base/port_util.cc kRestrictedPorts, Firefox
#: netwerk/base/nsIOService.cpp gBadPortList and WebKit
#: Source/WebCore/platform/URL.cpp portAllowed hold the same list (port 0
#: included; measured in all three: tests/oracles/browsers/branch_cases.py
#: branch-bad-port-*).
BAD_PORTS: Final = frozenset(
    {0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87}
    | {95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139}
    | {143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548}
    | {554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659}
    | {4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697}
    | {10080}
)


def is_forbidden_method(method: str) -> bool:
    return method.upper() in FORBIDDEN_METHODS


# --- Tokens (RFC 9110 §5.6.2, used by Fetch for methods and header names) ---

#: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_"
#:         / "`" / "|" / "~" / DIGIT / ALPHA
TOKEN_CHARACTERS: Final = frozenset(
    "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def is_token(value: str) -> bool:
    """RFC 9110 §5.6.2 token: one or more tchar."""
    return _TOKEN.fullmatch(value) is not None


#: Fetch §2.2 "HTTP tab or space": U+0009 TAB or U+0020 SPACE (RFC 9110's OWS,
#: defined once in header_lists.py).
HTTP_TAB_OR_SPACE: Final = OWS


def extract_header_list_values(value: str | None) -> list[str] | None:
    """Fetch §2.2.2 "extract header list values" for the `#method` and
    `#field-name` headers (Access-Control-Allow-Methods / -Headers /
    -Expose-Headers, Access-Control-Request-Headers): the items of the list
    (header_lists.split_list), or None (failure) when one is not a token. An
    absent header is an empty list."""
    if value is None:
        return []
    items = split_list(value)
    return items if all(is_token(item) for item in items) else None


# --- Request headers ---------------------------------------------------------

#: §2.2.2 CORS-safelisted request-header names (each also has a value rule, see
#: is_cors_safelisted_request_header).
CORS_SAFELISTED_REQUEST_HEADER_NAMES: Final = frozenset(
    {"accept", "accept-language", "content-language", "content-type", "range"}
)

#: §2.2.2 no-CORS-safelisted request-header names, in the standard's order:
#: the safelisted names minus the privileged `Range`.
NO_CORS_SAFELISTED_REQUEST_HEADER_NAMES: Final = (
    "accept",
    "accept-language",
    "content-language",
    "content-type",
)

#: §2.2.2 "CORS non-wildcard request-header name": `Authorization`. A `*` in
#: Access-Control-Allow-Headers never covers it.
CORS_NON_WILDCARD_REQUEST_HEADER_NAMES: Final = frozenset({"authorization"})

#: §2.2.2 forbidden request-header names: a script cannot set these, so listing
#: them in a policy has no effect.
FORBIDDEN_REQUEST_HEADER_NAMES: Final = frozenset(
    {
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    }
)
#: §2.2.2 "or if name starts with `proxy-` or `sec-`".
FORBIDDEN_REQUEST_HEADER_PREFIXES: Final = ("proxy-", "sec-")

#: §2.2.2 the method-override names are forbidden when their value names a
#: forbidden method.
_METHOD_OVERRIDE_HEADER_NAMES: Final = frozenset(
    {"x-http-method", "x-http-method-override", "x-method-override"}
)


def is_forbidden_request_header(name: str, value: str | None = None) -> bool:
    """§2.2.2 forbidden request-header. Without a value, only the name is judged
    (the method-override names are then not forbidden)."""
    lowered = name.lower()
    if lowered in FORBIDDEN_REQUEST_HEADER_NAMES or lowered.startswith(
        FORBIDDEN_REQUEST_HEADER_PREFIXES
    ):
        return True
    if value is not None and lowered in _METHOD_OVERRIDE_HEADER_NAMES:
        # "parsing the value as a list of values" (split on commas, trim).
        return any(is_forbidden_method(item) for item in split_list(value))
    return False


#: §2.2.2 "A CORS-unsafe request-header byte is a byte byte for which one of
#: the following is true: byte is less than 0x20 and is not 0x09 HT; byte is
#: 0x22 ("), 0x28 (left parenthesis), 0x29 (right parenthesis), 0x3A (:),
#: 0x3C (<), 0x3E (>), 0x3F (?), 0x40 (@), 0x5B ([), 0x5C (\), 0x5D (]),
#: 0x7B ({), 0x7D (}), or 0x7F DEL."
CORS_UNSAFE_REQUEST_HEADER_BYTES: Final = frozenset(
    [b for b in range(0x20) if b != 0x09]
    + [0x22, 0x28, 0x29, 0x3A, 0x3C, 0x3E, 0x3F, 0x40, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F]
)

#: §2.2.2 "If value's length is greater than 128, then return false."
MAX_SAFELISTED_VALUE_LENGTH: Final = 128
#: §2.2.2 CORS-unsafe request-header names: "If safelistValueSize is greater
#: than 1024, then for each name of potentiallyUnsafeNames, append name."
MAX_SAFELISTED_TOTAL_LENGTH: Final = 1024

#: §2.2.2 Content-Type: the MIME type's essence must be one of these.
SAFELISTED_CONTENT_TYPES: Final = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)

_LANGUAGE_BYTES: Final = frozenset(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz *,-.;="
)
_MIME_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_SIMPLE_RANGE = re.compile(rb"bytes=([0-9]+)-([0-9]*)")


def _mime_essence(value: str) -> str | None:
    """The essence (`type/subtype`, lower-cased) of a MIME type string, or None
    when it does not parse (WHATWG MIME Sniffing §4.4, only as far as the
    essence: parameters never affect the safelist decision)."""
    head = value.split(";", 1)[0].strip(" \t\n\r\x0c")
    type_, slash, subtype = head.partition("/")
    if not slash or not _MIME_TOKEN.fullmatch(type_) or not _MIME_TOKEN.fullmatch(subtype):
        return None
    return f"{type_.lower()}/{subtype.lower()}"


def _is_simple_range(value: bytes) -> bool:
    """§2.2.2 Range: "parse a single range header value" with allowWhitespace
    false; a suffix range (`bytes=-5`) is not safelisted, and start <= end."""
    match = _SIMPLE_RANGE.fullmatch(value)
    if match is None:
        return False
    start, end = match.group(1), match.group(2)
    return not end or int(start) <= int(end)


def is_cors_safelisted_request_header(name: str, value: str | bytes) -> bool:
    """§2.2.2 "CORS-safelisted request-header" (name and value)."""
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")
    if len(raw) > MAX_SAFELISTED_VALUE_LENGTH:
        return False
    lowered = name.lower()
    if lowered == "accept":
        return not any(b in CORS_UNSAFE_REQUEST_HEADER_BYTES for b in raw)
    if lowered in ("accept-language", "content-language"):
        return all(b in _LANGUAGE_BYTES for b in raw)
    if lowered == "content-type":
        if any(b in CORS_UNSAFE_REQUEST_HEADER_BYTES for b in raw):
            return False
        essence = _mime_essence(raw.decode("latin-1"))
        return essence in SAFELISTED_CONTENT_TYPES
    if lowered == "range":
        return _is_simple_range(raw)
    return False


def cors_unsafe_request_header_names(headers: list[tuple[str, str]]) -> list[str]:
    """§2.2.2 "CORS-unsafe request-header names": what a browser puts in
    Access-Control-Request-Headers, as "convert header names to a sorted
    lowercase set" (lower-cased, de-duplicated, sorted)."""
    unsafe: set[str] = set()
    potentially_unsafe: set[str] = set()
    safelist_value_size = 0
    for name, value in headers:
        if not is_cors_safelisted_request_header(name, value):
            unsafe.add(name.lower())
        else:
            potentially_unsafe.add(name.lower())
            safelist_value_size += len(value.encode("utf-8", "surrogateescape"))
    if safelist_value_size > MAX_SAFELISTED_TOTAL_LENGTH:
        unsafe |= potentially_unsafe
    return sorted(unsafe)


# --- Response headers --------------------------------------------------------

#: §2.2.3 CORS-safelisted response-header names: readable by script without
#: Access-Control-Expose-Headers.
CORS_SAFELISTED_RESPONSE_HEADER_NAMES: Final = frozenset(
    {
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    }
)

#: §2.2.3 forbidden response-header names: never exposed to script.
FORBIDDEN_RESPONSE_HEADER_NAMES: Final = frozenset({"set-cookie", "set-cookie2"})


def is_forbidden_response_header_name(name: str) -> bool:
    return name.lower() in FORBIDDEN_RESPONSE_HEADER_NAMES


#: §3.2.3 the headers of the CORS protocol itself (names lower-cased).
CORS_RESPONSE_HEADER_NAMES: Final = frozenset(
    {
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-max-age",
        "access-control-expose-headers",
    }
)

# --- Preflight cache (§4.9 CORS-preflight cache, and Chromium) ---------------

#: §4.8 CORS-preflight fetch: without Access-Control-Max-Age the standard says
#: "max-age ... defaults to 5"; Chromium implements the same 5 seconds.
PREFLIGHT_CACHE_DEFAULT_SECONDS: Final = 5
#: Chromium caps Access-Control-Max-Age at 2 hours (kMaxCacheAge in
#: services/network/public/cpp/cors/preflight_result.cc).
CHROMIUM_PREFLIGHT_CACHE_CAP_SECONDS: Final = 7200
