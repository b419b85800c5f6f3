"""`crossorigin check` against hostile servers and hostile arguments.

What the server sends is untrusted: header values with terminal controls, a
gzip bomb, an endless chunked body, a body that trickles. What the user types
can be wrong: a URL without a scheme, an unparsable one, a huge one. Each
test fails on the code before the fix it pins (raw controls printed, the
whole body read and decompressed, a traceback, a wrong same-origin fetch).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from crossorigin.browser import HTTPResponse, run_fetch
from crossorigin.browser.model import FetchRequest
from crossorigin.check import MAX_BODY_BYTES, report
from crossorigin.cli import main
from crossorigin.cli.check import print_text
from crossorigin.wsgi import CORSMiddleware
from servers.loopback import serving

pytestmark = pytest.mark.timeout(60)

PAGE = "http://127.0.0.1:3000"
#: Every character a terminal may act on: C0 but the newline, DEL and C1.
CONTROLS = frozenset(chr(code) for code in [*range(0x20), *range(0x7F, 0xA0)]) - {"\n"}
HOSTILE_VALUES = [
    "\x1b[2J\x1b[H",  # clear the screen, cursor home
    "\x1b]0;pwned\x07",  # set the window title (OSC ... BEL)
    "ok\n  no findings",  # a forged line
    "a\rHIGH erased",  # carriage return over the line
    "nul\x00byte",
    "\x9b2J\x9d0;c1-title\x9c",  # C1 CSI / OSC / ST
    "[bold red]not markup[/]",
]


def _controls(text: str) -> set[str]:
    return {character for character in text if character in CONTROLS}


# --- terminal escapes ------------------------------------------------------------------


def test_hostile_header_values_reach_the_terminal_escaped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    headers = tuple(("X-Evil", value) for value in HOSTILE_VALUES)

    def transport(kind: str, method: str, url: str, sent: Any) -> HTTPResponse:
        return HTTPResponse(
            200,
            (
                ("Access-Control-Allow-Origin", "\x1b[2Jhttp://evil"),
                ("Vary", "\x1b[1A\x1b[2K"),
                *headers,
            ),
        )

    request = FetchRequest(page_origin=PAGE, url="http://127.0.0.1:8000/api")
    trace = run_fetch(request, transport)
    print_text(trace, report(trace))
    out = capsys.readouterr().out
    assert _controls(out) == set()
    assert "\\x1b[2J\\x1b[H" in out
    assert "\\x9b2J\\x9d0;c1-title\\x9c" in out
    assert "ok\\n  no findings" in out
    assert "[bold red]not markup[/]" in out
    # The NUL byte makes the response a network error in Chromium
    # (net::ERR_INVALID_HTTP_RESPONSE), so no CORS explanation quotes the hostile
    # Access-Control-Allow-Origin; its header line shows it escaped.
    assert "< Access-Control-Allow-Origin: \\x1b[2Jhttp://evil" in out


class _C1Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        # h11 (under httpx) refuses C0 controls in a value but lets C1 bytes
        # (obs-text, RFC 9110 §5.5) through: 0x9B is a one-byte CSI.
        self.send_header("Access-Control-Allow-Origin", "\x9b2J\x9d0;title\x9c")
        self.send_header("Server", "\x9b1A\x9b2Kuvicorn")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_c1_controls_from_a_real_server_are_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(_C1Handler) as base:
        code = main(["check", base + "/", "--origin", PAGE])
    out = capsys.readouterr().out
    assert code == 1
    assert _controls(out) == set()
    assert "\\x9b2J\\x9d0;title\\x9c" in out


# --- bounded bodies --------------------------------------------------------------------


def _gzip_bomb(expanded: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(expanded // len(block))]
    return b"".join(parts) + compressor.flush()


BOMB = _gzip_bomb(256 * 1024 * 1024)  # ~250 KB on the wire, 256 MiB inflated
ENDLESS_LIMIT = 256 * 1024 * 1024  # the "endless" body gives up here


class _BodyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sent: ClassVar[dict[str, int]] = {}

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")
        if self.path == "/gzip-bomb":
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(BOMB)))
            self.end_headers()
            self._send(BOMB)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"x" * 64 * 1024)
        if self.path == "/endless":
            while self.sent.get(self.path, 0) < ENDLESS_LIMIT and self._send(chunk):
                pass
        else:  # /trickle: one byte at a time, forever (until the client leaves)
            while self._send(b"1\r\nx\r\n"):
                time.sleep(0.02)

    def handle(self) -> None:
        with contextlib.suppress(ConnectionError):  # the check hangs up mid-body on purpose
            super().handle()

    def _send(self, data: bytes) -> bool:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            return False
        self.sent[self.path] = self.sent.get(self.path, 0) + len(data)
        return True

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def body_server() -> Iterator[str]:
    with serving(_BodyHandler) as base:
        yield base


def _check_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("path", ["/gzip-bomb", "/endless"])
def test_body_is_read_raw_and_capped(
    body_server: str, path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tracemalloc.start()
    try:
        code, data = _check_json(capsys, body_server + path, "--origin", PAGE)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 0
    exchange = data["exchanges"][0]
    assert exchange["body_bytes_read"] <= MAX_BODY_BYTES
    assert exchange["body_truncated"] == "size"
    # Reading the whole body (or inflating the bomb) allocates 256 MiB.
    assert peak < 32 * 1024 * 1024
    assert _BodyHandler.sent.get(path, 0) < ENDLESS_LIMIT


def test_truncated_body_is_said_in_text(
    body_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", body_server + "/endless", "--origin", PAGE]) == 0
    assert "body: stopped reading after 65,536 bytes" in capsys.readouterr().out


def test_a_trickling_body_is_given_up_at_the_time_limit(
    body_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data = _check_json(capsys, body_server + "/trickle", "--origin", PAGE, "--timeout", "1")
    assert code == 0
    assert data["exchanges"][0]["body_truncated"] == "time"


class _SlowHeadHandler(BaseHTTPRequestHandler):
    """Answers with a head that never ends, one byte every 0.2 s: each read
    succeeds well within any read timeout."""

    def do_GET(self) -> None:
        try:
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            while True:
                for byte in b"X-Slow: y\r\n":
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
        except OSError:
            pass

    def log_message(self, *args: Any) -> None:
        pass


def test_a_head_that_never_ends_is_a_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(_SlowHeadHandler) as base:
        code = main(["check", base + "/", "--origin", PAGE, "--timeout", "1"])
    assert code == 2
    assert "no complete response head within 1 s" in capsys.readouterr().err


# --- bad URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("127.0.0.1:8000/items", "has no scheme; did you mean http://127.0.0.1:8000/items?"),
        ("localhost:8000/items", "did you mean http://localhost:8000/items?"),
        ("api.example.com/items", "did you mean https://api.example.com/items?"),
        ("http://[::1/items", "is not a valid URL: Invalid IPv6 URL"),
        ("http://127.0.0.1:99999/", "is not a valid URL"),
        ("http:///items", "it has no host"),
        ("ftp://example.com/", "only http and https"),
        ("http://127.0.0.1/" + "a" * 70_000, "70,017 characters long"),
    ],
)
def test_bad_url_is_one_line_and_exit_two(
    url: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", url, "--origin", "http://localhost:3000"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
    assert captured.err.count("\n") == 1
    assert len(captured.err) < 400


# --- explanations: one test per branch of a refused preflight -----------------------------


def _app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def crossorigin_server() -> Iterator[str]:
    app = CORSMiddleware(
        _app, allow_origins=[PAGE], allow_methods=["GET", "PUT"], allow_headers=["x-token"]
    )
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize(
    ("args", "asked"),
    [
        (["--origin", "http://evil.test", "-X", "PUT"], "origin http://evil.test, method PUT"),
        (["--origin", PAGE, "-X", "DELETE"], f"origin {PAGE}, method DELETE"),
        (["--origin", PAGE, "-X", "PUT", "-H", "X-Other: 1"], "method PUT, header x-other"),
    ],
)
def test_preflight_refused_by_crossorigin_says_what_was_asked(
    crossorigin_server: str, args: list[str], asked: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data = _check_json(capsys, crossorigin_server + "/items", *args)
    assert code == 1
    summary = data["explanation"]["summary"]
    assert "how crossorigin's middleware refuses a preflight" in summary
    assert asked in summary
    assert "debug=True" in summary
    assert "outermost" not in summary


def _explained(status: int, headers: list[list[str]], method: str = "PUT") -> str:
    from crossorigin.browser import simulate
    from crossorigin.explain import explain

    kind = "preflight" if method == "PUT" else "actual"
    scenario = {
        "page_origin": PAGE,
        "request": {"url": "http://127.0.0.1:8000/api", "method": method},
        "responses": {kind: {"status": status, "headers": headers}},
    }
    return explain(simulate(scenario), scenario).summary


def test_other_403_preflight_points_to_debug_if_crossorigin() -> None:
    summary = _explained(403, [["Content-Type", "text/html"]])
    assert "asked for origin http://127.0.0.1:3000, method PUT" in summary
    assert "If the server is crossorigin, debug=True" in summary
    assert "how crossorigin's middleware" not in summary


def test_preflight_error_status_blames_the_layer_order() -> None:
    summary = _explained(500, [["Vary", "Origin, Access-Control-Request-Method"]])
    assert "Its status is 500" in summary
    assert "outermost" in summary


def test_actual_error_status_blames_the_layer_order() -> None:
    summary = _explained(502, [], method="GET")
    assert "The response has no Access-Control-Allow-Origin" in summary
    assert "Its status is 502" in summary


def test_ok_status_without_allow_origin_says_nothing_about_status() -> None:
    summary = _explained(200, [], method="GET")
    assert "status" not in summary
