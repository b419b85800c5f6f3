"""Comparison (2): our ASGI middleware under uvicorn, judged by real Chromium.

`check_policy_case` registers the case's policy under a fresh sid on the
`PolicyDispatcher`, runs the request in Chromium (twice when the case tests
the preflight cache) and returns the mismatches between what Chromium did and
what the policy says (`policy_scenarios.expected_outcome`).
"""

from __future__ import annotations

from typing import Any

from asgi_api import RESOURCE_HEADERS, PolicyDispatcher
from chromium_harness import Oracle
from policy_scenarios import PolicyCase, concrete_policy, expected_outcome

#: Starlette's PlainTextResponse content type, a CORS-safelisted response header.
RESOURCE_CONTENT_TYPE = "text/plain; charset=utf-8"


def check_policy_case(
    oracle: Oracle, dispatcher: PolicyDispatcher, case: PolicyCase
) -> dict[str, tuple[Any, Any]]:
    """Field -> (Chromium, the policy's verdict) for every mismatch."""
    sid = oracle.new_sid()
    policy = concrete_policy(case.policy_fields, oracle.ports)
    dispatcher.register(sid, policy)
    scenario = oracle.concretize(case.scenario(), sid)
    expected = expected_outcome(
        policy,
        scenario["page_origin"],
        case.method,
        case.headers,
        case.credentials,
        RESOURCE_HEADERS,
        RESOURCE_CONTENT_TYPE,
    )
    outcome = oracle.run(scenario, sid=sid)
    mismatches: dict[str, tuple[Any, Any]] = {}
    observed = {
        "allowed": outcome["allowed"],
        "preflight_sent": outcome["preflight_sent"],
        "readable_headers": outcome["readable_headers"],
    }
    wanted = {
        "allowed": expected.allowed,
        "preflight_sent": expected.preflight_sent,
        "readable_headers": expected.readable_headers,
    }
    for name, value in observed.items():
        if value != wanted[name]:
            mismatches[name] = (value, wanted[name])
    if case.repeat:
        again = oracle.run(scenario, sid=sid)
        if again["allowed"] != expected.allowed:
            mismatches["allowed on repeat"] = (again["allowed"], expected.allowed)
        if again["preflight_sent"] != expected.preflight_on_repeat:
            mismatches["preflight on repeat"] = (
                again["preflight_sent"],
                expected.preflight_on_repeat,
            )
    if mismatches:
        mismatches["chromium said"] = (outcome["reason"], outcome["console"])
    return mismatches
