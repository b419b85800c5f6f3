"""Captured traffic explained: a HAR's requests, console lines, a pasted error.

Theory of operation: `har.rebuild` runs the model over each recorded
request, `not_cors.detect` reads the look-alikes off the same evidence,
`errors.recognise` reads the browser's own console lines; this module puts
them into one `ExplainedRequest` per request (the JSON of `crossorigin
explain`, docs/explain.md). When the browser's line and the model disagree,
both are kept (`browser_reason`, `disagreement`): nothing is hidden.
Sensitive header values (cookies, credentials, tokens) are replaced by
`<hidden>` in the evidence unless `show_secrets`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Final, TypedDict

from crossorigin.browser import Exchange, FetchRequest, HTTPResponse, Trace
from crossorigin.browser.access import combined_value
from crossorigin.explain.errors import (
    CHROMIUM_EQUIVALENT,
    FAILED_TO_FETCH_CAUSES,
    Recognised,
    recognise,
)
from crossorigin.explain.fixes import STACKS
from crossorigin.explain.har import Entry, Rebuilt
from crossorigin.explain.not_cors import LOGIN_URL as _LOGIN_URL
from crossorigin.explain.not_cors import Evidence, Finding, decisive, detect
from crossorigin.explain.reasons import NETWORK_ERRORS, explain_trace
from crossorigin.explain.stacks import detect_stack

__all__ = [
    "ExplainedRequest",
    "console_failures",
    "console_only",
    "explain_error",
    "explain_rebuilt",
    "hide_secrets",
    "is_sensitive",
    "match_console",
]

_SENSITIVE: Final = re.compile(
    r"^(cookie|set-cookie|authorization|proxy-authorization|x-api-key|api-key|"
    r".*(token|secret|session|password|auth).*)$",
    re.IGNORECASE,
)
_DECIDING: Final = (
    "origin", "access-control-request-method", "access-control-request-headers",
    "access-control-allow-origin", "access-control-allow-credentials",
    "access-control-allow-methods", "access-control-allow-headers",
    "access-control-expose-headers", "location", "vary", "server", "via",
    "cross-origin-resource-policy", "set-cookie", "cookie", "content-type",
)  # fmt: skip


class ExplainedRequest(TypedDict):
    url: str
    method: str
    page_origin: str | None
    allowed: bool | None
    reason: str | None
    cause: str
    not_cors: str | None
    fix: dict[str, str] | None
    summary: str
    evidence: list[str]
    notes: list[str]
    preflight: str
    stack: list[str]
    browser_reason: str | None
    console: str | None
    disagreement: str | None


#: A query parameter whose name says it carries a credential.
#: Names are bounded (128 characters each side of the word), so a long run
#: of `?tokentoken...` without `=` is given up on within 256 characters of
#: each `?` or `&`, not after a scan to the end of the text.
_SECRET_PARAMETER: Final = re.compile(
    r"(?i)([?&][^=&\s'\"#]{0,128}?(?:token|secret|password|passwd|auth|key|session|signature|sig)"
    r"[^=&\s'\"#]{0,128}=)[^&\s'\"#]+"
)


def hide_secrets(value: object) -> object:
    """`value` (a result, or any part) with credential-bearing query values
    in URLs replaced by `<hidden>` (`?access_token=...`, `&api_key=...`)."""
    if isinstance(value, str):
        return _SECRET_PARAMETER.sub(r"\1<hidden>", value)
    if isinstance(value, list):
        return [hide_secrets(item) for item in value]
    if isinstance(value, dict):
        return {key: hide_secrets(item) for key, item in value.items()}
    return value


def is_sensitive(name: str) -> bool:
    return bool(_SENSITIVE.match(name))


def _shown(name: str, value: str, show_secrets: bool) -> str:
    return f"{name}: {value if show_secrets or not is_sensitive(name) else '<hidden>'}"


def _evidence(
    exchanges: Iterable[Exchange], show_secrets: bool, preflight: str = "recorded"
) -> list[str]:
    lines = []
    for exchange in exchanges:
        kind = exchange.kind
        if kind == "preflight" and preflight == "inferred":
            kind = "preflight (inferred: not in the recording; what it must have answered)"
        sent = [
            _shown(name, value, show_secrets)
            for name, value in exchange.request_headers
            if name.lower() in _DECIDING or name.lower().startswith("access-control-")
        ]
        got = [
            _shown(name, value, show_secrets)
            for name, value in exchange.response.headers
            if name.lower() in _DECIDING or name.lower().startswith("access-control-")
        ]
        lines.append(
            f"{kind} {exchange.method} {exchange.url} -> {exchange.response.status}"
            + (f"; sent {'; '.join(sent)}" if sent else "")
            + (f"; got {'; '.join(got) if got else 'no CORS headers'}")
        )
    return lines


def match_console(lines: Iterable[str], browser: str | None) -> dict[str, list[Recognised]]:
    """Console lines recognised, keyed by the URL they name."""
    found: dict[str, list[Recognised]] = {}
    for line in lines:
        if not line.strip():
            continue
        recognised = recognise(line, browser=browser)
        # A redirected request's line names the final URL and the first one;
        # the recording lists the request under its first URL.
        for url in {recognised.url, recognised.initial_url} - {None}:
            assert url is not None
            found.setdefault(url, []).append(recognised)
    return found


def console_failures(console: Mapping[str, list[Recognised]]) -> dict[str, str | None]:
    """URL -> the CORS reason the console gave for it, in Chromium's words
    (None when the line names none): what `har.rebuild` holds the recording
    to when it lacks the failure."""
    failures: dict[str, str | None] = {}
    for url, said in console.items():
        lines = [line for line in said if line.kind == "cors"]
        if lines:
            failures[url] = _chromium_reason(lines[0])
    return failures


#: Requests known only from the console, at most (a console of thousands of
#: distinct failing URLs is a flood, not a session to read one by one).
MAX_CONSOLE_ONLY: Final = 1000


def console_only(
    lines: Iterable[str], recorded_urls: Iterable[str], browser: str | None
) -> list[ExplainedRequest]:
    """The failures the console names for requests the recording does not
    hold, one per URL: a request refused before it existed (a CSP
    `connect-src` refusal is in no Network panel and no HAR) is known only
    from its console line."""
    seen = set(recorded_urls)
    found: list[ExplainedRequest] = []
    for line in lines:
        if len(found) >= MAX_CONSOLE_ONLY:
            break
        if not line.strip():
            continue
        recognised = recognise(line, browser=browser)
        if recognised.kind not in ("cors", "not-cors") or not recognised.url:
            continue
        if recognised.url in seen or recognised.initial_url in seen:
            continue
        seen.add(recognised.url)
        result = explain_error(line, browser=browser)
        result["notes"].insert(
            0,
            "This request is not in the recording: the browser refused it before sending "
            "it, and only its console line names it.",
        )
        found.append(result)
    return found


def _chain_evidence(rebuilt: Rebuilt, page: tuple[tuple[str, str], ...]) -> Evidence:
    entry = rebuilt.entry
    responses = tuple(
        (hop.url, hop.status, hop.response_headers, hop.mime_type)
        for hop in rebuilt.hops
        if hop.status != 0
    )
    return Evidence(
        page_origin=rebuilt.page_origin,
        url=entry.url,
        method=entry.method,
        request_headers=entry.request_headers,
        has_cookies=entry.has_cookies,
        responses=responses,
        error=entry.error,
        page_headers=page,
    )


def _chromium_reason(line: Recognised) -> str | None:
    """Chromium's name for the check the line reports (the explanation
    table's key), whichever engine printed it."""
    if line.engine == "chromium":
        return line.reason
    return CHROMIUM_EQUIVALENT.get(line.reason or "")


