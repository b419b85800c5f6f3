"""`crossorigin explain` on HARs recorded live, now, from real browsers.

The stored recordings (test_explain_har_recorded.py) are re-recorded here:
the browser must still do what it did when they were stored (so the stored
verdicts stay true), and `explain` must give its verdict on the fresh HAR.
A subset runs with the browser tests (each case is one fetch() in a fresh
context, about a third of a second); every case, in Chromium and Firefox,
runs as a slow test (`python tests/oracles/browsers/har_recording.py`
re-records the stored files).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from har_recording import (
    CASES,
    HAR_ONLY_UNKNOWABLE,
    HARS_DIR,
    Recording,
    explain_disagreements,
    record_chromium,
    store,
)

#: One of each kind: a preflight that passes, a credentials-only failure
#: (explain must infer the mode), a preflight refused, and every not-CORS cause.
LIVE = (
    "allowed-preflight",
    "wildcard-with-credentials",
    "preflight-wildcard-with-credentials",
    "header-not-allowed",
    "csp-connect-src",
    "corp-same-origin",
    "coep-require-corp",
    "mixed-content",
    "local-network-access",
    "third-party-cookies",
    "redirect-to-login",
    "gateway-502",
)
#: What the browser did, compared with the stored verdict.
_COMPARED = ("resolved", "status", "cors_error", "blocked_reason", "firefox_reason", "not_cors")


def _check(recordings: list[Recording], origins: Any, directory: Path) -> None:
    assert recordings
    for recording in recordings:
        store(recording, origins, directory)
        fresh = json.loads((directory / recording.engine / f"{recording.case}.json").read_text())
        stored = json.loads((HARS_DIR / recording.engine / f"{recording.case}.json").read_text())
        assert {key: fresh.get(key) for key in _COMPARED} == {
            key: stored.get(key) for key in _COMPARED
        }, recording.case
        for console in (False, True):
            problems = explain_disagreements(
                directory, recording.engine, recording.case, console=console
            )
            if not console and (recording.engine, recording.case) in HAR_ONLY_UNKNOWABLE:
                continue
            assert problems == [], (recording.case, console)


@pytest.mark.browser
def test_explain_agrees_with_chromium_live(playwright_instance: Any, tmp_path: Path) -> None:
    cases = tuple(case for case in CASES if case.name in LIVE)
    assert len(cases) == len(LIVE)
    recordings, origins = record_chromium(playwright_instance, cases)
    _check(recordings, origins, tmp_path)


@pytest.mark.slow
@pytest.mark.browser
def test_explain_agrees_with_chromium_on_every_case(
    playwright_instance: Any, tmp_path: Path
) -> None:
    recordings, origins = record_chromium(playwright_instance)
    _check(recordings, origins, tmp_path)


@pytest.mark.slow
@pytest.mark.browser
def test_explain_agrees_with_firefox_on_every_case(tmp_path: Path) -> None:
    from firefox_harness import firefox_unavailable

    reason = firefox_unavailable()
    if reason is not None:
        pytest.skip(reason)
    from firefox_har import record_firefox

    recordings, origins = record_firefox()
    _check(recordings, origins, tmp_path)
