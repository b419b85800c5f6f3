"""The playground in real headless Chromium: click through every preset and
check that what the page shows is what actually happened.

"What actually happened" is measured independently of the page: Chromium's
own console line for a blocked fetch (Playwright's console events), and the
exchanges the API recorded on its side of the wire. The page must show the
same exchanges, the same verdict and the same console text, and its
browser-versus-model table must agree. Screenshots go to reports/playground/.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crossorigin.cli import main
from crossorigin.playground import Playground
from crossorigin.playground.presets import PRESETS

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "reports" / "playground"
CORS_BLOCKED = "has been blocked by CORS policy"


@pytest.fixture(scope="module")
def playground() -> Iterator[Playground]:
    with Playground(page_port=0, api_port=0) as running:
        yield running


class PageUnderTest:
    def __init__(self, page: Any, playground: Playground) -> None:
        self.page = page
        self.playground = playground
        self.console: list[str] = []
        page.on("console", lambda message: self.console.append(message.text))
        # DevTools' structured reason for each failed load (corsErrorStatus).
        self.cors_errors: list[str] = []
        devtools = page.context.new_cdp_session(page)
        devtools.on("Network.loadingFailed", self._loading_failed)
        devtools.send("Network.enable")

    def _loading_failed(self, event: dict[str, Any]) -> None:
        status = event.get("corsErrorStatus")
        if status:
            self.cors_errors.append(status["corsError"])

    def preset(self, preset_id: str) -> None:
        self.page.click(f"button[data-preset='{preset_id}']")
        self.page.wait_for_selector(f"#lesson[data-preset='{preset_id}']")

    def send(self) -> str:
        """Press Send; the attempt id once the page has drawn its report."""
        previous = self.page.get_attribute("#result", "data-attempt")
        self.page.click("#send")
        self.page.wait_for_function(
            """previous => {
                const result = document.getElementById('result');
                return result.dataset.state === 'done' && result.dataset.attempt !== previous;
            }""",
            arg=previous,
        )
        attempt = self.page.get_attribute("#result", "data-attempt")
        assert attempt
        return attempt

    def chromium_cors_errors(self, attempt: str, *, expected: bool) -> list[str]:
        """Chromium's console lines about this attempt (they and the DevTools
        event can trail the fetch by a few milliseconds, so wait briefly when
        one is expected)."""
        deadline = time.monotonic() + (2.0 if expected else 0.2)
        while True:
            lines = [line for line in self.console if CORS_BLOCKED in line and attempt in line]
            if (lines and self.cors_errors) or time.monotonic() > deadline:
                return lines
            self.page.wait_for_timeout(25)

    def text(self, selector: str) -> str:
        return str(self.page.inner_text(selector)).strip()

    def texts(self, selector: str) -> list[str]:
        return [str(t).strip() for t in self.page.locator(selector).all_inner_texts()]

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def ui(chromium_browser: Any, playground: Playground) -> Iterator[PageUnderTest]:
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        under_test = PageUnderTest(page, playground)
        page.goto(playground.page_url)
        page.wait_for_selector("body[data-ready='true']")
        yield under_test
    finally:
        context.close()


def _check_page_matches_wire(ui: PageUnderTest, attempt: str) -> list[dict[str, Any]]:
    """The page's sequence diagram shows exactly what the API recorded."""
    recorded = ui.playground.api.recorder.exchanges(attempt)
    shown_requests = ui.texts("#wire .message.request .label code")
    shown_statuses = ui.texts("#wire .message.response .label code")
    assert shown_requests == [f"{e['method']} {e['target']}" for e in recorded]
    assert shown_statuses == [f"{e['status']} {e['status_text']}".strip() for e in recorded]
    kinds = ui.page.eval_on_selector_all(
        "#wire .step[data-step$='-request']", "nodes => nodes.map(n => n.dataset.kind)"
    )
    assert kinds == [e["kind"] for e in recorded]
    for exchange in recorded:
        for name, value in exchange["request_headers"]:
            if name.lower() in ("origin", "access-control-request-method"):
                assert ui.page.locator(
                    "#wire .message.request tr.cors", has_text=f"{name}:"
                ).first.is_visible()
                assert value in ui.text("#wire")
    return recorded


def _agreement(ui: PageUnderTest) -> dict[str, tuple[str, str]]:
    rows = ui.page.eval_on_selector_all(
        "#agreement-rows tr",
        "rows => rows.map(r => [r.dataset.check, ...[1, 2].map(i => r.children[i].innerText)])",
    )
    return {check: (browser, model) for check, browser, model in rows}


