"""Cases for the rules of Fetch's CORS check, CORS-preflight fetch, HTTP-redirect
fetch, HTTP-network-or-cache fetch and the URL host/port parser, each recorded
in real Chromium (`record_cases.py` writes recorded.json).

Theory of operation: each entry names its area, the rule's source (a Fetch or
URL standard section, a web-platform-tests file, a Chromium source file) and
one scenario, or `steps` sharing one URL (the preflight cache). Chromium's
outcome for every entry is recorded once in recorded.json, so the model is held
to Chromium without a browser (tests/oracles/browsers/test_browser_recorded.py), and the browser
test re-runs the recording to prove it is still what Chromium does.

The scenarios use the harness placeholders (`{page_port}`, `{api_port}`,
`{other_port}`, `{sid}`).
"""

from __future__ import annotations

from typing import Any

PAGE = "http://127.0.0.1:{page_port}"
API = "http://127.0.0.1:{api_port}"
OTHER = "http://127.0.0.1:{other_port}"
TARGET = API + "/{sid}/p"

Scenario = dict[str, Any]
Entry = dict[str, Any]

CORS_CHECK = "Fetch §4.10 CORS check; Chromium services/network/public/cpp/cors/cors.cc CheckAccess"
URL_HOST = (
    "URL Standard §3.5 host parsing, §3.3 IPv4 parser, §4.4 port state; Chromium "
    "url/url_canon_host.cc, url/url_canon_ip.cc, url/url_canon_etc.cc (GURL validity)"
)
HEADER_BLOCK = "Chromium net/http/http_response_headers.cc TryToCreate (NUL), http_stream_parser.cc"
CONSOLE = "Chromium third_party/blink/renderer/platform/loader/cors/cors_error_string.cc EncodeHint"
URL_SERIALIZE = (
    "URL Standard §4.5 URL serializing; Chromium url/url_canon_path.cc, url_canon_query.cc"
)
REQUEST_HEADERS = (
    "Fetch §2.2.2 forbidden/safelisted request-header; Chromium net/http/http_util.cc "
    "IsSafeHeader, services/network/public/cpp/cors/cors.cc IsCorsSafelistedHeader"
)
BYTESTRING = "WebIDL ByteString; Chromium bindings native_value_traits_impl.h"
REDIRECT = (
    "Fetch §4.4 HTTP-redirect fetch; Chromium net/url_request/url_request_job.cc "
    "CanFollowRedirect, services/network/cors/cors_url_loader.cc OnReceiveRedirect"
)
PREFLIGHT_CACHE = (
    "Fetch §4.9 CORS-preflight cache; Chromium services/network/cors/preflight_cache.cc, "
    "preflight_result.cc ParseAccessControlMaxAge"
)
REQUEST_INIT = "Fetch §5.4 Request constructor, §5.1 extract a body; Chromium request.cc"


def answer(status: int = 200, *headers: tuple[str, str]) -> Scenario:
    return {"status": status, "headers": [list(h) for h in headers]}


def scenario(
    *,
    url: str = TARGET,
    method: str = "GET",
    headers: list[tuple[str, str]] | None = None,
    credentials: str = "omit",
    preflight: Any = None,
    actual: Any = None,
    read: list[str] | None = None,
    **request_extra: Any,
) -> Scenario:
    result: Scenario = {
        "page_origin": PAGE,
        "request": {
            "url": url,
            "method": method,
            "headers": [list(h) for h in headers or []],
            "credentials": credentials,
            **request_extra,
        },
        "responses": {"actual": actual if actual is not None else answer(200)},
    }
    if preflight is not None:
        result["responses"]["preflight"] = preflight
    if read:
        result["read_headers"] = read
    return result


ACAO = "Access-Control-Allow-Origin"
ANY_ACAO = (ACAO, "*")

