"""What a page's `fetch()` turns into before anything is sent.

Theory of operation: `prepare_request` applies the Request constructor's rules
(Fetch §5.4 "Request class", §2.2.1 methods, §5.2 "Headers class") to what a
scenario says a page called, and either returns a `PreparedRequest` or raises
`RequestRejected` with the exact `TypeError` Chromium throws (measured in
Chromium 156). Forbidden request headers are dropped silently, as `fetch()`
drops them; under `no-cors` only no-CORS-safelisted headers survive.

A name given more than once: `Headers.append` (Fetch §5.2) adds a second entry
to the header list, and the standard judges each entry on its own (§2.2.2
"CORS-unsafe request-header names" iterates "each header of headers"), except
that the no-cors guard judges the joined value ("temporaryValue"). Chromium
keeps request headers in a map and joins a repeated name with ", " as the
header list's "combine" does, so the value sent, and the value every safelist
rule judges, is the joined one. Measured in Chromium 156: `Content-Type:
text/plain` twice is `text/plain, text/plain`, not a MIME type, so it needs a
preflight; `Range: bytes=0-1` twice likewise; `text/plain;a=1` then `de` is
`text/plain;a=1, de`, which still parses as `text/plain` and needs none.
`prepare_request(..., combine=False)` keeps the standard's separate entries.

Chromium's own lists and byte rules (measured in Chromium 156, tests/oracles/browsers/
rule_cases.py): `fetch()` first converts every header name and value to a
ByteString (WebIDL), so a code point above U+00FF throws before any method
check; `User-Agent` is a forbidden request header (net/http/http_util.cc
`IsSafeHeader`; the standard dropped it); `Intervention` is safelisted;
lengths (128 bytes per value, 1024 in total) count one byte per code point
(ISO-8859-1), as the standard's isomorphic encoding does; a `Range` number
must stay below 2^63 - 1 (`bytes=9223372036854775807-` needs a preflight,
`bytes=9223372036854775806-` does not).

`unsafe_header_names` is what goes into `Access-Control-Request-Headers`
(lower-cased, de-duplicated, sorted: Fetch §2.2.2 "CORS-unsafe request-header
names"). Chromium 156 also safelists a few client-hint headers with strict
value rules (measured: `DPR: 2.5` and `Save-Data: on` send no preflight,
`DPR: 1e3` and `Save-Data: off` do); the standard does not, so with
`spec=True` the standard's function from `fetch_tables` is used unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from crossorigin import fetch_tables
from crossorigin.browser.engines import CHROMIUM, Engine
from crossorigin.browser.types import Body

__all__ = [
    "CHROMIUM_SAFELISTED_CLIENT_HINTS",
    "PreparedRequest",
    "RequestRejected",
    "is_chromium_forbidden_request_header",
    "is_chromium_safelisted_request_header",
    "prepare_request",
    "unsafe_header_names",
]

_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
_INTEGER = re.compile(r"[0-9]+")
_EFFECTIVE_CONNECTION_TYPES: Final = frozenset({"slow-2g", "2g", "3g", "4g"})

#: Client-hint request headers Chromium 156 treats as CORS-safelisted, each
#: with the value rule measured in the browser (not part of the Fetch standard).
CHROMIUM_SAFELISTED_CLIENT_HINTS: Final[dict[str, Callable[[str], bool]]] = {
    "device-memory": lambda v: _DECIMAL.fullmatch(v) is not None,
    "dpr": lambda v: _DECIMAL.fullmatch(v) is not None,
    "downlink": lambda v: _DECIMAL.fullmatch(v) is not None,
    "width": lambda v: _INTEGER.fullmatch(v) is not None,
    "viewport-width": lambda v: _INTEGER.fullmatch(v) is not None,
    "rtt": lambda v: _INTEGER.fullmatch(v) is not None,
    "ect": lambda v: v in _EFFECTIVE_CONNECTION_TYPES,
    "save-data": lambda v: v.lower() == "on",
}

#: Request headers Chromium forbids beyond the standard's list (net/http/
#: http_util.cc `IsSafeHeader`, crbug.com/571722 keeps User-Agent there).
CHROMIUM_EXTRA_FORBIDDEN_NAMES: Final = frozenset({"user-agent"})
#: Chromium safelists these with any value (cors.cc `IsCorsSafelistedHeader`).
_ANY_VALUE_SAFELISTED: Final = frozenset({"intervention"})
#: Measured: a Range number of 2^63 - 1 or more loses the safelisting.
_RANGE_NUMBER_LIMIT: Final = 2**63 - 2
_RANGE = re.compile(r"bytes=([0-9]+)-([0-9]*)")
_ISO_8859_1_ERROR: Final = (
    "Failed to read the 'headers' property from 'RequestInit': "
    "String contains non ISO-8859-1 code point."
)

#: Fetch §2.2.2 "no-CORS-safelisted request-header name".
_NO_CORS_SAFELISTED_NAMES: Final = frozenset(fetch_tables.NO_CORS_SAFELISTED_REQUEST_HEADER_NAMES)
#: Fetch §2.2.2 header value normalization strips these from both ends.
_HTTP_WHITESPACE: Final = " \t\r\n"
_INVALID_VALUE_CHARACTERS: Final = frozenset("\x00\r\n")


class RequestRejected(Exception):
    """`fetch()` throws before sending anything; `str()` is Chromium's TypeError text."""