def _console_findings(said: Sequence[Recognised]) -> list[Finding]:
    """Look-alikes only the console shows when the recording has no response:
    the status on DevTools' network line, the URL a request was redirected to."""
    found = []
    for line in said:
        if line.status in ("502", "503", "504"):
            found.append(
                Finding(
                    "gateway-error",
                    f"the console shows {line.network_error} {line.status} for {line.url}: a "
                    "gateway or proxy error page, which has no CORS headers",
                )
            )
        if line.initial_url and line.url and _LOGIN_URL.search(line.url):
            found.append(
                Finding(
                    "redirect-to-login",
                    f"the console shows {line.initial_url} redirected to {line.url}, a login page",
                )
            )
    return found


def _read_disagreement(entry: Entry, trace: Trace) -> str | None:
    """Where what the page's script read (the recording's `_fetch`) is not
    what the model lets it read."""
    if entry.script is None or not trace.allowed:
        return None
    differ = [
        name
        for name, got in entry.script.read_headers
        if (got is None) != (trace.readable_headers.get(name.lower()) is None)
    ]
    if not differ:
        return None
    return (
        "the page's script read "
        + ", ".join(
            f"{name} as {'null' if got is None else 'a value'}"
            for name, got in entry.script.read_headers
            if name in differ
        )
        + "; the model, from the recorded headers, says otherwise. The response the script "
        "read may not be the one recorded."
    )