#: Access-Control-Allow-Origin values whose verdict hangs on the URL parser.
ACAO_VALUES: list[tuple[str, str]] = [
    ("scheme-colon-host", "http:o.test"),
    ("scheme-one-slash", "http:/o.test"),
    ("scheme-backslashes", "http:\\\\o.test"),
    ("scheme-three-slashes", "http:///o.test"),
    ("port-65535", "http://o.test:65535"),
    ("port-65536", "http://o.test:65536"),
    ("port-99999", "http://o.test:99999"),
    ("port-letters", "http://o.test:8x"),
    ("port-negative", "http://o.test:-1"),
    ("port-plus", "http://o.test:+1"),
    ("port-zero", "http://o.test:0"),
    ("port-leading-zeros", "http://o.test:00080"),
    ("port-many-leading-zeros", "http://o.test:0000000000080"),
    ("port-empty", "http://o.test:"),
    ("port-twice", "http://o.test:80:80"),
    ("ipv4-five-parts", "http://1.2.3.4.5"),
    ("ipv4-256-first", "http://256.0.0.1"),
    ("ipv4-256-last", "http://1.2.3.256"),
    ("ipv4-ends-in-number", "http://foo.1"),
    ("ipv4-bad-octal", "http://1.09"),
    ("ipv4-too-big", "http://4294967296"),
    ("ipv4-hex", "http://0x7f.1"),
    ("ipv4-two-parts", "http://127.1"),
    ("ipv4-one-number", "http://2130706433"),
    ("ipv4-trailing-dot", "http://1.2.3.4."),
    ("ipv4-hex-empty", "http://0x"),
    ("ipv4-ends-in-hex-letter", "http://a.0xg"),
    ("host-less-than", "http://a<b"),
    ("host-caret", "http://a^b"),
    ("host-pipe", "http://a|b"),
    ("host-del", "http://a\x7fb"),
    ("host-control", "http://a\x01b"),
    ("host-escaped-hash", "http://o.test%23"),
    ("host-escaped-slash", "http://a%2fb"),
    ("host-bad-escape", "http://a%zz"),
    ("host-escaped-letter", "http://a%41b"),
    ("host-escaped-space", "http://a%20b"),
    ("host-percent", "http://a%"),
    ("host-star", "http://*.o.test"),
    ("host-quote", 'http://a"b'),
    ("host-braces", "http://a{b}"),
    ("host-backslash-path", "http://o.test\\x"),
    ("ipv6", "http://[::1]"),
    ("ipv6-unclosed", "http://[::1"),
    ("ipv6-three-groups", "http://[1:2:3]"),
    ("ipv6-bad-port", "http://[::1]:99999"),
    ("ipv6-v4-tail", "http://[::1.2.3.4]"),
    ("leading-control", "\x01http://o.test"),
    ("tab-in-scheme", "ht\ttps://o.test"),
    ("tab-in-host", "http://o.\ttest"),
    ("latin1-byte-host", "http://\xe9.test"),
    ("utf8-bytes-host", "http://\xc3\xa9.test"),
    ("punycode-invalid-label", "http://xn--a.test"),
    ("punycode-label", "http://xn--9ca.test"),
    ("opaque-host-less-than", "foo://a<b"),
    ("file-host-less-than", "file://a<b"),
    ("non-special-bare", "foo:"),
    ("javascript", "javascript:x"),
    ("data", "data:,"),
    ("about-blank", "about:blank"),
    ("ftp", "ftp://o.test"),
    ("opaque-bad-port", "foo://o.test:99999"),
    ("opaque-port-letters", "foo://o.test:8x"),
    ("scheme-relative", "//o.test"),
    ("colon-slash-slash", "://o.test"),
    ("bare-host", "o.test"),
    ("dash", "-"),
    ("two-stars", "**"),
    ("quoted-star", "'*'"),
    ("double-quoted-star", '"*"'),
    ("star-prefix", "*https://o.test"),
    ("scheme-only", "http:"),
    ("scheme-slashes-only", "http://"),
    ("colon-authority", "http:://o.test"),
    ("user-no-host", "http://u@"),
    ("empty-user", "http://@o.test"),
    ("userinfo", "http://u:p@o.test"),
    ("upper-case-scheme", "HTTP://127.0.0.1:{page_port}"),
    ("fragment", PAGE + "#"),
    ("digit-scheme", "1http://o.test"),
    ("plus-scheme", "a+b://o.test"),
    ("underscore-scheme", "a_b://o.test"),
]


def acao_cases() -> list[Entry]:
    entries = []
    for label, value in ACAO_VALUES:
        entries.append(
            {
                "name": f"acao-url-{label}",
                "area": "acao",
                "source": f"{CORS_CHECK}; {URL_HOST}; WPT cors/origin.htm",
                "scenario": scenario(actual=answer(200, (ACAO, value))),
            }
        )
    for label, value in [
        ("leading-control", "\x01http://o.test"),
        ("port-99999", "http://o.test:99999"),
        ("scheme-one-slash", "http:/o.test"),
    ]:
        entries.append(
            {
                "name": f"preflight-acao-url-{label}",
                "area": "acao",
                "source": f"{CORS_CHECK}; Fetch §4.8 CORS-preflight fetch; {URL_HOST}",
                "scenario": scenario(
                    method="PUT",
                    preflight=answer(204, (ACAO, value), ("Access-Control-Allow-Methods", "PUT")),
                    actual=answer(200, ANY_ACAO),
                ),
            }
        )
    for label, headers in [
        ("nul-before", [(ACAO, "\x00" + PAGE)]),
        ("nul-after", [(ACAO, PAGE + "\x00")]),
        ("nul-after-star", [(ACAO, "*\x00")]),
        ("nul-other-header", [ANY_ACAO, ("X-Other", "a\x00b")]),
    ]:
        entries.append(
            {
                "name": f"header-block-{label}",
                "area": "network-error",
                "source": HEADER_BLOCK,
                "scenario": scenario(actual=answer(200, *headers)),
            }
        )
    entries.append(
        {
            "name": "header-block-nul-in-preflight",
            "area": "network-error",
            "source": HEADER_BLOCK,
            "scenario": scenario(
                method="PUT",
                preflight=answer(204, (ACAO, PAGE), ("Access-Control-Allow-Methods", "PUT\x00")),
                actual=answer(200, ANY_ACAO),
            ),
        }
    )
    return entries


def console_cases() -> list[Entry]:
    entries = []
    for label, headers, credentials in [
        ("acac-tab", [(ACAO, PAGE), ("Access-Control-Allow-Credentials", "tru\te")], "include"),
        (
            "acac-latin1",
            [(ACAO, PAGE), ("Access-Control-Allow-Credentials", "tru\xe9")],
            "include",
        ),
        ("acao-multiple-utf8", [(ACAO, "\xc3\xa9, f")], "omit"),
        ("acao-quote-backslash", [(ACAO, 'x"y\\z')], "omit"),
        ("acao-non-latin1", [(ACAO, "http://\u20ac.test")], "omit"),
        ("acao-tab-inside", [(ACAO, "a\tb")], "omit"),
    ]:
        entries.append(
            {
                "name": f"console-{label}",
                "area": "console",
                "source": CONSOLE,
                "scenario": scenario(credentials=credentials, actual=answer(200, *headers)),
            }
        )
    for label, url in [
        ("dot-segments", API + "/{sid}/a/../b/./c"),
        ("escaped-dot-segments", API + "/{sid}/x/%2e%2E/y"),
        ("escaped-dot-inside", API + "/{sid}/a%2eb"),
        ("backslashes", API + "/{sid}\\a\\b"),
        ("spaces", "HTTP://127.0.0.1:{api_port}/{sid}/p q?r s#t u"),
        ("path-specials", API + "/{sid}/a|b^c{d}`e"),
        ("query-specials", API + "/{sid}/?a'b\"c<d>`{}"),
        ("non-ascii", API + "/{sid}/\xe9?\xe9#\xe9"),
        ("hex-ipv4", "http://0x7f.1:{api_port}/{sid}/p"),
        ("number-ipv4", "http://2130706433:{api_port}/{sid}/p"),
        ("kept-escapes", API + "/{sid}/%41%7e"),
        ("bad-escape", API + "/{sid}/%zz%"),
        ("empty-userinfo", "http://:@127.0.0.1:{api_port}/{sid}/p"),
        ("tab-newline", API + "/{sid}/a\tb\nc"),
        ("leading-trailing-space", "  " + API + "/{sid}/p  "),
        ("del-in-path", API + "/{sid}/a\x7fb"),
        ("fragment-specials", API + "/{sid}/p#a b`c<d>{|}"),
        ("relative", "/../{sid}/p"),
    ]:
        entries.append(
            {
                "name": f"console-url-{label}",
                "area": "console",
                "source": URL_SERIALIZE,
                "scenario": scenario(url=url, actual=answer(200)),
            }
        )
    entries.append(
        {
            "name": "console-url-redirect-keeps-fragment",
            "area": "console",
            "source": f"{URL_SERIALIZE}; Fetch §4.4 step 'location URL's fragment'",
            "scenario": scenario(
                url=TARGET + "#f",
                actual=[answer(302, ("Location", "/{sid}/n"), ANY_ACAO), answer(200)],
            ),
        }
    )
    return entries


