"""Fixtures for the real-Chromium tests.

`oracle` is session-scoped: a context in the suite's shared Chromium
(tests/conftest.py), its pages and the loopback scenario servers, one per
xdist worker. Every scenario gets its own URL, so tests sharing it stay
independent. `asgi_api` adds our ASGI middleware under uvicorn on the same
registry. Both skip, with the reason, only when Chromium or playwright is
missing (the shared `chromium_browser` fixture decides).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from chromium_harness import Oracle


@pytest.fixture(scope="session")
def oracle(chromium_browser: object) -> Iterator[Oracle]:
    """The oracle in the suite's shared Chromium (tests/conftest.py), which
    skips when Chromium or playwright is missing."""
    with Oracle(browser=chromium_browser) as running:
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
