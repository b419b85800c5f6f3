"""The URL parser of the browser model (crossorigin.browser.url): one case per
branch of the URL Standard's host and port parsing as Chromium runs it.

Verdicts on `Access-Control-Allow-Origin` validity were measured in Chromium
156 (tests/oracles/browsers/rule_cases.py `acao-url-*`, recorded.json); the printed
forms match Chromium's console lines (`console-url-*`).
"""

from __future__ import annotations

import pytest

from crossorigin.browser.url import parse_header_url, parse_location, parse_url

VALID = [
    # special-authority-ignore-slashes: any number of / or \ after the scheme
    ("http:o.test", "http://o.test/"),
    ("http:/o.test", "http://o.test/"),
    ("http:\\\\o.test", "http://o.test/"),
    ("http:///o.test", "http://o.test/"),
    # input trimming and TAB/LF/CR removal
    ("\x01http://o.test", "http://o.test/"),
    ("ht\ttps://o.test", "https://o.test/"),
    ("http://o.\ntest", "http://o.test/"),
    # port state
    ("http://o.test:65535", "http://o.test:65535/"),
    ("http://o.test:0", "http://o.test:0/"),
    ("http://o.test:00080", "http://o.test/"),
    ("http://o.test:", "http://o.test/"),
    ("https://o.test:443", "https://o.test/"),
    # IPv4 parser: hex, octal, fewer parts, trailing dot, 0x alone
    ("http://0x7f.1", "http://127.0.0.1/"),
    ("http://127.1", "http://127.0.0.1/"),
    ("http://2130706433", "http://127.0.0.1/"),
    ("http://0177.0.0.1", "http://127.0.0.1/"),
    ("http://1.2.3.4.", "http://1.2.3.4/"),
    ("http://0x", "http://0.0.0.0/"),
    # not ending in a number: a domain
    ("http://a.0xg", "http://a.0xg/"),
    # IPv6
    ("http://[::1]", "http://[::1]/"),
    ("http://[0:0::1.2.3.4]", "http://[::102:304]/"),
    # host code points GURL accepts; percent-decoding; IDNA
    ("http://a%41b", "http://aab/"),
    ("http://a%20b", "http://a%20b/"),
    ('http://a"b', 'http://a"b/'),
    ("http://*.o.test", "http://*.o.test/"),
    ("http://Bücher.test", "http://xn--bcher-kva.test/"),
    ("http://xn--a.test", "http://xn--a.test/"),
    # userinfo: empty parts dropped
    ("http://:@o.test", "http://o.test/"),
    ("http://u:@o.test", "http://u@o.test/"),
    ("http://@o.test", "http://o.test/"),
    # non-special schemes
    ("foo:", "foo:"),
    ("javascript:x", "javascript:x"),
    ("foo://o.test:99", "foo://o.test:99"),
    ("a+b://o.test", "a+b://o.test"),
    # paths
    ("http://x/a/../b/./c", "http://x/b/c"),
    ("http://x/a/%2e%2E/b", "http://x/b"),
    ("http://x/a%2eb", "http://x/a%2eb"),
    ("http://x\\a\\b", "http://x/a/b"),
    ("http://x/a|b^c{d}`e", "http://x/a%7Cb%5Ec%7Bd%7D%60e"),
    ("http://x/?a'b\"c<d>`{}", "http://x/?a%27b%22c%3Cd%3E`{}"),
    ("http://x/p#a b`c<d>{|}", "http://x/p#a%20b%60c%3Cd%3E{|}"),
    ("http://x/\u00e9?\u00e9#\u00e9", "http://x/%C3%A9?%C3%A9#%C3%A9"),
    ("http://x/%zz%", "http://x/%zz%"),
]

INVALID = [
    "",
    "o.test",
    "//o.test",
    "://o.test",
    "1http://o.test",
    "a_b://o.test",
    "http:",
    "http://",
    "http:://o.test",
    "http://u@",
    "http://o.test:65536",
    "http://o.test:8x",
    "http://o.test:-1",
    "http://o.test:+1",
    "http://o.test:80:80",
    "http://1.2.3.4.5",
    "http://256.0.0.1",
    "http://1.2.3.256",
    "http://foo.1",
    "http://1.09",
    "http://4294967296",
    "http://a<b",
    "http://a^b",
    "http://a|b",
    "http://a\x7fb",
    "http://a\x01b",
    "http://o.test%23",
    "http://a%2fb",
    "http://a%zz",
    "http://a%",
    "http://[::1",
    "http://[1:2:3]",
    "http://[::1]:99999",
    "http://[fe80::1%25eth0]",
    "foo://a<b",
    "foo://o.test:99999",
    "foo://o.test:8x",
    "file://a<b",
]


