"""`crossorigin lint`'s notes about Safari and Firefox: a max_age WebKit cuts
to 600 s, and credentials that third-party cookie rules can empty."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossorigin.lint import engine_notes, lint_file
from crossorigin.policy import Policy


def _codes(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    problems, notes = lint_file(path)
    assert problems == []
    return [str(note.code) for note in notes]


@pytest.mark.parametrize(("max_age", "noted"), [(600, False), (601, True), (86400, True)])
def test_max_age_above_safari_cap(tmp_path: Path, max_age: int, noted: bool) -> None:
    codes = _codes(tmp_path, f'origins = ["https://app.example"]\nmax_age = {max_age}\n')
    assert ("max-age-over-safari-cap" in codes) is noted


def test_max_age_note_names_each_cap() -> None:
    (note,) = engine_notes(Policy(origins=["https://app.example"], max_age=86400))
    assert "at most 600 s" in note.message and "Safari" in note.message


def test_credentials_third_party_cookies(tmp_path: Path) -> None:
    codes = _codes(tmp_path, 'origins = ["https://app.example"]\ncredentials = true\n')
    assert "credentials-third-party-cookies" in codes
    assert "credentials-third-party-cookies" not in _codes(
        tmp_path, 'origins = ["https://app.example"]\n'
    )
