"""The `crossorigin` command.

Each sub-command lives beside the code it drives and is imported only when it
runs, so `crossorigin --version` and `crossorigin lint` stay instant and a
command's heavier dependencies (an HTTP client, a browser) load only for it.
`_COMMANDS` maps each name to `module:attribute` of a click command.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from typing import Final

import click

from crossorigin import __version__

__all__ = ["main"]

_COMMANDS: Final = {
    "lint": "crossorigin.lint:command",
    "simulate": "crossorigin.browser.command:command",
    "check": "crossorigin.check:command",
    "audit": "crossorigin.audit.command:command",
    "proxy": "crossorigin.proxy:command",
    "export": "crossorigin.export.command:command",
    "demo": "crossorigin.playground.command:command",
}


def _available(name: str) -> bool:
    module = _COMMANDS[name].partition(":")[0]
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in _COMMANDS if _available(name)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS or not _available(cmd_name):
            return None
        module_name, _, attribute = _COMMANDS[cmd_name].partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
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
        return int(done.exit_code or 0)
    except click.ClickException as error:
        error.show()
        return 2
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 2
    except SystemExit as done:
        return int(done.code or 0) if isinstance(done.code, int) else 2
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
