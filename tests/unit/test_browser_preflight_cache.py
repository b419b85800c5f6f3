"""The preflight cache: Chromium's layout and the standard's, expiry and caps,
and `cors_check` as the audit scanner calls it."""

from __future__ import annotations

from typing import Any

import pytest

from crossorigin.browser import PreflightCache, cors_check, simulate
from crossorigin.browser.access import parse_max_age

PAGE = "http://127.0.0.1:3000"
API = "http://127.0.0.1:8000/api"
ACAO = ["Access-Control-Allow-Origin", PAGE]


def _request(
    method: str,
    *extra: list[str],
    credentials: str = "same-origin",
    headers: list[list[str]] | None = None,
    time: float = 0,
) -> dict[str, Any]:
    allowed = ["Access-Control-Allow-Methods", method]
    preflight_headers = [ACAO, allowed, *extra]
    actual_headers = [ACAO]
    if credentials == "include":
        preflight_headers.append(["Access-Control-Allow-Credentials", "true"])
        actual_headers.append(["Access-Control-Allow-Credentials", "true"])
    return {
        "time": time,
        "page_origin": PAGE,
        "request": {
            "url": API,
            "method": method,
            "credentials": credentials,
            "headers": headers or [],
        },
        "responses": {
            "preflight": {"status": 204, "headers": preflight_headers},
            "actual": {"status": 200, "headers": actual_headers},
        },
    }


def _preflights(steps: list[dict[str, Any]], *, spec: bool = False) -> list[bool]:
    cache = PreflightCache()
    return [simulate(step, cache=cache, spec=spec)["preflight_sent"] for step in steps]


def test_default_five_seconds() -> None:
    assert _preflights([_request("PUT"), _request("PUT", time=4.99), _request("PUT", time=5)]) == [
        True,
        False,
        True,
    ]


def test_max_age_and_chromium_cap() -> None:
    ten = ["Access-Control-Max-Age", "10"]
    assert _preflights(
        [_request("PUT", ten), _request("PUT", time=9.5), _request("PUT", time=10)]
    ) == [True, False, True]
    day = ["Access-Control-Max-Age", "86400"]
    assert _preflights(
        [_request("PUT", day), _request("PUT", time=7199), _request("PUT", time=7200)]
    ) == [True, False, True]


@pytest.mark.parametrize(
    ("value", "chromium", "spec"),
    [
        (None, 5, 5),
        ("0", 0, 0),
        ("-1", 0, 5),
        ("abc", 5, 5),
        ("600", 600, 600),
        ("99999", 7200, 7200),
        ("1.5", 5, 5),
    ],
)
def test_max_age_parsing(value: str | None, chromium: int, spec: int) -> None:
    assert parse_max_age(value) == chromium
    assert parse_max_age(value, spec=True) == spec


def test_zero_max_age_is_never_reused() -> None:
    zero = ["Access-Control-Max-Age", "0"]
    assert _preflights([_request("PUT", zero), _request("PUT")]) == [True, True]


def test_chromium_replaces_the_entry_the_standard_adds_to_it() -> None:
    steps = [_request("PUT"), _request("DELETE"), _request("PUT")]
    assert _preflights(steps) == [True, True, True]
    assert _preflights(steps, spec=True) == [True, True, False]


def test_credentials_entries() -> None:
    without, with_ = _request("PUT"), _request("PUT", credentials="include")
    # An entry made without credentials cannot serve a credentialed request...
    assert _preflights([without, with_]) == [True, True]
    # ...one made with credentials serves both in Chromium, but only its own
    # credentials mode in the standard (credentials are part of the key).
    assert _preflights([with_, without]) == [True, False]
    assert _preflights([with_, without], spec=True) == [True, True]


def test_headers_must_be_covered() -> None:
    plain = _request("PUT")
    with_header = _request("PUT", ["Access-Control-Allow-Headers", "x-a"], headers=[["X-A", "1"]])
    assert _preflights([plain, with_header, plain]) == [True, True, False]


def test_cache_is_bounded() -> None:
    cache = PreflightCache(max_entries=2)
    for index in range(5):
        cache.store(
            origin=PAGE,
            url=f"{API}/{index}",
            credentials=False,
            methods=["PUT"],
            header_names=[],
            max_age=5,
            now=0,
        )
    assert len(cache) == 2
    with pytest.raises(ValueError):
        PreflightCache(max_entries=0)


@pytest.mark.parametrize(
    ("headers", "credentials", "preflight", "reason", "message_start"),
    [
        ([("Access-Control-Allow-Origin", PAGE)], False, False, None, ""),
        ([("access-control-allow-origin", "*")], False, False, None, ""),
        ([], False, False, "MissingAllowOriginHeader", "No 'Access-Control-Allow-Origin'"),
        (
            [],
            False,
            True,
            "PreflightMissingAllowOriginHeader",
            "Response to preflight request doesn't pass access control check: No ",
        ),
        (
            [("Access-Control-Allow-Origin", "*")],
            True,
            False,
            "WildcardOriginNotAllowed",
            "The value",
        ),
        (
            [("Access-Control-Allow-Origin", PAGE)],
            True,
            True,
            "PreflightInvalidAllowCredentials",
            "Response to preflight request doesn't pass access control check: The value of the "
            "'Access-Control-Allow-Credentials'",
        ),
    ],
)
def test_cors_check(
    headers: list[tuple[str, str]],
    credentials: bool,
    preflight: bool,
    reason: str | None,
    message_start: str,
) -> None:
    result = cors_check(
        request_origin=PAGE, credentials=credentials, response_headers=headers, preflight=preflight
    )
    assert result.ok is (reason is None)
    assert result.reason == reason
    assert result.message.startswith(message_start)
    assert (result.message == "") is result.ok


def test_cors_check_null_origin() -> None:
    headers = [("Access-Control-Allow-Origin", "null")]
    assert cors_check(request_origin="null", credentials=False, response_headers=headers).ok
