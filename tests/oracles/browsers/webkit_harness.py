"""Real WebKitGTK (Debian's `webkit2gtk-driver`) as a CORS oracle.

Theory of operation: the same loopback scenario servers, placeholders and
sids as the Chromium oracle (chromium_harness.py). The harness starts its
own Xvfb display and `WebKitWebDriver`, opens one W3C WebDriver session on
MiniBrowser (`--automation`) and runs each scenario's `fetch()` with
`execute/async`, one window per page origin.

What WebKit is measured on: `allowed`, the error text, preflights (with
their `Access-Control-Request-*`), the `Origin` of every hop, readable
headers. Not measured: the console line and so the reason. An automation
session is private and writes no console messages anywhere the harness can
read; MiniBrowser prints them with `--enable-write-console-messages-to-stdout`
only outside automation: webkit_console.py runs it that way, and is the
oracle the recordings, CI and browser-diff use. Here `reason` and `console`
are None (`WEBKIT_UNMEASURED`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

from chromium_harness import (
    _FETCH_SCRIPT,
    Outcome,
    Scenario,
    ScenarioRegistry,
    ScenarioServers,
    _outcome,
    fetch_argument,
    start_http_server,
)

from servers.processes import stop

MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
#: The outcome fields WebKit's oracle cannot observe.
WEBKIT_UNMEASURED = ("reason", "console")
_STARTUP_SECONDS = 30.0
_ASYNC_SCRIPT = (
    "const done = arguments[arguments.length - 1];"
    f"({_FETCH_SCRIPT})(JSON.parse(arguments[0])).then(r => done(JSON.stringify(r)),"
    " e => done(JSON.stringify({resolved: false, error: String(e)})));"
)


def webkit_unavailable() -> str | None:
    """Why real-WebKit tests cannot run here, or None when they can."""
    for program in ("WebKitWebDriver", "Xvfb"):
        if shutil.which(program) is None:
            return f"{program} is not installed (Debian: webkit2gtk-driver, xvfb)"
    if not os.path.exists(MINIBROWSER):
        return f"MiniBrowser is missing ({MINIBROWSER})"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _free_display() -> str:
    for number in range(90, 200):
        if not os.path.exists(f"/tmp/.X11-unix/X{number}") and not os.path.exists(
            f"/tmp/.X{number}-lock"
        ):
            return f":{number}"
    raise RuntimeError("no free X display number")


def start_xvfb() -> tuple[str, subprocess.Popen[bytes]]:
    """A private Xvfb display for MiniBrowser: its name and the process."""
    display = _free_display()
    process = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return display, process


class WebKitOracle(ScenarioServers):
    """One MiniBrowser under WebKitWebDriver on a private Xvfb display, one
    window per page origin. The interface of chromium_harness.Oracle."""

    def __init__(self) -> None:
        self.registry = ScenarioRegistry()
        super().__init__([start_http_server(self.registry) for _ in range(3)])
        self._processes: list[subprocess.Popen[bytes]] = []
        self._session: str | None = None
        self._windows: dict[str, str] = {}
        try:
            display, xvfb = start_xvfb()
            self._processes.append(xvfb)
            self._driver_port = _free_port()
            self._processes.append(
                subprocess.Popen(
                    ["WebKitWebDriver", f"--port={self._driver_port}"],
                    env={**os.environ, "DISPLAY": display},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            session = self._new_session()
            self._session = session["sessionId"]
            self.version: str = session["capabilities"].get("browserVersion", "")
            self._free_window: str | None = self._call("GET", "/window")
        except Exception:
            self.close()
            raise

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self._driver_port}{path}",
            method=method,
            data=data,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.load(response)["value"]

    def _new_session(self) -> dict[str, Any]:
        capabilities = {
            "capabilities": {
                "alwaysMatch": {
                    "webkitgtk:browserOptions": {"binary": MINIBROWSER, "args": ["--automation"]}
                }
            }
        }
        deadline = time.monotonic() + _STARTUP_SECONDS
        while True:
            try:
                session: dict[str, Any] = self._request("POST", "/session", capabilities)
                return session
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        return self._request(method, f"/session/{self._session}{path}", body)

    def __enter__(self) -> WebKitOracle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            if self._session is not None:
                with contextlib.suppress(Exception):
                    self._request("DELETE", f"/session/{self._session}")
        finally:
            for process in reversed(self._processes):
                stop(process, timeout=20)
            self.stop_servers()

    def _window_for(self, page_origin: str) -> None:
        window = self._windows.get(page_origin)
        if window is None:
            if self._free_window is not None:
                window, self._free_window = self._free_window, None
            else:
                window = self._call("POST", "/window/new", {"type": "tab"})["handle"]
            self._call("POST", "/window", {"handle": window})
            self._call("POST", "/url", {"url": page_origin + "/"})
            self._windows[page_origin] = window
            return
        self._call("POST", "/window", {"handle": window})

    def run(self, scenario: Scenario, *, sid: str | None = None) -> Outcome:
        """Run one scenario and return WebKit's outcome (reason and console
        unmeasured: None)."""
        sid = sid or self.new_sid()
        concrete = self.concretize(scenario, sid)
        if "responses" in concrete:
            self.registry.register(sid, concrete["responses"])
        before = len(self.registry.received(sid))
        self._window_for(concrete["page_origin"])
        argument = json.dumps(fetch_argument(concrete))
        raw = self._call("POST", "/execute/async", {"script": _ASYNC_SCRIPT, "args": [argument]})
        result = json.loads(raw)
        received = self.registry.received(sid)[before:]
        outcome = _outcome(concrete, result, None, None, received)
        outcome["network_error"] = None
        return outcome

    def drain(self, sid: str) -> None:
        self.registry.forget(sid)


__all__ = ["WEBKIT_UNMEASURED", "WebKitOracle", "webkit_unavailable"]
