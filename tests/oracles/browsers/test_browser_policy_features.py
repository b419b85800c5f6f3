"""Real Chromium on the per-origin policy features: option groups, in-label
globs, port lists, the preflight knobs and Timing-Allow-Origin.

Each case is a small policy served by crossorigin's ASGI middleware under a
real uvicorn (the `asgi_api` fixture), fetched with `fetch()` from pages on
both sides of the feature's line. Page origins under `MAPPED_DOMAIN` resolve
to 127.0.0.1 in Chromium, so one loopback server serves pages on as many host
names as a glob or a group needs; port lists use the harness's three ports.

Every fetch is held to two things at once:

- what the policy means, written here by hand from docs/dynamic-policies.md
  (never computed by the engine under test): allowed or blocked, the headers
  the page can read, and what the middleware's answers carry;
- what crossorigin's browser model predicts when handed the exact answers the
  middleware sent (the recorded exchange): the whole oracle tuple of
  `chromium_harness.differences` (verdict, reason, console line, preflight,
  readable headers, hops).

Chromium is the judge of both: a mismatch is a bug in the middleware, in the
model or in the expectation, never something to paper over here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from asgi_api import RESOURCE_HEADERS, PolicyDispatcher
from chromium_harness import MAPPED_DOMAIN, Oracle, Outcome, differences
from policy_scenarios import ASGI_URL, PAGE, PAGE_LOCALHOST, concrete_policy

from crossorigin.asgi import CORSMiddleware
from crossorigin.browser import PreflightCache, simulate

pytestmark = pytest.mark.browser

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]

READ_HEADERS = ("X-Total", "X-Other")
#: What the application's own OPTIONS handler adds, so its answer is recognisable.
APP_OPTIONS_MARKER = "x-app-options"


def mapped(name: str, port: str = "{page_port}") -> str:
    """A page origin on a host name Chromium resolves to 127.0.0.1."""
    return f"http://{name}.{MAPPED_DOMAIN}:{port}"


# --- what the policy means ----------------------------------------------------------


@dataclass(frozen=True)
class Fetch:
    """One `fetch()` from `page` to the policy's API, and what the policy means for it."""

    name: str
    page: str
    allowed: bool
    method: str = "GET"
    credentials: str = "omit"
    headers: tuple[tuple[str, str], ...] = ()
    #: Of READ_HEADERS, the ones the page reads (exposed to it); the rest read null.
    reads: tuple[str, ...] = ()
    #: Whether Chromium sends a preflight (False when none is needed or it is cached).
    preflight: bool = False
    #: The status the preflight was answered with (checked when not None).
    preflight_status: int | None = None
    #: Headers on the preflight's answer (None: absent), lower-case names.
    preflight_answer: dict[str, str | None] = field(default_factory=dict)
    #: Headers on the actual answer (None: absent), lower-case names.
    actual_answer: dict[str, str | None] = field(default_factory=dict)
    #: Whether the page sees detailed Resource Timing for it (checked when not None).
    timings: bool | None = None


@dataclass(frozen=True)
class Case:
    """A policy, the fetches made against it in order (one URL, so one
    preflight cache), and the status of the application's OPTIONS handler."""

    name: str
    fields: dict[str, Any]
    fetches: tuple[Fetch, ...]
    options_status: int = 200


def _each(name: str, fields: dict[str, Any], *fetches: Fetch, **extra: Any) -> list[Case]:
    """One case per fetch (each on a URL of its own: no shared preflight cache)."""
    return [Case(f"{name}:{fetch.name}", fields, (fetch,), **extra) for fetch in fetches]


PUT_HEADERS = (("X-Custom", "1"),)

