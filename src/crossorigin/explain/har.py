"""A HAR file (HTTP Archive 1.2) in, one browser-model run per cross-origin request out.

Rule 1: how a recorded exchange becomes the model's input lives here: which
entries are CORS requests, the page's origin, the request the script made,
the answers the server gave, and the preflight the recording lacks.

Theory of operation:

1. `read_har` reads at most `MAX_HAR_BYTES` (a bigger file is refused before
   it is parsed), decodes UTF-8, parses JSON (deep nesting is refused, not a
   RecursionError) and drops every body text as it is parsed (replaced by
   its length: bodies are the bulk of a HAR and only their type matters
   here), then checks the HAR shape (`log.entries`, at most `MAX_ENTRIES`,
   each with a request and a response) and keeps what the model needs.
   Every problem is a `HarError` with one line naming the entry.
2. The page's origin, first found wins: the request's `Origin` header, the
   URL of the entry's page (`pageref` -> `pages[].title`, which browsers set
   to the page's URL), the initiator's URL (Chromium's `_initiator`), the
   `Referer`. An entry whose origin cannot be told is skipped and counted.
3. A request is kept when it is cross-origin and CORS applies to it:
   `Sec-Fetch-Mode: cors` when the recording has it, else Chromium's
   `_resourceType` fetch/xhr/eventsource/font, else an `Origin` header;
   navigations, images and scripts without `crossorigin` are not CORS
   requests; so are no-cors requests, unless the recording says a
   Cross-Origin-Resource-Policy check refused one (it looks like a CORS
   failure to the page). `OPTIONS` entries with
   `Access-Control-Request-Method` are preflights: each is paired with the
   nearest request before or after it for the same URL, origin and method
   (the DevTools protocol reports a fetch before its preflight).
4. The script's request is rebuilt from the recorded headers without what
   the browser adds itself (forbidden names, `Sec-*`, HTTP/2 pseudo-headers,
   `Priority`, DevTools' `Cache-Control`/`Pragma: no-cache`); credentials are
   `include` when a `Cookie` was sent, or when the browser failed the
   request the way only a credentialed one fails (`_run`). Redirects are
   followed through the entries (`redirectURL`), at most `MAX_REDIRECT_HOPS`.
5. The model (`crossorigin.browser.run_fetch`) runs over a transport that
   answers from the HAR. When the model sends a preflight the HAR does not
   hold (Chromium does not list preflights in the Network panel since 79),
   the preflight is *inferred*: if the actual request was recorded with a
   response, the browser must have got a passing preflight, and the
   transport answers with exactly what it must have said; the report says it
   was inferred and what it must have contained.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from crossorigin import fetch_tables
from crossorigin.browser import FetchRequest, HTTPResponse, PreflightCache, Trace, run_fetch
from crossorigin.browser.access import combined_value
from crossorigin.browser.types import ScenarioError
from crossorigin.explain.errors import CHROMIUM_EQUIVALENT
from crossorigin.header_lists import split_list
from crossorigin.origin import Origin, OriginSyntaxError

__all__ = [
    "MAX_ENTRIES",
    "MAX_HAR_BYTES",
    "MAX_HEADERS",
    "MAX_REDIRECT_HOPS",
    "Entry",
    "Har",
    "HarError",
    "Rebuilt",
    "read_har",
    "rebuild",
]

#: The largest HAR read: enough for hours of recording without bodies, and a
#: bound on the memory parsing can take (a JSON text costs several times its
#: size as Python objects).
MAX_HAR_BYTES: Final = 64 * 1024 * 1024
MAX_ENTRIES: Final = 100_000
#: Header lines kept per request or response.
MAX_HEADERS: Final = 500
MAX_REDIRECT_HOPS: Final = 20
#: Response headers the page's script read, per request (`_fetch`).
MAX_READ_HEADERS: Final = 100
#: Chromium's resource types that are CORS requests whenever cross-origin.
_CORS_RESOURCE_TYPES: Final = frozenset({"fetch", "xhr", "eventsource", "font", "preflight"})
#: Headers the browser (or DevTools) adds, never the script.
_BROWSER_ADDED: Final = frozenset({"priority", "origin", "referer", "accept-language"})


class HarError(ValueError):
    """The file is not a HAR this module can read; `str()` is one line."""


@dataclass(frozen=True)
class ScriptSaw:
    credentials: str | None
    read_headers: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Entry:
    """One recorded request and response, as far as the model needs it."""

    index: int
    page_url: str | None
    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    has_cookies: bool
    status: int
    response_headers: tuple[tuple[str, str], ...]
    redirect_url: str
    mime_type: str
    resource_type: str
    initiator_url: str | None
    error: str | None  # `_error`, `_failureText`, `_blockedReason`
    #: What the page's script saw, when the recording says (`_fetch`, written
    #: by crossorigin's playground): its credentials mode, the response
    #: header names it read and what each read gave (None: null).
    script: ScriptSaw | None = None

    @property
    def is_preflight(self) -> bool:
        return (
            self.method == "OPTIONS"
            and combined_value(self.request_headers, "access-control-request-method") is not None
        )


@dataclass(frozen=True)
class Har:
    entries: tuple[Entry, ...]


@dataclass
class Rebuilt:
    """One cross-origin request and the model's run over it."""

    entry: Entry
    page_origin: str
    trace: Trace | None
    preflight: str  # "recorded", "inferred", "not-needed", "unknown"
    preflight_entry: Entry | None = None
    hops: list[Entry] = field(default_factory=list)
    problem: str | None = None  # why the model could not run
    #: The recording has no Cookie, yet only a credentialed request fails
    #: the way the browser's did: the page asked for credentials.
    credentials_inferred: bool = False

    @property
    def recorded_failure(self) -> str | None:
        """The failure the recording names for the request (its last hop)."""
        return next((hop.error for hop in reversed(self.hops) if hop.error), None)


