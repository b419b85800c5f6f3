"""The `crossorigin` command: one module per sub-command, loaded on demand.

Theory of operation: this package is the only place that knows about click.
Each sub-command is a module here (`lint`, `simulate`, `check`, `audit`,
`proxy`, `export`, `demo`) holding the click command and its output; what the
command drives lives in a library module that never imports click (a test
holds every module outside this package to that). `COMMANDS` maps each name
to its module, imported only when that command runs, so `crossorigin
--version` and `crossorigin lint` stay instant and a command's heavier
dependencies (an HTTP client, rich, a browser model) load only for it.

Every command returns an `ExitStatus`; `main` turns click's own errors (a
bad option, a missing argument) into `ExitStatus.ERROR` with click's one-line
message, never a traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Final

import click

from crossorigin import __version__
from crossorigin.cli.status import ExitStatus

__all__ = ["COMMANDS", "SUMMARIES", "ExitStatus", "cli", "main"]

#: Sub-command name -> the module in this package whose `command` it runs.
COMMANDS: Final = {
    "lint": "crossorigin.cli.lint",
    "simulate": "crossorigin.cli.simulate",
    "check": "crossorigin.cli.check",
    "audit": "crossorigin.cli.audit",
    "proxy": "crossorigin.cli.proxy",
    "export": "crossorigin.cli.export",
    "demo": "crossorigin.cli.demo",
    "import": "crossorigin.cli.import_",
    "publish": "crossorigin.cli.publish",
    "diff": "crossorigin.cli.diff",
    "explain": "crossorigin.cli.explain",
}


#: What `crossorigin --help` lists for each command, without importing it;
#: tests/tools/test_cli.py holds each line to the command's own docstring.
SUMMARIES: Final = {
    "lint": "Validate the CORS policy in FILE (TOML) and list every problem.",
    "simulate": "Predict what the browser does with SCENARIO_FILE (JSON; `-` for stdin).",
    "check": "Send what a browser on ORIGIN would send to URL, and explain its verdict.",
    "audit": "Probe URLs for CORS misconfigurations, with the browser's verdicts.",
    "proxy": "Forward requests to TARGET and answer CORS for it, per a policy.",
    "export": "Write the policy in POLICY as FORMAT configuration that answers as the "
    "crossorigin engine does: preflights answered (204/403) without calling the "
    "application, CORS headers on every response including errors, Vary: Origin.",
    "demo": "Serve a page on one origin calling an API on another: edit the API's CORS "
    "policy, send real fetch() requests, and see every exchange, the browser's verdict "
    "and why.",
    "import": "Read FILE's CORS configuration (Python is parsed, never run) and print it as a "
    "crossorigin policy, with a warning for everything the old configuration did that the "
    "policy refuses.",
    "publish": "Validate the policy document FILE and publish it to a store; processes "
    "following the key apply it. A document with problems is not published.",
    "diff": "Which origins, methods, headers and settings gain or lose access from policy "
    "OLD to NEW (policy files or fleet documents). Exit 1 when any access is widened.",
    "explain": "Explain a HAR file's cross-origin requests, or a pasted console line: allowed "
    "or blocked, the rule, the evidence, and the fix, including failures that are not CORS.",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's own version imports every command for its first line; a
        # stand-in Command shortens each summary exactly as click would.
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, click.Command(name, help=SUMMARIES[name]).get_short_help_str(limit))
            for name in COMMANDS
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        command = importlib.import_module(COMMANDS[cmd_name]).command
        assert isinstance(command, click.Command)
        return command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="crossorigin")
def cli() -> None:
    """CORS, done right: validate policies, predict what browsers do, check and
    audit live servers, and serve a playground."""


def main(argv: list[str] | None = None) -> int:
    try:
        result = cli.main(args=argv, prog_name="crossorigin", standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code or ExitStatus.OK)
    except click.ClickException as error:
        error.show()
        return ExitStatus.ERROR
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return ExitStatus.ERROR
    except SystemExit as done:
        return int(done.code or ExitStatus.OK) if isinstance(done.code, int) else ExitStatus.ERROR
    return int(result) if isinstance(result, int) else ExitStatus.OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
