"""Record Chromium's outcome for every entry of rule_cases.py (and wpt_cases.py)
into recorded.json: `python tests/oracles/browsers/record_cases.py [--only PREFIX]`.

Theory of operation: each entry runs in real Chromium through the harness
(`Oracle.run`); the recording keeps what the oracle observed, with ports and
sids put back as placeholders, so the model can be held to it without a
browser (tests/oracles/browsers/test_browser_recorded.py). Steps that carry `time` run that
many seconds after the entry's first step (the harness sleeps): Chromium's
preflight cache runs on the real clock.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
# tests/support (servers.processes), as pytest's pythonpath has it.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "support"))

from branch_cases import branch_cases
from chromium_harness import Oracle, recorded_view
from rule_cases import rule_cases
from wpt_cases import wpt_cases

RECORDED_PATH = Path(__file__).with_name("recorded.json")
#: Where each engine's recording lives (Chromium's keeps its first name).
RECORDED_PATHS = {
    "chromium": RECORDED_PATH,
    "firefox": Path(__file__).with_name("recorded-firefox.json"),
    "webkit": Path(__file__).with_name("recorded-webkit.json"),
}


def open_oracle(browser: str) -> Any:
    """The real-engine oracle for `browser` (all share one interface)."""
    if browser == "firefox":
        from firefox_harness import FirefoxOracle

        return FirefoxOracle()
    if browser == "webkit":
        # MiniBrowser outside automation: the outcome and the console line.
        from webkit_console import WebKitConsoleOracle

        return WebKitConsoleOracle()
    return Oracle()


def all_cases() -> list[dict[str, Any]]:
    return [*rule_cases(), *wpt_cases(), *branch_cases()]


def record_entry(oracle: Any, entry: dict[str, Any]) -> list[dict[str, Any]]:
    sid = oracle.new_sid()
    steps = entry["steps"] if "steps" in entry else [entry["scenario"]]
    started = time.monotonic()
    outcomes = []
    for step in steps:
        delay = started + float(step.get("time", 0)) - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        concrete = oracle.concretize(step, sid)
        outcome = oracle.run(concrete, sid=sid)
        outcomes.append(recorded_view(outcome, oracle.ports, sid))
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="record only entries whose name starts so")
    parser.add_argument("--print", action="store_true", help="print, do not write")
    parser.add_argument("--browser", choices=sorted(RECORDED_PATHS), default="chromium")
    arguments = parser.parse_args()
    path = RECORDED_PATHS[arguments.browser]
    recorded: dict[str, Any] = {}
    if path.exists():
        recorded = json.loads(path.read_text(encoding="utf-8"))
    started = time.monotonic()
    with open_oracle(arguments.browser) as oracle:
        for entry in all_cases():
            if not entry["name"].startswith(arguments.only):
                continue
            outcomes = record_entry(oracle, entry)
            recorded[entry["name"]] = {arguments.browser: oracle.version, "steps": outcomes}
            if arguments.print:
                print(entry["name"], json.dumps(outcomes, ensure_ascii=True))
    names = {entry["name"] for entry in all_cases()}
    recorded = {name: recorded[name] for name in sorted(recorded) if name in names}
    if not arguments.print:
        path.write_text(json.dumps(recorded, indent=1) + "\n", encoding="utf-8")
        seconds = time.monotonic() - started
        print(f"recorded {len(recorded)} entries in {path} ({seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
