"""The fixes `check` prints for nginx and Express, served by real nginx and
node: pasted as printed, they let the blocked request through.

The request is blocked (no CORS at all), explained without network; its
fix is written to disk as a user would paste it (nginx's two files split at
the export's own banner), served, and checked live with `run_check`: the
browser model must now allow the same request, preflight included.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crossorigin.browser import simulate_trace
from crossorigin.check import run_check
from crossorigin.explain import explain_trace
from servers.nginx import running_nginx
from servers.node import running_node

pytestmark = pytest.mark.timeout(120)

PAGE = "http://localhost:3000"
HEADERS = (("X-Token", "t"),)


def _fix(stack: str) -> str:
    blocked = simulate_trace(
        {
            "page_origin": PAGE,
            "request": {
                "url": "http://127.0.0.1:8000/",
                "method": "PUT",
                "headers": [list(pair) for pair in HEADERS],
                "credentials": "include",
            },
            "responses": {"preflight": {"status": 404, "headers": []}},
        }
    )
    assert not blocked.allowed
    return explain_trace(blocked).fix_by_stack[stack]


def _allowed(base_url: str) -> bool:
    trace = run_check(
        base_url + "/", origin=PAGE, method="PUT", headers=HEADERS, credentials=True, timeout=10
    )
    return trace.allowed and [e.kind for e in trace.exchanges] == ["preflight", "actual"]


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_the_nginx_fix_lets_the_request_through(tmp_path: Path) -> None:
    fix = _fix("nginx")
    banner = "# ======== file 2 of 2: cors-server.conf"
    http_part, marker, server_part = fix.partition(banner)
    assert marker, fix[:400]
    with running_nginx(http_part, marker + server_part, tmp_path) as base_url:
        assert _allowed(base_url)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_express_fix_lets_the_request_through(tmp_path: Path) -> None:
    module = tmp_path / "cors.js"
    module.write_text(_fix("express"))
    with running_node(module) as base_url:
        assert _allowed(base_url)
