"""Real WebKitGTK with its console: MiniBrowser outside automation.

Theory of operation: a WebDriver session is private and writes no console
messages (webkit_harness.py), but MiniBrowser started without `--automation`
and with `--enable-write-console-messages-to-stdout=true` prints every
console message of its pages on stdout, one per line:
`CONSOLE <SOURCE> <LEVEL> <text>` (on stderr). So this oracle starts MiniBrowser on its
own Xvfb display with a runner page from the page server. The page asks the
server for work (`/__work`, held until the harness has a job), runs each
scenario's `fetch()` between two `console.log` marker lines, and posts the
result back (`/__result`); the console lines printed between the markers are
that fetch's. A job on another page origin makes the runner navigate to the
runner page of that origin.

Same interface as webkit_harness.WebKitOracle; the outcome's `console` is
WebKit's CORS line and `reason` our name for it (`reason_name`), while the
requests, preflights and readable headers come from the scenario servers as
in every oracle.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
from typing import Any

from chromium_harness import (
    _FETCH_SCRIPT,
    Outcome,
    Scenario,
    ScenarioRegistry,
    ScenarioServers,
    _outcome,
    _QuietServer,
    _ScenarioHandler,
    fetch_argument,
)
from webkit_harness import MINIBROWSER, start_xvfb

from crossorigin.browser.messages import WEBKIT_REDIRECT_PREFIX, WEBKIT_TEXTS
from servers.processes import stop

_MARK = "crossorigin-mark"
_JOB_SECONDS = 60.0
_STARTUP_SECONDS = 60.0
#: A console line, as WebKitGTK 2.50 prints it (on stderr, though the option
#: says stdout): `[URL:LINE:COLUMN: ]CONSOLE [SOURCE ]LEVEL text`, e.g.
#: `CONSOLE SECURITY ERROR Origin ... Status code: 200` or, for
#: `console.log`, `URL:1:20: CONSOLE LOG text`.
_CONSOLE_LINE = re.compile(r"(?:^|: )CONSOLE (?:([A-Z]+) )?(LOG|INFO|WARN|ERROR|DEBUG) (.*)")

_RUNNER_HTML = (
    "<!doctype html><meta charset=utf-8><title>runner</title><script>"
    f"const run = {_FETCH_SCRIPT};"
    """
