"""The engine profiles: one scenario, three engines, each difference pinned
(the measured facts behind each row are in tests/oracles/browsers/recorded-*.json)."""

from __future__ import annotations

from typing import Any

import pytest

from crossorigin.browser import PreflightCache, ScenarioError, simulate, simulate_trace
from crossorigin.browser.engines import BROWSERS, ENGINES

PAGE = "http://127.0.0.1:3000"
API = "http://127.0.0.1:8000/api"


def _put(preflight_headers: list[list[str]], **request: Any) -> dict[str, Any]:
    return {
        "page_origin": PAGE,
        "request": {"url": API, "method": "PUT", "credentials": "omit", **request},
        "responses": {
            "preflight": {"status": 204, "headers": preflight_headers},
            "actual": {"status": 200, "headers": [["Access-Control-Allow-Origin", "*"]]},
        },
    }


def _preflights_again_at(browser: str, max_age: str, time: float) -> bool:
    cache = PreflightCache()
    first = _put(
        [
            ["Access-Control-Allow-Origin", PAGE],
            ["Access-Control-Allow-Methods", "PUT"],
            ["Access-Control-Max-Age", max_age],
        ]
    )
    assert simulate(first, cache=cache, browser=browser)["allowed"]
    second = {**_put([]), "time": time}
    return bool(simulate(second, cache=cache, browser=browser)["preflight_sent"])


def test_browsers_in_report_order() -> None:
    assert BROWSERS == ("chromium", "firefox", "webkit")


@pytest.mark.parametrize(
    ("browser", "cap"), [("chromium", 7200), ("firefox", 86400), ("webkit", 600)]
)
def test_max_age_cap(browser: str, cap: int) -> None:
    assert ENGINES[browser].max_age_cap == cap
    assert not _preflights_again_at(browser, "999999", cap - 1)
    assert _preflights_again_at(browser, "999999", cap + 1)


@pytest.mark.parametrize(("browser", "cached"), [("chromium", True), ("firefox", False)])
def test_unparsable_max_age(browser: str, cached: bool) -> None:
    # Chromium caches `abc` for the default 5 s; Firefox caches nothing.
    assert _preflights_again_at(browser, "abc", 1) is not cached


def test_preflight_after_cross_origin_redirect_keeps_page_origin_in_firefox() -> None:
    scenario = {
        "page_origin": PAGE,
        "request": {"url": API, "method": "PUT", "credentials": "omit"},
        "responses": {
            "preflight": {
                "status": 204,
                "headers": [
                    ["Access-Control-Allow-Origin", "*"],
                    ["Access-Control-Allow-Methods", "PUT"],
                ],
            },
            "actual": [
                {
                    "status": 307,
                    "headers": [
                        ["Location", "http://localhost:9000/x"],
                        ["Access-Control-Allow-Origin", "*"],
                    ],
                },
                {"status": 200, "headers": [["Access-Control-Allow-Origin", "*"]]},
            ],
        },
    }
    origins = {}
    for browser in ("chromium", "firefox", "webkit"):
        trace = simulate_trace(scenario, browser=browser)
        assert trace.allowed
        # Every engine sends `Origin: null` on the redirected request itself...
        assert trace.outcome()["hops"][-1]["origin"] == "null"
        # ...but the second preflight carries the page's origin only in Firefox.
        second = trace.preflights[1]
        origins[browser] = dict(second.request_headers)["Origin"]
    assert origins == {"chromium": "null", "firefox": PAGE, "webkit": "null"}


def test_firefox_console_and_reason_word_for_word() -> None:
    outcome = simulate(
        {
            "page_origin": PAGE,
            "request": {"url": API},
            "responses": {"actual": {"status": 200, "headers": []}},
        },
        browser="firefox",
    )
    assert outcome["browser"] == "firefox"
    assert outcome["reason"] == "CORSMissingAllowOrigin"
    assert outcome["console"] == (
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote "
        f"resource at {API}. (Reason: CORS header \u2018Access-Control-Allow-Origin\u2019 "
        "missing). Status code: 200."
    )


