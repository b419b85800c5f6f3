"""node running an exported Express/Connect middleware (node_app.js) on
loopback: plain node:http, or real Express when it can be resolved."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from servers.processes import stop

APP = Path(__file__).parent / "node_app.js"


@contextmanager
def running_node(module: Path, flavour: str = "http") -> Iterator[str]:
    """Yield the base URL of node_app.js using the middleware in `module`."""
    process = subprocess.Popen(
        ["node", str(APP), str(module), flavour], stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = re.search(r"listening on (\d+)", line)
        assert match, line + process.stderr.read(4000)
        yield f"http://127.0.0.1:{match.group(1)}"
    finally:
        stop(process)
