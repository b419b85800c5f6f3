"""The note on third-party cookies: a credentialed request from a page on one
site to an API on another can pass CORS and still arrive without the user's
cookie (Safari blocks third-party cookies, Firefox partitions them)."""

from __future__ import annotations

import pytest

from crossorigin.browser import Trace, simulate_trace
from crossorigin.explain import explain_trace
from crossorigin.explain.reasons import THIRD_PARTY_COOKIE_NOTE


def _trace(page: str, api: str, *, credentials: str, allow: bool) -> Trace:
    headers = [["Access-Control-Allow-Origin", page]]
    if allow:
        headers.append(["Access-Control-Allow-Credentials", "true"])
    return simulate_trace(
        {
            "page_origin": page,
            "request": {"url": api + "/items", "credentials": credentials},
            "responses": {"actual": {"status": 200, "headers": headers}},
        }
    )


@pytest.mark.parametrize(
    ("page", "api", "noted"),
    [
        ("https://app.example.com", "https://api.other.org", True),
        ("http://localhost:3000", "http://127.0.0.1:8000", True),
        # Same site: another subdomain of the page's registrable domain.
        ("https://app.example.com", "https://api.example.com", False),
        ("http://localhost:3000", "http://localhost:8000", False),
        # Schemeful same site: http and https are different sites.
        ("http://app.example.com", "https://api.example.com", True),
    ],
)
def test_allowed_credentialed_request(page: str, api: str, noted: bool) -> None:
    trace = _trace(page, api, credentials="include", allow=True)
    assert trace.allowed
    assert (THIRD_PARTY_COOKIE_NOTE in explain_trace(trace).notes) is noted


def test_blocked_credentialed_request_cross_site() -> None:
    trace = _trace(
        "https://app.example.com", "https://api.other.org", credentials="include", allow=False
    )
    assert not trace.allowed
    assert THIRD_PARTY_COOKIE_NOTE in explain_trace(trace).notes


@pytest.mark.parametrize("credentials", ["omit", "same-origin"])
def test_no_note_without_credentials(credentials: str) -> None:
    trace = _trace(
        "https://app.example.com", "https://api.other.org", credentials=credentials, allow=False
    )
    assert THIRD_PARTY_COOKIE_NOTE not in explain_trace(trace).notes


def test_the_note_names_both_engines() -> None:
    assert "Safari blocks third-party cookies" in THIRD_PARTY_COOKIE_NOTE
    assert "Firefox partitions them" in THIRD_PARTY_COOKIE_NOTE


def test_check_report_carries_the_note() -> None:
    from crossorigin.check import report

    trace = _trace(
        "https://app.example.com", "https://api.other.org", credentials="include", allow=True
    )
    assert THIRD_PARTY_COOKIE_NOTE in report(trace)["explanation"]["notes"]
