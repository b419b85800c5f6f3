"""`crossorigin check`'s library half: act like a browser against a live URL.

Theory of operation: the browser model (`crossorigin.browser.run_fetch`)
decides everything; this module only supplies it with live HTTP, and
`report` puts the `Trace` beside its explanation (`crossorigin.explain`) as
the JSON object `crossorigin check --format json` prints (`CheckReport`,
documented field by field in docs/output-formats.md). `HttpxTransport` sends
each request the model asks for (the preflight when the browser would send
one, then the request and each redirect hop, never following redirects
itself), so what is shown is exactly what a browser would have exchanged,
minus cookies. The command (arguments, text output, exit status) is
`crossorigin.cli.check`.

What comes back from the network is hostile until shown otherwise. A
response head must be complete within `timeout` seconds (not only each
read). Bodies are never needed for the verdict: each is read raw (never
decompressed, so a gzip bomb stays a few kilobytes) and at most
`MAX_BODY_BYTES` of it, within `timeout` more seconds, then the connection
is dropped; the report says when a body was cut short. Values in the report
are as received: whoever prints them to a terminal passes them through
`crossorigin.terminal.safe` (JSON escapes control characters itself).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, NotRequired, TypedDict
from urllib.parse import urlsplit

from crossorigin.browser import (
    Exchange,
    FetchRequest,
    HTTPResponse,
    ScenarioError,
    Trace,
    run_fetch,
)
from crossorigin.explain import detect_stack, explain_trace
from crossorigin.explain.not_cors import not_cors_notes
from crossorigin.origin import Origin, OriginSyntaxError

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_URL_LENGTH",
    "BodyRead",
    "CheckError",
    "CheckReport",
    "HttpxTransport",
    "check_url",
    "parse_header",
    "report",
    "run_check",
]

#: Body bytes read at most per response; the verdict needs the headers only.
MAX_BODY_BYTES: Final = 64 * 1024
#: A URL longer than this is refused before anything is sent (servers commonly
#: refuse request lines above 8 KiB anyway).
MAX_URL_LENGTH: Final = 8192
_USER_AGENT: Final = "crossorigin-check"


class CheckError(Exception):
    """The check could not run (bad argument, network failure); exit 2."""


# --- Live HTTP ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BodyRead:
    """How much of one response body was read: raw bytes on the wire (before
    any content coding is undone), and why reading stopped early, if it did."""

    bytes_read: int
    #: "size" (MAX_BODY_BYTES), "time" (--timeout) or "error" (the body broke off)
    stopped: str | None = None


class _Deadline:
    """Hangs up a connection that is still busy when its time is up.

    httpx's timeouts bound each read, not an exchange: a server sending one
    byte just within every read timeout keeps a request alive for hours. The
    socket is learnt from httpcore's `trace` extension when it connects (each
    request gets its own connection, see `HttpxTransport`); at the deadline a
    timer thread shuts it down, which ends the blocked read at once."""

    def __init__(self) -> None:
        self._sockets: list[socket.socket] = []
        self._timer: threading.Timer | None = None
        self.expired = False

    def trace(self, name: str, info: Mapping[str, Any]) -> None:
        if name.endswith("connect_tcp.complete"):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                self._sockets.append(sock)

    def start(self, seconds: float) -> None:
        self.cancel()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self) -> None:
        self.expired = True
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class HttpxTransport:
    """Sends the model's requests with httpx, without following redirects.

    Responses are streamed: the headers are what the model needs, and they
    must arrive within `timeout` seconds of the request; of the body, at most
    `max_body` raw bytes are read within `timeout` more seconds, then the
    connection is dropped. `bodies` lists one `BodyRead` per request sent, in
    order (the order of `Trace.exchanges`). No connection is reused: each
    exchange's deadline owns its socket."""

    def __init__(
        self, *, timeout: float = 10.0, body: bytes | None = None, max_body: int = MAX_BODY_BYTES
    ) -> None:
        import httpx

        self._httpx = httpx
        self._client = httpx.Client(
            follow_redirects=False,
            timeout=timeout,
            headers={"User-Agent": _USER_AGENT},
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
        )
        self._body = body
        self._timeout = timeout
        self._max_body = max_body
        self.bodies: list[BodyRead] = []

    def close(self) -> None:
        self._client.close()

    def __call__(
        self, kind: str, method: str, url: str, headers: Sequence[tuple[str, str]]
    ) -> HTTPResponse:
        body = self._body if kind == "actual" and method not in ("GET", "HEAD") else None
        deadline = _Deadline()
        deadline.start(self._timeout)
        try:
            with self._client.stream(
                method,
                url,
                headers=list(headers),
                content=body,
                extensions={"trace": deadline.trace},
            ) as response:
                pairs = tuple(
                    (name.decode("latin-1"), value.decode("latin-1"))
                    for name, value in response.headers.raw
                )
                deadline.start(self._timeout)
                self.bodies.append(self._read_body(response, deadline))
        except self._httpx.TimeoutException as error:
            raise CheckError(f"{method} {url}: timed out ({error.__class__.__name__})") from None
        except self._httpx.HTTPError as error:
            if deadline.expired:
                raise CheckError(
                    f"{method} {url}: timed out (no complete response head within "
                    f"{self._timeout:g} s)"
                ) from None
            raise CheckError(f"{method} {url}: {_network_message(error)}") from None
        finally:
            deadline.cancel()
        return HTTPResponse(response.status_code, pairs)

    def _read_body(self, response: Any, deadline: _Deadline) -> BodyRead:
        # iter_raw: the bytes as sent, never gunzipped (a 1 MiB gzip bomb would
        # otherwise expand to gigabytes); leaving the `with` early closes the
        # connection instead of draining an endless body.
        received = 0
        try:
            for chunk in response.iter_raw():
                received += len(chunk)
                if received >= self._max_body:
                    return BodyRead(min(received, self._max_body), "size")
                if deadline.expired:
                    return BodyRead(received, "time")
        except self._httpx.HTTPError:
            # The body is not part of the verdict: a timeout or a broken body
            # after complete headers only ends the reading.
            return BodyRead(received, "time" if deadline.expired else "error")
        return BodyRead(received, "time" if deadline.expired else None)


