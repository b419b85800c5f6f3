"""Real WebKitGTK in CI: recorded-webkit.json is still what WebKit does, console
lines included, and the model as WebKit agrees with it on the CI corpus: verdict,
preflight, hops, readable headers, console line and reason (MiniBrowser outside
automation, webkit_console.py; only a network error's name is not measured)."""

from __future__ import annotations

import pytest
from engine_live import corpus_disagreements, open_or_skip, stale_recordings

pytestmark = pytest.mark.browser

#: Corpus entries the model as WebKit does not match yet (name -> why).
KNOWN: dict[str, str] = {}


def test_webkit_still_does_what_was_recorded_and_the_model_agrees() -> None:
    """One test, so one WebKit per run (pytest-xdist spreads tests over workers):
    the rule and WPT cases re-recorded equal recorded-webkit.json, and the model
    as WebKit matches WebKit on the CI corpus except the KNOWN entries."""
    for oracle in open_or_skip("webkit"):
        stale = stale_recordings(oracle, "webkit")
        assert not stale, (
            f"WebKit changed; python tests/oracles/browsers/record_cases.py "
            f"--browser webkit: {stale[:10]}"
        )
        found = corpus_disagreements(oracle, "webkit")
    unexpected = {name: diff for name, diff in found.items() if name not in KNOWN}
    assert not unexpected, "\n".join(f"{name}: {diff}" for name, diff in unexpected.items())
    assert set(KNOWN) <= set(found), f"now agree, drop from KNOWN: {set(KNOWN) - set(found)}"
