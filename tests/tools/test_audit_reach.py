"""Politeness and reach: `--rate` and `--global-rate` (the schedule, and a
live lower bound), `-H`/`--cookie` on probe GETs only and redacted in every
report, `--proxy` through a loopback proxy (absolute form for http, CONNECT
and TLS end to end for https)."""

from __future__ import annotations

import asyncio
import json
import select
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest

from audit_zoo.server import RunningZoo, running_zoo
from crossorigin.audit.pacing import Pacer
from crossorigin.audit.scanner import REDACTED
from crossorigin.audit.transport import ConnectError, KeepAliveTransport, Proxy
from crossorigin.cli import main
from servers.raw_tcp import raw_tcp

SITE = "https://www.example.com"
SECRET = "s3cr3t-token-4f9a"


@pytest.fixture(scope="module")
def zoo() -> Iterator[RunningZoo]:
    with running_zoo(SITE) as running:
        yield running


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["audit", "--no-progress", "--seed", "1", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- rate limits ---------------------------------------------------------------------------


def test_a_domain_gets_one_request_per_interval_and_others_are_independent() -> None:
    pacer = Pacer(per_domain=5)
    assert [pacer.reserve("example.com", 100.0) for _ in range(4)] == pytest.approx(
        [0.0, 0.2, 0.4, 0.6]
    )
    assert pacer.reserve("example.org", 100.0) == 0.0  # another site goes at once
    assert pacer.reserve("example.com", 101.0) == pytest.approx(0.0)  # idle again


def test_the_global_rate_caps_every_domain_together() -> None:
    pacer = Pacer(per_domain=100, overall=10)
    delays = [pacer.reserve(f"site{n}.test", 0.0) for n in range(5)]
    assert delays == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    # The domain's own interval counts from its (later) send time.
    assert pacer.reserve("site0.test", 0.0) == pytest.approx(0.5)


def test_idle_domains_are_forgotten() -> None:
    pacer = Pacer(per_domain=1000)
    for n in range(10_000):
        pacer.reserve(f"site{n}.test", float(n))  # each idle long before the next
    assert pacer.domains_tracked < 5000


def test_no_rate_means_no_wait() -> None:
    pacer = Pacer()
    assert not pacer.active
    assert [pacer.reserve("a", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]


def test_rate_holds_against_a_live_server(
    zoo: RunningZoo, capsys: pytest.CaptureFixture[str]
) -> None:
    """A lower bound only (sleeping guarantees it, a slow machine only adds):
    N requests at R per second span at least (N - 1) / R seconds."""
    zoo.stats(reset=True)
    before = zoo.request_count()
    rate = 40.0
    code, _, _ = _cli(
        capsys, "--site", SITE, "--rate", str(rate), "--format", "json",
        "--fail-on", "never", zoo.url("engine-allowlist"),
    )  # fmt: skip
    assert code == 0
    stats = zoo.stats()
    sent = int(stats["count"] or 0) - before
    assert sent > 20
    first, last = stats["first"], stats["last"]
    assert first is not None and last is not None
    assert last - first >= 0.8 * (sent - 1) / rate


# -- authenticated probes --------------------------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    """Reflects any Origin with credentials, but only to a logged-in user
    (the Authorization header): what only an authenticated audit sees."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, dict[str, str]]]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        self.seen.append((self.command, dict(self.headers.items())))
        origin = self.headers.get("Origin")
        self.send_response_only(204 if self.command == "OPTIONS" else 200)
        if origin and self.headers.get("Authorization") == f"Bearer {SECRET}":
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Credentials", "true")
        self.send_header("Vary", "Origin")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_OPTIONS = do_CROSSORIGINPROBE = _answer


@contextmanager
def recording_server() -> Iterator[tuple[str, list[tuple[str, dict[str, str]]]]]:
    seen: ClassVar[list[tuple[str, dict[str, str]]]] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/me", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_credentials_go_with_gets_only_and_never_into_reports(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with recording_server() as (url, seen):
        for output_format in ("json", "text", "sarif", "jsonl"):
            code, out, err = _cli(
                capsys, "--format", output_format, "-H", f"Authorization: Bearer {SECRET}",
                "--cookie", f"session={SECRET}", url,
            )  # fmt: skip
            assert code == 1, err
            assert SECRET not in out and SECRET not in err
            assert REDACTED in out
    gets = [headers for method, headers in seen if method == "GET"]
    preflights = [headers for method, headers in seen if method == "OPTIONS"]
    assert gets and preflights
    assert all(headers.get("Authorization") == f"Bearer {SECRET}" for headers in gets)
    assert all(headers.get("Cookie") == f"session={SECRET}" for headers in gets)
    # Browsers send preflights without credentials: so does the audit.
    assert not any("Authorization" in headers or "Cookie" in headers for headers in preflights)


def test_the_finding_needs_the_login_and_show_secrets_shows_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with recording_server() as (url, _):
        code, out, _ = _cli(capsys, "--format", "json", url)
        assert code == 0  # anonymous: nothing reflected
        code, out, _ = _cli(
            capsys, "--format", "json", "--show-secrets",
            "-H", f"Authorization: Bearer {SECRET}", url,
        )  # fmt: skip
    assert code == 1
    (target,) = json.loads(out)["targets"]
    (finding,) = target["findings"]
    assert finding["class"] == "origin-reflected"
    headers = finding["evidence"]["request"]["headers"]
    assert ["Authorization", f"Bearer {SECRET}"] in headers
    assert ["Cookie", "crossorigin_audit=1"] in headers  # the dummy cookie, not secret


@pytest.mark.parametrize(
    "header",
    [f"Authorization {SECRET}", f"Authorization: {SECRET}\r\nX: y", f"Origin: {SECRET}", ": x"],
)
def test_bad_headers_are_refused_without_echoing_the_value(
    header: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(capsys, "-H", header, "http://127.0.0.1:9/")
    assert code == 2
    assert SECRET not in out + err and "Traceback" not in err


# -- proxy -----------------------------------------------------------------------------


@contextmanager
def loopback_proxy() -> Iterator[tuple[str, list[str], list[str]]]:
    """A small forward proxy: CONNECT tunnels, absolute-form requests
    forwarded in origin form; records each request line and each
    Proxy-Authorization it got."""
    lines: list[str] = []
    authorizations: list[str] = []

    def pipe(
        client: socket.socket, upstream: socket.socket, pending: bytes, stop: threading.Event
    ) -> None:
        if pending:
            upstream.sendall(pending)
        sockets = [client, upstream]
        while not stop.is_set():
            ready, _, _ = select.select(sockets, [], [], 0.1)
            for source in ready:
                data = source.recv(65536)
                if not data:
                    return
                (upstream if source is client else client).sendall(data)

    def read_head(source: socket.socket, buffered: bytes) -> tuple[bytes, bytes] | None:
        while b"\r\n\r\n" not in buffered:
            chunk = source.recv(65536)
            if not chunk:
                return None
            buffered += chunk
        head, _, rest = buffered.partition(b"\r\n\r\n")
        return head, rest

    def relay_response(upstream: socket.socket, client: socket.socket) -> None:
        """One response (the zoo always sends Content-Length)."""
        found = read_head(upstream, b"")
        assert found is not None
        head, body = found
        length = 0
        for line in head.decode("latin-1").split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        while len(body) < length:
            body += upstream.recv(65536)
        client.sendall(head + b"\r\n\r\n" + body)

    def handle(client: socket.socket, stop: threading.Event) -> None:
        upstream: socket.socket | None = None
        buffered = b""
        with client:
            while not stop.is_set():
                found = read_head(client, buffered)
                if found is None:
                    break
                head, buffered = found
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                lines.append(request_line)
                for line in header_lines:
                    name, _, value = line.partition(":")
                    if name.lower() == "proxy-authorization":
                        authorizations.append(value.strip())
                method, target, version = request_line.split(" ")
                if method == "CONNECT":
                    host, port = target.rsplit(":", 1)
                    with socket.create_connection((host, int(port))) as tunnel:
                        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        pipe(client, tunnel, buffered, stop)
                    return
                # Absolute form (RFC 9112 §3.2.2): forwarded in origin form,
                # one request at a time over one upstream connection.
                parts = urlsplit(target)
                assert parts.hostname is not None and parts.port is not None
                kept = [
                    line
                    for line in header_lines
                    if not line.lower().startswith("proxy-authorization")
                ]
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                forwarded = "\r\n".join([f"{method} {path} {version}", *kept]) + "\r\n\r\n"
                if upstream is None:
                    upstream = socket.create_connection((parts.hostname, parts.port))
                upstream.sendall(forwarded.encode("latin-1"))
                relay_response(upstream, client)
        if upstream is not None:
            upstream.close()

    with raw_tcp(handle) as server:
        yield server.base_url, lines, authorizations


def test_http_targets_go_through_the_proxy_in_absolute_form(
    zoo: RunningZoo, capsys: pytest.CaptureFixture[str]
) -> None:
    url = zoo.url("prefix")
    code, direct, _ = _cli(capsys, "--site", SITE, "--format", "json", url)
    with loopback_proxy() as (proxy, lines, authorizations):
        proxied_url = proxy.replace("http://", "http://auditor:p%40ss@")
        code_proxied, proxied, err = _cli(
            capsys, "--site", SITE, "--format", "json", "--proxy", proxied_url, url
        )
    assert code == code_proxied == 1
    assert json.loads(proxied) == json.loads(direct)  # the same audit, through the proxy
    assert lines and all(line.split(" ")[1].startswith(url) for line in lines)
    assert authorizations and set(authorizations) == {"Basic YXVkaXRvcjpwQHNz"}  # auditor:p@ss
    assert "p%40ss" not in proxied + err and "YXVkaXRvcjpwQHNz" not in proxied


def _self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
    subprocess.run(
        [*command, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


@contextmanager
def tls_server(cert: Path, key: Path) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_https_targets_go_through_a_connect_tunnel_with_tls_end_to_end(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    trust = ssl.create_default_context(cafile=str(cert))
    with tls_server(cert, key) as port, loopback_proxy() as (proxy, lines, _):

        async def fetch() -> tuple[int, int]:
            transport = KeepAliveTransport(verify=trust, proxy=Proxy.parse(proxy))
            head = f"GET /me HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n".encode()
            try:
                first = await transport.request(("https", "localhost", port), head)
                again = await transport.request(("https", "localhost", port), head)
            finally:
                await transport.aclose()
            return first.status, again.status

        assert asyncio.run(fetch()) == (200, 200)
    # One tunnel, reused for the second request; the proxy saw no request line of its own.
    assert lines == [f"CONNECT localhost:{port} HTTP/1.1"]


def test_a_proxy_that_refuses_connect_is_a_connect_error() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)

    def refuse() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(
                b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"
            )

    thread = threading.Thread(target=refuse, daemon=True)
    thread.start()

    async def fetch() -> None:
        proxy = Proxy.parse(f"http://127.0.0.1:{listener.getsockname()[1]}")
        transport = KeepAliveTransport(proxy=proxy)
        try:
            await transport.request(("https", "example.com", 443), b"GET / HTTP/1.1\r\n\r\n")
        finally:
            await transport.aclose()

    with pytest.raises(ConnectError, match=r"refused CONNECT example\.com:443: 407"):
        asyncio.run(fetch())
    thread.join(5)
    listener.close()


@pytest.mark.parametrize(
    "proxy", ["https://127.0.0.1:8080", "socks5://127.0.0.1:1080", "http://", "http://h:99999"]
)
def test_bad_proxies_are_refused(proxy: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(capsys, "--proxy", proxy, "http://127.0.0.1:9/")
    assert code == 2 and "--proxy" in err and "Traceback" not in err
