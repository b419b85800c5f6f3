"""A page loaded from a `data:` URL fetching a loopback server, in each engine.

The harnesses load every other page from a loopback server, so this is the
one place a page of an opaque origin asks for a loopback address. Measured:
Chromium refuses it before sending anything (Local Network Access: a `data:`
document is not on the loopback address space), while Firefox (its Local
Network Access turned off by the harness's prefs) and WebKit send the request
with `Origin: null`, and a `*` lets the script read it. One test per engine,
each with its own browser.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from chromium_harness import _FETCH_SCRIPT, fetch_argument

pytestmark = pytest.mark.browser

DATA_PAGE = "data:text/html,<!doctype html><title>data page</title>"


def _skip_unless(reason: str | None) -> None:
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def _scenario(oracle: Any, sid: str) -> dict[str, Any]:
    scenario = oracle.concretize(
        {
            "page_origin": "null",
            "request": {"url": "http://127.0.0.1:{api_port}/{sid}/p", "credentials": "omit"},
            "responses": {
                "actual": {"status": 200, "headers": [["Access-Control-Allow-Origin", "*"]]}
            },
        },
        sid,
    )
    oracle.registry.register(sid, scenario["responses"])
    return scenario


def _received(oracle: Any, sid: str) -> list[tuple[str, str | None]]:
    return [(r.method, r.header("Origin")) for r in oracle.registry.received(sid)]


def test_chromium_refuses_a_data_page_s_loopback_fetch(oracle: Any) -> None:
    """In the suite's shared Chromium (the `oracle` fixture skips without it)."""
    sid = oracle.new_sid()
    argument = fetch_argument(_scenario(oracle, sid))
    page = oracle._context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    try:
        page.goto(DATA_PAGE)
        result = page.evaluate(f"({_FETCH_SCRIPT})", argument)
        page.wait_for_timeout(200)
    finally:
        page.close()
    assert result == {"resolved": False, "error": "TypeError: Failed to fetch"}
    assert _received(oracle, sid) == []
    # Local Network Access, not CORS, refused it.
    assert any(
        "is not a secure context and the resource is in more-private address space "
        "`loopback`" in line
        for line in console
    ), console


def test_firefox_sends_a_data_page_s_loopback_fetch_with_origin_null() -> None:
    from firefox_harness import FirefoxOracle, firefox_unavailable

    _skip_unless(firefox_unavailable())
    with FirefoxOracle() as oracle:
        sid = oracle.new_sid()
        argument = json.dumps(fetch_argument(_scenario(oracle, sid)))
        assert oracle.bidi is not None
        tab = oracle.bidi.call("browsingContext.create", {"type": "tab"})["context"]
        oracle.bidi.call(
            "browsingContext.navigate", {"context": tab, "url": DATA_PAGE, "wait": "complete"}
        )
        raw = oracle.bidi.call(
            "script.callFunction",
            {
                "functionDeclaration": (
                    f"async (text) => JSON.stringify(await ({_FETCH_SCRIPT})(JSON.parse(text)))"
                ),
                "arguments": [{"type": "string", "value": argument}],
                "target": {"context": tab},
                "awaitPromise": True,
            },
        )
        result = json.loads(raw["result"]["value"])
        assert result["resolved"] and result["type"] == "cors"
        assert _received(oracle, sid) == [("GET", "null")]


def test_webkit_sends_a_data_page_s_loopback_fetch_with_origin_null() -> None:
    from webkit_harness import _ASYNC_SCRIPT, WebKitOracle, webkit_unavailable

    _skip_unless(webkit_unavailable())
    with WebKitOracle() as oracle:
        sid = oracle.new_sid()
        argument = json.dumps(fetch_argument(_scenario(oracle, sid)))
        oracle._call("POST", "/url", {"url": DATA_PAGE})
        raw = oracle._call("POST", "/execute/async", {"script": _ASYNC_SCRIPT, "args": [argument]})
        result = json.loads(raw)
        assert result["resolved"] and result["type"] == "cors"
        assert _received(oracle, sid) == [("GET", "null")]