(async () => {
  for (;;) {
    let job;
    try {
      job = await (await fetch("/__work", {cache: "no-store"})).json();
    } catch (e) { await new Promise(r => setTimeout(r, 100)); continue; }
    if (job.navigate) { location.href = job.navigate; return; }
    if (job.stop) return;
    console.log("MARK begin " + job.id);
    const result = await run(job.argument);
    console.log("MARK end " + job.id);
    await fetch("/__result", {method: "POST", body: JSON.stringify({id: job.id, result})});
  }
})();
</script>""".replace("MARK", _MARK)
).encode()


def reason_name(console: str | None) -> str | None:
    """Our WebKit reason name for a console text (messages.WEBKIT_TEXTS read
    backwards, inside WEBKIT_REDIRECT_PREFIX or not), or None for a text that
    is not one of them."""
    if console is None:
        return None
    prefix = re.escape(WEBKIT_REDIRECT_PREFIX).replace(r"\{\}", ".*?")
    wrapped = re.fullmatch(prefix + "(.*)", console)
    if wrapped is not None:
        console = wrapped.group(1)
    for name, template in WEBKIT_TEXTS.items():
        pattern = re.escape(template)
        for placeholder in (r"\{origin\}", r"\{status\}", r"\{\}"):
            pattern = pattern.replace(placeholder, ".*")
        if re.fullmatch(pattern, console):
            return name
    return None


class _Runner:
    """The jobs the runner page fetches and the results it posts back."""

    def __init__(self) -> None:
        self.jobs: queue.Queue[dict[str, Any]] = queue.Queue()
        self.results: dict[int, Any] = {}
        self.posted = threading.Condition()


def _start_server(registry: ScenarioRegistry, runner: _Runner) -> _QuietServer:
    class Handler(_ScenarioHandler):
        def _serve(self) -> None:
            path = self.path.split("?")[0]
            if path == "/__runner":
                self._send(200, [("Content-Type", "text/html")], _RUNNER_HTML)
            elif path == "/__work":
                try:
                    job = runner.jobs.get(timeout=20)
                except queue.Empty:
                    job = {"wait": True}
                    self._send(503, [], b"")
                    return
                body = json.dumps(job).encode()
                self._send(200, [("Content-Type", "application/json")], body)
            elif path == "/__result":
                length = int(self.headers.get("Content-Length") or 0)
                posted = json.loads(self.rfile.read(length))
                with runner.posted:
                    runner.results[posted["id"]] = posted["result"]
                    runner.posted.notify_all()
                self._send(204, [], b"")
            else:
                super()._serve()

    Handler.registry = registry
    server = _QuietServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="webkit-console").start()
    return server


class WebKitConsoleOracle(ScenarioServers):
    """MiniBrowser (no automation) on a private Xvfb display, its console on
    stdout. The interface of chromium_harness.Oracle."""

    def __init__(self, *, extra_env: dict[str, str] | None = None) -> None:
        """`extra_env`: variables for MiniBrowser's environment only (a test
        that runs it under libfaketime)."""
        self._extra_env = dict(extra_env or {})
        self.registry = ScenarioRegistry()
        self._runner = _Runner()
        super().__init__([_start_server(self.registry, self._runner) for _ in range(3)])
        self._jobs = itertools.count(1)
        self._lines: list[str] = []
        self._lines_changed = threading.Condition()
        self._processes: list[subprocess.Popen[bytes]] = []
        self._page_origin = f"http://127.0.0.1:{self.page_port}"
        self.version = ""
        try:
            display, xvfb = start_xvfb()
            self._processes.append(xvfb)
            self._start_browser(display)
        except Exception:
            self.close()
            raise

    def _start_browser(self, display: str) -> None:
        browser = subprocess.Popen(
            [
                # Line-buffered stdout in every process MiniBrowser starts:
                # each console line must reach the harness when printed.
                *(["stdbuf", "-oL"] if shutil.which("stdbuf") else []),
                MINIBROWSER,
                "--enable-write-console-messages-to-stdout=true",
                f"{self._page_origin}/__runner",
            ],
            env={**os.environ, "DISPLAY": display, "GTK_A11Y": "none", **self._extra_env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._processes.append(browser)
        threading.Thread(target=self._read, args=(browser,), daemon=True).start()
        # The engine's version as WebDriver reports it (`2.50.6`), from the
        # Debian package MiniBrowser belongs to.
        package = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", "libwebkit2gtk-4.1-0"],
            capture_output=True,
            text=True,
            check=False,
        )
        self.version = re.split(r"[-+~]", package.stdout.strip())[0]

    def _read(self, browser: subprocess.Popen[bytes]) -> None:
        assert browser.stdout is not None
        for raw in browser.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._lines_changed:
                self._lines.append(line)
                self._lines_changed.notify_all()

    def __enter__(self) -> WebKitConsoleOracle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._runner.jobs.put({"stop": True})
        for process in reversed(self._processes):
            stop(process, timeout=20)
        self.stop_servers()

    def _wait_line(self, text: str, deadline: float) -> int:
        with self._lines_changed:
            while True:
                for index, line in enumerate(self._lines):
                    if line.endswith(text):
                        return index
                if not self._lines_changed.wait(timeout=max(0.0, deadline - time.monotonic())):
                    raise TimeoutError(f"MiniBrowser printed no {text!r}")

    def _console_lines(self, job: int, deadline: float) -> list[tuple[str, str, str]]:
        """(source, level, text) of every console line printed while job ran."""
        begin = self._wait_line(f"{_MARK} begin {job}", deadline)
        end = self._wait_line(f"{_MARK} end {job}", deadline)
        with self._lines_changed:
            lines = self._lines[begin + 1 : end]
            del self._lines[: end + 1]
        found: list[tuple[str, str, str]] = []
        for line in lines:
            match = _CONSOLE_LINE.search(line)
            if match is not None:
                found.append((match.group(1) or "", match.group(2), match.group(3)))
            elif not line and found:
                # A message ending in a newline prints an empty line after it.
                source, level, text = found[-1]
                found[-1] = (source, level, text + "\n")
        return found

    def run(self, scenario: Scenario, *, sid: str | None = None) -> Outcome:
        """Run one scenario and return WebKit's outcome with its console line
        (`console`), every line printed (`console_all`) and our reason name."""
        sid = sid or self.new_sid()
        concrete = self.concretize(scenario, sid)
        if "responses" in concrete:
            self.registry.register(sid, concrete["responses"])
        before = len(self.registry.received(sid))
        deadline = time.monotonic() + _STARTUP_SECONDS
        if concrete["page_origin"] != self._page_origin:
            self._page_origin = concrete["page_origin"]
            self._runner.jobs.put({"navigate": f"{self._page_origin}/__runner"})
        job = next(self._jobs)
        self._runner.jobs.put({"id": job, "argument": fetch_argument(concrete)})
        with self._runner.posted:
            while job not in self._runner.results:
                if not self._runner.posted.wait(timeout=max(0.0, deadline - time.monotonic())):
                    raise TimeoutError("the runner page posted no result")
            result = self._runner.results.pop(job)
        lines = self._console_lines(job, time.monotonic() + _JOB_SECONDS)
        received = self.registry.received(sid)[before:]
        # WebKit prints a CORS failure's reason (SECURITY ERROR) and then
        # `Fetch API cannot load URL due to access control checks.` (JS
        # ERROR); a refusal of its own (`same-origin` mode) only a JS ERROR.
        security = [text for source, _level, text in lines if source == "SECURITY"]
        script = [text for source, level, text in lines if (source, level) == ("JS", "ERROR")]
        console = security[0] if security else script[0] if script else None
        reason = reason_name(console)
        cors_error = {"corsErrorStatus": {"corsError": reason}} if reason else None
        outcome = _outcome(concrete, result, console, cors_error, received)
        outcome["network_error"] = None
        outcome["console_all"] = [list(line) for line in lines]
        return outcome

    def drain(self, sid: str) -> None:
        self.registry.forget(sid)


__all__ = ["WebKitConsoleOracle", "reason_name"]
