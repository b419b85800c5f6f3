"""Chromium's words for a blocked request, byte for byte.

Theory of operation: a CORS failure in Chromium has a DevTools name (the
`corsErrorStatus.corsError` of `Network.loadingFailed`) and a parameter (the
offending header value, method or header name). This module turns the pair into
the console text Chromium 156 prints, as measured against the real browser
(tests/oracles/browsers/corpus.json and recorded.json). It owns only wording:
which failure happened is decided in `access.py` and `model.py`.

The console line is `Access to fetch at '<url>' [(redirected from '<first
url>') ]from origin '<page origin>' has been blocked by CORS policy: ` followed
by `reason_text(...)`. Blink's own checks (request mode) print a different
`Fetch API cannot load ...` line, and a `same-origin` request redirected to
another origin Blink's `Unsafe attempt to load URL ...` line, also here.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "PREFLIGHT_PREFIX",
    "REASONS",
    "blocked_line",
    "encode_hint",
    "no_cors_redirect_mode_line",
    "reason_text",
    "same_origin_mode_line",
    "unsafe_redirect_line",
]

#: What Chromium prepends to the preflight variants of the ACAO/ACAC sentences.
PREFLIGHT_PREFIX: Final = "Response to preflight request doesn't pass access control check: "

_VALID_VALUE: Final = " Have the server send the header with a valid value."

_WILDCARD: Final = (
    "The value of the 'Access-Control-Allow-Origin' header in the response must not be the "
    "wildcard '*' when the request's credentials mode is 'include'."
)
_MISSING: Final = "No 'Access-Control-Allow-Origin' header is present on the requested resource."

# `{}` is the failed parameter. The five ACAO/ACAC checks have a Preflight*
# twin with the same sentence after PREFLIGHT_PREFIX.
_ACCESS_SENTENCES: Final = {
    "WildcardOriginNotAllowed": _WILDCARD,
    "MissingAllowOriginHeader": _MISSING,
    "MultipleAllowOriginValues": (
        "The 'Access-Control-Allow-Origin' header contains multiple values '{}', but only one "
        "is allowed." + _VALID_VALUE
    ),
    "InvalidAllowOriginValue": (
        "The 'Access-Control-Allow-Origin' header contains the invalid value '{}'." + _VALID_VALUE
    ),
    "AllowOriginMismatch": (
        "The 'Access-Control-Allow-Origin' header has a value '{}' that is not equal to the "
        "supplied origin." + _VALID_VALUE
    ),
    "InvalidAllowCredentials": (
        "The value of the 'Access-Control-Allow-Credentials' header in the response is '{}' "
        "which must be 'true' when the request's credentials mode is 'include'."
    ),
}

_OTHER_SENTENCES: Final = {
    "PreflightInvalidStatus": PREFLIGHT_PREFIX + "It does not have HTTP ok status.",
    "PreflightDisallowedRedirect": (
        PREFLIGHT_PREFIX + "Redirect is not allowed for a preflight request."
    ),
    "InvalidAllowMethodsPreflightResponse": (
        "Cannot parse Access-Control-Allow-Methods response header field in preflight response."
    ),
    "InvalidAllowHeadersPreflightResponse": (
        "Cannot parse Access-Control-Allow-Headers response header field in preflight response."
    ),
    "MethodDisallowedByPreflightResponse": (
        "Method {} is not allowed by Access-Control-Allow-Methods in preflight response."
    ),
    "HeaderDisallowedByPreflightResponse": (
        "Request header field {} is not allowed by Access-Control-Allow-Headers in preflight "
        "response."
    ),
    "CorsDisabledScheme": (
        "Cross origin requests are only supported for protocol schemes: chrome, "
        "chrome-experimental-site-token-provider, chrome-extension, chrome-untrusted, data, "
        "http, https, isolated-app."
    ),
    # Chromium passes an empty parameter here: the location is printed as ''.
    "RedirectContainsCredentials": (
        "Redirect location '' contains a username and password, which is disallowed for "
        "cross-origin requests."
    ),
}

_TEMPLATES: Final = {
    **_ACCESS_SENTENCES,
    **{"Preflight" + name: PREFLIGHT_PREFIX + text for name, text in _ACCESS_SENTENCES.items()},
    **_OTHER_SENTENCES,
}

#: Every DevTools reason name the model can report.
REASONS: Final = frozenset(_TEMPLATES)


def encode_hint(value: str) -> str:
    """The failed parameter as Chromium prints it (third_party/blink/renderer/
    platform/loader/cors/cors_error_string.cc `EncodeHint`): byte by byte,
    printable ASCII as is, every other byte as `\\u` and four upper-case hex
    digits (a UTF-8 `é` is `\\u00C3\\u00A9`; measured, rule_cases.py
    `console-*`). `value` holds one character per byte, as response headers do."""
    if value.isascii() and value.isprintable():
        return value
    return "".join(char if " " <= char <= "~" else f"\\u{ord(char) & 0xFFFF:04X}" for char in value)


def reason_text(reason: str, failed_parameter: str = "") -> str:
    """The console text after "...has been blocked by CORS policy: "."""
    template = _TEMPLATES[reason]
    if "{}" not in template:
        return template
    return template.replace("{}", encode_hint(failed_parameter))


def blocked_line(
    *, url: str, initial_url: str, page_origin: str, reason: str, failed_parameter: str = ""
) -> str:
    """The full console line Chromium prints for a CORS failure at `url`."""
    redirected = f"(redirected from '{initial_url}') " if initial_url != url else ""
    return (
        f"Access to fetch at '{url}' {redirected}from origin '{page_origin}' has been blocked "
        f"by CORS policy: {reason_text(reason, failed_parameter)}"
    )


def same_origin_mode_line(*, url: str, page_origin: str) -> str:
    """Blink's line for `mode: "same-origin"` aimed at another origin."""
    return (
        f'Fetch API cannot load {url}. Request mode is "same-origin" but the URL\'s origin is '
        f"not same as the request origin {page_origin}."
    )


