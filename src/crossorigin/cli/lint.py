"""`crossorigin lint FILE`: validate a policy file and say what is wrong.

Exit status: OK (0) when the policy is valid (remarks may still be printed),
PROBLEMS (1) when it has problems (including TOML that does not parse: that
is a problem in the file), ERROR (2) when the file cannot be read as text
(missing, unreadable, too large, not UTF-8), with the reason on one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from crossorigin.cli.options import output_format
from crossorigin.cli.status import ExitStatus
from crossorigin.lint import lint_file, lint_report
from crossorigin.policy import PolicyFileError
from crossorigin.terminal import safe

__all__ = ["command"]


@click.command("lint")
@click.argument("file", type=click.Path(path_type=Path))
@output_format("text", "json")
def command(file: Path, output_format: str) -> ExitStatus:
    """Validate the CORS policy in FILE (TOML) and list every problem."""
    try:
        problems, remarks = lint_file(file)
    except PolicyFileError as error:
        for issue in error.issues:
            click.echo(f"crossorigin lint: {safe(issue.message)}", err=True)
        return ExitStatus.ERROR
    if output_format == "json":
        click.echo(json.dumps(lint_report(file, problems, remarks), indent=2))
    else:
        # Messages show values through repr(); the file name is the user's.
        shown = safe(str(file))
        for issue in problems:
            click.echo(f"{shown}: error {issue}")
        for issue in remarks:
            click.echo(f"{shown}: note {issue}")
        if not problems:
            suffix = f" ({len(remarks)} note{'s' if len(remarks) != 1 else ''})" if remarks else ""
            click.echo(f"{shown}: valid policy{suffix}")
    return ExitStatus.PROBLEMS if problems else ExitStatus.OK
