"""`crossorigin explain` on HARs recorded from real browsers gives the
browser's verdict (no browser needed: the recordings are stored).

tests/oracles/browsers/hars/<engine>/<case>.har, .console.txt and .json were
recorded by har_recording.py (one fetch() per case, see its CASES): the
.json holds what the browser did (the page's fetch resolved or threw,
Chromium's own CORS reason and blocked reason from the DevTools protocol,
Firefox's console reason) and the not-CORS cause the case's server was
built to be. For each, with and without the console file, `explain` must
give the same verdict, the same reason and the same not-CORS cause, and
never print the recorded cookie (`explain_disagreements`).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest

from crossorigin.browser.messages import REASONS
from crossorigin.cli import main
from crossorigin.explain.not_cors import NOT_CORS

sys.path.insert(0, str(Path(__file__).parent))

from har_recording import CASES, HAR_ONLY_UNKNOWABLE, HARS_DIR, SECRET, explain_disagreements

RECORDED = sorted(HARS_DIR.glob("*/*.json"))


def _id(path: Path) -> str:
    return f"{path.parent.name}-{path.stem}"


def test_every_case_is_recorded_and_every_reason_and_cause_has_one() -> None:
    recorded = {(path.parent.name, path.stem) for path in RECORDED}
    for case in CASES:
        for engine in case.engines:
            assert (engine, case.name) in recorded, (engine, case.name)
    chromium = [json.loads(path.read_text()) for path in HARS_DIR.glob("chromium/*.json")]
    assert {verdict["cors_error"] for verdict in chromium} >= REASONS
    assert {verdict["not_cors"] for verdict in chromium} >= set(NOT_CORS)


@pytest.mark.parametrize("console", [False, True], ids=["har-only", "with-console"])
@pytest.mark.parametrize("recorded", RECORDED, ids=_id)
def test_explain_gives_the_browser_verdict(recorded: Path, console: bool) -> None:
    engine, case = recorded.parent.name, recorded.stem
    problems = explain_disagreements(HARS_DIR, engine, case, console=console)
    if not console and (engine, case) in HAR_ONLY_UNKNOWABLE:
        # The known gap: explain allows it. A change shows here.
        assert any("(allowed, reason, not_cors) (True," in p for p in problems), problems
        return
    assert problems == []


def test_the_cookie_is_printed_only_when_asked() -> None:
    har = HARS_DIR / "chromium" / "same-site-cookies.har"
    assert SECRET in har.read_text()
    for shown in (False, True):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            main(["explain", str(har), *(["--show-secrets"] if shown else [])])
        assert (SECRET in out.getvalue()) is shown
