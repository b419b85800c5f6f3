"""The browser model against real Chromium: every example, both ways.

Each example of tests/support/browser_examples.py runs once in headless Chromium
(through the shared harness in tests/oracles/browsers/chromium_harness.py) and once in
the model with the same concrete ports; Chromium must show the expected
verdict, and the model must agree with Chromium on the verdict, the reason,
the console line, the preflight sent and the readable headers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from chromium_harness import Oracle, chromium_unavailable, differences

from browser_examples import EXAMPLES, PUT_OK, fill, response, scenario
from crossorigin.browser import PreflightCache, simulate

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(120),
    pytest.mark.skipif(chromium_unavailable() is not None, reason=str(chromium_unavailable())),
]


@pytest.fixture(scope="module")
def oracle(chromium_browser: Any) -> Iterator[Oracle]:
    """An oracle in the suite's shared Chromium: Playwright's sync API allows one
    instance per process, so starting a second one beside the browser tests fails."""
    with Oracle(browser=chromium_browser) as running:
        yield running


def _replacements(oracle: Oracle, sid: str) -> dict[str, str]:
    table = {"{" + name + "}": str(port) for name, port in oracle.ports.items()}
    table["{sid}"] = sid
    return table


def test_examples_match_chromium(oracle: Oracle) -> None:
    mismatches: dict[str, Any] = {}
    for example in EXAMPLES:
        sid = oracle.new_sid()
        chromium = oracle.run(example["scenario"], sid=sid)
        concrete = fill(example["scenario"], _replacements(oracle, sid))
        model = simulate(concrete)
        problems: dict[str, Any] = dict(differences(chromium, model))
        for key, value in fill(example["expect"], _replacements(oracle, sid)).items():
            if key in ("failed_at", "error"):
                continue  # not observable in the browser
            if chromium.get(key) != value:
                problems[f"expected {key}"] = (chromium.get(key), value)
        if problems:
            mismatches[example["id"]] = problems
    assert not mismatches, mismatches


def test_preflight_cache_matches_chromium(oracle: Oracle) -> None:
    """Consecutive requests to one URL: which of them Chromium preflights."""
    put = scenario("PUT", preflight=PUT_OK, actual=response(200, SIMPLE_ACAO))
    put_with_header = scenario(
        "PUT",
        headers=[["X-A", "1"]],
        preflight=response(
            204,
            SIMPLE_ACAO,
            ["Access-Control-Allow-Methods", "PUT"],
            ["Access-Control-Allow-Headers", "x-a"],
        ),
        actual=response(200, SIMPLE_ACAO),
    )
    delete = scenario(
        "DELETE",
        preflight=response(204, SIMPLE_ACAO, ["Access-Control-Allow-Methods", "DELETE"]),
        actual=response(200, SIMPLE_ACAO),
    )
    sequence = [put, put, put_with_header, put, delete, put]
    sid = oracle.new_sid()
    cache = PreflightCache()
    seen_chromium, seen_model = [], []
    for step in sequence:
        seen_chromium.append(oracle.run(step, sid=sid)["preflight_sent"])
        concrete = fill(step, _replacements(oracle, sid))
        seen_model.append(simulate(concrete, cache=cache, now=0.0)["preflight_sent"])
    assert seen_chromium == [True, False, True, False, True, True]
    assert seen_model == seen_chromium


SIMPLE_ACAO = ["Access-Control-Allow-Origin", "http://127.0.0.1:{page_port}"]
