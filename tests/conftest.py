"""Fixtures shared by the whole suite.

Real Chromium: Playwright's sync API allows one running instance per process
(per pytest-xdist worker), so every test that drives Chromium gets the browser
from `chromium_browser` (session-scoped) instead of starting its own, and opens
its own context or page in it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from oracles.browsers.chromium_harness import CHROMIUM_ARGS, CHROMIUM_PATH, chromium_unavailable


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that touches Chromium is a `browser` test, marked or not, so
    `make test` runs it in the browser pass and never beside asyncio tests."""
    for item in items:
        if "chromium_browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    reason = chromium_unavailable()
    if reason is not None:
        # In CI a missing browser is a broken set-up, never a quiet skip of
        # every real-browser test (scripts/install-system-deps installs it).
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium_browser(playwright_instance: Any) -> Iterator[Any]:
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()
