"""Differential test: the engine against the simple reference in tests/oracles/reference/.

Random valid policies (exact origins, subdomain and port wildcards, `*`,
`null` with its opt-in, credentials, methods and headers including `*`,
lower-case methods and `Authorization`, exposed headers, max-age, private
network) meet random requests built by mutating allowed origins the way
attackers and broken clients do (case, trailing slash, default port, extra
labels, suffix and prefix tricks, Unicode, CR/LF, duplicated lines) and random
preflight headers. The engine and the reference must agree on the whole
decision: kind, allowed, status, reason code, every CORS header's value, and
`Vary`. On top, an allowed preflight must pass the browser's own check
(Fetch §4.8 steps 7-8) for the request it answers.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crossorigin import ConfigError, Policy
from reference.compare import assert_engine_agrees

HOSTS = ["example.com", "example.org", "api.test", "localhost", "127.0.0.1", "[::1]", "github.io"]
SCHEMES = ["https", "http"]
PORTS = ["", "8443", "3000", "65535"]
METHOD_POOL = ["GET", "PUT", "DELETE", "PATCH", "patch", "PURGE", "*"]
HEADER_POOL = ["Content-Type", "Authorization", "X-Requested-With", "x-api-key", "*"]
EXPOSE_POOL = ["X-Total", "X-Page", "ETag", "*"]


@st.composite
def origin_entries(draw: st.DrawFn) -> str:
    shape = draw(st.sampled_from(["exact", "exact", "subdomains", "any-port", "null"]))
    if shape == "null":
        return "null"
    scheme = draw(st.sampled_from(SCHEMES))
    host = draw(st.sampled_from(HOSTS))
    port = draw(st.sampled_from(PORTS))
    if shape == "subdomains":
        host = draw(st.sampled_from(["example.com", "example.org", "api.test", "github.io"]))
        port = draw(st.sampled_from([*PORTS, "*"]))
        return f"{scheme}://*.{host}" + (f":{port}" if port else "")
    if shape == "any-port":
        return f"{scheme}://{host}:*"
    return f"{scheme}://{host}" + (f":{port}" if port else "")


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    if draw(st.integers(0, 5)) == 5:
        origins: str | list[str] = "*"
    else:
        origins = draw(st.lists(origin_entries(), min_size=1, max_size=4, unique=True))
    credentials = origins != "*" and draw(st.booleans())
    methods: str | list[str] = [name for name in METHOD_POOL[:-1] if draw(st.booleans())]
    if draw(st.integers(0, 4)) == 4:
        methods = "*"
    request_headers = [name for name in HEADER_POOL if draw(st.booleans())]
    expose = draw(st.lists(st.sampled_from(EXPOSE_POOL[:-1]), max_size=3, unique=True))
    if not credentials and draw(st.booleans()):
        expose = ["*"]
    try:
        return Policy(
            origins=origins,
            methods=methods,
            request_headers=request_headers,
            credentials=credentials,
            expose_headers=expose,
            max_age=draw(st.sampled_from([None, 0, 600, 86400])),
            private_network=draw(st.booleans()),
            dangerously_allow_insecure_origins=True,
            dangerously_allow_public_suffix_subdomains=draw(st.booleans()),
            dangerously_allow_null_origin=True,
        )
    except ConfigError:
        assume(False)
        raise AssertionError("unreachable") from None


def instances(policy: Policy) -> list[str]:
    """Concrete origins each entry of the policy allows (what a browser on an
    allowed page sends)."""
    found = []
    for entry in policy.origins:
        if entry == "*":
            found += ["https://anyone.example", "http://localhost:3000"]
        elif entry == "null":
            found.append("null")
        else:
            text = entry.replace("*.", "a.").replace("*.", "deep.b.")
            found.append(text.replace(":*", ":5173"))
            if entry.endswith(":*"):
                found.append(entry[:-2].replace("*.", "b.c."))
    return found


MUTATIONS = [
    "upper-all",
    "upper-host",
    "upper-scheme",
    "trailing-slash",
    "default-port",
    "extra-label",
    "suffix-trick",
    "prefix-trick",
    "unescaped-dot",
    "swap-scheme",
    "port-change",
    "leading-zero-port",
    "unicode",
    "punycode",
    "crlf",
    "nul",
    "space",
    "userinfo",
    "path",
    "trailing-dot",
    "empty-label",
    "double-dot",
    "null",
    "two-values",
    "long",
]


def mutate(origin: str, how: str) -> bytes:
    scheme, _, rest = origin.partition("://")
    if how == "upper-all":
        return origin.upper().encode()
    if how == "upper-host":
        return f"{scheme}://{rest.upper()}".encode()
    if how == "upper-scheme":
        return f"{scheme.upper()}://{rest}".encode()
    if how == "trailing-slash":
        return (origin + "/").encode()
    if how == "default-port":
        host = rest.partition(":")[0] if not rest.startswith("[") else rest.partition("]")[0] + "]"
        return f"{scheme}://{host}{':443' if scheme == 'https' else ':80'}".encode()
    if how == "extra-label":
        return f"{scheme}://evil.{rest}".encode()
    if how == "suffix-trick":
        host, _, port = rest.partition(":")
        return f"{scheme}://{host}.evil.test".encode() + (b":" + port.encode() if port else b"")
    if how == "prefix-trick":
        return f"{scheme}://evil{rest}".encode()
    if how == "unescaped-dot":
        return f"{scheme}://{rest.replace('.', 'x', 1)}".encode()
    if how == "swap-scheme":
        return f"{'http' if scheme == 'https' else 'https'}://{rest}".encode()
    if how == "port-change":
        return f"{scheme}://{rest.partition(':')[0]}:1234".encode()
    if how == "leading-zero-port":
        host, _, port = rest.partition(":")
        return f"{scheme}://{host}:0{port or '80'}".encode()
    if how == "unicode":
        return f"{scheme}://{rest.replace('a', 'а', 1)}".encode()  # Cyrillic a
    if how == "punycode":
        return f"{scheme}://xn--80a.{rest}".encode()
    if how == "crlf":
        return (origin + "\r\nSet-Cookie: a=b").encode()
    if how == "nul":
        return (origin + "\x00").encode()
    if how == "space":
        return (" " + origin).encode()
    if how == "userinfo":
        return f"{scheme}://user@{rest}".encode()
    if how == "path":
        return (origin + "/api?x#y").encode()
    if how == "trailing-dot":
        host, sep, port = rest.partition(":")
        return f"{scheme}://{host}.{sep}{port}".encode()
    if how == "empty-label":
        return f"{scheme}://.{rest}".encode()
    if how == "double-dot":
        return f"{scheme}://{rest.replace('.', '..', 1)}".encode()
    if how == "null":
        return b"null"
    if how == "two-values":
        return f"{origin} {origin}".encode()
    if how == "long":
        return f"{scheme}://{'a' * 320}.{rest}".encode()
    return origin.encode()


HEADER_NAMES = ["content-type", "Authorization", "x-requested-with", "X-API-KEY", "x-other"]
bad_header_lists = st.sampled_from(
    [b"a b", b"x-\xc3\xa9", b"(x)", b"x;y", b"a," * 5000, b"x-a\r\nx-b", b'"x"']
)


@st.composite
def request_header_values(draw: st.DrawFn, policy: Policy) -> bytes | None:
    if draw(st.integers(0, 9)) == 9:
        return draw(bad_header_lists)
    if draw(st.integers(0, 3)) == 3:
        return None
    pool = [*HEADER_NAMES, *(h.upper() for h in policy.request_headers if h != "*")]
    names = [name for name in pool if draw(st.integers(0, 2)) == 2]
    separator = draw(st.sampled_from([",", ", ", " ,\t", ",,"]))
    return separator.join(names).encode()


GOOD_METHODS = [b"GET", b"POST", b"PUT", b"put", b"PATCH", b"patch", b"DELETE", b"PURGE", b"*"]
BAD_METHODS = [b"", b"P UT", b"PUT, GET", b"\xffPUT", b"PUT\r\n", b"GET "]


@st.composite
def request_methods(draw: st.DrawFn, policy: Policy) -> bytes:
    if draw(st.integers(0, 9)) == 9:
        return draw(st.sampled_from(BAD_METHODS))
    listed = [m.encode() for m in policy.methods if m != "*"]
    return draw(st.sampled_from([*GOOD_METHODS, *listed, *listed]))


@dataclass
class Request:
    method: str
    lines: list[tuple[bytes, bytes]]
    self_origin: bytes | None


@st.composite
def requests(draw: st.DrawFn, policy: Policy) -> Request:
    base = draw(st.sampled_from(instances(policy)))
    how = "same"
    if draw(st.integers(0, 2)) == 2:
        how = draw(st.sampled_from(MUTATIONS))
    origin = mutate(base, how)
    if draw(st.integers(0, 19)) == 19:
        origin = draw(st.binary(max_size=40))
    kind = draw(st.sampled_from(["preflight", "preflight", "actual", "no-origin", "options"]))
    names = {
        "origin": draw(st.sampled_from([b"origin", b"Origin", b"ORIGIN"])),
        "method": draw(
            st.sampled_from([b"access-control-request-method", b"Access-Control-Request-Method"])
        ),
        "headers": b"access-control-request-headers",
        "network": b"access-control-request-private-network",
    }
    lines: list[tuple[bytes, bytes]] = [(b"host", b"api.example.com")]
    if kind != "no-origin":
        lines.append((names["origin"], origin))
        if draw(st.integers(0, 14)) == 14:
            lines.append((b"origin", draw(st.sampled_from([origin, b"https://evil.test"]))))
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "patch", "HEAD"]))
    if kind in ("preflight", "no-origin"):
        method = "OPTIONS"
        lines.append((names["method"], draw(request_methods(policy))))
        if draw(st.integers(0, 19)) == 19:
            lines.append((names["method"], b"PUT"))
        value = draw(request_header_values(policy))
        if value is not None:
            if draw(st.integers(0, 4)) == 4 and b"," in value:
                first, _, second = value.partition(b",")
                lines += [(names["headers"], first), (names["headers"], second)]
            else:
                lines.append((names["headers"], value))
        network = draw(st.sampled_from([None, None, None, None, b"true", b"false"]))
        if network is not None:
            lines.append((names["network"], network))
    elif kind == "options":
        method = "OPTIONS"
    self_origin = draw(st.sampled_from([None, b"https://api.example.com", origin]))
    return Request(method, lines, self_origin)


def assert_same_decision(policy: Policy, request: Request, strict: bool) -> None:
    assert_engine_agrees(
        policy, request.method, request.lines, strict=strict, self_origin=request.self_origin
    )


@st.composite
def policy_and_requests(draw: st.DrawFn) -> tuple[Policy, list[Request]]:
    policy = draw(policies())
    return policy, draw(st.lists(requests(policy), min_size=1, max_size=8))


def differential(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )


FIXED_POLICIES = [
    Policy(origins="*", expose_headers="*", methods="*", request_headers="*", max_age=0),
    Policy(
        origins=["https://app.example.com", "https://*.example.org", "http://localhost:*"],
        methods=["PUT", "patch"],
        request_headers=["Content-Type", "Authorization"],
        credentials=True,
        expose_headers=["X-Total"],
        max_age=600,
    ),
    Policy(
        origins=["https://*.example.com:*", "http://[::1]:*", "http://127.0.0.1:8000", "null"],
        methods="*",
        request_headers="*",
        credentials=True,
        private_network=True,
        dangerously_allow_null_origin=True,
    ),
    Policy(
        origins=["https://*.github.io", "https://api.test:8443"],
        request_headers=["*", "Authorization"],
        credentials=True,
        dangerously_allow_public_suffix_subdomains=True,
    ),
]
ACRH_SAMPLES = [
    None,
    b"",
    b"content-type",
    b"authorization,x-a",
    b" X-A ,\t,",
    b"a b",
    b"x-\xe9",
    b"x-a," * 3000,
]


@pytest.mark.parametrize("policy", FIXED_POLICIES, ids=range(len(FIXED_POLICIES)))
def test_every_mutation_of_every_allowed_origin(policy: Policy) -> None:
    """Each mutation class against each allowed origin, as actual requests
    (strict and not) and preflights: deterministic, so every class is seen in
    every run."""
    for base in instances(policy):
        for how in ["same", *MUTATIONS]:
            origin = mutate(base, how)
            for method in ("GET", "POST", "PUT", "patch"):
                request = Request(method, [(b"origin", origin)], b"https://api.example.com")
                assert_same_decision(policy, request, strict=method != "GET")
            for acrm in (b"GET", b"PUT", b"patch", b"PURGE", b"P UT"):
                for acrh in ACRH_SAMPLES:
                    lines = [(b"origin", origin), (b"access-control-request-method", acrm)]
                    if acrh is not None:
                        lines.append((b"access-control-request-headers", acrh))
                    for network in (None, b"true"):
                        if network is not None:
                            lines.append((b"access-control-request-private-network", network))
                        assert_same_decision(policy, Request("OPTIONS", lines, None), False)


@differential(150)
@given(case=policy_and_requests(), strict=st.booleans())
def test_engine_agrees_with_the_reference(case: tuple[Policy, list[Request]], strict: bool) -> None:
    policy, requests = case
    for request in requests:
        assert_same_decision(policy, request, strict)


@pytest.mark.slow
@differential(5_000)
@given(case=policy_and_requests(), strict=st.booleans())
def test_engine_agrees_with_the_reference_at_length(
    case: tuple[Policy, list[Request]], strict: bool
) -> None:
    policy, requests = case
    for request in requests:
        assert_same_decision(policy, request, strict)
