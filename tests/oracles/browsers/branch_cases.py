"""Cases for the branches of the browser model that no rule or WPT case took,
each recorded in real Chromium, Firefox and WebKit (`record_cases.py --only
branch-`).

Theory of operation: a branch coverage run of the recorded-case tests over
src/crossorigin/browser/ and src/crossorigin/fetch_tables.py listed the
branches no recorded case reached (the wildcard and credentials rules of the
CORS check, a redirected preflight, request modes, method and header-name
validation, the safelist's value grammars, exposed response headers, the
preflight cache's per-header entries, bad ports). Each entry below takes one
such branch, or expresses a web-platform-tests subtest of a file wpt_cases.py
does not, and names its source. The format is rule_cases.py's.
"""

from __future__ import annotations

from typing import Any

from rule_cases import (
    CORS_CHECK,
    OTHER,
    PAGE,
    TARGET,
    Entry,
    Scenario,
    answer,
    scenario,
)

SAME = PAGE + "/{sid}/p"

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"
MAX_AGE = "Access-Control-Max-Age"
ANY = (ACAO, "*")
MINE = (ACAO, PAGE)

FIREFOX_CHECK = "Firefox netwerk/protocol/http/nsCORSListenerProxy.cpp CheckRequestApproved"
WEBKIT_CHECK = "WebKit Source/WebCore/loader/CrossOriginAccessControl.cpp passesAccessControlCheck"
PREFLIGHT = (
    "Fetch §4.8 CORS-preflight fetch; Chromium services/network/cors/preflight_result.cc, "
    "preflight_controller.cc"
)
MODES = "Fetch §4.1 main fetch (mode checks); Chromium services/network/cors/cors_url_loader.cc"
METHODS = "Fetch §5.4 Request constructor (method); WPT fetch/api/request/request-init-001.sub.html"
HEADERS = (
    "Fetch §2.2.2 forbidden request-header, CORS-safelisted request-header; "
    "WPT fetch/api/basic/request-forbidden-headers.any.js, "
    "cors/cors-safelisted-request-header.any.js"
)
NORMALIZE = (
    "Fetch §5.2 Headers append (normalize); WPT fetch/api/headers/header-values-normalize.any.js"
)
EXPOSE = (
    "Fetch §4.1 main fetch (CORS-exposed header-name list), §2.2.6 filtered response; "
    "WPT cors/access-control-expose-headers-parsing.window.js, fetch/api/cors/cors-filtering.js"
)
REDIRECTS = "Fetch §4.4 HTTP-redirect fetch; WPT fetch/api/redirect/redirect-mode.any.js"
CACHE = (
    "Fetch §4.9 CORS-preflight cache; Firefox nsCORSListenerProxy.cpp nsPreflightCache; "
    "WebKit CrossOriginPreflightResultCache.cpp"
)
BAD_PORT = (
    "Fetch §2.9 port blocking (bad port); Chromium net/base/port_util.cc kRestrictedPorts; "
    "WPT fetch/api/request/request-bad-port.any.js"
)
BODIES = "Fetch §5.1 extract a body (Content-Type); WPT fetch/api/basic/request-upload.any.js"


def entry(name: str, area: str, source: str, value: Any) -> Entry:
    key = "steps" if isinstance(value, list) else "scenario"
    return {"name": f"branch-{name}", "area": area, "source": source, key: value}


def allowing(*extra: tuple[str, str], methods: str = "PUT") -> Scenario:
    return answer(204, MINE, (ACAM, methods), (ACAH, "x-a"), *extra)


