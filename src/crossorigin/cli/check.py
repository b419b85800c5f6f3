"""`crossorigin check URL --origin O`: what a browser on O gets from URL, and why.

The live exchange and its report are `crossorigin.check`; the words and the
fixes are `crossorigin.explain`. This module reads the arguments and prints:
JSON (`crossorigin.check.CheckReport`) or text for a terminal. Every value
shown in the terminal (header names and values, URLs from `Location`, the
explanation that quotes them) passes through `crossorigin.terminal.safe`
before rich's markup escaping, so a crafted header cannot move the cursor,
erase a line or retitle the window.

`--browser chromium|firefox|webkit` picks the engine whose verdict is shown
(default chromium); `--browser all` checks as each engine in turn (each
sends its own requests), prints one report per engine and a line saying
whether they agree, and if not where they differ and why (JSON:
`{"browsers": {engine: report}, "engines": line}`).

Exit status: OK (0) allowed (by every engine asked), PROBLEMS (1) blocked,
ERROR (2) bad arguments, a URL without a scheme, connection refused, timeout.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Final

import click

from crossorigin.browser import Trace
from crossorigin.browser.compare import summary
from crossorigin.browser.engines import BROWSERS
from crossorigin.check import (
    BodyRead,
    CheckError,
    CheckReport,
    HttpxTransport,
    parse_header,
    run_check,
)
from crossorigin.check import report as check_report
from crossorigin.cli.options import output_format
from crossorigin.cli.status import ExitStatus
from crossorigin.explain import STACK_NAMES, STACKS
from crossorigin.terminal import safe

__all__ = ["command", "print_text"]

MAX_SHOWN_HEADERS: Final = 40
#: The language of each stack's fix, for syntax highlighting on a terminal.
_LANGUAGE: Final = {"express": "javascript", "nginx": "nginx", "http": "text"}


def _shown(value: str) -> str:
    """A value from the network (or the command line) as rich markup: control
    characters made visible first, then the markup's own brackets escaped."""
    from rich.markup import escape

    return escape(safe(value))


def _shown_lines(text: str) -> str:
    """Multi-line text we composed (a fix, an explanation) whose lines may
    quote network values: each line made safe, the line breaks kept."""
    return "\n".join(safe(line) for line in text.split("\n"))


def _shown_code(text: str) -> str:
    """A fix to paste: its backslashes are code (a regex, a string escape), so
    a line is shown as written when it is all printable, and escaped by
    `safe` only when it is not (the writers quote every value, so that takes
    a hostile value the quoting missed)."""
    return "\n".join(line if line.isprintable() else safe(line) for line in text.split("\n"))


def _body_line(read: BodyRead) -> str | None:
    if read.stopped == "size":
        return (
            f"   [dim]< body: stopped reading after {read.bytes_read:,} bytes (the verdict "
            "needs the headers only)[/]"
        )
    if read.stopped == "time":
        return (
            f"   [dim]< body: stopped reading after {read.bytes_read:,} bytes at the time "
            "limit (the verdict needs the headers only)[/]"
        )
    if read.stopped == "error":
        return f"   [dim]< body: broke off after {read.bytes_read:,} bytes[/]"
    return None


def print_text(trace: Trace, data: CheckReport, bodies: Sequence[BodyRead] = ()) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.syntax import Syntax

    console = Console(file=sys.stdout, highlight=False, soft_wrap=True)
    outcome = data["outcome"]
    credentials = " with credentials" if trace.request.credentials == "include" else ""
    console.print(
        f"[bold]crossorigin check[/]  {_shown(trace.request.method)} {_shown(trace.request.url)}"
        f"  from [cyan]{_shown(trace.request.page_origin)}[/]{credentials}"
    )
    if not trace.exchanges:
        console.print("  (nothing was sent)")
    for number, exchange in enumerate(trace.exchanges, 1):
        title = "Preflight" if exchange.kind == "preflight" else "Request"
        console.print(
            f"\n[bold]{number}. {title}[/]  {_shown(exchange.method)} {_shown(exchange.url)}"
        )
        for name, value in exchange.request_headers:
            console.print(f"   [dim]>[/] {_shown(name)}: {_shown(value)}")
        style = "green" if 200 <= exchange.response.status < 400 else "red"
        console.print(f"   [dim]<[/] [{style}]{exchange.response.status}[/]")
        shown = exchange.response.headers[:MAX_SHOWN_HEADERS]
        for name, value in shown:
            accent = "yellow" if name.lower().startswith("access-control-") else "default"
            console.print(f"   [dim]<[/] [{accent}]{_shown(name)}[/]: {_shown(value)}")
        hidden = len(exchange.response.headers) - len(shown)
        if hidden > 0:
            console.print(f"   [dim]< ... {hidden} more headers[/]")
        body_line = _body_line(bodies[number - 1]) if number <= len(bodies) else None
        if body_line:
            console.print(body_line)
    if outcome["allowed"]:
        console.print("\n[bold green]ALLOWED[/]")
    else:
        where = f" at the {outcome['failed_at']}" if outcome["failed_at"] else ""
        reason = f" ({outcome['reason']})" if outcome["reason"] else ""
        console.print(f"\n[bold red]BLOCKED[/]{_shown(where)}{_shown(reason)}")
        if outcome["console"]:
            console.print(f"[dim]Console:[/] {_shown(outcome['console'])}")
        elif outcome.get("error"):
            console.print(f"[dim]Error:[/] {_shown(outcome['error'])}")
    for name, value in outcome["readable_headers"].items():
        console.print(f"[dim]page reads[/] {_shown(name)}: {_shown(repr(value))}")
    explanation = data["explanation"]
    console.print(f"\n[bold]Why:[/] {escape(_shown_lines(explanation['summary']))}")
    for note in explanation["notes"]:
        console.print(f"[bold]Note:[/] {escape(_shown_lines(note))}")
    fixes: dict[str, str] = explanation["fix_by_stack"]
    if fixes:
        chosen = data["stack"]["fix_shown_for"]
        if chosen:
            detected = data["stack"]["evidence"]
            because = f" (detected from {detected})" if detected else ""
            console.print(f"\n[bold]Fix for {STACK_NAMES[chosen]}[/]{_shown(because)}:")
            language = _LANGUAGE.get(chosen, "python")
            code = _shown_code(fixes[chosen])
            if console.is_terminal:
                console.print(Syntax(code, language, theme="ansi_dark", word_wrap=True))
            else:
                console.print(escape(code))
        else:
            console.print("\n[bold]Fix[/] (server stack not recognised; the headers to send):")
            console.print(escape(_shown_code(fixes["http"])))
        others = [stack for stack in STACKS if stack != (chosen or "http")]
        console.print(
            f"[dim]Fixes for {', '.join(others)}: --stack NAME, or all of them with "
            "--format json.[/]"
        )


