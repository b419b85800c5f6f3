"""crossorigin.edge (request reading, own origin, Vary merging) and the
engine's edge-facing contracts: `decide_request`, `Decision.answer` and the
`cached_headers` fast path."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from crossorigin import Policy, Reason
from crossorigin.edge import (
    MAX_REQUEST_HEADERS_LENGTH,
    CORSRequest,
    host_of,
    merge_vary,
    origin_of,
    own_origin,
    read_environ,
    read_lines,
    read_lowercase,
)
from crossorigin.engine import Engine, RequestKind


def request_of(
    origin: bytes | None,
    request_method: bytes | None = None,
    request_headers: bytes | None = None,
    private_network: bytes | None = None,
) -> CORSRequest:
    return (origin, request_method, request_headers, private_network)


APP = b"https://app.example.com"
OTHER = b"https://other.example"
LINES = 120_000


# -- reading ------------------------------------------------------------------------------


def test_read_lowercase_takes_the_four_values() -> None:
    request = read_lowercase(
        [
            (b"host", b"api.example.com"),
            (b"origin", APP),
            (b"access-control-request-method", b"PUT"),
            (b"access-control-request-headers", b"x-a"),
            (b"access-control-request-private-network", b"true"),
            (b"accept", b"*/*"),
        ]
    )
    assert request == request_of(APP, b"PUT", b"x-a", b"true")
    assert read_lowercase([]) == request_of(None)


def test_host_of() -> None:
    assert host_of([(b"accept", b"*/*"), (b"host", b"api.example.com")]) == b"api.example.com"
    assert host_of([]) is None


@pytest.mark.parametrize(
    "read", [read_lowercase, read_lines, lambda pairs: request_of(origin_of(pairs))]
)
def test_a_second_origin_line_is_joined_once_and_no_more(read: Any) -> None:
    """120,000 repeated lines give a value of exactly two lines: the join
    stopped at the second line (the bound that keeps the read linear)."""
    request = read([(b"origin", APP)] * LINES)
    assert request[0] == APP + b", " + APP


def test_a_second_request_method_line_is_joined_once_and_no_more() -> None:
    lines = [(b"origin", APP), *[(b"access-control-request-method", b"PUT")] * LINES]
    assert read_lowercase(lines)[1] == b"PUT, PUT"


def test_request_header_lines_join_up_to_the_bound() -> None:
    split = [
        (b"access-control-request-headers", b"x-a"),
        (b"access-control-request-headers", b"x-b"),
    ]
    assert read_lowercase(split)[2] == b"x-a,x-b"
    flood = [(b"access-control-request-headers", b"x-a")] * LINES
    joined = read_lowercase(flood)[2]
    assert joined is not None
    assert MAX_REQUEST_HEADERS_LENGTH < len(joined) <= MAX_REQUEST_HEADERS_LENGTH + 4


def test_read_lines_takes_any_case_and_str() -> None:
    request = read_lines(
        [("Origin", "https://app.example.com"), (b"Access-Control-Request-Method", "PUT")]
    )
    assert request == request_of(APP, b"PUT")
    assert read_lines([("ORIGIN", "https://ápp.example")])[0] == "https://ápp.example".encode(
        "latin-1"
    )


def test_read_environ_takes_the_server_merged_values() -> None:
    environ = {
        "HTTP_ORIGIN": "https://app.example.com",
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT",
        "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "x-a,x-b",
        "HTTP_HOST": "api.example.com",
    }
    assert read_environ(environ) == request_of(APP, b"PUT", b"x-a,x-b", None)


def test_own_origin() -> None:
    assert own_origin("https", b"api.example.com") == b"https://api.example.com"
    assert own_origin("http", "localhost:8000") == b"http://localhost:8000"
    assert own_origin("wss", b"api.example.com") == b"https://api.example.com"
    assert own_origin("ws", b"api.example.com") == b"http://api.example.com"
    assert own_origin("https", None) is None


@pytest.mark.parametrize(
    ("values", "merged"),
    [
        (("Accept-Encoding", "Origin"), "Accept-Encoding, Origin"),
        (("origin", "Origin"), "origin"),
        (("Cookie, Origin", "Origin"), "Cookie, Origin"),
        (("Cookie,  ,Accept", "Origin"), "Cookie, Accept, Origin"),
        (("", "Origin"), "Origin"),
        # `*` already varies on everything (RFC 9110 §12.5.5): names add nothing.
        (("*", "Origin"), "*"),
        (("Cookie", "*"), "*"),
        (("Cookie, *", "Origin"), "*"),
    ],
)
def test_merge_vary(values: tuple[str, ...], merged: str) -> None:
    assert merge_vary(*values) == merged


# -- the entry point ------------------------------------------------------------------------

POLICY = Policy(origins=[APP.decode()], methods=["PUT"], request_headers=["X-A"])


@pytest.mark.parametrize(
    ("method", "request_", "kind", "status"),
    [
        ("GET", request_of(None), RequestKind.NOT_CORS, None),
        ("OPTIONS", request_of(None, b"PUT"), RequestKind.NOT_CORS, None),
        ("OPTIONS", request_of(APP, b"PUT"), RequestKind.PREFLIGHT, 204),
        ("OPTIONS", request_of(OTHER, b"PUT"), RequestKind.PREFLIGHT, 403),
        ("OPTIONS", request_of(APP), RequestKind.ACTUAL, None),  # a plain OPTIONS
        ("PUT", request_of(APP, b"PUT"), RequestKind.ACTUAL, None),
        ("GET", request_of(OTHER), RequestKind.ACTUAL, None),
    ],
)
def test_decide_request_classifies(
    method: str, request_: CORSRequest, kind: RequestKind, status: int | None
) -> None:
    decision = Engine(POLICY).decide_request(method, request_)
    assert (decision.kind, decision.status) == (kind, status)


def test_the_answer_is_whole() -> None:
    strict = Engine(POLICY, strict=True)
    allowed = strict.decide_request("OPTIONS", request_of(APP, b"PUT"))
    assert allowed.answer is not None and allowed.answer.status == 204
    assert allowed.answer.headers == allowed.headers  # a 204 has no Content-Length
    assert allowed.answer.status_line == "204 No Content"
    refusals = [
        strict.decide_request("OPTIONS", request_of(OTHER, b"PUT")),
        strict.decide_request("POST", request_of(OTHER)),
        strict.websocket(OTHER),
    ]
    for refused in refusals:
        assert refused.answer is not None and refused.answer.status == 403
        assert refused.answer.headers == (*refused.headers, (b"content-length", b"0"))
        assert refused.answer.status_line == "403 Forbidden"
        assert refused.answer.text_headers[-1] == ("content-length", "0")
    assert strict.decide_request("GET", request_of(APP)).answer is None


# -- the fast path's contract -------------------------------------------------------------------

ORIGINS = [None, APP, OTHER, b"https://sub.example.org", b"\x00bad", APP + b", " + APP]
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize(
    "policy",
    [
        POLICY,
        Policy(origins=["https://*.example.org"], credentials=True),
        Policy(origins="*"),
    ],
)
def test_cached_headers_is_the_decision_whatever_the_method(policy: Policy, strict: bool) -> None:
    """Whenever `cached_headers` answers, the answer is the headers
    `decide_request` gives for every method and own origin, and the
    application answers (never a strict-mode 403)."""
    engine = Engine(policy, strict=strict)
    for origin, method in itertools.product(ORIGINS, METHODS):  # learn them all
        engine.decide_request(method, request_of(origin))
    answered = 0
    for origin in ORIGINS:
        cached = engine.cached_headers(origin)
        if cached is None:
            continue
        answered += 1
        for method, self_origin in itertools.product(METHODS, [None, APP, OTHER]):
            if method == "OPTIONS":
                continue  # the fast path serves requests that are not OPTIONS
            decision = engine.decide_request(method, request_of(origin), self_origin)
            assert decision.answer is None, (origin, method)
            assert decision.headers == cached, (origin, method)
    assert answered >= 2  # None and the allowed origins at least


def test_cached_headers_never_holds_a_strict_refusal() -> None:
    engine = Engine(POLICY, strict=True)
    assert engine.decide_request("GET", request_of(OTHER)).answer is None
    refused = engine.decide_request("POST", request_of(OTHER))
    assert refused.reason is Reason.UNSAFE_METHOD_FROM_REFUSED_ORIGIN
    assert engine.cached_headers(OTHER) is None
    # Outside strict mode the refusal's headers (Vary alone) hold for every method.
    lenient = Engine(POLICY)
    lenient.decide_request("POST", request_of(OTHER))
    assert lenient.cached_headers(OTHER) == ((b"vary", b"Origin"),)


def test_cached_headers_starts_with_the_exact_origins() -> None:
    engine = Engine(POLICY)
    assert engine.cached_headers(APP) == engine.decide_request("GET", request_of(APP)).headers
    assert engine.cached_headers(None) == engine.not_cors().headers
    assert engine.cached_headers(OTHER) is None  # not decided yet


def _reference_read(pairs: list[tuple[bytes, bytes]]) -> CORSRequest:
    """The rules of `read_lowercase`, written plainly: every line compared
    with each of the four names, repeated lines collected and then joined."""
    found: dict[bytes, list[bytes]] = {}
    for name, value in pairs:
        found.setdefault(name, []).append(value)

    def first_two(name: bytes) -> bytes | None:
        values = found.get(name)
        return None if values is None else b", ".join(values[:2])

    header_lines = found.get(b"access-control-request-headers")
    request_headers = None
    if header_lines is not None:
        kept, length = [header_lines[0]], len(header_lines[0])
        for value in header_lines[1:]:
            if length > MAX_REQUEST_HEADERS_LENGTH:
                break
            kept.append(value)
            length += 1 + len(value)
        request_headers = b",".join(kept)
    private = found.get(b"access-control-request-private-network")
    return (
        first_two(b"origin"),
        first_two(b"access-control-request-method"),
        request_headers,
        None if private is None else private[-1],
    )


def test_read_lowercase_agrees_with_a_plain_reading_of_its_rules() -> None:
    """`read_lowercase` skips short lines by length before comparing names;
    on random header lists (the four names, near misses of every length
    around them, repeats, other fields) it must read what the plain
    line-by-line reading reads."""
    wanted = [
        b"origin",
        b"access-control-request-method",
        b"access-control-request-headers",
        b"access-control-request-private-network",
    ]
    near = [name[:-1] for name in wanted] + [name + b"s" for name in wanted]
    near += [b"origim", b"access-control-request-metho_", b"x" * 29, b"x" * 28, b""]
    others = [b"host", b"accept", b"cookie", b"sec-fetch-mode", b"user-agent"]
    names = wanted * 3 + near + others
    generator = random.Random(14)
    for _ in range(3000):
        pairs = [
            (generator.choice(names), generator.choice([b"a", b"PUT", b"x-a,x-b", b"true"]))
            for _ in range(generator.randrange(0, 9))
        ]
        assert read_lowercase(pairs) == _reference_read(pairs), pairs