@dataclass(frozen=True)
class PreparedRequest:
    method: str
    headers: tuple[tuple[str, str], ...]


def _byte_length(value: str) -> int:
    """A header value's length on the wire: one byte per code point (the
    isomorphic encoding of a ByteString; values reach here checked to be
    ISO-8859-1)."""
    return len(value)


def _latin1(value: str) -> bytes:
    return value.encode("latin-1", "replace")


def is_chromium_safelisted_request_header(name: str, value: str) -> bool:
    """Chromium's "CORS-safelisted request-header": the standard's (bytes
    counted one per code point), `Range` numbers below 2^63 - 1, client hints
    and `Intervention`."""
    if len(value) > fetch_tables.MAX_SAFELISTED_VALUE_LENGTH:
        return False
    lowered = name.lower()
    if lowered == "range":
        match = _RANGE.fullmatch(value)
        return (
            match is not None
            and fetch_tables.is_cors_safelisted_request_header(name, _latin1(value))
            and all(int(number) <= _RANGE_NUMBER_LIMIT for number in match.groups() if number)
        )
    if fetch_tables.is_cors_safelisted_request_header(name, _latin1(value)):
        return True
    if lowered in _ANY_VALUE_SAFELISTED:
        return True
    rule = CHROMIUM_SAFELISTED_CLIENT_HINTS.get(lowered)
    return rule is not None and rule(value)


_RANGE_START = re.compile(r"bytes=([0-9]+)-([0-9]*)")
#: WebKit's parseRange (HTTPParsers.cpp): `bytes` in any case, numbers read
#: by a signed-integer parser that takes a leading `+` (measured:
#: `Bytes=0-1`, `BYTES=0-1` and `bytes=+1-2` are safelisted).
_LENIENT_RANGE = re.compile(r"bytes=\+?([0-9]+)-(?:\+?([0-9]+))?", re.IGNORECASE)


def _engine_safelisted(profile: Engine) -> Callable[[str, str], bool]:
    """The CORS-safelisted request-header check of an engine without
    Chromium's additions (Firefox, WebKit): the standard's, with the
    engine's byte counting and its `Content-Type` and `Range` rules."""

    def safelisted(name: str, value: str) -> bool:
        if _engine_length(profile, value) > fetch_tables.MAX_SAFELISTED_VALUE_LENGTH:
            return False
        lowered = name.lower()
        if (
            profile.content_type_ascii_only
            and lowered in ("accept", "content-type")
            and not value.isascii()
        ):
            return False
        if profile.range_first_only and lowered == "range":
            # Measured: numbers of any size; `bytes=1--1` is not a range.
            pattern = _LENIENT_RANGE if profile.lenient_range_syntax else _RANGE_START
            match = pattern.fullmatch(value)
            return match is not None and (
                not match.group(2) or int(match.group(1)) <= int(match.group(2))
            )
        return fetch_tables.is_cors_safelisted_request_header(name, _latin1(value))

    return safelisted


def _engine_length(profile: Engine, value: str) -> int:
    if profile.utf8_header_lengths:
        return len(value.encode("utf-8", "surrogatepass"))
    return _byte_length(value)


def is_chromium_forbidden_request_header(name: str, value: str) -> bool:
    """Fetch §2.2.2 forbidden request-header, plus Chromium's extra names."""
    return name.lower() in CHROMIUM_EXTRA_FORBIDDEN_NAMES or (
        fetch_tables.is_forbidden_request_header(name, value)
    )


