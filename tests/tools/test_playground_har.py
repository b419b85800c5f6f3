"""The playground's HAR export, read back by `crossorigin explain` to the
verdict the playground's report showed.

The browser is played by crossorigin's model (`run_fetch`) over a transport
that sends each request it decides to make (the preflight, then the request
when the preflight passed) to the playground's real API over loopback, with
the headers a browser adds (User-Agent, Sec-Fetch-Mode, Referer, the cookie
when the page asks for credentials). The page's report and the HAR export
then come from the playground's own routes, and `crossorigin explain` reads
the file through the command line.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from crossorigin.browser import FetchRequest, HTTPResponse, run_fetch
from crossorigin.browser.types import Body
from crossorigin.cli import main
from crossorigin.playground import Playground
from crossorigin.playground.api import MAX_RECORDED_BODY
from crossorigin.playground.har_export import OMITTED, har_filename

USER_AGENTS = {
    "chromium": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/156.0.0.0 Safari/537.36"
    ),
    "firefox": "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0",
    "webkit": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.0 Safari/605.1.15"
    ),
}
COOKIE = "playground_session=demo-cookie"


@dataclass(frozen=True)
class Case:
    id: str
    policy: dict[str, Any]  # "{page}" stands for the page's origin
    method: str = "GET"
    headers: list[list[str]] = field(default_factory=list)
    credentials: str = "same-origin"
    body: str = ""
    read: list[str] = field(default_factory=list)
    # What the report says as Chromium (the cases cover what they claim to).
    chromium_reason: str | None = None
    preflight: bool = False


CASES = [
    Case("allowed-get", {"origins": ["{page}"]}),
    Case("allowed-post-with-body", {"origins": ["{page}"]}, "POST", body="hello, API"),
    Case(
        "allowed-preflighted-put",
        {
            "origins": ["{page}"],
            "methods": ["PUT"],
            "request_headers": ["Authorization", "Content-Type"],
        },
        "PUT",
        [["Authorization", "Bearer demo-token"], ["Content-Type", "application/json"]],
        body='{"name": "demo"}',
        preflight=True,
    ),
    Case(
        "allowed-header-hidden",
        {"origins": ["{page}"], "expose_headers": ["X-Total-Count"]},
        read=["X-Total-Count", "X-Request-Id"],
    ),
    Case(
        "missing-allow-origin",
        {"origins": ["https://app.example.com"]},
        chromium_reason="MissingAllowOriginHeader",
    ),
    Case(
        "preflight-refuses-method",
        {"origins": ["{page}"]},
        "PUT",
        body="x",
        chromium_reason="PreflightMissingAllowOriginHeader",
        preflight=True,
    ),
    Case(
        "preflight-refuses-header",
        {"origins": ["{page}"], "methods": ["PUT"]},
        "PUT",
        [["X-Trace", "1"]],
        chromium_reason="PreflightMissingAllowOriginHeader",
        preflight=True,
    ),
    Case(
        "credentials-with-wildcard",
        {"origins": "*"},
        credentials="include",
        chromium_reason="WildcardOriginNotAllowed",
    ),
    Case(
        "credentials-with-wildcard-preflighted",
        {"origins": "*", "methods": ["DELETE"]},
        "DELETE",
        credentials="include",
        chromium_reason="PreflightWildcardOriginNotAllowed",
        preflight=True,
    ),
    Case(
        "credentials-not-allowed",
        {"origins": ["{page}"]},
        credentials="include",
        chromium_reason="InvalidAllowCredentials",
    ),
]


@pytest.fixture(scope="module")
def playground() -> Iterator[Playground]:
    with Playground(page_port=0, api_port=0) as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as http:
        yield http


def _send(
    playground: Playground, client: httpx.Client, case: Case, engine: str, attempt: str
) -> dict[str, Any]:
    """What the page does on Send: apply the policy, fetch() (here the model,
    over the real API), report; the report as the page receives it."""
    page = playground.page_origin
    policy = json.loads(json.dumps(case.policy).replace("{page}", page))
    applied = client.post(
        playground.page_url + "control/policy", json={"policy": policy, "apply": True}
    )
    assert applied.json()["ok"], applied.json()
    url = f"{playground.api_url}?attempt={attempt}"
    user_agent = USER_AGENTS[engine]

    def transport(kind: str, method: str, target: str, headers: Any) -> HTTPResponse:
        sent = [("User-Agent", user_agent), *headers, ("Sec-Fetch-Mode", "cors")]
        sent.append(("Referer", playground.page_url))
        if kind == "actual" and case.credentials == "include":
            sent.append(("Cookie", COOKIE))
        body = case.body.encode() if kind == "actual" and case.body else None
        answer = client.request(method, target, headers=sent, content=body)
        return HTTPResponse(answer.status_code, tuple(answer.headers.multi_items()))

    trace = run_fetch(
        FetchRequest(
            page_origin=page,
            url=url,
            method=case.method,
            headers=tuple((name, value) for name, value in case.headers),
            credentials=case.credentials,
            body=Body("text") if case.body else None,
            read_headers=tuple(case.read),
        ),
        transport,
        browser=engine,
    )
    if trace.allowed:
        browser: dict[str, Any] = {
            "resolved": True,
            "status": trace.exchanges[-1].response.status,
            "type": trace.response_type,
            "readable": dict(trace.readable_headers),
        }
    else:
        browser = {"resolved": False, "error": trace.error, "readable": {}}
    browser["user_agent"] = user_agent
    report = client.post(
        playground.page_url + "control/report",
        json={
            "attempt": attempt,
            "url": url,
            "request": {
                "method": case.method,
                "headers": case.headers,
                "credentials": case.credentials,
                "body": case.body,
            },
            "browser": browser,
            "read_headers": case.read,
        },
    ).json()
    assert report["agree"] is True, report["agreement"]
    assert report["model_browser"] == engine
    return dict(report)


def _export(
    playground: Playground, client: httpx.Client, path: Path, attempt: str | None, **params: str
) -> dict[str, Any]:
    query = {"attempt": attempt, **params} if attempt else params
    answer = client.get(playground.page_url + "har", params=query)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert (
        answer.headers["content-disposition"] == f'attachment; filename="{har_filename(attempt)}"'
    )
    path.write_bytes(answer.content)
    return dict(answer.json())


def _explain(
    path: Path, capsys: pytest.CaptureFixture[str], *options: str
) -> tuple[int, list[dict[str, Any]]]:
    capsys.readouterr()
    status = main(["explain", str(path), "--format", "json", *options])
    return status, list(json.loads(capsys.readouterr().out)["requests"])


def _reported(report: dict[str, Any]) -> tuple[bool, str | None, str | None]:
    """The report's verdict: allowed or not, the engine's reason, the cause
    (a response with some headers hidden from the script, `partial`, is the
    cause `unreadable-headers`: explain reads what the script read from
    `_fetch.read_headers`)."""
    outcome = (report.get("model") or {}).get("outcome") or {}
    allowed = report["verdict"] in ("allowed", "partial")
    cause = report["explanation"]["cause"]
    assert (cause == "unreadable-headers") is (report["verdict"] == "partial")
    return allowed, outcome.get("reason"), cause


def _explained(result: dict[str, Any]) -> tuple[bool, str | None, str | None]:
    return result["allowed"], result["reason"], result["cause"]


@pytest.mark.parametrize(
    ("engine", "case"),
    [
        pytest.param(engine, case, id=f"{engine}-{case.id}")
        for engine in USER_AGENTS
        for case in CASES
    ],
)
def test_explain_reads_the_export_back_to_the_reports_verdict(
    playground: Playground,
    client: httpx.Client,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    engine: str,
    case: Case,
) -> None:
    attempt = f"har-{engine}-{case.id}"
    report = _send(playground, client, case, engine, attempt)
    if engine == "chromium":
        assert report["verdict"] != "blocked" or case.chromium_reason is not None
        assert _reported(report)[1] == case.chromium_reason
    assert any(e["kind"] == "preflight" for e in report["exchanges"]) is case.preflight

    path = tmp_path / har_filename(attempt)
    _export(playground, client, path, attempt)
    status, results = _explain(path, capsys, "--browser", engine)

    (result,) = results
    assert _explained(result) == _reported(report)
    assert status == (0 if _reported(report)[0] else 1)
    assert result["page_origin"] == playground.page_origin
    assert (result["method"], result["url"]) == (case.method, report["url"])
    if engine == "chromium":
        assert result["preflight"] == ("recorded" if case.preflight else "not-needed")
        assert result["disagreement"] is None


def test_the_export_of_every_attempt_reads_back_attempt_by_attempt(
    playground: Playground, client: httpx.Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = {}
    for case in CASES:
        attempt = f"all-{case.id}"
        reports[attempt] = _send(playground, client, case, "chromium", attempt)
    path = tmp_path / "all.har"
    har = _export(playground, client, path, None)
    status, results = _explain(path, capsys)
    by_attempt = {httpx.URL(result["url"]).params["attempt"]: result for result in results}
    assert len(by_attempt) == len(results)  # one result per attempt
    for attempt, report in reports.items():
        assert _explained(by_attempt[attempt]) == _reported(report), attempt
    assert status == 1
    # Every attempt's page request carries the verdict its report showed.
    verdicts = {
        entry["_playground"]["attempt"]: entry["_playground"]["verdict"]
        for entry in har["log"]["entries"]
        if "_playground" in entry
    }
    assert {attempt: verdicts[attempt] for attempt in reports} == {
        attempt: report["verdict"] for attempt, report in reports.items()
    }
    starts = [entry["startedDateTime"] for entry in har["log"]["entries"]]
    assert starts == sorted(starts)


# -- what the file holds -------------------------------------------------------------------


def _case(case_id: str) -> Case:
    (found,) = [case for case in CASES if case.id == case_id]
    return found


def _entries(har: dict[str, Any]) -> list[dict[str, Any]]:
    return list(har["log"]["entries"])


def _headers(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [(header["name"], header["value"]) for header in message["headers"]]


def test_the_export_is_har_1_2(
    playground: Playground, client: httpx.Client, tmp_path: Path
) -> None:
    """The fields HAR 1.2 requires, with their types, and the timing rules."""
    attempt = "shape"
    _send(playground, client, _case("allowed-preflighted-put"), "chromium", attempt)
    har = _export(playground, client, tmp_path / "shape.har", attempt)
    log = har["log"]
    assert log["version"] == "1.2"
    assert set(log["creator"]) == {"name", "version"}
    (page,) = log["pages"]
    assert page["title"] == playground.page_url
    assert set(page) >= {"startedDateTime", "id", "title", "pageTimings"}
    preflight, actual = _entries(har)
    for entry in (preflight, actual):
        assert entry["pageref"] == page["id"]
        assert set(entry) >= {"startedDateTime", "time", "request", "response", "cache", "timings"}
        assert entry["startedDateTime"].endswith("Z")
        request, response = entry["request"], entry["response"]
        assert set(request) >= {
            "method", "url", "httpVersion", "cookies", "headers", "queryString",
            "headersSize", "bodySize",
        }  # fmt: skip
        assert set(response) >= {
            "status", "statusText", "httpVersion", "cookies", "headers", "content",
            "redirectURL", "headersSize", "bodySize",
        }  # fmt: skip
        assert set(response["content"]) >= {"size", "mimeType"}
        assert request["queryString"] == [{"name": "attempt", "value": attempt}]
        timings = entry["timings"]
        # send, wait and receive are required and never negative; the others
        # are -1 when they do not apply or are unknown (HAR 1.2, timings).
        assert all(timings[name] >= 0 for name in ("send", "wait", "receive"))
        assert all(timings[name] == -1 for name in ("blocked", "dns", "connect", "ssl"))
        known = [value for name, value in timings.items() if name != "comment" and value >= 0]
        assert entry["time"] == pytest.approx(sum(known))
    assert (preflight["_resourceType"], actual["_resourceType"]) == ("preflight", "fetch")
    assert "postData" not in preflight["request"]
    assert preflight["request"]["bodySize"] == 0
    assert actual["request"]["postData"] == {
        "mimeType": "application/json",
        "params": [],
        "text": '{"name": "demo"}',
    }
    assert actual["response"]["content"]["mimeType"] == "application/json"
    assert actual["response"]["content"]["size"] == actual["response"]["bodySize"] > 0
    assert "_fetch" not in preflight
    assert actual["_fetch"] == {
        "outcome": "resolved",
        "status": 200,
        "type": "cors",
        "error": None,
        "credentials": "same-origin",
        "mode": "cors",
        "read_headers": {},
        "user_agent": USER_AGENTS["chromium"],
    }
    assert actual["_playground"] == {
        "attempt": attempt,
        "verdict": "allowed",
        "reason": None,
        "cause": "allowed",
        "model_browser": "chromium",
    }


def test_headers_are_as_the_api_parsed_them(
    playground: Playground, client: httpx.Client, tmp_path: Path
) -> None:
    """Names as sent, in order, repeats kept; the answer's headers likewise."""
    attempt = "headers"
    url = f"{playground.api_url}?attempt={attempt}"
    sent = [
        ("Origin", playground.page_origin),
        ("X-Repeat", "one"),
        ("accept", "*/*"),
        ("X-Repeat", "two"),
    ]
    client.get(url, headers=sent)
    (entry,) = _entries(_export(playground, client, tmp_path / "h.har", attempt))
    recorded = [pair for pair in _headers(entry["request"]) if pair[0] in dict(sent)]
    assert recorded == sent
    (exchange,) = playground.api.recorder.exchanges(attempt)
    assert _headers(entry["response"]) == [tuple(pair) for pair in exchange["response_headers"]]
    assert "_fetch" not in entry  # the page never reported this attempt
    assert entry["response"]["status"] == 200


