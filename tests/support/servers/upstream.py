"""A small real HTTP/1.1 server on loopback, the upstream behind the proxy and
nginx/Caddy/Apache in tests. Threaded, TCP_NODELAY, bound to a free port.

Routes:
- `GET /bytes/N`: N bytes (Content-Length), generated as they are sent.
- `POST|PUT /count`: reads the body (Content-Length or chunked) and answers
  `{"received": N, "checksum": S}` (S: sum of the bytes modulo 2**32).
- `ANY /status/CODE`: that status, a short body.
- `GET /cors`: answers with its own CORS headers (every Access-Control-*
  response header a browser reads, `UPSTREAM_CORS_HEADERS`, and one it does
  not) and `Vary: Accept-Encoding`.
- `ANY /headers`: the request line and headers it received, as JSON.
- `GET /ws` with `Upgrade: websocket`: 101, then echoes raw bytes until EOF.
- anything else: 200 `ok`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from servers.loopback import serving

CHUNK = 64 * 1024
_WEBSOCKET_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_PATTERN = bytes(range(256)) * (CHUNK // 256)
#: What `/cors` sends: an application with CORS handling of its own.
UPSTREAM_CORS_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Credentials", "true"),
    ("Access-Control-Allow-Methods", "GET, DELETE"),
    ("Access-Control-Allow-Headers", "x-upstream"),
    ("Access-Control-Expose-Headers", "x-secret"),
    ("Access-Control-Max-Age", "86400"),
    ("Access-Control-Allow-Private-Network", "true"),
    ("Access-Control-Upstream-Extra", "yes"),
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _body_chunks(self) -> Iterator[bytes]:
        length = self.headers.get("Content-Length")
        if length is not None:
            remaining = int(length)
            while remaining:
                data = self.rfile.read(min(CHUNK, remaining))
                if not data:
                    return
                remaining -= len(data)
                yield data
            return
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                remaining = size
                while remaining:
                    data = self.rfile.read(min(CHUNK, remaining))
                    if not data:
                        return
                    remaining -= len(data)
                    yield data
                self.rfile.readline()

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]] = ()) -> None:  # type: ignore[assignment]
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        path = self.path.split("?")[0]
        if path.startswith("/bytes/"):
            total = int(path.removeprefix("/bytes/"))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(total))
            self.end_headers()
            remaining = total
            while remaining:
                piece = _PATTERN[: min(CHUNK, remaining)]
                self.wfile.write(piece)
                remaining -= len(piece)
            return
        if path == "/count":
            received = 0
            checksum = 0
            for data in self._body_chunks():
                received += len(data)
                checksum = (checksum + sum(data)) % (1 << 32)
            body = json.dumps({"received": received, "checksum": checksum}).encode()
            self._send(200, body, [("Content-Type", "application/json")])
            return
        for _ in self._body_chunks():
            pass
        if path.startswith("/status/"):
            self._send(int(path.removeprefix("/status/")), b"status page\n")
        elif path == "/cors":
            self._send(
                200,
                b"upstream with its own CORS\n",
                [*UPSTREAM_CORS_HEADERS, ("X-Secret", "s3cr3t"), ("Vary", "Accept-Encoding")],
            )
        elif path == "/headers":
            body = json.dumps(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": [[k, v] for k, v in self.headers.items()],
                }
            ).encode()
            self._send(200, body, [("Content-Type", "application/json")])
        elif path == "/ws" and self.headers.get("Upgrade", "").lower() == "websocket":
            key = self.headers.get("Sec-WebSocket-Key", "").encode()
            accept = base64.b64encode(hashlib.sha1(key + _WEBSOCKET_GUID).digest()).decode()
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            self.wfile.flush()
            while data := self.connection.recv(CHUNK):
                self.connection.sendall(data)
            self.close_connection = True
        else:
            self._send(200, b"ok\n", [("Content-Type", "text/plain")])

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _handle


@contextmanager
def running_upstream() -> Iterator[str]:
    """Start the server on 127.0.0.1 at a free port; yield its base URL; stop it."""
    with serving(_Handler, name="upstream") as base_url:
        yield base_url
