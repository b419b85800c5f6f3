"""One attempt, in words: what crossed the wire, what the browser did, why.

Theory of operation: the page sends a real `fetch()` to the API origin and
then reports what the browser let it see. `build_report` puts that beside
the exchanges the API recorded, and asks the browser model what Chromium
should have done with exactly those responses (`simulate_trace` on a
scenario, as `crossorigin simulate` reads it, built from the recording). The
model's trace is then explained by `crossorigin.explain`, the same words and
per-stack fixes `crossorigin check` prints, and told as a short story for
someone who has never heard of CORS. Every fact of the verdict comes from the model or
the recording; this module only arranges and compares them.

Where the browser and the model disagree (they should not), `agreement`
lists each check and `agree` is False, so the page can flag it.

`engines` holds the model's verdict as each engine (Chromium, Firefox,
WebKit) for the same recorded answers, the engine the user's browser runs
(from its User-Agent) marked; `engine_differences` names each engine whose
verdict is not what the user's browser did, with its reason and console
line. The user's own engine differing is a bug in the model; another
engine differing is a real difference between browsers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

from crossorigin import fetch_tables
from crossorigin.browser import ScenarioError, Trace, simulate_trace
from crossorigin.browser.engines import BROWSERS, ENGINES
from crossorigin.explain import STACK_NAMES, STACKS, explain_trace, fixes_for
from crossorigin.explain.fixes import SNIPPET_STACKS
from crossorigin.origin import Origin, OriginSyntaxError
from crossorigin.policy import ConfigError, Policy

__all__ = ["build_report", "engine_of", "scenario_for"]


#: A header name is a token (RFC 9110 section 5.6.2); fetch() throws on anything else.
_TOKEN: Final = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _pairs(value: object) -> list[list[str]]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    pairs = []
    for item in value:
        if isinstance(item, Sequence) and len(item) == 2:
            pairs.append([str(item[0]), str(item[1])])
    return pairs


def _header(headers: Sequence[Sequence[str]], name: str) -> str | None:
    values = [value for key, value in headers if key.lower() == name]
    return ", ".join(values) if values else None


def scenario_for(
    *,
    page_origin: str,
    url: str,
    request: Mapping[str, Any],
    exchanges: Sequence[Mapping[str, Any]],
    read_headers: Sequence[str],
) -> dict[str, Any]:
    """The scenario of this attempt: the page's request, and the responses the
    API really sent (so `crossorigin simulate` can replay it)."""
    responses: dict[str, list[dict[str, Any]]] = {"preflight": [], "actual": []}
    for exchange in exchanges:
        kind = "preflight" if exchange["kind"] == "preflight" else "actual"
        responses[kind].append(
            {"status": exchange["status"], "headers": _pairs(exchange["response_headers"])}
        )
    scenario_request: dict[str, Any] = {
        "url": url,
        "method": str(request.get("method") or "GET"),
        "headers": _pairs(request.get("headers")),
        "credentials": str(request.get("credentials") or "same-origin"),
        "mode": "cors",
    }
    return {
        "page_origin": page_origin,
        "request": scenario_request,
        "responses": {kind: hops for kind, hops in responses.items() if hops},
        "read_headers": list(read_headers),
    }


def engine_of(user_agent: str) -> str | None:
    """The engine a User-Agent names (`chromium`, `firefox`, `webkit`), or
    None. Chromium-based browsers also say `AppleWebKit` and `Safari`, so
    `Chrome/` is looked for first; Firefox on iOS runs WebKit (`FxiOS`)."""
    if "Firefox/" in user_agent and "FxiOS" not in user_agent:
        return "firefox"
    if any(mark in user_agent for mark in ("Chrome/", "Chromium/", "CriOS/", "Edg/")):
        return "chromium"
    if "AppleWebKit/" in user_agent:
        return "webkit"
    return None


def _engine_verdict(trace: Trace) -> str:
    if trace.allowed:
        return "allowed"
    return "rejected" if trace.failed_at == "request" else "blocked"


def engine_rows(
    scenario: Mapping[str, Any], browser: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The model's verdict as each engine, and the engines whose verdict is
    not what the user's browser did (see the module docstring)."""
    resolved = bool(browser.get("resolved"))
    yours = engine_of(str(browser.get("user_agent") or ""))
    rows: list[dict[str, Any]] = []
    for name in BROWSERS:
        row: dict[str, Any] = {
            "browser": name,
            "product": ENGINES[name].product,
            "yours": name == yours,
        }
        try:
            trace = simulate_trace(scenario, browser=name)
        except ScenarioError as error:
            row.update(verdict="unknown", allowed=None, agrees=False, error=str(error))
            rows.append(row)
            continue
        row.update(
            verdict=_engine_verdict(trace),
            allowed=trace.allowed,
            reason=trace.reason,
            console=trace.console,
            error=trace.error,
            network_error=trace.network_error,
            preflight=bool(trace.preflights),
            agrees=trace.allowed == resolved,
        )
        rows.append(row)
    differences = [
        {
            "browser": row["browser"],
            "product": row["product"],
            "yours": row["yours"],
            "verdict": row["verdict"],
            "reason": row.get("reason"),
            "console": row.get("console"),
            "error": row.get("error"),
            "text": _difference_text(row, resolved),
        }
        for row in rows
        if not row["agrees"]
    ]
    return rows, differences