ALLOW_ALL_PREFLIGHT = answer(
    204,
    (ACAO, PAGE),
    ("Access-Control-Allow-Methods", "PUT, TRACE"),
    ("Access-Control-Allow-Headers", "*"),
)


def header_cases() -> list[Entry]:
    entries = []
    for label, method, headers in [
        ("user-agent", "GET", [("User-Agent", "x")]),
        ("private-network", "GET", [("Access-Control-Request-Private-Network", "true")]),
        ("method-override-trace", "GET", [("X-HTTP-Method-Override", " PUT , Trace ")]),
        ("method-override-put", "GET", [("X-HTTP-Method-Override", "PUT")]),
        ("dnt", "GET", [("DNT", "1")]),
        ("accept-128-latin1", "GET", [("Accept", "\xe9" * 128)]),
        ("accept-129", "GET", [("Accept", "a" * 129)]),
        ("accept-128", "GET", [("Accept", "a" * 128)]),
        ("intervention", "GET", [("Intervention", "whatever")]),
        ("non-latin1-value", "GET", [("X", "\u20ac")]),
        ("non-latin1-name", "GET", [("\u20ac", "x")]),
        ("non-latin1-then-trace", "TRACE", [("X", "\u20ac")]),
        ("latin1-value", "GET", [("X", "\xe9")]),
        ("range-capital-unit", "GET", [("Range", "Bytes=0-1")]),
        ("range-upper-unit", "GET", [("Range", "BYTES=0-1")]),
        ("range-plus", "GET", [("Range", "bytes=+1-2")]),
        ("range-minus-one-end", "GET", [("Range", "bytes=1--1")]),
        ("range-overflow", "GET", [("Range", "bytes=9223372036854775808-")]),
        ("range-int64-max", "GET", [("Range", "bytes=9223372036854775807-")]),
        ("range-end-overflow", "GET", [("Range", "bytes=0-9223372036854775808")]),
        ("range-suffix", "GET", [("Range", "bytes=-5")]),
        ("range-open", "GET", [("Range", "bytes=5-")]),
        ("range-equal", "GET", [("Range", "bytes=1-1")]),
        ("range-2-32", "GET", [("Range", "bytes=4294967296-")]),
        ("range-2-53-plus-1", "GET", [("Range", "bytes=9007199254740993-")]),
        ("range-18-digits", "GET", [("Range", "bytes=999999999999999999-")]),
        ("range-19-digits", "GET", [("Range", "bytes=1000000000000000000-")]),
        ("range-leading-zero", "GET", [("Range", "bytes=00-1")]),
        ("range-end-leading-zero", "GET", [("Range", "bytes=0-01")]),
        ("range-big-end", "GET", [("Range", "bytes=0-999999999999999999")]),
        ("range-int64-max-minus-1", "GET", [("Range", "bytes=9223372036854775806-")]),
        ("range-2-62", "GET", [("Range", "bytes=4611686018427387904-")]),
        ("range-end-int64-max", "GET", [("Range", "bytes=0-9223372036854775807")]),
        ("range-end-int64-max-minus-1", "GET", [("Range", "bytes=0-9223372036854775806")]),
        (
            "range-int64-max-closed",
            "GET",
            [("Range", "bytes=9223372036854775806-9223372036854775806")],
        ),
        ("range-20-digits-zeros", "GET", [("Range", "bytes=00000000000000000001-")]),
        ("range-two-headers", "GET", [("Range", "bytes=0-1"), ("Range", "bytes=0-1")]),
        ("range-space", "GET", [("Range", "bytes= 0-1")]),
        ("ect-upper", "GET", [("ECT", "4G")]),
        ("accept-language-latin1", "GET", [("Accept-Language", "\xe9")]),
        ("content-type-latin1-param", "POST", [("Content-Type", "text/plain; charset=\xe9")]),
        ("content-type-128-latin1", "POST", [("Content-Type", "text/plain;a=" + "\xe9" * 115)]),
        ("content-type-129-latin1", "POST", [("Content-Type", "text/plain;a=" + "\xe9" * 116)]),
        (
            "total-1024-latin1",
            "GET",
            [
                ("Accept", "\xe9" * 128),
                ("Accept-Language", "a" * 128),
                ("Content-Language", "a" * 128),
                ("DPR", "1" * 128),
                ("Width", "1" * 128),
                ("Viewport-Width", "1" * 128),
                ("RTT", "1" * 128),
                ("Downlink", "1" * 128),
            ],
        ),
        (
            "total-1026-latin1",
            "GET",
            [
                ("Accept", "\xe9" * 128),
                ("Accept-Language", "a" * 128),
                ("Content-Language", "a" * 128),
                ("DPR", "1" * 128),
                ("Width", "1" * 128),
                ("Viewport-Width", "1" * 128),
                ("RTT", "1" * 128),
                ("Downlink", "1" * 128),
                ("Save-Data", "on"),
            ],
        ),
    ]:
        entries.append(
            {
                "name": f"request-header-{label}",
                "area": "headers",
                "source": f"{REQUEST_HEADERS}; {BYTESTRING}",
                "scenario": scenario(
                    method=method,
                    headers=headers,
                    preflight=ALLOW_ALL_PREFLIGHT,
                    actual=answer(200, ANY_ACAO),
                ),
            }
        )
    return entries


