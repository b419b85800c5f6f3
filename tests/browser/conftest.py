"""Fixtures for the real-Chromium tests: one browser per pytest worker.

`oracle` is session-scoped (one Chromium, its pages and the loopback scenario
servers per xdist worker); every scenario gets its own URL, so tests sharing it
stay independent. `asgi_api` adds our ASGI middleware under uvicorn on the same
registry. Both skip, with the reason, only when Chromium or playwright is
missing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from chromium_harness import Oracle, chromium_unavailable


@pytest.fixture(scope="session")
def oracle() -> Iterator[Oracle]:
    reason = chromium_unavailable()
    if reason is not None:
        pytest.skip(reason)
    with Oracle() as running:
        yield running


@pytest.fixture(scope="session")
def asgi_api(oracle: Oracle) -> Iterator[object]:
    from asgi_api import PolicyDispatcher, UvicornThread

    dispatcher = PolicyDispatcher(oracle.registry)
    server = UvicornThread(dispatcher).start()
    dispatcher.port = server.port
    oracle.ports["asgi_port"] = server.port
    try:
        yield dispatcher
    finally:
        server.stop()