def _difference_text(row: Mapping[str, Any], resolved: bool) -> str:
    product = row["product"]
    if row["verdict"] == "unknown":
        return f"The model could not replay this attempt as {product}: {row.get('error')}"
    if row["yours"]:
        did = "let the page read it" if resolved else "did not"
        return (
            f"The model as {product} (the engine your browser runs) says "
            f"{row['verdict']}, but your browser {did}: a bug in crossorigin's model; "
            "please report it with the scenario below."
        )
    if row["allowed"]:
        return f"{product} would let the page read this answer; your browser blocked it."
    why = row.get("console") or row.get("reason") or row.get("error") or "no reason given"
    return f"{product} would block this answer, which your browser let the page read: {why}"


def _check(what: str, browser: object, model: object) -> dict[str, Any]:
    return {"what": what, "browser": browser, "model": model, "agree": browser == model}


def _agreement(
    trace: Trace, browser: Mapping[str, Any], exchanges: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    resolved = bool(browser.get("resolved"))
    recorded_preflight = any(e["kind"] == "preflight" for e in exchanges)
    recorded_actual = any(e["kind"] != "preflight" for e in exchanges)
    model_actual = any(e.kind == "actual" for e in trace.exchanges)
    checks = [
        _check("fetch() resolved", resolved, trace.allowed),
        _check("a preflight was sent", recorded_preflight, bool(trace.preflights)),
        _check("the request itself reached the API", recorded_actual, model_actual),
    ]
    if resolved and trace.allowed and trace.exchanges:
        checks.append(_check("status", browser.get("status"), trace.exchanges[-1].response.status))
    readable = browser.get("readable")
    if isinstance(readable, Mapping):
        lowered = {str(name).lower(): value for name, value in readable.items()}
        for name, value in trace.readable_headers.items():
            checks.append(_check(f"response.headers.get('{name}')", lowered.get(name), value))
    return checks


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path or "/"


def _quote_list(names: Sequence[str]) -> str:
    quoted = [f"`{name}`" for name in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _difference(page_origin: str, api_origin: str) -> str:
    """What makes two origins different, in a few words."""
    try:
        page, api = Origin.parse(page_origin), Origin.parse(api_origin)
    except OriginSyntaxError:
        return "they are not the same scheme, host and port"
    differs = [
        part
        for part, mine, theirs in (
            ("scheme", page.scheme, api.scheme),
            ("host", page.host, api.host),
            ("port", page.port, api.port),
        )
        if mine != theirs
    ]
    if not differs:
        return "they look the same"
    return "the " + " and the ".join(differs) + (" differ" if len(differs) > 1 else " differs")


def _why_preflight(trace: Trace) -> str:
    method = fetch_tables.normalize_method(trace.request.method)
    reasons = []
    if not fetch_tables.is_cors_safelisted_method(method):
        reasons.append(f"{method} is not one of the simple methods (GET, HEAD, POST)")
    if trace.unsafe_header_names:
        names = list(trace.unsafe_header_names)
        several = len(names) > 1
        what, verb, simple = (
            ("headers", "are", "simple headers") if several else ("header", "is", "a simple header")
        )
        reasons.append(
            f"the page sets the {what} {_quote_list(names)}, which {verb} not {simple} "
            "(like Accept, or Content-Type: text/plain)"
        )
    return " and ".join(reasons) or "the request is not a simple one"


def _engine_words(exchange: Mapping[str, Any]) -> str:
    decision = exchange.get("decision") or {}
    if decision.get("allowed"):
        allow_origin = _header(exchange["response_headers"], "access-control-allow-origin")
        if allow_origin is None:
            return "crossorigin's engine saw no Origin, so it added no CORS header"
        return f"crossorigin's engine allowed it: `Access-Control-Allow-Origin: {allow_origin}`"
    explanation = decision.get("explanation") or "the policy does not allow it"
    return (
        f"crossorigin's engine refused it ({explanation}), so the answer carries no "
        "`Access-Control-Allow-Origin`"
    )


def _culprit(trace: Trace, exchanges: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The recorded exchange whose answer the browser rejected."""
    if trace.allowed or trace.failed_at not in ("preflight", "actual"):
        return None
    kind = "preflight" if trace.failed_at == "preflight" else "actual"
    matching = [e for e in exchanges if (e["kind"] == "preflight") == (kind == "preflight")]
    return matching[-1] if matching else None


def server_refusal(trace: Trace, exchanges: Sequence[Mapping[str, Any]]) -> str | None:
    """When the browser blocked an answer that crossorigin's engine refused on
    purpose, why it refused (the engine's reason), in one sentence."""
    culprit = _culprit(trace, exchanges)
    decision = (culprit or {}).get("decision") or {}
    if culprit is None or decision.get("allowed", True):
        return None
    which = "the preflight" if culprit["kind"] == "preflight" else "the request"
    detail = f" (`{decision['detail']}`)" if decision.get("detail") else ""
    answer = (
        f"answered {culprit['status']} with no CORS headers"
        if culprit["kind"] == "preflight"
        else "added no `Access-Control-Allow-Origin`"
    )
    return (
        f"The API's CORS layer refused {which} on purpose and {answer}: "
        f"{decision.get('explanation') or decision.get('reason')}{detail}."
    )


def _why_allowed(trace: Trace) -> str | None:
    """Why the browser shared an allowed cross-origin answer, from its headers."""
    if not trace.allowed or trace.response_type != "cors" or not trace.exchanges:
        return None
    headers = [list(pair) for pair in trace.exchanges[-1].response.headers]
    allow_origin = _header(headers, "access-control-allow-origin")
    which = "any origin" if allow_origin == "*" else "exactly the page's origin"
    credentials = (
        " and `Access-Control-Allow-Credentials: true`"
        if trace.request.credentials == "include"
        else ""
    )
    return (
        f"The API's answer carries `Access-Control-Allow-Origin: {allow_origin}` ({which})"
        f"{credentials}, so the browser shares the answer with the page."
    )


def _story(
    trace: Trace,
    *,
    page_origin: str,
    api_origin: str,
    exchanges: Sequence[Mapping[str, Any]],
    summary: str,
    browser: Mapping[str, Any],
) -> list[str]:
    request = trace.request
    method = fetch_tables.normalize_method(request.method)
    credentials = request.credentials == "include"
    lines = [
        f"Your page at {page_origin} asked the API at {api_origin} to {method} "
        f"`{_path(request.url)}`"
        + (", sending your cookies along (`credentials: 'include'`)." if credentials else ".")
        + f" They are different origins ({_difference(page_origin, api_origin)}), so the "
        "browser applies CORS: it lets the page read the answer only if the API says this "
        "page may."
    ]
    if trace.failed_at == "request":
        lines.append(
            f"fetch() refused to send anything: {trace.error or browser.get('error')}. "
            "No request left the browser, so CORS never came into it."
        )
        bad = [name for name, _ in request.headers if not _TOKEN.fullmatch(name)]
        if bad:
            lines.append(
                f"`{bad[0]}` is not a header name: each header line reads `Name: value`, and a "
                "name has no spaces (a line without a colon becomes a name)."
            )
        return lines
    preflight = next((e for e in exchanges if e["kind"] == "preflight"), None)
    actual = next((e for e in exchanges if e["kind"] != "preflight"), None)
    if preflight is not None:
        lines.append(
            f"Because {_why_preflight(trace)}, the browser first asked permission with a "
            f"preflight: an `OPTIONS` request naming the method and headers it wants to send. "
            f"The API answered {preflight['status']}; {_engine_words(preflight)}."
        )
        if trace.failed_at == "preflight":
            lines.append(
                f"The answer did not grant permission, so the browser never sent your "
                f"{method} request: the API did not run it."
            )
    if actual is not None:
        cookie = any(name.lower() == "cookie" for name, _ in actual["request_headers"])
        lines.append(
            ("Then the browser" if preflight is not None else "The browser")
            + f" sent the {method} request"
            + (" with your cookie" if cookie else "")
            + f". It reached the API, which ran it and answered {actual['status']}; "
            f"{_engine_words(actual)}."
        )
    if trace.allowed:
        hidden = [name for name, value in trace.readable_headers.items() if value is None]
        sent_but_hidden = [
            name
            for name in hidden
            if actual is not None and _header(actual["response_headers"], name) is not None
        ]
        verdict = (
            f"The browser let your page read the response: fetch() resolved with status "
            f"{trace.exchanges[-1].response.status}."
        )
        if sent_but_hidden:
            verdict += (
                f" But response.headers.get() returns null for {_quote_list(sent_but_hidden)}: "
                "the API sent it, yet a page may read only the simple response headers and "
                "those the API names in `Access-Control-Expose-Headers`."
            )
        lines.append(verdict)
    else:
        refusal = server_refusal(trace, exchanges)
        if refusal is not None and trace.reason and "MissingAllowOrigin" in trace.reason:
            verdict = (
                "The browser blocked the response, because the answer has no "
                f"`Access-Control-Allow-Origin` header. {refusal}"
            )
        else:
            verdict = f"The browser blocked the response. {summary}"
        if actual is not None:
            verdict += (
                " Note that the request did reach the API and ran there: CORS does not stop a "
                "request from being sent, it stops the page from reading the answer."
            )
        verdict += (
            f" Your script only sees `{trace.error or 'TypeError: Failed to fetch'}`; the real "
            "reason is in the browser's console (below)."
        )
        lines.append(verdict)
    return lines


def build_report(
    *,
    attempt: str,
    page_origin: str,
    api_origin: str,
    url: str,
    request: Mapping[str, Any],
    exchanges: Sequence[Mapping[str, Any]],
    browser: Mapping[str, Any],
    read_headers: Sequence[str],
    policy: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Everything the page shows for one attempt, as JSON-ready data."""
    scenario = scenario_for(
        page_origin=page_origin,
        url=url,
        request=request,
        exchanges=exchanges,
        read_headers=read_headers,
    )
    report: dict[str, Any] = {
        "attempt": attempt,
        "page_origin": page_origin,
        "api_origin": api_origin,
        "url": url,
        "request": dict(request),
        "exchanges": list(exchanges),
        "browser": dict(browser),
        "scenario": scenario,
        "policy": dict(policy) if policy is not None else None,
    }
    if policy is not None:
        try:
            snippets = fixes_for(Policy.from_mapping(policy), "the playground's policy")
        except ConfigError:
            snippets = {}
        report["snippets"] = [
            {"stack": stack, "name": name, "text": snippets[stack]}
            for stack, name in SNIPPET_STACKS.items()
            if stack in snippets
        ]
    # The model runs as the engine the user's browser is (Chromium when the
    # User-Agent does not tell), so `agreement` compares like with like.
    engine = engine_of(str(browser.get("user_agent") or "")) or "chromium"
    report["model_browser"] = engine
    try:
        trace = simulate_trace(scenario, browser=engine)
    except ScenarioError as error:
        report.update(
            model=None,
            agree=False,
            agreement=[
                {
                    "what": "the model could replay the recorded exchanges",
                    "browser": "recorded",
                    "model": str(error),
                    "agree": False,
                }
            ],
            verdict="unknown",
            headline="The model could not replay this attempt",
            story=[str(error)],
            engines=[],
            engine_differences=[],
        )
        return report
    explanation = explain_trace(trace)
    agreement = _agreement(trace, browser, exchanges)
    engines, differences = engine_rows(scenario, browser)
    hidden = [name for name, value in trace.readable_headers.items() if value is None]
    if not trace.allowed and explanation.cause == "request-rejected":
        # fetch() threw before anything was sent (an invalid header name or
        # value, a body on GET...): a TypeError of the Fetch API, not CORS.
        verdict = "rejected"
        headline = "fetch() threw a TypeError: the browser sent nothing (not a CORS error)"
    elif not trace.allowed:
        verdict = "blocked"
        headline = "Blocked by CORS: your page cannot read the answer"
    elif hidden and explanation.cause == "unreadable-headers":
        verdict = "partial"
        headline = "Allowed, but some response headers are hidden from the page"
    else:
        verdict = "allowed"
        headline = "Allowed: your page can read the answer"
    report.update(
        verdict=verdict,
        headline=headline,
        story=_story(
            trace,
            page_origin=page_origin,
            api_origin=api_origin,
            exchanges=exchanges,
            summary=explanation.summary,
            browser=browser,
        ),
        model={
            "outcome": trace.outcome(),
            "response_type": trace.response_type,
            "error": trace.error,
            "issues": list(trace.issues),
        },
        explanation={
            "server": server_refusal(trace, exchanges) or _why_allowed(trace),
            "summary": explanation.summary,
            "notes": list(explanation.notes),
            "cause": explanation.cause,
            "fixes": [
                {"stack": stack, "name": STACK_NAMES[stack], "text": text}
                for stack in STACKS
                if (text := explanation.fix_by_stack.get(stack))
            ],
        },
        agreement=agreement,
        agree=all(check["agree"] for check in agreement),
        engines=engines,
        engine_differences=differences,
    )
    return report
