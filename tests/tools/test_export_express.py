"""`crossorigin export --format express` run in node on loopback: plain
node:http for the parity table (no npm package needed), and real Express when
it can be resolved (NODE_PATH) for error responses from its default handler."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from crossorigin import Policy
from crossorigin.export import ExportPlan, render
from servers.node import running_node
from servers.parity import POLICIES, compare_server

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
    pytest.mark.timeout(60),
]


def export_module(name: str, tmp: Path) -> Path:
    module = tmp / "cors.js"
    module.write_text(render(ExportPlan.from_policy(Policy(**POLICIES[name])), "express"))
    return module


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_middleware_answers_as_the_engine(name: str, tmp_path: Path) -> None:
    with running_node(export_module(name, tmp_path)) as base_url:
        checked, mismatches = compare_server(base_url, Policy(**POLICIES[name]))  # type: ignore[arg-type]
    assert checked > 100
    assert not mismatches, "\n".join(mismatches[:10])


def test_route_cors_headers_are_replaced(tmp_path: Path) -> None:
    module = export_module("credentials-exact-and-subdomains", tmp_path)
    with running_node(module) as base_url:
        own = httpx.get(f"{base_url}/cors", headers={"Origin": "http://localhost:3000"})
        refused = httpx.get(f"{base_url}/cors", headers={"Origin": "https://x.test"})
    assert own.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "access-control-allow-methods" not in own.headers
    assert "access-control-allow-origin" not in refused.headers


def _express_available() -> bool:
    done = subprocess.run(
        ["node", "-e", "require.resolve('express')"], capture_output=True, timeout=30
    )
    return done.returncode == 0


@pytest.mark.skipif(
    shutil.which("node") is None or not _express_available(),
    reason="express is not resolvable (set NODE_PATH to a node_modules with express)",
)
def test_express_default_error_handler_keeps_cors_headers(tmp_path: Path) -> None:
    module = export_module("credentials-exact-and-subdomains", tmp_path)
    with running_node(module, "express") as base_url:
        thrown = httpx.get(f"{base_url}/throw", headers={"Origin": "http://localhost:3000"})
        preflight = httpx.options(
            f"{base_url}/throw",
            headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "PUT"},
        )
    assert thrown.status_code == 500
    assert thrown.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert thrown.headers["vary"] == "Origin"
    assert preflight.status_code == 204
