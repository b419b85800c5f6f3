"""Cloudflare's workerd (from its npm package, installed into .ci/node/ by
scripts/install-system-deps) running an exported Worker on loopback, in front
of a loopback origin server, stopped after the test.

The Worker's outbound `fetch` goes to the origin through `globalOutbound`,
an external service at the origin's address, as a route's origin would."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from servers.processes import free_port, serving_process

_LOCAL = Path(__file__).resolve().parents[3] / ".ci" / "node" / "node_modules" / ".bin" / "workerd"


def workerd_binary() -> str | None:
    if _LOCAL.exists():
        return str(_LOCAL)
    return shutil.which("workerd")


@contextmanager
def running_workerd(worker: Path, origin: str, tmp: Path) -> Iterator[str]:
    """Yield the base URL of workerd serving the ES module `worker`, whose
    outbound requests go to `origin` (http://127.0.0.1:PORT)."""
    binary = workerd_binary()
    assert binary is not None, "workerd is not installed"
    port = free_port()
    origin_address = origin.removeprefix("http://")
    config = tmp / "workerd.capnp"
    config.write_text(
        f"""using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .corsWorker),
    (name = "origin", external = (address = "{origin_address}", http = ())),
  ],
  sockets = [(name = "http", address = "127.0.0.1:{port}", http = (), service = "main")],
);

const corsWorker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "{worker.name}")],
  compatibilityDate = "2024-09-23",
  globalOutbound = "origin",
);
"""
    )
    if worker.parent != tmp:
        shutil.copy(worker, tmp / worker.name)
    log = open(tmp / "workerd.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT, cwd=tmp
    )
    try:
        with serving_process(process, port, log=tmp / "workerd.log", timeout=30) as url:
            yield url
    finally:
        log.close()
