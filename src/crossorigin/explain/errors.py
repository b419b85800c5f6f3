"""A pasted console line in, what failed out: the browser's words read back.

Rule 1: recognising a browser's console text lives here, as data. Each engine
has a table of line templates -> (reason, fields); the Chromium table is not
typed by hand but generated from the functions that print the model's lines
(`crossorigin.browser.messages.blocked_line` and Blink's mode lines): each
reason's line is printed once with marker values for the URL, the origin and
the failed parameter, and the markers become regex groups. So every variant
the model prints is recognised by construction, and a wording change in
`messages.py` changes the recogniser with it (tests/unit/test_explain_errors.py
prints every reason's line through the model and reads it back).

Engines: `TABLE_BUILDERS` maps an engine to the function building its table.
Firefox's and WebKit's are built from `messages.py` the same way
(`firefox_line`/`FIREFOX_TEXTS`, `webkit_line`/`WEBKIT_TEXTS`), WebKit's with
the lines it prints beside its reason lines; the engines' well-known shapes
("Cross-Origin Request Blocked: ... (Reason: ...)", "Origin X is not allowed
by Access-Control-Allow-Origin.") stand in when a table is missing.

Lines that are not CORS failures but look like them (a CSP `connect-src`
refusal, mixed content, a CORP/COEP block, Local Network Access, a bare
`TypeError: Failed to fetch`) and Chromium's `net::ERR_*` network errors are
recognised before the CORS tables, each with its `not_cors` class.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from crossorigin.browser import messages

__all__ = [
    "BROWSER_NAMES",
    "CHROMIUM_EQUIVALENT",
    "FAILED_TO_FETCH_CAUSES",
    "MAX_LINE",
    "TABLE_BUILDERS",
    "LineTemplate",
    "Recognised",
    "recognise",
    "table",
]

BROWSER_NAMES: Final = ("chromium", "firefox", "webkit")

# Markers printed in place of the fields; printable ASCII, so `encode_hint`
# keeps them as they are, and never produced by a template's own words.
_URL: Final = "@@URL@@"
_INITIAL: Final = "@@INITIAL@@"
_ORIGIN: Final = "@@ORIGIN@@"
_PARAMETER: Final = "@@PARAMETER@@"
#: A parameter that is one word (a URL, a method, a header name): matched
#: without spaces, so a line repeating the words before it is given up on
#: within a word at each start, not after a scan to the end of the line.
_WORD: Final = "@@WORD@@"
_STATUS: Final = "@@STATUS@@"
# A URL as a browser prints it never holds whitespace, nor an origin a
# quote; so those groups stop at the first space and a failed match gives up
# within one word, not after trying every end point of the line.
_GROUPS: Final = {
    _URL: "(?P<url>\\S+?)",
    _INITIAL: "(?P<initial_url>\\S+?)",
    _ORIGIN: "(?P<origin>[^\\s']+?)",
    _PARAMETER: "(?P<parameter>[^\\n]*?)",
    _WORD: "(?P<parameter>\\S+?)",
    _STATUS: "(?P<status>[0-9]+|\\(null\\))",
}
#: Lines longer than this are not recognised (a console line is a sentence
#: and two URLs; this bounds the work a hostile paste can cause).
MAX_LINE: Final = 16 * 1024
#: Chromium prints the same sentence for every initiator: a pasted line may
#: come from XMLHttpRequest, a font or a script as well as fetch().
_INITIATORS: Final = "(?:fetch|XMLHttpRequest|font|script|resource|image|stylesheet)"


@dataclass(frozen=True)
class LineTemplate:
    """One console line shape: the compiled pattern and what it means."""

    engine: str
    reason: str | None
    cause: str  # a stable code for the kind of line
    pattern: re.Pattern[str]
    #: The template's longest fixed words: a line without them is not tried.
    literal: str = ""


@dataclass(frozen=True)
class Recognised:
    """What a console line says. `kind` is `cors` (a CORS failure with its
    `reason`, possibly None when the engine's wording was recognised but not
    named), `network-error`, `not-cors` (`not_cors` names the class),
    `failed-to-fetch` (the script's TypeError alone) or `unknown`."""

    kind: str
    engine: str | None = None
    reason: str | None = None
    cause: str = "unknown"
    url: str | None = None
    initial_url: str | None = None
    origin: str | None = None
    parameter: str | None = None
    status: str | None = None
    network_error: str | None = None
    not_cors: str | None = None
    detail: str | None = None


def _pieces(line: str) -> list[str]:
    return re.split("(" + "|".join(re.escape(marker) for marker in _GROUPS) + ")", line)


def _literal(line: str) -> str:
    """The longest fixed text of a printed line, other than the initiator's
    words (which vary: fetch, XMLHttpRequest, ...)."""
    fixed = [piece for piece in _pieces(line) if piece not in _GROUPS and "Access to" not in piece]
    return max(fixed, key=len, default="")


def _template(engine: str, reason: str | None, cause: str, line: str) -> LineTemplate:
    return LineTemplate(engine, reason, cause, _compile(line), _literal(line))


def _compile(line: str) -> re.Pattern[str]:
    """A printed line with markers -> a pattern with named groups."""
    pieces = _pieces(line)
    regex = "".join(_GROUPS[piece] if piece in _GROUPS else re.escape(piece) for piece in pieces)
    regex = regex.replace(re.escape("Access to fetch at"), f"Access to {_INITIATORS} at", 1)
    # The line ends there or goes on after a space (DevTools appends hints such
    # as "If an opaque response serves your needs, ..."); a field at the end
    # of a sentence then stops at the last period, not the first.
    return re.compile(regex + r"(?:\s.*)?$", re.DOTALL)


def _chromium_table() -> tuple[LineTemplate, ...]:
    rows: list[LineTemplate] = []
    for reason in sorted(messages.REASONS):
        for initial in (_INITIAL, _URL):
            line = messages.blocked_line(
                url=_URL,
                initial_url=initial,
                page_origin=_ORIGIN,
                reason=reason,
                failed_parameter=_PARAMETER,
            )
            rows.append(_template("chromium", reason, "cors", line))
    mode_lines: tuple[tuple[str, str], ...] = (
        ("same-origin-mode", messages.same_origin_mode_line(url=_URL, page_origin=_ORIGIN)),
        ("no-cors-redirect-mode", messages.no_cors_redirect_mode_line(url=_URL)),
        ("unsafe-redirect", messages.unsafe_redirect_line(url=_URL, frame_url=_INITIAL).strip()),
    )
    rows.extend(_template("chromium", None, cause, line) for cause, line in mode_lines)
    # The most specific shape first: a longer literal text wins over a shorter
    # one it contains (a Preflight twin over its plain sentence).
    return tuple(sorted(rows, key=lambda row: -len(row.pattern.pattern)))


#: WebKit's texts whose parameter is one word: a URL, a method or a header name.
_WEBKIT_WORD_PARAMETERS: Final = frozenset(
    {"RedirectWithCredentials", "RedirectModeError", "MethodNotAllowed", "HeaderNotAllowed"}
)


def _engine_table(engine: str, texts_name: str, line_name: str) -> tuple[LineTemplate, ...]:
    """Firefox's or WebKit's table from `messages.py`, when it defines them."""
    texts = getattr(messages, texts_name, None)
    line = getattr(messages, line_name, None)
    if not isinstance(texts, Mapping) or not callable(line):
        return ()
    rows = []
    for key in texts:
        if engine == "firefox":
            printed = line(key, url=_URL, parameter=_PARAMETER, status=_STATUS)
            reason = key.rstrip("0123456789")
        else:
            word = key in _WEBKIT_WORD_PARAMETERS
            parameter = _WORD if word else _PARAMETER
            printed = line(key, origin=_ORIGIN, parameter=parameter, status=_STATUS)
            reason = key
        rows.append(_template(engine, reason, "cors", printed))
    return tuple(sorted(rows, key=lambda row: -len(row.pattern.pattern)))


#: The generic shapes used until an engine's own table exists.
_GENERIC: Final = {
    "firefox": (
        LineTemplate(
            "firefox",
            None,
            "cors",
            re.compile(
                r"Cross-Origin Request Blocked: The Same Origin Policy disallows reading the "
                r"remote resource at \u2018?(?P<url>\S+?)\u2019?\. \(Reason: (?P<parameter>.*)\)",
                re.DOTALL,
            ),
        ),
    ),
    "webkit": (
        LineTemplate(
            "webkit",
            None,
            "cors",
            re.compile(
                r"Origin (?P<origin>\S+) is not allowed by Access-Control-Allow-Origin\."
                r"(?: Status code: (?P<status>[0-9]+))?"
            ),
        ),
    ),
}


def _webkit_table() -> tuple[LineTemplate, ...]:
    """WebKit's reason lines, and the lines it prints beside them: the
    refusals of fetch() itself and, after every CORS failure, its summary
    line naming the URL (the line before it names the reason)."""
    reasons = _engine_table("webkit", "WEBKIT_TEXTS", "webkit_line") or _GENERIC["webkit"]
    others = (
        ("same-origin-mode", messages.webkit_mode_line(url=_URL)),
        (
            "unsafe-redirect",
            messages.webkit_unsafe_redirect_line(url=_URL, page_origin=_ORIGIN).strip(),
        ),
        ("access-control-checks", f"Fetch API cannot load {_URL} due to access control checks."),
        ("no-cors-redirect-mode", messages.webkit_no_cors_redirect_mode_line()),
        ("bad-port", messages.webkit_bad_port_line(port=_PARAMETER, url=_URL)),
    )
    rows = [*reasons, *(_template("webkit", None, cause, line) for cause, line in others)]
    return tuple(sorted(rows, key=lambda row: -len(row.pattern.pattern)))


#: Engine -> the function building its table (the hook where an engine plugs in).
TABLE_BUILDERS: Final[Mapping[str, Callable[[], tuple[LineTemplate, ...]]]] = {
    "chromium": _chromium_table,
    "firefox": lambda: (
        _engine_table("firefox", "FIREFOX_TEXTS", "firefox_line") or _GENERIC["firefox"]
    ),
    "webkit": _webkit_table,
}
_TABLES: dict[str, tuple[LineTemplate, ...]] = {}

#: Firefox's and WebKit's reason names -> Chromium's name for the same failed
#: check, so the explanation table (keyed by Chromium's names) explains them
#: too. The outcome keeps the engine's own name. WebKit prints one text for a
#: missing and a mismatching Access-Control-Allow-Origin; the mismatch is
#: the explanation that covers both.
CHROMIUM_EQUIVALENT: Final[Mapping[str, str]] = {
    "CORSMissingAllowOrigin": "MissingAllowOriginHeader",
    "CORSAllowOriginNotMatchingOrigin": "AllowOriginMismatch",
    "CORSMultipleAllowOriginNotAllowed": "MultipleAllowOriginValues",
    "CORSNotSupportingCredentials": "WildcardOriginNotAllowed",
    "CORSMissingAllowCredentials": "InvalidAllowCredentials",
    "CORSPreflightDidNotSucceed": "PreflightInvalidStatus",
    "CORSMethodNotFound": "MethodDisallowedByPreflightResponse",
    "CORSInvalidAllowMethod": "InvalidAllowMethodsPreflightResponse",
    "CORSInvalidAllowHeader": "InvalidAllowHeadersPreflightResponse",
    "CORSMissingAllowHeaderFromPreflight": "HeaderDisallowedByPreflightResponse",
    "CORSRequestNotHttp": "CorsDisabledScheme",
    "AllowOriginNotMatching": "AllowOriginMismatch",
    "AllowOriginMultiple": "MultipleAllowOriginValues",
    "AllowOriginWildcardWithCredentials": "WildcardOriginNotAllowed",
    "AllowCredentialsNotTrue": "InvalidAllowCredentials",
    "PreflightNotSuccessful": "PreflightInvalidStatus",
    "AllowMethodsInvalid": "InvalidAllowMethodsPreflightResponse",
    "AllowHeadersInvalid": "InvalidAllowHeadersPreflightResponse",
    "MethodNotAllowed": "MethodDisallowedByPreflightResponse",
    "HeaderNotAllowed": "HeaderDisallowedByPreflightResponse",
    "SchemeNotAllowed": "CorsDisabledScheme",
    "FtpDisabled": "CorsDisabledScheme",
    "RedirectWithCredentials": "RedirectContainsCredentials",
}


def table(engine: str) -> tuple[LineTemplate, ...]:
    """The engine's templates, built once."""
    if engine not in _TABLES:
        _TABLES[engine] = TABLE_BUILDERS[engine]()
    return _TABLES[engine]


# --- lines that are not CORS failures ------------------------------------------------

#: What else ends in `TypeError: Failed to fetch` (Chromium), `NetworkError
#: when attempting to fetch resource` (Firefox) or `Load failed` (Safari), and
#: the evidence that tells each apart.
FAILED_TO_FETCH_CAUSES: Final = (
    (
        "cors",
        "a CORS failure: the console shows an 'Access to fetch at ... has been blocked by "
        "CORS policy' line; paste that line instead",
    ),
    (
        "csp",
        "the page's Content-Security-Policy (connect-src): a 'Refused to connect' line and "
        "no request at all in the Network panel",
    ),
    (
        "mixed-content",
        "an https page calling an http URL: a 'Mixed Content' line; the request is never sent",
    ),
    (
        "local-network-access",
        "a public page calling a private or loopback address: a line naming the address "
        "space ('local', 'private', 'loopback') or a permission prompt",
    ),
    (
        "network",
        "the server is unreachable (DNS, refused connection, TLS): a net::ERR_* name such "
        "as net::ERR_CONNECTION_REFUSED next to the request in the Network panel",
    ),
    (
        "client",
        "an extension or ad blocker: net::ERR_BLOCKED_BY_CLIENT",
    ),
    (
        "aborted",
        "the page navigated away or aborted the request: status '(canceled)' in the Network panel",
    ),
)

_NOT_CORS: Final[tuple[tuple[str, str, re.Pattern[str]], ...]] = (
    (
        "csp",
        "csp-connect-src",
        re.compile(
            r"Refused to connect to '?(?P<url>[^'\s]+?)'? because it violates the following "
            r"Content Security Policy directive: \"?(?P<parameter>[^\"]*)\"?",
            re.DOTALL,
        ),
    ),
    # Chromium's wording since about version 130 (measured on 156,
    # tests/oracles/browsers/hars/chromium/csp-connect-src.console.txt): the
    # violation line, then fetch()'s own rejection.
    (
        "csp",
        "csp-connect-src",
        re.compile(
            r"Connecting to '(?P<url>[^'\s]+)' violates the following Content Security Policy "
            r"directive: \"(?P<parameter>[^\"]*)\""
        ),
    ),
    (
        "csp",
        "csp-connect-src",
        re.compile(
            r"Fetch API cannot load (?P<url>\S+?)\. Refused to connect because it violates the "
            r"document's Content Security Policy"
        ),
    ),
    # Firefox (measured on 153 ESR, tests/oracles/browsers/hars/firefox).
    (
        "csp",
        "csp-connect-src",
        re.compile(
            r"Content-Security-Policy: The page’s settings blocked the loading of a resource "
            r"\(connect-src\) at (?P<url>\S+) because it violates the following directive: "
            r"“(?P<parameter>[^”]*)”"
        ),
    ),
    (
        "mixed-content",
        "mixed-content",
        re.compile(r"Blocked loading mixed active content “(?P<url>[^”\s]+)”"),
    ),
    (
        "mixed-content",
        "mixed-content",
        re.compile(
            r"Mixed Content: The page at '(?P<initial_url>[^']*)' was loaded over HTTPS, but "
            r"requested an insecure (?:\w+ )?(?:resource|endpoint) '(?P<url>[^']*)'",
            re.DOTALL,
        ),
    ),
    (
        "local-network-access",
        "local-network-access",
        re.compile(
            r"Access to \w+ at '(?P<url>\S+?)' from origin '(?P<origin>[^\s']+?)' has been "
            r"blocked "
            r"by CORS policy: (?P<parameter>(?:Permission was denied for this request to access "
            r"the|The request client is not a secure context and the resource is in "
            r"more-private address space|Request had no target IP address space, yet the "
            r"resource is in address space|Private Network Access|Local Network Access).*)",
            re.DOTALL,
        ),
    ),
)

_NET_ERROR: Final = re.compile(r"net::(?P<name>ERR_[A-Z0-9_]+)(?:\.(?P<detail>[A-Za-z]+))?")
_URL_IN_LINE: Final = re.compile(r"\b(?:GET|POST|PUT|PATCH|DELETE|OPTIONS|HEAD) (?P<url>\S+)")
#: DevTools' network line beside a failed fetch: `GET URL net::ERR_FAILED 502
#: (Bad Gateway)`: the status the server answered, which the CORS line omits.
_STATUS_AFTER_ERROR: Final = re.compile(r"net::ERR_[A-Z0-9_.A-Za-z]+ (?P<status>[1-5][0-9][0-9])\b")
_FAILED_TO_FETCH: Final = re.compile(
    r"TypeError: (?:Failed to fetch|NetworkError when attempting to fetch resource\.?|"
    r"Load failed)",
)

#: net::ERR_BLOCKED_BY_RESPONSE's detail -> the not-CORS class.
_BLOCKED_BY_RESPONSE: Final = {
    "NotSameOriginAfterDefaultedToSameOriginByCoep": "coep",
    "NotSameOrigin": "corp",
    "NotSameSite": "corp",
    "CorpNotSameOriginAfterDefaultedToSameOriginByCoep": "coep",
    "CorpNotSameOrigin": "corp",
    "CorpNotSameSite": "corp",
}


def _groups(match: re.Match[str]) -> dict[str, str | None]:
    found = match.groupdict()
    return {
        name: found.get(name) for name in ("url", "initial_url", "origin", "parameter", "status")
    }


def recognise(line: str, *, browser: str | None = None) -> Recognised:
    """What `line` says; `browser` None tries every engine, Chromium first."""
    text = line.strip()
    if len(text) > MAX_LINE:
        return Recognised("unknown", detail=f"longer than {MAX_LINE} characters")
    for not_cors, cause, pattern in _NOT_CORS:
        match = pattern.search(text)
        if match:
            return Recognised("not-cors", None, None, cause, not_cors=not_cors, **_groups(match))
    engines = BROWSER_NAMES if browser is None else (browser,)
    for engine in engines:
        for row in table(engine):
            if row.literal not in text:
                continue
            match = row.pattern.search(text)
            if match:
                fields = _groups(match)
                if row.reason is None and row.cause == "cors" and fields["parameter"]:
                    fields["parameter"] = fields["parameter"].rstrip(".")
                return Recognised("cors", engine, row.reason, row.cause, **fields)
    net = _NET_ERROR.search(text)
    if net:
        name = "net::" + net["name"]
        detail = net["detail"]
        url_match = _URL_IN_LINE.search(text)
        url = url_match["url"] if url_match else None
        if net["name"] == "ERR_BLOCKED_BY_RESPONSE" and detail in _BLOCKED_BY_RESPONSE:
            klass = _BLOCKED_BY_RESPONSE[detail]
            return Recognised(
                "not-cors", None, None, klass, url=url, network_error=name, not_cors=klass,
                detail=detail,
            )  # fmt: skip
        status = _STATUS_AFTER_ERROR.search(text)
        return Recognised("network-error", None, None, "network-error", url=url,
                          network_error=name, detail=detail,
                          status=status["status"] if status else None)  # fmt: skip
    if "has been blocked by CORS policy" in text:
        return Recognised("cors", "chromium", None, "cors", detail=text)
    if _FAILED_TO_FETCH.search(text):
        return Recognised("failed-to-fetch", None, None, "failed-to-fetch")
    return Recognised("unknown")
