"""`__version__` has one home, crossorigin/_version.py, and agrees with the
package metadata."""

from __future__ import annotations

import tomllib
from pathlib import Path

import crossorigin
from crossorigin._version import __version__

ROOT = Path(__file__).resolve().parents[2]


def test_version_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert __version__ == project["version"]


def test_the_package_re_exports_the_one_constant() -> None:
    assert crossorigin.__version__ is __version__
    assert "__version__" in crossorigin.__all__
