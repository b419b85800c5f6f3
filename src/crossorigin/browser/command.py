"""`crossorigin simulate SCENARIO.json`: the browser model from the command line.

Reads one scenario object or a list of them (DESIGN.md format; `-` reads
stdin) and prints one outcome per scenario, as JSON lines. A list shares one
preflight cache; a scenario's optional `time` (seconds from the start of the
file, default 0) is the moment it runs, so `"time": 6` after a preflight
without `Access-Control-Max-Age` finds the cache entry expired (5 s).

Exit status: 0 when every request was allowed, 1 when any was blocked, 2 when
the input is not valid JSON or a scenario is malformed (the message names the
scenario and the problem).
"""

from __future__ import annotations

import json
from typing import Any, TextIO

import click

from crossorigin.browser.model import ScenarioError, simulate
from crossorigin.browser.preflight_cache import PreflightCache

__all__ = ["command"]


@click.command("simulate")
@click.argument("scenario_file", type=click.File("r", encoding="utf-8"))
@click.option(
    "--spec",
    is_flag=True,
    help="Follow the Fetch standard where Chromium departs from it.",
)
@click.option("--indent", type=click.IntRange(0, 8), default=None, help="Pretty-print the JSON.")
def command(scenario_file: TextIO, spec: bool, indent: int | None) -> int:
    """Predict what the browser does with SCENARIO_FILE (JSON; `-` for stdin)."""
    try:
        data: Any = json.load(scenario_file)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{scenario_file.name}: not valid JSON: {error}") from None
    scenarios = data if isinstance(data, list) else [data]
    cache = PreflightCache()
    blocked = False
    for index, scenario in enumerate(scenarios):
        try:
            outcome = simulate(scenario, cache=cache, spec=spec)
        except ScenarioError as error:
            where = f"scenario {index}" if isinstance(data, list) else "scenario"
            raise click.ClickException(f"{where}: {error}") from None
        blocked = blocked or not outcome["allowed"]
        click.echo(json.dumps(outcome, indent=indent))
    return 1 if blocked else 0