def test_webkit_says_the_same_for_missing_and_mismatching_allow_origin() -> None:
    def console(headers: list[list[str]]) -> tuple[str, str]:
        outcome = simulate(
            {
                "page_origin": PAGE,
                "request": {"url": API},
                "responses": {"actual": {"status": 200, "headers": headers}},
            },
            browser="webkit",
        )
        return outcome["reason"], outcome["console"]

    missing = console([])
    mismatch = console([["Access-Control-Allow-Origin", "http://other.test"]])
    assert (
        missing
        == mismatch
        == (
            "AllowOriginNotMatching",
            f"Origin {PAGE} is not allowed by Access-Control-Allow-Origin. Status code: 200",
        )
    )


@pytest.mark.parametrize(("browser", "preflighted"), [("chromium", False), ("firefox", True)])
def test_user_agent_is_forbidden_in_chromium_and_preflighted_in_firefox(
    browser: str, preflighted: bool
) -> None:
    scenario = _put(
        [["Access-Control-Allow-Origin", "*"], ["Access-Control-Allow-Headers", "*"]],
        method="GET",
        headers=[["User-Agent", "x"]],
    )
    assert simulate(scenario, browser=browser)["preflight_sent"] is preflighted


def test_unknown_browser_is_a_scenario_error() -> None:
    with pytest.raises(ScenarioError, match="browser is 'opera'"):
        simulate(_put([]), browser="opera")


def test_firefox_follows_a_userinfo_redirect_outside_cors_mode_and_sends_no_userinfo() -> None:
    # Measured (browser-diff seed 1, random-1-595): Chromium refuses the hop
    # in every mode; Firefox follows it in no-cors mode, and the server's
    # request line never carries `u@`.
    scenario = {
        "page_origin": PAGE,
        "request": {"url": API, "mode": "no-cors"},
        "responses": {
            "actual": [
                {"status": 301, "headers": [["Location", "http://u:@127.0.0.1:8001/x"]]},
                {"status": 200, "headers": []},
            ]
        },
    }
    firefox = simulate(scenario, browser="firefox")
    assert firefox["allowed"]
    assert [hop["url"] for hop in firefox["hops"]] == [API, "http://127.0.0.1:8001/x"]
    assert not simulate(scenario, browser="chromium")["allowed"]


def test_same_origin_mode_redirected_away_is_a_silent_network_error_in_firefox() -> None:
    # Measured (browser-diff seed 2, random-2-1310): no console line in
    # Firefox, NS_ERROR_DOM_BAD_URI; Chromium prints Blink's "Unsafe attempt".
    scenario = {
        "page_origin": PAGE,
        "request": {"url": PAGE + "/r", "mode": "same-origin"},
        "responses": {
            "actual": [
                {"status": 308, "headers": [["Location", "http://127.0.0.1:8001/x"]]},
                {"status": 200, "headers": []},
            ]
        },
    }
    firefox = simulate(scenario, browser="firefox")
    assert (firefox["console"], firefox["network_error"]) == (None, "NS_ERROR_DOM_BAD_URI")
    assert simulate(scenario)["console"].startswith("Unsafe attempt to load URL ")


def _get(url: str, actual: Any, **request: Any) -> dict[str, Any]:
    return {
        "page_origin": PAGE,
        "request": {"url": url, "method": "GET", "credentials": "omit", **request},
        "responses": {"actual": actual},
    }


def _ok(*headers: tuple[str, str]) -> dict[str, Any]:
    return {"status": 200, "headers": [["Access-Control-Allow-Origin", "*"], *headers]}


def _redirect(status: int, *locations: str) -> dict[str, Any]:
    headers = [["Location", location] for location in locations]
    return {"status": status, "headers": [*headers, ["Access-Control-Allow-Origin", "*"]]}


