"""Real headless Chromium as a CORS oracle.

Theory of operation: three threaded HTTP servers on loopback (the *page*,
*api* and *other* ports) serve whatever scenario is registered under a unique
id (`sid`) that appears as the first segment of every URL path. Scenarios are
written with port placeholders (`{page_port}`, `{api_port}`, `{other_port}`)
and a `{sid}` placeholder, so the corpus does not depend on which ports the
operating system hands out; `Oracle.concretize` fills them in.

`Oracle.run(scenario)` opens (once) a page on the scenario's `page_origin`,
runs one real `fetch()` there, tries to read `read_headers`, and returns an
outcome in the documented format (docs/scenario-format.md), built only from
what Chromium and the servers observed:

- `allowed`: the promise resolved;
- `reason`: DevTools' `Network.loadingFailed.corsErrorStatus.corsError`;
- `console`: the "Access to fetch at ..." / "Fetch API cannot load ..." line;
- `preflight_sent` / `preflight_request`: an `OPTIONS` the server received,
  with its `Access-Control-Request-Method` and `-Headers`;
- `readable_headers`: what `response.headers.get()` returned.

Console and CDP events can trail `evaluate()` by a few milliseconds, so a
rejected fetch polls briefly for them, keyed on the sid; the wait is bounded
and skipped when the rejection is one that never logs (Blink's own TypeErrors).
A CORS failure always yields both events, so once one is in, the other is
waited for longer (`PAIRED_EVENT_SECONDS`): on a loaded machine either can be
late.
Every server disables Nagle (TCP_NODELAY): with keep-alive, headers and body in
separate writes otherwise stall 40 ms each (measured).
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHROMIUM_PATH = "/usr/bin/chromium"
#: Every name under it resolves to 127.0.0.1 in Chromium (through the flag
#: below), so one loopback server can serve pages on many origins: the
#: policy-feature tests put globs' and groups' page origins there. RFC 6761
#: reserves `.test`, so no real name is shadowed.
MAPPED_DOMAIN = "crossorigin.test"
CHROMIUM_ARGS = [
    f"--host-resolver-rules=MAP *.{MAPPED_DOMAIN} 127.0.0.1",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: How long a rejected fetch waits for its console line and CDP event.
EVENT_WAIT_SECONDS = 0.5
#: Rejections that Chromium raises without a console message or network event.
_SILENT_REJECTIONS = ("unsupported in no-cors mode", "Failed to execute 'fetch'")

_SID_PATTERN = re.compile(r"sid-[0-9a-z]+-[0-9]+")
_CONSOLE_PREFIXES = (
    "Access to fetch at ",
    "Fetch API cannot load ",
    "Redirect location ",
    "Unsafe attempt to load URL ",
)
#: Once the console line is in, how long its CDP event may still trail it
#: (Blink's own checks, such as the request mode, log without a CDP event).
CDP_AFTER_CONSOLE_SECONDS = 0.05
#: A CORS failure always produces both a "Access to fetch at" console line and
#: a CDP `corsErrorStatus`; once one of them is in, the other is certain, so
#: it is waited for this long (a loaded machine can delay either well past
#: the short waits above, which made the comparison flaky).
PAIRED_EVENT_SECONDS = 3.0

Scenario = dict[str, Any]
Outcome = dict[str, Any]

_PAGE_HTML = b"<!doctype html><meta charset=utf-8><title>crossorigin oracle</title>"

_FETCH_SCRIPT = """
async ({url, init, read, body}) => {
  try {
    if (body) {
      if (body.kind === "text") init.body = "x";
      else if (body.kind === "form") {
        const form = new FormData(); form.append("a", "1"); init.body = form;
      }
      else if (body.kind === "blob") init.body = new Blob(["x"], {type: body.type || ""});
    }
    const response = await fetch(url, init);
    try { await response.arrayBuffer(); } catch (e) {}
    const headers = {};
    for (const name of read) headers[name.toLowerCase()] = response.headers.get(name);
    return {resolved: true, status: response.status, type: response.type, headers};
  } catch (error) {
    return {resolved: false, error: String(error)};
  }
}
"""


def chromium_unavailable() -> str | None:
    """Why real-Chromium tests cannot run here, or None when they can."""
    if not os.path.exists(CHROMIUM_PATH) and shutil.which("chromium") is None:
        return f"Chromium is not installed ({CHROMIUM_PATH} missing)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


# --- Scenario servers ------------------------------------------------------------


@dataclass
class ReceivedRequest:
    """One request as a scenario server saw it."""

    method: str
    path: str
    port: int
    headers: list[tuple[str, str]]
    status: int | None = None  # what the scenario server answered

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


@dataclass
class _Registration:
    responses: dict[str, Any]
    received: list[ReceivedRequest] = field(default_factory=list)
    actual_served: int = 0
    preflights_served: int = 0


class ScenarioRegistry:
    """What each sid's server answers, and what it received (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_sid: dict[str, _Registration] = {}

    def register(self, sid: str, responses: dict[str, Any]) -> None:
        with self._lock:
            self._by_sid[sid] = _Registration(copy.deepcopy(responses))

    def forget(self, sid: str) -> None:
        with self._lock:
            self._by_sid.pop(sid, None)

    def received(self, sid: str) -> list[ReceivedRequest]:
        with self._lock:
            registration = self._by_sid.get(sid)
            return list(registration.received) if registration else []

    def record(self, request: ReceivedRequest) -> None:
        """Note a request answered by a server of its own (the ASGI API)."""
        match = _SID_PATTERN.search(request.path)
        if match is None:
            return
        with self._lock:
            registration = self._by_sid.setdefault(match.group(0), _Registration({}))
            registration.received.append(request)

    def answer(self, request: ReceivedRequest) -> tuple[int, list[tuple[str, str]]] | None:
        """Record the request; return the status and headers to send, or None
        when no scenario owns the path."""
        match = _SID_PATTERN.search(request.path)
        if match is None:
            return None
        with self._lock:
            registration = self._by_sid.get(match.group(0))
            if registration is None:
                return None
            registration.received.append(request)
            responses = registration.responses
            is_preflight = request.method == "OPTIONS" and (
                request.header("Access-Control-Request-Method") is not None
            )
            if is_preflight:
                answer = _preflight_answer(responses.get("preflight"), request, registration)
            else:
                actual = responses.get("actual") or {"status": 200, "headers": []}
                if isinstance(actual, list):
                    answer = actual[min(registration.actual_served, len(actual) - 1)]
                else:
                    answer = actual
                registration.actual_served += 1
            request.status = int(answer["status"])
        return int(answer["status"]), [(str(k), str(v)) for k, v in answer.get("headers", [])]


