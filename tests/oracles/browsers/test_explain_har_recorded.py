"""`crossorigin explain` on HARs recorded from real browsers gives the
browser's verdict (no browser needed: the recordings are stored).

tests/oracles/browsers/hars/<engine>/<case>.har, .console.txt and .json were
recorded by har_recording.py (one fetch() per case, see its CASES): the
.json holds what the browser did (the page's fetch resolved or threw,
Chromium's own CORS reason and blocked reason from the DevTools protocol)
and the not-CORS cause the case's server was built to be. For each, with
and without the console file, `explain` must give the same verdict, the
same reason and the same not-CORS cause; and it must never print the
recorded cookie.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from crossorigin.browser.messages import REASONS
from crossorigin.cli import main

sys.path.insert(0, str(Path(__file__).parent))

from har_recording import CASES, HARS_DIR

RECORDED = sorted(HARS_DIR.glob("*/*.json"))
SECRET = "s3cr3t-token"


def explain(har: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["explain", str(har), "--format", "json", *extra])
    return code, json.loads(out.getvalue()), out.getvalue()


def expected(verdict: dict[str, Any]) -> tuple[bool, str | None, str | None]:
    """(allowed, reason, not_cors) as the browser decided. A reason the
    model does not know (Chromium's Local Network Access errors are
    reported as CORS errors) is not a CORS reason for explain: its cause
    is the not-CORS class."""
    reason = verdict["cors_error"] if verdict["cors_error"] in REASONS else None
    return verdict["resolved"], reason, verdict["not_cors"]


#: Where a recording cannot tell what the browser did, and why. Firefox's
#: BiDi events hold no failure for a response CORS refused, nor the
#: fetch's credentials mode; with no Cookie stored for the API, a
#: credentialed request whose response fails only because of credentials
#: looks allowed. The console (the other parametrisation) tells.
UNKNOWABLE = {
    ("firefox", "wildcard-with-credentials"): "credentials mode not recorded",
    ("firefox", "invalid-allow-credentials"): "credentials mode not recorded",
}


def _id(path: Path) -> str:
    return f"{path.parent.name}-{path.stem}"


def test_every_case_is_recorded_and_every_reason_has_a_case() -> None:
    recorded = {(path.parent.name, path.stem) for path in RECORDED}
    for case in CASES:
        for engine in case.engines:
            assert (engine, case.name) in recorded, (engine, case.name)
    chromium = [json.loads(path.read_text()) for path in HARS_DIR.glob("chromium/*.json")]
    assert {verdict["cors_error"] for verdict in chromium} >= REASONS
    assert {verdict["not_cors"] for verdict in chromium} >= {
        "csp", "corp", "coep", "mixed-content", "local-network-access",
        "third-party-cookies", "redirect-to-login", "gateway-error",
    }  # fmt: skip


@pytest.mark.parametrize("console", [False, True], ids=["har-only", "with-console"])
@pytest.mark.parametrize("recorded", RECORDED, ids=_id)
def test_explain_gives_the_browser_verdict(recorded: Path, console: bool) -> None:
    verdict = json.loads(recorded.read_text())
    har = recorded.with_suffix(".har")
    extra = ["--console", str(recorded.with_suffix(".console.txt"))] if console else []
    if recorded.parent.name != "chromium":
        extra += ["--browser", recorded.parent.name]
    code, result, text = explain(har, *extra)
    assert SECRET not in text
    found = [request for request in result["requests"] if request["url"] == verdict["url"]]
    if not found and not console and verdict.get("har_lacks_request"):
        # Blocked before a request existed (CSP): only the console tells.
        return
    assert found, result
    request = found[0]
    allowed, reason, not_cors = expected(verdict)
    if not console and (recorded.parent.name, recorded.stem) in UNKNOWABLE:
        assert request["allowed"] is True  # the gap is known; a change shows here
        return
    if verdict["browser"] == "firefox":
        # Firefox names fewer checks than Chromium (one category for a
        # missing, a mismatching and a malformed Allow-Origin): its own
        # reason must be the one explain read from its console, and the
        # model's (Chromium-named) reason must agree with it.
        reason = request["reason"]
        if console and verdict["firefox_reason"]:
            assert request["browser_reason"] == verdict["firefox_reason"], request
    got = (request["allowed"], request["reason"], request["not_cors"])
    assert got == (allowed, reason, not_cors), request
    assert request["disagreement"] is None, request
    assert code == (0 if allowed else 1)
