"""`crossorigin audit`: probe URLs for CORS misconfigurations.

Exit status: OK (0) clean, PROBLEMS (1) findings at or above `--fail-on`,
ERROR (2) errors (a URL that could not be audited completely, a target line
that could not be read, or bad arguments). Errors win: an incomplete audit is
never reported as clean, nor as merely "findings". How target lines are read
(comments, bare hosts, refused lines) is `crossorigin.audit.targets`.

The command is a pipeline, every stage one target at a time: target lines
(arguments, then `--targets`) read on a thread of their own, the scanner
auditing a bounded number at once, and the format's writer getting each
report as it is done. Nothing holds the whole list, so memory stays flat
whether the list has ten lines or a million.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import click

from crossorigin.audit.findings import Severity
from crossorigin.audit.probes import AttackerNames
from crossorigin.audit.reports import FORMATS, ReportWriter, Tally, make_writer
from crossorigin.audit.scanner import Scanner, TargetReport
from crossorigin.audit.selection import ReportedTargets, ResumeError, Shard
from crossorigin.audit.targets import bounded_lines, clipped, iter_targets, read_in_background
from crossorigin.audit.transport import Proxy
from crossorigin.cli.options import output_format
from crossorigin.cli.status import ExitStatus
from crossorigin.terminal import safe

__all__ = ["command", "exit_status"]


def exit_status(reports: Iterable[TargetReport], fail_on: Severity | None) -> ExitStatus:
    """ERROR when any target has errors, else PROBLEMS when a finding is at
    least `fail_on` (None: never), else OK."""
    tally = Tally()
    for report in reports:
        tally.add(report)
    return _status(tally, fail_on)


def _status(tally: Tally, fail_on: Severity | None) -> ExitStatus:
    if tally.errors:
        return ExitStatus.ERROR
    worst = tally.worst
    if fail_on is not None and worst is not None and worst >= fail_on:
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
@output_format(*FORMATS)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write the report to FILE.",
)
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
@click.option(
    "--shard",
    metavar="I/N",
    help="Audit only shard I (0 to N-1) of N: the targets whose registrable domain "
    "hashes to I (SHA-256), so N workers split one list with no coordination.",
)
@click.option(
    "--resume",
    "resume_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Skip the targets a previous --format jsonl output FILE reports (a cut-off "
    "last line is ignored); with -o FILE the same file, new lines are appended.",
)
@click.option(
    "--resolve",
    "resolve_entries",
    metavar="HOST:PORT:ADDRESS",
    multiple=True,
    help="Connect to ADDRESS for HOST:PORT (as curl's --resolve; HOST * for any host).",
)
@click.option(
    "-H",
    "--header",
    "headers",
    metavar="'NAME: VALUE'",
    multiple=True,
    help="Send this header with every probe GET (e.g. Authorization for an authenticated "
    "audit); never with preflights, as browsers; redacted in reports.",
)
@click.option(
    "--cookie",
    metavar="STRING",
    help="Send this Cookie with every probe GET (instead of a dummy cookie); redacted in reports.",
)
@click.option(
    "--show-secrets",
    is_flag=True,
    help="Show --header and --cookie values in the reports' evidence (redacted by default).",
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0.01),
    metavar="N",
    help="At most N requests per second per registrable domain (default: no limit).",
)
@click.option(
    "--global-rate",
    type=click.FloatRange(min=0.01),
    metavar="N",
    help="At most N requests per second in all (default: no limit).",
)
@click.option(
    "--proxy",
    metavar="URL",
    help="Send every request through this http:// proxy (CONNECT for https targets), "
    "e.g. http://127.0.0.1:8080 for Burp or mitmproxy; user:password@ for Basic auth.",
)
@click.option("--seed", type=int, hidden=True, help="Fix the random attacker names (tests).")
@click.option("--no-progress", is_flag=True, help="Never show the progress bar.")
def command(
    urls: tuple[str, ...],
    targets_file: IO[bytes] | None,
    site: str | None,
    output_format: str,
    output: str | None,
    fail_on: str,
    concurrency: int,
    timeout: float,
    retries: int,
    shard: str | None,
    resume_file: str | None,
    resolve_entries: tuple[str, ...],
    headers: tuple[str, ...],
    cookie: str | None,
    show_secrets: bool,
    rate: float | None,
    global_rate: float | None,
    proxy: str | None,
    seed: int | None,
    no_progress: bool,
) -> ExitStatus:
    """Probe URLs for CORS misconfigurations, with the browser's verdicts.

    Each URL gets origin probes derived from its site (reflection, null,
    prefix, suffix, substring, unescaped dots, subdomains, http, special
    characters, public hosting, localhost), preflights, and checks of `*`,
    invalid values, Vary and private network access. Exit 0 clean, 1 findings
    at or above --fail-on, 2 errors. A target without a scheme is audited
    as https://. With --format jsonl, each target's line is written as soon
    as it is done, and --targets - is read as its lines arrive.
    """
    if not urls and targets_file is None:
        raise click.UsageError("give at least one URL, or --targets FILE")
    attacker = AttackerNames.generate(seed) if seed is not None else None
    selected = _parse_shard(shard)
    resolve = _parse_resolve(resolve_entries)
    header_pairs = [_parse_header(text) for text in headers]
    if proxy is not None:
        try:
            Proxy.parse(proxy)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--proxy") from None
    try:
        Scanner(headers=header_pairs, cookie=cookie)
    except ValueError as error:
        raise click.BadParameter(safe(str(error)), param_hint="--header/--cookie") from None
    try:
        scanner = Scanner(
            site=site,
            concurrency=concurrency,
            timeout=timeout,
            retries=retries,
            attacker=attacker,
            resolve=resolve,
            headers=header_pairs,
            cookie=cookie,
            show_secrets=show_secrets,
            rate=rate,
            global_rate=global_rate,
            proxy=proxy,
        )
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--site") from None
    reported, append = _load_resume(resume_file, output, output_format)
    lines = _TargetLines(urls, targets_file, selected, reported)
    out = _open_output(output, reported if append else None)
    color = out is sys.stdout and sys.stdout.isatty()
    writer = make_writer(output_format, out, color=color)
    try:
        _run(scanner, lines, writer, progress=not no_progress)
        if lines.read == 0:
            if lines.refused:
                return ExitStatus.ERROR
            raise click.UsageError("no URL to audit: the targets list is empty")
        # Targets left to other shards, or reported before: an empty run is a
        # complete one (exit 0, an empty report).
        writer.close()
    finally:
        if out is not sys.stdout:
            out.close()
    lines.say_assumed_https()
    if reported is not None:
        click.echo(
            f"crossorigin audit: {lines.resumed:,} target{'s' if lines.resumed != 1 else ''} "
            f"already reported in {safe(str(resume_file))} skipped",
            err=True,
        )
    if output is not None and output != "-":
        click.echo(
            f"crossorigin audit: {_summary_line(writer.tally)}; {output_format} report written "
            f"to {safe(output)}",
            err=True,
        )
    if lines.refused:
        return ExitStatus.ERROR
    return _status(writer.tally, None if fail_on == "never" else Severity(fail_on))


class _TargetLines:
    """The URLs to audit, from the arguments then `--targets`, one at a time;
    refused lines said on standard error as they come."""

    def __init__(
        self,
        urls: tuple[str, ...],
        targets_file: IO[bytes] | None,
        shard: Shard | None = None,
        reported: ReportedTargets | None = None,
    ) -> None:
        self._urls = urls
        self._file = targets_file
        self._shard = shard
        self._reported = reported
        #: URLs read, lines refused, bare hosts, URLs skipped as reported before.
        self.read = 0
        self.refused = 0
        self.assumed_https = 0
        self.resumed = 0
        self._first_assumed = ""

    def _refuse(self, error: str) -> None:
        self.refused += 1
        click.echo(f"crossorigin audit: {error} (skipped)", err=True)

    def _assume_https(self, line: str) -> None:
        if not self.assumed_https:
            self._first_assumed = line
        self.assumed_https += 1

    def __iter__(self) -> Iterator[str]:
        sources: list[tuple[Iterable[str | bytes], str]] = [(self._urls, "argument")]
        if self._file is not None:
            name = getattr(self._file, "name", "--targets")
            source = "--targets " + (name if isinstance(name, str) else "-")
            if source.endswith("<stdin>"):
                source = "--targets -"
            sources.append((bounded_lines(self._file), safe(source)))
        for lines, source in sources:
            for url in iter_targets(
                lines, source, on_error=self._refuse, on_assumed_https=self._assume_https
            ):
                self.read += 1
                if self._shard is not None and not self._shard.selects(url):
                    continue
                if self._reported is not None and url in self._reported:
                    self.resumed += 1
                    continue
                yield url

    def say_assumed_https(self) -> None:
        if self.assumed_https:
            count = self.assumed_https
            click.echo(
                f"crossorigin audit: {count} target{'s' if count != 1 else ''} without a "
                f"scheme audited as https:// (e.g. {clipped(self._first_assumed)}); write "
                "http:// to audit plain HTTP",
                err=True,
            )


def _parse_header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise click.BadParameter(
            "write headers as 'Name: value' (the value is not shown)", param_hint="-H"
        )
    return name.strip(), value.strip(" \t")


def _parse_shard(text: str | None) -> Shard | None:
    if text is None:
        return None
    try:
        return Shard.parse(text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--shard") from None


def _parse_resolve(entries: tuple[str, ...]) -> dict[tuple[str, int], str]:
    resolve: dict[tuple[str, int], str] = {}
    for entry in entries:
        host, _, rest = entry.partition(":")
        port, _, address = rest.partition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536 or not address:
            raise click.BadParameter(
                f"{safe(entry)!r}: write HOST:PORT:ADDRESS, e.g. api.example.com:443:127.0.0.1",
                param_hint="--resolve",
            )
        resolve[(host.lower(), int(port))] = address
    return resolve


def _load_resume(
    resume_file: str | None, output: str | None, output_format: str
) -> tuple[ReportedTargets | None, bool]:
    """The targets reported before, and whether the report is appended to
    the same file."""
    if resume_file is None:
        return None, False
    path = Path(resume_file)
    same = output is not None and output != "-" and Path(output).resolve() == path.resolve()
    if same and output_format != "jsonl":
        raise click.BadParameter(
            "only a --format jsonl report can be resumed into the same file",
            param_hint="--resume",
        )
    try:
        reported = ReportedTargets.load(path)
    except FileNotFoundError:
        click.echo(
            f"crossorigin audit: {safe(resume_file)} does not exist yet: nothing to skip", err=True
        )
        return ReportedTargets(), False
    except (OSError, ResumeError) as error:
        raise click.BadParameter(safe(str(error)), param_hint="--resume") from None
    return reported, same


def _open_output(output: str | None, append_to: ReportedTargets | None = None) -> IO[str]:
    """Standard output, or the file `output`; with `append_to`, the file
    `--resume` read, cut after its last complete line, to append to."""
    if output is None or output == "-":
        return sys.stdout
    try:
        if append_to is None:
            return open(output, "w", encoding="utf-8")
        file = open(output, "r+", encoding="utf-8")  # noqa: SIM115 (returned open)
        file.truncate(append_to.complete_bytes)
        file.seek(append_to.complete_bytes)
        if append_to.needs_newline:
            file.write("\n")
        return file
    except OSError as error:
        raise click.FileError(output, hint=error.strerror or str(error)) from None


def _summary_line(tally: Tally) -> str:
    by_severity = ", ".join(
        f"{tally.findings[severity]} {severity.value}"
        for severity in sorted(Severity, key=lambda s: -s.rank)
    )
    total = sum(tally.findings.values())
    return (
        f"{tally.targets} target{'s' if tally.targets != 1 else ''}, "
        f"{total} finding{'s' if total != 1 else ''} ({by_severity}), "
        f"{tally.errors} error{'s' if tally.errors != 1 else ''}"
    )


def _run(scanner: Scanner, lines: _TargetLines, writer: ReportWriter, *, progress: bool) -> None:
    """Audit every URL of `lines`, each report to `writer` as it is done."""
    show = progress and sys.stderr.isatty()
    advance: Callable[[], None] = lambda: None  # noqa: E731
    bar: Any = None
    if show:
        from rich.console import Console
        from rich.progress import Progress, TextColumn, TimeElapsedColumn

        bar = Progress(
            TextColumn("auditing: {task.completed:.0f} URLs done"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        task = bar.add_task("auditing", total=None)
        advance = lambda: bar.advance(task)  # noqa: E731

    async def audit_all() -> None:
        async for report in scanner.stream(read_in_background(lines)):
            writer.write(report)
            advance()

    if bar is None:
        asyncio.run(audit_all())
        return
    with bar:
        asyncio.run(audit_all())