def test_a_request_the_browser_never_sent_is_an_entry_without_response(
    playground: Playground, client: httpx.Client, tmp_path: Path
) -> None:
    attempt = "unsent"
    _send(playground, client, _case("preflight-refuses-method"), "chromium", attempt)
    preflight, unsent = _entries(_export(playground, client, tmp_path / "u.har", attempt))
    assert (preflight["request"]["method"], preflight["response"]["status"]) == ("OPTIONS", 403)
    assert unsent["request"]["method"] == "PUT"
    assert unsent["request"]["url"] == preflight["request"]["url"]
    assert unsent["response"]["status"] == 0 and unsent["response"]["headers"] == []
    assert unsent["request"]["postData"]["text"] == "x"
    assert unsent["request"]["postData"]["mimeType"] == "text/plain;charset=UTF-8"
    assert "not sent" in unsent["request"]["comment"]
    assert unsent["time"] == 0
    assert unsent["_fetch"]["outcome"] == "rejected"
    assert unsent["_fetch"]["error"] == "TypeError: Failed to fetch"
    assert unsent["startedDateTime"] >= preflight["startedDateTime"]


def test_cookie_values_are_left_out_unless_asked(
    playground: Playground, client: httpx.Client, tmp_path: Path
) -> None:
    attempt = "cookies"
    _send(playground, client, _case("credentials-with-wildcard"), "chromium", attempt)
    plain = tmp_path / "plain.har"
    (entry,) = _entries(_export(playground, client, plain, attempt))
    assert "demo-cookie" not in plain.read_text()
    assert ("Cookie", f"playground_session={OMITTED}") in _headers(entry["request"])
    assert entry["request"]["cookies"] == [{"name": "playground_session", "value": OMITTED}]
    assert "replaced by" in _export(playground, client, plain, attempt)["log"]["comment"]

    (entry,) = _entries(_export(playground, client, tmp_path / "c.har", attempt, cookies="1"))
    assert ("Cookie", COOKIE) in _headers(entry["request"])
    assert entry["request"]["cookies"] == [{"name": "playground_session", "value": "demo-cookie"}]


