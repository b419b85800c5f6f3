"""HAR recordings of real Firefox (ESR), built from WebDriver BiDi events.

Firefox's Remote Agent has no HAR export (DevTools' "Save all as HAR" is a
front-end feature, not reachable over BiDi), so `BidiHar` writes one from
the events BiDi does report while the case runs, subscribed to only for the
recording (they slow every call):

- `network.beforeRequestSent`: method, URL, the request headers Firefox
  sent (with `Origin`, `Sec-Fetch-Mode`, `Cookie`), one per redirect hop;
- `network.responseStarted` / `responseCompleted`: status and response
  headers; a response CORS then hid from the page, or a redirect CORS
  refused, gets only `responseStarted` (measured), so both are read;
- `network.fetchError`: the failure (`NS_ERROR_*`), written as the
  entry's `_error`.

Firefox reports its preflights as requests of their own (measured): they
are in the HAR, each after the request it was sent for. What a BiDi HAR cannot hold:
Firefox's CORS reason (it is a console message, read from the console
service like firefox_harness.py does, and stored beside the HAR), timings
and bodies (left out, as the Chromium recordings do).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

from firefox_harness import _LISTENING, _PREFS, BiDi
from har_recording import (
    CASES,
    FETCH_SCRIPT,
    Case,
    Origins,
    Recording,
    case_url,
    servers,
)

FIREFOX = shutil.which("firefox-esr") or "/usr/bin/firefox-esr"
_EVENTS = (
    "network.beforeRequestSent",
    "network.responseStarted",
    "network.responseCompleted",
    "network.fetchError",
)
#: Every test name resolves to loopback, as Chromium's --host-resolver-rules does.
_HAR_PREFS = {
    **_PREFS,
    "network.dns.forceResolve": "127.0.0.1",
    "network.dns.localDomains": (
        "app.crossorigin.test,api.crossorigin.test,public.crossorigin.test,api.othersite.test"
    ),
    "network.proxy.type": 0,
}
#: The console messages of one case: errors and warnings naming its URL.
_CONSOLE_SCRIPT = """(needle) => Services.console.getMessageArray()
  .filter(m => m instanceof Ci.nsIScriptError && m.errorMessage.includes(needle))
  .map(m => [m.category, m.errorMessage])"""


@contextlib.contextmanager
def firefox() -> Iterator[tuple[BiDi, str, str]]:
    """A headless Firefox with a BiDi session: (session, version, chrome context)."""
    profile = tempfile.mkdtemp(prefix="crossorigin-firefox-har-")
    with open(os.path.join(profile, "user.js"), "w", encoding="utf-8") as prefs:
        for name, value in _HAR_PREFS.items():
            prefs.write(f"user_pref({json.dumps(name)}, {json.dumps(value)});\n")
    process = subprocess.Popen(
        [FIREFOX, "--headless", "--no-remote", "--profile", profile,
         "--remote-debugging-port", "0", "--remote-allow-system-access"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "MOZ_CRASHREPORTER_DISABLE": "1"},
    )  # fmt: skip
    bidi = None
    try:
        bidi = BiDi(_address(process))
        session = bidi.call(
            "session.new", {"capabilities": {"alwaysMatch": {"acceptInsecureCerts": True}}}
        )
        chrome = bidi.call("browsingContext.getTree", {"moz:scope": "chrome"})
        yield bidi, session["capabilities"]["browserVersion"], chrome["contexts"][0]["context"]
    finally:
        if bidi is not None:
            with contextlib.suppress(Exception):
                bidi.call("session.end", {})
            bidi.close()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)


def _address(process: subprocess.Popen[str]) -> str:
    found: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:  # drained to the end: Firefox never blocks on it
            match = _LISTENING.search(line)
            if match and not found:
                found.append(match.group(1))

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + 60
    while not found:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("Firefox did not start its Remote Agent")
        time.sleep(0.05)
    return found[0]


def _headers(raw: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {"name": header["name"], "value": header["value"].get("value", "")}
        for header in raw
        if header.get("value", {}).get("type") == "string"
    ]


class BidiHar:
    """A HAR from one case's BiDi network events (module docstring)."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = events

    def build(self, version: str, page_url: str) -> dict[str, Any]:
        entries: list[dict[str, Any]] = []
        current: dict[str, dict[str, Any]] = {}
        for event in self.events:
            method, params = event["method"], event["params"]
            request = params["request"]
            rid = request["request"]
            if method == "network.beforeRequestSent":
                if request["url"].endswith("/favicon.ico"):
                    continue
                previous = current.get(rid)
                if previous is not None and 300 <= previous["response"]["status"] < 400:
                    previous["response"]["redirectURL"] = request["url"]
                entry = _entry(request, params)
                entries.append(entry)
                current[rid] = entry
            elif method in ("network.responseStarted", "network.responseCompleted") and (
                rid in current
            ):
                response = params["response"]
                current[rid]["response"].update(
                    status=response.get("status", 0),
                    statusText=response.get("statusText", ""),
                    headers=_headers(response.get("headers", [])),
                )
                current[rid]["response"]["content"]["mimeType"] = response.get("mimeType", "")
            elif method == "network.fetchError" and rid in current:
                current[rid]["response"]["_error"] = params.get("errorText")
        pages = [{"id": "page_1", "title": page_url, "startedDateTime": _EPOCH, "pageTimings": {}}]
        for entry in entries:
            entry["pageref"] = "page_1"
        return {
            "log": {
                "version": "1.2",
                "creator": {"name": "crossorigin firefox_har.py (WebDriver BiDi)", "version": "1"},
                "browser": {"name": "Firefox", "version": version},
                "pages": pages,
                "entries": entries,
            }
        }


