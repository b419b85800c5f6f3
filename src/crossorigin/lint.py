"""`crossorigin lint FILE`: validate a policy file and say what is wrong.

Exit status: 0 when the policy is valid (remarks may still be printed), 1 when
it has problems (including TOML that does not parse: that is a problem in the
file), 2 when the file cannot be read as text (missing, unreadable, too large,
not UTF-8), with the reason on one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from crossorigin.policy import ConfigError, Issue, Policy, PolicyFileError, shown_value
from crossorigin.terminal import safe

__all__ = ["command", "lint_file"]


def lint_file(path: Path) -> tuple[list[Issue], list[Issue]]:
    """(problems, remarks) of the policy in a TOML file; raises PolicyFileError
    when the file cannot be read as text."""
    try:
        policy = Policy.from_toml(path)
    except PolicyFileError:
        raise
    except ConfigError as error:
        return error.issues, []
    return [], list(policy.notes)


def _issue_json(issue: Issue) -> dict[str, object]:
    value = issue.value
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 53:
        # Beyond what JSON readers hold exactly, and possibly beyond what
        # Python will print in decimal.
        value = shown_value(value)
    elif isinstance(value, list) and not all(isinstance(item, str) for item in value):
        value = shown_value(value)  # nested or mixed lists from a hostile file
    elif not isinstance(value, str | int | float | bool | list | type(None)):
        value = shown_value(value)
    return {"code": issue.code, "value": value, "message": issue.message}


@click.command("lint")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def command(file: Path, output_format: str) -> int:
    """Validate the CORS policy in FILE (TOML) and list every problem."""
    try:
        problems, remarks = lint_file(file)
    except PolicyFileError as error:
        for issue in error.issues:
            click.echo(f"crossorigin lint: {safe(issue.message)}", err=True)
        return 2
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "file": str(file),
                    "valid": not problems,
                    "problems": [_issue_json(i) for i in problems],
                    "notes": [_issue_json(i) for i in remarks],
                },
                indent=2,
            )
        )
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
    return 1 if problems else 0
