"""`crossorigin check` against real loopback servers.

A deliberately broken stdlib server (tests/support/servers/broken_server.py) serves one
misconfiguration per path; each test runs the real command (httpx, real
sockets) and checks the exit code, the exchanges, the verdict and the fix.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from crossorigin import Policy
from crossorigin.cli import main
from crossorigin.explain import explain, fixes_for
from servers.broken_server import running_broken_server

pytestmark = pytest.mark.timeout(60)

PAGE = "http://127.0.0.1:3000"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_broken_server() as base:
        yield base


def fixes_needed(**fields: Any) -> dict[str, str]:
    """The fixes of `crossorigin.explain.fixes` for the policy a request needs
    (the writers that are tested on their own, the exports in real servers)."""
    return fixes_for(Policy(**fields), f"what a request from {fields['origins'][0]} needs")


def check_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", *args, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_no_cors_headers(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = check_json(capsys, server + "/no-cors", "--origin", PAGE)
    assert code == 1
    assert [e["kind"] for e in report["exchanges"]] == ["actual"]
    assert report["exchanges"][0]["request_headers"][0] == ["Origin", PAGE]
    assert report["outcome"]["reason"] == "MissingAllowOriginHeader"
    assert report["outcome"]["console"].startswith(f"Access to fetch at '{server}/no-cors' from")
    fixes = report["explanation"]["fix_by_stack"]
    assert set(fixes) == {"fastapi", "flask", "django", "express", "nginx", "http"}
    assert fixes == fixes_needed(origins=[PAGE])
    assert 'origins=["http://127.0.0.1:3000"]' in fixes["fastapi"]
    assert report["stack"]["detected"] == []


def test_preflight_404(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = check_json(capsys, server + "/preflight-404", "--origin", PAGE, "-X", "PUT")
    assert code == 1
    assert [e["kind"] for e in report["exchanges"]] == ["preflight"]
    preflight = report["exchanges"][0]
    assert preflight["method"] == "OPTIONS"
    assert ["Access-Control-Request-Method", "PUT"] in preflight["request_headers"]
    assert report["outcome"]["reason"] == "PreflightMissingAllowOriginHeader"
    assert "404" in report["explanation"]["summary"]
    fixes = report["explanation"]["fix_by_stack"]
    assert fixes == fixes_needed(origins=[PAGE], methods=["GET", "HEAD", "POST", "PUT"])
    assert 'methods=["GET", "HEAD", "POST", "PUT"]' in fixes["fastapi"]


def test_preflight_not_ok(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = check_json(capsys, server + "/preflight-405", "--origin", PAGE, "-X", "DELETE")
    assert code == 1
    assert report["outcome"]["reason"] == "PreflightInvalidStatus"
    assert report["explanation"]["cause"] == "preflight-status"


def test_wildcard_with_credentials(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = check_json(capsys, server + "/wildcard", "--origin", PAGE, "--credentials")
    assert code == 1
    assert report["outcome"]["reason"] == "WildcardOriginNotAllowed"
    assert report["explanation"]["cause"] == "credentials-mode-mismatch"
    assert any("Credentials mode does not match" in n for n in report["explanation"]["notes"])
    assert "credentials=True" in report["explanation"]["fix_by_stack"]["fastapi"]
    # Without credentials the same server is fine.
    code, report = check_json(capsys, server + "/wildcard", "--origin", PAGE)
    assert code == 0 and report["outcome"]["allowed"] is True


def test_missing_allow_credentials_on_preflight(
    server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = check_json(
        capsys,
        server + "/reflect-without-credentials",
        "--origin",
        PAGE,
        "-X",
        "PUT",
        "--credentials",
    )
    assert code == 1
    assert report["outcome"]["reason"] == "PreflightInvalidAllowCredentials"
    assert report["explanation"]["cause"] == "credentials-mode-mismatch"


def test_trailing_slash_origin(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = check_json(capsys, server + "/trailing-slash", "--origin", PAGE)
    assert code == 1
    assert report["outcome"]["reason"] == "AllowOriginMismatch"
    assert "trailing slash" in report["explanation"]["summary"]


def test_duplicated_origin_behind_nginx(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = check_json(capsys, server + "/duplicated-origin", "--origin", PAGE)
    assert code == 1
    assert report["outcome"]["reason"] == "MultipleAllowOriginValues"
    assert report["stack"]["detected"] == ["nginx"]
    assert (
        "add_header Access-Control-Allow-Origin" in report["explanation"]["fix_by_stack"]["nginx"]
    )


def test_header_not_allowed_on_werkzeug(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", server + "/headers-not-allowed", "--origin", PAGE, "-H", "X-Token: t"])
    out = capsys.readouterr().out
    assert code == 1
    assert "Request header field x-token is not allowed" in out
    assert "Fix for Flask" in out
    assert 'request_headers=["x-token"]' in out


def test_express_detected(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", server + "/express", "--origin", PAGE])
    out = capsys.readouterr().out
    assert code == 1
    assert "Fix for Express" in out
    # crossorigin export's Express module, the page's origin in its regex.
    assert "module.exports = function crossoriginCors" in out
    assert r'"^(?:http://127\\.0\\.0\\.1:3000)$"' in out


def test_redirect_followed_hop_by_hop(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = check_json(capsys, server + "/redirect", "--origin", PAGE)
    # Same server, so the redirect stays same-origin: no taint, /ok answers.
    assert code == 0
    assert [e["url"] for e in report["exchanges"]] == [server + "/redirect", server + "/ok"]


def test_allowed_with_preflight_and_exposed_header(
    server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = check_json(
        capsys,
        server + "/ok",
        "--origin",
        PAGE,
        "-X",
        "PUT",
        "-H",
        "X-Token: 1",
        "--credentials",
        "--read",
        "X-Total",
        "--read",
        "X-Hidden",
    )
    assert code == 0
    assert [e["kind"] for e in report["exchanges"]] == ["preflight", "actual"]
    assert report["outcome"]["readable_headers"] == {"x-total": "3", "x-hidden": None}


def test_unreadable_header_explained(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = check_json(
        capsys, server + "/reflect-without-credentials", "--origin", PAGE, "--read", "X-Total"
    )
    assert code == 0
    assert report["explanation"]["cause"] == "unreadable-headers"
    assert 'expose_headers=["X-Total"]' in report["explanation"]["fix_by_stack"]["fastapi"]


def test_connection_refused_exits_two(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = main(["check", f"http://127.0.0.1:{port}/", "--origin", PAGE, "--timeout", "5"])
    assert code == 2
    assert "connection refused" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--origin", "http://127.0.0.1:3000/"], "trailing slash"),
        (["--origin", "127.0.0.1:3000"], "no scheme"),
        (["--origin", PAGE, "-H", "no colon"], "Name: value"),
    ],
)
def test_bad_arguments_exit_two(
    server: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["check", server + "/ok", *args]) == 2
    assert message in capsys.readouterr().err


def test_bad_url_exits_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "ftp://example.com/", "--origin", PAGE]) == 2
    assert "http and https" in capsys.readouterr().err


def test_explain_without_network() -> None:
    scenario = {
        "page_origin": "http://localhost:3000",
        "request": {"url": "http://127.0.0.1:8000/api", "credentials": "include"},
        "responses": {
            "actual": {
                "status": 200,
                "headers": [["Access-Control-Allow-Origin", "http://127.0.0.1:3000"]],
            }
        },
    }
    from crossorigin.browser import simulate

    explanation = explain(simulate(scenario), scenario)
    assert explanation.cause == "origin-mismatch"
    assert "different origins" in explanation.summary
    assert "CROSSORIGIN = {" in explanation.fix_by_stack["django"]
    assert explanation.fix_by_stack == fixes_needed(
        origins=["http://localhost:3000"], credentials=True
    )


def test_text_output_prints_the_fix_exactly_as_json_gives_it(
    server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A fix is pasted from the terminal: its backslashes (the export's regexes)
    are shown as written, not doubled as `safe` doubles them in header values."""
    code, report = check_json(capsys, server + "/express", "--origin", PAGE)
    fix = report["explanation"]["fix_by_stack"]["express"]
    assert "\\" in fix
    assert main(["check", server + "/express", "--origin", PAGE]) == code == 1
    assert fix.rstrip("\n") in capsys.readouterr().out
