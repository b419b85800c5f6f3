"""Comparison (1): Chromium against the browser model on the same scenario.

Theory of operation: `compare_entry` runs one corpus entry (a scenario, or
`steps` sharing one URL so the preflight cache is under test) in Chromium and
through `crossorigin.browser.simulate` with a shared `PreflightCache`, on the
same concrete scenario (same ports, same sid), and returns the differences in
the oracle tuple (see `chromium_harness.differences`). Chromium wins: a
difference is a bug in the model or a Chromium deviation to document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chromium_harness import Oracle, Outcome, Scenario, differences


@dataclass
class StepResult:
    scenario: Scenario
    chromium: Outcome
    model: Outcome | None
    error: str | None = None
    differences: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def entry_steps(entry: dict[str, Any]) -> list[Scenario]:
    steps: list[Scenario] = entry["steps"] if "steps" in entry else [entry["scenario"]]
    return steps


def compare_entry(oracle: Oracle, entry: dict[str, Any]) -> list[StepResult]:
    """Run every step of `entry` in Chromium and in the model."""
    from crossorigin.browser import PreflightCache, simulate

    sid = oracle.new_sid()
    cache = PreflightCache()
    results: list[StepResult] = []
    for step in entry_steps(entry):
        concrete = oracle.concretize(step, sid)
        chromium = oracle.run(concrete, sid=sid)
        try:
            model: Outcome | None = simulate(concrete, cache=cache)
        except Exception as error:  # a crash is a disagreement, reported as such
            results.append(StepResult(concrete, chromium, None, f"{type(error).__name__}: {error}"))
            continue
        assert model is not None
        results.append(StepResult(concrete, chromium, model, None, differences(chromium, model)))
    return results