# Globs: `*` stands for one or more characters of one label, never a dot.
GLOB = {
    "origins": [mapped("app-*-team")],
    "methods": ["PUT"],
    "request_headers": ["X-Custom"],
    "expose_headers": ["X-Total"],
}
GLOB_CASES = _each(
    "glob",
    GLOB,
    Fetch(
        "label-matches",
        mapped("app-pr1-team"),
        True,
        reads=("X-Total",),
        actual_answer={"access-control-allow-origin": mapped("app-pr1-team"), "vary": "Origin"},
    ),
    Fetch("star-crosses-a-dot", mapped("app-pr1.x-team"), False),
    Fetch("star-empty", mapped("app--team"), False),
    Fetch("label-in-front", mapped("x.app-pr1-team"), False),
    Fetch("other-port", mapped("app-pr1-team", "{other_port}"), False),
    Fetch(
        "label-matches-put",
        mapped("app-pr2-team"),
        True,
        method="PUT",
        headers=PUT_HEADERS,
        reads=("X-Total",),
        preflight=True,
        preflight_status=204,
    ),
    Fetch(
        "star-crosses-a-dot-put",
        mapped("app-pr2.x-team"),
        False,
        method="PUT",
        headers=PUT_HEADERS,
        preflight=True,
    ),
)

# Port lists: exactly the listed ports (the harness's page and other ports).
PORTS = {
    "origins": ["http://localhost:[{page_port},{other_port}]"],
    "methods": ["PUT"],
    "expose_headers": ["X-Total"],
}
PORT_CASES = _each(
    "ports",
    PORTS,
    Fetch("first-listed", PAGE_LOCALHOST, True, reads=("X-Total",)),
    Fetch("second-listed", "http://localhost:{other_port}", True, reads=("X-Total",)),
    Fetch("unlisted-port", "http://localhost:{api_port}", False),
    Fetch("listed-port-other-host", PAGE, False),
    Fetch(
        "second-listed-put",
        "http://localhost:{other_port}",
        True,
        method="PUT",
        reads=("X-Total",),
        preflight=True,
    ),
    Fetch("unlisted-port-put", "http://localhost:{api_port}", False, method="PUT", preflight=True),
)

# Groups: first-party with credentials beside a public group without.
FIRST_PARTY = {"origins": [PAGE_LOCALHOST], "credentials": True, "expose_headers": ["X-Total"]}
GROUPS_LISTED = {
    "groups": [FIRST_PARTY, {"origins": [mapped("public")], "expose_headers": ["X-Other"]}],
    "methods": ["PUT"],
}
GROUP_CASES = _each(
    "groups",
    GROUPS_LISTED,
    Fetch(
        "first-party-with-credentials",
        PAGE_LOCALHOST,
        True,
        credentials="include",
        reads=("X-Total",),
        actual_answer={
            "access-control-allow-origin": PAGE_LOCALHOST,
            "access-control-allow-credentials": "true",
        },
    ),
    Fetch("first-party-without-credentials", PAGE_LOCALHOST, True, reads=("X-Total",)),
    Fetch(
        "public-without-credentials",
        mapped("public"),
        True,
        reads=("X-Other",),
        actual_answer={
            "access-control-allow-origin": mapped("public"),
            "access-control-allow-credentials": None,
        },
    ),
    Fetch("public-with-credentials", mapped("public"), False, credentials="include"),
    Fetch("in-no-group", mapped("stranger"), False),
    Fetch(
        "first-party-put-with-credentials",
        PAGE_LOCALHOST,
        True,
        method="PUT",
        credentials="include",
        reads=("X-Total",),
        preflight=True,
        preflight_answer={"access-control-allow-credentials": "true"},
    ),
    Fetch(
        "public-put-with-credentials",
        mapped("public"),
        False,
        method="PUT",
        credentials="include",
        preflight=True,
    ),
) + _each(
    "groups-star",
    {"groups": [FIRST_PARTY, {"origins": "*", "expose_headers": "*"}]},
    Fetch(
        "first-party-with-credentials",
        PAGE_LOCALHOST,
        True,
        credentials="include",
        reads=("X-Total",),
        actual_answer={"access-control-allow-origin": PAGE_LOCALHOST},
    ),
    Fetch(
        "anyone-without-credentials",
        mapped("anyone"),
        True,
        reads=("X-Total", "X-Other"),
        actual_answer={"access-control-allow-origin": "*"},
    ),
    Fetch("anyone-with-credentials", mapped("anyone"), False, credentials="include"),
)

