"""`crossorigin export`: a policy file as server, gateway, cloud or edge configuration.

Output: stdout by default; `-o DIR` writes every part as its own file in DIR
(created if missing): nginx's two files (`cors-http.conf` for `http {}`,
`cors-server.conf` for each `server {}`; their comments show the two
`include` lines with DIR's real path), S3's and Cloud Storage's JSON and
notes, or the one file of the other formats under its usual name
(`crossorigin.export.PART_NAMES`). `-o FILE` writes one file: any one-file
format, or one nginx part chosen with `--part`; the two-file formats always
write a directory. On stdout, the files of a two-file format come one after
the other, each under a banner naming it.

Exit status: OK (0) written, ERROR (2) when the policy file cannot be read or is invalid
(every problem listed), the policy cannot be expressed in the format (the
value and the format named), or the output cannot be written.
"""

from __future__ import annotations

from pathlib import Path

import click

from crossorigin.cli.status import ExitStatus
from crossorigin.export import FORMATS, ExportError, ExportPlan, render, render_parts
from crossorigin.policy import ConfigError
from crossorigin.terminal import safe

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
    "output_text",
    # A str, not a Path: a trailing slash (a directory) must survive.
    type=click.Path(),
    default=None,
    help="A directory (an existing one, one ending in /, or any path for the two-file "
    "formats nginx, s3 and gcs): every part as its own file under its usual name (nginx: "
    "cors-http.conf and cors-server.conf; caddy: cors.caddy; express: cors.js; ...). "
    "Otherwise a file: the one file of a one-file format, or one nginx --part. "
    "Default: stdout.",
)
@click.option(
    "--part",
    type=click.Choice(["all", "http", "server"]),
    default="all",
    show_default=True,
    help="nginx only: both files, or only the http {} maps, or only the server {} directives.",
)
def command(policy_file: Path, format_name: str, output_text: str | None, part: str) -> ExitStatus:
    """Write the policy in POLICY as FORMAT configuration that answers as the
    crossorigin engine does: preflights answered (204/403) without calling the
    application, CORS headers on every response including errors, Vary: Origin."""
    if part != "all" and format_name != "nginx":
        raise click.UsageError("--part applies to --format nginx only")
    if not policy_file.is_file():
        click.echo(f"crossorigin export: cannot read {safe(str(policy_file))}", err=True)
        return ExitStatus.ERROR
    output = None if output_text is None else Path(output_text)
    is_directory = output_text is not None and (
        output_text.endswith(("/", "\\")) or Path(output_text).is_dir()
    )
    try:
        plan = ExportPlan.from_file(policy_file)
        files = _files(plan, format_name, part, output, is_directory)
    except ConfigError as error:
        # One problem per line, each line escaped (values come from the file).
        problems = "\n".join(safe(line) for line in str(error).splitlines())
        click.echo(f"crossorigin export: {safe(str(policy_file))}: {problems}", err=True)
        return ExitStatus.ERROR
    except ExportError as error:
        click.echo(
            f"crossorigin export: cannot express this policy as {format_name}: {safe(str(error))}",
            err=True,
        )
        return ExitStatus.ERROR
    if output is None:
        (text,) = files.values()
        click.echo(text, nl=False)
        if format_name == "nginx" and part == "all":
            click.echo(
                "crossorigin export: nginx needs two files (one in http {}, one in server {}); "
                "-o DIR writes them apart",
                err=True,
            )
        return ExitStatus.OK
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    except OSError as error:
        click.echo(f"crossorigin export: cannot write {safe(str(error))}", err=True)
        return ExitStatus.ERROR
    for path in files:
        click.echo(f"crossorigin export: wrote {safe(str(path))}", err=True)
    return ExitStatus.OK


def _files(
    plan: ExportPlan, format_name: str, part: str, output: Path | None, is_directory: bool
) -> dict[Path, str]:
    """Path -> text for everything to write (one entry, path `-`, for stdout)."""
    from crossorigin.export.nginx import HTTP_FILE, SERVER_FILE, render_nginx_parts

    stdout = Path("-")
    if format_name != "nginx":
        if output is None:
            return {stdout: render(plan, format_name)}
        parts = render_parts(plan, format_name)
        if is_directory or len(parts) > 1:
            if output.exists() and not output.is_dir():
                raise click.UsageError(
                    f"-o {safe(str(output))} is a file; {format_name} writes "
                    f"{len(parts)} files: give a directory"
                )
            return {output / name: text for name, text in parts.items()}
        ((_, text),) = parts.items()
        return {output: text}
    if part == "all":
        if output is None:
            return {stdout: render(plan, "nginx")}
        if output.exists() and not output.is_dir():
            raise click.UsageError(
                f"-o {safe(str(output))} is a file; nginx needs two files: give a "
                "directory, or one part with --part http|server"
            )
        http, server = render_nginx_parts(plan, str(output.resolve()))
        return {output / HTTP_FILE: http, output / SERVER_FILE: server}
    directory = output.resolve() if output is not None and is_directory else None
    http, server = render_nginx_parts(plan, *(() if directory is None else (str(directory),)))
    text = http if part == "http" else server
    if output is None:
        return {stdout: text}
    if directory is not None:
        return {directory / (HTTP_FILE if part == "http" else SERVER_FILE): text}
    return {output: text}
