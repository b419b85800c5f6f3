"""`crossorigin check` names the not-CORS look-alikes it sees, against a
real loopback server: a gateway's 502 page, a redirect to a login page, a
response whose Cross-Origin-Resource-Policy refuses the page's origin."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crossorigin.cli import main

pytestmark = pytest.mark.timeout(60)

PAGE = "http://127.0.0.1:3000"
ROUTES: dict[str, tuple[int, list[tuple[str, str]]]] = {
    "/gateway": (502, [("Server", "nginx"), ("Content-Type", "text/html")]),
    "/private": (302, [("Location", "/login?next=/private")]),
    "/login": (200, [("Content-Type", "text/html")]),
    "/corp": (
        200,
        [("Access-Control-Allow-Origin", PAGE), ("Cross-Origin-Resource-Policy", "same-origin")],
    ),
    "/ok": (200, [("Access-Control-Allow-Origin", PAGE)]),
}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        status, headers = ROUTES.get(self.path.split("?")[0], (404, []))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def notes(capsys: pytest.CaptureFixture[str], url: str) -> tuple[int, list[str]]:
    code = main(["check", url, "--origin", PAGE, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    return code, report["explanation"]["notes"]


@pytest.mark.parametrize(
    ("path", "klass", "code"),
    [
        ("/gateway", "gateway-error", 1),
        ("/private", "redirect-to-login", 1),
        ("/corp", "corp", 0),
    ],
)
def test_check_names_the_look_alike(
    server: str, capsys: pytest.CaptureFixture[str], path: str, klass: str, code: int
) -> None:
    got, found = notes(capsys, server + path)
    assert got == code
    assert [note for note in found if note.startswith(f"Not CORS ({klass})")], found


def test_an_allowed_request_gets_no_look_alike(
    server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, found = notes(capsys, server + "/ok")
    assert code == 0
    assert not [note for note in found if note.startswith("Not CORS")]


def test_the_look_alikes_print_in_text_too(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", server + "/gateway", "--origin", PAGE])
    assert "Not CORS (gateway-error)" in capsys.readouterr().out
