"""`crossorigin audit` as a command: formats, exit codes, targets from a pipe,
dead hosts as errors (never clean), retries, timeouts."""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit_zoo.server import RunningZoo, running_zoo
from crossorigin.audit import CLASSES, Scanner, audit
from crossorigin.audit.findings import Severity
from crossorigin.audit.targets import read_targets
from crossorigin.cli import main
from crossorigin.cli.audit import exit_status
from servers.raw_tcp import raw_tcp, request_heads

# The zoo runs the real frameworks (dev dependencies in pyproject.toml).
pytest.importorskip("flask_cors")
pytest.importorskip("corsheaders")

SITE = "https://www.example.com"


@pytest.fixture(scope="module")
def zoo() -> Iterator[RunningZoo]:
    with running_zoo(SITE) as running:
        yield running


def _run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["audit", "--no-progress", "--seed", "1", *args])
    return code, capsys.readouterr().out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_json_follows_the_contract(zoo: RunningZoo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run_cli(
        ["--site", SITE, "--format", "json", zoo.url("reflect-any"), zoo.url("engine-allowlist")],
        capsys,
    )
    assert code == 1
    document = json.loads(out)
    assert list(document) == ["targets"]
    first, second = document["targets"]
    assert set(first) == {"url", "findings", "errors", "notes"}
    assert first["url"] == zoo.url("reflect-any")
    (finding,) = first["findings"]
    assert set(finding) == {
        "class",
        "severity",
        "probe_origin",
        "credentials",
        "evidence",
        "also",
    }
    assert finding["class"] == "origin-reflected"
    assert finding["severity"] == "high"
    assert finding["credentials"] is True
    assert set(finding["evidence"]) == {"request", "response"}
    request, response = finding["evidence"]["request"], finding["evidence"]["response"]
    assert request["method"] == "GET"
    assert ["Origin", finding["probe_origin"]] in request["headers"]
    assert ["Access-Control-Allow-Origin", finding["probe_origin"]] in response["headers"]
    assert response["status"] == 200
    assert second == {
        "url": zoo.url("engine-allowlist"),
        "findings": [],
        "errors": [],
        "notes": [],
    }


def test_sarif_has_the_required_structure(
    zoo: RunningZoo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run_cli(
        ["--site", SITE, "--format", "sarif", zoo.url("prefix"), zoo.url("wildcard")], capsys
    )
    assert code == 1
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "crossorigin"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == list(CLASSES)  # one rule per class
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
    assert run["results"]
    for result in run["results"]:
        assert result["ruleId"] in rule_ids
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note", "none")
        assert result["message"]["text"]
        (location,) = result["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uri"].startswith("http://")
    levels = {(r["ruleId"], r["level"]) for r in run["results"]}
    assert ("prefix-match", "error") in levels
    assert ("wildcard-origin", "note") in levels
    assert run["invocations"][0]["executionSuccessful"] is True


def test_text_shows_evidence_and_a_summary(
    zoo: RunningZoo, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run_cli(["--site", SITE, zoo.url("null")], capsys)
    assert code == 1
    assert "HIGH" in out and "null-trusted" in out
    assert "> GET " in out and "Origin: null" in out
    assert "< 200" in out and "Access-Control-Allow-Origin: null" in out
    assert out.strip().endswith("1 URL: 1 finding (1 high)")


@pytest.mark.parametrize(
    ("fixture", "fail_on", "expected"),
    [
        ("engine-allowlist", "medium", 0),
        ("wildcard", "medium", 0),  # info only
        ("wildcard", "info", 1),
        ("subdomains", "medium", 0),  # low
        ("subdomains", "low", 1),
        ("reflect-any", "high", 1),
        ("reflect-any", "never", 0),
    ],
)
def test_exit_code_follows_fail_on(
    zoo: RunningZoo,
    capsys: pytest.CaptureFixture[str],
    fixture: str,
    fail_on: str,
    expected: int,
) -> None:
    code, _ = _run_cli(["--site", SITE, "--fail-on", fail_on, zoo.url(fixture)], capsys)
    assert code == expected


def test_a_dead_host_is_an_error_never_clean(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{_free_port()}/api"
    code, out = _run_cli(["--retries", "1", "--timeout", "2", "--format", "json", url], capsys)
    assert code == 2
    (target,) = json.loads(out)["targets"]
    assert target["findings"] == []
    (error,) = target["errors"]
    assert "ConnectError" in error and "after 2 attempts" in error


def test_a_server_that_never_answers_times_out_as_an_error() -> None:
    def hold(connection: socket.socket, stop: threading.Event) -> None:
        stop.wait()

    with raw_tcp(hold, backlog=16) as server:
        (report,) = audit([server.base_url + "/"], timeout=0.3, retries=0)
    assert report.findings == []
    assert len(report.errors) == 1 and "Timeout" in report.errors[0]
    assert exit_status([report], Severity.MEDIUM) == 2


def test_a_transient_failure_is_retried() -> None:
    """The first connection is reset, the retry gets a reflecting answer."""
    accepted = itertools.count(1)

    def serve(connection: socket.socket, stop: threading.Event) -> None:
        if next(accepted) == 1:
            # SO_LINGER with a zero timeout: closing sends a reset.
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            return
        for head in request_heads(connection, stop):
            origin = b""
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"origin:"):
                    origin = line.split(b":", 1)[1].strip()
            headers = b"Content-Length: 0\r\n"
            if origin:
                headers += b"Access-Control-Allow-Origin: " + origin + b"\r\n"
                headers += b"Access-Control-Allow-Credentials: true\r\n"
            connection.sendall(b"HTTP/1.1 200 OK\r\n" + headers + b"\r\n")

    with raw_tcp(serve, backlog=16) as server:
        (report,) = audit([server.base_url + "/"], timeout=2, retries=2, concurrency=1)
    assert report.errors == []
    assert [finding.cls.id for finding in report.findings] == ["origin-reflected"]


def test_targets_from_a_pipe(zoo: RunningZoo) -> None:
    tests_dir = Path(__file__).resolve().parent
    env = dict(os.environ, PYTHONPATH=str(tests_dir))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "crossorigin.cli",
            "audit",
            "--site",
            SITE,
            "--format",
            "json",
            "--targets",
            "-",
        ],
        input=f"# the zoo\n{zoo.url('suffix')}\n\n{zoo.url('engine-cacheable')}\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 1, done.stderr
    targets = json.loads(done.stdout)["targets"]
    assert [target["url"] for target in targets] == [zoo.url("suffix"), zoo.url("engine-cacheable")]
    assert targets[0]["findings"] and not targets[1]["findings"]


def test_no_targets_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit"]) == 2


def test_read_targets_skips_comments_and_adds_https() -> None:
    assert read_targets(["# list", "", "  example.com ", "http://a.test/x"]) == [
        "https://example.com",
        "http://a.test/x",
    ]


def test_scanner_refuses_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        Scanner(concurrency=0)
    with pytest.raises(ValueError):
        Scanner(retries=-1)
    with pytest.raises(ValueError):
        Scanner(site="null")


def test_output_file(zoo: RunningZoo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "audit.sarif"
    code, out = _run_cli(
        ["--site", SITE, "--format", "sarif", "--output", str(path), zoo.url("engine-allowlist")],
        capsys,
    )
    assert code == 0
    assert out == ""
    assert json.loads(path.read_text())["runs"][0]["results"] == []
