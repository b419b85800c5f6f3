"""The proxy against hostile and careless clients: DNS rebinding, request
smuggling, dot segments, repeated `Origin`, slowloris, terminal escapes, and
the rough edges a developer meets (credentials, disconnects, 502s).

Real sockets on loopback throughout: the real `crossorigin proxy` process, or
a `CORSProxy` served in a thread when a test needs small limits.
"""

from __future__ import annotations

import asyncio
import os
import resource
import shlex
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from crossorigin import Engine, Policy
from crossorigin.proxy import CORSProxy, Limits, ListenAddress, Target, serve
from crossorigin.proxy.server import default_max_connections
from servers.processes import RunningCommand, running_command
from servers.upstream import running_upstream

READY = r"listening on http://127\.0\.0\.1:(\d+)"
ALLOWED = "http://localhost:3000"

pytestmark = pytest.mark.timeout(90)


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with running_upstream() as url:
        yield url


@pytest.fixture(scope="module")
def proxy(upstream: str) -> Iterator[RunningCommand]:
    # The README's line for a React app with a bearer token, on free ports.
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    line = next(
        line
        for line in readme.splitlines()
        if line.startswith("crossorigin proxy ") and "--allow-header Authorization" in line
    )
    args = shlex.split(line)[1:]
    args[args.index("--target") + 1] = upstream
    assert args[args.index("--allow-origin") + 1] == ALLOWED
    with running_command([*args, "--listen", "127.0.0.1:0"], READY) as running:
        yield running


@pytest.fixture(scope="module")
def port(proxy: RunningCommand) -> int:
    return int(proxy.match.group(1))


def exchange(port: int, request: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes; everything the proxy answers until it closes (or the
    head and a short body when it keeps the connection open)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        received = b""
        with suppress(TimeoutError, ConnectionResetError):
            sock.settimeout(2)
            while data := sock.recv(65536):
                received += data
    return received


def get(port: int, target: str = "/headers", host: str | None = None, extra: str = "") -> bytes:
    host = host if host is not None else f"127.0.0.1:{port}"
    closing = "" if "Connection:" in extra else "Connection: close\r\n"
    request = f"GET {target} HTTP/1.1\r\nHost: {host}\r\n{extra}{closing}\r\n"
    return exchange(port, request.encode("latin-1"))


# -- #12.7: Host names this proxy (DNS rebinding) --------------------------------------------


def test_a_foreign_host_is_refused_421_and_never_forwarded(
    port: int, proxy: RunningCommand
) -> None:
    # A page on http://rebind.evil.test:PORT whose name now resolves to 127.0.0.1.
    answer = get(port, "/status/500", host=f"rebind.evil.test:{port}")
    assert answer.startswith(b"HTTP/1.1 421 Misdirected Request\r\n")
    assert b"DNS rebinding" in answer
    assert b"status page" not in answer  # the upstream never saw it
    assert "421 refused by the proxy" in proxy.wait_for_log("GET /status/500")


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
def test_the_listen_address_names_are_accepted(port: int, name: str) -> None:
    assert get(port, "/", host=f"{name}:{port}").startswith(b"HTTP/1.1 200 OK\r\n")


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.0.0.1:1", "localhost.:{port}", "127.0.0.2:{port}", "x.localhost:{port}"],
)
def test_other_ports_and_spellings_are_refused(port: int, host: str) -> None:
    answer = get(port, "/", host=host.format(port=port))
    assert answer.startswith(b"HTTP/1.1 421 ")


