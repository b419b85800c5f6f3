"""`crossorigin import --from FORMAT FILE [-o policy.toml]`: an existing CORS
configuration as a crossorigin policy TOML, with what it did that the policy
refuses.

Output: the TOML on stdout (or in `-o FILE`), each warning on stderr
(`crossorigin import: warning: ...`, escaped for the terminal: the values
come from the file). Exit status: 0 imported, 1 imported with warnings to
review, 2 nothing imported (one line saying why).
"""

from __future__ import annotations

from pathlib import Path

import click

from crossorigin.cli.status import ExitStatus
from crossorigin.importing import SOURCES, run
from crossorigin.terminal import safe

__all__ = ["command"]


@click.command("import")
@click.option(
    "--from",
    "source_format",
    required=True,
    type=click.Choice(SOURCES),
    help="What FILE is: Python source using Starlette/FastAPI's CORSMiddleware or flask-cors, "
    "a Django settings module (django-cors-headers), an nginx configuration, or S3 CORS JSON.",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the policy TOML to this file instead of stdout.",
)
def command(source_format: str, file: Path, output: Path | None) -> ExitStatus:
    """Read FILE's CORS configuration (Python is parsed, never run) and print
    it as a crossorigin policy, with a warning for everything the old
    configuration did that the policy refuses."""
    outcome = run(source_format, file)
    if outcome.status == ExitStatus.ERROR:
        reason = outcome.warnings[0] if outcome.warnings else "nothing to import"
        click.echo(f"crossorigin import: {safe(str(file))}: {safe(reason)}", err=True)
        return ExitStatus.ERROR
    for warning in outcome.warnings:
        click.echo(f"crossorigin import: warning: {safe(warning)}", err=True)
    if output is None:
        click.echo(outcome.toml, nl=False)
    else:
        try:
            output.write_text(outcome.toml)
        except OSError as error:
            click.echo(f"crossorigin import: cannot write {safe(str(error))}", err=True)
            return ExitStatus.ERROR
        click.echo(f"crossorigin import: wrote {safe(str(output))}", err=True)
    return ExitStatus(outcome.status)