@pytest.mark.parametrize("preset", PRESETS, ids=[p["id"] for p in PRESETS])
def test_preset_shows_what_really_happened(ui: PageUnderTest, preset: dict[str, Any]) -> None:
    ui.preset(preset["id"])
    attempt = ui.send()
    expect = preset["expect"]

    # What Chromium did, from its own console, not from the page.
    errors = ui.chromium_cors_errors(attempt, expected=not expect["allowed"])
    really_allowed = not errors
    assert really_allowed is expect["allowed"]

    # The page's verdict, and its browser-versus-model table.
    result = ui.page.locator("#result")
    verdict = result.get_attribute("data-verdict")
    if not really_allowed:
        assert verdict == "blocked"
    else:
        assert verdict == ("partial" if expect.get("hidden") else "allowed")
    assert result.get_attribute("data-agree") == "true"
    agreement = _agreement(ui)
    resolved = "yes" if really_allowed else "no"
    assert agreement["fetch() resolved"] == (resolved, resolved)
    assert ui.texts("#agreement-rows .mark") == ["✓ same"] * len(agreement)

    # The sequence diagram is the recording; the preflight is there iff sent.
    recorded = _check_page_matches_wire(ui, attempt)
    assert any(e["kind"] == "preflight" for e in recorded) is expect["preflight"]
    outcome = ui.text("#wire .step-outcome")
    assert ("fetch() resolved" in outcome) is really_allowed

    # The console line the page shows is Chromium's, word for word.
    if really_allowed:
        assert ui.page.locator("#console-block").is_hidden()
    else:
        assert ui.text("#console-line") == errors[0]
        assert ui.cors_errors[-1:] == [expect["reason"]]
        assert ui.text("#reason-code") == expect["reason"]
        assert ui.page.locator("#fix-block").is_visible()
        assert "blocked the response" in ui.text("#story")
    assert ui.text("#story").startswith(f"Your page at {ui.playground.page_origin}")
    ui.screenshot(preset["id"])


def test_preflighted_put_sends_the_preflight_first(ui: PageUnderTest) -> None:
    ui.preset("preflighted-put")
    attempt = ui.send()
    preflight, actual = ui.playground.api.recorder.exchanges(attempt)
    assert (preflight["method"], actual["method"]) == ("OPTIONS", "PUT")
    assert ["Access-Control-Request-Headers", "authorization,content-type"] in preflight[
        "request_headers"
    ]
    assert ["Authorization", "Bearer demo-token"] in actual["request_headers"]
    assert "preflight" in ui.text("#story")


def test_credentials_with_wildcard_is_refused_and_sends_the_cookie(ui: PageUnderTest) -> None:
    ui.preset("credentials-wildcard")
    ui.page.wait_for_selector("#refused-policy[data-ready='true']")
    assert "wildcard-with-credentials" in ui.text("#refused-issues")
    attempt = ui.send()
    (actual,) = ui.playground.api.recorder.exchanges(attempt)
    assert ["Cookie", "playground_session=demo-cookie"] in actual["request_headers"]
    assert ["Access-Control-Allow-Origin", "*"] in [
        [name.title(), value] for name, value in actual["response_headers"]
    ]
    assert ui.cors_errors[-1:] == ["WildcardOriginNotAllowed"]
    assert ui.text("#reason-code") == "WildcardOriginNotAllowed"
    assert "wildcard '*'" in ui.text("#console-line")


def test_exposed_header_is_readable_and_the_other_is_not(ui: PageUnderTest) -> None:
    ui.preset("exposed-header")
    attempt = ui.send()
    agreement = _agreement(ui)
    assert agreement["response.headers.get('x-total-count')"] == ("3", "3")
    assert agreement["response.headers.get('x-request-id')"] == ("null", "null")
    (actual,) = ui.playground.api.recorder.exchanges(attempt)
    assert ["X-Request-Id", attempt] in actual["response_headers"]
    assert "Access-Control-Expose-Headers" in ui.text("#story")


def test_a_refused_preflight_stops_the_request(ui: PageUnderTest) -> None:
    ui.preset("preflighted-put")
    ui.page.fill("#p-methods", "GET")
    attempt = ui.send()
    errors = ui.chromium_cors_errors(attempt, expected=True)
    assert errors and ui.text("#console-line") == errors[0]
    assert ui.cors_errors[-1:] == [ui.text("#reason-code")]
    (preflight,) = ui.playground.api.recorder.exchanges(attempt)
    assert preflight["status"] == 403
    assert ui.page.locator("#result").get_attribute("data-agree") == "true"
    assert "never sent your PUT request" in ui.text("#story")
    _check_page_matches_wire(ui, attempt)
    ui.screenshot("refused-preflight")


def test_an_invalid_policy_lists_every_issue_and_sends_nothing(ui: PageUnderTest) -> None:
    ui.preset("simple-get")
    ui.page.fill("#p-origins", "http://localhost:3000/\n*.example.com")
    ui.page.fill("#p-max-age", "100000")
    ui.page.click("#send")
    ui.page.wait_for_selector("#policy-issues:not([hidden])")
    codes = ui.page.eval_on_selector_all(
        "#policy-issue-list li", "items => items.map(i => i.dataset.code)"
    )
    assert len(codes) == 3, codes
    assert ui.page.locator("#result").is_hidden()
    ui.screenshot("invalid-policy")