def _preflight_answer(
    preflight: Any, request: ReceivedRequest, registration: _Registration
) -> dict[str, Any]:
    """The scenario's answer to a preflight: one object, a list matched by URL
    (items with `url`: the first whose URL, fragment removed, is the one
    requested), or a positional list (the last one repeated)."""
    if not preflight:
        return {"status": 404, "headers": []}
    if not isinstance(preflight, list):
        return dict(preflight)
    if any("url" in item for item in preflight):
        wanted = f"http://{request.header('Host')}{request.path}"
        for item in preflight:
            if item.get("url", "").partition("#")[0] == wanted:
                return dict(item)
        return {"status": 404, "headers": []}
    index = registration.preflights_served
    registration.preflights_served += 1
    return dict(preflight[min(index, len(preflight) - 1)])


def wire_bytes(text: str) -> bytes:
    """A scenario's header text as bytes on the wire: ISO-8859-1 when every
    code point fits (one byte each, so any byte can be written), else UTF-8."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


class _ScenarioHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    registry: ScenarioRegistry
    port: int

    def _serve(self) -> None:
        request = ReceivedRequest(
            method=self.command,
            path=self.path,
            port=self.server.server_address[1],
            headers=list(self.headers.items()),
        )
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if request.path in ("/", "/index.html"):
            self._send(200, [("Content-Type", "text/html")], _PAGE_HTML)
            return
        answer = self.registry.answer(request)
        if answer is None:
            self._send(404, [], b"")
            return
        status, headers = answer
        declared = next((v for k, v in headers if k.lower() == "content-length"), None)
        body = b"x" * int(declared) if declared and declared.strip().isdigit() else b""
        if status in (204, 304) or self.command == "HEAD":
            body = b""
        if declared is None:
            headers = [*headers, ("Content-Length", str(len(body)))]
        self._send(status, headers, body)

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        # Written as raw bytes (no Server/Date headers, the scenario's are the
        # only ones): values may hold any byte but CR and LF (see wire_bytes).
        lines = [f"HTTP/1.1 {status} X".encode("ascii")]
        lines += [wire_bytes(name) + b": " + wire_bytes(value) for name, value in headers]
        if not any(name.lower() == "content-length" for name, _ in headers):
            lines.append(b"Content-Length: " + str(len(body)).encode("ascii"))
        self.wfile.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve

    def handle_one_request(self) -> None:
        # Any method token (`patch`, `FOO`) reaches _serve.
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self._serve()
            self.wfile.flush()
        except (TimeoutError, ConnectionError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


def start_http_server(registry: ScenarioRegistry) -> _QuietServer:
    handler = type("ScenarioHandler", (_ScenarioHandler,), {"registry": registry})
    server = _QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="scenario-server").start()
    return server


# --- Placeholders ------------------------------------------------------------------


def fetch_argument(concrete: Scenario) -> dict[str, Any]:
    """What the page script (`_FETCH_SCRIPT`) gets for one concrete scenario:
    the URL, the `fetch()` init (defaults as the scenario format states), the
    response headers to read and the body. Every engine's harness sends this."""
    request = concrete["request"]
    init: dict[str, Any] = {
        "method": request.get("method", "GET"),
        "headers": [list(pair) for pair in request.get("headers", [])],
        "credentials": request.get("credentials", "same-origin"),
        "mode": request.get("mode", "cors"),
    }
    for key in ("redirect", "cache", "keepalive"):
        if key in request:
            init[key] = request[key]
    return {
        "url": request["url"],
        "init": init,
        "read": concrete.get("read_headers", []),
        "body": request.get("body"),
    }


