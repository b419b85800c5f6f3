"""`crossorigin explain FILE.har` / `crossorigin explain --error TEXT`.

Reads captured traffic (a HAR, optionally the console log) or one pasted
console line and says, per request, whether the browser allowed it, the rule,
the evidence and the fix (docs/explain.md). Everything read from the file is
printed through `terminal.safe()`; cookie, credential and token values are
`<hidden>` unless `--show-secrets`.

Exit status: OK (0) every request allowed, PROBLEMS (1) some blocked (or the
pasted line is a failure), ERROR (2) the file cannot be read or is not a HAR
(one line).
"""

from __future__ import annotations

import json
from typing import BinaryIO, cast

import click

from crossorigin.cli.options import output_format
from crossorigin.cli.status import ExitStatus
from crossorigin.explain.captured import (
    ExplainedRequest,
    console_failures,
    console_only,
    explain_error,
    explain_rebuilt,
    hide_secrets,
    match_console,
)
from crossorigin.explain.errors import BROWSER_NAMES
from crossorigin.explain.fixes import STACK_NAMES
from crossorigin.explain.har import MAX_HAR_BYTES, HarError, read_har, rebuild
from crossorigin.terminal import safe

__all__ = ["command"]

#: The console log read with --console, at most.
_MAX_CONSOLE_BYTES = 16 * 1024 * 1024


def _read(stream: BinaryIO, limit: int, what: str) -> bytes:
    name = safe(str(getattr(stream, "name", "-")))
    try:
        data = stream.read(limit + 1)
    except OSError as error:
        raise click.ClickException(f"{name}: cannot read: {error.strerror or error}") from None
    if len(data) > limit:
        raise click.ClickException(
            f"{name}: {what} larger than {limit // (1024 * 1024)} MiB; export fewer requests"
        )
    return data


def _text(result: ExplainedRequest) -> str:
    verdict = {True: "allowed", False: "BLOCKED", None: "unknown"}[result["allowed"]]
    head = f"{result['method']} {result['url']}".strip() or "(pasted line)"
    lines = [safe(f"{verdict}: {head}")]
    if result["page_origin"]:
        lines.append(safe(f"  page origin: {result['page_origin']}"))
    reason = result["reason"] or "-"
    lines.append(safe(f"  reason: {reason}   cause: {result['cause']}"))
    if result["not_cors"]:
        lines.append(safe(f"  not CORS: {result['not_cors']}"))
    if result["preflight"] not in ("not-needed", "unknown") or result["method"]:
        lines.append(f"  preflight: {result['preflight']}")
    lines.append(safe(f"  {result['summary']}"))
    if result["browser_reason"] and result["browser_reason"] != result["reason"]:
        lines.append(safe(f"  the browser said: {result['browser_reason']}"))
    if result["disagreement"]:
        lines.append(safe(f"  DISAGREEMENT: {result['disagreement']}"))
    for line in result["evidence"]:
        lines.append(safe(f"  evidence: {line}"))
    for note in result["notes"]:
        lines.append(safe(f"  note: {note}"))
    fixes = result["fix"] or {}
    if len(fixes) > 2 and "http" in fixes:
        # Stack unknown: the raw headers here; every stack's fix is in --format json.
        lines.append(
            "  (stack not detected: --format json has the fix for " + ", ".join(fixes) + ")"
        )
        fixes = {"http": fixes["http"]}
    for stack, fix in fixes.items():
        lines.append(f"  fix for {STACK_NAMES.get(stack, stack)}:")
        lines.extend(safe(f"    {line}") for line in fix.splitlines())
    return "\n".join(lines)


@click.command("explain")
@click.argument("har_file", type=click.File("rb"), required=False)
@click.option("--error", "error_text", help="A console line to explain instead of a HAR.")
@click.option("--console", "console_file", type=click.File("rb"), help="The console log.")
@click.option(
    "--browser",
    type=click.Choice(BROWSER_NAMES),
    default=None,
    help="Whose console wording to read (default: recognise any).",
)
@click.option("--show-secrets", is_flag=True, help="Print cookie and token values.")
@output_format("text", "json")
def command(
    har_file: BinaryIO | None,
    error_text: str | None,
    console_file: BinaryIO | None,
    browser: str | None,
    show_secrets: bool,
    output_format: str,
) -> ExitStatus:
    """Explain a HAR file's cross-origin requests, or a pasted console line: allowed or
    blocked, the rule, the evidence, and the fix, including failures that are not CORS."""
    if (har_file is None) == (error_text is None):
        raise click.ClickException("give a HAR file or --error TEXT (one of them)")
    if error_text is not None:
        results = [explain_error(error_text, browser=browser)]
    else:
        assert har_file is not None
        name = safe(str(getattr(har_file, "name", "-")))
        try:
            har = read_har(_read(har_file, MAX_HAR_BYTES, "HAR"), name)
        except HarError as error:
            raise click.ClickException(safe(str(error))) from None
        console = {}
        lines: list[str] = []
        if console_file is not None:
            text = _read(console_file, _MAX_CONSOLE_BYTES, "console log")
            lines = text.decode("utf-8", "replace").splitlines()
            console = match_console(lines, browser)
        rebuilt, unknown = rebuild(har, browser or "chromium", console_failures(console))
        results = [explain_rebuilt(item, console, show_secrets=show_secrets) for item in rebuilt]
        results += console_only(lines, (entry.url for entry in har.entries), browser)
        if unknown:
            click.echo(
                f"note: {unknown} request(s) skipped: the page's origin cannot be told "
                "(no Origin, page, initiator or Referer)",
                err=True,
            )
    if not show_secrets:
        results = [cast(ExplainedRequest, hide_secrets(result)) for result in results]
    if output_format == "json":
        click.echo(json.dumps({"requests": results}, indent=2))
    else:
        if not results:
            click.echo("No cross-origin request in the recording.")
        for result in results:
            click.echo(_text(result))
            click.echo()
    blocked = any(result["allowed"] is not True for result in results)
    return ExitStatus.PROBLEMS if blocked else ExitStatus.OK