def _network_message(error: Exception) -> str:
    text = str(error) or error.__class__.__name__
    if "refused" in text.lower() or "111" in text:
        return f"connection refused ({text}); is the server running?"
    return text


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def _suggest_scheme(url: str) -> str:
    host = urlsplit("//" + url).hostname or ""
    try:
        local = ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_private
    except ValueError:
        local = host == "localhost" or host.endswith(".localhost")
    return ("http://" if local else "https://") + url


def check_url(url: str) -> None:
    """Refuse a URL the check cannot mean: too long, without a scheme (a
    browser would resolve `127.0.0.1:8000/items` against the page, a request
    to the page's own origin that is never what the user meant), with a
    scheme other than http(s), or unparsable. Raises CheckError."""
    if len(url) > MAX_URL_LENGTH:
        raise CheckError(
            f"the URL is {len(url):,} characters long; at most {MAX_URL_LENGTH:,} are accepted"
        )
    head = url.partition("/")[0]
    scheme, colon, _ = head.partition(":")
    has_scheme = bool(colon) and "://" in url and scheme.isascii() and scheme.isalpha()
    if not has_scheme:
        raise CheckError(f"'{url}' has no scheme; did you mean {_suggest_scheme(url)}?")
    if scheme.lower() not in ("http", "https"):
        raise CheckError(f"'{url}': only http and https URLs can be checked")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as error:
        raise CheckError(f"'{url}' is not a valid URL: {error}") from None
    if not parts.hostname:
        raise CheckError(f"'{url}' is not a valid URL: it has no host")


def parse_header(text: str) -> tuple[str, str]:
    """A `-H` argument, 'Name: value', as a pair; raises CheckError."""
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise CheckError(f"-H {text!r}: write headers as 'Name: value'")
    return name.strip(), value.strip()


