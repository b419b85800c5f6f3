"""The playground without a browser: presets, snippets, the control API, the
API origin's answers and recording, attempt reports, and the command."""

from __future__ import annotations

import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from crossorigin import ConfigError, Policy
from crossorigin.cli import main
from crossorigin.explain.fixes import fixes_for, policy_arguments
from crossorigin.export import ExportPlan, render
from crossorigin.playground import Playground
from crossorigin.playground.presets import PRESETS, presets_for
from crossorigin.playground.report import build_report, engine_of
from crossorigin.playground.server import loopback_bind_address

PAGE = "http://localhost:3000"


@pytest.fixture(scope="module")
def playground() -> Iterator[Playground]:
    with Playground(page_port=0, api_port=0) as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as http:
        yield http


def _set_policy(client: httpx.Client, playground: Playground, policy: dict[str, Any]) -> Any:
    answer = client.post(
        playground.page_url + "control/policy", json={"policy": policy, "apply": True}
    )
    assert answer.status_code == 200
    return answer.json()


# -- presets ---------------------------------------------------------------------------


@pytest.mark.parametrize("preset", PRESETS, ids=[p["id"] for p in PRESETS])
def test_every_preset_policy_is_valid(preset: dict[str, Any]) -> None:
    concrete = presets_for(PAGE)[PRESETS.index(preset)]
    Policy.from_mapping(concrete["policy"])
    assert "{page}" not in repr(concrete)


def test_the_credentials_preset_shows_a_policy_crossorigin_refuses() -> None:
    (preset,) = [p for p in PRESETS if p["id"] == "credentials-wildcard"]
    with pytest.raises(ConfigError) as refused:
        Policy.from_mapping(preset["refused_policy"])
    assert [issue.code for issue in refused.value.issues] == ["wildcard-with-credentials"]


# -- snippets ----------------------------------------------------------------------------

POLICIES = [
    Policy(origins=[PAGE]),
    Policy(origins="*", expose_headers=["X-Total-Count"]),
    Policy(
        origins=[PAGE, "https://*.example.com"],
        methods=["GET", "PUT"],
        request_headers=["Authorization", "Content-Type"],
        credentials=True,
        max_age=600,
    ),
]


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
def test_python_snippets_build_the_same_policy(policy: Policy) -> None:
    snippets = fixes_for(policy)
    for stack in ("fastapi", "flask"):
        text = snippets[stack]
        expression = text[text.index("Policy(") : text.rindex(")", 0, text.rindex(")")) + 1]
        assert eval(expression, {"Policy": Policy}) == policy, stack
    django = snippets["django"]
    settings = django[django.index("CROSSORIGIN = ") + len("CROSSORIGIN = ") :]
    assert Policy.from_mapping(eval(settings)) == policy


@pytest.mark.parametrize("policy", POLICIES, ids=repr)
def test_express_and_nginx_snippets_are_the_exporters_output(policy: Policy) -> None:
    snippets = fixes_for(policy, "the playground's policy")
    plan = ExportPlan.from_policy(policy, "the playground's policy")
    assert snippets["express"] == render(plan, "express")
    assert snippets["nginx"] == render(plan, "nginx")


def test_snippets_show_only_what_differs_from_the_defaults() -> None:
    assert policy_arguments(Policy(origins=[PAGE])) == {"origins": [PAGE]}
    assert policy_arguments(Policy(origins="*")) == {"origins": "*"}


# -- loopback only ------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.2", "example.com", "::", ""])
def test_only_loopback_hosts_are_served(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        loopback_bind_address(host)


def test_loopback_hosts() -> None:
    assert loopback_bind_address("localhost") == "127.0.0.1"
    assert loopback_bind_address("127.0.0.1") == "127.0.0.1"


def test_command_refuses_a_public_host(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--host", "0.0.0.0"]) == 2
    assert "loopback" in capsys.readouterr().err


def test_command_reports_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["demo", "--page-port", str(port), "--api-port", "0"]) == 2
        page_error = capsys.readouterr().err
        assert main(["demo", "--page-port", "0", "--api-port", str(port)]) == 2
        api_error = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port} for the page" in page_error
    assert "--page-port" in page_error and "--api-port" not in page_error
    assert f"cannot listen on 127.0.0.1:{port} for the API" in api_error
    assert "--api-port" in api_error
    assert "Traceback" not in page_error + api_error


