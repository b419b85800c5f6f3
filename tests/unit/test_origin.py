"""Origin parsing, serialization, same-origin and same-site."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossorigin import Origin, OriginSyntaxError, same_origin, same_site

# The seed's table: the first test.
SEED_TABLE = [
    ("https://example.com/api", True),
    ("https://api.example.com", False),
    ("http://example.com", False),
    ("https://example.com:8080", False),
]


@pytest.mark.parametrize(("url", "expected"), SEED_TABLE)
def test_seed_table_same_origin_as_https_example_com(url: str, expected: bool) -> None:
    assert same_origin("https://example.com", url) is expected
    assert same_origin(url, "https://example.com") is expected


@pytest.mark.parametrize(
    ("text", "serialized"),
    [
        ("https://example.com/api", "https://example.com"),
        ("https://example.com:443/x?y#z", "https://example.com"),
        ("http://example.com:80", "http://example.com"),
        ("http://example.com:8080/", "http://example.com:8080"),
        ("HTTPS://EXAMPLE.COM", "https://example.com"),
        ("https://user:pass@example.com/", "https://example.com"),
        ("http://[::1]:8000/", "http://[::1]:8000"),
        ("http://[0:0:0:0:0:0:0:1]/", "http://[::1]"),
        ("https://bücher.de/", "https://xn--bcher-kva.de"),
        ("ws://localhost:80/socket", "ws://localhost"),
        ("wss://example.com:443", "wss://example.com"),
        ("null", "null"),
        ("file:///etc/passwd", "null"),
        ("chrome-extension://abcdef", "chrome-extension://abcdef"),
        ("  https://example.com  ", "https://example.com"),
    ],
)
def test_parse_computes_the_origin_of_a_url(text: str, serialized: str) -> None:
    assert Origin.parse(text).serialize() == serialized


def test_parse_rejects_text_without_scheme() -> None:
    with pytest.raises(OriginSyntaxError) as error:
        Origin.parse("example.com")
    assert error.value.code == "origin-missing-scheme"
    assert "https://example.com" in error.value.hint


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("https://example.com/", "origin-trailing-slash"),
        ("https://example.com/api", "origin-has-path"),
        ("https://example.com?a=1", "origin-has-query"),
        ("https://example.com#top", "origin-has-fragment"),
        ("https://user@example.com", "origin-has-userinfo"),
        ("https://example.com:443", "origin-default-port"),
        ("http://example.com:80", "origin-default-port"),
        ("https://example.com:0", "origin-port-out-of-range"),
        ("https://example.com:65536", "origin-port-out-of-range"),
        ("https://example.com:08080", "origin-invalid-port"),
        ("https://example.com:http", "origin-invalid-port"),
        ("https://Example.com", "origin-uppercase"),
        ("HTTPS://example.com", "origin-uppercase"),
        ("https://bücher.de", "origin-non-ascii-host"),
        ("example.com", "origin-missing-scheme"),
        ("1http://example.com", "origin-invalid-scheme"),
        ("file://", "origin-file-scheme"),
        ("https://", "origin-invalid-host"),
        ("https://exa mple.com", "origin-invalid-host"),
        ("http://127.1", "origin-invalid-host"),
        ("http://[::1", "origin-invalid-host"),
        ("http://[0:0::1]", "origin-invalid-host"),
        ("http://[::1]x", "origin-invalid-host"),
        (" https://example.com", "origin-whitespace"),
        ("https://" + "a" * 400 + ".com", "origin-too-long"),
    ],
)
def test_parse_strict_names_the_problem(text: str, code: str) -> None:
    with pytest.raises(OriginSyntaxError) as error:
        Origin.parse_strict(text)
    assert error.value.code == code


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com",
        "http://localhost:3000",
        "http://127.0.0.1:8000",
        "http://[::1]:8000",
        "https://xn--bcher-kva.de",
        "https://a-b_c.example.com:8443",
        "null",
        "chrome-extension://abcdefghijklmnop",
    ],
)
def test_parse_strict_accepts_what_browsers_send(text: str) -> None:
    assert Origin.parse_strict(text).serialize() == text


def test_hints_give_the_form_to_write() -> None:
    cases = {
        "https://example.com/": "https://example.com",
        "https://Example.com": "https://example.com",
        "https://bücher.de": "https://xn--bcher-kva.de",
        "https://example.com:443": "https://example.com",
    }
    for text, suggestion in cases.items():
        with pytest.raises(OriginSyntaxError) as error:
            Origin.parse_strict(text)
        assert suggestion in error.value.hint, (text, error.value.hint)


def test_opaque_origin_is_never_same_origin() -> None:
    assert not same_origin("null", "null")
    assert Origin.opaque().is_opaque
    assert not same_site("null", "https://example.com")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("https://a.example.com", "https://b.example.com", True),
        ("https://example.com", "https://www.example.com:8443", True),
        ("https://a.example.co.uk", "https://b.example.co.uk", True),
        ("https://example.co.uk", "https://other.co.uk", False),
        ("https://alice.github.io", "https://bob.github.io", False),
        ("http://example.com", "https://example.com", False),
        ("http://127.0.0.1:3000", "http://127.0.0.1:8000", True),
        ("http://localhost:3000", "http://127.0.0.1:8000", False),
        ("http://localhost:3000", "http://localhost:8000", True),
    ],
)
def test_same_site_is_schemeful_and_uses_the_public_suffix_list(
    a: str, b: str, expected: bool
) -> None:
    assert same_site(a, b) is expected


def test_potentially_trustworthy() -> None:
    assert Origin.parse("https://example.com").is_potentially_trustworthy
    assert Origin.parse("http://localhost:3000").is_potentially_trustworthy
    assert Origin.parse("http://app.localhost").is_potentially_trustworthy
    assert Origin.parse("http://127.0.0.2").is_potentially_trustworthy
    assert Origin.parse("http://[::1]").is_potentially_trustworthy
    assert not Origin.parse("http://example.com").is_potentially_trustworthy
    assert not Origin.opaque().is_potentially_trustworthy


hosts = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,10}){0,3}", fullmatch=True)
ports = st.one_of(st.none(), st.integers(min_value=1, max_value=65535))


@given(scheme=st.sampled_from(["http", "https"]), host=hosts, port=ports)
def test_serialize_then_parse_round_trips(scheme: str, host: str, port: int | None) -> None:
    if port in (80, 443):
        port = None if {"http": 80, "https": 443}[scheme] == port else port
    origin = Origin(scheme, host, port)
    assert Origin.parse_strict(origin.serialize()) == origin
    assert Origin.parse(origin.serialize() + "/some/path?q") == origin


@given(st.text(max_size=200))
def test_parsers_raise_only_origin_syntax_errors(text: str) -> None:
    for parse in (Origin.parse, Origin.parse_strict):
        with contextlib.suppress(OriginSyntaxError):
            parse(text)


@given(
    st.text(alphabet="htps:/[]0123456789abcdefABCDEF.-_:*@ ", max_size=40)
    | st.builds(
        lambda s, h, p: f"{s}://{h}{p}",
        st.sampled_from(["http", "https", "wss"]),
        hosts | st.sampled_from(["[::1]", "[::ffff:1.2.3.4]", "[2001:db8::a]", "127.0.0.1"]),
        st.sampled_from(["", ":1", ":8080", ":65535", ":443", ":080"]),
    )
)
def test_the_request_path_split_accepts_every_strictly_valid_origin(text: str) -> None:
    """origin.split_serialized_origin (the matcher's split) and parse_strict
    are one grammar: whatever the policy validator accepts as an origin, the
    request path reads as the same (scheme, host, port)."""
    from crossorigin.origin import split_serialized_origin

    try:
        origin = Origin.parse_strict(text)
    except OriginSyntaxError:
        return
    if origin.is_opaque:
        return
    assert split_serialized_origin(text.encode()) == (origin.scheme, origin.host, origin.port)