def cors_check_cases() -> list[Entry]:
    source = f"{CORS_CHECK}; {FIREFOX_CHECK}; {WEBKIT_CHECK}"
    with_credentials = [
        ("wildcard-credentials", [ANY]),
        ("no-acac", [MINE]),
        ("acac-upper", [MINE, (ACAC, "TRUE")]),
        ("acac-padded", [MINE, (ACAC, " true ")]),
        ("acac-two-lines", [MINE, (ACAC, "true"), (ACAC, "true")]),
        ("acac-false", [MINE, (ACAC, "false")]),
        ("allowed", [MINE, (ACAC, "true")]),
        ("acao-null", [(ACAO, "null"), (ACAC, "true")]),
        ("acao-same-twice", [MINE, MINE, (ACAC, "true")]),
    ]
    entries = [
        entry(
            f"check-include-{label}",
            "cors-check",
            source,
            scenario(credentials="include", actual=answer(200, *headers)),
        )
        for label, headers in with_credentials
    ]
    entries += [
        entry(
            "check-same-origin-credentials-wildcard",
            "cors-check",
            source,
            scenario(credentials="same-origin", actual=answer(200, ANY)),
        ),
        entry(
            "check-acao-null-page",
            "cors-check",
            source,
            scenario(actual=answer(200, (ACAO, "null"))),
        ),
        entry(
            "check-acao-star-twice",
            "cors-check",
            source,
            scenario(actual=answer(200, ANY, ANY)),
        ),
        entry(
            "check-status-500-allowed",
            "cors-check",
            f"{source}; WPT cors/status.htm",
            scenario(actual=answer(500, ANY)),
        ),
        entry(
            "check-status-404-no-acao",
            "cors-check",
            f"{source}; WPT cors/status.htm",
            scenario(actual=answer(404)),
        ),
    ]
    preflights = [
        ("wildcard-credentials", "include", answer(204, ANY, (ACAM, "PUT"))),
        ("no-acac", "include", answer(204, MINE, (ACAM, "PUT"))),
        ("acac-upper", "include", answer(204, MINE, (ACAM, "PUT"), (ACAC, "True"))),
        ("redirect-301", "omit", answer(301, MINE, (ACAM, "PUT"), ("Location", "/x"))),
        ("redirect-307", "omit", answer(307, MINE, (ACAM, "PUT"), ("Location", "/x"))),
        ("redirect-no-acao", "omit", answer(302, ("Location", "/x"))),
        ("missing-acao", "omit", answer(204, (ACAM, "PUT"))),
        ("acao-mismatch", "omit", answer(204, (ACAO, OTHER), (ACAM, "PUT"))),
    ]
    for label, credentials, response in preflights:
        entries.append(
            entry(
                f"preflight-{label}",
                "preflight",
                f"{PREFLIGHT}; {FIREFOX_CHECK}",
                scenario(
                    method="PUT",
                    credentials=credentials,
                    preflight=response,
                    actual=answer(200, MINE, (ACAC, "true")),
                ),
            )
        )
    return entries


def preflight_list_cases() -> list[Entry]:
    rows: list[tuple[str, str, list[tuple[str, str]], str, Any]] = [
        ("method-lower", "patch", [], "omit", answer(204, MINE, (ACAM, "PATCH"))),
        ("method-lower-listed", "patch", [], "omit", answer(204, MINE, (ACAM, "patch"))),
        ("method-put-listed-lower", "put", [], "omit", answer(204, MINE, (ACAM, "put"))),
        ("method-options", "OPTIONS", [], "omit", answer(204, MINE, (ACAM, "OPTIONS"))),
        (
            "method-star-credentials",
            "PUT",
            [],
            "include",
            answer(204, MINE, (ACAC, "true"), (ACAM, "*")),
        ),
        ("methods-empty", "PUT", [], "omit", answer(204, MINE, (ACAM, ""))),
        ("methods-trailing-comma", "PUT", [], "omit", answer(204, MINE, (ACAM, "PUT,"))),
        ("methods-leading-comma", "PUT", [], "omit", answer(204, MINE, (ACAM, ",PUT"))),
        ("methods-two-lines", "PUT", [], "omit", answer(204, MINE, (ACAM, "GET"), (ACAM, "PUT"))),
        ("methods-bad-token", "PUT", [], "omit", answer(204, MINE, (ACAM, "PUT, A B"))),
        (
            "methods-not-needed-for-post",
            "POST",
            [("X-A", "1")],
            "omit",
            answer(204, MINE, (ACAH, "x-a")),
        ),
        ("headers-empty", "GET", [("X-A", "1")], "omit", answer(204, MINE, (ACAH, ""))),
        ("headers-upper", "GET", [("X-A", "1")], "omit", answer(204, MINE, (ACAH, "X-A"))),
        (
            "headers-trailing-comma",
            "GET",
            [("X-A", "1")],
            "omit",
            answer(204, MINE, (ACAH, "x-a,")),
        ),
        (
            "headers-two-lines",
            "GET",
            [("X-A", "1"), ("X-B", "1")],
            "omit",
            answer(204, MINE, (ACAH, "x-a"), (ACAH, "x-b")),
        ),
        (
            "headers-star-credentials",
            "GET",
            [("X-A", "1")],
            "include",
            answer(204, MINE, (ACAC, "true"), (ACAH, "*")),
        ),
        (
            "headers-star-listed-credentials",
            "GET",
            [("X-A", "1")],
            "include",
            answer(204, MINE, (ACAC, "true"), (ACAH, "*, x-a")),
        ),
        (
            "headers-authorization-listed",
            "GET",
            [("Authorization", "x")],
            "omit",
            answer(204, MINE, (ACAH, "authorization")),
        ),
        (
            "headers-sorted",
            "GET",
            [("X-B", "1"), ("X-A", "1"), ("x-b", "2")],
            "omit",
            answer(204, MINE, (ACAH, "x-a, x-b")),
        ),
        ("headers-empty-value", "GET", [("X-A", "")], "omit", answer(204, MINE, (ACAH, "x-a"))),
        (
            "headers-safelisted-not-listed",
            "PUT",
            [("Accept", "a")],
            "omit",
            answer(204, MINE, (ACAM, "PUT")),
        ),
        (
            "headers-unsafe-accept",
            "GET",
            [("Accept", '"')],
            "omit",
            answer(204, MINE, (ACAH, "x-a")),
        ),
        ("status-299", "PUT", [], "omit", answer(299, MINE, (ACAM, "PUT"))),
        ("status-200-acao-star", "PUT", [], "omit", answer(200, ANY, (ACAM, "PUT"))),
    ]
    return [
        entry(
            f"preflight-{label}",
            "preflight",
            f"{PREFLIGHT}; WPT fetch/api/cors/cors-preflight.any.js, cors/preflight-failure.htm",
            scenario(
                method=method,
                headers=headers,
                credentials=credentials,
                preflight=response,
                actual=answer(200, MINE, (ACAC, "true")),
            ),
        )
        for label, method, headers, credentials, response in rows
    ]