def run_check(
    url: str,
    *,
    origin: str,
    method: str = "GET",
    headers: Sequence[tuple[str, str]] = (),
    credentials: bool = False,
    read_headers: Sequence[str] = (),
    spec: bool = False,
    timeout: float = 10.0,
    body: bytes | None = None,
    transport: HttpxTransport | None = None,
    browser: str = "chromium",
) -> Trace:
    """One live check: the model's fetch with real HTTP. Raises CheckError.
    A `transport` passed in (to read its `bodies` afterwards) stays open."""
    check_url(url)
    try:
        page = Origin.parse_strict(origin)
    except OriginSyntaxError as error:
        hint = f" ({error.hint})" if error.hint else ""
        raise CheckError(f"--origin '{_clip(origin)}': {_clip(str(error))}{hint}") from None
    request = FetchRequest(
        page_origin=page.serialize(),
        url=url,
        method=method,
        headers=tuple(headers),
        credentials="include" if credentials else "same-origin",
        read_headers=tuple(read_headers),
    )
    own = transport is None
    live = HttpxTransport(timeout=timeout, body=body) if transport is None else transport
    try:
        return run_fetch(request, live, spec=spec, browser=browser)
    except ScenarioError as error:
        raise CheckError(_clip(str(error), 400)) from None
    finally:
        if own:
            live.close()


# --- The JSON report --------------------------------------------------------------------


class CheckRequest(TypedDict):
    method: str
    headers: list[list[str]]  # [name, value] pairs, as the page set them
    credentials: str  # "include" or "same-origin"


class CheckExchange(TypedDict):
    kind: str  # "preflight" or "actual"
    method: str
    url: str
    request_headers: list[list[str]]
    status: int
    response_headers: list[list[str]]
    body_bytes_read: NotRequired[int]
    body_truncated: NotRequired[str | None]  # "size", "time", "error" or null


class CheckStack(TypedDict):
    detected: list[str]  # keys of crossorigin.explain.STACK_NAMES, application first
    evidence: str
    fix_shown_for: str | None


class CheckExplanation(TypedDict):
    cause: str
    summary: str
    notes: list[str]
    fix_by_stack: dict[str, str]


class CheckReport(TypedDict):
    url: str
    origin: str
    request: CheckRequest
    exchanges: list[CheckExchange]
    #: `crossorigin simulate`'s outcome, documented in docs/scenario-format.md.
    outcome: dict[str, Any]
    stack: CheckStack
    explanation: CheckExplanation


def report(
    trace: Trace, *, stack: str | None = None, bodies: Sequence[BodyRead] = ()
) -> CheckReport:
    """The JSON report of `crossorigin check --format json`; `bodies` (from
    `HttpxTransport.bodies`) adds what was read of each response body."""
    detected, evidence = detect_stack(trace.exchanges)
    explanation = explain_trace(trace)
    chosen = stack or (detected[0] if detected else None)
    return {
        "url": trace.request.url,
        "origin": trace.request.page_origin,
        "request": {
            "method": trace.request.method,
            "headers": [list(pair) for pair in trace.request.headers],
            "credentials": trace.request.credentials,
        },
        "exchanges": [
            _exchange(exchange, bodies, number) for number, exchange in enumerate(trace.exchanges)
        ],
        "outcome": trace.outcome(),
        "stack": {"detected": detected, "evidence": evidence, "fix_shown_for": chosen},
        "explanation": {
            "cause": explanation.cause,
            "summary": explanation.summary,
            "notes": [*not_cors_notes(trace), *explanation.notes],
            "fix_by_stack": explanation.fix_by_stack,
        },
    }


def _exchange(exchange: Exchange, bodies: Sequence[BodyRead], number: int) -> CheckExchange:
    shown: CheckExchange = {
        "kind": exchange.kind,
        "method": exchange.method,
        "url": exchange.url,
        "request_headers": [list(pair) for pair in exchange.request_headers],
        "status": exchange.response.status,
        "response_headers": [list(pair) for pair in exchange.response.headers],
    }
    if number < len(bodies):
        shown["body_bytes_read"] = bodies[number].bytes_read
        shown["body_truncated"] = bodies[number].stopped
    return shown