def test_snippet_tabs(ui: PageUnderTest) -> None:
    ui.preset("simple-get")
    ui.send()
    ui.page.click("#snippet-tabs button[data-stack='nginx']")
    assert ui.page.locator("#snippet-nginx").is_visible()
    assert "map $http_origin" in ui.text("#snippet-nginx")
    assert ui.page.locator("#snippet-fastapi").is_hidden()


# -- the page under its other name, errors that are not CORS, layout, permalinks ---------


def _open(chromium_browser: Any, url: str, width: int, height: int) -> Any:
    context = chromium_browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(url)
    page.wait_for_selector("body[data-ready='true']")
    return page


def test_opened_at_127_0_0_1_the_page_uses_that_origin(
    chromium_browser: Any, playground: Playground
) -> None:
    """The playground is named localhost; opened as 127.0.0.1 the page is another
    origin, and the first preset must still allow it."""
    assert playground.host == "localhost"
    origin = f"http://127.0.0.1:{playground.page.port}"
    page = _open(chromium_browser, origin + "/", 1280, 900)
    try:
        ui = PageUnderTest(page, playground)
        assert ui.text("#page-origin") == origin
        assert page.input_value("#p-origins") == origin
        attempt = ui.send()
        assert page.get_attribute("#result", "data-verdict") == "allowed"
        (exchange,) = playground.api.recorder.exchanges(attempt)
        assert ["Origin", origin] in exchange["request_headers"]
        assert ui.chromium_cors_errors(attempt, expected=False) == []
    finally:
        page.context.close()


def test_a_header_line_without_a_colon_is_a_fetch_type_error(ui: PageUnderTest) -> None:
    ui.preset("simple-get")
    ui.page.fill("#r-headers", "Authorization Bearer demo-token")
    attempt = ui.send()
    assert ui.page.get_attribute("#result", "data-verdict") == "rejected"
    headline = ui.text("#headline")
    assert "TypeError" in headline and "not a CORS error" in headline
    assert "Blocked by CORS" not in headline
    assert "`Name: value`" not in ui.text("#story")  # code spans are drawn as code
    assert "is not a header name" in ui.text("#story")
    assert ui.playground.api.recorder.exchanges(attempt) == []
    assert ui.page.get_attribute("#result", "data-agree") == "true"


def _overflow(page: Any) -> list[str]:
    """Elements reaching past the viewport's right edge, and the page's own width."""
    return list(
        page.evaluate(
            """() => {
                const width = document.documentElement.clientWidth;
                const wide = Array.from(document.querySelectorAll('body *'))
                    .filter(e => e.getClientRects().length)
                    .filter(e => e.getBoundingClientRect().right > width + 0.5)
                    .map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`);
                if (document.documentElement.scrollWidth > width) wide.push('document');
                return wide;
            }"""
        )
    )


def test_send_is_above_the_fold_at_1280x800(chromium_browser: Any, playground: Playground) -> None:
    page = _open(chromium_browser, playground.page_url, 1280, 800)
    try:
        for preset in PRESETS:
            page.click(f"button[data-preset='{preset['id']}']")
            box = page.locator("#send").bounding_box()
            assert box is not None
            assert box["y"] >= 0 and box["y"] + box["height"] <= 800, (preset["id"], box)
            center = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            assert page.evaluate("([x, y]) => document.elementFromPoint(x, y).id", center) == "send"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "viewport-1280x800.png"))
    finally:
        page.context.close()


@pytest.mark.parametrize("preset", PRESETS, ids=[p["id"] for p in PRESETS])
def test_nothing_overflows_at_390_px(
    chromium_browser: Any, playground: Playground, preset: dict[str, Any]
) -> None:
    page = _open(chromium_browser, playground.page_url, 390, 844)
    try:
        page.click(f"button[data-preset='{preset['id']}']")
        assert _overflow(page) == []
        page.click("#send")
        page.wait_for_selector("#result[data-state='done']")
        for details in page.locator("details").all():
            details.evaluate("node => { node.open = true; }")
        assert _overflow(page) == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"phone-{preset['id']}.png"), full_page=True)
    finally:
        page.context.close()


