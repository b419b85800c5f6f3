"""The zoo server: one threaded HTTP/1.1 server on loopback; the first path
segment picks the fixture (`/prefix/api`, `/flask-cors-credentials/`).

Hand-written fixtures answer directly; WSGI apps (Flask, Django) and ASGI
apps (Starlette) run in-process behind small gateways here, so every fixture
is a real HTTP server answering real requests. Keep-alive and TCP_NODELAY,
like a production server, so the audit's connection reuse is exercised.

`running_zoo(site)` starts the zoo in its own process (framework settings such
as Django's are process-wide) and yields its base URL and request counter.
`/_stats` (requests answered, and when the first and the last of them
arrived) and `/_reset` are for benchmarks and are not counted themselves.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from audit_zoo.fixtures import Fixture, ZooRequest, ZooResponse, ZooSite, build_fixtures
from audit_zoo.frameworks import build_apps
from servers.processes import stop

DEFAULT_SITE = "https://www.example.com"


class ZooServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, site: str, port: int = 0) -> None:
        self.site = ZooSite.parse(site)
        self.fixtures: dict[str, Fixture] = build_fixtures(site)
        self.wsgi_apps, self.asgi_apps = build_apps(self.site)
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.count = 0
        self.first: float | None = None
        self.last: float | None = None
        self.count_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def answer(self, request: ZooRequest) -> ZooResponse:
        name = request.path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
        if name in ("_count", "_stats", "_reset"):
            return self._control(name)
        now = time.perf_counter()
        with self.count_lock:
            self.count += 1
            if self.first is None:
                self.first = now
            self.last = now
        fixture = self.fixtures.get(name)
        if fixture is None:
            return ZooResponse(404, [("Content-Type", "text/plain")], b"no such fixture")
        if fixture.handler is not None:
            return fixture.handler(request)
        if fixture.kind in self.wsgi_apps:
            return _call_wsgi(self.wsgi_apps[fixture.kind], request, self.server_address)
        future = asyncio.run_coroutine_threadsafe(
            _call_asgi(self.asgi_apps[fixture.kind], request, self.server_address), self.loop
        )
        return future.result(timeout=10)

    def _control(self, name: str) -> ZooResponse:
        with self.count_lock:
            if name == "_reset":
                self.first = self.last = None
            stats = {"count": self.count, "first": self.first, "last": self.last}
        if name == "_count":
            return ZooResponse(200, [("Content-Type", "text/plain")], str(self.count).encode())
        return ZooResponse(200, [("Content-Type", "application/json")], json.dumps(stats).encode())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ZooServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        request = ZooRequest(self.command, self.path, list(self.headers.items()))
        try:
            response = self.server.answer(request)
        except Exception as error:  # a fixture bug shows as a 500, never a hang
            response = ZooResponse(500, [("Content-Type", "text/plain")], repr(error).encode())
        self.send_response_only(response.status)
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _handle
    # The audit's made-up method (forces a 405 where a server refuses it).
    do_CROSSORIGINPROBE = _handle


def _call_wsgi(app: Any, request: ZooRequest, address: tuple[Any, ...]) -> ZooResponse:
    path, _, query = request.path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": str(address[0]),
        "SERVER_PORT": str(address[1]),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in request.headers:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            http_key = "HTTP_" + key
            environ[http_key] = f"{environ[http_key]},{value}" if http_key in environ else value
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = int(status.split(" ", 1)[0])
        captured["headers"] = headers
        return lambda data: None

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return ZooResponse(captured["status"], list(captured["headers"]), body)


async def _call_asgi(app: Any, request: ZooRequest, address: tuple[Any, ...]) -> ZooResponse:
    path, _, query = request.path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in request.headers],
        "client": ("127.0.0.1", 0),
        "server": (str(address[0]), int(address[1])),
    }
    response = ZooResponse(500, [], b"")
    sent_request = False

    async def receive() -> dict[str, Any]:
        nonlocal sent_request
        if not sent_request:
            sent_request = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            response.status = message["status"]
            response.headers = [
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])
            ]
        elif message["type"] == "http.response.body":
            response.body += message.get("body", b"")

    await app(scope, receive, send)
    return response


def serve(site: str, port: int = 0) -> None:
    server = ZooServer(site, port)
    host, bound = server.server_address[:2]
    print(f"zoo listening on http://{host}:{bound}", flush=True)
    server.serve_forever(poll_interval=0.1)


@dataclass
class RunningZoo:
    base_url: str
    site: str
    process: subprocess.Popen[str]

    def url(self, fixture: str) -> str:
        return f"{self.base_url}/{fixture}/api"

    def request_count(self) -> int:
        return int(self.stats()["count"] or 0)

    def stats(self, reset: bool = False) -> dict[str, float | None]:
        """Requests answered so far, and the zoo's clock (seconds) when the
        first and the last of them arrived since the last reset."""
        import httpx

        path = "_reset" if reset else "_stats"
        stats: dict[str, float | None] = httpx.get(f"{self.base_url}/{path}", timeout=5).json()
        return stats


@contextmanager
def running_zoo(site: str = DEFAULT_SITE, timeout: float = 30.0) -> Iterator[RunningZoo]:
    """Start the zoo in its own process on a free loopback port."""
    tests_dir = Path(__file__).resolve().parent.parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tests_dir), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-m", "audit_zoo", "--site", site],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    found: list[str] = []

    def read_banner() -> None:
        assert process.stdout is not None
        line = process.stdout.readline()
        found.append(line)

    reader = threading.Thread(target=read_banner, daemon=True)
    reader.start()
    reader.join(timeout)
    try:
        match = re.search(r"http://127\.0\.0\.1:\d+", found[0] if found else "")
        if match is None:
            process.kill()
            _, errors = process.communicate(timeout=5)
            raise RuntimeError(f"the zoo did not start: {errors[-2000:]}")
        yield RunningZoo(match.group(0), site, process)
    finally:
        stop(process, timeout=5)