# -- the page origin ----------------------------------------------------------------------


def test_page_and_static_files_are_served(playground: Playground, client: httpx.Client) -> None:
    page = client.get(playground.page_url)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "playground_session=" in page.headers["set-cookie"]
    csp = page.headers["content-security-policy"]
    assert f"connect-src 'self' {playground.api_origin}" in csp
    for name, kind in (("playground.js", "text/javascript"), ("playground.css", "text/css")):
        static = client.get(playground.page_origin + "/static/" + name)
        assert static.status_code == 200
        assert static.headers["content-type"].startswith(kind)
    assert client.get(playground.page_origin + "/static/../server.py").status_code == 404


def test_no_external_resources_in_the_page(playground: Playground, client: httpx.Client) -> None:
    for path in ("/", "/static/playground.js", "/static/playground.css"):
        text = client.get(playground.page_origin + path).text
        assert "https://" not in text.replace("https://app.example.com", "")
        assert "@import" not in text


def test_control_api_refuses_other_host_names(playground: Playground, client: httpx.Client) -> None:
    state = client.get(
        playground.page_origin + "/control/state", headers={"Host": "attacker.example"}
    )
    assert state.status_code == 421
    form = client.post(
        playground.page_origin + "/control/policy",
        content=b"policy=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 415


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost"])
def test_state_and_reports_follow_the_name_the_page_was_opened_under(
    playground: Playground, client: httpx.Client, name: str
) -> None:
    """Opened as 127.0.0.1 the page is not http://localhost:PORT: its presets
    must allow the origin it really has, and the API is addressed the same way."""
    host = f"{name}:{playground.page.port}"
    page_origin = f"http://{host}"
    api_origin = f"http://{name}:{playground.api.port}"
    base = playground.page_origin
    state = client.get(base + "/control/state", headers={"Host": host}).json()
    assert state["page_origin"] == page_origin
    assert state["api_url"] == api_origin + "/api/items"
    assert state["presets"][0]["policy"]["origins"] == [page_origin]
    csp = client.get(base + "/", headers={"Host": host}).headers["content-security-policy"]
    assert f"connect-src 'self' {api_origin};" in csp
    _set_policy(client, playground, state["presets"][0]["policy"])
    url = state["api_url"] + f"?attempt=t-name-{name}"
    client.get(url, headers={"Origin": page_origin})
    report = client.post(
        base + "/control/report",
        headers={"Host": host},
        json={
            "attempt": f"t-name-{name}",
            "url": url,
            "request": {"method": "GET", "headers": [], "credentials": "same-origin"},
            "browser": {"resolved": True, "status": 200, "readable": {}},
            "read_headers": [],
        },
    ).json()
    assert report["page_origin"] == page_origin
    assert report["verdict"] == "allowed"


def test_a_fetch_type_error_is_not_headlined_as_cors() -> None:
    report = build_report(
        attempt="x",
        page_origin=PAGE,
        api_origin="http://localhost:8000",
        url="http://localhost:8000/api/items?attempt=x",
        request={
            "method": "GET",
            "headers": [["Authorization Bearer x", ""]],
            "credentials": "same-origin",
        },
        exchanges=[],
        browser={
            "resolved": False,
            "error": "TypeError: Failed to execute 'fetch' on 'Window': Invalid name",
        },
        read_headers=[],
        policy={"origins": [PAGE]},
    )
    assert report["verdict"] == "rejected"
    assert "TypeError" in report["headline"]
    assert "CORS" not in report["headline"].replace("not a CORS error", "")
    assert any("`Authorization Bearer x` is not a header name" in line for line in report["story"])
    assert report["agree"] is True


def test_state(playground: Playground, client: httpx.Client) -> None:
    state = client.get(playground.page_origin + "/control/state").json()
    assert state["page_origin"] == playground.page_origin
    assert state["api_url"] == playground.api_url
    assert [p["id"] for p in state["presets"]] == [p["id"] for p in PRESETS]
    assert state["policy"]["origins"] == [playground.page_origin]


def test_invalid_policy_lists_every_issue(playground: Playground, client: httpx.Client) -> None:
    before = playground.api.policy
    answer = _set_policy(
        client,
        playground,
        {"origins": ["http://localhost:3000/"], "methods": ["TRACE"], "max_age": 100000},
    )
    assert answer["ok"] is False
    codes = {issue["code"] for issue in answer["issues"]}
    assert len(codes) == 3, answer["issues"]
    assert all(issue["message"] for issue in answer["issues"])
    assert playground.api.policy == before  # nothing applied


def test_valid_policy_is_applied_with_notes_and_snippets(
    playground: Playground, client: httpx.Client
) -> None:
    answer = _set_policy(client, playground, {"origins": [playground.page_origin], "max_age": 9000})
    assert answer["ok"] is True
    assert answer["notes"], "max_age above Chromium's cap is noted"
    assert [s["stack"] for s in answer["snippets"]] == [
        "fastapi",
        "flask",
        "django",
        "express",
        "nginx",
    ]
    assert playground.api.policy.max_age == 9000


# -- the API origin and its recording -----------------------------------------------------


def test_engine_answers_and_exchanges_are_recorded(
    playground: Playground, client: httpx.Client
) -> None:
    origin = playground.page_origin
    _set_policy(
        client, playground, {"origins": [origin], "methods": ["PUT"], "request_headers": ["x-a"]}
    )
    url = playground.api_url + "?attempt=t-engine"
    refused = client.options(
        url, headers={"Origin": origin, "Access-Control-Request-Method": "DELETE"}
    )
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    allowed = client.put(url, headers={"Origin": origin, "X-A": "1"}, content=b"hello")
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == origin
    assert allowed.json()["received_body"] == "hello"

    exchanges = client.get(
        playground.page_origin + "/control/exchanges", params={"attempt": "t-engine"}
    ).json()["exchanges"]
    assert [(e["kind"], e["method"], e["status"]) for e in exchanges] == [
        ("preflight", "OPTIONS", 403),
        ("actual", "PUT", 200),
    ]
    preflight, actual = exchanges
    assert preflight["decision"] == {
        "allowed": False,
        "reason": "method-not-allowed",
        "explanation": "the preflight asks for a method the policy does not allow",
        "detail": "DELETE",
    }
    assert ["Access-Control-Request-Method", "DELETE"] in preflight["request_headers"]
    assert ["X-A", "1"] in actual["request_headers"]
    assert ["access-control-allow-origin", origin] in actual["response_headers"]


def _report(playground: Playground, client: httpx.Client, body: dict[str, Any]) -> Any:
    return client.post(playground.page_origin + "/control/report", json=body).json()


def test_report_of_a_blocked_request(playground: Playground, client: httpx.Client) -> None:
    _set_policy(client, playground, {"origins": ["https://app.example.com"]})
    url = playground.api_url + "?attempt=t-blocked"
    client.get(url, headers={"Origin": playground.page_origin})
    report = _report(
        playground,
        client,
        {
            "attempt": "t-blocked",
            "url": url,
            "request": {"method": "GET", "headers": [], "credentials": "same-origin"},
            "browser": {"resolved": False, "error": "TypeError: Failed to fetch", "readable": {}},
            "read_headers": [],
        },
    )
    assert report["verdict"] == "blocked"
    assert report["agree"] is True
    assert report["model"]["outcome"]["reason"] == "MissingAllowOriginHeader"
    assert report["explanation"]["cause"] == "missing-allow-origin"
    assert [f["stack"] for f in report["explanation"]["fixes"]][:5] == [
        "fastapi",
        "flask",
        "django",
        "express",
        "nginx",
    ]
    story = " ".join(report["story"])
    assert f"Your page at {playground.page_origin}" in story
    assert "did reach the API" in story
    assert report["policy"]["origins"] == ["https://app.example.com"]


def test_report_flags_a_disagreement(playground: Playground, client: httpx.Client) -> None:
    _set_policy(client, playground, {"origins": [playground.page_origin]})
    url = playground.api_url + "?attempt=t-disagree"
    client.get(url, headers={"Origin": playground.page_origin})
    report = _report(
        playground,
        client,
        {
            "attempt": "t-disagree",
            "url": url,
            "request": {"method": "GET", "headers": [], "credentials": "same-origin"},
            # A browser claiming it blocked an allowed response.
            "browser": {"resolved": False, "readable": {}},
            "read_headers": [],
        },
    )
    assert report["agree"] is False
    (wrong,) = [check for check in report["agreement"] if not check["agree"]]
    assert wrong["what"] == "fetch() resolved"


def test_report_when_the_recording_lacks_what_the_model_needs() -> None:
    report = build_report(
        attempt="x",
        page_origin=PAGE,
        api_origin="http://localhost:8000",
        url="http://localhost:8000/api/items?attempt=x",
        request={"method": "PUT", "headers": [], "credentials": "same-origin"},
        exchanges=[],
        browser={"resolved": False},
        read_headers=[],
        policy=None,
    )
    assert report["agree"] is False
    assert report["verdict"] == "unknown"


def test_story_names_what_differs_between_the_origins() -> None:
    def first_line(page: str, api: str) -> str:
        url = f"{api}/api/items?attempt=x"
        exchange = {
            "kind": "actual",
            "method": "GET",
            "target": "/api/items?attempt=x",
            "request_headers": [["Origin", page]],
            "decision": {"allowed": True},
            "status": 200,
            "status_text": "OK",
            "response_headers": [["Access-Control-Allow-Origin", page]],
        }
        report = build_report(
            attempt="x",
            page_origin=page,
            api_origin=api,
            url=url,
            request={"method": "GET", "headers": []},
            exchanges=[exchange],
            browser={"resolved": True, "status": 200, "readable": {}},
            read_headers=[],
            policy={"origins": [page]},
        )
        assert report["agree"] is True
        return str(report["story"][0])

    assert "(the port differs)" in first_line(PAGE, "http://localhost:8000")
    assert "(the host and the port differ)" in first_line(PAGE, "http://127.0.0.1:8000")


def test_the_demo_command_serves_until_interrupted() -> None:
    """`crossorigin demo` as `make demo` runs it: prints both URLs, serves the
    page, and stops cleanly on Ctrl-C."""
    process = subprocess.Popen(
        [sys.executable, "-m", "crossorigin.cli", "demo", "--page-port", "0", "--api-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(
            target=lambda: [lines.put(line) for line in process.stdout or ()], daemon=True
        ).start()
        printed = ""
        while "Ctrl-C" not in printed:
            printed += lines.get(timeout=10)
        urls = re.findall(r"http://localhost:\d+/\S*", printed)
        assert len(urls) == 2, printed
        page_url, api_url = urls
        assert api_url.endswith("/api/items")
        assert httpx.get(page_url, timeout=5).status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


CHROME_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
FIREFOX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0"
SAFARI_UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.0 Safari/605.1.15"
)


@pytest.mark.parametrize(
    ("user_agent", "engine"),
    [(CHROME_UA, "chromium"), (FIREFOX_UA, "firefox"), (SAFARI_UA, "webkit"), ("curl/8", None)],
)
def test_engine_of_user_agent(user_agent: str, engine: str | None) -> None:
    assert engine_of(user_agent) == engine


def _two_locations_report(browser: dict[str, Any]) -> dict[str, Any]:
    # A 200 with two different Location values: Chromium and Firefox fail
    # the response (a network error), WebKit reads one joined value and
    # shares the answer (tests/oracles/browsers/recorded*.json).
    api = "http://localhost:8000"
    exchange = {
        "kind": "actual",
        "method": "GET",
        "target": "/api/items?attempt=x",
        "request_headers": [["Origin", PAGE]],
        "decision": {"allowed": True},
        "status": 200,
        "status_text": "OK",
        "response_headers": [
            ["Location", "/a"],
            ["Location", "/b"],
            ["Access-Control-Allow-Origin", "*"],
        ],
    }
    return build_report(
        attempt="x",
        page_origin=PAGE,
        api_origin=api,
        url=api + "/api/items?attempt=x",
        request={"method": "GET", "headers": []},
        exchanges=[exchange],
        browser=browser,
        read_headers=[],
        policy={"origins": "*"},
    )


def test_report_shows_every_engine_and_flags_the_one_that_differs() -> None:
    report = _two_locations_report(
        {"resolved": False, "error": "TypeError: Failed to fetch", "user_agent": CHROME_UA}
    )
    assert [row["browser"] for row in report["engines"]] == ["chromium", "firefox", "webkit"]
    assert [row["yours"] for row in report["engines"]] == [True, False, False]
    assert [row["verdict"] for row in report["engines"]] == ["blocked", "blocked", "allowed"]
    assert report["agree"] is True
    (webkit,) = report["engine_differences"]
    assert webkit["browser"] == "webkit" and not webkit["yours"]
    assert webkit["text"].startswith("WebKit (Safari) would let the page read this answer")


def test_report_flags_the_users_own_engine_as_a_model_bug() -> None:
    report = _two_locations_report(
        {"resolved": True, "status": 200, "readable": {}, "user_agent": FIREFOX_UA}
    )
    by_engine = {row["browser"]: row for row in report["engines"]}
    assert by_engine["firefox"]["yours"] and not by_engine["firefox"]["agrees"]
    differing = {row["browser"]: row for row in report["engine_differences"]}
    assert set(differing) == {"chromium", "firefox"}
    assert "bug in crossorigin's model" in differing["firefox"]["text"]
    assert differing["firefox"]["console"].startswith("Cross-Origin Request Blocked")
    assert "would block this answer" in differing["chromium"]["text"]


def test_the_model_runs_as_the_users_engine() -> None:
    # Firefox fails this response too, so a Firefox user sees agreement
    # against the model as Firefox, in Firefox's words.
    report = _two_locations_report(
        {"resolved": False, "error": "TypeError: NetworkError", "user_agent": FIREFOX_UA}
    )
    assert report["model_browser"] == "firefox"
    assert report["model"]["outcome"]["browser"] == "firefox"
    assert report["agree"] is True
    assert any("NetworkError when attempting to fetch" in line for line in report["story"])


def test_the_playground_notes_third_party_cookies() -> None:
    from crossorigin.explain.reasons import THIRD_PARTY_COOKIE_NOTE

    api = "http://127.0.0.1:8000"
    allow = [["Access-Control-Allow-Origin", PAGE], ["Access-Control-Allow-Credentials", "true"]]
    exchange = {
        "kind": "actual",
        "method": "GET",
        "target": "/api/items?attempt=x",
        "request_headers": [["Origin", PAGE]],
        "decision": {"allowed": True},
        "status": 200,
        "status_text": "OK",
        "response_headers": allow,
    }
    report = build_report(
        attempt="x",
        page_origin=PAGE,
        api_origin=api,
        url=api + "/api/items?attempt=x",
        request={"method": "GET", "headers": [], "credentials": "include"},
        exchanges=[exchange],
        browser={"resolved": True, "status": 200, "readable": {}},
        read_headers=[],
        policy={"origins": [PAGE], "credentials": True},
    )
    assert report["verdict"] == "allowed"
    assert THIRD_PARTY_COOKIE_NOTE in report["explanation"]["notes"]