def _fix(fixes: Mapping[str, str], stack: Sequence[str]) -> dict[str, str] | None:
    if not fixes:
        return None
    chosen = [name for name in stack if name in fixes] or list(STACKS)
    return {name: fixes[name] for name in chosen if name in fixes}


def explain_rebuilt(
    rebuilt: Rebuilt,
    console: Mapping[str, list[Recognised]] | None = None,
    *,
    page_headers: tuple[tuple[str, str], ...] = (),
    show_secrets: bool = False,
) -> ExplainedRequest:
    entry = rebuilt.entry
    trace = rebuilt.trace
    findings = detect(_chain_evidence(rebuilt, page_headers))
    said = (console or {}).get(entry.url, [])
    cors_lines = [line for line in said if line.kind != "network-error"]
    browser_line = cors_lines[0] if cors_lines else None
    if trace is None:
        findings.extend(_console_findings(said))
    notes: list[str] = []
    evidence: list[str] = []
    stack: list[str] = []
    fix: dict[str, str] | None = None
    if trace is not None:
        explanation = explain_trace(trace)
        stack, stack_why = detect_stack(trace.exchanges)
        allowed: bool | None = trace.allowed
        reason, cause, summary = trace.reason, explanation.cause, explanation.summary
        evidence = _evidence(trace.exchanges, show_secrets, rebuilt.preflight)
        cookie = combined_value(entry.request_headers, "cookie")
        if cookie is not None:
            # The model's exchanges hold what the script set; whether the
            # browser sent the user's cookie is the recording's to say.
            evidence.append(f"the browser sent {_shown('Cookie', cookie, show_secrets)}")
        if stack_why:
            evidence.append(f"stack: {stack_why}")
        notes.extend(explanation.notes)
        fix = _fix(explanation.fix_by_stack, stack)
        failure = rebuilt.recorded_failure
        if allowed and failure:
            # The browser's word wins: something other than the CORS check
            # (a resource policy, an extension, an abort) failed it.
            allowed, cause, fix = False, "network-error", None
            summary = (
                f"The browser failed this request ({failure}) although its CORS headers "
                "pass: something other than the CORS check refused it."
            )
        read_disagreement = _read_disagreement(entry, trace)
        if rebuilt.credentials_inferred:
            notes.append(
                "The recording holds no Cookie, but the browser failed this request the way "
                "only a credentialed request fails, so the page used credentials: 'include' "
                "(no cookie was sent: none was stored for the API's site, or third-party "
                "cookies are blocked)."
            )
    else:
        allowed, reason, cause = False, None, "no-response"
        summary = (
            "The recording holds no response for this request: the browser blocked it or it "
            "failed before an answer" + (f" ({entry.error})." if entry.error else ".")
        )
        if entry.error and entry.error in NETWORK_ERRORS:
            summary += " " + NETWORK_ERRORS[entry.error]
        if browser_line is None:
            notes.append(
                "Give the console log (--console) or paste the console line (--error): the "
                "browser's own line names the reason."
            )
    if rebuilt.preflight == "inferred":
        notes.append(
            "The browser sent a preflight the recording does not list (Chromium hides "
            "preflights from the Network panel): since the request itself went out, the "
            "preflight must have answered with the Access-Control-Allow-* headers the "
            "evidence shows for it."
        )
    elif rebuilt.preflight == "unknown":
        notes.append(
            "The request needed a preflight and the recording holds neither the preflight "
            "nor a response: the preflight probably failed (it must answer 2xx with "
            "Access-Control-Allow-Origin for the page's origin, the method and the headers)."
        )
    disagreement = read_disagreement if trace is not None else None
    said_reason = _chromium_reason(browser_line) if browser_line is not None else None
    if browser_line is not None and browser_line.kind == "cors" and browser_line.reason:
        if trace is None and said_reason is not None:
            # Nothing recorded to run the model on: explain what the browser said.
            told = explain_trace(_trace_for(replace(browser_line, reason=said_reason), ""))
            reason, cause = browser_line.reason, told.cause
            summary = f"{told.summary} (From the console: the recording holds no response.)"
            fix = _fix(told.fix_by_stack, stack)
            notes.extend(
                [
                    *told.notes,
                    "The failing response is not in the recording, so a look-alike cannot be "
                    "ruled out: a gateway error page (502/503/504) or a redirect to a login "
                    "page also lacks CORS headers. The Network panel's status (or DevTools' "
                    "'GET URL net::ERR_FAILED 502' console line) tells them apart.",
                ]
            )
        elif trace is None:
            reason, cause = browser_line.reason, "cors"
            summary = f"The browser reports {browser_line.reason}; the recording holds no response."
        elif allowed or reason not in (said_reason, browser_line.reason):
            disagreement = (
                f"{browser_line.engine} reported {browser_line.reason}; the model, from the "
                f"recorded headers, says {reason or 'allowed'}. The recording may lack what the "
                "browser saw (a hidden preflight, a cached preflight, a service worker), or "
                "the server answered differently each time."
            )
    elif browser_line is not None and browser_line.kind == "cors":
        # An engine whose lines are recognised by shape only (no reason name).
        said_text = browser_line.parameter or "a CORS failure"
        notes.insert(0, f"The {browser_line.engine} console says: {said_text}.")
        if allowed:
            disagreement = (
                f"{browser_line.engine} reported a CORS failure ({said_text}); the model, "
                "from the recorded headers, allows the request."
            )
    elif browser_line is not None and browser_line.not_cors:
        findings.append(Finding(browser_line.not_cors, f"the console says: {browser_line.cause}"))
    not_cors = decisive(findings, failed=not allowed)
    for finding in findings:
        evidence.append(f"{finding.klass}: {finding.evidence}")
    if not_cors is not None:
        cause = not_cors.klass
        summary = f"Not a CORS problem: {not_cors.evidence}. " + (
            "The CORS failure the browser reports is a symptom." if not allowed else ""
        )
        summary = summary.strip()
    return ExplainedRequest(
        url=entry.url,
        method=entry.method,
        page_origin=rebuilt.page_origin,
        allowed=allowed,
        reason=reason,
        cause=cause,
        not_cors=not_cors.klass if not_cors else None,
        fix=fix if not_cors is None else None,
        summary=summary,
        evidence=evidence,
        notes=notes,
        preflight=rebuilt.preflight,
        stack=stack,
        browser_reason=browser_line.reason if browser_line else None,
        console=None,
        disagreement=disagreement,
    )


