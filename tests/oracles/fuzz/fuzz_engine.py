"""Fuzz harness: `Engine.decide` on arbitrary methods and header lines.

Input: a selector byte (policy, strict mode), the method, then header lines
separated by 0x1F; each line's first byte picks a CORS header name (or, for
values above the table, the bytes up to the first `:` are the name) and the
rest is the value. Invariants: no exception; the whole decision equals the
reference server's; an allowed decision's `Access-Control-Allow-Origin` is the
request's single `Origin` byte for byte (or `*`), and no header value holds
CR, LF or NUL.
"""

from __future__ import annotations

from fuzz_common import SEPARATOR, instrumented, run

with instrumented(__name__ == "__main__"):
    from crossorigin import Engine, Policy
from reference.compare import assert_engine_agrees

POLICIES = [
    Policy(
        origins=["https://app.example.com", "https://*.example.org", "http://localhost:*"],
        methods=["GET", "PUT", "DELETE"],
        request_headers=["Content-Type", "Authorization"],
        credentials=True,
        expose_headers=["X-Total"],
        max_age=600,
    ),
    Policy(origins="*", expose_headers="*", methods="*", request_headers="*"),
    Policy(
        origins=["https://*.example.com:*", "http://[::1]:*", "null"],
        methods="*",
        request_headers="*",
        credentials=True,
        private_network=True,
        dangerously_allow_null_origin=True,
    ),
]
ENGINES = [(Engine(policy), Engine(policy, strict=True)) for policy in POLICIES]
NAMES = [
    b"origin",
    b"Origin",
    b"access-control-request-method",
    b"access-control-request-headers",
    b"access-control-request-private-network",
    b"host",
]
SELF_ORIGIN = b"https://api.example.com"


def header_line(field: bytes) -> tuple[bytes, bytes]:
    if not field:
        return b"origin", b""
    if field[0] < len(NAMES):
        return NAMES[field[0]], field[1:]
    name, _, value = field.partition(b":")
    return name, value


def check(data: bytes) -> None:

    selector = data[0] if data else 0
    parts = data[1:].split(SEPARATOR)
    method = parts[0].decode("latin-1")
    lines = [header_line(part) for part in parts[1:9]]
    index = selector % len(POLICIES)
    strict = bool(selector & 0x80)
    decision = assert_engine_agrees(
        POLICIES[index],
        method,
        lines,
        strict=strict,
        self_origin=SELF_ORIGIN,
        engine=ENGINES[index][strict],
    )
    origins = [value for name, value in lines if name.lower() == b"origin"]
    if decision.allowed and origins:
        allow_origin = dict(decision.headers).get(b"access-control-allow-origin")
        assert allow_origin == b"*" or [allow_origin] == origins, (origins, decision)


if __name__ == "__main__":
    run(check)
