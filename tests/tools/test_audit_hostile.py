"""`crossorigin audit` with hostile servers and hostile target lists.

A server's header values reach the text report escaped (a crafted `Vary`
cannot erase a HIGH finding or forge "no findings"); JSON keeps them exact.
Target lists: inline comments, non-UTF-8 lines and megabyte lines give one
short error each, never a traceback or output the size of the input; a
target without a scheme is audited as https:// and standard error says so;
`-o FILE` prints a one-line summary.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from crossorigin.audit.targets import MAX_TARGET_LENGTH, parse_targets
from crossorigin.cli import main
from servers.loopback import serving

pytestmark = pytest.mark.timeout(60)

CONTROLS = frozenset(chr(code) for code in [*range(0x20), *range(0x7F, 0xA0)]) - {"\n"}
#: Moves the cursor up one line, erases it, and writes a fake verdict.
HOSTILE_VARY = "\x1b[1A\x1b[2K\r  no findings\x1b]0;title\x07\x9b2J\x00"


class _ReflectingHandler(BaseHTTPRequestHandler):
    """Reflects any Origin with credentials (a HIGH finding) and a hostile Vary."""

    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        self.send_response(204 if self.command == "OPTIONS" else 200)
        origin = self.headers.get("Origin")
        if origin:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Credentials", "true")
        self.send_header("Vary", HOSTILE_VARY)  # http.server writes it as Latin-1, unchecked
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = do_OPTIONS = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    with serving(_ReflectingHandler) as base:
        yield base


def _audit(*args: str) -> int:
    return main(["audit", "--no-progress", "--seed", "1", "--retries", "0", *args])


def test_hostile_values_are_escaped_in_text(
    hostile: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _audit(hostile + "/api") == 1
    out = capsys.readouterr().out
    assert {character for character in out if character in CONTROLS} == set()
    assert "HIGH" in out and "origin-reflected" in out
    assert "Vary: \\x1b[1A\\x1b[2K\\r  no findings" in out
    assert "\n  no findings" not in out


def test_json_keeps_hostile_values_exact(hostile: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _audit("--format", "json", hostile + "/api") == 1
    out = capsys.readouterr().out
    assert {character for character in out if character in CONTROLS} == set()  # \u001b ...
    document = json.loads(out)
    response = document["targets"][0]["findings"][0]["evidence"]["response"]
    assert ["Vary", HOSTILE_VARY] in response["headers"]  # ... and the value stays exact


def test_output_file_prints_a_summary(
    hostile: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "report.sarif"
    assert _audit("--format", "sarif", "-o", str(path), hostile + "/api") == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith("crossorigin audit: 1 target, ")
    assert "(1 high, " in line
    assert f"sarif report written to {path}" in line
    assert json.loads(path.read_text())["runs"][0]["results"]


def test_inline_comments_are_stripped_and_fragments_kept() -> None:
    lines = [
        "http://a.test/x # production API",
        "http://a.test/y#fragment",
        "   # indented comment",
        "b.test\t# tab before",
        "#",
    ]
    assert parse_targets(lines).urls == [
        "http://a.test/x",
        "http://a.test/y#fragment",
        "https://b.test",
    ]


def test_a_target_without_scheme_is_audited_as_https_and_said(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Port 9 on loopback: nothing listens, so the audit errors fast.
    assert _audit("--timeout", "1", "127.0.0.1:9/items") == 2
    captured = capsys.readouterr()
    assert "https://127.0.0.1:9/items" in captured.out
    assert "1 target without a scheme audited as https:// (e.g. 127.0.0.1:9/items)" in (
        captured.err
    )


def test_a_megabyte_junk_line_gives_one_short_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "targets.txt"
    path.write_bytes(b"# list\n" + b"A" * 10_000_000 + b"\n" + b"x" * (MAX_TARGET_LENGTH + 1))
    assert _audit("--targets", str(path)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    errors = captured.err.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(f"crossorigin audit: --targets {path} line 2: longer than 8,192")
    assert "line 3: longer than 8,192 characters: xxx" in errors[1]
    assert len(captured.err) < 600


def test_non_utf8_target_lines_are_errors_not_a_traceback(
    hostile: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "targets.txt"
    path.write_bytes(b"\xff\xfeoops\n" + hostile.encode() + b"/api\n\x1b[2Jcaf\xe9\n")
    assert _audit("--targets", str(path)) == 2  # errors win over the finding
    captured = capsys.readouterr()
    assert "origin-reflected" in captured.out  # the good line is still audited
    errors = captured.err.splitlines()
    assert [error.split(": ")[1] for error in errors] == [
        f"--targets {path} line 1",
        f"--targets {path} line 3",
    ]
    assert all("not UTF-8" in error for error in errors)
    assert "\x1b" not in captured.err


def test_a_huge_url_argument_is_one_short_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _audit("http://a.test/" + "x" * 70_000) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert "argument: longer than 8,192 characters: http://a.test/xxx" in line
    assert "(70,014 characters)" in line
    assert len(line) < 200
