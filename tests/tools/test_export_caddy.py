"""`crossorigin export --format caddy` run in a real Caddy (Debian's 2.6.2) on
loopback: for each policy and every probe request, Caddy answers as the engine
decides, status and CORS headers (and Vary) header for header."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from crossorigin import Policy
from crossorigin.cli import main
from servers.caddy import running_caddy
from servers.parity import POLICIES, compare_server, policy_toml
from servers.upstream import running_upstream

pytestmark = [
    pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed"),
    pytest.mark.timeout(120),
]


def export_caddy(fields: dict[str, object], tmp: Path) -> str:
    policy_file = tmp / "policy.toml"
    policy_file.write_text(policy_toml(fields))
    output = tmp / "exported.caddy"
    code = main(["export", "--policy", str(policy_file), "--format", "caddy", "-o", str(output)])
    assert code == 0
    return output.read_text()


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_caddy_answers_as_the_engine(name: str, tmp_path: Path) -> None:
    fields = POLICIES[name]
    snippet = export_caddy(fields, tmp_path)
    assert "policy.toml" in snippet
    with running_caddy(snippet, tmp_path) as base_url:
        checked, mismatches = compare_server(base_url, Policy(**fields))  # type: ignore[arg-type]
    assert checked > 100
    assert not mismatches, "\n".join(mismatches[:10])


@pytest.fixture
def upstream() -> Iterator[str]:
    with running_upstream() as url:
        yield url


def test_proxied_errors_keep_cors_headers_and_upstream_cors_is_replaced(
    tmp_path: Path, upstream: str
) -> None:
    snippet = export_caddy(POLICIES["credentials-exact-and-subdomains"], tmp_path)
    origin = {"Origin": "http://localhost:3000"}
    with running_caddy(snippet, tmp_path, upstream=upstream) as base_url:
        error = httpx.get(f"{base_url}/status/503", headers=origin, timeout=10)
        own = httpx.get(f"{base_url}/cors", headers=origin, timeout=10)
        refused = httpx.get(f"{base_url}/cors", headers={"Origin": "https://x.test"}, timeout=10)
        preflight = httpx.options(
            f"{base_url}/status/500",
            headers={**origin, "Access-Control-Request-Method": "PUT"},
            timeout=10,
        )
    assert error.status_code == 503
    assert error.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert own.headers.get_list("access-control-allow-origin") == ["http://localhost:3000"]
    assert "access-control-allow-methods" not in own.headers
    assert own.headers.get_list("vary") == ["Accept-Encoding", "Origin"]
    assert "access-control-allow-origin" not in refused.headers
    assert "access-control-allow-methods" not in refused.headers
    assert preflight.status_code == 204  # answered by Caddy, not the upstream's 500
