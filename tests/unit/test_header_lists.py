"""The one comma-list parser (header_lists.split_list) and Fetch's token-list
extraction built on it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossorigin import fetch_tables
from crossorigin.header_lists import OWS, split_list


@pytest.mark.parametrize(
    ("value", "items"),
    [
        ("", []),
        (",", []),
        (" , ,\t,", []),
        ("a", ["a"]),
        ("a,b", ["a", "b"]),
        (" a ,\tb\t, c", ["a", "b", "c"]),
        # RFC 9110 §5.6.1: empty elements are ignored wherever they are.
        (",a,,b,", ["a", "b"]),
        # Duplicates and order are the caller's to judge.
        ("b, a, b", ["b", "a", "b"]),
        # Only SP and HTAB are OWS: other whitespace stays in the item, so the
        # caller's grammar refuses it instead of it disappearing.
        ("a\n, b", ["a\n", "b"]),
        ("a\u00a0", ["a\u00a0"]),
        ("a b, c", ["a b", "c"]),
    ],
)
def test_split_list(value: str, items: list[str]) -> None:
    assert split_list(value) == items


def test_the_bound_counts_non_empty_items() -> None:
    assert split_list("a,b,c", max_items=3) == ["a", "b", "c"]
    assert split_list("a,b,c,d", max_items=3) is None
    assert split_list("a,,,,,b,,,,c,,,", max_items=3) == ["a", "b", "c"]
    assert split_list("", max_items=0) == []
    assert split_list("a", max_items=0) is None


@given(st.lists(st.text(alphabet="abc ,\t\n", max_size=8), max_size=8))
def test_items_are_never_empty_nor_padded_and_joining_round_trips(parts: list[str]) -> None:
    value = ",".join(parts)
    items = split_list(value)
    assert all(item and item == item.strip(OWS) and "," not in item for item in items)
    assert split_list(", ".join(items)) == items


def test_fetch_extract_header_list_values() -> None:
    extract = fetch_tables.extract_header_list_values
    assert extract(None) == []
    assert extract("") == []
    assert extract("GET, put ,, X-Token") == ["GET", "put", "X-Token"]
    assert extract("GET, a b") is None
    assert extract("GET, (x)") is None
    assert extract('"GET"') is None


def test_one_parser_serves_the_engine_the_browser_model_and_the_policy() -> None:
    from crossorigin import Policy
    from crossorigin.browser.access import parse_allow_list
    from crossorigin.engine import _parse_header_names

    value = "X-A ,, x-b,\tX-C"
    assert parse_allow_list(value) == ["X-A", "x-b", "X-C"]
    assert _parse_header_names(value.encode()) == ["x-a", "x-b", "x-c"]
    policy = Policy(origins=["https://a.example"], request_headers=value)
    assert policy.request_headers == ("x-a", "x-b", "x-c")
    assert fetch_tables.is_forbidden_request_header("X-HTTP-Method-Override", " GET,,\tTRACE ")
    assert not fetch_tables.is_forbidden_request_header("X-HTTP-Method-Override", "GET, , PUT")