# --- a pasted line -------------------------------------------------------------------

_PREFLIGHT_REASONS: Final = frozenset(
    {
        "InvalidAllowMethodsPreflightResponse",
        "InvalidAllowHeadersPreflightResponse",
        "MethodDisallowedByPreflightResponse",
        "HeaderDisallowedByPreflightResponse",
    }
)
_HEADER_OF: Final = {
    "AllowOriginMismatch": "Access-Control-Allow-Origin",
    "MultipleAllowOriginValues": "Access-Control-Allow-Origin",
    "InvalidAllowOriginValue": "Access-Control-Allow-Origin",
    "InvalidAllowCredentials": "Access-Control-Allow-Credentials",
}


_PLACEHOLDER_URL: Final = "https://unknown.invalid"


def _trace_for(recognised: Recognised, line: str) -> Trace:
    """A trace that fails as the line says, for the explanation table."""
    reason = recognised.reason or ""
    base = reason.removeprefix("Preflight") if reason != "PreflightInvalidStatus" else reason
    preflight = reason.startswith("Preflight") or reason in _PREFLIGHT_REASONS
    parameter = recognised.parameter or ""
    credentials = base in ("WildcardOriginNotAllowed", "InvalidAllowCredentials")
    headers: list[tuple[str, str]] = []
    if base in _HEADER_OF:
        headers.append((_HEADER_OF[base], parameter))
    elif base == "WildcardOriginNotAllowed":
        headers.append(("Access-Control-Allow-Origin", "*"))
    url = recognised.url or _PLACEHOLDER_URL + "/"
    origin = recognised.origin or "null"
    method = parameter if reason == "MethodDisallowedByPreflightResponse" else "GET"
    request = FetchRequest(
        page_origin=origin,
        url=url,
        method=method or "GET",
        credentials="include" if credentials else "same-origin",
    )
    exchange = Exchange(
        "preflight" if preflight else "actual", "OPTIONS" if preflight else method, url,
        (("Origin", origin),), HTTPResponse(200, tuple(headers)),
    )  # fmt: skip
    return Trace(
        request=request,
        exchanges=(exchange,),
        allowed=False,
        failed_at="preflight" if preflight else "actual",
        reason=reason,
        failed_parameter=parameter,
        console=line,
        error=None,
        response_type="error",
        readable_headers={},
        request_origin=origin,
        tainted=False,
        unsafe_header_names=(parameter.lower(),)
        if reason == "HeaderDisallowedByPreflightResponse"
        else (),
        final_url=url,
    )


