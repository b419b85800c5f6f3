"""Chromium and `crossorigin simulate` agree on every scenario of the CI corpus.

The corpus (corpus.json) is written by scenario_generator.py: the edge cases
from the Chromium behaviours listed in tests/oracles/browsers/README.md and a seeded
random batch. Each entry runs in real Chromium and through the model; the
oracle tuple (allowed, reason, console text, preflight and its request
headers, readable headers, network error, hops) must be equal. The rule and
WPT cases (rule_cases.py, wpt_cases.py) are re-recorded here too: Chromium
must still do what recorded.json says.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from chromium_harness import Oracle, differences, load_corpus
from model_comparison import compare_entry
from scenario_generator import CORPUS_PATH, build_corpus

pytestmark = pytest.mark.browser

CORPUS = load_corpus(str(CORPUS_PATH))


def test_corpus_is_what_the_generator_writes() -> None:
    assert build_corpus() == CORPUS, "run: python tests/oracles/browsers/scenario_generator.py"
    steps = sum(len(entry.get("steps", [0])) for entry in CORPUS)
    assert len(CORPUS) >= 300 and steps >= 300


#: Disagreements found by this oracle and not yet fixed in the model, each
#: with the rule the model must learn (corpus entry name -> rule). Strict
#: xfail: once the model is fixed the test passes unexpectedly and fails, so
#: the entry must be removed here. Empty: the model agrees on the whole corpus.
KNOWN_MODEL_DISAGREEMENTS: dict[str, str] = {}


def _corpus_param(entry: dict) -> object:
    reason = KNOWN_MODEL_DISAGREEMENTS.get(entry["name"])
    marks = [pytest.mark.xfail(reason=f"model bug {reason}", strict=True)] if reason else []
    return pytest.param(entry, id=entry["name"], marks=marks)


def test_known_disagreements_are_corpus_entries() -> None:
    assert set(KNOWN_MODEL_DISAGREEMENTS) <= {entry["name"] for entry in CORPUS}


@pytest.mark.parametrize("entry", [_corpus_param(entry) for entry in CORPUS])
def test_model_agrees_with_chromium(oracle: Oracle, entry: dict) -> None:
    for number, result in enumerate(compare_entry(oracle, entry), start=1):
        context = f"step {number}: {json.dumps(result.scenario)}"
        assert result.error is None, f"the model raised {result.error}\n{context}"
        assert result.differences == {}, (
            "field: (Chromium, model)\n"
            + "\n".join(f"  {name}: {pair}" for name, pair in result.differences.items())
            + f"\n{context}"
        )


def test_recorded_cases_are_still_what_chromium_does(oracle: Oracle) -> None:
    """recorded.json (which tests/oracles/browsers/test_browser_recorded.py holds the model to)
    is still Chromium's behaviour."""
    from record_cases import RECORDED_PATH, all_cases, record_entry

    recorded = json.loads(RECORDED_PATH.read_text(encoding="utf-8"))
    stale = []
    for entry in all_cases():
        if not entry.get("live_recheck", True):
            continue  # held to its recording without a browser (branch_cases.py)
        if any(step.get("time") for step in entry.get("steps", [])):
            continue  # real-clock waits: re-recorded by record_cases.py only
        if record_entry(oracle, entry) != recorded[entry["name"]]["steps"]:
            stale.append(entry["name"])
    assert not stale, f"Chromium changed; re-record: {stale[:10]}"


def test_simulate_command_matches_chromium(oracle: Oracle) -> None:
    """The CLI, fed a batch of concrete scenarios on stdin, gives Chromium's outcomes."""
    batch = [entry for entry in CORPUS if "scenario" in entry][:40]
    sids = [oracle.new_sid() for _ in batch]
    concrete = [oracle.concretize(e["scenario"], sid) for e, sid in zip(batch, sids, strict=True)]
    chromium = [oracle.run(s, sid=sid) for s, sid in zip(concrete, sids, strict=True)]
    completed = subprocess.run(
        [sys.executable, "-m", "crossorigin.cli", "simulate", "-"],
        input=json.dumps(concrete),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode in (0, 1), completed.stderr
    outcomes = _json_values(completed.stdout)
    assert len(outcomes) == len(concrete)
    for scenario, ours, theirs in zip(concrete, chromium, outcomes, strict=True):
        assert differences(ours, theirs) == {}, json.dumps(scenario)


def _json_values(text: str) -> list[dict]:
    """The JSON values printed one after another (a list, lines, or pretty-printed)."""
    decoder = json.JSONDecoder()
    values: list = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            break
        value, position = decoder.raw_decode(text, position)
        values.extend(value if isinstance(value, list) else [value])
    return values