def mode_cases() -> list[Entry]:
    ok = answer(200, ANY)
    rows = [
        ("same-origin-cross", scenario(mode="same-origin", actual=ok)),
        (
            "same-origin-own",
            scenario(url=SAME, mode="same-origin", actual=answer(200), read=["x-a"]),
        ),
        (
            "same-origin-redirect-cross",
            scenario(
                url=SAME,
                mode="same-origin",
                actual=[answer(302, ("Location", TARGET)), ok],
            ),
        ),
        (
            "same-origin-redirect-own",
            scenario(
                url=SAME,
                mode="same-origin",
                actual=[answer(302, ("Location", "/{sid}/n")), answer(200)],
            ),
        ),
        ("no-cors-redirect-error", scenario(mode="no-cors", redirect="error", actual=ok)),
        ("no-cors-redirect-manual", scenario(mode="no-cors", redirect="manual", actual=ok)),
        ("no-cors-put", scenario(mode="no-cors", method="PUT", actual=ok)),
        ("no-cors-custom-header", scenario(mode="no-cors", headers=[("X-A", "1")], actual=ok)),
        (
            "no-cors-json-post",
            scenario(
                mode="no-cors",
                method="POST",
                headers=[("Content-Type", "application/json")],
                actual=ok,
            ),
        ),
        (
            "no-cors-read",
            scenario(
                mode="no-cors", actual=answer(200, ANY, ("X-A", "1")), read=["x-a", "content-type"]
            ),
        ),
        (
            "no-cors-redirect-userinfo",
            scenario(
                mode="no-cors",
                actual=[answer(302, ("Location", "http://u:p@127.0.0.1:{other_port}/{sid}/n")), ok],
            ),
        ),
        (
            "own-origin-custom-header",
            scenario(
                url=SAME, headers=[("X-A", "1")], actual=answer(200, ("X-A", "2")), read=["x-a"]
            ),
        ),
        (
            "own-origin-redirect-to-api",
            scenario(
                url=SAME,
                actual=[answer(302, ("Location", TARGET)), answer(200)],
            ),
        ),
        (
            "own-origin-redirect-to-api-preflight",
            scenario(
                url=SAME,
                method="PUT",
                preflight=allowing(),
                actual=[answer(307, ("Location", TARGET)), answer(200, MINE)],
            ),
        ),
        (
            "manual-cross-no-acao",
            scenario(redirect="manual", actual=answer(302, ("Location", "/{sid}/n"))),
        ),
        (
            "error-own-origin",
            scenario(url=SAME, redirect="error", actual=answer(302, ("Location", "/{sid}/n"))),
        ),
    ]
    return [entry(f"mode-{label}", "modes", f"{MODES}; {REDIRECTS}", s) for label, s in rows]


def method_cases() -> list[Entry]:
    ok = answer(200, ANY)
    rows = [
        ("connect", "CONNECT"),
        ("track-lower", "track"),
        ("trace-mixed", "TrAcE"),
        ("space", "A B"),
        ("empty", ""),
        ("delete-lower", "delete"),
        ("head", "HEAD"),
        ("custom-token", "M!#$%&'*+-.^_`|~"),
    ]
    return [
        entry(
            f"method-{label}",
            "methods",
            METHODS,
            scenario(
                method=method,
                preflight=answer(204, MINE, (ACAM, method.upper() or "X")),
                actual=ok,
            ),
        )
        for label, method in rows
    ]


