"""What every fuzz harness shares: the import path, the input format, the runner.

Input format: a harness's `check(data)` takes raw bytes and cuts them into
fields at the byte 0x1F (ASCII unit separator, which no origin, method or
header a browser sends contains). The format needs nothing from atheris, so
the seeds in tests/oracles/fuzz/seeds/ and any crash saved in tests/oracles/fuzz/crashes/ are
replayed by tests/oracles/fuzz/test_fuzz_replay.py in the ordinary test suite.

`run(check)` hands `check` to atheris (libFuzzer) when the harness runs as a
script; crossorigin's modules are imported under `atheris.instrument_imports`
first, so coverage of the library guides the mutations.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

# tests/oracles (the reference) and tests/support (the real servers), as pytest
# has them, for harnesses run on their own by run_fuzz.py.
TESTS = Path(__file__).resolve().parents[2]
for _folder in (TESTS / "oracles", TESTS / "support"):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

SEPARATOR = b"\x1f"


def fields(data: bytes, count: int) -> list[bytes]:
    """Exactly `count` fields (missing ones are empty; the last keeps any
    further separators)."""
    parts = data.split(SEPARATOR, count - 1)
    return parts + [b""] * (count - len(parts))


def text(raw: bytes) -> str:
    """Bytes as text two ways, chosen by the first byte: UTF-8 (with
    replacement characters) or latin-1 (every byte one character)."""
    if raw[:1] and raw[0] & 1:
        return raw[1:].decode("latin-1")
    return raw[1:].decode("utf-8", "replace")


def instrumented(fuzzing: bool) -> AbstractContextManager[Any]:
    """Instrument crossorigin's modules for coverage when fuzzing; a no-op when
    the harness is imported for replay (atheris need not be installed)."""
    if not fuzzing:
        return contextlib.nullcontext()
    import atheris

    return atheris.instrument_imports(include=["crossorigin"])


def run(check: Callable[[bytes], None]) -> None:
    import atheris

    atheris.Setup(sys.argv, check)
    atheris.Fuzz()
