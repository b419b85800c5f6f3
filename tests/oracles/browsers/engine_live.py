"""The checks every non-Chromium oracle runs in CI (Firefox, WebKit): the
rule and WPT cases re-recorded against the engine's recording, and the CI
corpus (corpus.json) through the engine and the model side by side."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from chromium_harness import differences, load_corpus
from model_comparison import entry_steps
from scenario_generator import CORPUS_PATH

CORPUS = load_corpus(str(CORPUS_PATH))
#: What an oracle cannot observe, per engine: WebKit prints no name for a
#: network error (its console is read by webkit_console.py).
UNMEASURED = {"firefox": (), "webkit": ("network_error",)}


def open_or_skip(browser: str) -> Iterator[Any]:
    """The engine's oracle; a visible skip when its programs are missing,
    a failure under CI=true (the set-up installs them)."""
    if browser == "firefox":
        from firefox_harness import FirefoxOracle as Oracle
        from firefox_harness import firefox_unavailable as unavailable
    else:
        from webkit_console import WebKitConsoleOracle as Oracle  # type: ignore[assignment]
        from webkit_harness import webkit_unavailable as unavailable
    reason = unavailable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    with Oracle() as oracle:
        yield oracle


def stale_recordings(oracle: Any, browser: str) -> list[str]:
    """Rule and WPT cases whose engine outcome no longer matches the
    recording (entries that wait on the real clock are left to
    record_cases.py)."""
    from record_cases import RECORDED_PATHS, all_cases, record_entry

    recorded = json.loads(RECORDED_PATHS[browser].read_text(encoding="utf-8"))
    stale = []
    for entry in all_cases():
        if not entry.get("live_recheck", True):
            continue  # held to its recording without a browser (branch_cases.py)
        if any(step.get("time") for step in entry.get("steps", [])):
            continue
        if record_entry(oracle, entry) != recorded[entry["name"]]["steps"]:
            stale.append(entry["name"])
    return stale


def corpus_disagreements(oracle: Any, browser: str) -> dict[str, dict[str, Any]]:
    """Corpus entries on which the model as `browser` differs from the engine."""
    from crossorigin.browser import PreflightCache, simulate

    found: dict[str, dict[str, Any]] = {}
    for entry in CORPUS:
        sid = oracle.new_sid()
        cache = PreflightCache()
        for step in entry_steps(entry):
            concrete = oracle.concretize(step, sid)
            engine = oracle.run(concrete, sid=sid)
            model = simulate(concrete, cache=cache, browser=browser)
            for key in UNMEASURED[browser]:
                engine[key] = model.get(key)
            differing = differences(engine, model)
            if differing:
                found[entry["name"]] = differing
                break
    return found


def check_engine(browser: str, known: dict[str, str]) -> None:
    """The CI check of one engine, in one test so one browser runs per
    worker: the recorded cases re-recorded equal the engine's recording, and
    the model as that engine matches it on the CI corpus except `known`
    (name -> why)."""
    shown = {"firefox": "Firefox", "webkit": "WebKit"}.get(browser, browser)
    for oracle in open_or_skip(browser):
        stale = stale_recordings(oracle, browser)
        assert not stale, (
            f"{shown} changed; python tests/oracles/browsers/record_cases.py "
            f"--browser {browser}: {stale[:10]}"
        )
        found = corpus_disagreements(oracle, browser)
    unexpected = {name: diff for name, diff in found.items() if name not in known}
    assert not unexpected, "\n".join(f"{name}: {diff}" for name, diff in unexpected.items())
    assert set(known) <= set(found), f"now agree, drop from KNOWN: {set(known) - set(found)}"
