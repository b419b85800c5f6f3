"""`crossorigin export --format nginx` run in a real nginx on loopback: for each
policy and every probe request, nginx answers as the engine decides, status and
CORS headers (and Vary) header for header."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from crossorigin import Policy
from crossorigin.cli.export import command
from servers.nginx import NGINX, running_nginx
from servers.parity import POLICIES, compare_server, policy_toml
from servers.processes import free_port
from servers.upstream import running_upstream

pytestmark = [
    pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed"),
    pytest.mark.timeout(120),
]


def export_parts(policy_fields: dict[str, object], tmp: Path) -> tuple[str, str]:
    """Both nginx parts, through the real command."""
    policy_file = tmp / "policy.toml"
    policy_file.write_text(policy_toml(policy_fields))
    runner = CliRunner()
    parts = []
    for part in ("http", "server"):
        result = runner.invoke(
            command,
            ["--policy", str(policy_file), "--format", "nginx", "--part", part],
            standalone_mode=False,
        )
        assert result.exception is None, result.output
        assert result.return_value == 0, result.output
        parts.append(result.stdout)
    return parts[0], parts[1]


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_nginx_answers_as_the_engine(name: str, tmp_path: Path) -> None:
    fields = POLICIES[name]
    http_part, server_part = export_parts(fields, tmp_path)
    assert "policy.toml" in http_part  # the header comment names its source
    with running_nginx(http_part, server_part, tmp_path) as base_url:
        checked, mismatches = compare_server(base_url, Policy(**fields))  # type: ignore[arg-type]
    assert checked > 100
    assert not mismatches, "\n".join(mismatches[:10])


@pytest.fixture
def upstream() -> Iterator[str]:
    with running_upstream() as url:
        yield url


def test_proxied_errors_keep_cors_headers_and_upstream_cors_is_hidden(
    tmp_path: Path, upstream: str
) -> None:
    fields = POLICIES["credentials-exact-and-subdomains"]
    http_part, server_part = export_parts(fields, tmp_path)
    origin = {"Origin": "http://localhost:3000"}
    with running_nginx(http_part, server_part, tmp_path, upstream=upstream) as base_url:
        error = httpx.get(f"{base_url}/upstream/status/503", headers=origin, timeout=10)
        own = httpx.get(f"{base_url}/upstream/cors", headers=origin, timeout=10)
        dead = httpx.get(f"{base_url}/upstream/status/500", headers={"Origin": "https://x.test"})
    assert error.status_code == 503
    assert error.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert error.headers["access-control-allow-credentials"] == "true"
    # The upstream sent `Access-Control-Allow-Origin: *` and its own methods:
    # hidden, the policy's headers instead.
    assert own.headers.get_list("access-control-allow-origin") == ["http://localhost:3000"]
    assert "access-control-allow-methods" not in own.headers
    assert own.headers.get_list("vary") == ["Accept-Encoding", "Origin"]
    assert dead.status_code == 500
    assert "access-control-allow-origin" not in dead.headers


def test_documented_gap_echoed_header_list_is_verbatim(tmp_path: Path) -> None:
    fields = POLICIES["credentials-wildcards-echo"]
    http_part, server_part = export_parts(fields, tmp_path)
    assert "echoes the request's list as sent" in http_part
    with running_nginx(http_part, server_part, tmp_path) as base_url:
        response = httpx.options(
            base_url,
            headers={
                "Origin": "https://app.example.com",
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "X-B, x-a",
            },
            timeout=10,
        )
    assert response.status_code == 204
    assert response.headers["access-control-allow-headers"] == "X-B, x-a"  # engine: "x-b,x-a"


README = Path(__file__).resolve().parents[2] / "README.md"
DOCUMENTED_DIRECTORY = "/etc/nginx/crossorigin"


def readme_nginx_block() -> str:
    """The README's example nginx configuration (its one ```nginx block)."""
    blocks = re.findall(r"^```nginx\n(.*?)^```$", README.read_text(), re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1
    return str(blocks[0])


def test_the_documented_include_lines_pass_nginx_t(tmp_path: Path) -> None:
    """The README's two include lines, pointing at what `-o DIR` wrote,
    make a configuration `nginx -t` accepts; each file's header shows the
    same two lines for its directory."""
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(policy_toml(POLICIES["credentials-exact-and-subdomains"]))
    directory = tmp_path / "crossorigin"
    runner = CliRunner()
    result = runner.invoke(
        command,
        ["--policy", str(policy_file), "--format", "nginx", "-o", str(directory)],
        standalone_mode=False,
    )
    assert result.return_value == 0, result.output
    block = readme_nginx_block()
    documented = [line.strip() for line in block.splitlines() if line.strip().startswith("include")]
    assert documented == [
        f"include {DOCUMENTED_DIRECTORY}/cors-http.conf;",
        f"include {DOCUMENTED_DIRECTORY}/cors-server.conf;",
    ]
    for name in ("cors-http.conf", "cors-server.conf"):
        header = (directory / name).read_text()
        for line in documented:
            assert line.replace(DOCUMENTED_DIRECTORY, str(directory)) in header
    temp_paths = "".join(
        f"    {kind}_temp_path {tmp_path}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    http_block = (
        block.replace(DOCUMENTED_DIRECTORY, str(directory))
        .replace("listen 80;", f"listen 127.0.0.1:{free_port()};")
        .replace("http {\n", "http {\n" + temp_paths, 1)
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nevents {{ worker_connections 16; }}\n{http_block}"
    )
    tested = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert tested.returncode == 0, tested.stderr
