"""The browser model's data: what a page asks `fetch()` for, what the server
answers, and what happened (one `Trace` per fetch).

Rule 1: every type that crosses the model's boundary lives here, so the fetch
algorithm (`fetch.py`), the scenario reader (`scenario.py`) and live callers
(`crossorigin check`) share one vocabulary. The outcome dict a scenario gets
back is `Trace.outcome()`; its format is documented in docs/scenario-format.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "BODY_KINDS",
    "CACHE_MODES",
    "CREDENTIALS_MODES",
    "MODES",
    "REDIRECT_MODES",
    "Body",
    "Exchange",
    "FetchRequest",
    "HTTPResponse",
    "Hop",
    "ScenarioError",
    "Trace",
    "Transport",
]

CREDENTIALS_MODES: Final = ("omit", "same-origin", "include")
MODES: Final = ("cors", "no-cors", "same-origin")
REDIRECT_MODES: Final = ("follow", "error", "manual")
#: Fetch §5.4 RequestCache.
CACHE_MODES: Final = ("default", "no-store", "reload", "no-cache", "force-cache", "only-if-cached")
#: What a scenario's `request.body` may be: a string, a FormData, a Blob.
BODY_KINDS: Final = ("text", "form", "blob")


class ScenarioError(ValueError):
    """A scenario (or a request given to the model) is not well formed."""


@dataclass(frozen=True)
class HTTPResponse:
    """A server's answer as the model needs it: status and header list. Header
    values are the bytes on the wire, one character per byte (ISO-8859-1)."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Exchange:
    """One request the browser sent and the response it got."""

    kind: str  # "preflight" or "actual"
    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    response: HTTPResponse


#: Sends one request: (kind, method, url, request headers) -> response.
Transport = Callable[[str, str, str, Sequence[tuple[str, str]]], HTTPResponse]


@dataclass(frozen=True)
class Body:
    """A request body as `fetch()` sees its type (Fetch §5.1 "extract a
    body"): a string (`text`), a FormData (`form`) or a Blob (`blob`) whose
    `type` is `content_type` (empty: no Content-Type)."""

    kind: str
    content_type: str = ""

    def __post_init__(self) -> None:
        if self.kind not in BODY_KINDS:
            choices = ", ".join(repr(choice) for choice in BODY_KINDS)
            raise ScenarioError(f"request.body.kind is {self.kind!r}; use one of {choices}")

    @property
    def header_value(self) -> str | None:
        """The Content-Type Chromium adds when the script set none (measured:
        a string is `text/plain;charset=UTF-8`, a FormData multipart with a
        boundary, an untyped Blob none)."""
        if self.kind == "text":
            return "text/plain;charset=UTF-8"
        if self.kind == "form":
            return "multipart/form-data; boundary=----WebKitFormBoundary0123456789abcdef"
        return self.content_type or None


@dataclass(frozen=True)
class FetchRequest:
    """What the page's script asked for: `fetch(url, {method, headers, body,
    credentials, mode, redirect, cache, keepalive})` from `page_origin`, then
    `response.headers.get(name)` for each of `read_headers`."""

    page_origin: str
    url: str
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    credentials: str = "same-origin"
    mode: str = "cors"
    redirect: str = "follow"
    read_headers: tuple[str, ...] = ()
    body: Body | None = None
    cache: str = "default"
    keepalive: bool = False

    def __post_init__(self) -> None:
        for name, value, allowed in (
            ("credentials", self.credentials, CREDENTIALS_MODES),
            ("mode", self.mode, MODES),
            ("redirect", self.redirect, REDIRECT_MODES),
            ("cache", self.cache, CACHE_MODES),
        ):
            if value not in allowed:
                choices = ", ".join(repr(choice) for choice in allowed)
                raise ScenarioError(f"request.{name} is {value!r}; use one of {choices}")


@dataclass(frozen=True)
class Hop:
    """One request of the fetch other than a preflight: the URL and method,
    the status answered, the response type it gave (`basic`, `cors`, `opaque`,
    `opaqueredirect`, or `error` when the fetch failed on it), the `Origin`
    header sent (None when none) and the network error it ended in."""

    url: str
    method: str
    status: int
    response_type: str
    origin: str | None
    network_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "method": self.method,
            "status": self.status,
            "response_type": self.response_type,
            "origin": self.origin,
            "network_error": self.network_error,
        }


@dataclass(frozen=True)
class Trace:
    """Everything that happened during one fetch."""

    request: FetchRequest
    exchanges: tuple[Exchange, ...]
    allowed: bool
    failed_at: str | None
    reason: str | None
    failed_parameter: str
    console: str | None
    error: str | None
    response_type: str  # basic, cors, opaque, opaqueredirect, or error
    readable_headers: dict[str, str | None]
    request_origin: str | None  # the Origin header of the last request (null once tainted)
    tainted: bool
    issues: tuple[str, ...] = ()
    unsafe_header_names: tuple[str, ...] = ()
    final_url: str = ""
    network_error: str | None = None
    hops: tuple[Hop, ...] = ()
    browser: str = "chromium"

    @property
    def preflights(self) -> tuple[Exchange, ...]:
        return tuple(e for e in self.exchanges if e.kind == "preflight")

    def outcome(self) -> dict[str, Any]:
        """The outcome dict (docs/scenario-format.md). `error` appears only
        when a request failed without a DevTools reason (a TypeError thrown by
        `fetch()`, a Blink mode check, a network error): the error the script
        sees, e.g. "TypeError: Failed to fetch"."""
        preflight_request = None
        for exchange in self.exchanges:
            if exchange.kind == "preflight":
                headers = [
                    [name, value]
                    for name, value in exchange.request_headers
                    if name[:22].lower() == "access-control-request"
                ]
                preflight_request = {"method": "OPTIONS", "headers": headers}
                break
        outcome: dict[str, Any] = {
            "browser": self.browser,
            "preflight_sent": preflight_request is not None,
            "preflight_request": preflight_request,
            "allowed": self.allowed,
            "failed_at": self.failed_at,
            "reason": self.reason,
            "console": self.console,
            "readable_headers": dict(self.readable_headers),
            "network_error": self.network_error,
            "hops": [hop.as_dict() for hop in self.hops],
        }
        if not self.allowed and self.reason is None and self.error:
            outcome["error"] = self.error
        return outcome