# preflight_status: 200 instead of 204; Chromium takes any 2xx (Fetch §4.8
# "CORS-preflight fetch" step 7: an ok status), and a refusal still fails.
STATUS_200 = {"origins": [PAGE], "methods": ["PUT"], "preflight_status": 200}
STATUS_CASES = _each(
    "preflight-status-200",
    STATUS_200,
    Fetch("allowed", PAGE, True, method="PUT", preflight=True, preflight_status=200),
    Fetch(
        "origin-refused", PAGE_LOCALHOST, False, method="PUT", preflight=True, preflight_status=403
    ),
    Fetch("method-refused", PAGE, False, method="DELETE", preflight=True),
) + _each(
    "preflight-status-default",
    {"origins": [PAGE], "methods": ["PUT"]},
    Fetch("allowed", PAGE, True, method="PUT", preflight=True, preflight_status=204),
)

# preflight_continue: the application's own OPTIONS handler answers allowed
# preflights, with the CORS headers added; refused ones never reach it.
CONTINUE = {
    "origins": [PAGE],
    "methods": ["PUT"],
    "request_headers": ["X-Custom"],
    "preflight_continue": True,
}
CONTINUE_CASES = _each(
    "preflight-continue",
    CONTINUE,
    Fetch(
        "allowed",
        PAGE,
        True,
        method="PUT",
        headers=PUT_HEADERS,
        preflight=True,
        preflight_status=200,
        preflight_answer={APP_OPTIONS_MARKER: "ran", "access-control-allow-origin": PAGE},
    ),
    Fetch(
        "origin-refused",
        PAGE_LOCALHOST,
        False,
        method="PUT",
        headers=PUT_HEADERS,
        preflight=True,
        preflight_status=403,
        preflight_answer={APP_OPTIONS_MARKER: None},
    ),
) + _each(
    # The application decides the status: one that answers OPTIONS with 405
    # (a framework without an OPTIONS route) fails every preflight.
    "preflight-continue-app-405",
    CONTINUE,
    Fetch(
        "allowed-origin",
        PAGE,
        False,
        method="PUT",
        headers=PUT_HEADERS,
        preflight=True,
        preflight_status=405,
        preflight_answer={APP_OPTIONS_MARKER: "ran", "access-control-allow-origin": PAGE},
    ),
    options_status=405,
)

# preflight_cache_control: for CDNs. Chromium's preflight cache follows
# Access-Control-Max-Age alone (Fetch §4.8 step 7.9), whatever Cache-Control says.
CACHE_CONTROL = "public, max-age=600"
CACHE_CASES = [
    Case(
        "preflight-cache-control:max-age-600",
        {
            "origins": [PAGE],
            "methods": ["PUT"],
            "max_age": 600,
            "preflight_cache_control": CACHE_CONTROL,
        },
        (
            Fetch(
                "first",
                PAGE,
                True,
                method="PUT",
                preflight=True,
                preflight_answer={"cache-control": CACHE_CONTROL, "access-control-max-age": "600"},
            ),
            Fetch("repeat-served-from-cache", PAGE, True, method="PUT"),
        ),
    ),
    Case(
        "preflight-cache-control:max-age-0",
        {
            "origins": [PAGE],
            "methods": ["PUT"],
            "max_age": 0,
            "preflight_cache_control": CACHE_CONTROL,
        },
        (
            Fetch(
                "first",
                PAGE,
                True,
                method="PUT",
                preflight=True,
                preflight_answer={"cache-control": CACHE_CONTROL},
            ),
            Fetch("repeat-preflighted-again", PAGE, True, method="PUT", preflight=True),
        ),
    ),
    *_each(
        "preflight-cache-control",
        {"origins": [PAGE], "methods": ["PUT"], "preflight_cache_control": CACHE_CONTROL},
        Fetch(
            "refused-answer-has-none",
            PAGE_LOCALHOST,
            False,
            method="PUT",
            preflight=True,
            preflight_answer={"cache-control": None},
        ),
    ),
]

