"""Faults around the WSGI adapter under a real WSGI server (waitress, on
loopback): the application raises before or after starting its response,
calls `start_response` twice or never, or the client disconnects
mid-stream. The middleware must neither hide the error nor corrupt the
response; CORS headers go where the Fetch standard wants them.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpx
import pytest

from crossorigin import Policy
from crossorigin.wsgi import CORSMiddleware

waitress = pytest.importorskip("waitress")
from waitress.server import create_server  # noqa: E402

ALLOWED = "https://app.example.com"
REFUSED = "https://evil.example"
POLICY = Policy(origins=[ALLOWED], credentials=True)
closed: list[str] = []


class Boom(Exception):
    pass


exc_info = sys.exc_info


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ["PATH_INFO"]
    if path == "/before":
        raise Boom("before start")
    if path == "/generator-before":
        return generator_raising_before_start(start_response)
    if path == "/after":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return generator_raising_after_first_chunk()
    if path == "/twice":
        start_response("200 OK", [("Content-Type", "text/plain")])
        start_response("201 Created", [("Content-Type", "text/plain")])
        return [b"ok"]
    if path == "/exc-info":
        start_response("200 OK", [("Content-Type", "text/plain")])
        try:
            raise Boom("handled")
        except Boom:
            import sys

            start_response(
                "503 Service Unavailable", [("Content-Type", "text/plain")], sys.exc_info()
            )
        return [b"sorry"]
    if path == "/none":
        return [b"no start_response"]
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return ClosingStream()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def generator_raising_before_start(start_response: Callable[..., Any]) -> Iterator[bytes]:
    raise Boom("generator before start")
    yield b""  # a generator: start_response would run on first iteration


def generator_raising_after_first_chunk() -> Iterator[bytes]:
    yield b"partial"
    raise Boom("after start")


class ClosingStream:
    """A long body that records whether the server called close()."""

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(20_000):
            yield b"x" * 65536

    def close(self) -> None:
        closed.append("stream")


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = create_server(
        CORSMiddleware(application, policy=POLICY), host="127.0.0.1", port=0, threads=4
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


def get(base_url: str, path: str, origin: str = ALLOWED) -> httpx.Response:
    return httpx.get(base_url + path, headers={"Origin": origin}, timeout=10)


def test_raise_before_start_is_a_500_with_cors_headers(base_url: str) -> None:
    response = get(base_url, "/before")
    assert response.status_code == 500
    assert response.headers["access-control-allow-origin"] == ALLOWED
    refused = get(base_url, "/before", REFUSED)
    assert refused.status_code == 500
    assert "access-control-allow-origin" not in refused.headers
    assert refused.headers["vary"] == "Origin"


def test_generator_raising_before_start_is_a_500_with_cors_headers(base_url: str) -> None:
    response = get(base_url, "/generator-before")
    assert response.status_code == 500
    assert response.headers.get("access-control-allow-origin") == ALLOWED


def test_generator_raising_before_start_is_still_a_500(base_url: str) -> None:
    assert get(base_url, "/generator-before").status_code == 500


def test_raise_after_start_cuts_the_response_short(base_url: str) -> None:
    with httpx.stream("GET", base_url + "/after", headers={"Origin": ALLOWED}) as response:
        assert response.status_code == 200
        assert response.headers.get_list("access-control-allow-origin") == [ALLOWED]
        with pytest.raises(httpx.RemoteProtocolError):
            response.read()
    assert get(base_url, "/ok").status_code == 200


def test_start_response_twice_without_exc_info_is_an_error_not_a_response(
    base_url: str,
) -> None:
    # PEP 3333: a second call without exc_info is an error; the server answers 500.
    response = get(base_url, "/twice")
    assert response.status_code == 500


def test_start_response_again_with_exc_info_replaces_the_headers(base_url: str) -> None:
    response = get(base_url, "/exc-info")
    assert response.status_code == 503
    assert response.headers.get_list("access-control-allow-origin") == [ALLOWED]
    assert response.text == "sorry"


def test_no_start_response_is_the_servers_error(base_url: str) -> None:
    assert get(base_url, "/none").status_code == 500


def test_client_disconnect_mid_stream_closes_the_iterable(base_url: str) -> None:
    host, port = base_url.removeprefix("http://").split(":")
    closed.clear()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /stream HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.com\r\n\r\n")
        head = sock.recv(65536)
        assert head.startswith(b"HTTP/1.1 200")
        assert b"access-control-allow-origin: https://app.example.com" in head.lower()
    deadline = time.monotonic() + 10
    while not closed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert closed == ["stream"]  # PEP 3333 close() reached the app through the middleware
    assert get(base_url, "/ok").headers["access-control-allow-origin"] == ALLOWED
