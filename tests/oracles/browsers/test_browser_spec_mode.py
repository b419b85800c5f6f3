"""`--spec` with every engine: the standard's rules, reported in Chromium's
reason names and console lines, whatever `--browser` says, and never a crash
(an engine's own texts are keyed by its own names, which spec mode does not
produce)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from scenario_generator import generate_scenario

from crossorigin.browser import FetchRequest, HTTPResponse, messages, run_fetch, simulate

PORTS = {"{page_port}": "3000", "{api_port}": "8000", "{other_port}": "8001", "{sid}": "s"}


def _concrete(scenario: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(scenario)
    for placeholder, value in PORTS.items():
        text = text.replace(placeholder, value)
    concrete = json.loads(text)
    concrete.pop("name", None)
    return dict(concrete)


@pytest.mark.parametrize("browser", ["chromium", "firefox", "webkit"])
def test_spec_mode_runs_every_generated_scenario_in_chromium_names(browser: str) -> None:
    for index in range(300):
        outcome = simulate(_concrete(generate_scenario(11, index)), browser=browser, spec=True)
        reason = outcome["reason"]
        assert reason is None or reason in messages.REASONS, (index, reason)
        console = outcome["console"]
        assert console is None or not console.startswith("Cross-Origin Request Blocked"), index


@pytest.mark.parametrize("browser", ["firefox", "webkit"])
def test_no_engine_quirk_reaches_spec_mode(browser: str) -> None:
    def transport(kind: str, method: str, url: str, headers: Any) -> HTTPResponse:
        return HTTPResponse(
            200,
            (
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Expose-Headers", "X-A, X-B"),
                ("X-A", "1"),
                ("X-A", ""),
                ("X-A", "2"),
                ("X-B", "caf\u00e9"),
            ),
        )

    request = FetchRequest(
        page_origin="https://app.example",
        url="https://api.example/",
        read_headers=("X-A", "X-B"),
    )
    read = run_fetch(request, transport, spec=True, browser=browser).readable_headers
    assert read == {"x-a": "1, , 2", "x-b": "caf\u00e9"}

    bad_port = FetchRequest(page_origin="https://app.example", url="https://api.example:6000/")
    trace = run_fetch(bad_port, transport, spec=True, browser=browser)
    assert trace.network_error == "net::ERR_UNSAFE_PORT"
