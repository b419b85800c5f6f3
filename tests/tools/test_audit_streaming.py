"""The audit as a stream: `--format jsonl` writes each target's line as soon
as it is done and reads `--targets -` as its lines arrive; the scanner pulls
a bounded number of URLs ahead, whatever the length of the list; JSON, SARIF
and text are written from the same stream."""

from __future__ import annotations

import asyncio
import io
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest

from audit_zoo.server import RunningZoo, running_zoo
from crossorigin.audit import AttackerNames, Scanner, TargetReport
from crossorigin.audit.reports import JsonWriter, SarifWriter, TextWriter
from crossorigin.audit.targets import read_in_background
from crossorigin.cli import main

SITE = "https://www.example.com"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def zoo() -> Iterator[RunningZoo]:
    with running_zoo(SITE) as running:
        yield running


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["audit", "--no-progress", "--seed", "1", "--site", SITE, *args])
    return code, capsys.readouterr().out


def test_jsonl_lines_are_the_json_targets(
    zoo: RunningZoo, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = [zoo.url(name) for name in ("reflect-any", "null", "engine-allowlist", "wildcard")]
    code, out = _cli(capsys, "--format", "jsonl", *urls)
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == len(urls)
    streamed = sorted((json.loads(line) for line in lines), key=lambda target: target["url"])
    code, out = _cli(capsys, "--format", "json", *urls)
    document = json.loads(out)["targets"]
    assert [target["url"] for target in document] == urls  # JSON keeps the given order
    assert streamed == sorted(document, key=lambda target: target["url"])


def _read_line(stream: io.TextIOBase, timeout: float) -> str:
    found: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: found.put(stream.readline()), daemon=True).start()
    return found.get(timeout=timeout)


def test_a_pipe_is_audited_as_its_lines_arrive(zoo: RunningZoo) -> None:
    """The first target's line comes out while the second is not written yet:
    nothing waits for the end of the list."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    command = [sys.executable, "-m", "crossorigin", "audit", "--site", SITE]
    command += ["--format", "jsonl", "--no-progress", "--seed", "1", "--targets", "-"]
    process = subprocess.Popen(
        [*command, "--fail-on", "never"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(zoo.url("null") + "\n")
        process.stdin.flush()
        first = json.loads(_read_line(process.stdout, timeout=60))
        assert first["url"] == zoo.url("null")
        assert [finding["class"] for finding in first["findings"]] == ["null-trusted"]
        process.stdin.write(zoo.url("wildcard") + "\n")
        process.stdin.close()
        second = json.loads(_read_line(process.stdout, timeout=60))
        assert second["url"] == zoo.url("wildcard")
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_scanner_reads_a_bounded_number_of_urls_ahead(zoo: RunningZoo) -> None:
    """An endless list: the scanner takes URLs only as targets finish, so the
    first reports come out and what was read stays within a few times
    `concurrency` (a list held whole would never end)."""
    pulled = count()
    concurrency = 4

    def endless() -> Iterator[str]:
        for number in pulled:
            yield f"{zoo.url('reflect-any')}?n={number}"

    async def first_reports(wanted: int) -> list[TargetReport]:
        scanner = Scanner(site=SITE, concurrency=concurrency, attacker=AttackerNames.generate(1))
        reports = []
        async for report in scanner.stream(read_in_background(endless(), buffer=8)):
            reports.append(report)
            if len(reports) == wanted:
                break
        return reports

    reports = asyncio.run(first_reports(10))
    assert len(reports) == 10
    read = next(pulled)
    # In flight (concurrency) + waiting (concurrency) + read ahead (buffer) + the rest
    # of the reports wanted: nothing near an unbounded read.
    assert read <= 10 + 2 * concurrency + 8 + 2, read


def test_reports_come_out_as_targets_finish_and_index_says_where(zoo: RunningZoo) -> None:
    urls = [zoo.url(name) for name in ("wildcard", "engine-allowlist", "null")]
    scanner = Scanner(site=SITE, concurrency=8, attacker=AttackerNames.generate(1))
    reports = asyncio.run(scanner.scan(urls))
    assert [report.url for report in reports] == urls
    assert [report.index for report in reports] == [0, 1, 2]


def _report(index: int, url: str, error: str | None = None) -> TargetReport:
    report = TargetReport(url=url, site="", index=index)
    if error:
        report.errors.append(error)
    return report


def test_json_writer_keeps_the_given_order_and_writes_as_soon_as_it_can() -> None:
    out = io.StringIO()
    writer = JsonWriter(out)
    writer.write(_report(1, "http://b.test/"))
    assert out.getvalue() == ""  # held: the first target is not done yet
    writer.write(_report(0, "http://a.test/"))
    assert "http://b.test/" in out.getvalue()  # both written, in order
    writer.close()
    document = json.loads(out.getvalue())
    assert [target["url"] for target in document["targets"]] == [
        "http://a.test/",
        "http://b.test/",
    ]
    assert json.loads(_closed(JsonWriter)) == {"targets": []}


def _closed(writer_type: type[JsonWriter] | type[SarifWriter]) -> str:
    out = io.StringIO()
    writer_type(out).close()
    return out.getvalue()


def test_sarif_is_written_incrementally_and_stays_valid() -> None:
    out = io.StringIO()
    writer = SarifWriter(out)
    writer.write(_report(0, "http://a.test/", "GET http://a.test/: ConnectError"))
    writer.write(_report(1, "http://b.test/", "GET http://b.test/: ReadTimeout"))
    writer.close()
    sarif = json.loads(out.getvalue())
    (run,) = sarif["runs"]
    assert run["results"] == []
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert [n["message"]["text"] for n in invocation["toolExecutionNotifications"]] == [
        "GET http://a.test/: ConnectError",
        "GET http://b.test/: ReadTimeout",
    ]
    empty = json.loads(_closed(SarifWriter))
    assert empty["runs"][0]["results"] == []
    assert empty["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_text_is_written_per_target_as_it_finishes() -> None:
    out = io.StringIO()
    writer = TextWriter(out)
    writer.write(_report(3, "http://late.test/"))
    assert out.getvalue().splitlines() == ["http://late.test/", "  no findings"]
    writer.close()
    assert out.getvalue().splitlines()[-1] == "1 URL: 0 findings"


def test_an_error_while_reading_the_list_reaches_the_reader() -> None:
    def broken() -> Iterator[str]:
        yield "http://a.test/"
        raise OSError("the disk is gone")

    async def read_all() -> list[str]:
        return [line async for line in read_in_background(broken())]

    with pytest.raises(OSError, match="the disk is gone"):
        asyncio.run(read_all())
