"""Compare an engine `Decision` with the reference server's `Answer`.

Shared by the differential test (tests/oracles/test_reference_engine.py) and the fuzz
harnesses (tests/oracles/fuzz/), so both hold the engine to the same standard: the same
kind, verdict, status and reason code, the same CORS header values, the same
`Vary`, nothing that can split a header line, and an allowed preflight that the
browser's own check (Fetch §4.8 steps 7-8) accepts.
"""

from __future__ import annotations

from crossorigin import Decision, Engine, Policy
from reference import cors as reference

Lines = list[tuple[bytes, bytes]]

CORS_NAMES = [
    b"access-control-allow-origin",
    b"access-control-allow-credentials",
    b"access-control-expose-headers",
    b"access-control-max-age",
    b"access-control-allow-private-network",
]


def browser_accepts_preflight(
    headers: Lines, method: bytes, names: list[str], credentials: bool
) -> bool:
    """Fetch §4.8 steps 7-8: every requested method and header name is covered
    by the answer's lists (`*` only without credentials, never for
    `Authorization`)."""
    values = dict(headers)
    methods = [m.strip() for m in values.get(b"access-control-allow-methods", b"").split(b",")]
    allowed = [
        h.strip().lower() for h in values.get(b"access-control-allow-headers", b"").split(b",")
    ]
    method_listed = method in (b"GET", b"HEAD", b"POST") or method in methods
    if not method_listed and (credentials or b"*" not in methods):
        return False
    for name in names:
        if name.encode() in allowed:
            continue
        if name == "authorization" or credentials or b"*" not in allowed:
            return False
    return True


def vary_lists_origin(headers: Lines) -> bool:
    return any(
        name == b"vary" and b"origin" in [v.strip().lower() for v in value.split(b",")]
        for name, value in headers
    )


def assert_same(
    decision: Decision, expected: reference.Answer, lines: Lines, credentials: bool
) -> None:
    """Fail with a readable message unless the decision is the reference's answer."""
    got = list(decision.headers)
    assert decision.kind.value == expected.kind, (decision, expected)
    assert decision.allowed is expected.allowed, (decision, expected)
    assert decision.status == expected.status, (decision, expected)
    assert (decision.reason.value if decision.reason else None) == expected.reason, (
        decision,
        expected,
    )
    assert sorted(name for name, _ in got) == sorted(name for name, _ in expected.headers)
    for name in CORS_NAMES:
        assert dict(got).get(name) == expected.header(name), (name, decision, expected)
    assert vary_lists_origin(got) == vary_lists_origin(expected.headers)
    assert dict(got).get(b"vary") == expected.header(b"vary")
    for _, value in got:
        assert b"\r" not in value and b"\n" not in value and b"\x00" not in value, got
    if expected.kind == "preflight" and expected.allowed:
        acrm = b", ".join(v for n, v in lines if n.lower() == b"access-control-request-method")
        acrh = b",".join(v for n, v in lines if n.lower() == b"access-control-request-headers")
        names = reference.parse_header_list(acrh) or []
        assert browser_accepts_preflight(got, acrm, names, credentials), got


def assert_engine_agrees(
    policy: Policy,
    method: str,
    lines: Lines,
    *,
    strict: bool = False,
    self_origin: bytes | None = None,
    engine: Engine | None = None,
) -> Decision:
    """Decide one request with the engine and the reference; they must agree."""
    engine = engine or Engine(policy, strict=strict)
    decision = engine.decide(method, lines, self_origin=self_origin)
    expected = reference.decide(policy, method, lines, strict=strict, self_origin=self_origin)
    assert_same(decision, expected, lines, policy.credentials)
    return decision