def header_cases() -> list[Entry]:
    preflight = answer(204, MINE, (ACAM, "PUT"), (ACAH, "*"))
    ok = answer(200, ANY)
    rows: list[tuple[str, str, list[tuple[str, str]]]] = [
        ("name-space", "GET", [("A B", "1")]),
        ("name-empty", "GET", [("", "1")]),
        ("name-colon", "GET", [("a:b", "1")]),
        ("value-nul", "GET", [("X-A", "a\x00b")]),
        ("value-padded", "GET", [("Accept", " \t a \t ")]),
        ("value-inner-tab", "GET", [("Accept", "a\tb")]),
        ("forbidden-cookie2", "GET", [("Cookie2", "a")]),
        ("forbidden-set-cookie", "GET", [("Set-Cookie", "a=b")]),
        ("forbidden-sec-prefix", "GET", [("Sec-Foo", "a")]),
        ("forbidden-proxy-prefix", "GET", [("Proxy-Foo", "a")]),
        ("forbidden-keep-alive", "GET", [("Keep-Alive", "a")]),
        ("forbidden-expect", "GET", [("Expect", "a")]),
        ("forbidden-date", "GET", [("Date", "a")]),
        ("forbidden-accept-charset", "GET", [("Accept-Charset", "utf-8")]),
        ("forbidden-trailer", "GET", [("Trailer", "a")]),
        ("forbidden-acrm", "GET", [("Access-Control-Request-Method", "PUT")]),
        ("x-http-method-connect", "GET", [("X-HTTP-Method", "connect")]),
        ("x-method-override-track", "GET", [("X-Method-Override", "get, TRACK")]),
        ("x-http-method-override-get", "GET", [("X-HTTP-Method-Override", "GET")]),
        ("content-type-no-slash", "POST", [("Content-Type", "text")]),
        ("content-type-upper", "POST", [("Content-Type", "TEXT/PLAIN")]),
        ("content-type-params", "POST", [("Content-Type", "multipart/form-data; boundary=x")]),
        ("content-type-quote", "POST", [("Content-Type", 'text/plain; a="b"')]),
        ("content-type-brace", "POST", [("Content-Type", "text/plain; a={b}")]),
        ("content-type-space-in-essence", "POST", [("Content-Type", "text /plain")]),
        ("content-type-empty", "POST", [("Content-Type", "")]),
        ("content-type-list", "POST", [("Content-Type", "text/plain, application/json")]),
        (
            "content-type-twice",
            "POST",
            [("Content-Type", "text/plain"), ("Content-Type", "text/plain")],
        ),
        ("accept-language-underscore", "GET", [("Accept-Language", "en_US")]),
        ("content-language-ok", "GET", [("Content-Language", "en-US, fr;q=0.5")]),
        ("content-language-129", "GET", [("Content-Language", "a" * 129)]),
        ("range-two-ranges", "GET", [("Range", "bytes=0-1,2-3")]),
        ("range-reversed", "GET", [("Range", "bytes=2-1")]),
        ("range-no-start", "GET", [("Range", "bytes=-")]),
        ("width-non-digit", "GET", [("Width", "1a")]),
        ("save-data", "GET", [("Save-Data", "on")]),
        ("device-memory", "GET", [("Device-Memory", "0.5")]),
        ("sec-ch-ua-set", "GET", [("Sec-CH-UA", "x")]),
        ("last-event-id-nonascii", "GET", [("Last-Event-ID", "\xe9")]),
        ("two-names-case", "GET", [("X-A", "1"), ("x-a", "2")]),
    ]
    return [
        entry(
            f"header-{label}",
            "headers",
            NORMALIZE if label.startswith(("name-", "value-")) else HEADERS,
            scenario(method=method, headers=headers, preflight=preflight, actual=ok),
        )
        for label, method, headers in rows
    ]


def body_cases() -> list[Entry]:
    preflight = answer(204, MINE, (ACAM, "PUT, POST"), (ACAH, "*"))
    ok = answer(200, ANY)
    rows = [
        ("blob-upper-type", "POST", {"kind": "blob", "type": "TEXT/PLAIN"}, []),
        ("blob-charset", "POST", {"kind": "blob", "type": "text/plain;charset=utf-8"}, []),
        (
            "blob-urlencoded",
            "POST",
            {"kind": "blob", "type": "application/x-www-form-urlencoded"},
            [],
        ),
        ("form-explicit-plain", "POST", {"kind": "form"}, [("Content-Type", "text/plain")]),
        ("text-on-put", "PUT", {"kind": "text"}, []),
        ("blob-json-on-put", "PUT", {"kind": "blob", "type": "application/json"}, []),
    ]
    return [
        entry(
            f"body-{label}",
            "bodies",
            BODIES,
            scenario(method=method, body=body, headers=headers, preflight=preflight, actual=ok),
        )
        for label, method, body, headers in rows
    ]