def _chain(count: int, final: Scenario, base: str = API) -> list[Scenario]:
    hops = [
        answer(302, ("Location", f"{base}/{{sid}}/r{index + 1}"), ANY_ACAO)
        for index in range(count)
    ]
    return [*hops, final]


def redirect_cases() -> list[Entry]:
    ok = answer(200, (ACAO, "null"))
    cases: list[tuple[str, Scenario]] = [
        (
            "location-two-values",
            scenario(
                # One answer for every hop, as the harness's server gives
                # (WebKit follows the joined value `/{sid}/a, /{sid}/b` in a loop).
                actual=answer(302, ("Location", "/{sid}/a"), ("Location", "/{sid}/b"), ANY_ACAO)
            ),
        ),
        (
            "location-same-twice",
            scenario(
                actual=[
                    answer(302, ("Location", "/{sid}/a"), ("Location", "/{sid}/a"), ANY_ACAO),
                    answer(200, ANY_ACAO),
                ]
            ),
        ),
        (
            "location-two-values-on-200",
            scenario(
                actual=answer(200, ("Location", "/{sid}/a"), ("Location", "/{sid}/b"), ANY_ACAO)
            ),
        ),
        ("location-empty", scenario(actual=answer(302, ("Location", ""), ANY_ACAO))),
        (
            "location-bad-port-no-acao",
            scenario(actual=answer(302, ("Location", "http://127.0.0.1:99999/{sid}/n"))),
        ),
        (
            "location-bad-port",
            scenario(actual=answer(302, ("Location", "http://127.0.0.1:99999/{sid}/n"), ANY_ACAO)),
        ),
        (
            "location-unclosed-ipv6",
            scenario(actual=answer(302, ("Location", "http://[::1/{sid}/n"), ANY_ACAO)),
        ),
        (
            "location-hex-ipv4",
            scenario(
                actual=[
                    answer(302, ("Location", "http://0x7f.1:{other_port}/{sid}/n"), ANY_ACAO),
                    ok,
                ]
            ),
        ),
        (
            "location-non-ascii",
            scenario(
                actual=[answer(302, ("Location", OTHER + "/{sid}/\xc3\xa9"), ANY_ACAO), answer(200)]
            ),
        ),
        ("chain-20", scenario(actual=_chain(20, answer(200, ANY_ACAO)))),
        ("chain-21", scenario(actual=_chain(21, answer(200, ANY_ACAO)))),
        (
            "same-origin-chain-21",
            scenario(url=PAGE + "/{sid}/p", actual=_chain(21, answer(200), base=PAGE)),
        ),
        (
            "location-empty-userinfo",
            scenario(
                actual=[
                    answer(302, ("Location", "http://:@127.0.0.1:{other_port}/{sid}/n"), ANY_ACAO),
                    ok,
                ]
            ),
        ),
        (
            "location-user-empty-password",
            scenario(
                actual=[
                    answer(302, ("Location", "http://u:@127.0.0.1:{other_port}/{sid}/n"), ANY_ACAO),
                    ok,
                ]
            ),
        ),
        (
            "location-empty-user-password",
            scenario(
                actual=[
                    answer(302, ("Location", "http://:p@127.0.0.1:{other_port}/{sid}/n"), ANY_ACAO),
                    ok,
                ]
            ),
        ),
        ("location-data", scenario(actual=answer(302, ("Location", "data:,x"), ANY_ACAO))),
        ("location-data-no-acao", scenario(actual=answer(302, ("Location", "data:,x")))),
        (
            "same-origin-to-about-blank",
            scenario(url=PAGE + "/{sid}/p", actual=answer(302, ("Location", "about:blank"))),
        ),
        (
            "same-origin-to-data",
            scenario(url=PAGE + "/{sid}/p", actual=answer(302, ("Location", "data:,x"))),
        ),
        (
            "same-origin-to-unknown-scheme",
            scenario(url=PAGE + "/{sid}/p", actual=answer(302, ("Location", "foo://bar/x"))),
        ),
        (
            "location-about-blank",
            scenario(actual=answer(302, ("Location", "about:blank"), ANY_ACAO)),
        ),
        (
            "location-javascript",
            scenario(actual=answer(302, ("Location", "javascript:1"), ANY_ACAO)),
        ),
        ("location-file", scenario(actual=answer(302, ("Location", "file:///etc/x"), ANY_ACAO))),
        (
            "post-301-to-ws",
            scenario(method="POST", actual=answer(301, ("Location", "ws://127.0.0.1/x"), ANY_ACAO)),
        ),
        (
            "put-307-to-ws",
            scenario(
                method="PUT",
                preflight=answer(204, (ACAO, PAGE), ("Access-Control-Allow-Methods", "PUT")),
                actual=answer(307, ("Location", "ws://127.0.0.1/x"), ANY_ACAO),
            ),
        ),
        (
            "same-origin-to-ws",
            scenario(url=PAGE + "/{sid}/p", actual=answer(302, ("Location", "ws://127.0.0.1/x"))),
        ),
        (
            "post-301-to-data",
            scenario(method="POST", actual=answer(301, ("Location", "data:,x"), ANY_ACAO)),
        ),
        (
            "get-custom-header-to-ws",
            scenario(
                headers=[("X-A", "1")],
                preflight=answer(204, (ACAO, PAGE), ("Access-Control-Allow-Headers", "x-a")),
                actual=answer(302, ("Location", "ws://127.0.0.1/x"), ANY_ACAO),
            ),
        ),
        (
            "no-cors-to-unknown-scheme",
            scenario(mode="no-cors", actual=answer(302, ("Location", "foo://bar/x"))),
        ),
        (
            "no-cors-to-ws",
            scenario(mode="no-cors", actual=answer(302, ("Location", "ws://127.0.0.1/x"))),
        ),
        (
            "no-cors-post-301-to-ws",
            scenario(
                mode="no-cors", method="POST", actual=answer(301, ("Location", "ws://127.0.0.1/x"))
            ),
        ),
        (
            "no-cors-to-about-blank",
            scenario(mode="no-cors", actual=answer(302, ("Location", "about:blank"))),
        ),
        ("location-ws", scenario(actual=answer(302, ("Location", "ws://127.0.0.1/x"), ANY_ACAO))),
        ("location-ftp", scenario(actual=answer(302, ("Location", "ftp://127.0.0.1/x"), ANY_ACAO))),
        ("location-blob", scenario(actual=answer(302, ("Location", "blob:http://a/b"), ANY_ACAO))),
        ("location-mailto", scenario(actual=answer(302, ("Location", "mailto:a@b"), ANY_ACAO))),
        (
            "same-origin-to-ftp",
            scenario(url=PAGE + "/{sid}/p", actual=answer(302, ("Location", "ftp://127.0.0.1/x"))),
        ),
        (
            "chain-21-last-without-acao",
            scenario(actual=[*_chain(20, answer(200))[:-1], answer(302, ("Location", "/{sid}/z"))]),
        ),
        (
            "error-mode",
            scenario(redirect="error", actual=answer(302, ("Location", "/{sid}/n"), ANY_ACAO)),
        ),
        (
            "error-mode-bad-port",
            scenario(
                redirect="error",
                actual=answer(302, ("Location", "http://127.0.0.1:99999/"), ANY_ACAO),
            ),
        ),
        (
            "error-mode-no-acao",
            scenario(redirect="error", actual=answer(302, ("Location", "/{sid}/n"))),
        ),
        (
            "location-unknown-scheme",
            scenario(actual=answer(302, ("Location", "foo://bar/x"), ANY_ACAO)),
        ),
        (
            "preflight-redirect-bad-port",
            scenario(
                method="PUT",
                preflight=answer(302, ("Location", "http://127.0.0.1:99999/")),
                actual=answer(200, ANY_ACAO),
            ),
        ),
        (
            "preflight-two-locations",
            scenario(
                method="PUT",
                preflight=answer(
                    200,
                    (ACAO, PAGE),
                    ("Access-Control-Allow-Methods", "PUT"),
                    ("Location", "/a"),
                    ("Location", "/b"),
                ),
                actual=answer(200, ANY_ACAO),
            ),
        ),
        (
            "location-backslashes",
            scenario(
                actual=[
                    answer(302, ("Location", "\\\\127.0.0.1:{other_port}\\{sid}\\n"), ANY_ACAO),
                    answer(200),
                ]
            ),
        ),
        (
            "location-dot-segments",
            scenario(actual=[answer(302, ("Location", "/x/../{sid}/./n"), ANY_ACAO), answer(200)]),
        ),
        (
            "location-300",
            scenario(actual=answer(300, ("Location", "/{sid}/n"), ANY_ACAO)),
        ),
        (
            "location-304-like-redirect",
            scenario(actual=answer(305, ("Location", "/{sid}/n"), ANY_ACAO)),
        ),
        (
            "location-whitespace-only",
            scenario(actual=answer(302, ("Location", "  "), ANY_ACAO)),
        ),
        (
            "location-no-cors-two-values",
            scenario(
                mode="no-cors",
                actual=answer(302, ("Location", "/{sid}/a"), ("Location", "/{sid}/b")),
            ),
        ),
        (
            "location-manual-bad-port",
            scenario(
                redirect="manual",
                actual=answer(302, ("Location", "http://127.0.0.1:99999/"), ANY_ACAO),
            ),
        ),
    ]
    entries = [
        {"name": f"redirect-{label}", "area": "redirects", "source": REDIRECT, "scenario": s}
        for label, s in cases
    ]
    delete_preflight = answer(204, ANY_ACAO, ("Access-Control-Allow-Methods", "DELETE"))
    # WebKitGTK's network layer turns a DELETE redirected to another origin
    # than the hop it left into a GET, whatever the 3xx (Chromium and Firefox
    # keep DELETE on a 307 and preflight it).
    for label, url, actual in [
        # Same-origin DELETE sent to another origin: no preflight in WebKit.
        (
            "delete-307-leaves-page-origin",
            PAGE + "/{sid}/p",
            [answer(307, ("Location", API + "/{sid}/n")), answer(200, ANY_ACAO)],
        ),
        # Preflighted DELETE redirected to a third origin.
        (
            "delete-307-to-other-origin",
            TARGET,
            [answer(307, ("Location", OTHER + "/{sid}/n"), ANY_ACAO), answer(200, ANY_ACAO)],
        ),
        # A 307 within one origin keeps DELETE in all three.
        (
            "delete-307-same-origin-hop",
            TARGET,
            [answer(307, ("Location", "/{sid}/n"), ANY_ACAO), answer(200, ANY_ACAO)],
        ),
    ]:
        entries.append(
            {
                "name": f"redirect-{label}",
                "area": "redirects",
                "source": f"{REDIRECT}; WebKit Source/WebKit/NetworkProcess/soup/"
                "NetworkDataTaskSoup.cpp shouldRedirectAsGET",
                "scenario": scenario(
                    url=url, method="DELETE", preflight=delete_preflight, actual=actual
                ),
            }
        )
    # Fetch §4.4 step 13 takes Authorization off a hop to another origin, so
    # that hop needs no preflight for it; Firefox still preflights it (its
    # load info keeps the unsafe names the fetch started with), and the
    # preflight names no header (found by browser-diff seed 2, random-2-289).
    same_origin_start = PAGE + "/{sid}/r"
    for label, preflight_answer in [
        ("passes", answer(204, ANY_ACAO)),
        ("refused", answer(500, ANY_ACAO)),
    ]:
        entries.append(
            {
                "name": f"redirect-authorization-dropped-from-page-preflight-{label}",
                "area": "redirects",
                "source": f"{REDIRECT}; Firefox netwerk/protocol/http/nsCORSListenerProxy.cpp "
                "UpdateChannel",
                "scenario": scenario(
                    url=same_origin_start,
                    headers=[("Authorization", "Bearer t0ken")],
                    preflight=preflight_answer,
                    actual=[answer(301, ("Location", API + "/{sid}/n")), answer(200, ANY_ACAO)],
                ),
            }
        )
    # WebKit checks the 3xx of a cross-origin hop with the credentials policy
    # of the first request (`same-origin` from the page's own origin: "use"),
    # though not the final response.
    first_hop = answer(302, ("Location", API + "/{sid}/n"))
    page_acao = (ACAO, PAGE)
    for label, actual in [
        ("final-without-credentials", [first_hop, answer(200, page_acao)]),
        (
            "redirect-without-credentials",
            [first_hop, answer(302, ("Location", "/{sid}/m"), page_acao), answer(200, page_acao)],
        ),
        (
            "redirect-wildcard",
            [first_hop, answer(302, ("Location", "/{sid}/m"), ANY_ACAO), answer(200, ANY_ACAO)],
        ),
        (
            "redirect-with-credentials",
            [
                first_hop,
                answer(
                    302,
                    ("Location", "/{sid}/m"),
                    page_acao,
                    ("Access-Control-Allow-Credentials", "true"),
                ),
                answer(200, page_acao),
            ],
        ),
    ]:
        entries.append(
            {
                "name": f"redirect-same-origin-start-{label}",
                "area": "redirects",
                "source": f"{REDIRECT}; WebKit Source/WebCore/loader/SubresourceLoader.cpp "
                "checkRedirectionCrossOriginAccessControl",
                "scenario": scenario(
                    url=PAGE + "/{sid}/p", credentials="same-origin", actual=actual
                ),
            }
        )
    # ... unless a preflight went out on the way (it drops the credentials).
    entries.append(
        {
            "name": "redirect-same-origin-start-preflighted-wildcard",
            "area": "redirects",
            "source": f"{REDIRECT}; WebKit Source/WebKit/NetworkProcess/NetworkLoadChecker.cpp",
            "scenario": scenario(
                url=PAGE + "/{sid}/p",
                method="PUT",
                credentials="same-origin",
                preflight=answer(204, page_acao, ("Access-Control-Allow-Methods", "PUT")),
                actual=[
                    answer(307, ("Location", API + "/{sid}/n")),
                    answer(307, ("Location", "/{sid}/m"), ANY_ACAO),
                    answer(200, ANY_ACAO),
                ],
            ),
        }
    )
    # A no-cors POST 303 to another origin: libsoup clears the Origin the
    # request kept (WebKit), and the GETs after it carry none.
    entries.append(
        {
            "name": "redirect-no-cors-post-303-other-origin",
            "area": "redirects",
            "source": f"{REDIRECT}; WebKit Source/WebKit/NetworkProcess/soup/"
            "NetworkDataTaskSoup.cpp continueHTTPRedirection",
            "scenario": scenario(
                method="POST",
                mode="no-cors",
                actual=[
                    answer(303, ("Location", OTHER + "/{sid}/n")),
                    answer(302, ("Location", API + "/{sid}/m")),
                    answer(200),
                ],
            ),
        }
    )
    # WebKit preflights every hop after a preflighted one, even as a GET: the
    # second preflight carries `Origin: null`, which this one does not allow.
    entries.append(
        {
            "name": "redirect-preflight-again-after-303",
            "area": "redirects",
            "source": f"{REDIRECT}; WebKit Source/WebKit/NetworkProcess/NetworkLoadChecker.cpp "
            "checkCORSRequest",
            "scenario": scenario(
                method="PUT",
                preflight=answer(204, page_acao, ("Access-Control-Allow-Methods", "PUT")),
                actual=[
                    answer(303, ("Location", OTHER + "/{sid}/n"), ANY_ACAO),
                    answer(200, ANY_ACAO),
                ],
            ),
        }
    )
    # WebKit refuses a same-origin hop's redirect to a URL with userinfo on
    # another origin only after that hop's preflight went out.
    entries.append(
        {
            "name": "redirect-userinfo-after-preflight",
            "area": "redirects",
            "source": f"{REDIRECT}; WebKit Source/WebKit/NetworkProcess/NetworkLoadChecker.cpp "
            "checkRedirection, Source/WebCore/loader/SubresourceLoader.cpp",
            "scenario": scenario(
                url=PAGE + "/{sid}/p",
                headers=[("X-Requested-With", "1")],
                preflight=answer(204, ANY_ACAO, ("Access-Control-Allow-Headers", "*")),
                actual=[
                    answer(302, ("Location", "http://user:pw@127.0.0.1:{api_port}/{sid}/n")),
                    answer(200, ANY_ACAO),
                ],
            ),
        }
    )
    # A lone Latin-1 byte in Location: libsoup makes it U+FFFD before WebKit
    # reads the bytes as Latin-1.
    entries.append(
        {
            "name": "redirect-location-latin1-byte",
            "area": "redirects",
            "source": f"{REDIRECT}; WebKit Source/WebCore/platform/network/"
            "ResourceResponseBase.cpp; libsoup's header parsing (measured)",
            "scenario": scenario(
                actual=[
                    answer(302, ("Location", OTHER + "/{sid}/\xe9"), ANY_ACAO),
                    answer(200, ANY_ACAO),
                ]
            ),
        }
    )
    return entries