def fill_placeholders(value: Any, replacements: dict[str, str]) -> Any:
    """`value` (a JSON tree) with every `{name}` placeholder in its strings replaced."""
    if isinstance(value, str):
        for placeholder, text in replacements.items():
            value = value.replace(placeholder, text)
        return value
    if isinstance(value, list):
        return [fill_placeholders(item, replacements) for item in value]
    if isinstance(value, dict):
        return {key: fill_placeholders(item, replacements) for key, item in value.items()}
    return value


# --- The oracle ----------------------------------------------------------------------


@dataclass
class _PageState:
    page: Any
    console: list[str] = field(default_factory=list)
    cors_errors: dict[str, dict[str, Any]] = field(default_factory=dict)
    first_url: dict[str, str] = field(default_factory=dict)


class ScenarioServers:
    """What every engine's oracle shares: three loopback scenario servers
    (page, API, other) answering from `registry`, the `ports` that fill a
    scenario's placeholders, and fresh sids keying each scenario's answers."""

    def __init__(self, servers: list[_QuietServer]) -> None:
        self._servers = servers
        self.page_port, self.api_port, self.other_port = (
            s.server_address[1] for s in self._servers
        )
        self.ports: dict[str, int] = {
            "page_port": self.page_port,
            "api_port": self.api_port,
            "other_port": self.other_port,
        }
        self._run_token = os.urandom(4).hex()
        self._counter = itertools.count(1)

    def new_sid(self) -> str:
        return f"sid-{self._run_token}-{next(self._counter)}"

    def concretize(self, scenario: Scenario, sid: str) -> Scenario:
        """The scenario with real ports and this sid in place of its placeholders."""
        replacements = {"{" + name + "}": str(port) for name, port in self.ports.items()}
        replacements["{sid}"] = sid
        return fill_placeholders(scenario, replacements)

    def stop_servers(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()


class Oracle(ScenarioServers):
    """One Chromium, one page per page origin, three loopback scenario servers.

    Use as a context manager (or call `close()`); `run()` is not thread-safe
    (Playwright's sync API belongs to the thread that started it)."""

    def __init__(self, *, browser: Any = None) -> None:
        """`browser`: a running Playwright Chromium to open a context in (the
        suite's shared one: Playwright's sync API allows one instance per
        process); without it the oracle starts and owns its own."""
        self.registry = ScenarioRegistry()
        super().__init__([start_http_server(self.registry) for _ in range(3)])
        self._playwright_manager: Any = None
        self._owned_browser: Any = None
        try:
            if browser is None:
                from playwright.sync_api import sync_playwright

                self._playwright_manager = sync_playwright()
                playwright = self._playwright_manager.start()
                browser = self._owned_browser = playwright.chromium.launch(
                    executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
                )
            self._context = browser.new_context()
        except Exception:
            self.close()
            raise
        self._pages: dict[str, _PageState] = {}
        self.version: str = browser.version

    # -- lifecycle ------------------------------------------------------------

    def __enter__(self) -> Oracle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            if getattr(self, "_context", None) is not None:
                self._context.close()
            if self._owned_browser is not None:
                self._owned_browser.close()
        finally:
            if self._playwright_manager is not None:
                self._playwright_manager.__exit__(None, None, None)
            self.stop_servers()

    # -- scenarios --------------------------------------------------------------

    def run(self, scenario: Scenario, *, sid: str | None = None) -> Outcome:
        """Run one scenario (placeholders allowed) and return Chromium's outcome.

        Pass the same `sid` to consecutive calls to test the preflight cache;
        by default every call gets a fresh sid, so a fresh URL."""
        sid = sid or self.new_sid()
        concrete = self.concretize(scenario, sid)
        if "responses" in concrete:
            self.registry.register(sid, concrete["responses"])
        before = len(self.registry.received(sid))
        state = self._page_for(concrete["page_origin"])
        result = state.page.evaluate(
            _FETCH_SCRIPT,
            fetch_argument(concrete),
        )
        console: str | None = None
        cors_error: dict[str, Any] | None = None
        if not result["resolved"]:
            wait = not any(marker in result["error"] for marker in _SILENT_REJECTIONS)
            console, cors_error = self._events_for(state, sid, wait=wait)
        received = self.registry.received(sid)[before:]
        return _outcome(concrete, result, console, cors_error, received, self.ports)

    def _events_for(
        self, state: _PageState, sid: str, *, wait: bool
    ) -> tuple[str | None, dict[str, Any] | None]:
        deadline = time.monotonic() + (EVENT_WAIT_SECONDS if wait else 0.0)
        paired = False
        while True:
            console = next((line for line in state.console if sid in line), None)
            cors_error = state.cors_errors.get(sid)
            if (console is not None and cors_error is not None) or time.monotonic() > deadline:
                break
            if not paired and (
                (console is not None and console.startswith("Access to fetch at "))
                or (cors_error is not None and cors_error.get("corsErrorStatus"))
            ):
                paired = True
                deadline = time.monotonic() + PAIRED_EVENT_SECONDS
            elif console is not None and not paired:
                deadline = min(deadline, time.monotonic() + CDP_AFTER_CONSOLE_SECONDS)
            state.page.wait_for_timeout(3)
        state.console[:] = [line for line in state.console if sid not in line]
        state.cors_errors.pop(sid, None)
        return console, cors_error

    def page(self, page_origin: str) -> Any:
        """The Playwright page on `page_origin` that `run` fetches from (opened
        if need be), for a test that reads more than the outcome."""
        return self._page_for(page_origin).page

    def _page_for(self, page_origin: str) -> _PageState:
        state = self._pages.get(page_origin)
        if state is not None:
            return state
        page = self._context.new_page()
        state = _PageState(page)

        def on_console(message: Any) -> None:
            text = message.text
            if message.type == "error" and text.startswith(_CONSOLE_PREFIXES):
                state.console.append(text)

        page.on("console", on_console)
        cdp = self._context.new_cdp_session(page)

        def on_request(event: dict[str, Any]) -> None:
            state.first_url.setdefault(event["requestId"], event["request"]["url"])

        def on_failed(event: dict[str, Any]) -> None:
            if event.get("type") == "Preflight":
                return
            url = state.first_url.pop(event["requestId"], "")
            match = _SID_PATTERN.search(url)
            if match is not None:
                state.cors_errors[match.group(0)] = {
                    "corsErrorStatus": event.get("corsErrorStatus"),
                    "errorText": event.get("errorText"),
                }

        def on_finished(event: dict[str, Any]) -> None:
            state.first_url.pop(event["requestId"], None)

        cdp.on("Network.requestWillBeSent", on_request)
        cdp.on("Network.loadingFailed", on_failed)
        cdp.on("Network.loadingFinished", on_finished)
        cdp.send("Network.enable")
        page.goto(page_origin + "/")
        self._pages[page_origin] = state
        return state

    def drain(self, sid: str) -> None:
        self.registry.forget(sid)


def _outcome(
    scenario: Scenario,
    result: dict[str, Any],
    console: str | None,
    cors_error: dict[str, Any] | None,
    received: list[ReceivedRequest],
    ports: dict[str, int] | None = None,
) -> Outcome:
    preflights = [
        r
        for r in received
        if r.method == "OPTIONS" and r.header("Access-Control-Request-Method") is not None
    ]
    preflight_request = None
    if preflights:
        first = preflights[0]
        headers = [["Access-Control-Request-Method", first.header("Access-Control-Request-Method")]]
        request_headers = first.header("Access-Control-Request-Headers")
        if request_headers is not None:
            headers.append(["Access-Control-Request-Headers", request_headers])
        preflight_request = {"method": "OPTIONS", "headers": headers}
    status = (cors_error or {}).get("corsErrorStatus") or {}
    error_text = (cors_error or {}).get("errorText")
    hops = [
        {
            "url": f"http://{r.header('Host')}{r.path}",
            "method": r.method,
            "status": r.status,
            "origin": r.header("Origin"),
        }
        for r in received
        if r not in preflights
    ]
    read = scenario.get("read_headers", [])
    readable = result.get("headers") or {}
    return {
        "preflight_sent": bool(preflights),
        "preflight_request": preflight_request,
        "allowed": bool(result["resolved"]),
        "reason": status.get("corsError"),
        "console": console,
        "readable_headers": {name.lower(): readable.get(name.lower()) for name in read},
        # A network error is a failure with no CORS status: its net::ERR_* name.
        "network_error": (
            error_text
            if not status
            and error_text
            and error_text.startswith("net::ERR_")
            and error_text != "net::ERR_FAILED"
            else None
        ),
        "hops": hops,
        "net_error_text": error_text,
        # Extras for reports, beyond the documented outcome:
        "failed_parameter": status.get("failedParameter"),
        "error": result.get("error"),
        "status": result.get("status"),
        "response_type": result.get("type"),
        "server_received": [
            {"method": r.method, "port": r.port, "path": r.path, "origin": r.header("Origin")}
            for r in received
        ],
    }


# --- Comparison --------------------------------------------------------------------

#: The fields of an outcome that comparison (1) holds the model to.
COMPARED_FIELDS = (
    "allowed",
    "reason",
    "console",
    "preflight",
    "readable_headers",
    "network_error",
    "hops",
)


def oracle_view(outcome: Outcome) -> dict[str, Any]:
    """The oracle tuple of an outcome (Chromium's or the model's), normalized
    only where the format allows two spellings of one fact."""
    preflight = None
    if outcome.get("preflight_sent"):
        request = outcome.get("preflight_request") or {}
        preflight = {str(name).lower(): value for name, value in (request.get("headers") or [])}
    readable = {
        str(name).lower(): value for name, value in (outcome.get("readable_headers") or {}).items()
    }
    # Per hop, what the servers saw: the URL and method asked for, the
    # status they answered, the Origin header sent.
    hops = [
        {key: hop.get(key) for key in ("url", "method", "status", "origin")}
        for hop in outcome.get("hops") or []
    ]
    return {
        "allowed": bool(outcome.get("allowed")),
        "reason": outcome.get("reason"),
        "console": outcome.get("console"),
        "preflight": preflight,
        "readable_headers": readable,
        "network_error": outcome.get("network_error"),
        "hops": hops,
    }


_DISALLOWED_HEADER = re.compile(
    r"Request header field (\S+) is not allowed by Access-Control-Allow-Headers"
)


def _named_disallowed_header(console: str | None) -> str | None:
    match = _DISALLOWED_HEADER.search(console or "")
    return match.group(1) if match else None


def same_up_to_header_order(chromium: dict[str, Any], model: dict[str, Any]) -> bool:
    """Chromium deviation, measured: when several request headers are refused
    by a preflight, the console names the first one in the iteration order of
    Blink's hash map of request headers (not ACRH's sorted order, nor the
    order the page set them). No model can reproduce a hash order, so two
    console lines are equivalent when they differ only in which refused header
    they name, and both names are in the preflight's
    Access-Control-Request-Headers. See test_browser_chromium_facts."""
    if not chromium["reason"] == model["reason"] == "HeaderDisallowedByPreflightResponse":
        return False
    ours = _named_disallowed_header(chromium["console"])
    theirs = _named_disallowed_header(model["console"])
    requested = (chromium["preflight"] or {}).get("access-control-request-headers") or ""
    names = set(requested.split(","))
    return (
        ours is not None
        and theirs is not None
        and {ours, theirs} <= names
        and chromium["console"].replace(f" field {ours} ", f" field {theirs} ") == model["console"]
    )


def differences(chromium: Outcome, model: Outcome) -> dict[str, tuple[Any, Any]]:
    """Field -> (Chromium's value, the model's value), for every field that differs."""
    return view_differences(oracle_view(chromium), oracle_view(model))


def view_differences(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """`differences` over two oracle views."""
    differing = {
        name: (ours[name], theirs[name]) for name in COMPARED_FIELDS if ours[name] != theirs[name]
    }
    if set(differing) == {"console"} and same_up_to_header_order(ours, theirs):
        return {}
    return differing


def load_corpus(path: str) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as corpus_file:
        entries: list[dict[str, Any]] = json.load(corpus_file)
    return entries


def recorded_differences(recorded: dict[str, Any], model: Outcome) -> dict[str, tuple[Any, Any]]:
    """Field -> (Chromium's recorded value, the model's), for every field of
    the oracle view that differs, plus the error text of a failure without a
    DevTools reason (a TypeError or a network error)."""
    differing = view_differences(recorded, oracle_view(model))
    failed_without_reason = not recorded["allowed"] and recorded["reason"] is None
    if failed_without_reason and recorded.get("error") != model.get("error"):
        differing["error"] = (recorded.get("error"), model.get("error"))
    return differing


def recorded_view(outcome: Outcome, ports: dict[str, int], sid: str) -> dict[str, Any]:
    """What recorded.json keeps of an outcome: the oracle view plus the error
    text, response type, network error and hops, with ports and the sid put
    back as placeholders."""
    view = oracle_view(outcome)
    view.update(
        {
            "error": outcome.get("error"),
            "response_type": outcome.get("response_type"),
            "network_error": outcome.get("network_error"),
            "hops": outcome.get("hops"),
        }
    )
    replacements = {str(port): "{" + name + "}" for name, port in ports.items()}

    def unfill(value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace(sid, "{sid}")
            for port, placeholder in replacements.items():
                value = value.replace(":" + port, ":" + placeholder)
            return value
        if isinstance(value, list):
            return [unfill(item) for item in value]
        if isinstance(value, dict):
            return {key: unfill(item) for key, item in value.items()}
        return value

    return unfill(view)
