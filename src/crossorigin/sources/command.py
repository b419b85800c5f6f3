"""The click commands `publish` and `diff`: argument parsing and printing
only; the work is in `crossorigin.sources.publish` and
`crossorigin.policy_diff`.

Exit status, both commands: 0 done / no access widened; 1 the document has
problems (publish: nothing written) / some access widened (diff); 2 an error
(unreadable file, invalid policy given to diff, bad target, store
unreachable), said on one line without a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from crossorigin.policy import ConfigError
from crossorigin.policy_diff import PolicyDiff, diff_documents
from crossorigin.sources.base import StoreError
from crossorigin.sources.document import MAX_DOCUMENT_BYTES, PolicyDocument
from crossorigin.sources.publish import TargetError, parse_target, publish
from crossorigin.terminal import safe

__all__ = ["diff_command", "publish_command"]


def _fail(command: str, message: str) -> int:
    click.echo(f"crossorigin {command}: {safe(message)}", err=True)
    return 2


def _read(path: Path) -> bytes:
    """The file's bytes, at most one past the document limit (OSError)."""
    with open(path, "rb") as file:
        return file.read(MAX_DOCUMENT_BYTES + 1)


def _one_line(error: ConfigError) -> str:
    return "; ".join(str(issue) for issue in error.issues)


@click.command("publish")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--to",
    "target_text",
    required=True,
    metavar="redis://HOST:PORT/KEY|etcd://HOST:PORT/KEY",
    help="The store and key every process follows.",
)
@click.option("--timeout", type=click.FloatRange(0.1, 300), default=5.0, show_default=True)
def publish_command(file: Path, target_text: str, timeout: float) -> int:
    """Validate the policy document FILE and publish it to a store; processes
    following the key apply it. A document with problems is not published."""
    try:
        target = parse_target(target_text)
    except TargetError as error:
        return _fail("publish", str(error))
    try:
        data = _read(file)
    except OSError as error:
        return _fail("publish", f"cannot read {str(file)!r}: {error.strerror or error}")
    shown = safe(str(file))
    try:
        result = publish(data, target, timeout=timeout)
    except ConfigError as error:
        for issue in error.issues:
            click.echo(f"{shown}: error {safe(str(issue))}")
        count = len(error.issues)
        click.echo(
            f"crossorigin publish: {shown} has {count} problem{'s' if count != 1 else ''}; "
            "nothing published",
            err=True,
        )
        return 1
    except ImportError as error:
        return _fail("publish", str(error))
    except StoreError as error:
        maybe = (
            " (the store may still apply it when it answers: compare the processes' status digest)"
            if error.uncertain
            else ""
        )
        return _fail("publish", f"cannot write to {target.shown}: {error}{maybe}")
    for note in result.document.notes:
        click.echo(f"{shown}: note {safe(str(note))}")
    document = result.document
    version = document.version if document.version is not None else "(no version)"
    extra = (
        f", etcd revision {result.revision}"
        if result.revision is not None
        else f", {result.subscribers} subscriber(s) notified"
    )
    click.echo(
        f"published {shown} to {safe(target.shown)}: version {safe(version)}, "
        f"{document.digest}{extra}"
    )
    return 0


def _load(path: Path) -> PolicyDocument | str:
    try:
        data = _read(path)
    except OSError as error:
        return f"cannot read {str(path)!r}: {error.strerror or error}"
    try:
        return PolicyDocument.from_bytes(data, name=repr(str(path)))
    except ConfigError as error:
        return f"{str(path)!r} is not a valid policy: {_one_line(error)}"


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
def diff_command(old: Path, new: Path, output_format: str) -> int:
    """Which origins, methods, headers and settings gain or lose access from
    policy OLD to NEW (policy files or fleet documents). Exit 1 when any
    access is widened."""
    before = _load(old)
    if isinstance(before, str):
        return _fail("diff", before)
    after = _load(new)
    if isinstance(after, str):
        return _fail("diff", after)
    result = diff_documents(before, after)
    if output_format == "json":
        payload = {"old": str(old), "new": str(new), **result.to_dict()}
        click.echo(json.dumps(payload, indent=2))
    else:
        _print_text(result)
    return 1 if result.widened else 0


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