def expose_cases() -> list[Entry]:
    rows: list[tuple[str, str, list[tuple[str, str]], list[str]]] = [
        ("listed", "omit", [ANY, (ACEH, "X-A"), ("X-A", "1"), ("X-B", "2")], ["x-a", "x-b"]),
        (
            "star",
            "omit",
            [ANY, (ACEH, "*"), ("X-A", "1"), ("Set-Cookie", "a=b")],
            ["x-a", "set-cookie"],
        ),
        (
            "star-credentials",
            "include",
            [MINE, (ACAC, "true"), (ACEH, "*"), ("X-A", "1"), ("*", "2")],
            ["x-a", "*"],
        ),
        (
            "two-lines",
            "omit",
            [ANY, (ACEH, "X-A"), (ACEH, "X-B"), ("X-A", "1"), ("X-B", "2")],
            ["x-a", "x-b"],
        ),
        ("leading-comma", "omit", [ANY, (ACEH, ",X-A"), ("X-A", "1")], ["x-a"]),
        (
            "double-comma",
            "omit",
            [ANY, (ACEH, "X-A,,X-B"), ("X-A", "1"), ("X-B", "2")],
            ["x-a", "x-b"],
        ),
        ("bad-token", "omit", [ANY, (ACEH, "X-A, b c"), ("X-A", "1")], ["x-a"]),
        (
            "set-cookie-listed",
            "omit",
            [ANY, (ACEH, "Set-Cookie"), ("Set-Cookie", "a=b")],
            ["set-cookie"],
        ),
        (
            "safelisted",
            "omit",
            [
                ANY,
                ("Cache-Control", "no-cache"),
                ("Content-Language", "en"),
                ("Expires", "0"),
                ("Last-Modified", "x"),
                ("Pragma", "no-cache"),
                ("X-A", "1"),
            ],
            ["cache-control", "content-language", "expires", "last-modified", "pragma", "x-a"],
        ),
        ("repeated-value", "omit", [ANY, (ACEH, "X-A"), ("X-A", "1"), ("X-A", "2")], ["x-a"]),
        ("upper-name", "omit", [ANY, (ACEH, "x-a"), ("X-A", "1")], ["X-A"]),
    ]
    entries = [
        entry(
            f"expose-{label}",
            "expose",
            EXPOSE,
            scenario(credentials=credentials, actual=answer(200, *headers), read=read),
        )
        for label, credentials, headers, read in rows
    ]
    entries.append(
        entry(
            "expose-own-origin-set-cookie",
            "expose",
            EXPOSE,
            scenario(
                url=SAME,
                actual=answer(200, ("Set-Cookie", "a=b"), ("X-A", "1")),
                read=["set-cookie", "x-a"],
            ),
        )
    )
    return entries


def redirect_cases() -> list[Entry]:
    rows = [
        (
            "authorization-dropped-cross-origin",
            scenario(
                headers=[("Authorization", "x")],
                preflight=[
                    {**answer(204, MINE, (ACAH, "authorization")), "url": TARGET},
                    {
                        **answer(204, (ACAO, "null"), (ACAH, "authorization")),
                        "url": OTHER + "/{sid}/n",
                    },
                ],
                actual=[
                    answer(307, ("Location", OTHER + "/{sid}/n"), MINE),
                    answer(200, (ACAO, "null")),
                ],
            ),
        ),
        (
            "authorization-kept-same-origin",
            scenario(
                headers=[("Authorization", "x")],
                preflight=answer(204, MINE, (ACAH, "authorization")),
                actual=[answer(307, ("Location", "/{sid}/n"), MINE), answer(200, MINE)],
            ),
        ),
        (
            "custom-header-second-preflight",
            scenario(
                method="PUT",
                headers=[("X-A", "1")],
                preflight=[
                    {**allowing(), "url": TARGET},
                    {
                        **answer(204, (ACAO, "null"), (ACAM, "PUT"), (ACAH, "x-a")),
                        "url": OTHER + "/{sid}/n",
                    },
                ],
                actual=[
                    answer(308, ("Location", OTHER + "/{sid}/n"), MINE),
                    answer(200, (ACAO, "null")),
                ],
            ),
        ),
        (
            "query-only-location",
            scenario(actual=[answer(302, ("Location", "?q=1"), ANY), answer(200, ANY)]),
        ),
        (
            "fragment-only-location",
            scenario(actual=[answer(302, ("Location", "#f"), ANY), answer(200, ANY)]),
        ),
        (
            "status-399-location",
            scenario(actual=answer(399, ("Location", "/{sid}/n"), ANY)),
        ),
        (
            "303-head-stays-head",
            scenario(
                method="HEAD", actual=[answer(303, ("Location", "/{sid}/n"), ANY), answer(200, ANY)]
            ),
        ),
        (
            "302-put-stays-put",
            scenario(
                method="PUT",
                preflight=allowing(),
                actual=[answer(302, ("Location", "/{sid}/n"), ANY), answer(200, ANY)],
            ),
        ),
        (
            "cross-then-own-acao-page",
            scenario(
                actual=[
                    answer(302, ("Location", OTHER + "/{sid}/n"), ANY),
                    answer(302, ("Location", TARGET + "2"), ANY),
                    answer(200, MINE),
                ],
            ),
        ),
        (
            "credentials-tainted-acao-null",
            scenario(
                credentials="include",
                actual=[
                    answer(302, ("Location", OTHER + "/{sid}/n"), MINE, (ACAC, "true")),
                    answer(200, (ACAO, "null"), (ACAC, "true")),
                ],
            ),
        ),
    ]
    return [entry(f"redirect-{label}", "redirects", REDIRECTS, s) for label, s in rows]


