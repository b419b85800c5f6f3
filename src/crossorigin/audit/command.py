"""`crossorigin audit`: probe URLs for CORS misconfigurations.

Exit codes (DESIGN.md): 0 clean, 1 findings at or above `--fail-on`, 2 errors
(a URL that could not be audited completely, or bad arguments). Errors win:
an incomplete audit is never reported as clean, nor as merely "findings".
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterable
from typing import IO, Final

import click

from crossorigin.audit.findings import Severity
from crossorigin.audit.probes import AttackerNames
from crossorigin.audit.reports import render_json, render_sarif, render_text
from crossorigin.audit.scanner import Scanner, TargetReport

__all__ = ["command", "exit_code", "read_targets"]

EXIT_CLEAN: Final = 0
EXIT_FINDINGS: Final = 1
EXIT_ERRORS: Final = 2
#: Show a progress bar from this many URLs on (and only on a terminal).
PROGRESS_FROM_URLS: Final = 2


def read_targets(lines: Iterable[str]) -> list[str]:
    """One URL per line; blank lines and `#` comments skipped; a bare host
    gets `https://`."""
    urls = []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        urls.append(line if "://" in line else f"https://{line}")
    return urls


def exit_code(reports: Iterable[TargetReport], fail_on: Severity | None) -> int:
    reports = list(reports)
    if any(report.errors for report in reports):
        return EXIT_ERRORS
    if fail_on is not None and any(
        finding.severity >= fail_on for report in reports for finding in report.findings
    ):
        return EXIT_FINDINGS
    return EXIT_CLEAN


@click.command("audit")
@click.argument("urls", nargs=-1)
@click.option(
    "--targets",
    "targets_file",
    type=click.File("r"),
    help="Read URLs from FILE, one per line ('-' for standard input).",
)
@click.option(
    "--site",
    metavar="ORIGIN",
    help="The public origin the URLs are served as (e.g. https://www.example.com), "
    "to derive the probes from; default: each URL's own origin.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
)
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
    targets_file: IO[str] | None,
    site: str | None,
    output_format: str,
    output: IO[str] | None,
    fail_on: str,
    concurrency: int,
    timeout: float,
    retries: int,
    seed: int | None,
    no_progress: bool,
) -> int:
    """Probe URLs for CORS misconfigurations, with the browser's verdicts.

    Each URL gets origin probes derived from its site (reflection, null,
    prefix, suffix, substring, unescaped dots, subdomains, http, special
    characters, public hosting, localhost), preflights, and checks of `*`,
    invalid values, Vary and private network access. Exit 0 clean, 1 findings
    at or above --fail-on, 2 errors.
    """
    targets = read_targets(urls)
    if targets_file is not None:
        targets += read_targets(targets_file)
    if not targets:
        raise click.UsageError("give at least one URL, or --targets FILE")
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
    return exit_code(reports, None if fail_on == "never" else Severity(fail_on))


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
