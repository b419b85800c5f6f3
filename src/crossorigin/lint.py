"""`crossorigin lint FILE`: validate a policy file and say what is wrong.

Exit status: 0 when the policy is valid (remarks may still be printed), 1 when
it has problems, 2 when the file cannot be read.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from crossorigin.policy import ConfigError, Issue, Policy

__all__ = ["command", "lint_file"]


def lint_file(path: Path) -> tuple[list[Issue], list[Issue]]:
    """(problems, remarks) of the policy in a TOML file."""
    try:
        policy = Policy.from_toml(path)
    except ConfigError as error:
        return error.issues, []
    return [], list(policy.notes)


def _issue_json(issue: Issue) -> dict[str, object]:
    value = issue.value
    if not isinstance(value, str | int | float | bool | list | type(None)):
        value = repr(value)
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
    if not file.is_file():
        click.echo(f"crossorigin lint: cannot read {file}", err=True)
        return 2
    problems, remarks = lint_file(file)
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
        for issue in problems:
            click.echo(f"{file}: error {issue}")
        for issue in remarks:
            click.echo(f"{file}: note {issue}")
        if not problems:
            suffix = f" ({len(remarks)} note{'s' if len(remarks) != 1 else ''})" if remarks else ""
            click.echo(f"{file}: valid policy{suffix}")
    return 1 if problems else 0