# --- reading ------------------------------------------------------------------------


def _drop_bodies(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Body texts are replaced by their length as soon as their object is
    # built, so a HAR full of bodies does not hold them all at once.
    return {
        key: (len(value) if key == "text" and isinstance(value, str) else value)
        for key, value in pairs
    }


def _headers(value: object, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise HarError(f"{where}: headers must be a list")
    if len(value) > MAX_HEADERS:
        raise HarError(f"{where}: more than {MAX_HEADERS} headers")
    pairs = []
    for item in value:
        if not isinstance(item, Mapping):
            raise HarError(f"{where}: each header must be an object with name and value")
        name, text = item.get("name"), item.get("value")
        if not isinstance(name, str) or not isinstance(text, str):
            raise HarError(f"{where}: each header needs a string name and value")
        pairs.append((name, text))
    return tuple(pairs)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _initiator_url(value: object) -> str | None:
    if not isinstance(value, Mapping):
        return None
    url = _text(value.get("url"))
    if url:
        return url
    stack = value.get("stack")
    frames = stack.get("callFrames") if isinstance(stack, Mapping) else None
    if isinstance(frames, list) and frames and isinstance(frames[0], Mapping):
        return _text(frames[0].get("url")) or None
    return None


def _entry(index: int, raw: object, pages: Mapping[str, str]) -> Entry:
    where = f"entry {index}"
    if not isinstance(raw, Mapping):
        raise HarError(f"{where}: not an object")
    request, response = raw.get("request"), raw.get("response")
    if not isinstance(request, Mapping) or not isinstance(response, Mapping):
        raise HarError(f"{where}: needs a request and a response object")
    method, url = request.get("method"), request.get("url")
    if not isinstance(method, str) or not isinstance(url, str) or not url:
        raise HarError(f"{where}: request needs a string method and url")
    status = response.get("status", 0)
    if isinstance(status, bool) or not isinstance(status, int) or not -1 <= status <= 999:
        raise HarError(f"{where}: response.status must be a number (0 or -1 when none)")
    # No response: DevTools writes 0, Playwright's recorder -1.
    status = max(status, 0)
    request_headers = _headers(request.get("headers"), f"{where}.request")
    cookies = request.get("cookies")
    content = response.get("content")
    pageref = raw.get("pageref")
    error = next(
        (
            text
            for text in (
                _text(response.get("_error")),
                _text(response.get("_failureText")),
                _text(raw.get("_error")),
                _text(raw.get("_blockedReason")),
                _text(raw.get("_blocked_reason")),
                _text(response.get("_blockedReason")),
            )
            if text
        ),
        None,
    )
    return Entry(
        index=index,
        page_url=pages.get(pageref) if isinstance(pageref, str) else None,
        method=method,
        url=url,
        request_headers=request_headers,
        has_cookies=bool(cookies) or combined_value(request_headers, "cookie") is not None,
        status=status,
        response_headers=_headers(response.get("headers"), f"{where}.response"),
        redirect_url=_text(response.get("redirectURL")) or "",
        mime_type=(_text(content.get("mimeType")) if isinstance(content, Mapping) else None) or "",
        resource_type=(_text(raw.get("_resourceType")) or "").lower(),
        initiator_url=_initiator_url(raw.get("_initiator")),
        error=error,
        script=_script_saw(raw.get("_fetch")),
    )


def _script_saw(value: object) -> ScriptSaw | None:
    """The `_fetch` field, kept only as far as it is well formed."""
    if not isinstance(value, Mapping):
        return None
    credentials = value.get("credentials")
    if credentials not in ("omit", "same-origin", "include"):
        credentials = None
    read = value.get("read_headers")
    pairs: list[tuple[str, str | None]] = []
    if isinstance(read, Mapping):
        for header, got in list(read.items())[:MAX_READ_HEADERS]:
            if isinstance(header, str) and fetch_tables.is_token(header):
                pairs.append((header, got if isinstance(got, str) else None))
    return ScriptSaw(credentials, tuple(pairs))


def read_har(data: bytes, name: str) -> Har:
    """The HAR in `data` (the file's bytes, already bounded by the caller to
    `MAX_HAR_BYTES` + 1); raises HarError with one line."""
    if len(data) > MAX_HAR_BYTES:
        raise HarError(
            f"{name}: larger than {MAX_HAR_BYTES // (1024 * 1024)} MiB; export fewer requests"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise HarError(
            f"{name}: not UTF-8: byte 0x{data[error.start]:02x} at offset {error.start}"
        ) from None
    try:
        document = json.loads(text, object_pairs_hook=_drop_bodies)
    except json.JSONDecodeError as error:
        where = "truncated" if error.pos >= len(text.rstrip()) else "not valid JSON"
        raise HarError(f"{name}: {where}: {error}") from None
    except RecursionError:
        raise HarError(f"{name}: not a HAR: nested too deeply") from None
    except ValueError as error:
        raise HarError(f"{name}: not a HAR: {error}") from None
    log = document.get("log") if isinstance(document, Mapping) else None
    if not isinstance(log, Mapping) or not isinstance(log.get("entries"), list):
        raise HarError(f"{name}: not a HAR: no log.entries list")
    raw_entries = log["entries"]
    if len(raw_entries) > MAX_ENTRIES:
        raise HarError(f"{name}: {len(raw_entries)} entries, more than {MAX_ENTRIES}; export fewer")
    pages: dict[str, str] = {}
    for page in log.get("pages") or []:
        if isinstance(page, Mapping) and isinstance(page.get("id"), str):
            title = _text(page.get("title")) or ""
            if title.startswith(("http://", "https://")):
                pages[page["id"]] = title
    try:
        entries = tuple(_entry(index, raw, pages) for index, raw in enumerate(raw_entries))
    except HarError as error:
        raise HarError(f"{name}: {error}") from None
    return Har(entries)


# --- rebuilding -------------------------------------------------------------------


def _origin_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        origin = Origin.parse(url)
    except OriginSyntaxError:
        return None
    return origin.serialize()


def page_origin(entry: Entry) -> str | None:
    """The origin of the page that made the request (module docstring, step 2)."""
    sent = combined_value(entry.request_headers, "origin")
    if sent == "null":
        return "null"
    for candidate in (sent, entry.page_url, entry.initiator_url):
        found = _origin_of(candidate)
        if found:
            return found
    return _origin_of(combined_value(entry.request_headers, "referer"))


def blocked_by_resource_policy(error: str | None) -> bool:
    """The recording says a Cross-Origin-Resource-Policy check (Fetch §3.6),
    or COEP's default of it, refused the response: Chromium's
    `net::ERR_BLOCKED_BY_RESPONSE.NotSameOrigin...` or its blocked reason
    `corp-not-same-origin...`, Firefox's `NS_ERROR_DOM_CORP_FAILED`
    (measured, tests/oracles/browsers/hars)."""
    lowered = (error or "").lower()
    return (
        "err_blocked_by_response" in lowered
        or "ns_error_dom_corp_failed" in lowered  # Firefox's fetchError
        or lowered.startswith(("corp-", "coep-"))
    )


def _is_cors_request(entry: Entry) -> bool:
    if blocked_by_resource_policy(entry.error):
        # A no-cors request (Sec-Fetch-Mode: no-cors) is not a CORS request,
        # but its failure looks like one to the page: it is explained too.
        return True
    # Sec-Fetch-Mode is the browser's own word for the request's mode (Fetch
    # Metadata §2.3), sent by every current engine over https.
    mode = combined_value(entry.request_headers, "sec-fetch-mode")
    if mode is not None:
        return mode.strip().lower() == "cors"
    if entry.resource_type in _CORS_RESOURCE_TYPES:
        return True
    return entry.resource_type in ("", "other") and (
        combined_value(entry.request_headers, "origin") is not None
    )


def script_headers(
    headers: Sequence[tuple[str, str]], asked: Sequence[str] = ()
) -> tuple[tuple[str, str], ...]:
    """The headers the script set, as far as a recording tells (step 4).

    `asked`: the header names a recorded preflight for this request listed
    in `Access-Control-Request-Headers`, lower case. Every browser sends a
    `User-Agent` of its own, which a recording cannot tell from one the
    script set (Fetch no longer forbids it; Firefox and WebKit send a
    script's and preflight it, Chromium drops it): it is the script's only
    when the preflight asked for it."""
    kept = []
    for name, value in headers:
        lowered = name.lower()
        if lowered.startswith(":") or lowered in _BROWSER_ADDED:
            continue
        if lowered == "user-agent" and lowered not in asked:
            continue
        if fetch_tables.is_forbidden_request_header(lowered, value):
            continue
        if lowered in ("cache-control", "pragma") and value.strip().lower() == "no-cache":
            continue  # DevTools' "Disable cache" adds these; a script rarely does
        kept.append((name, value))
    return tuple(kept)


def _redirect_chain(first: Entry, by_url: Mapping[str, list[Entry]]) -> list[Entry]:
    """The hops of a redirected request: each next hop is the first entry
    for the Location recorded after the previous hop. `by_url` lists are in
    recording order, so the lookup is a bisection (thousands of redirects to
    one login URL must not scan each other's entries)."""
    chain = [first]
    while len(chain) <= MAX_REDIRECT_HOPS and 300 <= chain[-1].status < 400:
        candidates = by_url.get(chain[-1].redirect_url, []) if chain[-1].redirect_url else []
        position = bisect.bisect_right(candidates, chain[-1].index, key=_index)
        if position == len(candidates):
            break
        chain.append(candidates[position])
    return chain


def _index(entry: Entry) -> int:
    return entry.index


def _passing_preflight(headers: Sequence[tuple[str, str]], credentials: bool) -> HTTPResponse:
    """What a preflight must have answered for the browser to go on."""
    answer = [("Access-Control-Allow-Origin", combined_value(headers, "origin") or "null")]
    method = combined_value(headers, "access-control-request-method")
    if method:
        answer.append(("Access-Control-Allow-Methods", method))
    names = combined_value(headers, "access-control-request-headers")
    if names:
        answer.append(("Access-Control-Allow-Headers", names))
    if credentials:
        answer.append(("Access-Control-Allow-Credentials", "true"))
    return HTTPResponse(204, tuple(answer))


def _run(
    entry: Entry,
    origin: str,
    hops: list[Entry],
    preflight: Entry | None,
    browser: str,
    said: Mapping[str, str | None] | None = None,
) -> Rebuilt:
    told = entry.script.credentials if entry.script is not None else None
    if told is not None:
        # The page's own word (the playground's `_fetch`): nothing to infer.
        return _run_as(entry, origin, hops, preflight, browser, told)
    if entry.has_cookies:
        return _run_as(entry, origin, hops, preflight, browser, "include")
    rebuilt = _run_as(entry, origin, hops, preflight, browser, "same-origin")
    said = said or {}
    failed = entry.url in said or any(_cors_like(hop.error) for hop in hops)
    if failed and (rebuilt.trace is None or rebuilt.trace.allowed):
        # No Cookie was recorded, but the browser failed a request the model
        # allows without credentials. `credentials: "include"` sends no
        # Cookie when the browser has none for the site (or blocks
        # third-party cookies), and a preflight never carries one (Fetch
        # §4.8 step 3): if the model with credentials fails the request as
        # the browser did, that is what the page asked for.
        with_credentials = _run_as(entry, origin, hops, preflight, browser, "include")
        trace = with_credentials.trace
        # Without a recorded response only a preflight failure can explain
        # it: a request refused on its own response would have recorded it.
        fits = trace is not None and not trace.allowed
        if fits and rebuilt.trace is None:
            fits = trace is not None and trace.failed_at == "preflight"
        # And the browser's own reason, when its console named one, must be it.
        if fits and said.get(entry.url) is not None:
            reason = trace.reason if trace is not None else None
            fits = said[entry.url] in (reason, CHROMIUM_EQUIVALENT.get(reason or ""))
        if fits:
            with_credentials.credentials_inferred = True
            return with_credentials
    return rebuilt


def _asked(preflight: Entry | None) -> tuple[str, ...]:
    if preflight is None:
        return ()
    value = combined_value(preflight.request_headers, "access-control-request-headers")
    return tuple(name.lower() for name in split_list(value or ""))


def _cors_like(error: str | None) -> bool:
    """Whether a recorded failure may be a CORS one: Chromium records every
    CORS failure as `net::ERR_FAILED`; an abort (`net::ERR_ABORTED`), a
    blocked client (`net::ERR_BLOCKED_BY_CLIENT`) or a DNS error is no sign
    the page asked for credentials."""
    return error is not None and (error == "net::ERR_FAILED" or "cors" in error.lower())


def _mode(entry: Entry) -> str:
    mode = (combined_value(entry.request_headers, "sec-fetch-mode") or "").strip().lower()
    return "no-cors" if mode == "no-cors" else "cors"


def _run_as(
    entry: Entry,
    origin: str,
    hops: list[Entry],
    preflight: Entry | None,
    browser: str,
    credentials: str,
) -> Rebuilt:
    request = FetchRequest(
        page_origin=origin,
        url=entry.url,
        method=entry.method,
        headers=script_headers(entry.request_headers, _asked(preflight)),
        credentials=credentials,
        mode=_mode(entry),
        read_headers=tuple(name for name, _ in entry.script.read_headers) if entry.script else (),
    )
    state: dict[str, str] = {"preflight": "not-needed"}
    hop_count = [0]
    recorded_response = hops[0].status != 0

    def transport(
        kind: str, method: str, url: str, headers: Sequence[tuple[str, str]]
    ) -> HTTPResponse:
        if kind == "preflight":
            if preflight is not None and preflight.status != 0:
                state["preflight"] = "recorded"
                return HTTPResponse(preflight.status, preflight.response_headers)
            if recorded_response:
                state["preflight"] = "inferred"
                return _passing_preflight(headers, credentials == "include")
            state["preflight"] = "unknown"
            raise _NoResponse
        index = hop_count[0]
        hop_count[0] = index + 1
        if index >= len(hops) or hops[index].status == 0:
            raise _NoResponse
        hop = hops[index]
        return HTTPResponse(hop.status, hop.response_headers)

    rebuilt = Rebuilt(entry, origin, None, "not-needed", preflight, hops)
    try:
        rebuilt.trace = run_fetch(request, transport, cache=PreflightCache(), browser=browser)
    except _NoResponse:
        rebuilt.problem = "no response recorded"
    except ScenarioError as error:
        rebuilt.problem = str(error)
    rebuilt.preflight = state["preflight"]
    return rebuilt


class _NoResponse(Exception):
    """The HAR holds no response where the model needs one."""


def rebuild(
    har: Har, browser: str = "chromium", failed: Mapping[str, str | None] | None = None
) -> tuple[list[Rebuilt], int]:
    """Every cross-origin CORS request of the HAR run through the model of
    `browser` (chromium, firefox or webkit), in recording order, and the
    number of entries skipped for want of a page origin. `failed`: the URLs
    the browser's console says failed, each with the reason it named in
    Chromium's words (None when unnamed): Firefox records no failure in the
    network events of a response CORS refused."""
    by_url: dict[str, list[Entry]] = {}
    for entry in har.entries:
        by_url.setdefault(entry.url, []).append(entry)
    redirect_targets = {(entry.redirect_url) for entry in har.entries if 300 <= entry.status < 400}
    preflights: list[tuple[tuple[str, str, str], Entry]] = []
    requests: list[tuple[Entry, str]] = []
    keyed: dict[tuple[str, str, str], list[int]] = {}  # key -> positions in `requests`
    unknown = 0
    for entry in har.entries:
        if entry.is_preflight:
            origin = page_origin(entry) or ""
            method = combined_value(entry.request_headers, "access-control-request-method") or ""
            preflights.append(((entry.url, origin, method.upper()), entry))
            continue
        if not _is_cors_request(entry) or entry.url in redirect_targets:
            continue
        found = page_origin(entry)
        if found is None:
            unknown += 1
            continue
        if found != "null" and _origin_of(entry.url) == found:
            continue
        keyed.setdefault((entry.url, found, entry.method.upper()), []).append(len(requests))
        requests.append((entry, found))
    paired = _pair_preflights(preflights, keyed, requests)
    results = [
        _run(
            entry,
            origin,
            _redirect_chain(entry, by_url),
            paired.get(position),
            browser,
            failed,
        )
        for position, (entry, origin) in enumerate(requests)
    ]
    return results, unknown


def _pair_preflights(
    preflights: Sequence[tuple[tuple[str, str, str], Entry]],
    keyed: Mapping[tuple[str, str, str], list[int]],
    requests: Sequence[tuple[Entry, str]],
) -> dict[int, Entry]:
    """Each recorded preflight paired with the request it was sent for: the
    nearest unpaired request for the same URL, origin and method. Nearest
    either way: a HAR lists entries by the time each started, and Chromium
    starts the request before its preflight (the DevTools protocol reports
    the fetch, then the OPTIONS it needs), Firefox the other way round."""
    paired: dict[int, Entry] = {}
    for key, preflight in preflights:
        positions = keyed.get(key)
        if not positions:
            continue
        at = bisect.bisect_left(positions, preflight.index, key=lambda p: requests[p][0].index)
        # The two neighbours in recording order; an unpaired one wins, the
        # nearer first. Paired neighbours are skipped over, one step each way.
        candidates = [p for p in positions[max(at - 2, 0) : at + 2] if p not in paired]
        if candidates:
            best = min(candidates, key=lambda p: abs(requests[p][0].index - preflight.index))
            paired[best] = preflight
    return paired