@pytest.mark.parametrize(
    ("browser", "sent"),
    [
        ("chromium", "/api/%41%7e%2e%zz%7F"),
        ("firefox", "/api/%41%7e%2e%zz%7F"),
        # libsoup decodes the escapes of unreserved characters only.
        ("webkit", "/api/A~.%zz%7F"),
    ],
)
def test_escapes_on_the_request_line(browser: str, sent: str) -> None:
    outcome = simulate(_get(API + "/%41%7e%2e%zz%7F", _ok()), browser=browser)
    assert outcome["hops"][0]["url"] == "http://127.0.0.1:8000" + sent


@pytest.mark.parametrize(
    ("browser", "second_hop"),
    [
        ("chromium", None),  # net::ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION
        ("firefox", None),
        ("webkit", "http://127.0.0.1:8000/a,%20/b"),  # one value, joined with ", "
    ],
)
def test_two_location_values(browser: str, second_hop: str | None) -> None:
    outcome = simulate(_get(API, [_redirect(302, "/a", "/b"), _ok()]), browser=browser)
    hops = outcome["hops"]
    assert (hops[1]["url"] if len(hops) > 1 else None) == second_hop


@pytest.mark.parametrize(
    ("browser", "path"),
    [("chromium", "/%C3%A9"), ("firefox", "/%C3%A9"), ("webkit", "/%C3%83%C2%A9")],
)
def test_non_ascii_location(browser: str, path: str) -> None:
    # The model's header values are their bytes read as Latin-1: `Ã©` is a
    # UTF-8 `é` on the wire, which WebKit's URL parser encodes once more.
    outcome = simulate(_get(API, [_redirect(302, "/\u00c3\u00a9"), _ok()]), browser=browser)
    assert outcome["hops"][1]["url"] == "http://127.0.0.1:8000" + path


@pytest.mark.parametrize(("browser", "allowed"), [("chromium", False), ("webkit", True)])
def test_manual_redirect_to_bad_port(browser: str, allowed: bool) -> None:
    scenario = _get(API, _redirect(302, "http://127.0.0.1:99999/"), redirect="manual")
    trace = simulate_trace(scenario, browser=browser)
    assert trace.allowed is allowed
    assert trace.response_type == ("opaqueredirect" if allowed else "error")


@pytest.mark.parametrize(("browser", "origin"), [("chromium", None), ("webkit", PAGE)])
def test_origin_after_post_redirected_to_get(browser: str, origin: str | None) -> None:
    scenario = {
        "page_origin": PAGE,
        "request": {"url": PAGE + "/r", "method": "POST", "credentials": "omit"},
        "responses": {"actual": [_redirect(303, "/n"), _ok()]},
    }
    hops = simulate(scenario, browser=browser)["hops"]
    assert [hop["method"] for hop in hops] == ["POST", "GET"]
    assert hops[1]["origin"] == origin


@pytest.mark.parametrize("value", ["Bytes=0-1", "BYTES=0-1", "bytes=+1-2", "bytes=1-+2"])
@pytest.mark.parametrize(("browser", "safelisted"), [("chromium", False), ("webkit", True)])
def test_range_syntax(browser: str, safelisted: bool, value: str) -> None:
    scenario = _get(API, _ok(), headers=[["Range", value]])
    scenario["responses"]["preflight"] = {"status": 204, "headers": []}
    assert simulate(scenario, browser=browser)["preflight_sent"] is not safelisted


@pytest.mark.parametrize("value", ["bytes=-5", "bytes=1--1", "bytes= 0-1", "bytes=2-1"])
def test_webkit_range_still_refused(value: str) -> None:
    scenario = _get(API, _ok(), headers=[["Range", value]])
    scenario["responses"]["preflight"] = {"status": 204, "headers": []}
    assert simulate(scenario, browser="webkit")["preflight_sent"]


