"""Example tests for the browser model: every reason code and console variant.

The cases live in tests/live/browser_examples.py (shared with the real-Chromium
test); here each one runs through `simulate`, by default as Chromium and, where
the standard differs, with `spec=True`.
"""

from __future__ import annotations

from typing import Any

import pytest

from crossorigin.browser import REASONS, simulate
from live.browser_examples import EXAMPLES, fill


def _check(outcome: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in fill(expected).items():
        assert outcome.get(key) == value, f"{key}: {outcome.get(key)!r} != {value!r}"


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_example_as_chromium(example: dict[str, Any]) -> None:
    outcome = simulate(fill(example["scenario"]))
    _check(outcome, example["expect"])
    assert set(outcome) <= {
        "preflight_sent",
        "preflight_request",
        "allowed",
        "failed_at",
        "reason",
        "console",
        "readable_headers",
        "error",
    }
    assert (outcome["console"] is None) == (outcome["allowed"] or outcome["reason"] is None) or (
        outcome["failed_at"] == "request"
    )


SPEC_EXAMPLES = [e for e in EXAMPLES if "expect_spec" in e]


@pytest.mark.parametrize("example", SPEC_EXAMPLES, ids=[e["id"] for e in SPEC_EXAMPLES])
def test_example_as_the_standard(example: dict[str, Any]) -> None:
    _check(simulate(fill(example["scenario"]), spec=True), example["expect_spec"])


def test_every_reason_has_an_example() -> None:
    covered = {e["expect"].get("reason") for e in EXAMPLES}
    assert covered >= REASONS, sorted(REASONS - covered)


def test_design_document_example() -> None:
    """DESIGN.md's scenario; its preflight lacks Access-Control-Allow-Methods."""
    scenario = {
        "page_origin": "http://127.0.0.1:3000",
        "request": {
            "url": "http://127.0.0.1:8000/api",
            "method": "PUT",
            "headers": [["Content-Type", "application/json"]],
            "credentials": "same-origin",
            "mode": "cors",
        },
        "responses": {"preflight": {"status": 204, "headers": []}},
        "read_headers": ["X-Total"],
    }
    assert simulate(scenario) == {
        "preflight_sent": True,
        "preflight_request": {
            "method": "OPTIONS",
            "headers": [
                ["Access-Control-Request-Method", "PUT"],
                ["Access-Control-Request-Headers", "content-type"],
            ],
        },
        "allowed": False,
        "failed_at": "preflight",
        "reason": "PreflightMissingAllowOriginHeader",
        "console": "Access to fetch at 'http://127.0.0.1:8000/api' from origin "
        "'http://127.0.0.1:3000' has been blocked by CORS policy: Response to preflight request "
        "doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present "
        "on the requested resource.",
        "readable_headers": {"x-total": None},
    }
