"""Real server processes on loopback for the tests: start, wait, always stop.

- `free_port()`, `wait_for_port(port, process)`: a port to give a server, and
  a bounded wait until it accepts connections (failing at once if it exits).
- `stop(process)`: terminate, then kill what does not exit in time.
- `serving_process(process, port, log=PATH)`: the three above as one context
  manager yielding the base URL, with the tail of the server's log in the
  failure when it never listens.
- `running_command(args, ready=REGEX)` starts `python -m crossorigin.cli ARGS`,
  reads stderr until a line matches `ready` (bounded wait), keeps collecting
  the rest of stderr in the background, and stops the process on exit.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port}")


def stop(process: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    """Terminate `process`; kill it if it has not exited after `timeout` s."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


@contextmanager
def serving_process(
    process: subprocess.Popen[Any], port: int, *, log: Path | None = None, timeout: float = 10.0
) -> Iterator[str]:
    """Yield http://127.0.0.1:PORT once `process` listens there; always stop
    it. When it never listens, fail with the tail of `log` (if given)."""
    try:
        try:
            wait_for_port(port, process, timeout)
        except RuntimeError as error:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise AssertionError(f"{error}\n{tail}") from None
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@dataclass
class RunningCommand:
    process: subprocess.Popen[str]
    match: re.Match[str]
    lines: list[str] = field(default_factory=list)

    def log_text(self) -> str:
        return "\n".join(self.lines)

    def wait_for_log(self, needle: str, timeout: float = 5.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if needle in line:
                    return line
            time.sleep(0.02)
        raise AssertionError(f"{needle!r} not logged; log:\n{self.log_text()}")

    def rss_kib(self, field_name: str = "VmRSS") -> int:
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
        raise AssertionError(f"no {field_name} for pid {self.process.pid}")


@contextmanager
def running_command(args: list[str], ready: str, timeout: float = 15.0) -> Iterator[RunningCommand]:
    process = subprocess.Popen(
        [sys.executable, "-m", "crossorigin.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    lines: list[str] = []
    found = threading.Event()
    pattern = re.compile(ready)
    matched: list[re.Match[str]] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line.rstrip("\n"))
            if not found.is_set():
                match = pattern.search(line)
                if match:
                    matched.append(match)
                    found.set()
        found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not found.wait(timeout) or not matched:
            raise AssertionError(f"{args[0]} did not start; stderr:\n" + "\n".join(lines))
        yield RunningCommand(process, matched[0], lines)
    finally:
        stop(process, timeout=5)
        reader.join(timeout=5)