@pytest.mark.parametrize(("browser", "evicted"), [("chromium", True), ("webkit", True)])
def test_credentials_miss_evicts(browser: str, evicted: bool) -> None:
    cache = PreflightCache()
    granted = [
        ["Access-Control-Allow-Origin", PAGE],
        ["Access-Control-Allow-Methods", "PUT"],
        ["Access-Control-Max-Age", "600"],
    ]
    assert simulate(_put(granted), cache=cache, browser=browser)["allowed"]
    with_credentials = simulate(_put([], credentials="include"), cache=cache, browser=browser)
    assert with_credentials["preflight_sent"] and not with_credentials["allowed"]
    again = simulate(_put([]), cache=cache, browser=browser)
    assert again["preflight_sent"] is evicted


def test_webkit_method_miss_keeps_entry() -> None:
    cache = PreflightCache()
    granted = [
        ["Access-Control-Allow-Origin", PAGE],
        ["Access-Control-Allow-Methods", "PUT"],
        ["Access-Control-Max-Age", "600"],
    ]
    assert simulate(_put(granted), cache=cache, browser="webkit")["allowed"]
    assert not simulate(_put(granted, method="DELETE"), cache=cache, browser="webkit")["allowed"]
    assert not simulate(_put([]), cache=cache, browser="webkit")["preflight_sent"]


@pytest.mark.parametrize(("browser", "served"), [("chromium", True), ("firefox", False)])
def test_cached_wildcards(browser: str, served: bool) -> None:
    # Firefox's cache holds `*` as a literal token: a later DELETE with another
    # header preflights again (measured on the corpus entry cache-wildcard-methods).
    cache = PreflightCache()
    granted = [
        ["Access-Control-Allow-Origin", PAGE],
        ["Access-Control-Allow-Methods", "*"],
        ["Access-Control-Allow-Headers", "*"],
        ["Access-Control-Max-Age", "600"],
    ]
    assert simulate(_put(granted, headers=[["X-Custom", "1"]]), cache=cache, browser=browser)[
        "allowed"
    ]
    later = simulate(
        _put([], method="DELETE", headers=[["X-Other", "1"]]), cache=cache, browser=browser
    )
    assert later["preflight_sent"] is not served


def test_firefox_names_the_failed_preflight_url() -> None:
    # A same-origin POST redirected elsewhere needs a preflight there; when
    # that preflight is a network error, Firefox's line names its URL.
    scenario = {
        "page_origin": PAGE,
        "request": {
            "url": PAGE + "/r",
            "method": "POST",
            "headers": [["X-Custom", "1"]],
            "credentials": "omit",
        },
        "responses": {
            "preflight": {"status": 204, "headers": [["Access-Control-Allow-Origin", "\x00"]]},
            "actual": [_redirect(307, API), _ok()],
        },
    }
    outcome = simulate(scenario, browser="firefox")
    assert outcome["network_error"] == "NS_ERROR_DOM_INVALID_HEADER_VALUE"
    assert f"remote resource at {API}." in outcome["console"]


def test_webkit_keeps_authorization_across_origins() -> None:
    # The kept header needs a preflight from `null` on the next hop, which a
    # preflight allowing only the page refuses (corpus entry
    # redirect-cross-origin-drops-authorization; Chromium follows).
    scenario = {
        "page_origin": PAGE,
        "request": {"url": API, "method": "GET", "headers": [["Authorization", "Bearer t"]]},
        "responses": {
            "preflight": {
                "status": 204,
                "headers": [
                    ["Access-Control-Allow-Origin", PAGE],
                    ["Access-Control-Allow-Headers", "authorization"],
                ],
            },
            "actual": [
                {
                    "status": 307,
                    "headers": [
                        ["Access-Control-Allow-Origin", PAGE],
                        ["Location", "http://127.0.0.1:8001/next"],
                    ],
                },
                _ok(),
            ],
        },
    }
    assert simulate(scenario, browser="chromium")["allowed"]
    webkit = simulate(scenario, browser="webkit")
    assert not webkit["allowed"]
    assert len(webkit["hops"]) == 1


