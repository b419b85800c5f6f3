"""`crossorigin simulate`: files, stdin, a shared preflight cache, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crossorigin.cli import main

PAGE = "http://127.0.0.1:3000"
API = "http://127.0.0.1:8000/api"
ACAO = ["Access-Control-Allow-Origin", PAGE]


def _put(time: float | None = None, *, preflight: bool = True) -> dict[str, Any]:
    responses: dict[str, Any] = {"actual": {"status": 200, "headers": [ACAO]}}
    if preflight:
        responses["preflight"] = {
            "status": 204,
            "headers": [ACAO, ["Access-Control-Allow-Methods", "PUT"]],
        }
    scenario: dict[str, Any] = {
        "page_origin": PAGE,
        "request": {"url": API, "method": "PUT"},
        "responses": responses,
    }
    if time is not None:
        scenario["time"] = time
    return scenario


def _run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: Any, *args: str
) -> tuple[int, list[dict[str, Any]], str]:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code = main(["simulate", str(path), *args])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_single_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, outcomes, _ = _run(tmp_path, capsys, _put())
    assert code == 0
    assert outcomes[0]["preflight_sent"] is True and outcomes[0]["allowed"] is True


def test_list_shares_the_preflight_cache_and_time_expires_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, outcomes, _ = _run(tmp_path, capsys, [_put(), _put(4.9), _put(5.0)])
    assert code == 0
    assert [o["preflight_sent"] for o in outcomes] == [True, False, True]


def test_blocked_exits_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = _put()
    scenario["responses"]["actual"]["headers"] = []
    code, outcomes, _ = _run(tmp_path, capsys, scenario)
    assert code == 1
    assert outcomes[0]["reason"] == "MissingAllowOriginHeader"


def test_spec_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = {
        "page_origin": PAGE,
        "request": {"url": API, "headers": [["Authorization", "Bearer x"]]},
        "responses": {
            "preflight": {"status": 204, "headers": [ACAO, ["Access-Control-Allow-Headers", "*"]]},
            "actual": {"status": 200, "headers": [ACAO]},
        },
    }
    assert _run(tmp_path, capsys, scenario)[0] == 0
    code, outcomes, _ = _run(tmp_path, capsys, scenario, "--spec")
    assert code == 1
    assert outcomes[0]["reason"] == "HeaderDisallowedByPreflightResponse"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"request": {"url": API}}, "page_origin must be a string"),
        ({"page_origin": PAGE, "request": {"url": API, "mode": "navigate"}}, "request.mode"),
        ({"page_origin": PAGE, "request": {"url": "ftp://x/"}}, "http and https"),
        ({"page_origin": PAGE, "request": {"url": API}, "responses": {}}, "no responses.actual"),
        (
            {
                "page_origin": PAGE,
                "request": {"url": API},
                "responses": {"actual": {"status": 999}},
            },
            "100-599",
        ),
        ([_put(), {"page_origin": PAGE}], "scenario 1"),
    ],
)
def test_malformed_scenarios_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: Any, message: str
) -> None:
    code, _, err = _run(tmp_path, capsys, data)
    assert code == 2
    assert message in err


def test_invalid_json_and_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{", encoding="utf-8")
    assert main(["simulate", str(path)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    import io

    # A real stdin, with the byte stream under it that simulate reads.
    stdin = io.TextIOWrapper(io.BytesIO(json.dumps(_put()).encode()), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    assert main(["simulate", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["allowed"] is True


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"page_origin": "\xff"}', "not UTF-8: byte 0xff at offset 17"),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 64 levels"),
        (b'{"page_origin": ' + b"9" * 5000 + b"}", "4300"),
        (b"\xef\xbb\xbf{}", "not valid JSON"),
    ],
    ids=["not-utf8", "deep", "long-integer", "bom"],
)
def test_hostile_input_is_one_line_and_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes, message: str
) -> None:
    path = tmp_path / "hostile.json"
    path.write_bytes(data)
    assert main(["simulate", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
    assert len(captured.err.strip().splitlines()) == 1, captured.err
    assert "Traceback" not in captured.err


def test_deep_nesting_inside_strings_is_not_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _put()
    scenario["request"]["headers"] = [["X-Brackets", "[" * 200 + '\\"{']]
    code, outcomes, _ = _run(tmp_path, capsys, scenario)
    assert code == 1 and len(outcomes) == 1  # X-Brackets needs a preflight allowance


class _CountedName(str):
    """A header name that counts how often the model lower-cases it."""

    calls = 0

    def lower(self) -> str:
        _CountedName.calls += 1
        return str.lower(self)


def test_reading_headers_is_linear_in_headers_plus_reads() -> None:
    from crossorigin.browser import simulate

    def lowerings(count: int) -> int:
        headers: list[list[str]] = [[_CountedName(f"X-H{i}"), "v"] for i in range(count)]
        headers.append(["Access-Control-Allow-Origin", PAGE])
        headers.append(["Access-Control-Expose-Headers", "*"])
        scenario = {
            "page_origin": PAGE,
            "request": {"url": API},
            "responses": {"actual": {"status": 200, "headers": headers}},
            "read_headers": [f"x-h{i}" for i in range(count)],
        }
        _CountedName.calls = 0
        outcome = simulate(scenario)
        assert outcome["readable_headers"][f"x-h{count - 1}"] == "v"
        return _CountedName.calls

    small, large = lowerings(100), lowerings(400)
    # Linear: 4x the headers and reads, about 4x the work (quadratic was 16x,
    # and 40,000+ lowerings at 400 instead of a few per header).
    assert large <= 6 * small, (small, large)
    assert large <= 20 * 400, large


def test_readable_values_agrees_with_readable_value_one_at_a_time() -> None:
    """The indexed reader answers exactly as the per-name one does."""
    import random

    from crossorigin.browser import access

    rng = random.Random(7)
    names = ["X-A", "x-a", "Content-Type", "Set-Cookie", "X-B", "Cache-Control", "X-C"]
    exposes = ["", "*", "x-a", "X-A, x-b", "x-a,,", "bad name", "*, set-cookie"]
    for _ in range(500):
        headers = [
            (rng.choice(names), rng.choice([" v ", "w", ""])) for _ in range(rng.randint(0, 6))
        ]
        if rng.random() < 0.7:
            headers.append(("Access-Control-Expose-Headers", rng.choice(exposes)))
        reads = rng.sample(names, rng.randint(0, len(names)))
        for response_type in ("basic", "cors", "opaque"):
            for credentials in (False, True):
                together = access.readable_values(
                    headers, reads, response_type=response_type, credentials=credentials
                )
                one_by_one = {
                    name.lower(): access.readable_value(
                        headers, name, response_type=response_type, credentials=credentials
                    )
                    for name in reads
                }
                assert together == one_by_one, (headers, reads, response_type, credentials)


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda s: s.update(credentials="include"), "'credentials'"),
        (lambda s: s["request"].update(credential="include"), "'credential'"),
        (lambda s: s["responses"].update(prefligth={}), "'prefligth'"),
        (lambda s: s["responses"]["actual"].update(header=[]), "'header'"),
        (lambda s: s["request"].update(body={"kind": "text", "size": 3}), "'size'"),
    ],
)
def test_unknown_keys_exit_two_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mutate: Any, key: str
) -> None:
    scenario = _put()
    mutate(scenario)
    code, outcomes, err = _run(tmp_path, capsys, scenario)
    assert code == 2 and outcomes == []
    assert "unknown key " + key in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_preflight_answers_matched_by_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A PUT redirected to another origin preflights twice; each preflight
    gets the answer listed under its URL, whatever the order in the list."""
    other = "http://127.0.0.1:8001/next"
    scenario = _put()
    scenario["responses"] = {
        "preflight": [
            {
                "url": other,
                "status": 204,
                "headers": [
                    ["Access-Control-Allow-Origin", "null"],
                    ["Access-Control-Allow-Methods", "PUT"],
                ],
            },
            {
                "url": API,
                "status": 204,
                "headers": [ACAO, ["Access-Control-Allow-Methods", "PUT"]],
            },
        ],
        "actual": [
            {"status": 307, "headers": [ACAO, ["Location", other]]},
            {"status": 200, "headers": [["Access-Control-Allow-Origin", "null"]]},
        ],
    }
    code, outcomes, _ = _run(tmp_path, capsys, scenario)
    assert code == 0, outcomes
    assert [(hop["url"], hop["origin"]) for hop in outcomes[0]["hops"]] == [
        (API, PAGE),
        (other, "null"),
    ]
    # A preflight whose URL is not listed is a scenario error.
    scenario["responses"]["preflight"] = scenario["responses"]["preflight"][1:]
    code, _, err = _run(tmp_path, capsys, scenario)
    assert code == 2 and "no responses.preflight item has that url" in err


