"""Example tests for the browser model: every reason code and console variant.

The cases live in tests/support/browser_examples.py (shared with the real-Chromium
test); here each one runs through `simulate`, by default as Chromium and, where
the standard differs, with `spec=True`.
"""

from __future__ import annotations

from typing import Any

import pytest

from browser_examples import EXAMPLES, fill
from crossorigin.browser import REASONS, simulate, simulate_trace
from crossorigin.browser.requests import prepare_request


def _check(outcome: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in fill(expected).items():
        assert outcome.get(key) == value, f"{key}: {outcome.get(key)!r} != {value!r}"


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_example_as_chromium(example: dict[str, Any]) -> None:
    outcome = simulate(fill(example["scenario"]))
    _check(outcome, example["expect"])
    assert outcome["browser"] == "chromium"
    assert set(outcome) <= {
        "browser",
        "preflight_sent",
        "preflight_request",
        "allowed",
        "failed_at",
        "reason",
        "console",
        "readable_headers",
        "network_error",
        "hops",
        "error",
    }
    # A console line comes with a DevTools reason, except for Blink's own checks:
    # the request mode (before anything is sent) and a same-origin-mode redirect.
    blink_line = outcome["failed_at"] == "request" or (outcome["console"] or "").startswith(
        "Unsafe attempt to load URL "
    )
    assert (outcome["console"] is None) == (outcome["allowed"] or outcome["reason"] is None) or (
        blink_line
    )


SPEC_EXAMPLES = [e for e in EXAMPLES if "expect_spec" in e]


@pytest.mark.parametrize("example", SPEC_EXAMPLES, ids=[e["id"] for e in SPEC_EXAMPLES])
def test_example_as_the_standard(example: dict[str, Any]) -> None:
    _check(simulate(fill(example["scenario"]), spec=True), example["expect_spec"])


def test_every_reason_has_an_example() -> None:
    covered = {e["expect"].get("reason") for e in EXAMPLES}
    assert covered >= REASONS, sorted(REASONS - covered)


def test_design_document_example() -> None:
    """The README's scenario; its preflight lacks Access-Control-Allow-Methods."""
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
        "browser": "chromium",
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
        "network_error": None,
        "hops": [],
    }


def test_cross_origin_redirect_sends_no_authorization() -> None:
    """Fetch §4.4 step 13, seen in the exchanges: one preflight, then the first
    hop with Authorization and the page's origin, then the hop to the other
    origin without Authorization and with Origin: null."""
    example = next(e for e in EXAMPLES if e["id"] == "redirect-cross-origin-drops-authorization")
    trace = simulate_trace(fill(example["scenario"]))
    sent = [
        (e.kind, dict((name.lower(), value) for name, value in e.request_headers))
        for e in trace.exchanges
    ]
    assert [kind for kind, _ in sent] == ["preflight", "actual", "actual"]
    assert sent[1][1]["authorization"] == "Bearer t"
    assert sent[1][1]["origin"] == "http://127.0.0.1:3000"
    assert "authorization" not in sent[2][1] and sent[2][1]["origin"] == "null"


def test_repeated_headers_are_joined_in_first_place() -> None:
    prepared = prepare_request(
        method="GET",
        headers=[("Accept", "a"), ("X-B", "1"), ("accept", "b"), ("X-B", "2")],
        mode="cors",
    )
    assert prepared.headers == (("Accept", "a, b"), ("X-B", "1, 2"))
    separate = prepare_request(
        method="GET", headers=[("Accept", "a"), ("accept", "b")], mode="cors", combine=False
    )
    assert separate.headers == (("Accept", "a"), ("accept", "b"))


def test_repeated_forbidden_value_is_dropped_alone() -> None:
    """The forbidden check sees each appended value; the rest are joined."""
    prepared = prepare_request(
        method="POST",
        headers=[("X-HTTP-Method-Override", "PUT"), ("X-HTTP-Method-Override", "TRACE")],
        mode="cors",
    )
    assert prepared.headers == (("X-HTTP-Method-Override", "PUT"),)


def test_no_cors_guard_judges_the_joined_value() -> None:
    """Fetch §5.2 append, "request-no-cors" guard: the append is ignored when
    the joined value ("temporaryValue") is not safelisted (here over 128 bytes);
    the earlier value stays."""
    prepared = prepare_request(
        method="GET",
        headers=[("Accept-Language", "a" * 64), ("Accept-Language", "b" * 64), ("X-A", "1")],
        mode="no-cors",
    )
    assert prepared.headers == (("Accept-Language", "a" * 64),)
    for combine in (True, False):
        kept = prepare_request(
            method="GET",
            headers=[("Content-Language", "de"), ("Content-Language", "en")],
            mode="no-cors",
            combine=combine,
        )
        assert [value for _, value in kept.headers] == (["de, en"] if combine else ["de", "en"])
