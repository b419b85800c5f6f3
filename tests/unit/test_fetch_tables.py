"""The Fetch standard's tables and predicates (§2.2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossorigin import fetch_tables as ft


def test_methods() -> None:
    assert {"GET", "HEAD", "POST"} == ft.CORS_SAFELISTED_METHODS
    assert ft.normalize_method("delete") == "DELETE"
    assert ft.normalize_method("patch") == "patch"  # PATCH is not normalized
    assert ft.is_forbidden_method("trace") and ft.is_forbidden_method("CONNECT")
    assert not ft.is_forbidden_method("PATCH")


@pytest.mark.parametrize(
    ("name", "value", "safelisted"),
    [
        ("Accept", "application/json", True),
        ("Accept", "text/html(", False),
        ("Accept", "a" * 129, False),
        ("Accept-Language", "en-US,en;q=0.9", True),
        ("Accept-Language", "en(US)", False),
        ("Content-Language", "de-DE", True),
        ("Content-Type", "text/plain", True),
        ("Content-Type", "text/plain; charset=utf-8", True),
        ("Content-Type", "multipart/form-data; boundary=x", True),
        ("Content-Type", "application/x-www-form-urlencoded", True),
        ("Content-Type", "application/json", False),
        ("Content-Type", "text/plain; charset=" + "x" * 120, False),  # 141 bytes
        ("Content-Type", "text/plain\x01", False),
        ("Content-Type", 'text/plain; x="y"', False),  # unsafe byte "
        ("Content-Type", "textplain", False),
        ("Range", "bytes=0-1", True),
        ("Range", "bytes=5-", True),
        ("Range", "bytes=-5", False),
        ("Range", "bytes=5-1", False),
        ("Range", "bytes=0-1,3-4", False),
        ("Range", "bytes = 0-1", False),
        ("X-Custom", "1", False),
        ("Authorization", "Bearer x", False),
    ],
)
def test_safelisted_request_headers(name: str, value: str, safelisted: bool) -> None:
    assert ft.is_cors_safelisted_request_header(name, value) is safelisted


def test_unsafe_names_are_sorted_lowercase_and_unique() -> None:
    headers = [
        ("X-B", "1"),
        ("Content-Type", "application/json"),
        ("x-a", "2"),
        ("X-A", "3"),
        ("Accept", "*/*"),
    ]
    assert ft.cors_unsafe_request_header_names(headers) == ["content-type", "x-a", "x-b"]


def test_total_safelisted_size_over_1024_makes_them_all_unsafe() -> None:
    headers = [("Accept", "a" * 100)] * 10 + [("Accept-Language", "b" * 100)] * 2
    assert ft.cors_unsafe_request_header_names(headers) == ["accept", "accept-language"]
    assert ft.cors_unsafe_request_header_names(headers[:10]) == []


@pytest.mark.parametrize(
    ("name", "value", "forbidden"),
    [
        ("Cookie", None, True),
        ("sec-fetch-mode", None, True),
        ("Proxy-Authorization", None, True),
        ("Accept-Encoding", None, True),
        ("X-HTTP-Method-Override", "TRACE", True),
        ("X-HTTP-Method-Override", "PUT, connect", True),
        ("X-HTTP-Method-Override", "PUT", False),
        ("X-HTTP-Method-Override", None, False),
        ("Authorization", None, False),
        ("X-Secure", None, False),
    ],
)
def test_forbidden_request_headers(name: str, value: str | None, forbidden: bool) -> None:
    assert ft.is_forbidden_request_header(name, value) is forbidden


def test_response_headers() -> None:
    assert "content-length" in ft.CORS_SAFELISTED_RESPONSE_HEADER_NAMES
    assert "x-total" not in ft.CORS_SAFELISTED_RESPONSE_HEADER_NAMES
    assert ft.is_forbidden_response_header_name("Set-Cookie")
    assert ft.CHROMIUM_PREFLIGHT_CACHE_CAP_SECONDS == 7200
    assert ft.PREFLIGHT_CACHE_DEFAULT_SECONDS == 5


@given(st.text(max_size=30))
def test_token_grammar(text: str) -> None:
    assert ft.is_token(text) is (bool(text) and all(c in ft.TOKEN_CHARACTERS for c in text))


@given(st.text(max_size=30), st.binary(max_size=300))
def test_safelist_predicate_never_raises(name: str, value: bytes) -> None:
    ft.is_cors_safelisted_request_header(name, value)
