"""`crossorigin publish FILE --to redis://HOST:PORT/KEY|etcd://HOST:PORT/KEY`:
validate a policy document and publish it to the store every process follows
(the work is in `crossorigin.sources.publish`).

Exit status: OK (0) published; PROBLEMS (1) the document has problems and
nothing was written; ERROR (2) unreadable file, bad target, store
unreachable, said on one line without a traceback.
"""

from __future__ import annotations

from pathlib import Path

import click

from crossorigin.cli.status import ExitStatus
from crossorigin.policy import ConfigError
from crossorigin.sources.base import StoreError
from crossorigin.sources.document import MAX_DOCUMENT_BYTES
from crossorigin.sources.publish import TargetError, parse_target, publish
from crossorigin.terminal import safe

__all__ = ["command"]


def _fail(message: str) -> ExitStatus:
    click.echo(f"crossorigin publish: {safe(message)}", err=True)
    return ExitStatus.ERROR


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
def command(file: Path, target_text: str, timeout: float) -> ExitStatus:
    """Validate the policy document FILE and publish it to a store; processes
    following the key apply it. A document with problems is not published."""
    try:
        target = parse_target(target_text)
    except TargetError as error:
        return _fail(str(error))
    try:
        with open(file, "rb") as opened:
            data = opened.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as error:
        return _fail(f"cannot read {str(file)!r}: {error.strerror or error}")
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
        return ExitStatus.PROBLEMS
    except ImportError as error:
        return _fail(str(error))
    except StoreError as error:
        maybe = (
            " (the store may still apply it when it answers: compare the processes' status digest)"
            if error.uncertain
            else ""
        )
        return _fail(f"cannot write to {target.shown}: {error}{maybe}")
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
    return ExitStatus.OK
