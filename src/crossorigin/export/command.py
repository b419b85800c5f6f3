"""`crossorigin export`: a policy file as nginx, Caddy, Apache or Express configuration.

Exit status: 0 written, 2 when the policy file cannot be read or is invalid
(every problem listed), or the policy cannot be expressed in the format.
"""

from __future__ import annotations

from pathlib import Path

import click

from crossorigin.export import FORMATS, ExportError, ExportPlan, render
from crossorigin.policy import ConfigError

__all__ = ["command"]


@click.command("export")
@click.option(
    "--policy",
    "policy_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The policy TOML file.",
)
@click.option(
    "--format", "format_name", required=True, type=click.Choice(FORMATS), help="Target server."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of stdout.",
)
@click.option(
    "--part",
    type=click.Choice(["all", "http", "server"]),
    default="all",
    show_default=True,
    help="nginx only: both parts, or only the http {} maps, or only the server {} directives.",
)
def command(policy_file: Path, format_name: str, output: Path | None, part: str) -> int:
    """Write the policy in POLICY as FORMAT configuration that answers as the
    crossorigin engine does: preflights answered (204/403) without calling the
    application, CORS headers on every response including errors, Vary: Origin."""
    if not policy_file.is_file():
        click.echo(f"crossorigin export: cannot read {policy_file}", err=True)
        return 2
    try:
        plan = ExportPlan.from_file(policy_file)
        if format_name == "nginx" and part != "all":
            from crossorigin.export.nginx import render_nginx_parts

            http, server = render_nginx_parts(plan)
            text = http if part == "http" else server
        else:
            if part != "all":
                raise click.UsageError("--part applies to --format nginx only")
            text = render(plan, format_name)
    except ConfigError as error:
        click.echo(f"crossorigin export: {policy_file}: {error}", err=True)
        return 2
    except ExportError as error:
        click.echo(
            f"crossorigin export: cannot express this policy as {format_name}: {error}", err=True
        )
        return 2
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text)
        click.echo(f"crossorigin export: wrote {output}", err=True)
    return 0
