"""`crossorigin check --browser`: one engine's verdict, or all three and
where they differ, against a live loopback server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from crossorigin.cli import main


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_OPTIONS(self) -> None:
        # No CORS headers: a preflight fails.
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api"
    finally:
        server.shutdown()
        server.server_close()


def _check(url: str, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["check", url, "--origin", "http://localhost:3000", "-H", "User-Agent: x", *args])
    return code, capsys.readouterr().out


def test_user_agent_header_only_chromium_drops(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _check(url, capsys)[0] == 0
    assert _check(url, capsys, "--browser", "firefox")[0] == 1
    assert _check(url, capsys, "--browser", "webkit")[0] == 1


def test_all_reports_each_engine_and_the_difference(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _check(url, capsys, "--browser", "all", "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert list(data["browsers"]) == ["chromium", "firefox", "webkit"]
    assert data["engines"].startswith("engines differ on verdict (chromium: allowed, ")
    assert "user-agent needs a preflight in firefox, webkit but not in chromium" in data["engines"]
    code, text = _check(url, capsys, "--browser", "all")
    assert code == 1
    assert "== chromium ==" in text and "== webkit ==" in text
