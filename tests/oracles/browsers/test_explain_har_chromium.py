"""`crossorigin explain` on a HAR recorded by real Chromium (Playwright's HAR
recorder, which reads the DevTools protocol's network events).

What such a recording holds, measured: no preflight entries; a request
blocked by CORS has status -1, `_failureText: net::ERR_FAILED` and only its
provisional headers (no `Origin`); the console's text (as Playwright reports
it) has the CORS line but not DevTools' `GET URL net::ERR_FAILED 502` line.

A page on http://127.0.0.1 makes real `fetch()` calls to an API on
http://localhost (another origin) whose routes each answer one way: allowed,
no Access-Control-Allow-Origin, a PUT whose preflight passes, a PUT whose
preflight is refused, a gateway's 502, a redirect to a login page. The page
records whether each fetch resolved; the HAR and the console log go through
`explain`, whose verdict must be the browser's for every request, and whose
explanations must use what the recording does hold.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from crossorigin.cli import main

PAGE_HTML = b"<!doctype html><title>page</title><p>page</p>"


class _Handler(BaseHTTPRequestHandler):
    page_origin = ""

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_OPTIONS(self) -> None:
        allow = [("Access-Control-Allow-Origin", self.page_origin)]
        if self.path.startswith("/put-ok"):
            methods = ("Access-Control-Allow-Methods", "PUT")
            self._send(204, [*allow, methods, ("Access-Control-Allow-Headers", "content-type")])
        else:
            self._send(204, allow)  # no Allow-Methods: PUT is refused

    def do_PUT(self) -> None:
        self._send(200, [("Access-Control-Allow-Origin", self.page_origin)], b"{}")

    def do_GET(self) -> None:
        acao = [("Access-Control-Allow-Origin", self.page_origin)]
        json_type = [("Content-Type", "application/json")]
        if self.path == "/":
            self._send(200, [("Content-Type", "text/html")], PAGE_HTML)
        elif self.path.startswith("/ok"):
            self._send(200, acao + json_type, b"{}")
        elif self.path.startswith("/missing"):
            self._send(200, json_type, b"{}")
        elif self.path.startswith("/gateway"):
            self._send(502, [("Server", "nginx"), ("Content-Type", "text/html")], b"<h1>502</h1>")
        elif self.path.startswith("/private"):
            self._send(302, [("Location", "/login?next=/private")])
        elif self.path.startswith("/login"):
            self._send(200, [("Content-Type", "text/html")], b"<form>login</form>")
        else:
            self._send(404, [])


@pytest.fixture
def server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port = httpd.server_address[1]
    _Handler.page_origin = f"http://127.0.0.1:{port}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        httpd.shutdown()
        httpd.server_close()


CALLS = {
    "ok": ("GET", "/ok"),
    "missing": ("GET", "/missing"),
    "put-ok": ("PUT", "/put-ok"),
    "put-refused": ("PUT", "/put-refused"),
    "gateway": ("GET", "/gateway"),
    "private": ("GET", "/private"),
}


def test_explain_matches_chromium_on_a_recorded_har(
    chromium_browser: Any, server: int, tmp_path: Path
) -> None:
    har_path = tmp_path / "capture.har"
    context = chromium_browser.new_context(record_har_path=str(har_path))
    console: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"http://127.0.0.1:{server}/")
        api = f"http://localhost:{server}"
        verdicts = page.evaluate(
            """async ([api, calls]) => {
                const out = {};
                for (const [name, [method, path]] of Object.entries(calls)) {
                    const init = {method};
                    if (method === "PUT") {
                        init.headers = {"Content-Type": "application/json"};
                        init.body = "{}";
                    }
                    try { await fetch(api + path, init); out[name] = true; }
                    catch (error) { out[name] = false; }
                }
                return out;
            }""",
            [api, CALLS],
        )
    finally:
        context.close()  # writes the HAR
    assert verdicts == {
        "ok": True,
        "missing": False,
        "put-ok": True,
        "put-refused": False,
        "gateway": False,
        "private": False,
    }
    console_path = tmp_path / "console.txt"
    console_path.write_text("\n".join(console))
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["explain", str(har_path), "--console", str(console_path), "--format", "json"])
    assert code == 1
    requests = json.loads(out.getvalue())["requests"]
    by_name = {}
    for request in requests:
        path = request["url"].split(str(server), 1)[1]
        name = next(n for n, (_, p) in CALLS.items() if path == p)
        by_name.setdefault(name, request)
    assert {name: request["allowed"] for name, request in by_name.items()} == verdicts, requests
    assert by_name["missing"]["reason"] == "MissingAllowOriginHeader"
    assert by_name["put-ok"]["preflight"] == "inferred"  # Chromium's HAR lists no OPTIONS
    # The refused preflight: no response recorded; the console names the reason.
    refused = by_name["put-refused"]
    assert (refused["preflight"], refused["reason"]) == (
        "unknown",
        "MethodDisallowedByPreflightResponse",
    )
    assert refused["fix"] and "PUT" in refused["fix"]["fastapi"]
    # A CORS-blocked 502 or login redirect is not in the HAR (status -1, no
    # headers) and the console's text has no status: explain reports the
    # browser's reason and says a look-alike cannot be ruled out.
    for name in ("gateway", "private"):
        assert by_name[name]["reason"] == "MissingAllowOriginHeader"
        assert any("look-alike cannot be ruled out" in note for note in by_name[name]["notes"])
    for request in by_name.values():
        assert request["disagreement"] is None, request