@click.command("check")
@click.argument("url")
@click.option("--origin", required=True, help="The page's origin, e.g. http://localhost:3000.")
@click.option("--method", "-X", default="GET", show_default=True, help="The request method.")
@click.option("-H", "--header", "headers", multiple=True, help="A request header 'Name: value'.")
@click.option("--credentials", is_flag=True, help="As fetch(..., {credentials: 'include'}).")
@click.option("--read", "read_headers", multiple=True, help="A response header the page reads.")
@click.option("-d", "--data", default=None, help="A request body to send with the request.")
@output_format("text", "json")
@click.option(
    "--stack", type=click.Choice(STACKS), default=None, help="Show the fix for this stack."
)
@click.option("--spec", is_flag=True, help="Follow the Fetch standard where Chromium departs.")
@click.option(
    "--browser",
    type=click.Choice([*BROWSERS, "all"]),
    default="chromium",
    show_default=True,
    help="The engine to act as; all: each in turn, and where they differ.",
)
@click.option("--timeout", type=click.FloatRange(0.1, 300), default=10.0, show_default=True)
def command(
    url: str,
    origin: str,
    method: str,
    headers: tuple[str, ...],
    credentials: bool,
    read_headers: tuple[str, ...],
    data: str | None,
    output_format: str,
    stack: str | None,
    spec: bool,
    browser: str,
    timeout: float,
) -> ExitStatus:
    """Send what a browser on ORIGIN would send to URL, and explain its verdict.

    Response bodies are not needed for the verdict: at most 64 KiB of each is
    read, raw (never decompressed)."""
    engines = list(BROWSERS) if browser == "all" else [browser]
    results: dict[str, tuple[Trace, CheckReport, Sequence[BodyRead]]] = {}
    for engine in engines:
        transport = HttpxTransport(
            timeout=timeout,
            body=data.encode("utf-8", "surrogateescape") if data is not None else None,
        )
        try:
            trace = run_check(
                url,
                origin=origin,
                method=method,
                headers=[parse_header(text) for text in headers],
                credentials=credentials,
                read_headers=read_headers,
                spec=spec,
                timeout=timeout,
                transport=transport,
                browser=engine,
            )
        except CheckError as error:
            click.echo(f"crossorigin check: {safe(str(error))}", err=True)
            return ExitStatus.ERROR
        finally:
            transport.close()
        report = check_report(trace, stack=stack, bodies=transport.bodies)
        results[engine] = (trace, report, transport.bodies)
    allowed = all(trace.allowed for trace, _, _ in results.values())
    if len(engines) == 1:
        trace, data_out, bodies = results[engines[0]]
        if output_format == "json":
            click.echo(json.dumps(data_out, indent=2))
        else:
            print_text(trace, data_out, bodies)
        return ExitStatus.OK if allowed else ExitStatus.PROBLEMS
    outcomes = {engine: trace.outcome() for engine, (trace, _, _) in results.items()}
    line = summary({"request": {"headers": [parse_header(text) for text in headers]}}, outcomes)
    if output_format == "json":
        reports = {engine: report for engine, (_, report, _) in results.items()}
        click.echo(json.dumps({"browsers": reports, "engines": line}, indent=2))
    else:
        for engine, (trace, data_out, bodies) in results.items():
            click.echo(f"== {engine} ==")
            print_text(trace, data_out, bodies)
            click.echo()
        click.echo(safe(line))
    return ExitStatus.OK if allowed else ExitStatus.PROBLEMS
