"""WebKit's `Access-Control-Max-Age` cap, measured live under libfaketime.

Theory of operation: MiniBrowser runs with libfaketime preloaded and a
timestamp file read on every clock call (FAKETIME_NO_CACHE=1), so the test
moves the browser's clocks, monotonic ones included (the preflight cache uses
them), while it runs. A preflight answered with a max-age beyond the cap is
cached; a fetch a minute before the cap runs out uses the entry, one a minute
after it sends a new preflight (WebKit: 600 s, the profile in
src/crossorigin/browser/engines.py).

Chromium and Firefox do not run under libfaketime here (Chromium launched by
Playwright hangs; Firefox never opens its Remote Agent), so their caps
(7,200 s and 86,400 s) stay the ones read in their source
(tests/unit/test_browser_engines.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crossorigin.browser.engines import WEBKIT

pytestmark = pytest.mark.browser

LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
PAGE = "http://127.0.0.1:{page_port}"
#: A preflight that allows the PUT for two days.
SCENARIO = {
    "page_origin": PAGE,
    "request": {"url": "http://127.0.0.1:{api_port}/{sid}/p", "method": "PUT"},
    "responses": {
        "preflight": {
            "status": 204,
            "headers": [
                ["Access-Control-Allow-Origin", PAGE],
                ["Access-Control-Allow-Methods", "PUT"],
                ["Access-Control-Max-Age", "172800"],
            ],
        },
        "actual": {"status": 200, "headers": [["Access-Control-Allow-Origin", PAGE]]},
    },
}


def _unavailable() -> str | None:
    if not os.path.exists(LIBFAKETIME):
        return f"libfaketime is not installed ({LIBFAKETIME}; Debian: faketime)"
    from webkit_harness import webkit_unavailable

    return webkit_unavailable()


def test_webkit_caps_max_age_at_600_seconds(tmp_path: Path) -> None:
    from webkit_console import WebKitConsoleOracle

    reason = _unavailable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            # scripts/install-system-deps installs faketime and WebKit.
            pytest.fail(f"CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    cap = WEBKIT.max_age_cap
    assert cap == 600
    clock = tmp_path / "faketime"
    clock.write_text("+0\n", encoding="ascii")
    env = {
        "LD_PRELOAD": LIBFAKETIME,
        "FAKETIME_TIMESTAMP_FILE": str(clock),
        "FAKETIME_NO_CACHE": "1",
    }
    preflighted = []
    with WebKitConsoleOracle(extra_env=env) as oracle:
        sid = oracle.new_sid()
        for offset in (0, 0, cap - 60, cap + 60):
            clock.write_text(f"+{offset}\n", encoding="ascii")
            outcome = oracle.run(oracle.concretize(SCENARIO, sid), sid=sid)
            assert outcome["allowed"], outcome
            preflighted.append(outcome["preflight_sent"])
    # Filled, used, still used a minute before the cap, renewed a minute after.
    assert preflighted == [True, False, False, True]
