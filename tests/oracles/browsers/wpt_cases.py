"""web-platform-tests cases from cors/, fetch/api/cors/ and fetch/api/redirect/,
each written as a scenario (ours: the WPT file's inputs, translated to the
loopback harness) and recorded in Chromium (recorded.json).

Theory of operation: a WPT test runs a fetch (or XHR) against a server that
answers per its query string; here the same request and the same answer are
written out. The page is `PAGE`; WPT's "remote origin" is `API`; the values
built from `location.host` use the page's host and port. Every case names its
WPT file; `WPT_CONSIDERED` lists every test file of those folders with
whether a scenario can express it and, if not, why.
"""

from __future__ import annotations

from typing import Any

PAGE = "http://127.0.0.1:{page_port}"
HOST = "127.0.0.1:{page_port}"
API = "http://127.0.0.1:{api_port}"
TARGET = API + "/{sid}/p"

Entry = dict[str, Any]
ACAO = "Access-Control-Allow-Origin"


def _answer(status: int = 200, *headers: tuple[str, str]) -> dict[str, Any]:
    return {"status": status, "headers": [list(h) for h in headers]}


def _scenario(
    *,
    url: str = TARGET,
    method: str = "GET",
    headers: list[tuple[str, str]] | None = None,
    credentials: str = "same-origin",
    preflight: dict[str, Any] | None = None,
    actual: Any = None,
    read: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    scenario: dict[str, Any] = {
        "page_origin": PAGE,
        "request": {
            "url": url,
            "method": method,
            "headers": [list(h) for h in headers or []],
            "credentials": credentials,
            **extra,
        },
        "responses": {"actual": actual if actual is not None else _answer()},
    }
    if preflight is not None:
        scenario["responses"]["preflight"] = preflight
    if read:
        scenario["read_headers"] = read
    return scenario


def _entry(wpt: str, label: str, scenario: dict[str, Any]) -> Entry:
    stem = wpt.rsplit("/", 1)[-1].split(".")[0]
    return {
        "name": f"wpt-{stem}-{label}",
        "area": "wpt",
        "source": f"WPT {wpt}",
        "scenario": scenario,
    }


def origin_htm() -> list[Entry]:
    """cors/origin.htm: Access-Control-Allow-Origin values that pass and fail."""
    wpt = "cors/origin.htm"
    passing = ["*", " *  ", "\t*", PAGE, " " + PAGE, " " + PAGE + "   \t ", "\t" + PAGE]
    failing = [
        "http://sub." + HOST,
        "//" + HOST,
        "://" + HOST,
        "ftp://" + HOST,
        "http:://" + HOST,
        "http:/" + HOST,
        "http:" + HOST,
        HOST,
        PAGE + "?",
        PAGE + "/",
        PAGE + " /",
        PAGE + "#",
        PAGE + "%23",
        PAGE + ":80",
        PAGE + ", *",
        PAGE + "\x00",
        PAGE.upper().replace("{PAGE_PORT}", "{page_port}"),
        "HTTP://" + HOST,
        "-",
        "**",
        "\x00*",
        "*\x00",
        "'*'",
        '"*"',
        "* *",
        "* null",
        "*http://*",
        "*" + PAGE,
        "* " + PAGE,
        "*, " + PAGE,
        "\x00" + PAGE,
        "null " + PAGE,
        "http://example.net",
        "null",
        "null *",
        "",
        PAGE + "/cors/origin.htm",
        PAGE + "/cors",
        API,
        "0.0.1:{page_port}",
        ".0.0.1:{page_port}",
        "*.0.0.1:{page_port}",
        "http://0.0.1:{page_port}",
        "http://.0.0.1:{page_port}",
        "http://*.0.0.1:{page_port}",
    ]
    entries = []
    for index, value in enumerate(passing + failing):
        kind = "pass" if index < len(passing) else "fail"
        entries.append(
            _entry(wpt, f"{kind}-{index}", _scenario(actual=_answer(200, (ACAO, value))))
        )
    for index, (first, second) in enumerate(
        [("", "*"), ("*", ""), ("*", "*"), ("", PAGE), ("*", PAGE), (PAGE, PAGE)]
    ):
        entries.append(
            _entry(
                wpt,
                f"double-{index}",
                _scenario(actual=_answer(200, (ACAO, first), (ACAO, second))),
            )
        )
    return entries


def preflight_status() -> list[Entry]:
    """fetch/api/cors/cors-preflight-status.any.js: ok statuses 200-299 only."""
    wpt = "fetch/api/cors/cors-preflight-status.any.js"
    statuses = [200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 305, 306, 307, 308]
    statuses += [400, 401, 402, 403, 404, 405, 501, 502, 503, 504, 505]
    return [
        _entry(
            wpt,
            str(status),
            _scenario(
                headers=[("x-force-preflight", "")],
                preflight=_answer(
                    status,
                    (ACAO, PAGE),
                    ("Access-Control-Allow-Headers", "x-force-preflight"),
                    ("Access-Control-Max-Age", "0"),
                ),
                actual=_answer(200, (ACAO, PAGE)),
            ),
        )
        for status in statuses
    ]


def preflight_star() -> list[Entry]:
    """fetch/api/cors/cors-preflight-star.any.js: `*` for methods and headers."""
    wpt = "fetch/api/cors/cors-preflight-star.any.js"
    rows = [
        (False, "get", "x-test", "GET", [("X-Test", "1")]),
        (False, "*", "x-test", "SUPER", [("X-Test", "1")]),
        (False, "*", "*", "OK", [("X-Test", "1")]),
        (True, "*", "*", "OK", [("X-Test", "1")]),
        (True, "*", "", "PUT", []),
        (True, "PUT", "*", "PUT", []),
        (True, "get", "*", "GET", [("X-Test", "1")]),
        (True, "*", "*", "GET", [("X-Test", "1")]),
        (True, "*", "*", "*", [("*", "1")]),
        (True, "put", "*", "PUT", []),
    ]
    entries = []
    for index, (credentials, methods, headers, method, sent) in enumerate(rows):
        answer = [
            (ACAO, PAGE),
            ("Access-Control-Allow-Methods", methods),
            ("Access-Control-Allow-Headers", headers),
        ]
        if credentials:
            answer.append(("Access-Control-Allow-Credentials", "true"))
        entries.append(
            _entry(
                wpt,
                str(index),
                _scenario(
                    method=method,
                    headers=sent,
                    credentials="include" if credentials else "same-origin",
                    preflight=_answer(200, *answer),
                    actual=_answer(200, *answer),
                ),
            )
        )
    return entries


def preflight_response_validation() -> list[Entry]:
    """fetch/api/cors/cors-preflight-response-validation.any.js."""
    wpt = "fetch/api/cors/cors-preflight-response-validation.any.js"
    entries = []
    for label, extra in [
        (
            "bad-allow-headers",
            ("Access-Control-Allow-Headers", "x-force-preflight,header name with space"),
        ),
        ("bad-allow-methods", ("Access-Control-Allow-Methods", "Bad method name")),
    ]:
        answer = [(ACAO, PAGE), ("Access-Control-Allow-Headers", "x-force-preflight"), extra]
        entries.append(
            _entry(
                wpt,
                label,
                _scenario(
                    headers=[("x-force-preflight", "")],
                    preflight=_answer(200, *answer),
                    actual=_answer(200, (ACAO, PAGE)),
                ),
            )
        )
    return entries


NOT_SAFELISTED = [
    ("accept", '"'),
    ("accept", "0123456789" * 12 + "012345678"),
    ("accept-language", "\x01"),
    ("accept-language", "@"),
    ("authorization", "basics"),
    ("content-language", "\x01"),
    ("content-language", "@"),
    ("content-type", "text/html"),
    ("content-type", "text/plain; long=" + "0123456789" * 11 + "01"),
    ("last-event-id", '"'),
    ("last-event-id", "0123456789" * 12 + "012345678"),
    ("range", "bytes 0-"),
    ("test", "hi"),
]


def not_cors_safelisted() -> list[Entry]:
    """fetch/api/cors/cors-preflight-not-cors-safelisted.any.js (its resource
    not-cors-safelisted.json): each header forces a preflight."""
    wpt = "fetch/api/cors/cors-preflight-not-cors-safelisted.any.js"
    return [
        _entry(
            wpt,
            str(index),
            _scenario(
                method="POST",
                headers=[(name, value)],
                preflight=_answer(
                    200,
                    (ACAO, PAGE),
                    ("Access-Control-Allow-Headers", name),
                    ("Access-Control-Allow-Methods", "POST"),
                ),
                actual=_answer(200, (ACAO, PAGE)),
            ),
        )
        for index, (name, value) in enumerate(NOT_SAFELISTED)
    ]


def redirect_location() -> list[Entry]:
    """fetch/api/redirect/redirect-location.js (same-origin redirect.py)."""
    wpt = "fetch/api/redirect/redirect-location.js"
    url = PAGE + "/{sid}/redirect"
    entries = []
    for status in (301, 302, 303, 307, 308):
        for mode in ("follow", "manual"):
            entries.append(
                _entry(
                    wpt,
                    f"{status}-{mode}-no-location",
                    _scenario(url=url, redirect=mode, actual=_answer(status)),
                )
            )
            # "#invalidurl:" is the same URL with a fragment: follow loops.
            loop = [_answer(status, ("Location", "#invalidurl:"))] * 21
            entries.append(
                _entry(
                    wpt,
                    f"{status}-{mode}-fragment-location",
                    _scenario(url=url, redirect=mode, actual=loop if mode == "follow" else loop[0]),
                )
            )
            entries.append(
                _entry(
                    wpt,
                    f"{status}-{mode}-data-location",
                    _scenario(
                        url=url,
                        redirect=mode,
                        actual=_answer(status, ("Location", "data:,data%20url")),
                    ),
                )
            )
    return entries


def redirect_count() -> list[Entry]:
    """fetch/api/redirect/redirect-count.any.js: 20 redirects pass, 21 fail."""
    wpt = "fetch/api/redirect/redirect-count.any.js"
    entries = []
    for status in (301, 302, 303, 307, 308):
        for count in (20, 21):
            hops = [
                _answer(status, ("Location", f"{PAGE}/{{sid}}/r{index + 1}"))
                for index in range(count)
            ]
            entries.append(
                _entry(
                    wpt,
                    f"{status}-{count}",
                    _scenario(url=PAGE + "/{sid}/r0", actual=[*hops, _answer(200)]),
                )
            )
    return entries


def redirect_method() -> list[Entry]:
    """fetch/api/redirect/redirect-method.any.js: method and body headers
    after each redirect status (same origin)."""
    wpt = "fetch/api/redirect/redirect-method.any.js"
    entries = []
    for status in (301, 302, 303, 307, 308):
        for method in ("GET", "POST", "HEAD", "PUT", "DELETE"):
            body = {"kind": "text"} if method in ("POST", "PUT", "DELETE") else None
            extra: dict[str, Any] = {"body": body} if body else {}
            entries.append(
                _entry(
                    wpt,
                    f"{status}-{method}",
                    _scenario(
                        url=PAGE + "/{sid}/r",
                        method=method,
                        actual=[_answer(status, ("Location", PAGE + "/{sid}/n")), _answer(200)],
                        **extra,
                    ),
                )
            )
    return entries


def redirect_mode() -> list[Entry]:
    """fetch/api/redirect/redirect-mode.any.js: follow/error/manual, same and
    cross origin (the cross-origin redirect carries `*`)."""
    wpt = "fetch/api/redirect/redirect-mode.any.js"
    entries = []
    for origin_label, url, answer_headers in [
        ("same-origin", PAGE + "/{sid}/r", []),
        ("cross-origin", TARGET, [(ACAO, "*")]),
    ]:
        for mode in ("follow", "error", "manual"):
            for status in (301, 302, 303, 307, 308):
                entries.append(
                    _entry(
                        wpt,
                        f"{origin_label}-{mode}-{status}",
                        _scenario(
                            url=url,
                            redirect=mode,
                            actual=[
                                _answer(status, ("Location", PAGE + "/{sid}/n"), *answer_headers),
                                _answer(200, (ACAO, "null")),
                            ],
                        ),
                    )
                )
    return entries


def multiple_origins() -> list[Entry]:
    """fetch/api/cors/cors-multiple-origins.js: ACAO lists never pass."""
    wpt = "fetch/api/cors/cors-multiple-origins.js"
    values = [
        PAGE + "," + PAGE,
        PAGE + ", " + PAGE,
        PAGE + ",http://example.com",
        "http://example.com," + PAGE,
        PAGE + " " + PAGE,
    ]
    return [
        _entry(wpt, str(index), _scenario(actual=_answer(200, (ACAO, value))))
        for index, value in enumerate(values)
    ]


def expose_star() -> list[Entry]:
    """fetch/api/cors/cors-expose-star.js: `*` exposes without credentials only."""
    wpt = "fetch/api/cors/cors-expose-star.js"
    headers = [
        (ACAO, PAGE),
        ("Access-Control-Expose-Headers", "*"),
        ("X-Custom", "1"),
        ("Content-Length", "0"),
        ("Set-Cookie", "a=b"),
    ]
    read = ["X-Custom", "Content-Length", "Set-Cookie", "Content-Type"]
    return [
        _entry(wpt, "omit", _scenario(actual=_answer(200, *headers), read=read)),
        _entry(
            wpt,
            "include",
            _scenario(
                credentials="include",
                actual=_answer(200, *headers, ("Access-Control-Allow-Credentials", "true")),
                read=read,
            ),
        ),
        _entry(
            wpt,
            "include-listed",
            _scenario(
                credentials="include",
                actual=_answer(
                    200,
                    (ACAO, PAGE),
                    ("Access-Control-Allow-Credentials", "true"),
                    ("Access-Control-Expose-Headers", "*, X-Custom"),
                    ("X-Custom", "1"),
                ),
                read=["X-Custom"],
            ),
        ),
    ]


def wpt_cases() -> list[Entry]:
    return [
        *origin_htm(),
        *preflight_status(),
        *preflight_star(),
        *preflight_response_validation(),
        *not_cors_safelisted(),
        *redirect_location(),
        *redirect_count(),
        *redirect_method(),
        *redirect_mode(),
        *multiple_origins(),
        *expose_star(),
    ]


#: Every test file of the three folders, whether a scenario expresses it, and why not.
WPT_CONSIDERED: dict[str, str] = {
    "cors/origin.htm": "expressed (origin_htm)",
    "fetch/api/cors/cors-preflight-status.any.js": "expressed (preflight_status)",
    "fetch/api/cors/cors-preflight-star.any.js": "expressed (preflight_star)",
    "fetch/api/cors/cors-preflight-response-validation.any.js": "expressed",
    "fetch/api/cors/cors-preflight-not-cors-safelisted.any.js": "expressed (not_cors_safelisted)",
    "fetch/api/redirect/redirect-location.js": "expressed (redirect_location)",
    "fetch/api/redirect/redirect-count.any.js": "expressed (redirect_count)",
    "fetch/api/redirect/redirect-method.any.js": "expressed (method per hop)",
    "fetch/api/redirect/redirect-mode.any.js": "expressed (redirect_mode)",
    "fetch/api/cors/cors-multiple-origins.js": "expressed (multiple_origins)",
    "fetch/api/cors/cors-expose-star.js": "expressed (expose_star)",
    "fetch/api/cors/cors-preflight-cache.any.js": "expressed in rule_cases.py cache-* "
    "(Max-Age and cache modes against a shared cache)",
    "fetch/api/cors/cors-basic.any.js": "covered by corpus.json acao-* entries; its "
    "https/http mixed-content rows are not expressible (loopback http only)",
    "fetch/api/cors/cors-origin.any.js": "covered by redirect hops (Origin per hop); "
    "its null-origin page rows need an opaque page, which the harness cannot open",
    "fetch/api/cors/cors-no-preflight.any.js": "covered by corpus.json safelisted headers",
    "fetch/api/cors/cors-preflight.any.js": "covered by corpus.json and rule_cases.py",
    "fetch/api/cors/cors-preflight-redirect.any.js": "covered by rule_cases.py "
    "redirect-preflight-* and corpus preflight redirects",
    "fetch/api/cors/cors-redirect.any.js": "covered by corpus.json redirect entries",
    "fetch/api/cors/cors-redirect-credentials.any.js": "covered by rule_cases.py "
    "redirect-location-*userinfo*",
    "fetch/api/cors/cors-redirect-preflight.any.js": "covered by corpus.json redirects "
    "with a second preflight",
    "fetch/api/cors/cors-cookies.any.js": "not expressible: cookies are not modelled",
    "fetch/api/cors/cors-cookies-redirect.any.js": "not expressible: cookies",
    "fetch/api/cors/cors-filtering.js": "covered by readable_headers in corpus.json",
    "fetch/api/cors/cors-preflight-referrer.any.js": "not expressible: Referer and "
    "referrer policy are not part of a scenario",
    "fetch/api/cors/data-url-iframe.html": "not expressible: the page is a data: URL",
    "fetch/api/cors/data-url-worker.html": "not expressible: workers",
    "fetch/api/cors/data-url-shared-worker.html": "not expressible: workers",
    "fetch/api/redirect/redirect-back-to-original-origin.any.js": "covered by corpus.json "
    "(tainted origin back to the page's origin)",
    "fetch/api/redirect/redirect-origin.any.js": "covered by hops' origin in rule_cases.py",
    "fetch/api/redirect/redirect-referrer.any.js": "not expressible: referrer",
    "fetch/api/redirect/redirect-schemes.html": "expressed in rule_cases.py redirect-*-to-*",
    "fetch/api/redirect/redirect-to-dataurl.any.js": "expressed in rule_cases.py "
    "redirect-location-data*",
    "fetch/api/redirect/redirect-upload.h2.any.js": "not expressible: HTTP/2 streaming upload",
    "cors/304.htm": "not expressible: needs an HTTP cache revalidation",
    "cors/allow-headers.htm": "covered by corpus.json ACAH entries",
    "cors/basic.htm": "covered by corpus.json",
    "cors/client-hint-request-headers.htm": "covered by corpus.json client-hint entries",
    "cors/cors-safelisted-request-header.any.js": "covered by rule_cases.py request-header-*",
    "cors/credentials-flag.htm": "covered by corpus.json acac-* entries",
    "cors/access-control-expose-headers-parsing.window.js": "covered by corpus.json "
    "expose-* entries",
    "cors/late-upload-events.htm": "not expressible: XHR upload events",
    "cors/preflight-cache.htm": "expressed in rule_cases.py cache-*",
    "cors/preflight-failure.htm": "covered by preflight_status",
    "cors/redirect-origin.htm": "covered by hops' origin",
    "cors/redirect-preflight.htm": "covered by corpus.json",
    "cors/redirect-preflight-2.htm": "covered by corpus.json",
    "cors/redirect-userinfo.htm": "expressed in rule_cases.py redirect-location-*userinfo*",
    "cors/remote-origin.htm": "not expressible: needs a second page origin in an iframe",
    "cors/request-headers.htm": "covered by corpus.json",
    "cors/response-headers.htm": "covered by corpus.json readable_headers",
    "cors/script-304.html": "not expressible: script elements and the HTTP cache",
    "cors/simple-requests.htm": "covered by corpus.json",
    "cors/status.htm": "covered by preflight_status and corpus.json",
    "cors/status-async.htm": "covered by preflight_status",
    "cors/status-preflight.htm": "covered by preflight_status",
    "cors/CORS_*.htm (legacy W3C tests)": "not expressible: XHR-only behaviours",
}