def test_missing_or_repeated_host_is_400(port: int) -> None:
    assert exchange(port, b"GET / HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    twice = f"Host: 127.0.0.1:{port}\r\nHost: evil.test\r\n"
    assert exchange(port, f"GET / HTTP/1.1\r\n{twice}\r\n".encode()).startswith(b"HTTP/1.1 400 ")


def test_websocket_same_origin_comes_from_the_listen_address(port: int) -> None:
    # Before: Origin == "http://" + Host counted as the proxy's own origin,
    # whatever the Host, so a rebinding page passed the WebSocket check.
    evil = f"http://evil.test:{port}"
    answer = get(port, "/ws", host=f"evil.test:{port}", extra=_websocket_lines(evil))
    assert answer.startswith(b"HTTP/1.1 421 ")
    # A page served by the proxy itself (any of its names) is same-origin.
    own = f"http://localhost:{port}"
    answer = get(port, "/ws", extra=_websocket_lines(own))
    assert answer.startswith(b"HTTP/1.1 101 ")


def test_listen_address_names() -> None:
    loopback = ListenAddress("127.0.0.1", 0).own_address(8080)
    assert loopback.hosts == {b"127.0.0.1:8080", b"localhost:8080", b"[::1]:8080"}
    assert ListenAddress("::1", 0).own_address(80).hosts >= {b"[::1]", b"localhost:80"}
    lan = ListenAddress("192.0.2.7", 0).own_address(8080)
    assert lan.hosts == {b"192.0.2.7:8080"}
    # A wildcard listener knows only the address each connection arrived on.
    assert ListenAddress("0.0.0.0", 0).own_address(8080, "192.0.2.7") == lan
    assert ListenAddress("::", 0).own_address(8080, "::ffff:192.0.2.7") == lan
    assert b"localhost:8080" in ListenAddress("0.0.0.0", 0).own_address(8080, "127.0.0.1").hosts


# -- #12.8: framing, repeated Origin, dot segments ----------------------------------------------


def test_content_length_with_transfer_encoding_is_refused(port: int, proxy: RunningCommand) -> None:
    # CL.TE smuggling: a Content-Length-first upstream would read "0\r\n\r\n"
    # as the end and "GET /smuggled" as a second request.
    smuggled = b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
    request = (
        f"POST /count HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode() + smuggled
    answer = exchange(port, request)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"RFC 9112" in answer
    assert answer.count(b"HTTP/1.1 ") == 1
    assert "Content-Length and Transfer-Encoding" in proxy.wait_for_log("POST /count")


def test_repeated_origin_never_opens_a_websocket(port: int) -> None:
    lines = _websocket_lines(ALLOWED) + "Origin: https://evil.test\r\n"
    answer = get(port, "/ws", extra=lines)
    assert answer.startswith(b"HTTP/1.1 403 Forbidden\r\n")


@pytest.mark.parametrize(
    "path",
    [
        "/../headers",
        "/a/../../headers",
        "/%2e%2e/headers",
        "/.%2E/headers",
        "/..%2fheaders",
        "/..%5Cheaders",
        "/..\\headers",
        "/..;/headers",
        "/./headers",
        "/..",
    ],
)
def test_dot_segments_cannot_leave_the_target_prefix(upstream: str, path: str) -> None:
    args = ["proxy", "--target", upstream + "/api", "--listen", "127.0.0.1:0"]
    with running_command([*args, "--allow-origin", ALLOWED], READY) as running:
        answer = get(int(running.match.group(1)), path)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert b"'..' segment" in answer


def test_dotted_names_that_are_not_dot_segments_pass(upstream: str) -> None:
    args = ["proxy", "--target", upstream, "--listen", "127.0.0.1:0", "--allow-origin", ALLOWED]
    with running_command(args, READY) as running:
        port = int(running.match.group(1))
        for path in ("/headers?next=/../x", "/headers/...", "/headers/a..b", "/headers/.well"):
            assert get(port, path).startswith(b"HTTP/1.1 200 "), path


def test_absolute_form_target_is_refused(port: int) -> None:
    answer = get(port, f"http://127.0.0.1:{port}/headers")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"origin-form" in answer


# -- #12.5: hostile values in the log -------------------------------------------------------------


def test_log_escapes_hostile_header_values(port: int, proxy: RunningCommand) -> None:
    hostile = "http://x\x1b[2J\x1b]0;pwned\x07\x9b31m"
    request = (
        f"GET /escape HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {hostile}\r\n"
        "Connection: close\r\n\r\n"
    )
    exchange(port, request.encode("latin-1"))
    exchange(port, f"GET /escape-host HTTP/1.1\r\nHost: {hostile}\r\n\r\n".encode("latin-1"))
    line = proxy.wait_for_log("GET /escape ")
    assert "origin=http://x\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m" in line
    refused = proxy.wait_for_log("GET /escape-host")
    assert "\\x1b[2J" in refused
    assert not any(ch in proxy.log_text() for ch in "\x1b\x07\x9b")


# -- #13.8: the command's rough edges --------------------------------------------------------


def test_allow_header_adds_to_the_default_for_a_react_call(
    port: int, proxy: RunningCommand
) -> None:
    base = f"http://127.0.0.1:{port}"
    preflight = httpx.options(
        f"{base}/items",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
        timeout=10,
    )
    assert preflight.status_code == 204
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed
    actual = httpx.post(
        f"{base}/count",
        headers={"Origin": ALLOWED, "Authorization": "Bearer t0k3n"},
        json={"name": "x"},
        timeout=10,
    )
    assert actual.status_code == 200
    assert actual.headers["access-control-allow-origin"] == ALLOWED


def test_allow_header_help_says_it_adds() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crossorigin.cli", "proxy", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "adds to the default" in " ".join(done.stdout.split())


def test_cookie_without_credentials_policy_is_not_logged_as_allowed(
    port: int, proxy: RunningCommand
) -> None:
    get(port, "/with-cookie", extra=f"Origin: {ALLOWED}\r\nCookie: session=1\r\n")
    line = proxy.wait_for_log("GET /with-cookie")
    assert "the browser will refuse to share a credentialed response" in line
    assert "policy has credentials=false" in line
    get(port, "/without-cookie", extra=f"Origin: {ALLOWED}\r\nAuthorization: Bearer x\r\n")
    assert "actual allowed" in proxy.wait_for_log("GET /without-cookie")


def test_client_disconnect_mid_download_is_logged(port: int, proxy: RunningCommand) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.sendall(
            f"GET /bytes/{256 * 1024 * 1024} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        )
        assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
    line = proxy.wait_for_log(f"GET /bytes/{256 * 1024 * 1024}", timeout=30)
    assert "client closed the connection" in line


def test_unreachable_upstream_502_says_bad_gateway_and_why() -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{placeholder.getsockname()[1]}"  # bound, not listening
        args = ["proxy", "--target", dead, "--listen", "127.0.0.1:0", "--allow-origin", ALLOWED]
        with running_command(args, READY) as running:
            answer = get(int(running.match.group(1)), "/x", extra=f"Origin: {ALLOWED}\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 502 Bad Gateway\r\n")
    assert f"upstream {dead} unreachable".encode() in body
    assert os.strerror(111).encode() in body or b"Connect call failed" in body


# -- #12.8: connection cap and head deadline (slowloris) ----------------------------------------


@dataclass
class InThread:
    port: int
    proxy: CORSProxy
    lines: list[str]


@contextmanager
def proxy_in_thread(target: str, limits: Limits) -> Iterator[InThread]:
    """A `CORSProxy` with `limits`, served by an event loop in a thread."""
    lines: list[str] = []
    policy = Policy(origins=[ALLOWED])
    proxy = CORSProxy(
        Engine(policy),
        Target.parse(target),
        ListenAddress("127.0.0.1", 0),
        log=lines.append,
        limits=limits,
    )
    started = threading.Event()
    state: dict[str, object] = {}

    async def main() -> None:
        server = await serve(proxy)
        state["port"] = server.sockets[0].getsockname()[1]
        stop = asyncio.Event()
        state["stop"] = (asyncio.get_running_loop(), stop)
        started.set()
        await stop.wait()
        server.close()

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    assert started.wait(10)
    try:
        yield InThread(int(state["port"]), proxy, lines)  # type: ignore[call-overload]
    finally:
        loop, stop = state["stop"]  # type: ignore[misc]
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)


def test_head_deadline_is_total_not_reset_by_each_byte(upstream: str) -> None:
    with proxy_in_thread(upstream, Limits(head_timeout=1.0)) as running:
        with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\n")
            answer = b""
            sent = 0
            # One byte every 0.1 s for at most 15 s: an idle timer would never fire.
            while sent < 150:
                with suppress(BlockingIOError, ConnectionError, OSError):
                    sock.sendall(b"X")
                time.sleep(0.1)
                sent += 1
                sock.setblocking(False)
                with suppress(BlockingIOError):
                    answer += sock.recv(4096)
                sock.setblocking(True)
                if answer:
                    break
        assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), answer
        assert sent < 150
        assert any("did not arrive within 1 s" in line for line in running.lines)


def test_connection_cap_evicts_the_longest_waiting_connection(upstream: str) -> None:
    with proxy_in_thread(upstream, Limits(max_connections=4)) as running:
        idle = [socket.create_connection(("127.0.0.1", running.port)) for _ in range(4)]
        for sock in idle:
            sock.sendall(b"GET / HTTP/1.1\r\n")  # a head that never ends
        _wait_for(lambda: running.proxy.connection_count == 4)
        answer = get(running.port, "/", host=f"127.0.0.1:{running.port}")
        assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
        idle[0].settimeout(5)
        with suppress(ConnectionResetError):  # the oldest was closed to make room
            assert idle[0].recv(10) == b""
        for sock in idle:
            sock.close()
        assert running.proxy.connection_count <= 4


def test_connection_cap_answers_503_when_every_connection_is_busy(upstream: str) -> None:
    with proxy_in_thread(upstream, Limits(max_connections=2)) as running:
        busy = []
        for _ in range(2):  # downloads nobody reads: mid-exchange, not evictable
            sock = socket.create_connection(("127.0.0.1", running.port))
            sock.sendall(
                f"GET /bytes/{1 << 30} HTTP/1.1\r\nHost: 127.0.0.1:{running.port}\r\n\r\n".encode()
            )
            busy.append(sock)
        _wait_for(lambda: running.proxy.connection_count == 2 and _all_busy(running.proxy))
        answer = get(running.port, "/")
        assert answer.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
        for sock in busy:
            sock.close()


def _all_busy(proxy: CORSProxy) -> bool:
    return all(conn.busy for conn in list(proxy._connections))


def _wait_for(condition: object, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def test_default_cap_fits_the_descriptor_limit() -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    cap = default_max_connections()
    assert 8 <= cap <= 1024
    assert 2 * cap + 32 <= max(soft, 48)


def _limit_descriptors() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


@pytest.mark.timeout(120)
def test_slowloris_with_300_connections_does_not_lock_out_a_real_request(
    upstream: str, tmp_path: Path
) -> None:
    # The reported reproduction: the proxy with 256 descriptors, 300 clients
    # trickling a never-ending head, then one ordinary request.
    log = (tmp_path / "proxy.log").open("w+")
    args = ["proxy", "--target", upstream, "--listen", "127.0.0.1:0", "--allow-origin", ALLOWED]
    process = subprocess.Popen(
        [sys.executable, "-m", "crossorigin.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=log,
        preexec_fn=_limit_descriptors,
    )
    attackers: list[socket.socket] = []
    stop = threading.Event()
    try:
        port = _port_from_log(log)
        for _ in range(300):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
            attackers.append(sock)

        def trickle() -> None:
            while not stop.wait(0.5):
                for sock in attackers:
                    with suppress(OSError):
                        sock.send(b"X-a: b\r\n")

        threading.Thread(target=trickle, daemon=True).start()
        response = httpx.get(f"http://127.0.0.1:{port}/", timeout=15)
        assert response.status_code == 200
        assert response.text == "ok\n"
    finally:
        stop.set()
        for sock in attackers:
            sock.close()
        process.terminate()
        process.wait(10)
        log.close()


def _port_from_log(log: object) -> int:
    import re

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        log.seek(0)  # type: ignore[attr-defined]
        match = re.search(READY, log.read())  # type: ignore[attr-defined]
        if match:
            return int(match.group(1))
        time.sleep(0.05)
    raise AssertionError("proxy did not start")


def _websocket_lines(origin: str) -> str:
    return (
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: {origin}\r\n"
    )