def test_a_permalink_restores_policy_and_request(
    chromium_browser: Any, ui: PageUnderTest, playground: Playground
) -> None:
    ui.preset("preflighted-put")
    ui.page.fill("#p-headers", "Authorization, Content-Type, X-Trace")
    ui.page.fill("#p-max-age", "30")
    ui.page.check("#p-credentials")
    ui.page.fill("#r-headers", "Authorization: Bearer é\nX-Trace: 1")
    ui.page.select_option("#r-credentials", "include")
    ui.page.fill("#r-read", "X-Total-Count")
    link = ui.page.get_attribute("#permalink", "href")
    assert link and link.startswith("#s=")
    fields = ("#p-origins", "#p-methods", "#p-headers", "#p-expose", "#p-max-age")
    fields += ("#r-method", "#r-headers", "#r-credentials", "#r-body", "#r-read")
    before = {field: ui.page.input_value(field) for field in fields}
    attempt = ui.send()
    before_verdict = ui.page.get_attribute("#result", "data-verdict")
    assert ui.page.evaluate("location.hash") == link  # the address bar holds it after Send

    # A fresh page under the other loopback name: `{page}` follows the origin.
    other = f"http://127.0.0.1:{playground.page.port}/{link}"
    page = _open(chromium_browser, other, 1280, 900)
    try:
        assert page.get_attribute("body", "data-scenario") == "link"
        after = {field: page.input_value(field) for field in fields}
        origin = f"http://127.0.0.1:{playground.page.port}"
        assert after["#p-origins"] == origin
        assert {k: v for k, v in after.items() if k != "#p-origins"} == {
            k: v for k, v in before.items() if k != "#p-origins"
        }
        assert page.is_checked("#p-credentials")
        replay = PageUnderTest(page, playground)
        again = replay.send()
        assert again != attempt
        assert page.get_attribute("#result", "data-verdict") == before_verdict
        # A damaged link says so and falls back to the first case.
        page.goto(f"http://127.0.0.1:{playground.page.port}/?x#s=%%%")
        page.wait_for_selector("body[data-ready='true']")
        assert "could not be opened" in page.inner_text("#link-problem")
        assert page.get_attribute("#lesson", "data-preset") == PRESETS[0]["id"]
    finally:
        page.context.close()


def test_the_engine_table_marks_chromium_as_yours(ui: PageUnderTest) -> None:
    ui.preset("preflighted-put")
    ui.send()
    rows = ui.page.locator("#engine-rows tr")
    assert rows.count() == 3
    engines = [rows.nth(index).get_attribute("data-engine") for index in range(3)]
    assert engines == ["chromium", "firefox", "webkit"]
    chromium = ui.page.locator("#engine-rows tr[data-engine='chromium']")
    assert "(your browser)" in chromium.inner_text()
    assert chromium.get_attribute("class") == "agree"
    assert ui.text("#engines-summary")


def _explain(path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    main(["explain", str(path), "--format", "json"])
    return list(json.loads(capsys.readouterr().out)["requests"])


def test_the_har_export_reads_back_to_the_verdict_the_page_showed(
    ui: PageUnderTest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Send, download the page's "Export as HAR", `crossorigin explain` it: the
    verdict and the reason the page showed. Allowed, missing Allow-Origin,
    credentials with *, and a refused preflight (its request never sent)."""
    shown: dict[str, tuple[bool, str]] = {}
    for preset, methods in (
        ("simple-get", None),
        ("origin-not-allowed", None),
        ("credentials-wildcard", None),
        ("preflighted-put", "GET"),
    ):
        ui.preset(preset)
        if methods is not None:
            ui.page.fill("#p-methods", methods)
        attempt = ui.send()
        verdict = ui.page.get_attribute("#result", "data-verdict")
        reason = ui.text("#reason-code") if ui.page.locator("#console-block").is_visible() else ""
        shown[attempt] = (verdict in ("allowed", "partial"), reason)
        with ui.page.expect_download() as download:
            ui.page.click("#export-har")
        path = tmp_path / download.value.suggested_filename
        assert path.name == f"crossorigin-playground-{attempt}.har"
        download.value.save_as(path)
        (result,) = _explain(path, capsys)
        assert (result["allowed"], result["reason"] or "") == shown[attempt], preset
        assert result["page_origin"] == ui.playground.page_origin
        # What the real browser reported rides along in the file.
        entries = json.loads(path.read_text())["log"]["entries"]
        fetch = entries[-1]["_fetch"]
        assert (fetch["outcome"] == "resolved") is shown[attempt][0]
        assert "HeadlessChrome" in fetch["user_agent"] or "Chrome/" in fetch["user_agent"]
        assert "demo-cookie" not in path.read_text()
    assert [allowed for allowed, _ in shown.values()] == [True, False, False, False]
    # The export of every attempt: the same verdicts, attempt by attempt.
    with ui.page.expect_download() as download:
        ui.page.click("#export-har-all")
    path = tmp_path / "all.har"
    download.value.save_as(path)
    by_attempt = {
        result["url"].rpartition("attempt=")[2]: (result["allowed"], result["reason"] or "")
        for result in _explain(path, capsys)
    }
    assert {attempt: by_attempt[attempt] for attempt in shown} == shown