@pytest.mark.parametrize(
    ("browser", "methods"), [("chromium", ["DELETE", "DELETE"]), ("webkit", ["DELETE", "GET"])]
)
def test_delete_redirected_to_another_origin(browser: str, methods: list[str]) -> None:
    """WebKitGTK's libsoup turns it into a GET (NetworkDataTaskSoup.cpp)."""
    scenario = {
        "page_origin": PAGE,
        "request": {"url": PAGE + "/r", "method": "DELETE", "credentials": "omit"},
        "responses": {
            "preflight": {
                "status": 204,
                "headers": [
                    ["Access-Control-Allow-Origin", "*"],
                    ["Access-Control-Allow-Methods", "DELETE"],
                ],
            },
            "actual": [_redirect(307, API + "/n"), _ok()],
        },
    }
    outcome = simulate(scenario, browser=browser)
    assert [hop["method"] for hop in outcome["hops"]] == methods
    assert outcome["preflight_sent"] == (browser == "chromium")


@pytest.mark.parametrize(("browser", "preflights"), [("chromium", 1), ("webkit", 2)])
def test_every_hop_after_a_preflight_is_preflighted_in_webkit(
    browser: str, preflights: int
) -> None:
    scenario = _put(
        [["Access-Control-Allow-Origin", "*"], ["Access-Control-Allow-Methods", "PUT"]],
    )
    scenario["responses"]["actual"] = [
        _redirect(303, "http://127.0.0.1:8001/n"),
        _ok(),
    ]
    trace = simulate_trace(scenario, browser=browser)
    assert trace.allowed
    assert sum(exchange.kind == "preflight" for exchange in trace.exchanges) == preflights


def test_webkit_prefixes_a_cors_failure_at_a_redirect_with_its_target() -> None:
    scenario = {
        "page_origin": PAGE,
        "request": {"url": API + "/r#f", "credentials": "omit"},
        "responses": {
            "actual": [
                {"status": 302, "headers": [["Location", "http://127.0.0.1:8001/n"]]},
                _ok(),
            ]
        },
    }
    outcome = simulate(scenario, browser="webkit")
    assert outcome["reason"] == "AllowOriginNotMatching"
    assert outcome["console"] == (
        "Cross-origin redirection to http://127.0.0.1:8001/n#f denied by Cross-Origin "
        f"Resource Sharing policy: Origin {PAGE} is not allowed by "
        "Access-Control-Allow-Origin. Status code: 302"
    )


def test_webkit_names_the_refused_header_with_one_reading_of_the_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """WebKit's console names the first refused header the page set; each
    header used to be judged by a whole preflight check, which read the
    response's Allow-Headers list again each time (quadratic: 8,000 headers
    took 18.7 s). Counted: the list is read a fixed number of times, however
    many headers the page set."""
    from crossorigin.browser import access

    reads = [0]
    real = access._gecko_tokens

    def counting(value: str | None) -> tuple[list[str], str | None]:
        reads[0] += 1
        return real(value)

    monkeypatch.setattr(access, "_gecko_tokens", counting)

    def lists_read(count: int) -> int:
        names = [f"x-h{index}" for index in range(count)]
        scenario = {
            "page_origin": "https://app.example",
            "request": {
                "url": "https://api.example/",
                "method": "PUT",
                "headers": [[name, "1"] for name in names],
            },
            "responses": {
                "preflight": {
                    "status": 204,
                    "headers": [
                        ["Access-Control-Allow-Origin", "https://app.example"],
                        ["Access-Control-Allow-Methods", "PUT"],
                        ["Access-Control-Allow-Headers", ", ".join(names[:-1])],
                    ],
                },
                "actual": {"status": 200, "headers": []},
            },
        }
        reads[0] = 0
        outcome = simulate(scenario, browser="webkit")
        assert outcome["reason"] == "HeaderNotAllowed"
        assert f"x-h{count - 1}" in outcome["console"]
        return reads[0]

    assert lists_read(10) == lists_read(1000) <= 4