def unsafe_header_names(
    headers: Sequence[tuple[str, str]], *, spec: bool = False, engine: Engine = CHROMIUM
) -> list[str]:
    """Fetch §2.2.2 CORS-unsafe request-header names (sorted, lower-cased,
    de-duplicated); the engine's variant (Chromium's by default) unless `spec`."""
    safelisted: Callable[[str, str], bool]
    if spec:
        safelisted = lambda name, value: fetch_tables.is_cors_safelisted_request_header(  # noqa: E731
            name, _latin1(value)
        )
    elif engine.chromium_safelist:
        safelisted = is_chromium_safelisted_request_header
    else:
        safelisted = _engine_safelisted(engine)
    # Chromium's CorsUnsafeNotForbiddenRequestHeaderNames: the standard's
    # algorithm over Chromium's wider safelist (client hints count toward the
    # 1024-byte total like any safelisted header).
    unsafe: set[str] = set()
    potentially_unsafe: set[str] = set()
    total = 0
    for name, value in headers:
        if safelisted(name, value):
            potentially_unsafe.add(name.lower())
            total += _engine_length(engine, value) if not spec else _byte_length(value)
        else:
            unsafe.add(name.lower())
    if total > fetch_tables.MAX_SAFELISTED_TOTAL_LENGTH:
        unsafe |= potentially_unsafe
    if spec or engine.dedupes_request_header_names:
        return sorted(unsafe)
    return _per_entry_unsafe_names(headers, safelisted, engine)


def _per_entry_unsafe_names(
    headers: Sequence[tuple[str, str]], safelisted: Callable[[str, str], bool], engine: Engine
) -> list[str]:
    """Firefox's CORS-unsafe names: the name of every entry that is unsafe,
    once per entry (measured: `Content-Type` appended as `application/json`
    and `text/plain` is named once; both `application/json`, twice)."""
    names: list[str] = []
    potentially: list[str] = []
    total = 0
    for name, value in headers:
        if safelisted(name, value):
            potentially.append(name.lower())
            total += _engine_length(engine, value)
        else:
            names.append(name.lower())
    if total > fetch_tables.MAX_SAFELISTED_TOTAL_LENGTH:
        names += potentially
    return sorted(names)


def _fetch_error(
    detail: str, engine: Engine = CHROMIUM, gecko: str = "", webkit: str = ""
) -> RequestRejected:
    """The TypeError `fetch()` throws: Chromium's text, or Firefox's or
    WebKit's when the engine's text is known (measured in Firefox ESR 153 and
    WebKitGTK 2.50; where it is not, Chromium's stands in)."""
    if engine.type_errors == "gecko" and gecko:
        return RequestRejected(f"TypeError: Window.fetch: {gecko}")
    if engine.type_errors == "webkit" and webkit:
        return RequestRejected(f"TypeError: {webkit}")
    return RequestRejected(f"TypeError: Failed to execute 'fetch' on 'Window': {detail}")


def _byte_string_error(headers: Sequence[tuple[str, str]]) -> str:
    """Firefox's WebIDL ByteString conversion error for the first string
    holding a code point above U+00FF."""
    for name, value in headers:
        for text in (name, value):
            for index, char in enumerate(text):
                if char > "\xff":
                    return (
                        "Cannot convert element of element of sequence<sequence<ByteString>> "
                        "branch of (sequence<sequence<ByteString>> or record<ByteString, "
                        f"ByteString>) to ByteString because the character at index {index} "
                        f"has value {ord(char)} which is greater than 255."
                    )
    return ""


