"""`crossorigin audit`: probe URLs for CORS misconfigurations.

Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 errors (a URL
that could not be audited completely, a target line that could not be read,
or bad arguments). Errors win: an incomplete audit is never reported as
clean, nor as merely "findings".

Targets: one per line; `#` starts a comment at the start of a line or after
whitespace (a `#` inside a URL is its fragment). A line that is not UTF-8 or
longer than `MAX_TARGET_LENGTH` is skipped with one short error on standard
error, its value clipped. A target without a scheme is audited as https://
(scanners' target lists are usually bare host names of public sites, served
over https), and standard error says so once, with an example.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Final

import click

from crossorigin.audit.findings import Severity
from crossorigin.audit.probes import AttackerNames
from crossorigin.audit.reports import render_json, render_sarif, render_text
from crossorigin.audit.scanner import Scanner, TargetReport
from crossorigin.terminal import safe

__all__ = ["MAX_TARGET_LENGTH", "Targets", "command", "exit_code", "parse_targets", "read_targets"]

EXIT_CLEAN: Final = 0
EXIT_FINDINGS: Final = 1
EXIT_ERRORS: Final = 2
#: Show a progress bar from this many URLs on (and only on a terminal).
PROGRESS_FROM_URLS: Final = 2
#: A target line longer than this is refused (browsers and servers draw the
#: line at a few KiB; a longer one is junk, not a URL to audit).
MAX_TARGET_LENGTH: Final = 8192
#: How much of a refused line an error message quotes.
_QUOTED: Final = 60
_COMMENT: Final = re.compile(r"(?:^|\s)#.*")


@dataclass
class Targets:
    """What a list of target lines gave: the URLs, one error per refused
    line, and the lines that got https:// added."""

    urls: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    assumed_https: list[str] = field(default_factory=list)


def _clipped(text: str) -> str:
    shown = safe(text[:_QUOTED])
    return shown + (f"... ({len(text):,} characters)" if len(text) > _QUOTED else "")


def parse_targets(lines: Iterable[str | bytes], source: str = "argument") -> Targets:
    """One URL per line (bytes are decoded as UTF-8, line by line); blank lines
    and comments skipped; a bare host gets `https://`."""
    targets = Targets()
    for number, raw in enumerate(lines, 1):
        where = f"{source} line {number}" if source != "argument" else "argument"
        if isinstance(raw, bytes):
            if len(raw) > MAX_TARGET_LENGTH * 4:  # no decoding of megabytes of junk
                quoted = _clipped(raw[:_QUOTED].decode("utf-8", "replace"))
                targets.errors.append(
                    f"{where}: longer than {MAX_TARGET_LENGTH:,} characters: {quoted}..."
                )
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                quoted = _clipped(raw.rstrip(b"\r\n").decode("utf-8", "replace"))
                targets.errors.append(f"{where}: not UTF-8: {quoted}")
                continue
        else:
            text = raw
        line = _COMMENT.sub("", text).strip()
        if not line:
            continue
        if len(line) > MAX_TARGET_LENGTH:
            targets.errors.append(
                f"{where}: longer than {MAX_TARGET_LENGTH:,} characters: {_clipped(line)}"
            )
            continue
        if "://" not in line:
            targets.assumed_https.append(line)
            line = f"https://{line}"
        targets.urls.append(line)
    return targets


def read_targets(lines: Iterable[str]) -> list[str]:
    """The URLs of `parse_targets` alone."""
    return parse_targets(lines).urls


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
    type=click.File("rb"),
    help="Read URLs from FILE, one per line ('-' for standard input); '#' starts a comment.",
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
) -> int:
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
        from_file = parse_targets(_lines(targets_file), safe(source))
        parsed.urls += from_file.urls
        parsed.errors += from_file.errors
        parsed.assumed_https += from_file.assumed_https
    for error in parsed.errors:
        click.echo(f"crossorigin audit: {error} (skipped)", err=True)
    targets = parsed.urls
    if not targets:
        if parsed.errors:
            return EXIT_ERRORS
        raise click.UsageError("give at least one URL, or --targets FILE")
    if parsed.assumed_https:
        count = len(parsed.assumed_https)
        click.echo(
            f"crossorigin audit: {count} target{'s' if count != 1 else ''} without a scheme "
            f"audited as https:// (e.g. {_clipped(parsed.assumed_https[0])}); write http:// "
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
        return EXIT_ERRORS
    return exit_code(reports, None if fail_on == "never" else Severity(fail_on))


def _lines(file: IO[bytes]) -> Iterable[bytes]:
    """Lines of at most MAX_TARGET_LENGTH * 4 + 1 bytes each: a line of
    megabytes is read in pieces and given as one oversize line, never held."""
    limit = MAX_TARGET_LENGTH * 4 + 1
    while True:
        line = file.readline(limit)
        if not line:
            return
        if len(line) == limit and not line.endswith(b"\n"):
            while True:  # skip the rest of the oversize line
                rest = file.readline(limit)
                if not rest or rest.endswith(b"\n"):
                    break
        yield line


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
