"""Chromium 156's documented CORS behaviour, observed through the harness.

These tests hold Chromium itself (not our model) to the Chromium behaviours
listed in tests/oracles/browsers/README.md, so a browser upgrade that changes
behaviour shows up here by name, and they check that the harness records
what it claims: the verdict, the DevTools reason, the exact console line,
what the server received, the readable headers.
Rows marked "deviation" are where Chromium departs from the Fetch standard;
the model follows Chromium by default.
"""

from __future__ import annotations

import pytest
from chromium_harness import Oracle
from scenario_generator import edge_cases

pytestmark = pytest.mark.browser

EDGE = {entry["name"]: entry for entry in edge_cases()}

# name -> (allowed, CDP corsError, preflight sent)
FACTS = {
    "acao-exact": (True, None, False),
    "acao-trailing-slash": (False, "AllowOriginMismatch", False),
    "acao-upper-case": (False, "AllowOriginMismatch", False),
    "acao-empty": (False, "InvalidAllowOriginValue", False),
    "acao-null": (False, "AllowOriginMismatch", False),
    "acao-padded-wildcard": (True, None, False),
    "acao-padded-origin": (True, None, False),
    "acao-comma-list": (False, "MultipleAllowOriginValues", False),
    "acao-duplicated-header": (False, "MultipleAllowOriginValues", False),
    "acao-space-inside": (False, "MultipleAllowOriginValues", False),
    "acao-localhost-for-127": (False, "AllowOriginMismatch", False),
    "acao-wildcard-with-credentials": (False, "WildcardOriginNotAllowed", False),
    "acac-True": (False, "InvalidAllowCredentials", False),
    "acac-padded": (True, None, False),
    "preflight-status-299": (True, None, True),
    "preflight-status-404": (False, "PreflightInvalidStatus", True),
    "preflight-302-without-location": (False, "PreflightInvalidStatus", True),
    "preflight-302-with-location": (False, "PreflightDisallowedRedirect", True),
    "acam-patch-vs-PATCH": (False, "MethodDisallowedByPreflightResponse", True),
    "acam-delete-normalized": (True, None, True),
    "acam-put-lowercase-acam": (False, "MethodDisallowedByPreflightResponse", True),
    "acam-padded-list": (True, None, True),
    "acam-semicolon-parse-error": (False, "InvalidAllowMethodsPreflightResponse", True),
    "acah-case-insensitive": (True, None, True),
    "acah-space-parse-error": (False, "InvalidAllowHeadersPreflightResponse", True),
    # deviation: the Fetch standard says `*` never covers Authorization.
    "acah-authorization-wildcard": (True, None, True),
    "acah-authorization-wildcard-credentials": (False, "HeaderDisallowedByPreflightResponse", True),
    "safelist-content-type-141-bytes": (False, "PreflightMissingAllowOriginHeader", True),
    "safelist-content-type-128-bytes": (True, None, False),
    "safelist-accept-language-paren": (False, "PreflightMissingAllowOriginHeader", True),
    "safelist-range-simple": (True, None, False),
    "redirect-cross-origin-taints-null-acao-null": (True, None, False),
    "redirect-cross-origin-taints-null-acao-page": (False, "AllowOriginMismatch", False),
    "redirect-hop-without-acao": (False, "MissingAllowOriginHeader", False),
    "redirect-with-userinfo": (False, "RedirectContainsCredentials", False),
    "same-origin-put-no-preflight": (True, None, False),
    "mode-no-cors-get-opaque": (True, None, False),
    # fetch() joins a repeated name with ", " before the safelist check.
    "duplicate-content-type-combined": (True, None, False),
    "duplicate-content-type-unsafe": (False, "PreflightMissingAllowOriginHeader", True),
    "duplicate-range-unsafe": (False, "PreflightMissingAllowOriginHeader", True),
    # Stricter than Fetch (which checks userinfo only in cors mode); no console line.
    "mode-no-cors-redirect-with-userinfo": (False, None, False),
    "redirect-same-origin-userinfo-silent": (False, None, False),
    # Blink's same-origin mode check comes before the userinfo rule.
    "mode-same-origin-redirect-to-userinfo": (False, None, False),
    # Fetch §4.4 step 13: a cross-origin redirect drops Authorization, so the
    # second request needs no preflight and goes out with Origin: null.
    "redirect-cross-origin-drops-authorization": (True, None, True),
    "redirect-same-origin-keeps-authorization": (True, None, True),
    "mode-same-origin-redirect-cross-origin": (False, None, False),
    "acah-several-refused-hash-order": (False, "HeaderDisallowedByPreflightResponse", True),
}


@pytest.mark.parametrize("name", sorted(FACTS))
def test_documented_behaviour(oracle: Oracle, name: str) -> None:
    outcome = oracle.run(EDGE[name]["scenario"])
    assert (outcome["allowed"], outcome["reason"], outcome["preflight_sent"]) == FACTS[name]
    silent = name in ("mode-no-cors-redirect-with-userinfo", "redirect-same-origin-userinfo-silent")
    assert (outcome["console"] is None) == (outcome["allowed"] or silent), outcome


def test_console_line_and_preflight_headers_are_exact(oracle: Oracle) -> None:
    sid = oracle.new_sid()
    outcome = oracle.run(EDGE["acah-authorization-wildcard-credentials"]["scenario"], sid=sid)
    url = f"http://127.0.0.1:{oracle.api_port}/{sid}/r"
    assert outcome["console"] == (
        f"Access to fetch at '{url}' from origin 'http://127.0.0.1:{oracle.page_port}' has been"
        " blocked by CORS policy: Request header field authorization is not allowed by"
        " Access-Control-Allow-Headers in preflight response."
    )
    assert outcome["preflight_request"] == {
        "method": "OPTIONS",
        "headers": [
            ["Access-Control-Request-Method", "GET"],
            ["Access-Control-Request-Headers", "authorization"],
        ],
    }


