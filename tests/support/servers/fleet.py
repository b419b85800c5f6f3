"""A fleet of application processes following one policy source, and a
monitor that checks, while they run, that none ever serves a policy that was
not validated.

`Fleet(kinds, store, url, key, logs)` starts one `fleet_app.py` process per
kind (`asgi` under uvicorn, `wsgi` under waitress) on free ports. `Monitor`
polls every process's `/__status` and sends a request from a forbidden origin
in a loop: a digest outside the set of valid published digests, or an answer
allowing the forbidden origin, is a violation.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from servers.processes import free_port, stop

APP = Path(__file__).with_name("fleet_app.py")
SRC = Path(__file__).resolve().parents[3] / "src"


def get(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


class Fleet:
    def __init__(self, kinds: list[str], store: str, url: str, key: str, logs: Path) -> None:
        self.ports: list[int] = []
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []
        logs.mkdir(parents=True, exist_ok=True)
        for index, kind in enumerate(kinds):
            port = free_port()
            log = logs / f"{index}-{kind}.log"
            with open(log, "wb") as sink:
                process = subprocess.Popen(
                    [sys.executable, str(APP), kind, store, url, key, str(port)],
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                )
            self.ports.append(port)
            self.processes.append(process)
            self.logs.append(log)
        deadline = time.monotonic() + 30
        for port, process, log in zip(self.ports, self.processes, self.logs, strict=True):
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"fleet process exited:\n{log.read_text()}")
                try:
                    get(port, "/__status")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise AssertionError(f"fleet process not up:\n{log.read_text()}") from None
                    time.sleep(0.05)

    def statuses(self) -> list[dict[str, Any]]:
        return [json.loads(get(port, "/__status")[2]) for port in self.ports]

    def allow_origin(self, origin: str) -> list[str | None]:
        """What each process answers a GET from `origin`."""
        return [
            get(port, "/", {"Origin": origin})[1].get("access-control-allow-origin")
            for port in self.ports
        ]

    def wait_for(self, digest: str, timeout: float = 15.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            statuses = self.statuses()
            if all(status["digest"] == digest for status in statuses):
                return statuses
            if time.monotonic() > deadline:
                raise AssertionError(f"not converged on {digest}: {statuses}")
            time.sleep(0.02)

    def log_text(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()}" for log in self.logs)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            stop(process)


class Monitor:
    """Checks the fleet continuously until stopped. Register a digest in
    `valid` before publishing it."""

    def __init__(self, fleet: Fleet, forbidden_origin: str) -> None:
        self.fleet = fleet
        self.forbidden_origin = forbidden_origin
        self.valid: set[str] = set()
        self.violations: list[str] = []
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Monitor:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.is_set():
            for port in self.fleet.ports:
                try:
                    status = json.loads(get(port, "/__status")[2])
                    headers = get(port, "/", {"Origin": self.forbidden_origin})[1]
                except OSError:
                    continue
                self.samples += 1
                if status["digest"] not in self.valid:
                    self.violations.append(f"port {port} serves {status['digest']}")
                if "access-control-allow-origin" in headers:
                    self.violations.append(f"port {port} allowed {self.forbidden_origin}")
            time.sleep(0.01)