def cache_cases() -> list[Entry]:
    refusing = answer(204)
    ok = answer(200, MINE, (ACAC, "true"))

    def step(**kwargs: Any) -> Scenario:
        return scenario(**{"method": "PUT", **kwargs})

    sequences = {
        "header-entry": [
            step(headers=[("X-A", "1")], preflight=allowing((MAX_AGE, "600")), actual=ok),
            step(headers=[("X-A", "1")], preflight=refusing, actual=ok),
        ],
        "header-entry-listed-upper": [
            step(
                headers=[("X-A", "1")],
                preflight=answer(204, MINE, (ACAM, "PUT"), (ACAH, "X-A"), (MAX_AGE, "600")),
                actual=ok,
            ),
            step(headers=[("X-A", "1")], preflight=refusing, actual=ok),
        ],
        "other-header-misses": [
            step(headers=[("X-A", "1")], preflight=allowing((MAX_AGE, "600")), actual=ok),
            step(headers=[("X-B", "1")], preflight=refusing, actual=ok),
        ],
        "two-methods-listed": [
            step(preflight=allowing((MAX_AGE, "600"), methods="PUT, DELETE"), actual=ok),
            step(method="DELETE", preflight=refusing, actual=ok),
        ],
        "max-age-zero": [
            step(preflight=allowing((MAX_AGE, "0")), actual=ok),
            step(preflight=refusing, actual=ok),
        ],
        "credentials-entry": [
            step(
                credentials="include",
                preflight=allowing((MAX_AGE, "600"), (ACAC, "true")),
                actual=ok,
            ),
            step(credentials="include", preflight=refusing, actual=ok),
        ],
        "credentials-entry-not-for-omit": [
            step(
                credentials="include",
                preflight=allowing((MAX_AGE, "600"), (ACAC, "true")),
                actual=ok,
            ),
            step(preflight=refusing, actual=ok),
        ],
        "wildcard-headers": [
            step(
                headers=[("X-A", "1")],
                preflight=answer(204, MINE, (ACAM, "PUT"), (ACAH, "*"), (MAX_AGE, "600")),
                actual=ok,
            ),
            step(headers=[("X-Z", "1")], preflight=refusing, actual=ok),
        ],
        "failed-preflight-then-ok": [
            step(preflight=allowing((MAX_AGE, "600")), actual=ok),
            step(
                headers=[("X-B", "1")],
                preflight=answer(204, MINE, (ACAM, "PUT")),
                actual=ok,
            ),
            step(preflight=refusing, actual=ok),
        ],
        "wildcard-methods": [
            step(preflight=answer(204, MINE, (ACAM, "*"), (MAX_AGE, "600")), actual=ok),
            step(method="PATCH", preflight=refusing, actual=ok),
        ],
    }
    return [
        entry(f"cache-{name}", "preflight-cache", CACHE, steps) for name, steps in sequences.items()
    ]


def bad_port_cases() -> list[Entry]:
    entries = [
        entry(
            f"bad-port-{port}",
            "bad-port",
            BAD_PORT,
            scenario(url=f"http://127.0.0.1:{port}/{{sid}}/p", actual=answer(200, ANY)),
        )
        for port in (1, 21, 25, 6000, 6566, 6697, 10080, 0)
    ]
    entries.append(
        entry(
            "bad-port-redirect",
            "bad-port",
            BAD_PORT,
            scenario(
                actual=[
                    answer(302, ("Location", "http://127.0.0.1:6000/{sid}/n"), ANY),
                    answer(200, ANY),
                ]
            ),
        )
    )
    entries.append(
        entry(
            "bad-port-no-cors",
            "bad-port",
            BAD_PORT,
            scenario(mode="no-cors", url="http://127.0.0.1:6667/{sid}/p", actual=answer(200)),
        )
    )
    return entries


WPT_BASIC = "WPT fetch/api/basic/request-headers.any.js; Fetch §3.1 append a request Origin header"


def origin_header_cases() -> list[Entry]:
    """Which requests carry `Origin` (Fetch §3.1; the hops record it)."""
    rows = [
        ("same-origin-get", scenario(url=SAME)),
        ("same-origin-head", scenario(url=SAME, method="HEAD")),
        ("same-origin-post", scenario(url=SAME, method="POST")),
        ("same-origin-put", scenario(url=SAME, method="PUT")),
        ("same-origin-delete-lower", scenario(url=SAME, method="delete")),
        ("no-cors-get", scenario(mode="no-cors")),
        ("no-cors-post", scenario(mode="no-cors", method="POST")),
        ("no-cors-head", scenario(mode="no-cors", method="HEAD")),
        ("cors-head", scenario(method="HEAD", actual=answer(200, ANY))),
        (
            "same-origin-post-303-get",
            scenario(
                url=SAME,
                method="POST",
                actual=[answer(303, ("Location", "/{sid}/n")), answer(200)],
            ),
        ),
    ]
    return [entry(f"origin-{label}", "origin-header", WPT_BASIC, s) for label, s in rows]


