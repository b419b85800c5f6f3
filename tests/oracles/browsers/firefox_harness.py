"""Real headless Firefox (Debian's `firefox-esr`) as a CORS oracle.

Theory of operation: the same three loopback scenario servers, placeholders
and sids as the Chromium oracle (chromium_harness.py); only the browser
differs. Firefox is driven without geckodriver through its built-in Remote
Agent: `firefox-esr --headless --remote-debugging-port 0` prints
`WebDriver BiDi listening on ws://...` on stderr, and one WebSocket to that
address's `/session` carries WebDriver BiDi commands (PyPI `websockets`).

- `allowed` and the readable headers come from the page's own `fetch()`
  (`script.callFunction`, the same script as in Chromium);
- `console` and `reason` come from Firefox's console service, read in the
  browser's chrome scope (`--remote-allow-system-access`): the CORS line is an
  nsIScriptError whose `category` is the security.properties key
  (`CORSMissingAllowOrigin2`); the outcome's `reason` is that key without its
  version digit (`CORSMissingAllowOrigin`, the names of MDN's CORS error pages);
- `network_error` is the `errorText` of BiDi's `network.fetchError` (an
  `NS_ERROR_*` name) when the failure logged no CORS line, or only "CORS
  request did not succeed" (Firefox's line for a network error of a CORS
  request); warnings (`CORSAllowHeaderFromPreflightDeprecation`) are not
  failures and are left out;
- preflights, `Origin` and hops are what the servers received.

Only `network.fetchError` is subscribed to: the other network events slow
every call about twentyfold (measured).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
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
    fetch_argument,
    start_http_server,
)

from servers.processes import stop

FIREFOX_PATH = "/usr/bin/firefox-esr"
#: How long a rejected fetch waits for Firefox's console line (it is logged
#: from the network thread, after the promise may already have rejected).
EVENT_WAIT_SECONDS = 0.5
_STARTUP_SECONDS = 60.0
_LISTENING = re.compile(r"WebDriver BiDi listening on (ws://\S+)")
#: Preferences that keep the headless browser quiet and deterministic: no
#: background traffic to loopback ports, no Local Network Access prompt
#: (the page and servers are all on loopback).
_PREFS = {
    "network.lna.enabled": False,
    "network.lna.blocking": False,
    "browser.shell.checkDefaultBrowser": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
}
_CONSOLE_SCRIPT = """(sid) => Services.console.getMessageArray()
  .filter(m => m instanceof Ci.nsIScriptError && m.category.startsWith("CORS")
               && !(m.flags & Ci.nsIScriptError.warningFlag) && m.errorMessage.includes(sid))
  .map(m => [m.category, m.errorMessage])"""


def firefox_unavailable() -> str | None:
    """Why real-Firefox tests cannot run here, or None when they can."""
    if not os.path.exists(FIREFOX_PATH) and shutil.which("firefox-esr") is None:
        return f"Firefox ESR is not installed ({FIREFOX_PATH} missing)"
    try:
        import websockets.sync.client  # noqa: F401
    except ImportError:
        return "the websockets package is not installed"
    return None


def reason_name(category: str) -> str:
    """The outcome's reason for a console category: the security.properties
    key without the version digit Firefox appends when a text changes."""
    return category.rstrip("0123456789")


class BiDi:
    """One WebDriver BiDi session over one WebSocket (synchronous)."""

    def __init__(self, url: str) -> None:
        from websockets.sync.client import connect

        # Entered by hand: the connection outlives this constructor.
        self._connection = connect(url + "/session", max_size=None, open_timeout=30)
        self._socket = self._connection.__enter__()
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        command_id = next(self._ids)
        self._socket.send(json.dumps({"id": command_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=60))
            if message.get("id") == command_id:
                if message.get("type") == "error":
                    raise RuntimeError(
                        f"{method}: {message.get('error')}: {message.get('message')}"
                    )
                result: dict[str, Any] = message["result"]
                return result
            if message.get("type") == "event":
                self.events.append(message)

    def close(self) -> None:
        self._connection.__exit__(None, None, None)


class FirefoxOracle(ScenarioServers):
    """One headless Firefox, one tab per page origin, three loopback servers.
    The same interface as chromium_harness.Oracle (`run`, `concretize`,
    `new_sid`, `ports`, `version`)."""

    def __init__(self, *, extra_env: dict[str, str] | None = None) -> None:
        """`extra_env`: variables for Firefox's environment only (a test
        that runs it under libfaketime)."""
        self.registry = ScenarioRegistry()
        super().__init__([start_http_server(self.registry) for _ in range(3)])
        self._profile = tempfile.mkdtemp(prefix="crossorigin-firefox-")
        with open(os.path.join(self._profile, "user.js"), "w", encoding="utf-8") as prefs:
            for name, value in _PREFS.items():
                prefs.write(f"user_pref({json.dumps(name)}, {json.dumps(value)});\n")
        self._process = subprocess.Popen(
            [
                shutil.which("firefox-esr") or FIREFOX_PATH,
                "--headless",
                "--no-remote",
                "--profile",
                self._profile,
                "--remote-debugging-port",
                "0",
                "--remote-allow-system-access",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "MOZ_CRASHREPORTER_DISABLE": "1", **(extra_env or {})},
        )
        self.bidi: BiDi | None = None
        try:
            self.bidi = BiDi(self._wait_for_address())
            session = self.bidi.call("session.new", {"capabilities": {}})
            self.version: str = session["capabilities"]["browserVersion"]
            self.bidi.call("session.subscribe", {"events": ["network.fetchError"]})
            chrome = self.bidi.call("browsingContext.getTree", {"moz:scope": "chrome"})
            self._chrome_context: str = chrome["contexts"][0]["context"]
            tabs = self.bidi.call("browsingContext.getTree", {})
            self._free_tab: str | None = tabs["contexts"][0]["context"]
        except Exception:
            self.close()
            raise
        self._tabs: dict[str, str] = {}

    def _wait_for_address(self) -> str:
        assert self._process.stderr is not None
        found: list[str] = []

        def read() -> None:
            assert self._process.stderr is not None
            for line in self._process.stderr:
                match = _LISTENING.search(line)
                if match and not found:
                    found.append(match.group(1))
            # Keep draining so Firefox never blocks on a full pipe.

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + _STARTUP_SECONDS
        while not found:
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("Firefox did not start its Remote Agent")
            time.sleep(0.05)
        return found[0]

    def __enter__(self) -> FirefoxOracle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            if self.bidi is not None:
                with contextlib.suppress(Exception):
                    self.bidi.call("session.end", {})
                self.bidi.close()
        finally:
            stop(self._process, timeout=20)
            shutil.rmtree(self._profile, ignore_errors=True)
            self.stop_servers()

    def _tab_for(self, page_origin: str) -> str:
        assert self.bidi is not None
        tab = self._tabs.get(page_origin)
        if tab is not None:
            return tab
        if self._free_tab is not None:
            tab, self._free_tab = self._free_tab, None
        else:
            tab = self.bidi.call("browsingContext.create", {"type": "tab"})["context"]
        self.bidi.call(
            "browsingContext.navigate",
            {"context": tab, "url": page_origin + "/", "wait": "complete"},
        )
        self._tabs[page_origin] = tab
        return tab

    def _console(self, sid: str) -> list[list[str]]:
        assert self.bidi is not None
        result = self.bidi.call(
            "script.callFunction",
            {
                "functionDeclaration": _CONSOLE_SCRIPT,
                "arguments": [{"type": "string", "value": sid}],
                "target": {"context": self._chrome_context},
                "awaitPromise": False,
            },
        )
        return [
            [item["value"][0]["value"], item["value"][1]["value"]]
            for item in result["result"]["value"]
        ]

    def run(self, scenario: Scenario, *, sid: str | None = None) -> Outcome:
        """Run one scenario and return Firefox's outcome (the Chromium
        oracle's format, `reason` and `console` Firefox's own)."""
        assert self.bidi is not None
        sid = sid or self.new_sid()
        concrete = self.concretize(scenario, sid)
        if "responses" in concrete:
            self.registry.register(sid, concrete["responses"])
        before = len(self.registry.received(sid))
        tab = self._tab_for(concrete["page_origin"])
        argument = json.dumps(fetch_argument(concrete))
        seen_events = len(self.bidi.events)
        # Steps of one entry share a sid: only lines logged from now on count.
        logged_before = len(self._console(sid))
        raw = self.bidi.call(
            "script.callFunction",
            {
                "functionDeclaration": (
                    f"async (text) => JSON.stringify(await ({_FETCH_SCRIPT})(JSON.parse(text)))"
                ),
                "arguments": [{"type": "string", "value": argument}],
                "target": {"context": tab},
                "awaitPromise": True,
            },
        )
        result = json.loads(raw["result"]["value"])
        messages: list[list[str]] = []
        if not result["resolved"]:
            deadline = time.monotonic() + EVENT_WAIT_SECONDS
            while True:
                messages = self._console(sid)[logged_before:]
                if messages or time.monotonic() > deadline:
                    break
                time.sleep(0.02)
        fetch_error = next(
            (
                event["params"].get("errorText")
                for event in self.bidi.events[seen_events:]
                if event.get("method") == "network.fetchError"
                and sid in event["params"].get("request", {}).get("url", "")
            ),
            None,
        )
        del self.bidi.events[:]
        received = self.registry.received(sid)[before:]
        cors_error = None
        if messages:
            cors_error = {"corsErrorStatus": {"corsError": reason_name(messages[0][0])}}
        elif fetch_error:
            cors_error = {"corsErrorStatus": None, "errorText": fetch_error}
        outcome = _outcome(
            concrete, result, messages[0][1] if messages else None, cors_error, received
        )
        # Firefox logs "CORS request did not succeed" for a network error of
        # a CORS request: the network error is still the fetch's.
        not_cors = not messages or reason_name(messages[0][0]) == "CORSDidNotSucceed"
        outcome["network_error"] = fetch_error if not_cors and not result["resolved"] else None
        outcome["console_all"] = messages
        return outcome

    def drain(self, sid: str) -> None:
        self.registry.forget(sid)


__all__ = ["FirefoxOracle", "firefox_unavailable", "reason_name"]
