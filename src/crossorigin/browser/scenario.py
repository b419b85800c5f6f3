"""Scenario files: what a page does and what the servers answer, as JSON.

Rule 1: reading and validating a scenario lives here (every key, its type,
the error naming what is wrong); the format is documented, whole, in
docs/scenario-format.md. `simulate` runs one scenario through the model
(`fetch.run_fetch`) and returns the outcome dict.

Theory of operation: a scenario becomes a `FetchRequest` and a `Transport`
that replays its canned responses: `responses.actual` (one response, or a list
of hops for redirects) and `responses.preflight` (one response; a list of
responses each with a `url`, matched by the preflight's URL; or a list without
URLs, one per preflight sent, the last repeated). Response header values are
taken as the bytes the server sends: ISO-8859-1 when every character fits in
one byte, else UTF-8 (so `"\u00e9"` is the byte 0xE9 and `"\u20ac"` three
bytes); the model sees them one character per byte, as Chromium does.

Any key the format does not define is an error naming the key (a misspelt
`credential` would otherwise be silently ignored). `load_scenarios` reads a
file's bytes: UTF-8, JSON, nesting at most `MAX_JSON_DEPTH`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from crossorigin.browser.engines import Engine
from crossorigin.browser.fetch import run_fetch
from crossorigin.browser.preflight_cache import PreflightCache
from crossorigin.browser.types import (
    Body,
    FetchRequest,
    HTTPResponse,
    ScenarioError,
    Trace,
    Transport,
)
from crossorigin.browser.url import parse_url

__all__ = [
    "MAX_JSON_DEPTH",
    "ScenarioFileError",
    "load_scenarios",
    "parse_scenario",
    "simulate",
    "simulate_trace",
    "wire_text",
]

#: A scenario nests five levels (list, scenario, responses, hops, headers, a
#: pair); far deeper input is hostile, and Python's json parser would hit the
#: recursion limit on it (RecursionError) rather than refuse it cleanly.
MAX_JSON_DEPTH: Final = 64

_SCENARIO_KEYS: Final = frozenset({"page_origin", "request", "responses", "read_headers", "time"})
_REQUEST_KEYS: Final = frozenset(
    {"url", "method", "headers", "credentials", "mode", "redirect", "body", "cache", "keepalive"}
)
_BODY_KEYS: Final = frozenset({"kind", "type"})
_RESPONSES_KEYS: Final = frozenset({"preflight", "actual"})
_RESPONSE_KEYS: Final = frozenset({"status", "headers"})
_PREFLIGHT_KEYS: Final = _RESPONSE_KEYS | {"url"}
_UNSENDABLE_NAME: Final = re.compile("[\r\n:\x00]")


class ScenarioFileError(ValueError):
    """A scenario file cannot be read as JSON; `str()` is one line."""


def _unknown_keys(value: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    for key in value:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            raise ScenarioError(f"{where}: unknown key {key!r} (known keys: {known})")


def wire_text(value: str) -> str:
    """A response header string as the bytes on the wire, one character per
    byte: ISO-8859-1 when it fits, else UTF-8."""
    if value.isascii():
        return value
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass").decode("latin-1")
    return value


def _pairs(value: object, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if isinstance(value, Mapping):
        value = list(value.items())
    if not isinstance(value, list | tuple):
        raise ScenarioError(f"{where} must be a list of [name, value] pairs")
    pairs = []
    for item in value:
        if (
            not isinstance(item, list | tuple)
            or len(item) != 2
            or not isinstance(item[0], str)
            or not isinstance(item[1], str)
        ):
            raise ScenarioError(f"{where}: each header must be a [name, value] pair of strings")
        pairs.append((item[0], item[1]))
    return tuple(pairs)


def _response_headers(value: object, where: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for name, text in _pairs(value, where):
        if not name or _UNSENDABLE_NAME.search(name) or "\r" in text or "\n" in text:
            # A server cannot send these: the line would end or split there.
            raise ScenarioError(
                f"{where}: header {name!r} cannot be sent (an empty name, or CR, LF, "
                "':' or NUL in the name, or CR or LF in the value)"
            )
        pairs.append((wire_text(name), wire_text(text)))
    return tuple(pairs)


def _response(value: object, where: str, keys: frozenset[str] = _RESPONSE_KEYS) -> HTTPResponse:
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{where} must be an object with status and headers")
    _unknown_keys(value, keys, where)
    status = value.get("status", 200)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ScenarioError(f"{where}.status must be an HTTP status (100-599), not {status!r}")
    return HTTPResponse(status, _response_headers(value.get("headers"), f"{where}.headers"))


def _responses(value: object, where: str) -> list[HTTPResponse]:
    if value is None:
        return []
    if isinstance(value, list):
        if not value:
            raise ScenarioError(f"{where} is an empty list")
        return [_response(item, f"{where}[{index}]") for index, item in enumerate(value)]
    return [_response(value, where)]


def _preflights(value: object) -> tuple[list[HTTPResponse], dict[str, HTTPResponse]]:
    """Positional preflight answers, or answers keyed by URL (fragment removed)."""
    where = "responses.preflight"
    if not isinstance(value, list) or not any(
        isinstance(item, Mapping) and "url" in item for item in value
    ):
        return _responses(value, where), {}
    by_url: dict[str, HTTPResponse] = {}
    for index, item in enumerate(value):
        here = f"{where}[{index}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("url"), str):
            raise ScenarioError(f"{here}.url must be a string: in a list, every item has a url")
        parsed = parse_url(item["url"])
        if parsed is None:
            raise ScenarioError(f"{here}.url {item['url']!r} is not a valid URL")
        by_url.setdefault(parsed.serialize(fragment=False), _response(item, here, _PREFLIGHT_KEYS))
    return [], by_url


def _string(value: object, where: str, default: str | None = None) -> str:
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise ScenarioError(f"{where} must be a string")
    return value


def _body(value: object) -> Body | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ScenarioError('request.body must be an object such as {"kind": "text"}')
    _unknown_keys(value, _BODY_KEYS, "request.body")
    kind = _string(value.get("kind"), "request.body.kind")
    content_type = _string(value.get("type"), "request.body.type", "")
    if content_type and kind != "blob":
        raise ScenarioError("request.body.type is the type of a Blob: only with kind 'blob'")
    return Body(kind, content_type)


def parse_scenario(scenario: Mapping[str, Any]) -> tuple[FetchRequest, Transport]:
    """A scenario as a FetchRequest and a Transport replaying its responses."""
    if not isinstance(scenario, Mapping):
        raise ScenarioError("a scenario must be a JSON object")
    _unknown_keys(scenario, _SCENARIO_KEYS, "scenario")
    raw_request = scenario.get("request")
    if not isinstance(raw_request, Mapping):
        raise ScenarioError("scenario.request must be an object with at least a url")
    _unknown_keys(raw_request, _REQUEST_KEYS, "request")
    read = scenario.get("read_headers") or []
    if not isinstance(read, list) or not all(isinstance(name, str) for name in read):
        raise ScenarioError("scenario.read_headers must be a list of header names")
    keepalive = raw_request.get("keepalive", False)
    if not isinstance(keepalive, bool):
        raise ScenarioError("request.keepalive must be true or false")
    request = FetchRequest(
        page_origin=_string(scenario.get("page_origin"), "scenario.page_origin"),
        url=_string(raw_request.get("url"), "request.url"),
        method=_string(raw_request.get("method"), "request.method", "GET"),
        headers=_pairs(raw_request.get("headers"), "request.headers"),
        credentials=_string(raw_request.get("credentials"), "request.credentials", "same-origin"),
        mode=_string(raw_request.get("mode"), "request.mode", "cors"),
        redirect=_string(raw_request.get("redirect"), "request.redirect", "follow"),
        read_headers=tuple(read),
        body=_body(raw_request.get("body")),
        cache=_string(raw_request.get("cache"), "request.cache", "default"),
        keepalive=keepalive,
    )
    responses = scenario.get("responses") or {}
    if not isinstance(responses, Mapping):
        raise ScenarioError("scenario.responses must be an object")
    _unknown_keys(responses, _RESPONSES_KEYS, "responses")
    preflights, preflights_by_url = _preflights(responses.get("preflight"))
    actuals = _responses(responses.get("actual"), "responses.actual")
    # One response object (not a list) answers every hop, as a server that
    # always says the same would (a Location back to the same URL loops).
    repeats = isinstance(responses.get("actual"), Mapping)
    counters = {"preflight": 0, "actual": 0}

    def replay(
        kind: str, method: str, url: str, headers: Sequence[tuple[str, str]]
    ) -> HTTPResponse:
        index = counters[kind]
        counters[kind] += 1
        if kind == "preflight":
            if preflights_by_url:
                found = preflights_by_url.get(url)
                if found is None:
                    raise ScenarioError(
                        f"the browser sends a preflight (OPTIONS {url}) but no "
                        "responses.preflight item has that url"
                    )
                return found
            if not preflights:
                raise ScenarioError(
                    f"the browser sends a preflight (OPTIONS {url}) but the scenario has no "
                    "responses.preflight"
                )
            return preflights[min(index, len(preflights) - 1)]
        if index >= len(actuals) and repeats and actuals:
            return actuals[-1]
        if index >= len(actuals):
            if not actuals:
                raise ScenarioError(
                    f"the browser sends {method} {url} but the scenario has no responses.actual"
                )
            raise ScenarioError(
                f"responses.actual has {len(actuals)} hop(s) but the browser follows a redirect "
                f"to {url}; add the response for that hop"
            )
        return actuals[index]

    return request, replay


def simulate_trace(
    scenario: Mapping[str, Any],
    *,
    cache: PreflightCache | None = None,
    spec: bool = False,
    now: float | None = None,
    browser: str | Engine = "chromium",
) -> Trace:
    """Like `simulate`, but the whole Trace (exchanges, response type, issues)."""
    request, transport = parse_scenario(scenario)
    if now is None:
        offset = scenario.get("time", 0)
        if isinstance(offset, bool) or not isinstance(offset, int | float):
            raise ScenarioError("scenario.time must be a number of seconds")
        now = float(offset)
    return run_fetch(request, transport, cache=cache, spec=spec, now=now, browser=browser)


def simulate(
    scenario: Mapping[str, Any],
    *,
    cache: PreflightCache | None = None,
    spec: bool = False,
    now: float | None = None,
    browser: str | Engine = "chromium",
) -> dict[str, Any]:
    """One scenario in, one outcome out (docs/scenario-format.md).

    `cache` is the preflight cache to consult and fill (a fresh one when
    None; keep one cache per engine); `now` is the clock in seconds for that
    cache, by default the scenario's optional `time` key (0 when absent).
    `browser` is the engine: `chromium` (the default), `firefox` or
    `webkit`. `spec=True` follows the Fetch standard where Chromium departs
    from it. Raises ScenarioError for a malformed scenario or browser."""
    return simulate_trace(scenario, cache=cache, spec=spec, now=now, browser=browser).outcome()


# --- Files ----------------------------------------------------------------------------------


def _depth_problem(text: str) -> str | None:
    """Where brackets nest deeper than MAX_JSON_DEPTH, ignoring those inside
    strings; one pass, before the recursive parser sees the text."""
    depth = 0
    in_string = False
    escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return f"nested deeper than {MAX_JSON_DEPTH} levels at character {index}"
        elif char in "]}":
            depth -= 1
    return None


def load_scenarios(data: bytes, name: str) -> Any:
    """The JSON value in `data`; raises ScenarioFileError with one line naming
    what is wrong."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ScenarioFileError(
            f"{name}: not UTF-8: byte 0x{data[error.start]:02x} at offset {error.start}"
        ) from None
    problem = _depth_problem(text)
    if problem is not None:
        raise ScenarioFileError(f"{name}: not a scenario file: {problem}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ScenarioFileError(f"{name}: not valid JSON: {error}") from None
    except (ValueError, RecursionError) as error:
        # ValueError: an integer longer than sys.get_int_max_str_digits().
        raise ScenarioFileError(f"{name}: not a scenario file: {error}") from None
