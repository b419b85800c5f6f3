"""Real Redis and etcd servers on loopback, and a TCP proxy that can cut
connections, for the policy source tests.

`RedisServer(tmp)` / `EtcdServer(tmp)` run Debian's `redis-server` / `etcd`
on free loopback ports with their data in `tmp` (Redis with an append-only
file, so a restart keeps the key, as a production Redis with persistence
does). `kill()` is SIGKILL, `restart()` starts again on the same ports and
data, `pause()`/`resume()` are SIGSTOP/SIGCONT (a store that stops answering
without closing connections). `TcpProxy(port)` forwards a free port to
`port`; `partition()` closes every forwarded connection and refuses new ones
until `heal()`, which is a network partition for the clients behind it.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from servers.processes import free_port, stop

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
ETCD = shutil.which("etcd") or "/usr/bin/etcd"


def require(program: str, package: str) -> None:
    if not os.access(program, os.X_OK):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {program} missing (Debian package {package})", pytrace=False)
        pytest.skip(f"{program} missing (Debian package {package}; scripts/install-system-deps)")


class _Server:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen[bytes] | None = None
        self.log = open(tmp / "server.log", "ab")  # noqa: SIM115 - closed in stop()

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def start(self, timeout: float = 20.0) -> None:
        self.process = subprocess.Popen(
            self.command(), stdout=self.log, stderr=subprocess.STDOUT, cwd=self.tmp
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.command()[0]} exited; see {self.tmp / 'server.log'}")
            if self.ready():
                return
            time.sleep(0.05)
        raise AssertionError(f"{self.command()[0]} did not start in {timeout} s")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(10)

    def restart(self) -> None:
        self.kill()
        self.start()

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            stop(self.process)
        self.log.close()


class RedisServer(_Server):
    def __init__(self, tmp: Path) -> None:
        require(REDIS, "redis-server")
        super().__init__(tmp)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.target = f"redis://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            REDIS,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.tmp),
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--daemonize", "no",
            "--protected-mode", "yes",
        ]  # fmt: skip

    def ready(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class EtcdServer(_Server):
    def __init__(self, tmp: Path) -> None:
        require(ETCD, "etcd-server")
        super().__init__(tmp)
        self.port = free_port()
        self.peer_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.target = f"etcd://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        client = f"http://127.0.0.1:{self.port}"
        peer = f"http://127.0.0.1:{self.peer_port}"
        return [
            ETCD,
            "--name", "crossorigin-test",
            "--data-dir", str(self.tmp / "data"),
            "--listen-client-urls", client,
            "--advertise-client-urls", client,
            "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer,
            "--initial-cluster", f"crossorigin-test={peer}",
            "--log-level", "warn",
        ]  # fmt: skip

    def ready(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=0.5)
        try:
            connection.request("POST", "/v3/kv/range", '{"key": "AA=="}')
            return connection.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()


class TcpProxy:
    """127.0.0.1:`port` -> 127.0.0.1:`upstream`, byte for byte."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self.heal()

    def heal(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def partition(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self.partition()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream), timeout=2)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    server.close()
                    return
                self._sockets |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
