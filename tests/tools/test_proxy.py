"""The development proxy, run as the real `crossorigin proxy` process between a
real loopback upstream and real httpx clients."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from crossorigin import Engine, Policy
from crossorigin.proxy import ListenAddress, Target
from crossorigin.proxy.server import response_headers
from servers.processes import RunningCommand, running_command
from servers.upstream import running_upstream

READY = r"listening on http://127\.0\.0\.1:(\d+)"
POLICY_TOML = """
origins = ["http://localhost:3000", "https://*.example.com"]
methods = ["GET", "POST", "PUT"]
request_headers = ["content-type", "x-token"]
credentials = true
expose_headers = ["x-total"]
max_age = 600
"""
ALLOWED = "http://localhost:3000"
REFUSED = "https://evil.test"

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def policy_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("proxy") / "policy.toml"
    path.write_text(POLICY_TOML)
    return path


@pytest.fixture(scope="module")
def engine(policy_file: Path) -> Engine:
    return Engine(Policy.from_toml(policy_file))


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with running_upstream() as url:
        yield url


@pytest.fixture(scope="module")
def proxy(upstream: str, policy_file: Path) -> Iterator[RunningCommand]:
    args = ["proxy", "--target", upstream, "--listen", "127.0.0.1:0", "--policy", str(policy_file)]
    with running_command(args, READY) as running:
        yield running


@pytest.fixture(scope="module")
def base(proxy: RunningCommand) -> str:
    return f"http://127.0.0.1:{proxy.match.group(1)}"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as http:
        yield http


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {
        name: value
        for name, value in response.headers.items()
        if name.startswith("access-control-") or name == "vary"
    }


def expected(engine_headers: tuple[tuple[bytes, bytes], ...]) -> dict[str, str]:
    return {name.decode(): value.decode() for name, value in engine_headers}


# -- preflights: answered by the proxy from the engine ------------------------------------


def test_allowed_preflight_is_answered_by_the_engine(
    client: httpx.Client, base: str, engine: Engine, proxy: RunningCommand
) -> None:
    request_headers = {
        "Origin": ALLOWED,
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type,x-token",
    }
    response = client.options(f"{base}/status/500", headers=request_headers)
    decision = engine.decide("OPTIONS", list(request_headers.items()))
    # /status/500 would answer 500: the 204 proves the upstream was never asked.
    assert response.status_code == decision.status == 204
    assert cors_headers(response) == expected(decision.headers)
    assert "preflight allowed" in proxy.wait_for_log("OPTIONS /status/500")


def test_refused_preflight_gets_403_and_no_cors_headers(
    client: httpx.Client, base: str, engine: Engine, proxy: RunningCommand
) -> None:
    for origin, method, wanted in [
        (REFUSED, "PUT", ""),
        (ALLOWED, "DELETE", ""),
        (ALLOWED, "PUT", "authorization"),
    ]:
        request_headers = {"Origin": origin, "Access-Control-Request-Method": method}
        if wanted:
            request_headers["Access-Control-Request-Headers"] = wanted
        response = client.options(f"{base}/refused-{method}", headers=request_headers)
        decision = engine.decide("OPTIONS", list(request_headers.items()))
        assert response.status_code == 403
        assert cors_headers(response) == expected(decision.headers)
        assert not any(name.startswith("access-control-") for name in response.headers)
    line = proxy.wait_for_log("OPTIONS /refused-DELETE")
    assert "preflight refused: method-not-allowed" in line


def test_plain_options_goes_to_the_application(client: httpx.Client, base: str) -> None:
    response = client.options(f"{base}/status/405", headers={"Origin": ALLOWED})
    assert response.status_code == 405
    assert response.headers["access-control-allow-origin"] == ALLOWED


# -- actual requests: forwarded, engine headers added --------------------------------------


def test_allowed_request_gets_the_engines_headers(
    client: httpx.Client, base: str, engine: Engine
) -> None:
    response = client.get(f"{base}/anything", headers={"Origin": "https://app.example.com"})
    assert response.status_code == 200
    assert response.text == "ok\n"
    decision = engine.actual(b"https://app.example.com", "GET")
    assert cors_headers(response) == expected(decision.headers)


def test_refused_origin_passes_through_without_cors_headers(
    client: httpx.Client, base: str, proxy: RunningCommand
) -> None:
    response = client.get(f"{base}/refused-actual", headers={"Origin": REFUSED})
    assert response.status_code == 200
    assert cors_headers(response) == {"vary": "Origin"}
    line = proxy.wait_for_log("GET /refused-actual")
    assert "actual refused: origin-not-allowed" in line


def test_error_responses_keep_cors_headers(client: httpx.Client, base: str) -> None:
    response = client.post(f"{base}/status/500", headers={"Origin": ALLOWED}, content=b"x")
    assert response.status_code == 500
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert response.headers["access-control-allow-credentials"] == "true"


def test_upstream_cors_headers_are_replaced_and_vary_merged(
    client: httpx.Client, base: str, engine: Engine, proxy: RunningCommand
) -> None:
    response = client.get(f"{base}/cors", headers={"Origin": ALLOWED})
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-methods" not in response.headers
    assert response.headers["vary"] == "Accept-Encoding, Origin"
    assert "replaced by the policy's" in proxy.wait_for_log("GET /cors")
    refused = client.get(f"{base}/cors", headers={"Origin": REFUSED})
    assert "access-control-allow-origin" not in refused.headers


def test_only_host_and_hop_by_hop_headers_change(
    client: httpx.Client, base: str, upstream: str
) -> None:
    response = client.get(
        f"{base}/headers?q=1",
        headers={
            "Origin": ALLOWED,
            "X-Custom": "kept",
            "Connection": "keep-alive, X-Hop",
            "X-Hop": "dropped",
            "Keep-Alive": "timeout=5",
        },
    )
    seen = response.json()
    names = {name.lower(): value for name, value in seen["headers"]}
    assert seen["path"] == "/headers?q=1"
    assert names["host"] == upstream.removeprefix("http://")
    assert names["origin"] == ALLOWED
    assert names["x-custom"] == "kept"
    assert "x-hop" not in names
    assert "keep-alive" not in names


def test_target_path_prefix(upstream: str, policy_file: Path) -> None:
    args = ["proxy", "--target", upstream + "/status", "--listen", "127.0.0.1:0"]
    with running_command([*args, "--policy", str(policy_file)], READY) as running:
        response = httpx.get(f"http://127.0.0.1:{running.match.group(1)}/404", timeout=10)
    assert response.status_code == 404


def test_keep_alive_connection_carries_many_exchanges(client: httpx.Client, base: str) -> None:
    for index in range(20):
        origin = ALLOWED if index % 2 else REFUSED
        response = client.get(f"{base}/n/{index}", headers={"Origin": origin})
        assert response.status_code == 200
        assert ("access-control-allow-origin" in response.headers) == (origin == ALLOWED)


# -- streaming -------------------------------------------------------------------------

MIB = 1024 * 1024


def _download(base: str, size: int) -> int:
    received = 0
    with (
        httpx.Client(timeout=60) as http,
        http.stream("GET", f"{base}/bytes/{size}", headers={"Origin": ALLOWED}) as response,
    ):
        assert response.headers["access-control-allow-origin"] == ALLOWED
        for chunk in response.iter_raw(256 * 1024):
            received += len(chunk)
    return received


def test_download_streams_with_bounded_memory(base: str, proxy: RunningCommand) -> None:
    before = proxy.rss_kib()
    assert _download(base, 64 * MIB) == 64 * MIB
    grown = proxy.rss_kib("VmHWM") - before
    assert grown < 16 * 1024, f"proxy peak RSS grew {grown} KiB for a 64 MiB body"


def test_upload_streams_chunked_body(base: str, proxy: RunningCommand) -> None:
    size = 64 * MIB
    piece = bytes(range(256)) * 256

    def body() -> Iterator[bytes]:
        for _ in range(size // len(piece)):
            yield piece

    before = proxy.rss_kib()
    response = httpx.put(f"{base}/count", content=body(), headers={"Origin": ALLOWED}, timeout=60)
    assert response.status_code == 200
    assert response.json() == {
        "received": size,
        "checksum": (sum(piece) * (size // len(piece))) % (1 << 32),
    }
    assert response.headers["access-control-allow-origin"] == ALLOWED
    grown = proxy.rss_kib("VmHWM") - before
    assert grown < 16 * 1024, f"proxy peak RSS grew {grown} KiB for a 64 MiB upload"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_one_gigabyte_download_keeps_memory_flat(upstream: str, policy_file: Path) -> None:
    args = ["proxy", "--target", upstream, "--listen", "127.0.0.1:0", "--policy", str(policy_file)]
    with running_command(args, READY) as running:
        base = f"http://127.0.0.1:{running.match.group(1)}"
        _download(base, MIB)  # warm up: every code path loaded
        before = running.rss_kib()
        assert _download(base, 1024 * MIB) == 1024 * MIB
        grown = running.rss_kib("VmHWM") - before
    assert grown < 16 * 1024, f"proxy peak RSS grew {grown} KiB for a 1 GiB body"


# -- WebSocket -----------------------------------------------------------------------------


def _websocket_handshake(port: int, origin: str) -> tuple[bytes, socket.socket]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /ws HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {origin}\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        data = sock.recv(4096)
        if not data:
            break
        head += data
    return head, sock


def test_websocket_upgrade_is_spliced_for_allowed_origin(proxy: RunningCommand, base: str) -> None:
    port = int(proxy.match.group(1))
    head, sock = _websocket_handshake(port, ALLOWED)
    with sock:
        assert head.startswith(b"HTTP/1.1 101 ")
        assert b"sec-websocket-accept" in head.lower()
        for message in (b"hello", b"\x81\x05world", os.urandom(100_000)):
            sock.sendall(message)
            echoed = b""
            while len(echoed) < len(message):
                echoed += sock.recv(65536)
            assert echoed == message
    assert "websocket allowed" in proxy.wait_for_log("GET /ws origin=http://localhost:3000")


def test_websocket_from_refused_origin_is_refused(proxy: RunningCommand) -> None:
    port = int(proxy.match.group(1))
    head, sock = _websocket_handshake(port, REFUSED)
    sock.close()
    assert head.startswith(b"HTTP/1.1 403 ")
    assert "websocket refused: origin-not-allowed" in proxy.wait_for_log(
        f"GET /ws origin={REFUSED}"
    )


# -- failures --------------------------------------------------------------------------------


def test_unreachable_upstream_is_a_502_with_cors_headers(policy_file: Path) -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{placeholder.getsockname()[1]}"  # bound, not listening
        args = ["proxy", "--target", dead, "--listen", "127.0.0.1:0", "--policy", str(policy_file)]
        with running_command(args, READY) as running:
            response = httpx.get(
                f"http://127.0.0.1:{running.match.group(1)}/x",
                headers={"Origin": ALLOWED},
                timeout=10,
            )
            assert response.status_code == 502
            assert response.headers["access-control-allow-origin"] == ALLOWED
            assert "unreachable" in running.wait_for_log("GET /x")


def test_malformed_request_gets_400(proxy: RunningCommand) -> None:
    port = int(proxy.match.group(1))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nbad header line\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 400 ")


# -- the command line ------------------------------------------------------------------------


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crossorigin.cli", "proxy", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_invalid_allow_origin_lists_issues_and_exits_2() -> None:
    done = _run("--target", "http://127.0.0.1:9", "--allow-origin", "https://Example.com/")
    assert done.returncode == 2
    assert "problem" in done.stderr and "https://Example.com/" in done.stderr


def test_needs_origins_or_policy() -> None:
    done = _run("--target", "http://127.0.0.1:9")
    assert done.returncode == 2
    assert "--allow-origin" in done.stderr


def test_bad_target_and_listen_exit_2() -> None:
    assert _run("--target", "ftp://x", "--allow-origin", ALLOWED).returncode == 2
    done = _run("--target", "http://127.0.0.1:9", "--allow-origin", ALLOWED, "--listen", "nope")
    assert done.returncode == 2
    assert "HOST:PORT" in done.stderr


def test_warns_when_not_on_loopback() -> None:
    # 192.0.2.1 (TEST-NET-1) is never a local address: the warning is printed,
    # then binding fails, so nothing ever listens off loopback.
    done = _run(
        "--target", "http://127.0.0.1:9", "--allow-origin", ALLOWED, "--listen", "192.0.2.1:0"
    )
    assert "WARNING: listening on 192.0.2.1" in done.stderr
    assert done.returncode == 2


def test_allow_origin_form_and_any_origin_warning(upstream: str) -> None:
    args = ["proxy", "--target", upstream, "--listen", "127.0.0.1:0", "--allow-origin", "*"]
    with running_command(args, READY) as running:
        assert "allows ANY origin" in running.log_text()
        base = f"http://127.0.0.1:{running.match.group(1)}"
        preflight = httpx.options(
            f"{base}/x",
            headers={
                "Origin": "https://anyone.test",
                "Access-Control-Request-Method": "PATCH",
                "Access-Control-Request-Headers": "x-anything",
            },
            timeout=10,
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert preflight.headers["access-control-allow-methods"] == "*"


def test_listen_and_target_parsing() -> None:
    assert ListenAddress.parse("127.0.0.1:0") == ListenAddress("127.0.0.1", 0)
    assert ListenAddress.parse("[::1]:8080").is_loopback
    assert ListenAddress.parse("localhost:1").is_loopback
    assert not ListenAddress.parse("0.0.0.0:8080").is_loopback
    target = Target.parse("https://api.example.com/v1/")
    assert (target.host, target.port, target.path_prefix) == ("api.example.com", 443, "/v1")
    assert target.authority == b"api.example.com"
    assert Target.parse("http://[::1]:8000").authority == b"[::1]:8000"


def test_vary_merge() -> None:
    """The upstream's Vary and the engine's become one line (`edge.merge_vary`)."""
    decision = Engine(Policy(origins=["https://app.example.com"])).actual(
        b"https://app.example.com", "GET"
    )

    def vary(*upstream: bytes) -> list[bytes]:
        headers, _ = response_headers([(b"Vary", value) for value in upstream], decision)
        return [value for name, value in headers if name.lower() == b"vary"]

    assert vary(b"Accept-Encoding") == [b"Accept-Encoding, Origin"]
    assert vary(b"origin") == [b"origin"]
    assert vary(b"*") == [b"*"]
    assert vary(b"Cookie", b"Accept") == [b"Cookie, Accept, Origin"]
    assert json.dumps(vary()[0].decode()) == '"Origin"'