def cache_cases() -> list[Entry]:
    def preflight(*extra: tuple[str, str], methods: str = "PUT") -> Scenario:
        return answer(204, (ACAO, PAGE), ("Access-Control-Allow-Methods", methods), *extra)

    refusing = answer(204)
    ok = answer(200, ANY_ACAO)
    put = {"method": "PUT"}

    def step(time: float = 0, **kwargs: Any) -> Scenario:
        result = scenario(**{**put, **kwargs})
        if time:
            result["time"] = time
        return result

    sequences: dict[str, list[Scenario]] = {
        "max-age-overflow": [
            step(
                preflight=preflight(("Access-Control-Max-Age", "99999999999999999999")), actual=ok
            ),
            step(time=6, preflight=refusing, actual=ok),
        ],
        "max-age-underflow": [
            step(
                preflight=preflight(("Access-Control-Max-Age", "-99999999999999999999")), actual=ok
            ),
            step(preflight=refusing, actual=ok),
        ],
        "max-age-int64-max": [
            step(preflight=preflight(("Access-Control-Max-Age", "9223372036854775807")), actual=ok),
            step(time=6, preflight=refusing, actual=ok),
        ],
        "max-age-plus": [
            step(preflight=preflight(("Access-Control-Max-Age", "+60")), actual=ok),
            step(time=6, preflight=refusing, actual=ok),
        ],
        "max-age-two-headers": [
            step(
                preflight=preflight(
                    ("Access-Control-Max-Age", "60"), ("Access-Control-Max-Age", "60")
                ),
                actual=ok,
            ),
            step(time=6, preflight=refusing, actual=ok),
        ],
        "wildcard-authorization": [
            step(
                headers=[("Authorization", "x")],
                preflight=preflight(
                    ("Access-Control-Allow-Headers", "*"), ("Access-Control-Max-Age", "600")
                ),
                actual=ok,
            ),
            step(
                headers=[("Authorization", "x")],
                preflight=refusing,
                actual=ok,
            ),
        ],
        "miss-evicts": [
            step(preflight=preflight(("Access-Control-Max-Age", "600")), actual=ok),
            step(
                method="DELETE", preflight=preflight(("Access-Control-Max-Age", "600")), actual=ok
            ),
            step(preflight=refusing, actual=ok),
        ],
        "miss-replaced": [
            step(preflight=preflight(("Access-Control-Max-Age", "600")), actual=ok),
            step(
                method="DELETE",
                preflight=preflight(("Access-Control-Max-Age", "600"), methods="DELETE"),
                actual=ok,
            ),
            step(preflight=refusing, actual=ok),
        ],
        "credentials-miss-evicts": [
            step(preflight=preflight(("Access-Control-Max-Age", "600")), actual=ok),
            step(credentials="include", preflight=refusing, actual=ok),
            step(preflight=refusing, actual=ok),
        ],
        "long-url": [
            step(
                url=TARGET + "?" + "a" * 1000,
                preflight=preflight(("Access-Control-Max-Age", "600")),
                actual=ok,
            ),
            step(url=TARGET + "?" + "a" * 1000, preflight=refusing, actual=ok),
        ],
        "url-just-short": [
            step(
                url=TARGET + "?" + "a" * 940,
                preflight=preflight(("Access-Control-Max-Age", "600")),
                actual=ok,
            ),
            step(url=TARGET + "?" + "a" * 940, preflight=refusing, actual=ok),
        ],
        "fragment": [
            step(
                url=TARGET + "#a", preflight=preflight(("Access-Control-Max-Age", "600")), actual=ok
            ),
            step(url=TARGET + "#b", preflight=refusing, actual=ok),
        ],
        "no-cache-mode": [
            step(
                cache="no-cache", preflight=preflight(("Access-Control-Max-Age", "600")), actual=ok
            ),
            step(cache="no-cache", preflight=refusing, actual=ok),
        ],
        "no-cache-mode-stores": [
            step(
                cache="no-cache", preflight=preflight(("Access-Control-Max-Age", "600")), actual=ok
            ),
            step(preflight=refusing, actual=ok),
        ],
        "no-store-mode": [
            step(
                cache="no-store", preflight=preflight(("Access-Control-Max-Age", "600")), actual=ok
            ),
            step(preflight=refusing, actual=ok),
        ],
        "reload-mode": [
            step(preflight=preflight(("Access-Control-Max-Age", "600")), actual=ok),
            step(cache="reload", preflight=refusing, actual=ok),
        ],
        "force-cache-mode": [
            step(preflight=preflight(("Access-Control-Max-Age", "600")), actual=ok),
            step(cache="force-cache", preflight=refusing, actual=ok),
        ],
        "tainted-stores-under-page-origin": [
            step(
                url=API + "/{sid}/r",
                preflight=[
                    {**preflight(("Access-Control-Max-Age", "600")), "url": API + "/{sid}/r"},
                    {
                        **answer(
                            204,
                            (ACAO, "null"),
                            ("Access-Control-Allow-Methods", "PUT"),
                            ("Access-Control-Max-Age", "600"),
                        ),
                        "url": OTHER + "/{sid}/x",
                    },
                ],
                actual=[
                    answer(307, ("Location", OTHER + "/{sid}/x"), (ACAO, PAGE)),
                    answer(200, (ACAO, "null")),
                ],
            ),
            step(url=OTHER + "/{sid}/x", preflight=refusing, actual=answer(200, (ACAO, PAGE))),
        ],
        "tainted-does-not-use-page-entry": [
            step(
                url=OTHER + "/{sid}/x",
                preflight=preflight(("Access-Control-Max-Age", "600")),
                actual=answer(200, (ACAO, PAGE)),
            ),
            step(
                url=API + "/{sid}/r",
                preflight=[
                    {**preflight(("Access-Control-Max-Age", "600")), "url": API + "/{sid}/r"},
                    {**refusing, "url": OTHER + "/{sid}/x"},
                ],
                actual=[
                    answer(307, ("Location", OTHER + "/{sid}/x"), (ACAO, PAGE)),
                    answer(200, (ACAO, "null")),
                ],
            ),
        ],
    }
    return [
        {
            "name": f"cache-{name}",
            "area": "preflight-cache",
            "source": PREFLIGHT_CACHE,
            "steps": steps,
        }
        for name, steps in sequences.items()
    ]