def no_cors_redirect_mode_line(*, url: str) -> str:
    """Blink's line for a cross-origin `no-cors` request whose redirect mode is not follow."""
    return (
        f'Fetch API cannot load {url}. Request mode is "no-cors" but the redirect mode is not '
        '"follow".'
    )


def unsafe_redirect_line(*, url: str, frame_url: str) -> str:
    """Blink's line for a `mode: "same-origin"` request redirected to `url`, another
    origin, from a page at `frame_url`. Measured in Chromium 156, with its newline."""
    return (
        f"Unsafe attempt to load URL {url} from frame with URL {frame_url}. "
        "Domains, protocols and ports must match.\n"
    )


# --- Firefox -----------------------------------------------------------------------
#
# Firefox logs one line per blocked request, from netwerk/protocol/http/
# nsCORSListenerProxy.cpp `LogBlockedRequest`, with a text from
# dom/locales/en-US/chrome/security/security.properties (quoted below as
# Firefox ESR 153 ships it, curly quotes included). The console category is
# the property's key; the outcome's `reason` is that key without the version
# digit Firefox appends when a text changes (`CORSMissingAllowOrigin2` is
# `CORSMissingAllowOrigin`), the names MDN's CORS error pages use.

_FIREFOX_PREFIX: Final = (
    "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote "
    "resource at {url}. (Reason: "
)

#: security.properties key -> the text after "(Reason: " (`{}` is the parameter,
#: `{status}` the response's status code).
FIREFOX_TEXTS: Final = {
    "CORSDisabled": "CORS disabled).",
    "CORSDidNotSucceed2": "CORS request did not succeed). Status code: {status}.",
    "CORSOriginHeaderNotAdded": "CORS header \u2018Origin\u2019 cannot be added).",
    "CORSExternalRedirectNotAllowed": "CORS request external redirect not allowed).",
    "CORSRequestNotHttp": "CORS request not http).",
    "CORSMissingAllowOrigin2": (
        "CORS header \u2018Access-Control-Allow-Origin\u2019 missing). Status code: {status}."
    ),
    "CORSMultipleAllowOriginNotAllowed": (
        "Multiple CORS header \u2018Access-Control-Allow-Origin\u2019 not allowed)."
    ),
    "CORSAllowOriginNotMatchingOrigin": (
        "CORS header \u2018Access-Control-Allow-Origin\u2019 does not match \u2018{}\u2019)."
    ),
    "CORSNotSupportingCredentials": (
        "Credential is not supported if the CORS header "
        "\u2018Access-Control-Allow-Origin\u2019 is \u2018*\u2019)."
    ),
    "CORSMethodNotFound": (
        "Did not find method in CORS header \u2018Access-Control-Allow-Methods\u2019)."
    ),
    "CORSMissingAllowCredentials": (
        "expected \u2018true\u2019 in CORS header \u2018Access-Control-Allow-Credentials\u2019)."
    ),
    "CORSPreflightDidNotSucceed3": (
        "CORS preflight response did not succeed). Status code: {status}."
    ),
    "CORSInvalidAllowMethod": (
        "invalid token \u2018{}\u2019 in CORS header \u2018Access-Control-Allow-Methods\u2019)."
    ),
    "CORSInvalidAllowHeader": (
        "invalid token \u2018{}\u2019 in CORS header \u2018Access-Control-Allow-Headers\u2019)."
    ),
    "CORSMissingAllowHeaderFromPreflight2": (
        "header \u2018{}\u2019 is not allowed according to header "
        "\u2018Access-Control-Allow-Headers\u2019 from CORS preflight response)."
    ),
}