def response_value_cases() -> list[Entry]:
    """What `headers.get()` returns for response header values the server
    pads, repeats or leaves empty (WPT fetch/api/headers/header-values-normalize.any.js,
    fetch/api/basic/header-value-combining.any.js)."""
    source = (
        "Fetch §2.2 header value normalize, §2.2.1 get (combine); WPT "
        "fetch/api/headers/header-values-normalize.any.js, "
        "fetch/api/basic/header-value-combining.any.js"
    )
    rows: list[tuple[str, list[tuple[str, str]], list[str]]] = [
        ("padded", [("X-A", "  a  ")], ["x-a"]),
        ("tabs", [("X-A", "\ta\tb\t")], ["x-a"]),
        ("empty", [("X-A", "")], ["x-a"]),
        ("empty-then-value", [("X-A", ""), ("X-A", "b")], ["x-a"]),
        ("three", [("X-A", "1"), ("x-a", "2"), ("X-a", "3")], ["x-a"]),
        (
            "content-type-twice",
            [("Content-Type", "text/plain"), ("Content-Type", "text/html")],
            ["content-type"],
        ),
        ("latin1", [("X-A", "\xe9")], ["x-a"]),
    ]
    entries = []
    for label, headers, read in rows:
        entries.append(
            entry(
                f"response-value-{label}",
                "response-values",
                source,
                scenario(actual=answer(200, ANY, (ACEH, "*"), *headers), read=read),
            )
        )
    return entries


def max_age_cases() -> list[Entry]:
    """Access-Control-Max-Age values read differently by the engines
    (Chromium preflight_result.cc ParseAccessControlMaxAge, Firefox
    nsCORSListenerProxy.cpp AddResultToCache, WebKit
    CrossOriginPreflightResultCache.cpp parseAccessControlMaxAge)."""
    refusing = answer(204)
    ok = answer(200, MINE)
    sequences = {}
    for label, value in [
        ("negative", "-1"),
        ("decimal", "1.5"),
        ("hex", "0x10"),
        ("padded", " 600 "),
        ("empty", ""),
        ("list", "600, 600"),
        ("leading-zero", "0600"),
    ]:
        sequences[f"max-age-{label}"] = [
            scenario(method="PUT", preflight=allowing((MAX_AGE, value)), actual=ok),
            scenario(method="PUT", preflight=refusing, actual=ok),
        ]
    return [
        entry(f"cache-{name}", "preflight-cache", CACHE, steps) for name, steps in sequences.items()
    ]


CLIENT_HINTS = (
    "Chromium services/network/public/cpp/cors/cors.cc IsCorsSafelistedHeader "
    "(client hints); WPT cors/client-hint-request-headers.htm"
)


def client_hint_cases() -> list[Entry]:
    preflight = answer(204, MINE, (ACAH, "*"))
    rows = [
        ("dpr-decimal", "DPR", "1.5"),
        ("dpr-negative", "DPR", "-1"),
        ("dpr-word", "DPR", "one"),
        ("viewport-width-decimal", "Viewport-Width", "1.5"),
        ("width-empty", "Width", ""),
        ("device-memory-word", "Device-Memory", "lots"),
        ("rtt-decimal", "RTT", "1.5"),
        ("downlink-decimal", "Downlink", "1.5"),
        ("ect-4g", "ECT", "4g"),
        ("ect-unknown", "ECT", "5g"),
        ("save-data-off", "Save-Data", "off"),
        ("viewport-height", "Viewport-Height", "100"),
    ]
    return [
        entry(
            f"client-hint-{label}",
            "headers",
            CLIENT_HINTS,
            scenario(headers=[(name, value)], preflight=preflight, actual=answer(200, ANY)),
        )
        for label, name, value in rows
    ]


