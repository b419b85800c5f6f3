"""`crossorigin simulate SCENARIO.json`: the browser model from the command line.

Reads one scenario object or a list of them (docs/scenario-format.md; `-`
reads stdin) and prints one outcome per scenario, as JSON lines. A list shares
one preflight cache; a scenario's optional `time` (seconds from the start of
the file, default 0) is the moment it runs, so `"time": 6` after a preflight
without `Access-Control-Max-Age` finds the cache entry expired (5 s).

`--browser chromium|firefox|webkit` picks the engine (default chromium);
`--browser all` prints, per scenario, one outcome line per engine in that
order (each with its own preflight cache), and on stderr one line saying
whether the engines agree, and if not where they differ and why.

Exit status: OK (0) when every request was allowed, PROBLEMS (1) when any was
blocked, ERROR (2) when the input cannot be read, is not UTF-8 (the message
gives the byte offset), is not valid JSON (line and column), nests deeper than
`MAX_JSON_DEPTH`, holds a number Python will not convert, or a scenario is
malformed (the message names the scenario and the problem). Every error is
one line on stderr.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

import click

from crossorigin.browser import scenario as scenario_file
from crossorigin.browser.compare import summary
from crossorigin.browser.engines import BROWSERS
from crossorigin.browser.preflight_cache import PreflightCache
from crossorigin.browser.scenario import MAX_JSON_DEPTH, simulate
from crossorigin.browser.types import ScenarioError
from crossorigin.cli.status import ExitStatus
from crossorigin.terminal import safe

__all__ = ["MAX_JSON_DEPTH", "command", "load_scenarios"]


def load_scenarios(data: bytes, name: str) -> Any:
    """`scenario.load_scenarios`, its error as a click exception (exit 2)."""
    try:
        return scenario_file.load_scenarios(data, name)
    except scenario_file.ScenarioFileError as error:
        raise click.ClickException(str(error)) from None


@click.command("simulate")
@click.argument("scenario_file", type=click.File("rb"))
@click.option(
    "--spec",
    is_flag=True,
    help="Follow the Fetch standard where Chromium departs from it.",
)
@click.option(
    "--browser",
    type=click.Choice([*BROWSERS, "all"]),
    default="chromium",
    show_default=True,
    help="The engine to model; all: one outcome per engine, and where they differ.",
)
@click.option("--indent", type=click.IntRange(0, 8), default=None, help="Pretty-print the JSON.")
def command(scenario_file: BinaryIO, spec: bool, browser: str, indent: int | None) -> ExitStatus:
    """Predict what the browser does with SCENARIO_FILE (JSON; `-` for stdin)."""
    name = safe(str(getattr(scenario_file, "name", "-")))
    try:
        raw = scenario_file.read()
    except OSError as error:
        raise click.ClickException(f"{name}: cannot read: {error.strerror or error}") from None
    data: Any = load_scenarios(raw, name)
    scenarios = data if isinstance(data, list) else [data]
    engines = list(BROWSERS) if browser == "all" else [browser]
    caches = {engine: PreflightCache() for engine in engines}
    blocked = False
    for index, scenario in enumerate(scenarios):
        where = f"scenario {index}" if isinstance(data, list) else "scenario"
        outcomes = {}
        try:
            for engine in engines:
                outcomes[engine] = simulate(
                    scenario, cache=caches[engine], spec=spec, browser=engine
                )
        except ScenarioError as error:
            raise click.ClickException(safe(f"{where}: {error}")) from None
        for outcome in outcomes.values():
            blocked = blocked or not outcome["allowed"]
            click.echo(json.dumps(outcome, indent=indent))
        if len(engines) > 1:
            line = summary(scenario, outcomes, earlier=scenarios[:index])
            click.echo(safe(f"{where}: {line}"), err=True)
    return ExitStatus.PROBLEMS if blocked else ExitStatus.OK