@pytest.mark.parametrize(("text", "serialized"), VALID)
def test_valid_urls_and_their_serialization(text: str, serialized: str) -> None:
    parsed = parse_url(text)
    assert parsed is not None, text
    assert parsed.serialize() == serialized


@pytest.mark.parametrize("text", INVALID)
def test_invalid_urls(text: str) -> None:
    assert parse_url(text) is None


def test_header_bytes_are_read_as_utf8() -> None:
    # One Latin-1 byte is not UTF-8: invalid in a host (measured).
    assert parse_header_url("http://\xe9.test") is None
    # The two UTF-8 bytes of é: a valid IDN host.
    assert str(parse_header_url("http://\xc3\xa9.test")) == "http://xn--9ca.test/"
    # Outside a host, a stray byte is percent-encoded.
    assert str(parse_header_url("http://x/\xe9")) == "http://x/%E9"


def test_relative_references() -> None:
    base = parse_url("http://x.test/a/b?q#f")
    assert base is not None
    cases = {
        "c": "http://x.test/a/c",
        "../c": "http://x.test/c",
        "/c": "http://x.test/c",
        "\\c": "http://x.test/c",
        "//y.test/c": "http://y.test/c",
        "?z": "http://x.test/a/b?z",
        "#g": "http://x.test/a/b?q#g",
        "": "http://x.test/a/b?q",
        "http:c": "http://x.test/a/c",
        "https:c": "https://c/",
    }
    for reference, expected in cases.items():
        resolved = parse_url(reference, base)
        assert resolved is not None and str(resolved) == expected, reference


def test_location_escapes_non_ascii_bytes_first() -> None:
    base = parse_url("http://x.test/")
    assert base is not None
    assert str(parse_location("/\xc3\xa9", base)) == "http://x.test/%C3%A9"
    assert parse_location("http://x.test:99999/", base) is None


def test_credentials_and_origin() -> None:
    url = parse_url("HTTPS://u:p@Example.TEST:443/p")
    assert url is not None and url.has_credentials
    assert url.origin == "https://example.test"
    assert not parse_url("http://:@x/").has_credentials  # type: ignore[union-attr]
    assert parse_url("data:,x").origin == "null"  # type: ignore[union-attr]


def test_memo_holds_short_urls_only() -> None:
    """A long URL is parsed without being memoized, so hostile input cannot
    make the memo hold more than its bounded size."""
    from crossorigin.browser import url as url_module

    url_module._parse_memoized.cache_clear()
    long_url = "http://x.test/" + "a" * 10_000
    assert str(parse_url(long_url)) == long_url
    assert url_module._parse_memoized.cache_info().currsize == 0
    parse_url("http://x.test/short")
    assert url_module._parse_memoized.cache_info().currsize == 1


def test_parsing_is_linear_in_the_input() -> None:
    """Hostile shapes (many dot segments, escapes, labels) cost time in
    proportion to their length: 10x the input, well under 100x the time."""
    import time

    def cost(size: int) -> float:
        texts = [
            "http://x.test/" + "a/../" * size,
            "http://x.test/" + "%zz" * size,
            "http://" + "a." * size + "test/",
            "http://x.test/?" + "\u00e9" * size,
        ]
        started = time.perf_counter()
        for text in texts:
            parse_url(text)
        return time.perf_counter() - started

    small, large = min(cost(2_000) for _ in range(3)), min(cost(20_000) for _ in range(3))
    assert large < 100 * max(small, 1e-4), (small, large)


@pytest.mark.parametrize(
    ("text", "serialized"),
    [
        # URL Standard §4.4 file state / file slash state / file host state.
        ("file:/x", "file:///x"),
        ("file:x", "file:///x"),
        ("file:\\x", "file:///x"),
        ("file:///etc/x", "file:///etc/x"),
        ("file://h/x", "file://h/x"),
        ("file:\\\\h\\x", "file://h/x"),
    ],
)
def test_file_urls_take_a_host_only_after_two_slashes(text: str, serialized: str) -> None:
    parsed = parse_url(text)
    assert parsed is not None and parsed.serialize() == serialized