# timing_allow_origin: Resource Timing §4.5 "timing allow check"; without it a
# cross-origin entry's detailed timestamps are 0, CORS or not.
TIMED = mapped("timed")
TIMING_CASES = (
    _each(
        "timing-allow-origin",
        {"origins": [TIMED], "timing_allow_origin": True},
        Fetch(
            "allowed",
            TIMED,
            True,
            timings=True,
            actual_answer={"timing-allow-origin": TIMED},
        ),
        Fetch(
            "refused",
            mapped("untimed"),
            False,
            timings=False,
            actual_answer={"timing-allow-origin": None},
        ),
    )
    + _each(
        "timing-allow-origin-any",
        {"origins": "*", "timing_allow_origin": True},
        Fetch("allowed", TIMED, True, timings=True, actual_answer={"timing-allow-origin": "*"}),
    )
    + _each(
        "timing-allow-origin-off",
        {"origins": [TIMED]},
        Fetch(
            "cors-alone", TIMED, True, timings=False, actual_answer={"timing-allow-origin": None}
        ),
    )
)

CASES = GLOB_CASES + PORT_CASES + GROUP_CASES + STATUS_CASES + CONTINUE_CASES + CACHE_CASES
CASES += TIMING_CASES


# --- serving and recording -------------------------------------------------------------


@dataclass
class Answer:
    """One answer the middleware sent, as the browser received it."""

    preflight: bool
    status: int
    headers: list[tuple[str, str]]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)


class Recorder:
    """ASGI wrapper noting every answer of the app it wraps, in order."""

    def __init__(self, app: Callable[[Scope, Any, Send], Awaitable[None]]) -> None:
        self._app = app
        self.answers: list[Answer] = []

    async def __call__(self, scope: Scope, receive: Any, send: Send) -> None:
        names = {name for name, _ in scope["headers"]}
        preflight = scope["method"] == "OPTIONS" and b"access-control-request-method" in names

        async def noting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k.decode("latin-1").lower(), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                ]
                self.answers.append(Answer(preflight, int(message["status"]), headers))
            await send(message)

        await self._app(scope, receive, noting_send)


def application(options_status: int) -> Callable[[Scope, Any, Send], Awaitable[None]]:
    """The API behind the middleware: the resource for every method, and an
    OPTIONS handler of its own (marked, with `options_status`)."""

    async def app(scope: Scope, receive: Any, send: Send) -> None:
        if scope["method"] == "OPTIONS":
            status, body = options_status, b""
            headers = [(APP_OPTIONS_MARKER.encode(), b"ran")]
        else:
            status, body = 200, b"ok"
            headers = [(b"content-type", b"text/plain; charset=utf-8")]
            headers += [(k.lower().encode(), v.encode()) for k, v in RESOURCE_HEADERS.items()]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


_TIMINGS_SCRIPT = """
async (url) => {
  const names = ["domainLookupStart", "connectStart", "requestStart", "responseStart"];
  for (let tries = 0; tries < 100; tries++) {
    const entry = performance.getEntriesByName(url, "resource").at(-1);
    if (entry) return Object.fromEntries(names.map(name => [name, entry[name]]));
    await new Promise(resolve => setTimeout(resolve, 20));
  }
  return null;
}
"""


def _model_scenario(concrete: dict[str, Any], answers: list[Answer]) -> dict[str, Any]:
    """The scenario with the recorded answers as its responses."""
    responses: dict[str, Any] = {}
    for answer in answers:
        key = "preflight" if answer.preflight else "actual"
        responses.setdefault(key, {"status": answer.status, "headers": answer.headers})
    return {**concrete, "responses": responses}


def _readable(fetch: Fetch) -> dict[str, str | None]:
    return {
        name.lower(): RESOURCE_HEADERS[name] if fetch.allowed and name in fetch.reads else None
        for name in READ_HEADERS
    }


def _answer_mismatches(
    wanted: dict[str, str | None], answer: Answer | None, label: str
) -> dict[str, Any]:
    if answer is None:
        return {label: ("no such answer", wanted)} if wanted else {}
    return {
        f"{label} {name}": (answer.header(name), value)
        for name, value in wanted.items()
        if answer.header(name) != value
    }


