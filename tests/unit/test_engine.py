"""The sans-I/O engine: every branch, hostile input, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossorigin import Engine, Origin, OriginSyntaxError, Policy, Reason, RequestKind
from crossorigin.engine import CACHE_SIZE

APP = b"https://app.example.com"
VARY_PREFLIGHT = (
    b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    b"Access-Control-Request-Private-Network"
)


def headers_of(decision: object) -> dict[bytes, bytes]:
    return dict(decision.headers)  # type: ignore[attr-defined]


@pytest.fixture
def engine() -> Engine:
    return Engine(
        Policy(
            origins=["https://app.example.com", "https://*.example.org", "http://localhost:*"],
            methods=["GET", "POST", "PUT", "DELETE"],
            request_headers=["Content-Type", "Authorization"],
            credentials=True,
            expose_headers=["X-Total", "X-Page"],
            max_age=600,
        )
    )


# -- requests without Origin ------------------------------------------------------------


def test_no_origin_gets_only_vary(engine: Engine) -> None:
    decision = engine.actual(None)
    assert decision.kind is RequestKind.NOT_CORS and decision.allowed
    assert decision.headers == ((b"vary", b"Origin"),)
    assert engine.decide("GET", [("Host", "api.example.com")]) is decision


def test_any_origin_without_credentials_is_a_constant_answer() -> None:
    engine = Engine(Policy(origins="*", expose_headers=["X-Total"]))
    expected = (
        (b"access-control-allow-origin", b"*"),
        (b"access-control-expose-headers", b"X-Total"),
    )
    assert engine.actual(None).headers == expected  # no Vary needed: nothing depends on Origin
    assert engine.actual(b"https://anyone.example").headers == expected
    assert engine.actual(b"\xff garbage").headers == expected
    assert engine.actual(b"null").allowed


# -- actual requests ----------------------------------------------------------------------


def test_allowed_exact_origin(engine: Engine) -> None:
    decision = engine.actual(APP, "POST")
    assert decision.allowed and decision.status is None and decision.reason is None
    assert decision.headers == (
        (b"access-control-allow-origin", APP),
        (b"access-control-allow-credentials", b"true"),
        (b"access-control-expose-headers", b"X-Total, X-Page"),
        (b"vary", b"Origin"),
    )
    assert engine.actual(APP) is decision  # precomputed and shared


@pytest.mark.parametrize("origin", [b"https://a.example.org", b"http://localhost:5173"])
def test_allowed_pattern_origin_is_reflected_byte_exact(engine: Engine, origin: bytes) -> None:
    decision = engine.actual(origin)
    assert decision.allowed
    assert headers_of(decision)[b"access-control-allow-origin"] == origin
    assert engine.actual(origin) is decision  # remembered


@pytest.mark.parametrize(
    "origin",
    [
        b"https://evil.example",
        b"https://app.example.com/",
        b"https://APP.example.com",
        b"https://app.example.com:443",
        b"https://app.example.com.evil.example",
        b"https://example.org",
        b"http://app.example.com",
        b"null",
    ],
)
def test_refused_origin_gets_no_cors_headers_but_vary(engine: Engine, origin: bytes) -> None:
    decision = engine.actual(origin, "POST")
    assert not decision.allowed and decision.status is None
    assert decision.reason is Reason.ORIGIN_NOT_ALLOWED
    assert decision.headers == ((b"vary", b"Origin"),)


@pytest.mark.parametrize(
    "origin",
    [
        b"",
        b"https://app.example.com\r\nSet-Cookie: x=1",
        b"https://\xc3\xa9.example.org",
        b"https://a b.example.org",
        b"https://" + b"a" * 1_000_000,
        b"https://app.example.com, https://app.example.com",
    ],
)
def test_invalid_origin_is_refused(engine: Engine, origin: bytes) -> None:
    decision = engine.actual(origin)
    assert not decision.allowed
    assert decision.reason in (Reason.ORIGIN_INVALID, Reason.ORIGIN_NOT_ALLOWED)
    assert decision.headers == ((b"vary", b"Origin"),)


def test_regex_origin_is_reflected_only_when_printable() -> None:
    engine = Engine(Policy(origins=[], origin_regex=r"https://[^/]+\.example\.net"))
    assert engine.actual(b"https://a.example.net").allowed
    crafted = b"https://a\r.example.net"
    decision = engine.actual(crafted)
    assert not decision.allowed and decision.reason is Reason.ORIGIN_INVALID


def test_strict_mode_refuses_unsafe_methods_from_refused_origins() -> None:
    engine = Engine(Policy(origins=["https://app.example.com"]), strict=True)
    evil = b"https://evil.example"
    refusal = engine.actual(evil, "POST")
    assert refusal.status == 403 and refusal.reason is Reason.UNSAFE_METHOD_FROM_REFUSED_ORIGIN
    assert refusal.headers == ((b"vary", b"Origin"),)
    assert engine.actual(evil, "GET").status is None  # safe methods reach the app
    assert engine.actual(evil, "HEAD").status is None
    assert engine.actual(APP, "DELETE").allowed
    own = b"https://api.example.com"
    assert engine.actual(own, "POST", self_origin=own).status is None  # same-origin form post
    assert Engine(Policy(origins=["https://app.example.com"])).actual(evil, "POST").status is None


# -- preflight -------------------------------------------------------------------------


def test_preflight_allowed(engine: Engine) -> None:
    decision = engine.preflight(APP, b"PUT", b"authorization,content-type")
    assert decision.kind is RequestKind.PREFLIGHT and decision.allowed and decision.status == 204
    assert decision.headers == (
        (b"access-control-allow-origin", APP),
        (b"access-control-allow-methods", b"GET, POST, PUT, DELETE"),
        (b"access-control-allow-headers", b"content-type, authorization"),
        (b"access-control-allow-credentials", b"true"),
        (b"access-control-max-age", b"600"),
        (b"vary", VARY_PREFLIGHT),
    )
    assert engine.preflight(APP, b"PUT", b"authorization,content-type") is decision


@pytest.mark.parametrize(
    ("origin", "method", "request_headers", "reason", "detail"),
    [
        (b"https://evil.example", b"PUT", None, Reason.ORIGIN_NOT_ALLOWED, ""),
        (b"https://app.example.com\n", b"PUT", None, Reason.ORIGIN_INVALID, ""),
        (APP, b"PATCH", None, Reason.METHOD_NOT_ALLOWED, "PATCH"),
        (APP, b"put", None, Reason.METHOD_NOT_ALLOWED, "put"),  # case-sensitive (Fetch §2.2.1)
        (APP, b"P UT", None, Reason.METHOD_INVALID, "P UT"),
        (APP, b"PUT, GET", None, Reason.METHOD_INVALID, "PUT, GET"),
        (APP, b"\xffPUT", None, Reason.METHOD_INVALID, ""),
        (APP, b"", None, Reason.METHOD_INVALID, ""),
        (APP, b"PUT", b"x-token", Reason.HEADERS_NOT_ALLOWED, "x-token"),
        (APP, b"PUT", b"content-type,x-a,x-b", Reason.HEADERS_NOT_ALLOWED, "x-a, x-b"),
        (APP, b"PUT", b"content type", Reason.HEADERS_INVALID, ""),
        (APP, b"PUT", b"x-\xe9", Reason.HEADERS_INVALID, ""),
        (APP, b"PUT", b"a," * 10_000, Reason.HEADERS_INVALID, ""),
    ],
)
def test_preflight_refusals(
    engine: Engine,
    origin: bytes,
    method: bytes,
    request_headers: bytes | None,
    reason: Reason,
    detail: str,
) -> None:
    decision = engine.preflight(origin, method, request_headers)
    assert not decision.allowed and decision.status == 403
    assert decision.reason is reason
    assert decision.detail == detail
    assert decision.headers == ((b"vary", VARY_PREFLIGHT),)  # no CORS headers at all


def test_preflight_for_safelisted_method_is_always_allowed_by_method(engine: Engine) -> None:
    narrow = Engine(
        Policy(origins=["https://app.example.com"], methods=["PUT"], request_headers=["x-a"])
    )
    for method in (b"GET", b"HEAD", b"POST"):
        assert narrow.preflight(APP, method, b"x-a").allowed


def test_preflight_tolerates_spaces_case_and_empty_elements(engine: Engine) -> None:
    assert engine.preflight(APP, b"PUT", b" Content-Type ,\tAUTHORIZATION,,").allowed
    assert engine.preflight(APP, b"PUT", b"").allowed


def test_preflight_without_credentials_uses_wildcards() -> None:
    engine = Engine(Policy(origins="*", methods="*", request_headers="*"))
    decision = engine.preflight(b"https://x.example", b"PURGE", b"x-anything")
    assert decision.allowed
    values = headers_of(decision)
    assert values[b"access-control-allow-origin"] == b"*"
    assert values[b"access-control-allow-methods"] == b"*"
    assert values[b"access-control-allow-headers"] == b"*"
    assert b"access-control-allow-credentials" not in values


def test_wildcard_never_covers_authorization() -> None:
    engine = Engine(Policy(origins="*", request_headers="*"))
    refused = engine.preflight(b"https://x.example", b"GET", b"authorization,x-a")
    assert refused.reason is Reason.HEADERS_NOT_ALLOWED and refused.detail == "authorization"
    listed = Engine(Policy(origins="*", request_headers=["*", "Authorization"]))
    decision = listed.preflight(b"https://x.example", b"GET", b"authorization,x-a")
    assert decision.allowed
    assert headers_of(decision)[b"access-control-allow-headers"] == b"*, authorization"


def test_wildcards_with_credentials_echo_the_request() -> None:
    engine = Engine(
        Policy(
            origins=["https://app.example.com"], methods="*", request_headers="*", credentials=True
        )
    )
    decision = engine.preflight(APP, b"PURGE", b"x-a,X-B")
    values = headers_of(decision)
    assert values[b"access-control-allow-origin"] == APP
    assert values[b"access-control-allow-methods"] == b"PURGE"
    assert values[b"access-control-allow-headers"] == b"x-a,x-b"
    assert values[b"access-control-allow-credentials"] == b"true"
    no_headers = headers_of(engine.preflight(APP, b"PUT"))
    assert b"access-control-allow-headers" not in no_headers
    assert engine.preflight(APP, b"PUT", b"authorization").reason is Reason.HEADERS_NOT_ALLOWED


def test_private_network_access() -> None:
    closed = Engine(Policy(origins=["https://app.example.com"]))
    assert closed.preflight(APP, b"GET", None, b"true").reason is (
        Reason.PRIVATE_NETWORK_NOT_ALLOWED
    )
    assert closed.preflight(APP, b"GET", None, b"false").allowed
    open_ = Engine(Policy(origins=["https://app.example.com"], private_network=True))
    decision = open_.preflight(APP, b"GET", None, b"true")
    values = headers_of(decision)
    assert values[b"access-control-allow-private-network"] == b"true"
    assert values[b"vary"].endswith(b"Access-Control-Request-Private-Network")
    assert b"access-control-allow-private-network" not in headers_of(open_.preflight(APP, b"GET"))


def test_preflight_vary_names_private_network_even_when_the_policy_refuses_it() -> None:
    """A shared cache keying a preflight only on the other three headers could
    replay the 204 (asked without Private-Network) to a request that asks for it,
    or the 403 to one that does not."""
    closed = Engine(Policy(origins=["https://app.example.com"]))
    without = closed.preflight(APP, b"GET")
    with_private_network = closed.preflight(APP, b"GET", None, b"true")
    assert without.allowed and not with_private_network.allowed
    for decision in (without, with_private_network):
        assert b"Access-Control-Request-Private-Network" in headers_of(decision)[b"vary"]


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda e: e.actual("https://app.example.com"), "origin"),
        (lambda e: e.actual("https://app.example.com", "POST"), "origin"),
        (lambda e: e.preflight("https://app.example.com", b"PUT"), "origin"),
        (lambda e: e.preflight(APP, "PUT"), "request_method"),
        (lambda e: e.preflight(APP, b"PUT", "content-type"), "request_headers"),
        (lambda e: e.preflight(APP, b"PUT", None, "true"), "private_network"),
        (lambda e: e.websocket("https://evil.example"), "origin"),
    ],
)
def test_str_instead_of_bytes_is_a_type_error_not_a_silent_refusal(
    engine: Engine, call: object, argument: str
) -> None:
    with pytest.raises(TypeError, match=f"{argument} must be the raw header value as bytes"):
        call(engine)  # type: ignore[operator]


def test_repr_names_the_policy_and_the_caches(engine: Engine) -> None:
    engine.actual(b"https://a.example.org")
    engine.preflight(APP, b"PUT")
    text = repr(engine)
    assert text.startswith("<Engine for Policy(origins=['https://app.example.com'")
    assert "1 learned origins, 1 cached preflights>" in text
    assert "strict=True" in repr(Engine(Policy(origins=["https://a.example"]), strict=True))


def test_max_age_absent_and_zero() -> None:
    assert b"access-control-max-age" not in headers_of(
        Engine(Policy(origins="*")).preflight(b"https://x.example", b"GET")
    )
    zero = Engine(Policy(origins="*", max_age=0)).preflight(b"https://x.example", b"GET")
    assert headers_of(zero)[b"access-control-max-age"] == b"0"


# -- classification -------------------------------------------------------------------------


def test_decide_classifies(engine: Engine) -> None:
    origin = ("Origin", "https://app.example.com")
    preflight = engine.decide("OPTIONS", [origin, ("Access-Control-Request-Method", "PUT")])
    assert preflight.kind is RequestKind.PREFLIGHT and preflight.status == 204
    plain_options = engine.decide("OPTIONS", [origin])
    assert plain_options.kind is RequestKind.ACTUAL and plain_options.status is None
    actual = engine.decide("PUT", [(b"origin", APP), (b"access-control-request-method", b"PUT")])
    assert actual.kind is RequestKind.ACTUAL and actual.allowed
    assert engine.decide("OPTIONS", [("Access-Control-Request-Method", "PUT")]).kind is (
        RequestKind.NOT_CORS
    )


def test_decide_joins_split_request_headers(engine: Engine) -> None:
    decision = engine.decide(
        "OPTIONS",
        [
            ("Origin", "https://app.example.com"),
            ("Access-Control-Request-Method", "PUT"),
            ("Access-Control-Request-Headers", "content-type"),
            ("Access-Control-Request-Headers", "authorization"),
        ],
    )
    assert decision.allowed


def test_duplicate_origin_or_method_lines_are_refused(engine: Engine) -> None:
    twice = [("Origin", "https://app.example.com"), ("Origin", "https://app.example.com")]
    assert not engine.decide("GET", twice).allowed
    assert not engine.decide("OPTIONS", [*twice, ("Access-Control-Request-Method", "PUT")]).allowed
    methods = [
        ("Origin", "https://app.example.com"),
        ("Access-Control-Request-Method", "PUT"),
        ("Access-Control-Request-Method", "PUT"),
    ]
    assert engine.decide("OPTIONS", methods).reason is Reason.METHOD_INVALID


def test_websocket_handshakes(engine: Engine) -> None:
    assert engine.websocket(None).allowed
    assert engine.websocket(APP).allowed
    assert engine.websocket(b"wss://api.example.com", self_origin=b"wss://api.example.com").allowed
    refused = engine.websocket(b"https://evil.example")
    assert refused.status == 403 and refused.reason is Reason.ORIGIN_NOT_ALLOWED
    assert engine.websocket(b"\x00").reason is Reason.ORIGIN_INVALID


def test_reasons_explain_themselves() -> None:
    for reason in Reason:
        assert reason.explanation and reason.value == reason.value.lower()


# -- hostile input and bounded memory ------------------------------------------------------------


@pytest.mark.timeout(10)
def test_hostile_inputs_are_refused_quickly(engine: Engine) -> None:
    huge = b"https://" + b"a" * (1 << 20)
    assert not engine.actual(huge).allowed
    assert not engine.preflight(huge, b"PUT").allowed
    many = b",".join(b"x-h%d" % i for i in range(10_000))
    assert engine.preflight(APP, b"PUT", many).reason is Reason.HEADERS_INVALID
    assert not engine.decide("GET", [("Origin", "https://app.example.com\r\nX: y")]).allowed
    assert not engine.decide("GET", [("Origin", "https://ápp.example.com")]).allowed
    assert not engine.decide("GET", [(b"origin", b"\x00\xff" * 1000)]).allowed


def test_caches_stay_bounded(engine: Engine) -> None:
    for index in range(CACHE_SIZE * 2 + 10):
        engine.actual(b"https://x%d.example.org" % index)
        engine.preflight(APP, b"PUT", b"x-%d" % index)
    assert len(engine._actual_cache) <= CACHE_SIZE + 2
    assert len(engine._fast_headers) <= CACHE_SIZE + 2
    assert len(engine._preflight_cache) <= CACHE_SIZE


# -- properties ------------------------------------------------------------------------------------

ORIGIN_POOL = [
    "https://app.example.com",
    "https://*.example.org",
    "http://localhost:*",
    "https://*.example.net:*",
    "http://127.0.0.1:8000",
    "https://api.test:8443",
]

policies = st.builds(
    lambda origins, credentials, methods, headers: Policy(
        origins=origins, credentials=credentials, methods=methods, request_headers=headers
    ),
    st.lists(st.sampled_from(ORIGIN_POOL), min_size=1, max_size=4, unique=True),
    st.booleans(),
    st.sampled_from([("GET",), ("GET", "PUT"), "*"]),
    st.sampled_from([(), ("content-type",), "*", ("*", "authorization")]),
)

near_origins = st.one_of(
    st.sampled_from(
        [
            "https://app.example.com",
            "https://a.example.org",
            "https://example.org",
            "http://localhost:3000",
            "https://x.y.example.net:444",
            "http://127.0.0.1:8000",
            "https://api.test:8443",
            "https://app.example.com.evil.test",
            "null",
        ]
    ).map(str.encode),
    st.binary(max_size=80),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz.:/*-_[]0123456789\r\n ", max_size=60).map(
        str.encode
    ),
)


def reference_allows(policy: Policy, raw: bytes) -> bool:
    """An independent reading: the origin parses strictly, is what a browser
    would send byte for byte, and some pattern covers it."""
    try:
        origin = Origin.parse_strict(raw.decode("ascii"))
    except (UnicodeDecodeError, OriginSyntaxError):
        return False
    if origin.serialize().encode() != raw or origin.is_opaque:
        return False
    return any(pattern.matches(origin) for pattern in policy.patterns)


@settings(max_examples=300, deadline=None)
@given(policy=policies, origin=near_origins, method=st.sampled_from(["GET", "POST", "PUT"]))
def test_engine_never_allows_an_origin_the_policy_does_not_match(
    policy: Policy, origin: bytes, method: str
) -> None:
    engine = Engine(policy)
    expected = reference_allows(policy, origin)
    actual = engine.actual(origin, method)
    preflight = engine.preflight(origin, b"GET")
    assert actual.allowed is expected
    assert preflight.allowed is expected
    for decision in (actual, preflight):
        values = dict(decision.headers)
        assert (b"access-control-allow-origin" in values) is expected
        if expected:
            assert values[b"access-control-allow-origin"] == origin
        assert any(name == b"vary" and b"Origin" in value for name, value in decision.headers)


header_names = st.one_of(
    st.sampled_from(
        [
            b"origin",
            b"Origin",
            b"access-control-request-method",
            b"access-control-request-headers",
            b"access-control-request-private-network",
            b"host",
        ]
    ),
    st.binary(max_size=20),
)


@settings(max_examples=300, deadline=None)
@given(
    policy=policies,
    method=st.sampled_from(["GET", "OPTIONS", "POST", "PUT", "patch", "\x00"]),
    lines=st.lists(st.tuples(header_names, st.binary(max_size=200)), max_size=6),
)
def test_engine_never_raises_and_answers_safely(
    policy: Policy, method: str, lines: list[tuple[bytes, bytes]]
) -> None:
    engine = Engine(policy)
    decision = engine.decide(method, lines)
    for _name, value in decision.headers:
        assert b"\r" not in value and b"\n" not in value and b"\x00" not in value
    origins = [v for n, v in lines if n.lower() == b"origin"]
    if not origins:
        assert decision.kind is RequestKind.NOT_CORS
    if decision.allowed and origins:
        assert len(origins) == 1 and reference_allows(policy, origins[0])
    if len(origins) > 1:
        assert not decision.allowed
    # Every answer that depends on the origin says so to caches.
    assert any(n == b"vary" and b"Origin" in v for n, v in decision.headers)
