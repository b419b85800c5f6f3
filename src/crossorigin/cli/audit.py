"""`crossorigin audit`: probe URLs for CORS misconfigurations.

Exit status: OK (0) clean, PROBLEMS (1) findings at or above `--fail-on`,
ERROR (2) errors (a URL that could not be audited completely, a target line
that could not be read, or bad arguments). Errors win: an incomplete audit is
never reported as clean, nor as merely "findings". How target lines are read
(comments, bare hosts, refused lines) is `crossorigin.audit.targets`.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from typing import IO, Final

import click

from crossorigin.audit.findings import Severity
from crossorigin.audit.probes import AttackerNames
from crossorigin.audit.reports import render_json, render_sarif, render_text
from crossorigin.audit.scanner import Scanner, TargetReport
from crossorigin.audit.targets import bounded_lines, clipped, parse_targets
from crossorigin.cli.options import output_format
from crossorigin.cli.status import ExitStatus
from crossorigin.terminal import safe

__all__ = ["command", "exit_status"]

#: Show a progress bar from this many URLs on (and only on a terminal).
PROGRESS_FROM_URLS: Final = 2


def exit_status(reports: Iterable[TargetReport], fail_on: Severity | None) -> ExitStatus:
    """ERROR when any target has errors, else PROBLEMS when a finding is at
    least `fail_on` (None: never), else OK."""
    reports = list(reports)
    if any(report.errors for report in reports):
        return ExitStatus.ERROR
    if fail_on is not None and any(
        finding.severity >= fail_on for report in reports for finding in report.findings
    ):
        return ExitStatus.PROBLEMS
    return ExitStatus.OK


@click.command("audit")
@click.argument("urls", nargs=-1)
@click.option(
    "--targets",
    "targets_file",
    type=click.File("rb"),
    help="Read URLs from FILE, one per line ('-' for standard input); '#' starts a comment.",
)
@click.option(
    "--site",
    metavar="ORIGIN",
    help="The public origin the URLs are served as (e.g. https://www.example.com), "
    "to derive the probes from; default: each URL's own origin.",
)
@output_format("text", "json", "sarif")
@click.option("--output", "-o", type=click.File("w"), help="Write the report to FILE.")
@click.option(
    "--fail-on",
    type=click.Choice(["high", "medium", "low", "info", "never"]),
    default="medium",
    show_default=True,
    help="Exit 1 when a finding is at least this severe.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    help="Requests in flight at once.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 300),
    default=10.0,
    show_default=True,
    help="Seconds per request.",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 10),
    default=2,
    show_default=True,
    help="Retries of a request that failed in transport; still failing is an error.",
)
@click.option("--seed", type=int, hidden=True, help="Fix the random attacker names (tests).")
@click.option("--no-progress", is_flag=True, help="Never show the progress bar.")
def command(
    urls: tuple[str, ...],
    targets_file: IO[bytes] | None,
    site: str | None,
    output_format: str,
    output: IO[str] | None,
    fail_on: str,
    concurrency: int,
    timeout: float,
    retries: int,
    seed: int | None,
    no_progress: bool,
) -> ExitStatus:
    """Probe URLs for CORS misconfigurations, with the browser's verdicts.

    Each URL gets origin probes derived from its site (reflection, null,
    prefix, suffix, substring, unescaped dots, subdomains, http, special
    characters, public hosting, localhost), preflights, and checks of `*`,
    invalid values, Vary and private network access. Exit 0 clean, 1 findings
    at or above --fail-on, 2 errors. A target without a scheme is audited
    as https://.
    """
    parsed = parse_targets(urls)
    if targets_file is not None:
        name = getattr(targets_file, "name", "--targets")
        source = "--targets " + (name if isinstance(name, str) else "-")
        if source.endswith("<stdin>"):
            source = "--targets -"
        from_file = parse_targets(bounded_lines(targets_file), safe(source))
        parsed.urls += from_file.urls
        parsed.errors += from_file.errors
        parsed.assumed_https += from_file.assumed_https
    for error in parsed.errors:
        click.echo(f"crossorigin audit: {error} (skipped)", err=True)
    targets = parsed.urls
    if not targets:
        if parsed.errors:
            return ExitStatus.ERROR
        raise click.UsageError("give at least one URL, or --targets FILE")
    if parsed.assumed_https:
        count = len(parsed.assumed_https)
        click.echo(
            f"crossorigin audit: {count} target{'s' if count != 1 else ''} without a scheme "
            f"audited as https:// (e.g. {clipped(parsed.assumed_https[0])}); write http:// "
            "to audit plain HTTP",
            err=True,
        )
    attacker = AttackerNames.generate(seed) if seed is not None else None

    def make_scanner(on_target: Callable[[TargetReport], None] | None) -> Scanner:
        return Scanner(
            site=site,
            concurrency=concurrency,
            timeout=timeout,
            retries=retries,
            attacker=attacker,
            on_target=on_target,
        )

    try:
        make_scanner(None)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--site") from None
    reports = _run(targets, make_scanner, progress=not no_progress)
    out = output or sys.stdout
    if output_format == "json":
        out.write(render_json(reports) + "\n")
    elif output_format == "sarif":
        out.write(render_sarif(reports) + "\n")
    else:
        color = output is None and sys.stdout.isatty()
        out.write(render_text(reports, color=color) + "\n")
    out.flush()
    if output is not None:
        click.echo(
            f"crossorigin audit: {_summary_line(reports)}; {output_format} report written "
            f"to {safe(getattr(output, 'name', '-'))}",
            err=True,
        )
    if parsed.errors:
        return ExitStatus.ERROR
    return exit_status(reports, None if fail_on == "never" else Severity(fail_on))


def _summary_line(reports: list[TargetReport]) -> str:
    counts = Counter(finding.severity for report in reports for finding in report.findings)
    errors = sum(len(report.errors) for report in reports)
    by_severity = ", ".join(
        f"{counts[severity]} {severity.value}"
        for severity in sorted(Severity, key=lambda s: -s.rank)
    )
    total = sum(counts.values())
    return (
        f"{len(reports)} target{'s' if len(reports) != 1 else ''}, "
        f"{total} finding{'s' if total != 1 else ''} ({by_severity}), "
        f"{errors} error{'s' if errors != 1 else ''}"
    )


def _run(
    targets: list[str],
    make_scanner: Callable[[Callable[[TargetReport], None] | None], Scanner],
    *,
    progress: bool,
) -> list[TargetReport]:
    show = progress and len(targets) >= PROGRESS_FROM_URLS and sys.stderr.isatty()
    if not show:
        return asyncio.run(make_scanner(None).scan(targets))
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("auditing", total=len(targets))
        scanner = make_scanner(lambda report: bar.advance(task))
        return asyncio.run(scanner.scan(targets))
