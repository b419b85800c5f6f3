"""`crossorigin simulate SCENARIO.json`: the browser model from the command line.

Reads one scenario object or a list of them (docs/scenario-format.md; `-`
reads stdin) and prints one outcome per scenario, as JSON lines. A list shares
one preflight cache; a scenario's optional `time` (seconds from the start of
the file, default 0) is the moment it runs, so `"time": 6` after a preflight
without `Access-Control-Max-Age` finds the cache entry expired (5 s).

Exit status: OK (0) when every request was allowed, PROBLEMS (1) when any was
blocked, ERROR (2) when the input cannot be read, is not UTF-8 (the message
gives the byte offset), is not valid JSON (line and column), nests deeper than
`MAX_JSON_DEPTH`, holds a number Python will not convert, or a scenario is
malformed (the message names the scenario and the problem). Every error is
one line on stderr.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO, Final

import click

from crossorigin.browser.model import ScenarioError, simulate
from crossorigin.browser.preflight_cache import PreflightCache
from crossorigin.cli.status import ExitStatus
from crossorigin.terminal import safe

__all__ = ["MAX_JSON_DEPTH", "command", "load_scenarios"]

#: A scenario nests five levels (list, scenario, responses, hops, headers, a
#: pair); far deeper input is hostile, and Python's json parser would hit the
#: recursion limit on it (RecursionError) rather than refuse it cleanly.
MAX_JSON_DEPTH: Final = 64


def _depth_problem(text: str) -> str | None:
    """Where brackets nest deeper than MAX_JSON_DEPTH, ignoring those inside
    strings; one pass, before the recursive parser sees the text."""
    depth = 0
    in_string = False
    escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return f"nested deeper than {MAX_JSON_DEPTH} levels at character {index}"
        elif char in "]}":
            depth -= 1
    return None


def load_scenarios(data: bytes, name: str) -> Any:
    """The JSON value in `data`; raises click.ClickException with one line
    naming what is wrong (the command turns it into exit 2)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise click.ClickException(
            f"{name}: not UTF-8: byte 0x{data[error.start]:02x} at offset {error.start}"
        ) from None
    problem = _depth_problem(text)
    if problem is not None:
        raise click.ClickException(f"{name}: not a scenario file: {problem}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{name}: not valid JSON: {error}") from None
    except (ValueError, RecursionError) as error:
        # ValueError: an integer longer than sys.get_int_max_str_digits().
        raise click.ClickException(f"{name}: not a scenario file: {error}") from None


@click.command("simulate")
@click.argument("scenario_file", type=click.File("rb"))
@click.option(
    "--spec",
    is_flag=True,
    help="Follow the Fetch standard where Chromium departs from it.",
)
@click.option("--indent", type=click.IntRange(0, 8), default=None, help="Pretty-print the JSON.")
def command(scenario_file: BinaryIO, spec: bool, indent: int | None) -> ExitStatus:
    """Predict what the browser does with SCENARIO_FILE (JSON; `-` for stdin)."""
    name = safe(str(getattr(scenario_file, "name", "-")))
    try:
        raw = scenario_file.read()
    except OSError as error:
        raise click.ClickException(f"{name}: cannot read: {error.strerror or error}") from None
    data: Any = load_scenarios(raw, name)
    scenarios = data if isinstance(data, list) else [data]
    cache = PreflightCache()
    blocked = False
    for index, scenario in enumerate(scenarios):
        try:
            outcome = simulate(scenario, cache=cache, spec=spec)
        except ScenarioError as error:
            where = f"scenario {index}" if isinstance(data, list) else "scenario"
            raise click.ClickException(safe(f"{where}: {error}")) from None
        blocked = blocked or not outcome["allowed"]
        click.echo(json.dumps(outcome, indent=indent))
    return ExitStatus.PROBLEMS if blocked else ExitStatus.OK
