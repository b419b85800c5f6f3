"""Record Chromium's outcome for every entry of rule_cases.py (and wpt_cases.py)
into recorded.json: `python tests/oracles/chromium/record_cases.py [--only PREFIX]`.

Theory of operation: each entry runs in real Chromium through the harness
(`Oracle.run`); the recording keeps what the oracle observed, with ports and
sids put back as placeholders, so the model can be held to it without a
browser (tests/oracles/chromium/test_browser_recorded.py). Steps that carry `time` run that
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

from chromium_harness import Oracle, recorded_view
from rule_cases import rule_cases
from wpt_cases import wpt_cases

RECORDED_PATH = Path(__file__).with_name("recorded.json")


def all_cases() -> list[dict[str, Any]]:
    return [*rule_cases(), *wpt_cases()]


def record_entry(oracle: Oracle, entry: dict[str, Any]) -> list[dict[str, Any]]:
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
    arguments = parser.parse_args()
    recorded: dict[str, Any] = {}
    if RECORDED_PATH.exists():
        recorded = json.loads(RECORDED_PATH.read_text(encoding="utf-8"))
    with Oracle() as oracle:
        for entry in all_cases():
            if not entry["name"].startswith(arguments.only):
                continue
            outcomes = record_entry(oracle, entry)
            recorded[entry["name"]] = {"chromium": oracle.version, "steps": outcomes}
            if arguments.print:
                print(entry["name"], json.dumps(outcomes, ensure_ascii=True))
    names = {entry["name"] for entry in all_cases()}
    recorded = {name: recorded[name] for name in sorted(recorded) if name in names}
    if not arguments.print:
        RECORDED_PATH.write_text(json.dumps(recorded, indent=1) + "\n", encoding="utf-8")
        print(f"recorded {len(recorded)} entries in {RECORDED_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
