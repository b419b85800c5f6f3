"""The browser model as Firefox and as WebKit against each engine's recorded
outcomes, without a browser.

tests/oracles/browsers/recorded-firefox.json and recorded-webkit.json hold what
Firefox ESR 153 and WebKitGTK 2.50 did with every entry of rule_cases.py and
wpt_cases.py (`python tests/oracles/browsers/record_cases.py --browser firefox|webkit`,
about 60 s and 30 s);
`simulate(..., browser="firefox"|"webkit")` must reproduce each step's oracle view
(verdict, reason, console line, preflight, readable headers, network error,
hops) and the error text of a failure without a reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from chromium_harness import fill_placeholders, recorded_differences
from record_cases import RECORDED_PATHS, all_cases

from crossorigin.browser import PreflightCache, simulate

PLACEHOLDERS = {
    "{page_port}": "3000",
    "{api_port}": "8000",
    "{other_port}": "8001",
    "{sid}": "sid-recorded-1",
}
#: Entries where the model is known not to match the engine, and why.
KNOWN_DISAGREEMENTS = {
    "firefox": set(),
    "webkit": set(),
}
#: What the WebKit oracle cannot observe: the name of a network error (WebKit
#: prints none; tests/oracles/browsers/webkit_console.py records its console).
UNMEASURED = {"firefox": (), "webkit": ("network_error",)}
CASES = all_cases()


def _recorded(browser: str) -> dict[str, Any]:
    path = Path(RECORDED_PATHS[browser])
    if not path.exists():
        return {}
    recorded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return recorded


RECORDED = {browser: _recorded(browser) for browser in ("firefox", "webkit")}


def test_firefox_recording_covers_every_case() -> None:
    missing = sorted({entry["name"] for entry in CASES} - set(RECORDED["firefox"]))
    assert not missing, (
        f"record: python tests/oracles/browsers/record_cases.py --browser firefox {missing[:5]}"
    )


@pytest.mark.parametrize("browser", ["firefox", "webkit"])
@pytest.mark.parametrize("entry", CASES, ids=[entry["name"] for entry in CASES])
def test_model_agrees_with_recorded_engine(browser: str, entry: dict[str, Any]) -> None:
    recorded = RECORDED[browser].get(entry["name"])
    if recorded is None:
        pytest.skip(
            f"{browser}: not recorded (tests/oracles/browsers/record_cases.py --browser {browser})"
        )
    steps = entry["steps"] if "steps" in entry else [entry["scenario"]]
    cache = PreflightCache()
    differing: list[str] = []
    for number, (step, engine) in enumerate(zip(steps, recorded["steps"], strict=True), start=1):
        model = simulate(fill_placeholders(step, PLACEHOLDERS), cache=cache, browser=browser)
        assert model["browser"] == browser
        observed = dict(fill_placeholders(engine, PLACEHOLDERS))
        for key in UNMEASURED[browser]:
            observed[key] = model.get(key)
        if UNMEASURED[browser] and model["reason"] is not None:
            # The model names the failure; the recording holds only its TypeError.
            observed["error"] = model.get("error")
        found = recorded_differences(observed, model)
        differing += [f"step {number} {name}: {pair}" for name, pair in found.items()]
    if entry["name"] in KNOWN_DISAGREEMENTS[browser]:
        assert differing, f"{entry['name']} now agrees: drop it from KNOWN_DISAGREEMENTS"
        return
    assert not differing, f"({browser}, model)\n" + "\n".join(differing)