def run_case(oracle: Oracle, dispatcher: PolicyDispatcher, case: Case) -> list[dict[str, Any]]:
    """Run the case's fetches in Chromium; per fetch, the mismatches against
    the policy's meaning and against the model (empty when all agree)."""
    sid = oracle.new_sid()
    policy = concrete_policy(case.fields, oracle.ports)
    recorder = Recorder(CORSMiddleware(application(case.options_status), policy=policy))
    dispatcher.register_app(sid, recorder)
    cache = PreflightCache()
    reports = []
    for fetch in case.fetches:
        expected = oracle.concretize(
            {"preflight": fetch.preflight_answer, "actual": fetch.actual_answer}, sid
        )
        concrete = oracle.concretize(
            {
                "page_origin": fetch.page,
                "request": {
                    "url": ASGI_URL,
                    "method": fetch.method,
                    "headers": [list(pair) for pair in fetch.headers],
                    "credentials": fetch.credentials,
                    "mode": "cors",
                },
                "read_headers": list(READ_HEADERS),
            },
            sid,
        )
        page = oracle.page(concrete["page_origin"])
        if fetch.timings is not None:
            page.evaluate("performance.clearResourceTimings()")
        before = len(recorder.answers)
        chromium = oracle.run(concrete, sid=sid)
        answers = recorder.answers[before:]
        preflight = next((a for a in answers if a.preflight), None)
        actual = next((a for a in answers if not a.preflight), None)

        policy_says: dict[str, Any] = {}
        observed = {
            "allowed": chromium["allowed"],
            "preflight_sent": chromium["preflight_sent"],
            "readable_headers": chromium["readable_headers"],
        }
        meant = {
            "allowed": fetch.allowed,
            "preflight_sent": fetch.preflight,
            "readable_headers": _readable(fetch),
        }
        policy_says.update({k: (observed[k], meant[k]) for k in meant if observed[k] != meant[k]})
        if fetch.preflight_status is not None:
            status = preflight.status if preflight else None
            if status != fetch.preflight_status:
                policy_says["preflight status"] = (status, fetch.preflight_status)
        policy_says.update(_answer_mismatches(expected["preflight"], preflight, "preflight"))
        policy_says.update(_answer_mismatches(expected["actual"], actual, "actual"))
        if fetch.timings is not None:
            timings = page.evaluate(_TIMINGS_SCRIPT, concrete["request"]["url"])
            # Detailed: every timestamp set; opaque: every one zeroed (none half-way).
            detailed = timings is not None and all(value > 0 for value in timings.values())
            opaque = timings is not None and all(value == 0 for value in timings.values())
            if (detailed, opaque) != (fetch.timings, not fetch.timings):
                policy_says["detailed timings"] = (timings, fetch.timings)

        model_says: dict[str, Any]
        try:
            model: Outcome = simulate(_model_scenario(concrete, answers), cache=cache)
            model_says = differences(chromium, model)
        except Exception as error:  # the model refusing the exchange is a disagreement too
            model_says = {"model error": f"{type(error).__name__}: {error}"}
        reports.append(
            {
                "fetch": fetch.name,
                "policy (Chromium, meant)": policy_says,
                "model (Chromium, model)": model_says,
                "chromium said": (chromium["reason"], chromium["console"]),
            }
        )
    return reports


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_chromium_agrees_with_policy_and_model(
    oracle: Oracle, asgi_api: PolicyDispatcher, case: Case
) -> None:
    reports = run_case(oracle, asgi_api, case)
    failing = [r for r in reports if r["policy (Chromium, meant)"] or r["model (Chromium, model)"]]
    assert failing == [], f"{case.name}: {failing}"


def test_every_feature_has_allowed_and_refused_fetches() -> None:
    """No feature's cases pass by always expecting the same verdict."""
    verdicts: dict[str, set[bool]] = {}
    for case in CASES:
        feature = case.name.split(":")[0]
        verdicts.setdefault(feature, set()).update(fetch.allowed for fetch in case.fetches)
    features = {
        "glob",
        "ports",
        "groups",
        "groups-star",
        "preflight-status-200",
        "preflight-continue",
        "timing-allow-origin",
    }
    assert {name for name in features if verdicts[name] == {True, False}} == features