def explain_error(line: str, *, browser: str | None = None) -> ExplainedRequest:
    """A pasted console line explained (no network, no HAR)."""
    found = recognise(line, browser=browser)
    result = ExplainedRequest(
        url=found.url or "",
        method="",
        page_origin=found.origin,
        allowed=False,
        reason=found.reason,
        cause=found.cause,
        not_cors=found.not_cors,
        fix=None,
        summary="",
        evidence=[],
        notes=[],
        preflight="unknown",
        stack=[],
        browser_reason=found.reason,
        console=line.strip(),
        disagreement=None,
    )
    chromium_reason = _chromium_reason(found)
    if found.kind == "cors" and chromium_reason:
        explanation = explain_trace(_trace_for(replace(found, reason=chromium_reason), line))
        summary = explanation.summary
        if chromium_reason == "PreflightInvalidStatus":
            summary = summary.replace("got status 200", "got a status other than 2xx")
        result["summary"] = summary
        result["cause"] = explanation.cause
        result["fix"] = _fix(explanation.fix_by_stack, [])
        # Without the URL or the origin in the line, advice built from them
        # (the proxy command line) would name placeholders: left out.
        known = found.url is not None and found.origin is not None
        result["notes"] = [
            note for note in explanation.notes if known or _PLACEHOLDER_URL not in note
        ]
        if found.initial_url:
            result["notes"].insert(0, f"The request was redirected from {found.initial_url}.")
    elif found.kind == "cors" and (found.reason or found.cause) in _WEBKIT_NETWORK_ERRORS:
        # WebKit's words for what Chromium reports as a network error: the
        # explanation is that error's.
        result["cause"], name = _WEBKIT_NETWORK_ERRORS[found.reason or found.cause]
        result["summary"] = NETWORK_ERRORS[name]
    elif found.kind == "cors" and (found.reason or found.cause) in _ENGINE_ONLY:
        result["cause"], result["summary"] = _ENGINE_ONLY[found.reason or found.cause]
    elif found.kind == "cors":
        what = f" ({found.parameter})" if found.parameter else ""
        result["summary"] = (
            f"A CORS failure reported by {found.engine}{what}. Run `crossorigin check "
            f"{found.url or 'URL'} --origin ORIGIN` to see the server's answer and the fix."
        )
    elif found.kind == "not-cors":
        result["summary"] = _NOT_CORS_WORDS[found.not_cors or ""].format(
            url=found.url,
            page=found.initial_url,
            parameter=found.parameter or "",
            parameter_or_csp=found.parameter or "its connect-src directive",
            detail=found.detail or "no detail",
        )
    elif found.kind == "network-error":
        told = NETWORK_ERRORS.get(found.network_error or "")
        if found.network_error == "net::ERR_FAILED":
            told = (
                "Chromium's generic failure: beside a CORS failure it is the second line of "
                "the pair; find the 'Access to fetch at ... has been blocked by CORS policy' "
                "line above it and paste that instead"
            )
        result["summary"] = (
            f"Network error {found.network_error}, not a CORS error: "
            + (told or "the request failed before any CORS check (DNS, connection, TLS, an "
               "extension); the server's CORS configuration cannot cause it.")
        )  # fmt: skip
    elif found.kind == "failed-to-fetch":
        result["summary"] = (
            "The script's error alone does not say why: several failures end in it. Look in "
            "the console and the Network panel for the evidence that tells them apart."
        )
        result["notes"] = [f"{name}: {how}" for name, how in FAILED_TO_FETCH_CAUSES]
    else:
        result["cause"] = "unrecognised"
        result["summary"] = (
            "Not a CORS failure message this tool recognises (Chromium's CORS lines, "
            "net::ERR_* names, CSP, mixed content, CORP/COEP, Local Network Access, Firefox's "
            "'Cross-Origin Request Blocked' and WebKit's 'not allowed by "
            "Access-Control-Allow-Origin' shapes)."
        )
    return result


