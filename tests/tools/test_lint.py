"""`crossorigin lint` and `crossorigin --version`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crossorigin import __version__
from crossorigin.cli import main


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    return path


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_valid_policy_exits_zero_and_prints_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, 'origins = ["https://app.example.com"]\nmax_age = 9000\n')
    assert main(["lint", str(path)]) == 0
    out = capsys.readouterr().out
    assert "note [max-age-above-chromium-cap]" in out
    assert "note [max-age-over-safari-cap]" in out
    assert "valid policy (2 notes)" in out


def test_invalid_policy_lists_every_problem_and_exits_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        'origins = ["*", "https://x.com/"]\ncredentials = true\nallow_origins = []\n',
    )
    assert main(["lint", str(path)]) == 1
    out = capsys.readouterr().out
    for code in ("unknown-field", "wildcard-with-credentials", "origin-trailing-slash"):
        assert f"error [{code}]" in out


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, 'origins = ["null"]\n')
    assert main(["lint", "--format", "json", str(path)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert report["problems"][0]["code"] == "origin-null"


def test_unreadable_file_exits_two_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path, reason in ((tmp_path / "missing.toml", "No such file"), (tmp_path, "directory")):
        assert main(["lint", str(path)]) == 2
        err = capsys.readouterr().err
        assert f"cannot read '{path}': " in err and reason in err, err
        assert len(err.strip().splitlines()) == 1


def test_non_utf8_file_exits_two_with_the_offset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(b'origins = ["https://\xe9.example.com"]\n')
    assert main(["lint", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "not UTF-8 text: byte 0xe9 at offset 20" in captured.err
    assert len(captured.err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"origins = " + b"[" * 5000 + b"]" * 5000, "toml-too-deep"),
        (b"max_age = " + b"9" * 5000, "toml-invalid"),
    ],
    ids=["deep", "long-integer"],
)
def test_hostile_toml_is_a_problem_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, code: str
) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(content)
    assert main(["lint", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"error [{code}]" in out and len(out.splitlines()) == 1, out


def test_json_output_survives_huge_and_nested_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, 'origins = [[["x"]]]\nmax_age = 0x' + "f" * 5000 + "\n")
    assert main(["lint", "--format", "json", str(path)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [p["code"] for p in report["problems"]] == ["type-invalid", "max-age-out-of-range"]
    assert report["problems"][1]["value"] == "<an integer of 20000 bits>"


def test_broken_toml_is_a_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(write(tmp_path, "origins = ["))]) == 1
    assert "toml-invalid" in capsys.readouterr().out


def test_console_script_runs(tmp_path: Path) -> None:
    path = write(tmp_path, 'origins = ["https://app.example.com"]\n')
    done = subprocess.run(
        [sys.executable, "-m", "crossorigin.cli", "lint", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "valid policy" in done.stdout


def test_json_output_stays_json_for_non_finite_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """TOML has inf and nan, JSON does not: the value is shown as text, never as
    the `Infinity` that json.dumps would write and strict parsers refuse."""
    path = write(tmp_path, 'origins = ["https://app.example.com"]\nmax_age = -inf\n')
    assert main(["lint", "--format", "json", str(path)]) == 1

    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    report = json.loads(capsys.readouterr().out, parse_constant=refuse)
    assert report["problems"][0]["value"] == "-inf"