def test_no_cookie_is_recorded_when_the_page_asks_for_none(
    playground: Playground, client: httpx.Client, tmp_path: Path
) -> None:
    attempt = "no-cookies"
    _send(playground, client, _case("allowed-get"), "chromium", attempt)
    (entry,) = _entries(_export(playground, client, tmp_path / "n.har", attempt))
    assert entry["request"]["cookies"] == []
    assert all(name.lower() != "cookie" for name, _ in _headers(entry["request"]))


def test_an_attempt_that_sent_nothing_has_no_export(
    playground: Playground, client: httpx.Client
) -> None:
    report = client.post(
        playground.page_url + "control/report",
        json={
            "attempt": "threw",
            "url": f"{playground.api_url}?attempt=threw",
            "request": {"method": "GET", "headers": [["Bad Name", ""]], "credentials": "omit"},
            "browser": {"resolved": False, "error": "TypeError: Failed to execute 'fetch'"},
            "read_headers": [],
        },
    ).json()
    assert report["verdict"] == "rejected"
    for attempt in ("threw", "never-seen"):
        answer = client.get(playground.page_url + "har", params={"attempt": attempt})
        assert answer.status_code == 404
        assert "nothing was sent" in answer.json()["error"]
    # The export of every attempt leaves it out too.
    entries = client.get(playground.page_url + "har").json()["log"]["entries"]
    assert all("attempt=threw" not in entry["request"]["url"] for entry in entries)


