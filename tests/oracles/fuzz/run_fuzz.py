"""Run every fuzz harness for a share of a time budget (`make fuzz`).

Usage: run_fuzz.py --seconds N [--only NAME ...] [--corpus-dir DIR]

Each harness (tests/oracles/fuzz/fuzz_*.py) runs in its own process under atheris
(libFuzzer) for N / (number of harnesses) seconds, starting from the committed
seeds in tests/oracles/fuzz/seeds/NAME/ and a working corpus kept outside the
repository (DIR/NAME, default under the system temporary directory, so
coverage accumulates between runs on one machine). A crashing input is saved
as tests/oracles/fuzz/crashes/NAME-crash-<sha1>; tests/oracles/fuzz/test_fuzz_replay.py
replays every file there, so each crash becomes a regression test.

Prints one line per harness with its executions, and a total; exits 1 when a
harness crashed or failed to run.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
HARNESSES = ["origin", "patterns", "request_headers", "engine", "proxy_request", "export"]
EXECUTIONS = re.compile(r"stat::number_of_executed_units:\s+(\d+)")
PEAK_RSS = re.compile(r"stat::peak_rss_mb:\s+(\d+)")
CRASH = re.compile(r"Test unit written to (\S+)")


def run_harness(name: str, seconds: int, corpus: Path) -> tuple[int, int, str | None]:
    """(executions, peak RSS in MB, crash file or None) of one harness run."""
    corpus.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        str(HERE / f"fuzz_{name}.py"),
        f"-max_total_time={seconds}",
        "-print_final_stats=1",
        "-rss_limit_mb=1024",
        "-timeout=10",
        f"-artifact_prefix={HERE / 'crashes' / name}-",
        str(corpus),
        str(HERE / "seeds" / name),
    ]
    completed = subprocess.run(
        command, cwd=HERE, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    output = completed.stdout + completed.stderr
    executions = sum(int(n) for n in EXECUTIONS.findall(output))
    rss = max((int(n) for n in PEAK_RSS.findall(output)), default=0)
    crash = CRASH.search(output)
    if completed.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-25:])
        print(f"--- {name}: exit {completed.returncode}\n{tail}", file=sys.stderr)
        return executions, rss, crash.group(1) if crash else "(no input saved)"
    return executions, rss, None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=300, help="total budget")
    parser.add_argument("--only", action="append", choices=HARNESSES, help="run only these")
    parser.add_argument(
        "--corpus-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "crossorigin-fuzz-corpus",
    )
    args = parser.parse_args(argv)
    names = args.only or HARNESSES
    share = max(1, args.seconds // len(names))
    (HERE / "crashes").mkdir(exist_ok=True)
    print(f"fuzzing {len(names)} harnesses, {share} s each")
    total = 0
    failed = []
    started = time.monotonic()
    for name in names:
        executions, rss, crash = run_harness(name, share, args.corpus_dir / name)
        total += executions
        status = "ok" if crash is None else f"CRASH {crash}"
        print(f"{name:16} {executions:>12,} executions  {share:>5} s  {rss:>5} MB  {status}")
        if crash is not None:
            failed.append(name)
    elapsed = time.monotonic() - started
    print(f"{'total':16} {total:>12,} executions  {elapsed:>5.0f} s")
    if failed:
        print(f"crashed: {', '.join(failed)}; inputs are in {HERE / 'crashes'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
