"""Where the three engines part ways on one scenario, and why.

Rule 1: this module only reads outcomes (and the scenario's request) and the
engine profiles in `engines.py`; it decides nothing about a fetch. It backs
`simulate --browser all` and `check --browser all`: after one verdict per
engine, one line saying which observable facts differ and the engine rule
behind each.

Reasons and console lines always differ between engines (each engine names
and words failures its own way), so they are not differences; what is
compared is what a page or a server can tell apart: the verdict, whether a
preflight went out and what it asked for, the network error, the headers
the script could read, and the `Origin` each hop carried.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from crossorigin.browser.engines import ENGINES
from crossorigin.browser.requests import prepare_request, unsafe_header_names
from crossorigin.browser.types import ScenarioError

__all__ = ["COMPARED", "differing_fields", "summary"]

#: Outcome keys compared between engines, with the words used for them.
COMPARED: Final = (
    ("allowed", "verdict"),
    ("preflight_sent", "preflight"),
    ("preflight_request", "preflight headers"),
    ("readable_headers", "readable headers"),
    ("hops", "requests sent"),
    ("failed_at", "failing step"),
)


def _value(outcome: Mapping[str, Any], key: str) -> Any:
    if key == "preflight_request":
        request = outcome.get(key) or {}
        return ",".join(str(value) for _, value in request.get("headers") or []) or None
    if key == "hops":
        return [(hop.get("url"), hop.get("method"), hop.get("origin")) for hop in outcome[key]]
    if key == "allowed":
        return "allowed" if outcome[key] else "blocked"
    return outcome.get(key)


def differing_fields(outcomes: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The outcome keys (of COMPARED) on which the engines do not all agree."""
    found = []
    for key, _ in COMPARED:
        values = [_value(outcome, key) for outcome in outcomes.values()]
        if any(value != values[0] for value in values[1:]):
            found.append(key)
    return found


def _header_rules(scenario: Mapping[str, Any], browsers: Sequence[str]) -> str | None:
    """Which request headers need a preflight in one engine but not another."""
    request = scenario.get("request") or {}
    headers = request.get("headers") or []
    if isinstance(headers, Mapping):
        headers = list(headers.items())
    unsafe: dict[str, set[str]] = {}
    for browser in browsers:
        try:
            prepared = prepare_request(
                method=str(request.get("method", "GET")),
                headers=[(str(name), str(value)) for name, value in headers],
                mode=str(request.get("mode", "cors")),
                engine=ENGINES[browser],
            )
        except Exception:
            return None
        unsafe[browser] = set(unsafe_header_names(prepared.headers, engine=ENGINES[browser]))
    sets = list(unsafe.values())
    common = sets[0].intersection(*sets[1:])
    names = sorted(set().union(*sets) - common)
    if not names:
        return None
    parts = []
    for name in names:
        needing = [browser for browser in browsers if name in unsafe[browser]]
        others = [browser for browser in browsers if name not in unsafe[browser]]
        parts.append(
            f"{name} needs a preflight in {', '.join(needing)} but not in {', '.join(others)}"
            " (its request-header rules differ)"
        )
    return "; ".join(parts)


def _max_age(scenario: Mapping[str, Any]) -> str | None:
    responses = scenario.get("responses") or {}
    preflights = responses.get("preflight") or []
    if isinstance(preflights, Mapping):
        preflights = [preflights]
    for preflight in preflights:
        for name, value in preflight.get("headers") or []:
            if str(name).lower() == "access-control-max-age":
                return str(value)
    return None


def summary(
    scenario: Mapping[str, Any],
    outcomes: Mapping[str, Mapping[str, Any]],
    *,
    earlier: Sequence[Mapping[str, Any]] = (),
) -> str:
    """One line: the engines agree, or where they differ and the likely
    rule behind it. `earlier` are the scenarios that ran before this one in
    the same file (their preflights may be cached)."""
    browsers = list(outcomes)
    fields = differing_fields(outcomes)
    if not fields:
        verdict = _value(next(iter(outcomes.values())), "allowed")
        return f"all engines agree: {verdict}"
    where = []
    for key, words in COMPARED:
        if key in fields:
            values = ", ".join(
                f"{browser}: {_short(_value(outcomes[browser], key))}" for browser in browsers
            )
            where.append(f"{words} ({values})")
    reasons: list[str] = []
    header_reason = _header_rules(scenario, browsers)
    if header_reason and ("preflight_sent" in fields or "preflight_request" in fields):
        reasons.append(header_reason)
    max_ages = [age for age in (_max_age(step) for step in earlier) if age is not None]
    if max_ages and "preflight_sent" in fields:
        caps = ", ".join(f"{name} {ENGINES[name].max_age_cap} s" for name in browsers)
        reasons.append(
            f"the preflight cache differs (Access-Control-Max-Age {max_ages[-1]}: caps {caps}; "
            "Firefox caches nothing for a value that is not digits, keeps one entry per "
            "method and header, and ignores the request's cache mode except reload)"
        )
    if "hops" in fields or "failed_at" in fields:
        network = {browser: outcomes[browser].get("network_error") for browser in browsers}
        if any(network.values()):
            reasons.append(
                "redirect and network-error handling differ ("
                + ", ".join(f"{browser}: {network[browser] or 'none'}" for browser in browsers)
                + ")"
            )
    origins = {
        browser: [hop.get("origin") for hop in outcomes[browser].get("hops") or []]
        for browser in browsers
    }
    if any(len(hops) > 1 for hops in origins.values()) and "preflight_sent" in fields:
        reasons.append(
            "after a cross-origin redirect Firefox preflights with the page's origin, "
            "Chromium and WebKit with null"
        )
    if not reasons:
        reasons.append("the engines' CORS checks differ (see each engine's reason)")
    return "engines differ on " + "; ".join(where) + " — why: " + "; ".join(reasons)


def _short(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, list):
        return f"{len(value)} request(s)"
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items()) or "none"
    return str(value)


def check_browser(name: str) -> None:
    """Raise ScenarioError unless `name` is an engine."""
    if name not in ENGINES:
        raise ScenarioError(f"browser is {name!r}; use one of {', '.join(ENGINES)}")