def test_the_export_refuses_another_host_name(playground: Playground, client: httpx.Client) -> None:
    answer = client.get(playground.page_url + "har", headers={"Host": "attacker.example"})
    assert answer.status_code == 421


@pytest.mark.parametrize(
    ("attempt", "name"),
    [
        (None, "crossorigin-playground.har"),
        ("m1abc-2", "crossorigin-playground-m1abc-2.har"),
        ('a"b/../c\r\n', "crossorigin-playground-a_b_.._c__.har"),
    ],
)
def test_the_download_name_is_safe(attempt: str | None, name: str) -> None:
    assert har_filename(attempt) == name


def test_what_the_script_read_is_kept(
    playground: Playground, client: httpx.Client, tmp_path: Path
) -> None:
    attempt = "read"
    report = _send(playground, client, _case("allowed-header-hidden"), "chromium", attempt)
    assert report["verdict"] == "partial"
    (entry,) = _entries(_export(playground, client, tmp_path / "r.har", attempt))
    read = {name.lower(): value for name, value in entry["_fetch"]["read_headers"].items()}
    assert read == {"x-total-count": "3", "x-request-id": None}
    # The API did send the header the script could not read.
    assert ("X-Request-Id", attempt) in _headers(entry["response"])
    assert entry["_playground"]["cause"] == "unreadable-headers"


