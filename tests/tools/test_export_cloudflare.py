"""`crossorigin export --format cloudflare-worker` run in Cloudflare's own
runtime, workerd (npm package `workerd`, installed into .ci/node/ by
scripts/install-system-deps), in front of a loopback origin server: the same
parity table as nginx, Caddy, Apache and Express (every policy x every probe,
header for header against `Engine`), plus the origin's own CORS headers
replaced and hostile values served as written."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest

from crossorigin import Engine, Policy
from crossorigin.export import ExportPlan, render
from servers.loopback import serving
from servers.parity import POLICIES, compare_server
from servers.upstream import UPSTREAM_CORS_HEADERS
from servers.workerd import running_workerd, workerd_binary

pytestmark = [
    pytest.mark.skipif(
        workerd_binary() is None,
        reason="workerd is not installed (scripts/install-system-deps puts it in .ci/node/)",
    ),
    pytest.mark.timeout(120),
]


class _Origin(BaseHTTPRequestHandler):
    """`/error` answers 500, `/cors` carries CORS headers of its own, anything else 200."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status = 500 if self.path == "/error" else 200
        body = b"error" if status == 500 else b"ok"
        self.send_response(status)
        if self.path == "/cors":
            for name, value in UPSTREAM_CORS_HEADERS:
                self.send_header(name, value)
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _answer


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with serving(_Origin, "worker-origin") as url:
        yield url


def worker_file(fields: dict[str, object], tmp: Path) -> Path:
    worker = tmp / "cors-worker.js"
    worker.write_text(render(ExportPlan.from_policy(Policy(**fields)), "cloudflare-worker"))  # type: ignore[arg-type]
    return worker


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_worker_answers_as_the_engine(name: str, tmp_path: Path, origin: str) -> None:
    fields = POLICIES[name]
    with running_workerd(worker_file(fields, tmp_path), origin, tmp_path) as base_url:
        checked, mismatches = compare_server(base_url, Policy(**fields))  # type: ignore[arg-type]
    assert checked > 100
    assert not mismatches, "\n".join(mismatches[:10])


def test_origin_cors_headers_are_replaced(tmp_path: Path, origin: str) -> None:
    """The origin answers with ACAO `*`, credentials, its own exposed header...:
    only the policy's reach the browser (one layer answers CORS)."""
    fields: dict[str, object] = {"origins": ["https://app.example.com"], "methods": ["GET"]}
    policy = Policy(**fields)  # type: ignore[arg-type]
    with (
        running_workerd(worker_file(fields, tmp_path), origin, tmp_path) as base_url,
        httpx.Client(base_url=base_url, timeout=10) as client,
    ):
        allowed = client.get("/cors", headers={"Origin": "https://app.example.com"})
        refused = client.get("/cors", headers={"Origin": "https://evil.test"})
    decision = Engine(policy).decide("GET", [("Origin", "https://app.example.com")])
    expected = {n.decode(): v.decode() for n, v in decision.headers if n != b"vary"}
    got = {n: v for n, v in allowed.headers.items() if n.startswith("access-control-")}
    assert got == expected
    assert not [n for n in refused.headers if n.startswith("access-control-")]
    assert allowed.headers["vary"] == "Accept-Encoding, Origin"


def test_hostile_tokens_are_served_as_written(tmp_path: Path, origin: str) -> None:
    fields = POLICIES["hostile-tokens"]
    with (
        running_workerd(worker_file(fields, tmp_path), origin, tmp_path) as base_url,
        httpx.Client(base_url=base_url, timeout=10) as client,
    ):
        response = client.get("/", headers={"Origin": "https://app.example.com"})
    assert response.headers["access-control-expose-headers"] == "x-$http_origin, x-%D"


def test_policy_file_name_cannot_run_code(tmp_path: Path, origin: str) -> None:
    """A line break in the file name cannot end the comment it is written in."""
    plan = ExportPlan.from_policy(
        Policy(origins=["https://app.example.com"]),
        "p\u2028globalThis.injected = 1;\nthrow new Error('injected')\r.toml",
    )
    worker = tmp_path / "cors-worker.js"
    worker.write_text(render(plan, "cloudflare-worker"))
    with running_workerd(worker, origin, tmp_path) as base_url:
        response = httpx.get(base_url + "/", headers={"Origin": "https://app.example.com"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://app.example.com"