def test_body_adds_content_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Measured in Chromium 156 (tests/oracles/browsers/rule_cases.py init-body-*): a
    string body is text/plain (no preflight), a JSON-typed Blob needs one."""
    text = {
        "page_origin": PAGE,
        "request": {"url": API, "method": "POST", "body": {"kind": "text"}},
        "responses": {"actual": {"status": 200, "headers": [ACAO]}},
    }
    blob = json.loads(json.dumps(text))
    blob["request"]["body"] = {"kind": "blob", "type": "application/json"}
    blob["responses"]["preflight"] = {
        "status": 204,
        "headers": [ACAO, ["Access-Control-Allow-Headers", "content-type"]],
    }
    get_with_body = json.loads(json.dumps(text))
    get_with_body["request"]["method"] = "GET"
    code, outcomes, _ = _run(tmp_path, capsys, [text, blob, get_with_body])
    assert code == 1
    assert [o["preflight_sent"] for o in outcomes] == [False, True, False]
    assert outcomes[1]["preflight_request"]["headers"][1] == [
        "Access-Control-Request-Headers",
        "content-type",
    ]
    assert outcomes[2]["error"].endswith("Request with GET/HEAD method cannot have body.")


def test_network_error_in_outcome(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = _put(preflight=False)
    scenario["request"]["method"] = "GET"
    scenario["responses"]["actual"]["headers"] += [["Location", "/a"], ["Location", "/b"]]
    code, outcomes, _ = _run(tmp_path, capsys, scenario)
    assert code == 1
    outcome = outcomes[0]
    assert outcome["network_error"] == "net::ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION"
    assert outcome["reason"] is None and outcome["console"] is None
    assert outcome["hops"][0]["response_type"] == "error"


def test_browser_option_picks_the_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, outcomes, _ = _run(tmp_path, capsys, _put(), "--browser", "firefox")
    assert code == 0
    assert [outcome["browser"] for outcome in outcomes] == ["firefox"]
    code, outcomes, _ = _run(tmp_path, capsys, _put())
    assert [outcome["browser"] for outcome in outcomes] == ["chromium"]


def test_browser_all_one_line_per_engine_and_where_they_differ(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A 1000 s Max-Age: WebKit (600 s cap) preflights again at 700 s,
    # Chromium (7200) and Firefox (86400) do not.
    first = _put()
    first["responses"]["preflight"]["headers"].append(["Access-Control-Max-Age", "1000"])
    later = _put(700, preflight=False)
    later["responses"]["preflight"] = {"status": 204, "headers": []}
    code, outcomes, err = _run(tmp_path, capsys, [first, later], "--browser", "all")
    assert code == 1
    assert [outcome["browser"] for outcome in outcomes] == ["chromium", "firefox", "webkit"] * 2
    assert [outcome["allowed"] for outcome in outcomes[3:]] == [True, True, False]
    lines = err.splitlines()
    assert lines[0] == "scenario 0: all engines agree: allowed"
    assert lines[1].startswith("scenario 1: engines differ on verdict (chromium: allowed, ")
    assert "caps chromium 7200 s, firefox 86400 s, webkit 600 s" in lines[1]


def test_unknown_browser_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(_put()), encoding="utf-8")
    assert main(["simulate", str(path), "--browser", "opera"]) == 2