_NOT_CORS_WORDS: Final = {
    "csp": (
        "Not CORS: the page's own Content-Security-Policy refused to connect to {url} "
        "({parameter_or_csp}). The request was never sent. Add the API's origin to connect-src in "
        "the page's CSP header or meta tag; no change on the API helps."
    ),
    "mixed-content": (
        "Not CORS: the page {page} is https and requested {url} over http; the browser "
        "blocks it before sending. Serve the API over https. (Chromium and Firefox allow "
        "http://localhost and 127.0.0.1; Safari does not.)"
    ),
    "local-network-access": (
        "Not a CORS header problem: Local Network Access. A page on a more public address "
        "space called {url} on a private or loopback address; Chromium requires the user's "
        "permission (and a secure page). {parameter}"
    ),
    "coep": (
        "Not CORS: the page is cross-origin isolated (Cross-Origin-Embedder-Policy: "
        "require-corp) and the response from {url} has no Cross-Origin-Resource-Policy "
        "({detail}). Have that server send Cross-Origin-Resource-Policy: cross-origin (or "
        "answer the request with CORS and load it with mode 'cors' / crossorigin)."
    ),
    "corp": (
        "Not CORS: the response from {url} carries a Cross-Origin-Resource-Policy that "
        "forbids this page ({detail}). Send Cross-Origin-Resource-Policy: cross-origin (or "
        "same-site when the page is on the same site)."
    ),
}


#: WebKit's reasons (and recogniser causes) for failures Chromium reports as
#: network errors (see `messages.webkit_network_reason`): (cause, that error).
_WEBKIT_NETWORK_ERRORS: Final = {
    "TooManyRedirects": ("network-error", "net::ERR_TOO_MANY_REDIRECTS"),
    "InvalidResponse": ("network-error", "net::ERR_INVALID_HTTP_RESPONSE"),
    "RedirectNotHTTP": ("redirect", "net::ERR_UNSAFE_REDIRECT"),
    "bad-port": ("network-error", "net::ERR_UNSAFE_PORT"),
}

#: Failures with no Chromium reason (Firefox's and WebKit's reason names),
#: and the lines where fetch() refused a request itself (the recogniser's
#: cause): (cause, explanation).
_ENGINE_ONLY: Final = {
    "same-origin-mode": (
        "request-mode",
        "The script called fetch() with mode: 'same-origin' for a URL on another origin: "
        "the browser refuses it before sending. Use the default mode ('cors') and answer "
        "with CORS headers; no server change alone helps.",
    ),
    "no-cors-redirect-mode": (
        "request-mode",
        "A mode: 'no-cors' request must follow redirects: with redirect: 'error' or "
        "'manual' the browser refuses it before sending; no server change helps.",
    ),
    "unsafe-redirect": (
        "redirect",
        "A mode: 'same-origin' request was redirected to another origin, and the browser "
        "stopped there. Request the final URL, or keep the redirect on the page's origin.",
    ),
    "access-control-checks": (
        "cors",
        "WebKit's summary line for a failed CORS check of this URL: the console line just "
        "before it (e.g. 'Origin ... is not allowed by Access-Control-Allow-Origin', or a "
        "preflight line) names the reason; paste that line.",
    ),
    "RedirectModeError": (
        "redirect-mode",
        "The server redirected, and the script asked fetch() not to follow redirects "
        "(redirect: 'error'): request the final URL, or drop redirect: 'error'. No CORS "
        "header helps.",
    ),
    "CORSDidNotSucceed": (
        "network-error",
        "Firefox got no response at all (the server is unreachable, the connection was "
        "refused or reset, a TLS or DNS failure, an extension blocked it): not a CORS header "
        "problem. 'Status code: (null)' confirms no response came back.",
    ),
    "CORSDisabled": (
        "cors-disabled",
        "CORS is disabled in this Firefox (content.cors.disable in about:config): every "
        "cross-origin request fails; no server change helps.",
    ),
    "CORSExternalRedirectNotAllowed": (
        "redirect",
        "The request was redirected to a location Firefox will not follow for CORS (an "
        "extension or a non-http(s) target); request the final URL directly.",
    ),
    "CORSOriginHeaderNotAdded": (
        "request-rejected",
        "Firefox could not add the Origin header to the request (an extension or a "
        "privacy setting interfering); no server change helps.",
    ),
}