def redirect_extra_cases() -> list[Entry]:
    source = (
        "Fetch §4.4 HTTP-redirect fetch; WPT fetch/api/redirect/redirect-keepalive.any.js, "
        "fetch/api/redirect/redirect-location-escape.tentative.any.js"
    )
    rows = [
        (
            "keepalive-cross-origin",
            scenario(
                keepalive=True,
                actual=[answer(302, ("Location", OTHER + "/{sid}/n"), ANY), answer(200, ANY)],
            ),
        ),
        (
            "keepalive-same-to-cross",
            scenario(
                url=SAME,
                keepalive=True,
                actual=[answer(302, ("Location", TARGET)), answer(200, ANY)],
            ),
        ),
        (
            "location-escaped",
            scenario(
                actual=[answer(302, ("Location", "/{sid}/%D0%9F%20x"), ANY), answer(200, ANY)]
            ),
        ),
        (
            "location-space",
            scenario(actual=[answer(302, ("Location", "/{sid}/a b"), ANY), answer(200, ANY)]),
        ),
        (
            "location-bad-escape",
            scenario(actual=[answer(302, ("Location", "/{sid}/%zz"), ANY), answer(200, ANY)]),
        ),
        (
            "location-percent-4",
            scenario(actual=[answer(302, ("Location", "/{sid}/%4"), ANY), answer(200, ANY)]),
        ),
    ]
    return [entry(f"redirect-{label}", "redirects", source, s) for label, s in rows]


def forbidden_name_cases() -> list[Entry]:
    """Every forbidden request-header name not already in a case: `fetch()`
    drops it silently, so no preflight (Fetch §2.2.2; WPT
    fetch/api/basic/request-forbidden-headers.any.js)."""
    names = [
        "Accept-Encoding",
        "Access-Control-Request-Headers",
        "Connection",
        "Content-Length",
        "Cookie",
        "Host",
        "Origin",
        "Referer",
        "TE",
        "Transfer-Encoding",
        "Upgrade",
        "Via",
    ]
    return [
        entry(
            f"forbidden-{name.lower()}",
            "headers",
            HEADERS,
            scenario(
                headers=[(name, "x")],
                preflight=answer(204, MINE, (ACAH, "*")),
                actual=answer(200, ANY),
            ),
        )
        for name in names
    ]


def status_and_manual_cases() -> list[Entry]:
    source = f"{CORS_CHECK}; {REDIRECTS}; WPT fetch/api/basic/http-response-code.any.js"
    rows = [
        ("status-204", scenario(actual=answer(204, ANY))),
        ("status-205", scenario(actual=answer(205, ANY))),
        ("status-304", scenario(actual=answer(304, ANY))),
        ("status-302-no-location", scenario(actual=answer(302, ANY))),
        (
            "manual-own-origin",
            scenario(url=SAME, redirect="manual", actual=answer(302, ("Location", "/{sid}/n"))),
        ),
        (
            "manual-cross-acao",
            scenario(redirect="manual", actual=answer(302, ("Location", "/{sid}/n"), ANY)),
        ),
        (
            "error-mode-after-preflight",
            scenario(
                method="PUT",
                redirect="error",
                preflight=allowing(),
                actual=answer(307, ("Location", "/{sid}/n"), MINE),
            ),
        ),
        (
            "preflight-ok-actual-no-acao",
            scenario(method="PUT", preflight=allowing(), actual=answer(200)),
        ),
        (
            "own-origin-credentials-include",
            scenario(url=SAME, credentials="include", actual=answer(200)),
        ),
        (
            "cross-site-localhost",
            scenario(url="http://localhost:{api_port}/{sid}/p", actual=answer(200, MINE)),
        ),
    ]
    return [entry(f"response-{label}", "responses", source, s) for label, s in rows]


#: The entries that pin a model fix (the engine did what the model did not
#: predict): the CI's live re-check re-records these; the rest are held to
#: their recording without a browser only, to keep the browser pass short.
#: No preflight-cache sequence is here: whether Firefox serves a sequence's
#: second step from its preflight cache depends on what the browser process
#: did before (measured: the same sequence misses in a fresh process and hits
#: from its third sequence on; branch-cache-header-entry and
#: -listed-upper also missed once after 200 other cases; cause not found in
#: nsCORSListenerProxy.cpp). Their Firefox recordings are those of the full
#: run's order (`record_cases.py --browser firefox`).
LIVE_RECHECKED: tuple[str, ...] = (
    "branch-bad-port-",
    "branch-method-",
    "branch-mode-no-cors-put",
    "branch-header-name-",
    "branch-header-value-nul",
    "branch-redirect-status-399-location",
    "branch-redirect-authorization-dropped-cross-origin",
    "branch-response-value-",
)


def branch_cases() -> list[Entry]:
    entries = _all_branch_cases()
    for item in entries:
        if not item["name"].startswith(LIVE_RECHECKED):
            item["live_recheck"] = False
    return entries


def _all_branch_cases() -> list[Entry]:
    return [
        *cors_check_cases(),
        *preflight_list_cases(),
        *mode_cases(),
        *method_cases(),
        *header_cases(),
        *body_cases(),
        *expose_cases(),
        *redirect_cases(),
        *cache_cases(),
        *bad_port_cases(),
        *origin_header_cases(),
        *response_value_cases(),
        *max_age_cases(),
        *client_hint_cases(),
        *redirect_extra_cases(),
        *forbidden_name_cases(),
        *status_and_manual_cases(),
    ]