def firefox_reason(key: str) -> str:
    """The outcome's reason for a security.properties key."""
    return key.rstrip("0123456789")


#: Every reason the model reports for Firefox.
FIREFOX_REASONS: Final = frozenset(firefox_reason(key) for key in FIREFOX_TEXTS)


def firefox_line(key: str, *, url: str, parameter: str = "", status: int | None = None) -> str:
    """Firefox's console line for the security.properties `key`. The
    credentials-with-`*` text alone quotes the URL (as Firefox's does)."""
    prefix = _FIREFOX_PREFIX.replace("{url}", url)
    if key == "CORSNotSupportingCredentials":
        prefix = prefix.replace(f"at {url}.", f"at \u2018{url}\u2019.")
    # No response at all (a network error) prints as "(null)" (measured).
    text = FIREFOX_TEXTS[key].replace("{status}", "(null)" if status is None else str(status))
    return prefix + text.replace("{}", parameter)


# --- WebKit ------------------------------------------------------------------------
#
# WebKit's texts come from Source/WebCore/loader/CrossOriginAccessControl.cpp
# (`passesAccessControlCheck`, `validatePreflightResponse`) and
# CrossOriginPreflightChecker.cpp; WebKitGTK 2.50 carries the same strings.
# WebKit has no names for its failures, so the model's `reason` is a stable
# name of ours, one per text (docs/scenario-format.md lists them). Note that a
# missing and a mismatching Access-Control-Allow-Origin print the same text.

#: Our reason name -> WebKit's text (`{origin}` the request's origin, `{}` the
#: parameter, `{status}` the status code).
WEBKIT_TEXTS: Final = {
    "AllowOriginNotMatching": (
        "Origin {origin} is not allowed by Access-Control-Allow-Origin. Status code: {status}"
    ),
    "AllowOriginMultiple": "Access-Control-Allow-Origin cannot contain more than one origin.",
    "AllowOriginWildcardWithCredentials": (
        "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true."
    ),
    "AllowCredentialsNotTrue": (
        'Credentials flag is true, but Access-Control-Allow-Credentials is not "true".'
    ),
    "PreflightNotSuccessful": "Preflight response is not successful. Status code: {status}",
    "AllowMethodsInvalid": "Header Access-Control-Allow-Methods has an invalid value: {}",
    "AllowHeadersInvalid": "Header Access-Control-Allow-Headers has an invalid value: {}",
    "MethodNotAllowed": "Method {} is not allowed by Access-Control-Allow-Methods.",
    "HeaderNotAllowed": "Request header field {} is not allowed by Access-Control-Allow-Headers.",
    # The next two are only printed inside WEBKIT_REDIRECT_PREFIX.
    "SchemeNotAllowed": (
        "not allowed to follow a cross-origin CORS redirection with non CORS scheme"
    ),
    "RedirectWithCredentials": "redirection URL {} has credentials",
    # Source/WebKit/NetworkProcess/NetworkLoadChecker.cpp checkRedirection.
    "RedirectModeError": "Not allowed to follow a redirection while loading {}",
    "TooManyRedirects": "Load cannot follow more than 20 redirections",
    # A redirect to a non-HTTP(S) URL outside `cors` mode, to ftp:, and a
    # preflight response libsoup cannot parse (measured in WebKitGTK 2.50).
    "RedirectNotHTTP": "Redirection to URL with a scheme that is not HTTP(S).",
    "FtpDisabled": "FTP URLs are disabled",
    "InvalidResponse": "Could not parse HTTP response",
}
#: What NetworkLoadChecker::checkRedirection (and the web process's own check
#: of a redirect) puts before the text of a CORS failure at a redirect:
#: `{}` is the redirect's target.
WEBKIT_REDIRECT_PREFIX: Final = (
    "Cross-origin redirection to {} denied by Cross-Origin Resource Sharing policy: "
)
#: The reasons WebKit prints inside WEBKIT_REDIRECT_PREFIX when they fail a
#: redirect: the CORS check of the 3xx, the scheme and the userinfo.
_WEBKIT_WRAPPED: Final = frozenset(
    {
        "AllowOriginNotMatching",
        "AllowOriginMultiple",
        "AllowOriginWildcardWithCredentials",
        "AllowCredentialsNotTrue",
        "SchemeNotAllowed",
        "RedirectWithCredentials",
    }
)

