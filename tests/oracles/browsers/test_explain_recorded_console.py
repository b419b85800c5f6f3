"""`crossorigin explain --error` against real Chromium's console lines, without a browser.

tests/oracles/browsers/recorded.json holds the console line Chromium 156
printed for every rule and WPT case. Each line is recognised back to the
DevTools reason Chromium reported (`corsErrorStatus.corsError`), the page's
origin and the URL of the request that failed; lines without a reason
(Blink's mode checks) are still read as CORS lines, never as something else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from record_cases import RECORDED_PATH

from crossorigin.explain.errors import recognise

PLACEHOLDERS = {
    "{page_port}": "3000",
    "{api_port}": "8000",
    "{other_port}": "8001",
    "{sid}": "sid-explain-1",
}
RECORDED: dict[str, Any] = json.loads(Path(RECORDED_PATH).read_text(encoding="utf-8"))


def _fill(text: str) -> str:
    for key, value in PLACEHOLDERS.items():
        text = text.replace(key, value)
    return text


STEPS = [
    (f"{name}#{number}", step)
    for name, entry in sorted(RECORDED.items())
    for number, step in enumerate(entry["steps"])
    if step.get("console")
]


def test_the_recording_has_lines_for_most_reasons() -> None:
    reasons = {step["reason"] for _, step in STEPS if step.get("reason")}
    assert len(STEPS) >= 200 and len(reasons) >= 15


@pytest.mark.parametrize(("name", "step"), STEPS, ids=[name for name, _ in STEPS])
def test_chromium_console_line_is_recognised(name: str, step: dict[str, Any]) -> None:
    found = recognise(_fill(step["console"]))
    assert found.kind == "cors" and found.engine == "chromium", name
    assert found.reason == step.get("reason"), name
    if step.get("reason"):
        assert found.origin in ("http://127.0.0.1:3000", "null"), name
        if step["hops"]:
            # The line names the request's first URL (the redirected-from one
            # when redirected) with its fragment; hops are sent without it.
            first = (found.initial_url or found.url or "").split("#")[0]
            assert first == _fill(step["hops"][0]["url"]), name
