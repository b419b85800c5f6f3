"""The browser model against Chromium's recorded outcomes, without a browser.

tests/oracles/browsers/recorded.json holds what Chromium 156 did with every entry of
tests/oracles/browsers/rule_cases.py (the rules of Fetch's CORS check, CORS-preflight
fetch, HTTP-redirect fetch, HTTP-network-or-cache fetch and the URL host/port
parser, with their sources) and tests/oracles/browsers/wpt_cases.py (web-platform-tests
cases a scenario can express). Each runs through `simulate` with the same
placeholders filled in; the oracle view (verdict, reason, console line,
preflight, readable headers, network error, hops) must be Chromium's.
tests/oracles/browsers/test_browser_model_agreement.py re-records them in real Chromium.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from chromium_harness import fill_placeholders, recorded_differences
from record_cases import RECORDED_PATH, all_cases

from crossorigin.browser import PreflightCache, simulate

PLACEHOLDERS = {
    "{page_port}": "3000",
    "{api_port}": "8000",
    "{other_port}": "8001",
    "{sid}": "sid-recorded-1",
}
RECORDED: dict[str, Any] = json.loads(Path(RECORDED_PATH).read_text(encoding="utf-8"))
CASES = all_cases()


def test_every_case_is_recorded() -> None:
    names = [entry["name"] for entry in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    missing = sorted(set(names) - set(RECORDED))
    assert not missing, (
        f"record them: python tests/oracles/browsers/record_cases.py ({missing[:5]}...)"
    )


def test_every_case_names_its_source() -> None:
    for entry in CASES:
        assert entry.get("source") and entry.get("area"), entry["name"]


@pytest.mark.parametrize("entry", CASES, ids=[entry["name"] for entry in CASES])
def test_model_agrees_with_recorded_chromium(entry: dict[str, Any]) -> None:
    steps = entry["steps"] if "steps" in entry else [entry["scenario"]]
    recorded = RECORDED[entry["name"]]["steps"]
    cache = PreflightCache()
    for number, (step, chromium) in enumerate(zip(steps, recorded, strict=True), start=1):
        model = simulate(fill_placeholders(step, PLACEHOLDERS), cache=cache)
        differing = recorded_differences(fill_placeholders(chromium, PLACEHOLDERS), model)
        assert differing == {}, f"step {number}: (Chromium, model)\n" + "\n".join(
            f"  {name}: {pair}" for name, pair in differing.items()
        )