def request_init_cases() -> list[Entry]:
    ok = answer(200, ANY_ACAO)
    cases = [
        (
            "body-text",
            scenario(
                method="POST", body={"kind": "text"}, preflight=ALLOW_ALL_PREFLIGHT, actual=ok
            ),
        ),
        (
            "body-form",
            scenario(
                method="POST", body={"kind": "form"}, preflight=ALLOW_ALL_PREFLIGHT, actual=ok
            ),
        ),
        (
            "body-blob-json",
            scenario(
                method="POST",
                body={"kind": "blob", "type": "application/json"},
                preflight=ALLOW_ALL_PREFLIGHT,
                actual=ok,
            ),
        ),
        (
            "body-blob-untyped",
            scenario(
                method="POST", body={"kind": "blob"}, preflight=ALLOW_ALL_PREFLIGHT, actual=ok
            ),
        ),
        (
            "body-blob-text-plain",
            scenario(
                method="POST",
                body={"kind": "blob", "type": "text/plain"},
                preflight=ALLOW_ALL_PREFLIGHT,
                actual=ok,
            ),
        ),
        (
            "body-text-explicit-type",
            scenario(
                method="POST",
                body={"kind": "text"},
                headers=[("Content-Type", "application/json")],
                preflight=ALLOW_ALL_PREFLIGHT,
                actual=ok,
            ),
        ),
        ("body-on-get", scenario(body={"kind": "text"}, actual=ok)),
        ("body-on-head", scenario(method="HEAD", body={"kind": "text"}, actual=ok)),
        (
            "keepalive-preflight",
            scenario(method="PUT", keepalive=True, preflight=ALLOW_ALL_PREFLIGHT, actual=ok),
        ),
        ("keepalive-simple", scenario(keepalive=True, actual=ok)),
        ("only-if-cached-cors", scenario(cache="only-if-cached", actual=ok)),
        (
            "body-303-to-get",
            scenario(
                method="POST",
                body={"kind": "blob", "type": "application/json"},
                preflight=ALLOW_ALL_PREFLIGHT,
                actual=[
                    answer(303, ("Location", OTHER + "/{sid}/n"), ANY_ACAO),
                    answer(200, (ACAO, "null")),
                ],
            ),
        ),
    ]
    return [
        {"name": f"init-{label}", "area": "request-init", "source": REQUEST_INIT, "scenario": s}
        for label, s in cases
    ]


