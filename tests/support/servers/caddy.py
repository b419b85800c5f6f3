"""A real Caddy on loopback running an exported configuration (admin API off,
state kept in the test's temporary directory), stopped after the test."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from servers.processes import free_port, serving_process

CADDY = shutil.which("caddy") or "/usr/bin/caddy"


@contextmanager
def running_caddy(snippet: str, tmp: Path, upstream: str | None = None) -> Iterator[str]:
    """Yield the base URL of a Caddy site that imports the exported file; `/`
    answers 200, `/error` 500; with `upstream`, every other path is proxied."""
    port = free_port()
    (tmp / "cors.caddy").write_text(snippet)
    application = (
        f"reverse_proxy {upstream}"
        if upstream is not None
        else 'respond /error 500\n\trespond "ok"'
    )
    (tmp / "Caddyfile").write_text(
        f"""{{
\tadmin off
\tauto_https off
}}
http://127.0.0.1:{port} {{
\timport {tmp}/cors.caddy
\t{application}
}}
"""
    )
    environment = {
        **os.environ,
        "HOME": str(tmp),
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
    }
    log = open(tmp / "caddy.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [CADDY, "run", "--config", str(tmp / "Caddyfile"), "--adapter", "caddyfile"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=environment,
    )
    try:
        with serving_process(process, port, log=tmp / "caddy.log") as url:
            yield url
    finally:
        log.close()