def test_redirect_taints_origin_and_names_both_urls(oracle: Oracle) -> None:
    sid = oracle.new_sid()
    outcome = oracle.run(EDGE["redirect-cross-origin-taints-null-acao-page"]["scenario"], sid=sid)
    assert [r["origin"] for r in outcome["server_received"]] == [
        f"http://127.0.0.1:{oracle.page_port}",
        "null",
    ]
    assert outcome["console"].startswith(
        f"Access to fetch at 'http://127.0.0.1:{oracle.other_port}/{sid}/next' (redirected from"
        f" 'http://127.0.0.1:{oracle.api_port}/{sid}/r') from origin"
    )


def test_readable_headers(oracle: Oracle) -> None:
    expose = oracle.run(EDGE["expose-padded-list"]["scenario"])
    assert expose["readable_headers"] == {"x-total": "42", "x-other": "o"}
    literal = oracle.run(EDGE["expose-wildcard-with-credentials"]["scenario"])
    assert literal["allowed"] and literal["readable_headers"] == {"x-total": None}
    safelisted = oracle.run(EDGE["expose-safelisted-without-list"]["scenario"])
    assert safelisted["readable_headers"] == {
        "content-type": "text/plain",
        "cache-control": "no-store",
    }


def test_preflight_cache_is_keyed_by_url(oracle: Oracle) -> None:
    steps = {entry["name"]: entry["steps"] for entry in edge_cases() if "steps" in entry}
    for name, expected in [
        ("cache-max-age-600", [True, False]),
        ("cache-max-age-0", [True, True]),
        ("cache-other-method", [True, True]),
    ]:
        sid = oracle.new_sid()
        sent = [oracle.run(step, sid=sid)["preflight_sent"] for step in steps[name]]
        assert sent == expected, name
    # A fresh sid is a fresh URL: nothing cached.
    assert oracle.run(steps["cache-max-age-600"][1])["preflight_sent"]


def test_silent_rejection_does_not_wait(oracle: Oracle) -> None:
    import time

    started = time.perf_counter()
    outcome = oracle.run(EDGE["mode-no-cors-put-throws"]["scenario"])
    assert not outcome["allowed"] and outcome["console"] is None
    assert "unsupported in no-cors mode" in outcome["error"]
    assert time.perf_counter() - started < 0.2


def test_several_refused_headers_named_in_hash_order(oracle: Oracle) -> None:
    """Deviation: with x-a, x-b and x-c all refused, Chromium names x-c: neither
    the first in ACRH's sorted order nor in the order the page set them. The
    comparison accepts any refused name (chromium_harness.same_up_to_header_order)."""
    from chromium_harness import differences

    outcome = oracle.run(EDGE["acah-several-refused-hash-order"]["scenario"])
    assert outcome["preflight_request"]["headers"][1][1] == "x-a,x-b,x-c"
    assert outcome["failed_parameter"] == "x-c"
    as_sorted = dict(outcome, console=outcome["console"].replace(" x-c ", " x-a "))
    assert differences(outcome, as_sorted) == {}
    not_requested = dict(outcome, console=outcome["console"].replace(" x-c ", " x-d "))
    assert set(differences(outcome, not_requested)) == {"console"}


def test_same_origin_mode_redirect_console_line(oracle: Oracle) -> None:
    sid = oracle.new_sid()
    outcome = oracle.run(EDGE["mode-same-origin-redirect-cross-origin"]["scenario"], sid=sid)
    assert outcome["console"] == (
        f"Unsafe attempt to load URL http://127.0.0.1:{oracle.api_port}/{sid}/next from frame"
        f" with URL http://127.0.0.1:{oracle.page_port}/. Domains, protocols and ports must"
        " match.\n"
    )


def test_cross_origin_redirect_drops_authorization(oracle: Oracle) -> None:
    outcome = oracle.run(EDGE["redirect-cross-origin-drops-authorization"]["scenario"])
    assert [(r["method"], r["origin"]) for r in outcome["server_received"]] == [
        ("OPTIONS", f"http://127.0.0.1:{oracle.page_port}"),
        ("GET", f"http://127.0.0.1:{oracle.page_port}"),
        ("GET", "null"),
    ]


def test_same_origin_mode_redirect_line_prints_userinfo(oracle: Oracle) -> None:
    sid = oracle.new_sid()
    outcome = oracle.run(EDGE["mode-same-origin-redirect-to-userinfo"]["scenario"], sid=sid)
    assert outcome["console"] == (
        f"Unsafe attempt to load URL http://u:p@127.0.0.1:{oracle.other_port}/{sid}/next from"
        f" frame with URL http://127.0.0.1:{oracle.page_port}/. Domains, protocols and ports"
        " must match.\n"
    )
    assert len(outcome["server_received"]) == 1


def test_same_origin_redirect_keeps_authorization(oracle: Oracle) -> None:
    """Step 13 applies only across origins: a same-origin hop keeps Authorization,
    so the new URL gets its own preflight (the cache is keyed by URL), and the
    Origin stays the page's."""
    outcome = oracle.run(EDGE["redirect-same-origin-keeps-authorization"]["scenario"])
    page = f"http://127.0.0.1:{oracle.page_port}"
    assert [(r["method"], r["origin"]) for r in outcome["server_received"]] == [
        ("OPTIONS", page),
        ("GET", page),
        ("OPTIONS", page),
        ("GET", page),
    ]