#: Chromium's reasons for refused redirects -> our WebKit names.
_WEBKIT_ALIASES: Final = {
    "CorsDisabledScheme": "SchemeNotAllowed",
    "RedirectContainsCredentials": "RedirectWithCredentials",
}

#: Every reason the model reports for WebKit.
WEBKIT_REASONS: Final = frozenset(WEBKIT_TEXTS)


def webkit_line(reason: str, *, origin: str, parameter: str = "", status: int | None = None) -> str:
    """WebKit's console text for our `reason` name."""
    text = WEBKIT_TEXTS[reason].replace("{status}", str(status if status is not None else 0))
    return text.replace("{origin}", origin).replace("{}", parameter)


def webkit_mode_line(*, url: str) -> str:
    """What WebKit prints (a script error) when `fetch()` refuses a request
    itself: a `same-origin` request to another origin (measured)."""
    return f"Fetch API cannot load {url}."


def webkit_no_cors_redirect_mode_line() -> str:
    """WebKit's line for a cross-origin `no-cors` request whose redirect mode
    is not `follow` (measured; it names no URL)."""
    return "No-Cors mode requires follow redirect mode"


def webkit_bad_port_line(*, port: int | str, url: str) -> str:
    """WebKit's line for a request to one of Fetch's bad ports, the first
    hop or a redirect's (measured; WebCore's PortBlocking)."""
    return f"Not allowed to use restricted network port {port}: {url}"


def webkit_unsafe_redirect_line(*, url: str, page_origin: str) -> str:
    """WebKit's line for a `same-origin` request redirected to another origin
    (NetworkLoadChecker.cpp continueCheckingRequest; the text ends in a
    newline there too)."""
    return (
        f"Unsafe attempt to load URL {url} from origin {page_origin}. "
        "Domains, protocols and ports must match.\n"
    )


def webkit_redirect_line(reason: str, *, target: str | None, line: str) -> str:
    """`line` as WebKit prints it when `reason` failed a redirect to `target`
    (None: not at a redirect)."""
    if target is None or reason not in _WEBKIT_WRAPPED:
        return line
    return WEBKIT_REDIRECT_PREFIX.replace("{}", target) + line


def webkit_network_reason(
    name: str, *, failed_at: str, mode: str, target: str | None, scheme: str
) -> str | None:
    """Our WebKit reason for what the model calls the network error `name`
    (Chromium's net::ERR_* names), at `failed_at`, for a request in `mode`
    redirected to `target` (a URL of `scheme`; None: no redirect); None when
    WebKit prints nothing."""
    if name == "net::ERR_TOO_MANY_REDIRECTS":
        return "TooManyRedirects"
    if name == "net::ERR_INVALID_HTTP_RESPONSE":
        return "InvalidResponse" if failed_at == "preflight" else None
    if failed_at == "redirect" and target is not None and name in _WEBKIT_REDIRECT_ERRORS:
        if scheme == "ftp":
            return "FtpDisabled"
        if mode == "cors":
            return "SchemeNotAllowed"
        # Outside `cors` mode a Location that does not parse fails unlogged.
        return "RedirectNotHTTP" if scheme else None
    return None


#: The network errors of a redirect WebKit refuses for its target's scheme
#: (an unparsable Location has no scheme).
_WEBKIT_REDIRECT_ERRORS: Final = frozenset(
    {"net::ERR_UNSAFE_REDIRECT", "net::ERR_UNKNOWN_URL_SCHEME", "net::ERR_INVALID_REDIRECT"}
)


def engine_failure(
    checks: str,
    key: str,
    parameter: str = "",
    *,
    url: str,
    request_origin: str,
    status: int | None,
    redirect_target: str | None = None,
    redirect_scheme: str = "",
) -> tuple[str, str]:
    """(reason, console line) of a CORS failure in Firefox (`checks` "gecko",
    `key` a security.properties key) or WebKit ("webkit", `key` our name;
    `redirect_target` the target of the redirect it failed, if any)."""
    if checks == "gecko":
        return firefox_reason(key), firefox_line(key, url=url, parameter=parameter, status=status)
    key = _WEBKIT_ALIASES.get(key, key)
    if key == "SchemeNotAllowed" and redirect_scheme == "ftp":
        key = "FtpDisabled"
    line = webkit_line(key, origin=request_origin, parameter=parameter, status=status)
    return key, webkit_redirect_line(key, target=redirect_target, line=line)
