"""Comparison (2): Chromium's verdict on our ASGI middleware equals the policy's.

Random valid policies (seeded) are served by `crossorigin.asgi.CORSMiddleware`
under a real uvicorn on loopback; allowed origins must work (with credentials
and preflight caching where the policy allows them), refused ones must be
blocked, and the page reads exactly the exposed headers.
"""

from __future__ import annotations

import pytest
from chromium_harness import Oracle
from policy_comparison import check_policy_case
from policy_scenarios import PAGE, PAGE_LOCALHOST, PolicyCase, generate_policy_case

pytestmark = pytest.mark.browser

POLICY_SEED = 20261124
POLICY_CASES = [generate_policy_case(POLICY_SEED, index) for index in range(120)]


def _case(
    name: str,
    fields: dict,
    *,
    method: str = "GET",
    headers=(),
    credentials="omit",
    page_origin: str = PAGE,
    repeat: bool = False,
) -> PolicyCase:
    return PolicyCase(
        name, fields, page_origin, method, [list(h) for h in headers], credentials, repeat
    )


HAND_WRITTEN = [
    _case("exact-origin-get", {"origins": [PAGE]}),
    _case("other-origin-refused", {"origins": ["https://example.com"]}),
    _case("localhost-is-another-origin", {"origins": [PAGE]}, page_origin=PAGE_LOCALHOST),
    _case("port-pattern", {"origins": ["http://localhost:*"]}, page_origin=PAGE_LOCALHOST),
    _case("credentials-allowed", {"origins": [PAGE], "credentials": True}, credentials="include"),
    _case("credentials-not-allowed", {"origins": [PAGE]}, credentials="include"),
    _case("wildcard-without-credentials", {"origins": "*", "expose_headers": "*"}),
    _case("wildcard-refuses-credentials", {"origins": "*"}, credentials="include"),
    _case("put-listed", {"origins": [PAGE], "methods": ["PUT"]}, method="PUT"),
    _case("put-not-listed", {"origins": [PAGE], "methods": ["POST"]}, method="PUT"),
    _case(
        "methods-wildcard-credentials",
        {"origins": [PAGE], "methods": "*", "credentials": True},
        method="DELETE",
        credentials="include",
    ),
    _case(
        "headers-wildcard-credentials",
        {"origins": [PAGE], "request_headers": "*", "credentials": True},
        method="PUT",
        headers=[("X-Custom", "1")],
        credentials="include",
    ),
    _case(
        "authorization-not-covered-by-wildcard",
        {"origins": [PAGE], "request_headers": "*"},
        headers=[("Authorization", "Bearer t")],
    ),
    _case(
        "authorization-listed",
        {"origins": [PAGE], "request_headers": ["Authorization"]},
        headers=[("Authorization", "Bearer t")],
    ),
    _case(
        "cache-max-age-600",
        {"origins": [PAGE], "methods": ["PUT"], "max_age": 600},
        method="PUT",
        repeat=True,
    ),
    _case("cache-default", {"origins": [PAGE], "methods": ["PUT"]}, method="PUT", repeat=True),
    _case(
        "cache-max-age-0",
        {"origins": [PAGE], "methods": ["PUT"], "max_age": 0},
        method="PUT",
        repeat=True,
    ),
    _case(
        "cache-credentials",
        {"origins": [PAGE], "methods": ["PATCH"], "credentials": True, "max_age": 600},
        method="PATCH",
        credentials="include",
        repeat=True,
    ),
    _case("expose-listed", {"origins": [PAGE], "expose_headers": ["X-Total"]}),
    _case(
        "expose-wildcard-literal-with-credentials",
        {"origins": [PAGE], "credentials": True, "expose_headers": ["X-Other"]},
        credentials="include",
    ),
]


@pytest.mark.parametrize(
    "case", HAND_WRITTEN + POLICY_CASES, ids=[c.name for c in HAND_WRITTEN + POLICY_CASES]
)
def test_chromium_verdict_equals_policy(oracle: Oracle, asgi_api, case: PolicyCase) -> None:
    mismatches = check_policy_case(oracle, asgi_api, case)
    assert mismatches == {}, f"{case}\n(Chromium, policy): {mismatches}"


def test_generated_cases_cover_both_verdicts(oracle: Oracle, asgi_api) -> None:
    """The seeded batch is not degenerate: some allowed, some refused, some cached."""
    from policy_scenarios import concrete_policy, expected_outcome

    verdicts = []
    repeats = 0
    for case in POLICY_CASES:
        policy = concrete_policy(case.policy_fields, oracle.ports)
        page_origin = oracle.concretize(case.scenario(), "sid")["page_origin"]
        expected = expected_outcome(
            policy, page_origin, case.method, case.headers, case.credentials, {}, ""
        )
        verdicts.append(expected.allowed)
        repeats += case.repeat and expected.allowed and expected.preflight_sent
    assert 0.25 < sum(verdicts) / len(verdicts) < 0.75
    assert repeats >= 5