def prepare_request(
    *,
    method: str,
    headers: Sequence[tuple[str, str]],
    mode: str,
    combine: bool = True,
    spec: bool = False,
    body: Body | None = None,
    cache: str = "default",
    engine: Engine = CHROMIUM,
) -> PreparedRequest:
    """The Request constructor's checks, in Chromium's order: the ByteString
    conversion of the headers (RequestInit's members are converted before the
    constructor runs), the method, the no-cors method rule, `only-if-cached`,
    each header, a body on GET/HEAD; then the body's Content-Type is added
    when the script set none (Fetch §5.4 step "If Content-Type is non-null").
    With `combine` (Chromium), a repeated name becomes one header, its values
    joined with ", ", at the place of its first occurrence; without it (the
    standard), each append stays a separate entry."""
    for name, value in headers:
        if max(name, default="\x00") > "\xff" or max(value, default="\x00") > "\xff":
            raise _fetch_error(_ISO_8859_1_ERROR, engine, _byte_string_error(headers), "Type error")
    # Firefox's and WebKit's words measured (tests/oracles/browsers/branch_cases.py
    # branch-method-*, branch-mode-no-cors-put; Firefox dom/fetch/Request.cpp,
    # WebKit Source/WebCore/Modules/fetch/FetchRequest.cpp).
    if not fetch_tables.is_token(method):
        raise _fetch_error(
            f"'{method}' is not a valid HTTP method.",
            engine,
            f"Invalid request method {method}.",
            "Method is not a valid HTTP token.",
        )
    if fetch_tables.is_forbidden_method(method):
        raise _fetch_error(
            f"'{method}' HTTP method is unsupported.",
            engine,
            f"Invalid request method {method}.",
            "Method is forbidden.",
        )
    normalized = fetch_tables.normalize_method(method)
    if mode == "no-cors" and not fetch_tables.is_cors_safelisted_method(normalized):
        raise _fetch_error(
            f"'{normalized}' is unsupported in no-cors mode.",
            engine,
            f"Invalid request method {normalized}.",
            "Method must be GET, POST or HEAD in no-cors mode.",
        )
    if cache == "only-if-cached" and mode != "same-origin":
        raise _fetch_error(
            "'only-if-cached' can be set only with 'same-origin' mode",
            engine,
            f"Request mode '{mode}' was used, but request cache mode 'only-if-cached' can only "
            "be used with request mode 'same-origin'.",
            "only-if-cached cache option requires fetch mode to be same-origin.",
        )

    def forbidden(name: str, value: str) -> bool:
        if spec:
            return fetch_tables.is_forbidden_request_header(name, value)
        return name.lower() in engine.extra_forbidden_headers or (
            fetch_tables.is_forbidden_request_header(name, value)
        )

    kept: list[tuple[str, str]] = []
    # Lower-cased name -> (index in `kept` of its first entry, joined value so far).
    joined: dict[str, tuple[int, str]] = {}
    for name, raw_value in headers:
        if not fetch_tables.is_token(name):
            # Firefox prints the name lower-cased (dom/fetch/InternalHeaders.cpp
            # IsInvalidName; measured).
            raise _fetch_error(
                "Invalid name",
                engine,
                f"{name.lower()} is an invalid header name.",
                f"Invalid header name: '{name}'",
            )
        value = raw_value.strip(_HTTP_WHITESPACE)
        if any(char in _INVALID_VALUE_CHARACTERS for char in value):
            # Firefox's text is a C string: it ends at a NUL (measured).
            raise _fetch_error(
                "Invalid value",
                engine,
                f"{value.split(chr(0), 1)[0]} is an invalid header value.",
                f"Header '{name}' has invalid value: '{value}'",
            )
        # Fetch §5.2 "append": the forbidden check sees the appended value alone...
        if forbidden(name, value):
            continue
        lowered = name.lower()
        first = joined.get(lowered)
        temporary = value if first is None else f"{first[1]}, {value}"
        # ...but the "request-no-cors" guard judges the joined value
        # ("temporaryValue") and ignores the append when that is not safelisted.
        if mode == "no-cors" and not (
            lowered in _NO_CORS_SAFELISTED_NAMES
            and fetch_tables.is_cors_safelisted_request_header(name, _latin1(temporary))
        ):
            continue
        if first is None:
            joined[lowered] = (len(kept), temporary)
            kept.append((name, value))
        elif combine:
            joined[lowered] = (first[0], temporary)
            kept[first[0]] = (kept[first[0]][0], temporary)
        else:
            joined[lowered] = (first[0], temporary)
            kept.append((name, value))
    if body is not None:
        if normalized in ("GET", "HEAD"):
            raise _fetch_error(
                "Request with GET/HEAD method cannot have body.",
                engine,
                "HEAD or GET Request cannot have a body.",
                f"Request has method '{normalized}' and cannot have a body",
            )
        content_type = body.header_value
        if content_type is not None and "content-type" not in joined:
            kept.append(("Content-Type", content_type))
    return PreparedRequest(normalized, tuple(kept))
