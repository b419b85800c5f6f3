"""The playground's attempts as a HAR 1.2 file (HTTP Archive), for `crossorigin explain`.

Theory of operation: the API's `ExchangeRecorder` noted each request of an
attempt as the server parsed it and each answer as the server sent it; the
page reported what its script saw (`ReportLog` keeps those reports). A HAR
is written from exactly that, nothing inferred that the notes do not hold:

- One `entries[]` item per recorded exchange, in the order the API received
  them (the preflight, then the request): method, URL (the `Host` the
  browser sent, the path and query), the headers in order with repeats
  kept, `postData` only when a body was received, the status and headers
  answered, `redirectURL` from `Location`.
- A request the page asked for that never reached the API (the browser
  stopped after a refused preflight) is an entry with `response.status` 0
  and no headers, as DevTools writes a request that got no response; its
  request is what the page asked for (the script's headers and body).
- `pages[]` holds one page per page URL, the entry's `pageref` points to it:
  `pages[].title` is the page's URL, where `crossorigin explain` reads the
  page's origin when a request carries no `Origin`.
- Timings are the API's, honest about the rest (HAR 1.2 section "timings"):
  `wait` is the time from the request parsed to the answer's headers on the
  server's clock; `send` and `receive` are 0 (not measured), `blocked`,
  `dns`, `connect` and `ssl` are -1 (unknown here); `time` is their sum.
- Custom fields (HAR 1.2 allows names starting with `_`):
  `_resourceType` as Chromium writes it (`preflight`, `fetch`); on the entry
  of the page's request, `_fetch` is what the page's script saw
  (`outcome` `resolved` or `rejected`, `status`, `type`, `error`, the
  `credentials` mode, `read_headers`: what `response.headers.get()` returned
  for each header the script read, the user agent) and `_playground` the attempt id and
  the verdict the page's report showed (`verdict`, `reason`, `cause`, the
  engine the model ran as). docs/explain.md documents them.
- Cookies: the playground's page sets one harmless cookie
  (`playground_session`), which the browser sends to the API when the page
  asks for credentials, together with any other cookie it holds for the
  same host name (cookies are per host, not per port: another app of yours
  on localhost shares them). Cookie values are therefore replaced by
  `<omitted>` unless the export is asked for them (`include_cookies`); the
  `Cookie` header stays in its place, because that a cookie was sent is
  evidence (HAR 1.2 has no field for the request's credentials mode, and
  `crossorigin explain` reads it from there). A request the browser never
  sent has no `Cookie` header; when the page asked for credentials, its
  `cookies` names the playground's cookie with its value omitted and a
  comment saying so.

Standard library only; nothing here does I/O.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from crossorigin._version import __version__
from crossorigin.playground.api import MAX_RECORDED_BODY

__all__ = [
    "OMITTED",
    "SESSION_COOKIE_NAME",
    "AttemptRecord",
    "ReportLog",
    "build_har",
    "har_filename",
    "kept_request",
]

#: What replaces a cookie's value unless the export is asked for cookies.
OMITTED: Final = "<omitted>"
#: The cookie the playground's page sets (page.py's SESSION_COOKIE).
SESSION_COOKIE_NAME: Final = "playground_session"
#: Reports remembered (the API's recorder keeps as many attempts).
MAX_REPORTS: Final = 500
#: A string body without a Content-Type gets this one from fetch() (Fetch
#: standard, "extract a body": a USVString is text/plain;charset=UTF-8).
_STRING_BODY_TYPE: Final = "text/plain;charset=UTF-8"
_BODYLESS: Final = frozenset({"GET", "HEAD"})
#: A Host header usable in a URL: a name or address and an optional port.
_HOST: Final = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
_FILENAME_UNSAFE: Final = re.compile(r"[^A-Za-z0-9._-]")
_TIMINGS_COMMENT: Final = (
    "recorded by the API: wait is its time from the request parsed to the answer's "
    "headers; send and receive were not measured (0); blocked, dns, connect and ssl "
    "are unknown on the server's side (-1)"
)


def kept_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """The page's request as a report reported it, its body cut to
    MAX_RECORDED_BODY bytes (`body_size` keeps the length in bytes)."""
    kept = dict(request)
    body = str(request.get("body") or "").encode()
    kept["body"] = body[:MAX_RECORDED_BODY].decode("utf-8", "ignore")
    kept["body_size"] = len(body)
    return kept


class ReportLog:
    """What the page reported for each attempt (the body of its POST
    /control/report, with the report's verdict), the oldest forgotten first."""

    def __init__(self, limit: int = MAX_REPORTS) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._reports: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def keep(self, attempt: str, report: Mapping[str, Any]) -> None:
        with self._lock:
            self._reports[attempt] = {**report, "reported": time.time()}
            self._reports.move_to_end(attempt)
            while len(self._reports) > self._limit:
                self._reports.popitem(last=False)

    def get(self, attempt: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._reports.get(attempt)
            return dict(found) if found is not None else None

    def attempts(self) -> list[str]:
        with self._lock:
            return list(self._reports)


class AttemptRecord:
    """One attempt: the exchanges the API recorded and the page's report
    (None when the page never reported it, e.g. a request sent by hand)."""

    def __init__(
        self,
        attempt: str,
        exchanges: Sequence[Mapping[str, Any]],
        report: Mapping[str, Any] | None,
    ) -> None:
        self.attempt = attempt
        self.exchanges = list(exchanges)
        self.report = report

    @property
    def started(self) -> float:
        times = [float(e["time"]) for e in self.exchanges if "time" in e]
        if self.report is not None and "reported" in self.report:
            times.append(float(self.report["reported"]))
        return min(times, default=0.0)

    @property
    def sent_nothing(self) -> bool:
        """True when no request of this attempt left the browser: nothing was
        recorded, and the page's fetch() threw before sending (or there is no
        report to say what the page asked for)."""
        if self.exchanges:
            return False
        return self.report is None or self.report.get("verdict") == "rejected"


def _iso(epoch: float) -> str:
    # HAR 1.2: ISO 8601 with milliseconds and a time zone.
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _header(headers: Iterable[Sequence[str]], name: str) -> str | None:
    values = [str(value) for key, value in headers if str(key).lower() == name]
    return ", ".join(values) if values else None


def _cookie_pairs(value: str) -> list[tuple[str, str]]:
    # RFC 6265 section 4.2.1: cookie-pair *( "; " cookie-pair ).
    pairs = []
    for part in value.split(";"):
        name, equals, rest = part.strip().partition("=")
        if name or equals:
            pairs.append((name, rest))
    return pairs


def _request_headers(
    headers: Iterable[Sequence[str]], include_cookies: bool
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The HAR headers (in order, repeats kept) and the HAR cookies."""
    har_headers: list[dict[str, str]] = []
    cookies: list[dict[str, str]] = []
    for name, value in headers:
        name, value = str(name), str(value)
        if name.lower() == "cookie":
            pairs = _cookie_pairs(value)
            cookies.extend(
                {"name": key, "value": text if include_cookies else OMITTED} for key, text in pairs
            )
            if not include_cookies:
                value = "; ".join(f"{key}={OMITTED}" for key, _ in pairs)
        har_headers.append({"name": name, "value": value})
    return har_headers, cookies


def _response_headers(
    headers: Iterable[Sequence[str]], include_cookies: bool
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    har_headers: list[dict[str, str]] = []
    cookies: list[dict[str, str]] = []
    for name, value in headers:
        name, value = str(name), str(value)
        if name.lower() == "set-cookie":
            # RFC 6265 section 4.1.1: the first pair is the cookie, the rest attributes.
            cookie, _, attributes = value.partition(";")
            key, _, text = cookie.strip().partition("=")
            cookies.append({"name": key, "value": text if include_cookies else OMITTED})
            if not include_cookies:
                value = f"{key}={OMITTED}" + (f";{attributes}" if attributes else "")
        har_headers.append({"name": name, "value": value})
    return har_headers, cookies


def _query(url: str) -> list[dict[str, str]]:
    return [
        {"name": name, "value": value}
        for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True)
    ]


def _timings(wait_ms: float) -> dict[str, Any]:
    return {
        "blocked": -1,
        "dns": -1,
        "connect": -1,
        "ssl": -1,
        "send": 0,
        "wait": wait_ms,
        "receive": 0,
        "comment": _TIMINGS_COMMENT,
    }


def _api_url(exchange: Mapping[str, Any], api_origin: str) -> str:
    host = _header(exchange.get("request_headers") or (), "host")
    origin = f"http://{host}" if host is not None and _HOST.fullmatch(host) else api_origin
    return origin + str(exchange.get("target") or "/")


def _page_origin(record: AttemptRecord, default: str) -> str:
    if record.report is not None and record.report.get("page_origin"):
        return str(record.report["page_origin"])
    for exchange in record.exchanges:
        origin = _header(exchange.get("request_headers") or (), "origin")
        if origin is not None and origin != "null":
            return origin
    return default


def _post_data(body: Mapping[str, Any], content_type: str | None) -> dict[str, Any]:
    post: dict[str, Any] = {
        "mimeType": content_type or "",
        "params": [],
        "text": str(body.get("text") or ""),
    }
    if body.get("truncated"):
        post["comment"] = f"the first {len(post['text'].encode())} bytes of {body['size']}"
    return post


def _recorded_entry(
    exchange: Mapping[str, Any], pageref: str, api_origin: str, include_cookies: bool
) -> dict[str, Any]:
    """One exchange as the API received and answered it."""
    sent = exchange.get("request_headers") or []
    answered = exchange.get("response_headers") or []
    headers, cookies = _request_headers(sent, include_cookies)
    url = _api_url(exchange, api_origin)
    http_version = str(exchange.get("http_version") or "HTTP/1.1")
    body = exchange.get("body")
    request: dict[str, Any] = {
        "method": str(exchange["method"]),
        "url": url,
        "httpVersion": http_version,
        "cookies": cookies,
        "headers": headers,
        "queryString": _query(url),
        "headersSize": -1,
        "bodySize": int(body["size"]) if isinstance(body, Mapping) else 0,
    }
    if isinstance(body, Mapping):
        request["postData"] = _post_data(body, _header(sent, "content-type"))
    response_headers, response_cookies = _response_headers(answered, include_cookies)
    length = _header(answered, "content-length")
    size = int(length) if length is not None and length.isdigit() else -1
    wait = float(exchange.get("wait_ms") or 0)
    preflight = exchange.get("kind") == "preflight"
    return {
        "pageref": pageref,
        "startedDateTime": _iso(float(exchange.get("time") or 0)),
        "time": wait,
        "request": request,
        "response": {
            "status": int(exchange["status"]),
            "statusText": str(exchange.get("status_text") or ""),
            "httpVersion": http_version,
            "cookies": response_cookies,
            "headers": response_headers,
            "content": {"size": max(size, 0), "mimeType": _header(answered, "content-type") or ""},
            "redirectURL": _header(answered, "location") or "",
            "headersSize": -1,
            "bodySize": size,
        },
        "cache": {},
        "timings": _timings(wait),
        "_resourceType": "preflight" if preflight else "fetch",
    }


def _unsent_entry(
    record: AttemptRecord, report: Mapping[str, Any], pageref: str, started: float
) -> dict[str, Any]:
    """The request the page asked for, which never reached the API."""
    asked = _mapping(report.get("request"))
    method = str(asked.get("method") or "GET")
    url = str(report.get("url") or "")
    script_headers = [
        (str(pair[0]), str(pair[1]))
        for pair in asked.get("headers") or []
        if isinstance(pair, Sequence) and len(pair) == 2
    ]
    request: dict[str, Any] = {
        "method": method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": [{"name": name, "value": value} for name, value in script_headers],
        "queryString": _query(url),
        "headersSize": -1,
        "bodySize": 0,
        "comment": (
            "not sent: the browser stopped before sending this request; its headers are "
            "the ones the page's script set"
        ),
    }
    if asked.get("credentials") == "include":
        request["cookies"] = [
            {
                "name": SESSION_COOKIE_NAME,
                "value": OMITTED,
                "comment": "the page asked for credentials: the browser would have sent "
                "the cookie the playground's page set",
            }
        ]
    text = str(asked.get("body") or "")
    if text and method.upper() not in _BODYLESS:
        size = int(asked.get("body_size") or len(text.encode()))
        request["bodySize"] = size
        request["postData"] = _post_data(
            {"text": text, "size": size, "truncated": size > len(text.encode())},
            _header(script_headers, "content-type") or _STRING_BODY_TYPE,
        )
    return {
        "pageref": pageref,
        "startedDateTime": _iso(started),
        "time": 0,
        "request": request,
        "response": {
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "comment": "no response: the request was not sent",
        },
        "cache": {},
        "timings": {
            "blocked": -1,
            "dns": -1,
            "connect": -1,
            "ssl": -1,
            "send": 0,
            "wait": 0,
            "receive": 0,
        },
        "_resourceType": "fetch",
    }


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _fetch_field(report: Mapping[str, Any]) -> dict[str, Any]:
    """What the page's script saw (the `_fetch` custom field)."""
    # The page's report is whatever the page posted: each part is used only
    # when it has the shape the page sends.
    browser = _mapping(report.get("browser"))
    asked = _mapping(report.get("request"))
    resolved = bool(browser.get("resolved"))
    return {
        "outcome": "resolved" if resolved else "rejected",
        "status": browser.get("status") if resolved else None,
        "type": browser.get("type") if resolved else None,
        "error": None if resolved else str(browser.get("error") or "TypeError"),
        "credentials": str(asked.get("credentials") or "same-origin"),
        "mode": "cors",
        "read_headers": {
            str(name): (None if value is None else str(value))
            for name, value in _mapping(browser.get("readable")).items()
        },
        "user_agent": str(browser.get("user_agent") or ""),
    }


def _playground_field(record: AttemptRecord) -> dict[str, Any]:
    report = record.report or {}
    return {
        "attempt": record.attempt,
        "verdict": report.get("verdict"),
        "reason": report.get("reason"),
        "cause": report.get("cause"),
        "model_browser": report.get("model_browser"),
    }


def build_har(
    records: Iterable[AttemptRecord],
    *,
    page_origin: str,
    api_origin: str,
    include_cookies: bool = False,
) -> dict[str, Any]:
    """The HAR 1.2 document (a JSON-ready dict) of `records`, in the order the
    attempts started; `page_origin` and `api_origin` stand in where a record
    does not say (the names the page was opened under)."""
    pages: dict[str, dict[str, Any]] = {}
    entries: list[dict[str, Any]] = []
    for record in sorted(records, key=lambda found: found.started):
        if record.sent_nothing:
            continue
        page_url = _page_origin(record, page_origin) + "/"
        if page_url not in pages:
            pages[page_url] = {
                "startedDateTime": _iso(record.started),
                "id": f"page_{len(pages) + 1}",
                "title": page_url,
                "pageTimings": {"onContentLoad": -1, "onLoad": -1},
            }
        pageref = pages[page_url]["id"]
        made = [
            _recorded_entry(exchange, pageref, api_origin, include_cookies)
            for exchange in record.exchanges
        ]
        page_request = next(
            (entry for entry in reversed(made) if entry["_resourceType"] == "fetch"), None
        )
        if page_request is None and record.report is not None:
            last = record.exchanges[-1] if record.exchanges else {}
            started = (
                float(last.get("time") or record.started) + float(last.get("wait_ms") or 0) / 1000
            )
            page_request = _unsent_entry(record, record.report, pageref, started)
            made.append(page_request)
        if page_request is not None and record.report is not None:
            page_request["_fetch"] = _fetch_field(record.report)
            page_request["_playground"] = _playground_field(record)
        entries.extend(made)
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "crossorigin demo (the CORS playground)", "version": __version__},
            "pages": list(pages.values()),
            "entries": entries,
            "comment": (
                "Recorded on the API's side of the wire: each request as the API parsed it, "
                "each answer as it sent it; _fetch is what the page's script saw. Cookie "
                "values are " + ("included." if include_cookies else f"replaced by {OMITTED}.")
            ),
        }
    }


def har_filename(attempt: str | None) -> str:
    """The download's file name: the attempt id, reduced to safe characters."""
    if not attempt:
        return "crossorigin-playground.har"
    return f"crossorigin-playground-{_FILENAME_UNSAFE.sub('_', attempt)[:64]}.har"
