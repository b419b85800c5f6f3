"""crossorigin as it is at another git revision, importable beside the working
tree's as `crossorigin_baseline`, so that a benchmark can run both in one
process (or one server each) with interleaved rounds: before/after figures
measured under the same load."""

from __future__ import annotations

import importlib
import io
import re
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def extract(revision: str) -> Path:
    """A new directory holding the package at `revision` as
    `crossorigin_baseline` (its own imports renamed); put it on sys.path."""
    archive = subprocess.run(
        ["git", "archive", revision, "src/crossorigin"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    root = Path(tempfile.mkdtemp(prefix="crossorigin-baseline-"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(root, filter="data")
    package = root / "crossorigin_baseline"
    (root / "src" / "crossorigin").rename(package)
    imports = re.compile(r"^(\s*(?:from|import)\s+)crossorigin\b", re.MULTILINE)
    for source in package.rglob("*.py"):
        text = source.read_text()
        source.write_text(imports.sub(r"\1crossorigin_baseline", text))
    return root


def middleware(app: Any, policy: dict[str, Any]) -> Any:
    """The baseline's ASGI `CORSMiddleware` around `app`, with
    `Policy(**policy)`; the directory `extract` made must be on sys.path."""
    package = importlib.import_module("crossorigin_baseline")
    asgi = importlib.import_module("crossorigin_baseline.asgi")
    return asgi.CORSMiddleware(app, policy=package.Policy(**policy))
