"""Run a `crossorigin` command as a real process and wait for its banner.

`running_command(args, ready=REGEX)` starts `python -m crossorigin.cli ARGS`,
reads stderr until a line matches `ready` (bounded wait), keeps collecting the
rest of stderr in the background, and stops the process on exit.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


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
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        reader.join(timeout=5)
