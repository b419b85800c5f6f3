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