WEBKIT_CONSOLE = (
    "WebKit Source/WebKit/NetworkProcess/NetworkLoadChecker.cpp (checkRedirection, "
    "continueCheckingRequest), Source/WebCore/loader/CrossOriginAccessControl.cpp "
    "validatePreflightResponse; WebKitGTK 2.50's console measured (webkit_console.py)"
)


def webkit_console_cases() -> list[Entry]:
    """Where WebKit's console text (or which name it prints) hangs on a rule
    of its own; recorded in all three engines."""
    refuse_headers = answer(204, ANY_ACAO, ("Access-Control-Allow-Methods", "PUT"))
    cases: list[tuple[str, Scenario]] = [
        # `fetch()` refuses it itself: a script error, no CORS line.
        ("same-origin-mode-other-origin", scenario(mode="same-origin")),
        (
            "same-origin-mode-redirected-away",
            scenario(
                url=PAGE + "/{sid}/p",
                mode="same-origin",
                actual=[answer(302, ("Location", API + "/{sid}/n")), answer(200)],
            ),
        ),
        # ... named without the userinfo the network layer took off.
        (
            "same-origin-mode-redirected-userinfo",
            scenario(
                url=PAGE + "/{sid}/p",
                mode="same-origin",
                actual=[
                    answer(302, ("Location", "http://u:p@127.0.0.1:{api_port}/{sid}/n")),
                    answer(200),
                ],
            ),
        ),
        # Outside `cors` mode a Location that does not parse is no console
        # line (a non-HTTP(S) one is).
        (
            "no-cors-bad-port",
            scenario(mode="no-cors", actual=answer(302, ("Location", "http://127.0.0.1:99999/"))),
        ),
        # The first refused header by the page's order, known names first.
        (
            "header-order-unknown-names",
            scenario(
                method="PUT",
                headers=[("x-lower", "v"), ("X-API-Key", "k")],
                preflight=refuse_headers,
            ),
        ),
        (
            "header-order-known-name-first",
            scenario(
                method="PUT",
                headers=[("x-lower", "v"), ("Content-Type", "application/json")],
                preflight=refuse_headers,
            ),
        ),
        # A 3xx with a blank Location is no redirect to WebKit: its CORS
        # check is a final response's, unprefixed.
        ("blank-location-no-acao", scenario(actual=answer(302, ("Location", " ")))),
        # The refused redirect is named with the fragment it inherits.
        (
            "redirect-target-fragment",
            scenario(
                url=TARGET + "#f",
                actual=[answer(302, ("Location", OTHER + "/{sid}/n")), answer(200)],
            ),
        ),
        # An unparsable Location after a same-origin hop fails unlogged.
        (
            "same-origin-hop-bad-port",
            scenario(
                url=PAGE + "/{sid}/p", actual=answer(302, ("Location", "http://127.0.0.1:99999/"))
            ),
        ),
    ]
    return [
        {
            "name": f"webkit-console-{label}",
            "area": "console",
            "source": WEBKIT_CONSOLE,
            "scenario": s,
        }
        for label, s in cases
    ]


def rule_cases() -> list[Entry]:
    return [
        *acao_cases(),
        *console_cases(),
        *webkit_console_cases(),
        *header_cases(),
        *redirect_cases(),
        *cache_cases(),
        *request_init_cases(),
    ]
