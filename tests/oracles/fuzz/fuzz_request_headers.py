"""Fuzz harness: `Access-Control-Request-Headers` (and -Method, -Private-Network)
through `Engine.preflight`.

Input: a selector byte (which policy, whether the origin is an allowed one),
then method, 0x1F, request headers, 0x1F, private-network value. Invariants:
no exception; the decision equals the reference server's (HTTP list rules of
RFC 9110 §5.6.1, exact method comparison, `*` never covering
`Authorization`); an allowed answer passes the browser's preflight check for
every requested name.
"""

from __future__ import annotations

from fuzz_common import fields, instrumented, run

with instrumented(__name__ == "__main__"):
    from crossorigin import Engine, Policy
from reference import cors as reference
from reference.compare import assert_same

ORIGIN = b"https://app.example.com"

POLICIES = [
    Policy(
        origins=["https://app.example.com"],
        methods=["PUT", "patch"],
        request_headers=["Content-Type", "Authorization", "X-Requested-With"],
        credentials=True,
        max_age=600,
    ),
    Policy(origins="*", methods="*", request_headers="*", private_network=True),
    Policy(
        origins=["https://*.example.com", "https://app.example.com"],
        methods="*",
        request_headers=["*", "Authorization"],
        credentials=True,
    ),
    Policy(origins=["https://app.example.com"]),
]
ENGINES = [Engine(policy) for policy in POLICIES]


def check(data: bytes) -> None:

    selector = data[0] if data else 0
    method, request_headers, network = fields(data[1:], 3)
    policy = POLICIES[selector % len(POLICIES)]
    engine = ENGINES[selector % len(POLICIES)]
    origin = ORIGIN if selector & 0x80 == 0 else b"https://x.example.com"
    acrh = None if selector & 0x40 else request_headers
    pna = network if network else None
    decision = engine.preflight(origin, method, acrh, pna)
    expected = reference.preflight(policy, origin, method, acrh, pna)
    lines = [(b"access-control-request-method", method)]
    if acrh is not None:
        lines.append((b"access-control-request-headers", acrh))
    assert_same(decision, expected, lines, policy.credentials)


if __name__ == "__main__":
    run(check)
