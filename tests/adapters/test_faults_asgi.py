"""Faults around the ASGI adapter: the application fails, misbehaves, or the
client goes away. The middleware must neither hide the error nor corrupt the
response, and the CORS headers must be where the Fetch standard wants them
(on a 500 from an allowed origin, so the browser shows the 500 and not a CORS
error; never on anything for a refused origin).

In-process tests cover what no server lets an application do twice (two
`http.response.start` messages, reused message objects); a real uvicorn on
loopback covers the rest with a real client.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from crossorigin import Policy
from crossorigin.asgi import CORSMiddleware

ALLOWED = b"https://app.example.com"
REFUSED = b"https://evil.example"
POLICY = Policy(origins=["https://app.example.com"], credentials=True, expose_headers=["X-Total"])

Message = dict[str, Any]


def start(status: int = 200, headers: list[tuple[bytes, bytes]] | None = None) -> Message:
    return {"type": "http.response.start", "status": status, "headers": headers or []}


def body(data: bytes = b"ok", more: bool = False) -> Message:
    return {"type": "http.response.body", "body": data, "more_body": more}


async def call(
    app: Any, origin: bytes | None = ALLOWED, sent: list[Message] | None = None
) -> list[Message]:
    """Run one request through the middleware; the messages it sent (also
    collected in `sent`, so they can be read when the call raises)."""
    sent = [] if sent is None else sent

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [(b"host", b"api.example.com")]
    if origin is not None:
        headers.append((b"origin", origin))
    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers, "scheme": "http"}
    await CORSMiddleware(app, policy=POLICY)(scope, receive, send)
    return sent


def names(message: Message) -> list[bytes]:
    return [name for name, _ in message["headers"]]


def value(message: Message, name: bytes) -> bytes | None:
    values = [v for n, v in message["headers"] if n == name]
    assert len(values) <= 1, f"{name!r} sent {len(values)} times"
    return values[0] if values else None


# -- the application raises -------------------------------------------------------------


class Boom(Exception):
    pass


async def raises_before_start(scope: Any, receive: Any, send: Any) -> None:
    raise Boom("before start")


async def raises_after_start(scope: Any, receive: Any, send: Any) -> None:
    await send(start())
    await send(body(b"partial", more=True))
    raise Boom("after start")


def test_raise_before_start_refused_origin_gets_a_500_without_cors_headers() -> None:
    sent: list[Message] = []

    async def run() -> None:
        await call(raises_before_start, REFUSED, sent)

    with pytest.raises(Boom):
        asyncio.run(run())
    # The error is answered (and re-raised), but a refused origin learns nothing.
    assert sent[0]["status"] == 500
    assert value(sent[0], b"access-control-allow-origin") is None
    assert value(sent[0], b"vary") == b"Origin"


def test_raise_after_start_is_re_raised_without_a_second_response() -> None:
    sent: list[Message] = []

    async def run() -> None:
        await call(raises_after_start, sent=sent)

    with pytest.raises(Boom, match="after start"):
        asyncio.run(run())
    # Exactly what the app sent, with the CORS headers; no 500 bolted on after
    # the headers went out.
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert len(starts) == 1 and starts[0]["status"] == 200
    assert value(starts[0], b"access-control-allow-origin") == ALLOWED
    assert [m.get("body") for m in sent if m["type"] == "http.response.body"] == [b"partial"]


def test_cancellation_before_start_is_not_turned_into_a_500() -> None:
    async def cancelled(scope: Any, receive: Any, send: Any) -> None:
        raise asyncio.CancelledError

    async def run() -> list[Message]:
        return await call(cancelled)

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(run())


def test_preflight_never_reaches_a_failing_app() -> None:
    async def run() -> list[Message]:
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.request"}

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "OPTIONS",
            "path": "/",
            "scheme": "http",
            "headers": [(b"origin", ALLOWED), (b"access-control-request-method", b"GET")],
        }
        await CORSMiddleware(raises_before_start, policy=POLICY)(scope, receive, send)
        return sent

    sent = asyncio.run(run())
    assert sent[0]["status"] == 204 and value(sent[0], b"access-control-allow-origin") == ALLOWED


# -- the application sends headers twice, or none ------------------------------------------


def test_start_sent_twice_is_passed_through_with_one_set_of_cors_headers() -> None:
    async def twice(scope: Any, receive: Any, send: Any) -> None:
        await send(start(200))
        await send(start(201))
        await send(body())

    sent = asyncio.run(call(twice))
    # The server, not the middleware, is the one to reject a second start; the
    # middleware forwards both, the first with one set of CORS headers and the
    # second (an application bug ASGI servers refuse) exactly as it came.
    starts = [m for m in sent if m["type"] == "http.response.start"]
    assert [m["status"] for m in starts] == [200, 201]
    assert names(starts[0]).count(b"access-control-allow-origin") == 1
    assert starts[1] == start(201)


def test_no_response_at_all_becomes_a_500_with_cors_headers() -> None:
    async def silent(scope: Any, receive: Any, send: Any) -> None:
        return None

    sent = asyncio.run(call(silent))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 500
    assert names(sent[0]).count(b"access-control-allow-origin") == 1


def test_a_reused_start_message_is_not_modified() -> None:
    shared = start(200, [(b"content-type", b"text/plain")])

    async def constant(scope: Any, receive: Any, send: Any) -> None:
        await send(shared)
        await send(body())

    policy_origins = Policy(origins=["https://a.example", "https://b.example"])

    async def run(origin: bytes) -> Message:
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.request"}

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": "/",
            "scheme": "http",
            "headers": [(b"origin", origin)],
        }
        await CORSMiddleware(constant, policy=policy_origins)(scope, receive, send)
        return sent[0]

    asyncio.run(run(b"https://a.example"))
    second = asyncio.run(run(b"https://b.example"))
    assert value(second, b"access-control-allow-origin") == b"https://b.example"
    assert shared["headers"] == [(b"content-type", b"text/plain")]


# -- under a real server ---------------------------------------------------------------------


async def server_app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path == "/before":
        raise Boom("before start")
    if path == "/after":
        await raises_after_start(scope, receive, send)
    elif path == "/none":
        return
    elif path == "/twice":
        await send(start(200))
        await send(start(200))
        await send(body())
    elif path == "/stream":
        await send(start(200, [(b"content-type", b"application/octet-stream")]))
        for _ in range(2000):
            await send(body(b"x" * 65536, more=True))
            await asyncio.sleep(0)
        await send(body(b""))
    else:
        await send(start(200, [(b"content-type", b"text/plain")]))
        await send(body())


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = CORSMiddleware(server_app, policy=POLICY)
    config = uvicorn.Config(app, log_level="critical", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def get(base_url: str, path: str, origin: bytes = ALLOWED) -> httpx.Response:
    return httpx.get(base_url + path, headers={"Origin": origin.decode()}, timeout=10)


def test_over_http_raise_before_start_is_a_500_with_cors_headers(base_url: str) -> None:
    response = get(base_url, "/before")
    assert response.status_code == 500
    assert response.headers["access-control-allow-origin"] == ALLOWED.decode()
    assert response.headers["access-control-allow-credentials"] == "true"
    refused = get(base_url, "/before", REFUSED)
    assert refused.status_code == 500 and "access-control-allow-origin" not in refused.headers


def test_over_http_raise_after_start_aborts_the_response(base_url: str) -> None:
    # Headers (with CORS) already went out as 200; the server can only cut the
    # body short. The client must see a broken response, never a clean one.
    with pytest.raises(httpx.RemoteProtocolError):
        get(base_url, "/after")
    assert get(base_url, "/ok").status_code == 200  # the server is still healthy


def test_over_http_two_starts_abort_the_response(base_url: str) -> None:
    # uvicorn refuses the second start: the first one's headers (with exactly
    # one set of CORS headers) are out, then the body is cut short.
    with httpx.stream("GET", base_url + "/twice", headers={"Origin": ALLOWED.decode()}) as response:
        assert response.status_code == 200
        assert response.headers.get_list("access-control-allow-origin") == [ALLOWED.decode()]
        with pytest.raises(httpx.RemoteProtocolError):
            response.read()
    assert get(base_url, "/ok").status_code == 200


def test_over_http_no_response_is_the_servers_500(base_url: str) -> None:
    assert get(base_url, "/none").status_code == 500


def test_over_http_no_response_500_carries_cors_headers(base_url: str) -> None:
    response = get(base_url, "/none")
    assert response.headers.get("access-control-allow-origin") == ALLOWED.decode()


def test_over_http_client_disconnects_mid_stream(base_url: str) -> None:
    host, port = base_url.removeprefix("http://").split(":")
    for _ in range(5):
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"GET /stream HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.com\r\n\r\n"
            )
            head = sock.recv(65536)
            assert head.startswith(b"HTTP/1.1 200")
            assert b"access-control-allow-origin: https://app.example.com" in head.lower()
        # closed mid-stream: the app's next send fails inside the server
    response = get(base_url, "/ok")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED.decode()
