"""`crossorigin diff OLD NEW [--format text|json]`: which origins, methods,
headers and settings gain or lose access between two policy files or fleet
documents (the work is in `crossorigin.policy_diff`).

Exit status: OK (0) no access widened; PROBLEMS (1) some access widened;
ERROR (2) a file cannot be read or is not a valid policy, on one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from crossorigin.cli.status import ExitStatus
from crossorigin.policy import ConfigError, IssueCode
from crossorigin.policy_diff import PolicyDiff, diff_documents
from crossorigin.sources.document import PolicyDocument
from crossorigin.terminal import safe

__all__ = ["command"]


def _load(path: Path) -> PolicyDocument | str:
    try:
        return PolicyDocument.from_file(path)
    except ConfigError as error:
        if error.issues and error.issues[0].code is IssueCode.POLICY_FILE_UNREADABLE:
            return error.issues[0].message
        return f"{str(path)!r} is not a valid policy: " + "; ".join(
            str(issue) for issue in error.issues
        )


@click.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def command(old: Path, new: Path, output_format: str) -> ExitStatus:
    """Which origins, methods, headers and settings gain or lose access from
    policy OLD to NEW (policy files or fleet documents). Exit 1 when any
    access is widened."""
    before = _load(old)
    if isinstance(before, str):
        click.echo(f"crossorigin diff: {safe(before)}", err=True)
        return ExitStatus.ERROR
    after = _load(new)
    if isinstance(after, str):
        click.echo(f"crossorigin diff: {safe(after)}", err=True)
        return ExitStatus.ERROR
    result = diff_documents(before, after)
    if output_format == "json":
        payload = {"old": str(old), "new": str(new), **result.to_dict()}
        click.echo(json.dumps(payload, indent=2))
    else:
        _print_text(result)
    return ExitStatus.PROBLEMS if result.widened else ExitStatus.OK


def _print_text(result: PolicyDiff) -> None:
    region = None
    for change in result.changes:
        if change.region != region:
            region = change.region
            click.echo(f"{safe(region)}:")
        click.echo(
            f"  {change.direction:<8}  {change.severity:<6}  {change.field}: {safe(change.message)}"
        )
    for note in result.notes:
        click.echo(f"note: {safe(note)}")
    for warning in result.warnings:
        click.echo(f"warning: {safe(warning)}")
    widened = [c for c in result.changes if c.direction == "widened"]
    narrowed = [c for c in result.changes if c.direction == "narrowed"]
    if not result.changes:
        click.echo("no change in access")
        return
    high = sum(1 for c in widened if c.severity == "high")
    click.echo(
        f"{len(widened)} widened ({high} high), {len(narrowed)} narrowed, "
        f"{len(result.changes) - len(widened) - len(narrowed)} other"
    )