def test_a_read_the_model_would_not_allow_is_a_disagreement(
    playground: Playground,
    client: httpx.Client,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The script read X-Request-Id although the recorded response does not
    expose it: explain says the model and the page differ."""
    attempt = "read-differs"
    _send(playground, client, _case("allowed-header-hidden"), "chromium", attempt)
    path = tmp_path / "r.har"
    document = _export(playground, client, path, attempt)
    (entry,) = _entries(document)
    entry["_fetch"]["read_headers"] = {"X-Total-Count": "3", "X-Request-Id": attempt}
    path.write_text(json.dumps(document))
    _, (result,) = _explain(path, capsys)
    assert result["cause"] == "unreadable-headers"
    assert result["disagreement"] is not None
    assert "X-Request-Id as a value" in result["disagreement"]


def test_the_documented_sample_uses_the_exports_fields(
    playground: Playground, client: httpx.Client, tmp_path: Path
) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "explain.md").read_text()
    sample = docs.split("<!-- docs-test: file playground.har -->\n```json\n")[1].split("```")[0]
    documented = json.loads(sample)["log"]["entries"][-1]
    attempt = "documented"
    _send(playground, client, _case("preflight-refuses-header"), "chromium", attempt)
    exported = _entries(_export(playground, client, tmp_path / "d.har", attempt))[-1]
    for name in ("_fetch", "_playground"):
        assert set(documented[name]) <= set(exported[name]), name
    assert exported["_playground"]["reason"] == documented["_playground"]["reason"]


def test_a_long_body_is_kept_cut_and_says_so(
    playground: Playground, client: httpx.Client, tmp_path: Path
) -> None:
    """The recorder keeps MAX_RECORDED_BODY bytes of a body (it holds up to
    thousands of exchanges); the application still receives all of it."""
    attempt = "long-body"
    body = "abcdefgh" * 2560  # 20 KiB
    answer = client.post(
        f"{playground.api_url}?attempt={attempt}",
        headers={"Origin": playground.page_origin, "Content-Type": "text/plain"},
        content=body.encode(),
    )
    assert answer.json()["received_body"] == body
    (entry,) = _entries(_export(playground, client, tmp_path / "l.har", attempt))
    post = entry["request"]["postData"]
    assert post["text"] == body[:MAX_RECORDED_BODY]
    assert entry["request"]["bodySize"] == len(body)
    assert post["comment"] == f"the first {MAX_RECORDED_BODY} bytes of {len(body)}"


@pytest.mark.parametrize(
    "browser",
    [
        {"resolved": True, "status": 200, "readable": ["x-total-count"]},
        {"resolved": True, "status": 200, "readable": "x-total-count"},
        {"resolved": False, "error": ["not", "a", "string"], "readable": None},
    ],
)
def test_a_malformed_page_report_never_breaks_the_export(
    playground: Playground, client: httpx.Client, browser: dict[str, Any]
) -> None:
    """The report is whatever the page posted: a part of the wrong shape is
    left out of `_fetch`, and the export still answers."""
    attempt = f"odd-report-{uuid.uuid4().hex[:8]}"
    url = f"{playground.api_url}?attempt={attempt}"
    client.get(url, headers={"Origin": playground.page_origin})
    client.post(
        playground.page_url + "control/report",
        json={
            "attempt": attempt,
            "url": url,
            "request": {"method": "GET", "url": url},
            "browser": browser,
            "read_headers": [],
        },
    )
    for params in ({"attempt": attempt}, {}):
        answer = client.get(playground.page_url + "har", params=params)
        assert answer.status_code == 200, answer.text
    one = client.get(playground.page_url + "har", params={"attempt": attempt}).json()
    (entry,) = _entries(one)
    assert entry["_fetch"]["read_headers"] == {}
