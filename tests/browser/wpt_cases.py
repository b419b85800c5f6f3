"""web-platform-tests cases expressed as scenarios (filled in below)."""

from __future__ import annotations

from typing import Any


def wpt_cases() -> list[dict[str, Any]]:
    return []
