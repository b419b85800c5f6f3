"""`python -m crossorigin` is the `crossorigin` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crossorigin import __version__


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crossorigin", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def test_version_and_help() -> None:
    done = _run("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"crossorigin, version {__version__}"
    listing = _run("--help").stdout
    for name in ("lint", "simulate", "check", "audit", "proxy", "export", "demo"):
        assert name in listing


def test_exit_codes_pass_through(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text('origins = ["https://app.example.com"]\n')
    bad = tmp_path / "bad.toml"
    bad.write_text('origins = ["*"]\ncredentials = true\n')
    assert _run("lint", str(good)).returncode == 0
    refused = _run("lint", str(bad))
    assert refused.returncode == 1
    assert "wildcard-with-credentials" in refused.stdout + refused.stderr
    assert _run("no-such-command").returncode == 2