_EPOCH = "2026-01-01T00:00:00.000Z"


def _entry(request: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    initiator = request.get("initiatorType") or params.get("initiator", {}).get("type") or ""
    return {
        "startedDateTime": _EPOCH,
        "time": 0,
        "_resourceType": {"fetch": "fetch", "xmlhttprequest": "xhr"}.get(initiator, "other"),
        "request": {
            "method": request["method"],
            "url": request["url"],
            "httpVersion": "HTTP/1.1",
            "headers": _headers(request.get("headers", [])),
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": -1,
        },
        "response": {
            "status": 0,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "headers": [],
            "cookies": [],
            "content": {"size": 0, "mimeType": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
    }


def _call(bidi: BiDi, context: str, function: str, *arguments: str, wait: bool = True) -> Any:
    result = bidi.call(
        "script.callFunction",
        {
            "functionDeclaration": function,
            "arguments": [{"type": "string", "value": value} for value in arguments],
            "target": {"context": context},
            "awaitPromise": wait,
        },
    )
    return result["result"]


def _record_case(bidi: BiDi, version: str, chrome: str, case: Case, origins: Origins) -> Recording:
    tab = bidi.call("browsingContext.create", {"type": "tab"})["context"]
    try:
        if case.visit_api_first:
            first = f"{origins.api(case)}/c/{case.name}{case.visit_api_first}"
            bidi.call(
                "browsingContext.navigate", {"context": tab, "url": first, "wait": "complete"}
            )
        page_url = f"{origins.page(case)}/page/{case.name}"
        bidi.call("browsingContext.navigate", {"context": tab, "url": page_url, "wait": "complete"})
        url = case_url(case, origins)
        del bidi.events[:]
        bidi.call("session.subscribe", {"events": list(_EVENTS), "contexts": [tab]})
        try:
            raw = _call(
                bidi,
                tab,
                f"async (url, init) => JSON.stringify(await ({FETCH_SCRIPT})"
                "([url, JSON.parse(init)]))",
                url,
                json.dumps(dict(case.init)),
            )
            result = json.loads(raw["value"])
            # Console lines and the last events can trail the promise.
            deadline = time.monotonic() + 1.0
            messages: list[list[str]] = []
            while time.monotonic() < deadline:
                time.sleep(0.1)
                found = _call(bidi, chrome, _CONSOLE_SCRIPT, f"/c/{case.name}/", wait=False)
                messages = [
                    [item["value"][0]["value"], item["value"][1]["value"]]
                    for item in found["value"]
                ]
                if result["resolved"] or messages:
                    break
            time.sleep(0.2)
            _call(bidi, chrome, "() => 0", wait=False)  # drains pending events
        finally:
            bidi.call("session.unsubscribe", {"events": list(_EVENTS), "contexts": [tab]})
        events = [event for event in bidi.events if event.get("type") == "event"]
        del bidi.events[:]
        har = BidiHar(events).build(version, page_url)
        errors = [category for category, _ in messages if category.startswith("CORS")]
        verdict = {
            "browser": "firefox",
            "version": version,
            "url": url,
            "resolved": result["resolved"],
            "status": result.get("status"),
            "error": result.get("error"),
            "firefox_reason": errors[0].rstrip("0123456789") if errors else None,
            "cors_error": None,
            "blocked_reason": None,
            "error_text": next(
                (
                    event["params"].get("errorText")
                    for event in events
                    if event["method"] == "network.fetchError"
                    and event["params"]["request"]["url"] == url
                ),
                None,
            ),
            "not_cors": case.not_cors,
            "har_lacks_request": not any(
                entry["request"]["url"] == url for entry in har["log"]["entries"]
            ),
        }
        return Recording(case.name, "firefox", har, [text for _, text in messages], verdict)
    finally:
        bidi.call("browsingContext.close", {"context": tab})


def record_firefox(
    cases: tuple[Case, ...] = CASES,
) -> tuple[list[Recording], Origins]:
    chosen = tuple(case for case in cases if "firefox" in case.engines)
    with servers(chosen) as origins, firefox() as (bidi, version, chrome):
        recordings = [_record_case(bidi, version, chrome, case, origins) for case in chosen]
    return recordings, origins
