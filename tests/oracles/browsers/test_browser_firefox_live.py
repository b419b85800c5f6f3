"""Real Firefox ESR in CI: recorded-firefox.json is still what Firefox does,
and the model as Firefox agrees with it on the CI corpus."""

from __future__ import annotations

import pytest
from engine_live import check_engine

pytestmark = pytest.mark.browser

#: Corpus entries the model as Firefox does not match yet (name -> why).
KNOWN: dict[str, str] = {}


def test_firefox_still_does_what_was_recorded_and_the_model_agrees() -> None:
    """One test, so one Firefox per run (pytest-xdist spreads tests over workers):
    the rule and WPT cases re-recorded equal recorded-firefox.json, and the model
    as Firefox matches Firefox on the CI corpus except the KNOWN entries."""
    check_engine("firefox", KNOWN)
