"""The audit's output formats: text for people, JSON and JSON Lines for scripts, SARIF for CI.

Every format is a `ReportWriter` fed one `TargetReport` at a time, as the
scanner finishes each (`write`), then closed (`close`, which writes what
comes after the last target). The writers hold no report once written, so
an audit of 100,000 URLs needs the memory of the targets in flight, whatever
the format:

- JSON Lines (`--format jsonl`): one `AuditTarget` object per line, the same
  object as in `targets` of the JSON format, flushed as each target is done
  (completion order): a reader can follow the run, and `--resume` can tell
  which targets a cut-off run already reported.
- JSON, in a format kept stable across versions: `{"targets": [{"url",
  "findings": [{"class", "severity", "probe_origin", "credentials",
  "evidence": {"request", "response"}, "also"}], "errors", "notes"}]}`,
  written incrementally in the order the URLs were given: a target done
  ahead of an earlier one waits in a small reorder buffer.
- SARIF 2.1.0 (OASIS): one run, one rule per finding class (all classes, so
  rule indexes are stable), one result per finding with its level (`error`
  for high, `warning` for medium, `note` below), the URL as the artifact
  location, and errors as tool execution notifications. Results are written
  as they come; errors are spooled to a temporary file and copied after the
  results (SARIF puts them in `invocations`), so neither is held in memory.
- Text: per URL as it finishes, the findings worst first with the request
  and the response lines that prove each, then notes and errors; a summary
  line at the end. Every value that came from the network, a targets file
  or the command line (URLs, header values, error messages) goes through
  `crossorigin.terminal.safe` before it is styled, so a hostile `Vary`
  cannot erase a finding or forge a "no findings" line. JSON escapes control
  characters itself and SARIF is JSON: both keep the values exact.

`Tally` counts what went by (findings per severity, errors, notes): the
summary lines and the exit status come from it, not from the reports.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Final, Protocol

from crossorigin import __version__
from crossorigin.audit.findings import CLASSES, Exchange, Finding, Severity
from crossorigin.audit.scanner import TargetReport
from crossorigin.terminal import safe

__all__ = [
    "FORMATS",
    "SARIF_SCHEMA",
    "JsonLinesWriter",
    "JsonWriter",
    "ReportWriter",
    "SarifWriter",
    "Tally",
    "TextWriter",
    "make_writer",
    "render_json",
    "render_sarif",
    "render_text",
]

SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
#: The `--format` values, the default first.
FORMATS: Final = ("text", "json", "jsonl", "sarif")

_SARIF_LEVELS: Final = {
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
#: GitHub code scanning reads `security-severity` (0.0-10.0) to rank results.
_SECURITY_SEVERITY: Final = {
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.0",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
#: Response headers worth showing as evidence in text.
_EVIDENCE_HEADERS: Final = frozenset(
    {
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-allow-private-network",
        "vary",
        "cache-control",
        "location",
    }
)
_REQUEST_HEADERS: Final = frozenset(
    {
        "origin",
        "cookie",
        "access-control-request-method",
        "access-control-request-headers",
        "access-control-request-private-network",
    }
)


@dataclass
class Tally:
    """What the reports written so far add up to."""

    targets: int = 0
    findings: Counter[Severity] = field(default_factory=Counter)
    errors: int = 0
    notes: int = 0
    #: Targets with errors (an incomplete audit).
    incomplete: int = 0

    def add(self, report: TargetReport) -> None:
        self.targets += 1
        self.findings.update(finding.severity for finding in report.findings)
        self.errors += len(report.errors)
        self.notes += len(report.notes)
        self.incomplete += bool(report.errors)

    @property
    def worst(self) -> Severity | None:
        return max(self.findings, default=None)

    def summary(self) -> str:
        """`3 URLs: 2 findings (1 high, 1 low), 1 error`."""
        total = sum(self.findings.values())
        parts = ", ".join(
            f"{self.findings[severity]} {severity.value}"
            for severity in sorted(Severity, key=lambda s: -s.rank)
            if self.findings[severity]
        )
        urls = self.targets
        text = f"{urls} URL{'s' if urls != 1 else ''}: {total} finding{'s' if total != 1 else ''}"
        if parts:
            text += f" ({parts})"
        if self.errors:
            text += f", {self.errors} error{'s' if self.errors != 1 else ''}"
        return text


class ReportWriter(Protocol):
    """One output format: `write` each report as it is done, then `close`."""

    tally: Tally

    def write(self, report: TargetReport) -> None: ...

    def close(self) -> None: ...


class JsonLinesWriter:
    """One `AuditTarget` per line, flushed at once."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self.tally = Tally()

    def write(self, report: TargetReport) -> None:
        self.tally.add(report)
        self._out.write(json.dumps(report.to_json(), separators=(",", ":")) + "\n")
        self._out.flush()

    def close(self) -> None:
        self._out.flush()


class JsonWriter:
    """`{"targets": [...]}`, indented as `json.dumps(indent=2)` would, in
    the order of `TargetReport.index` (indexes 0, 1, 2... each once)."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self.tally = Tally()
        self._next = 0
        self._held: dict[int, TargetReport] = {}

    def write(self, report: TargetReport) -> None:
        self.tally.add(report)
        self._held[report.index] = report
        while self._next in self._held:
            self._emit(self._held.pop(self._next))

    def _emit(self, report: TargetReport) -> None:
        text = json.dumps(report.to_json(), indent=2).replace("\n", "\n    ")
        self._out.write(('{\n  "targets": [\n    ' if self._next == 0 else ",\n    ") + text)
        self._next += 1

    def close(self) -> None:
        for index in sorted(self._held):  # indexes never seen: keep what came
            self._emit(self._held.pop(index))
        self._out.write('{\n  "targets": []\n}\n' if self._next == 0 else "\n  ]\n}\n")
        self._out.flush()


class SarifWriter:
    """SARIF 2.1.0, results written as they come (see the module's doc)."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self.tally = Tally()
        self._results = 0
        # Closed by close(): the writer outlives any `with` block here.
        self._notifications: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self._notified = 0
        self._opened = False

    def _open(self) -> None:
        # Everything up to the results array; close() writes the rest.
        if not self._opened:
            document = json.dumps(_sarif_document([]), indent=2)
            self._out.write(document.partition('"results": []')[0] + '"results": [')
            self._opened = True

    def write(self, report: TargetReport) -> None:
        self._open()
        self.tally.add(report)
        for finding in report.findings:
            text = json.dumps(_sarif_result(report, finding), indent=2)
            self._out.write(("\n" if not self._results else ",\n") + _indent(text, 8))
            self._results += 1
        for error in report.errors:
            notification = {
                "level": "error",
                "message": {"text": error},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": report.url}}}],
            }
            self._notifications.write(json.dumps(notification) + "\n")
            self._notified += 1

    def close(self) -> None:
        self._open()
        out = self._out
        out.write("\n      ]," if self._results else "],")
        successful = "false" if self._notified else "true"
        out.write(
            '\n      "invocations": [\n        {\n'
            f'          "executionSuccessful": {successful},\n'
            '          "toolExecutionNotifications": ['
        )
        self._notifications.seek(0)
        for number, line in enumerate(self._notifications):
            out.write(("\n" if number == 0 else ",\n") + " " * 12 + line.rstrip("\n"))
        self._notifications.close()
        out.write("\n          ]" if self._notified else "]")
        out.write("\n        }\n      ]\n    }\n  ]\n}\n")
        out.flush()


class TextWriter:
    """Per URL as it is done, then the summary line."""

    def __init__(self, out: IO[str], *, color: bool = False) -> None:
        self._out = out
        self._color = color
        self.tally = Tally()

    def write(self, report: TargetReport) -> None:
        self.tally.add(report)
        self._out.write("\n".join(_text_lines(report, self._color)) + "\n")
        self._out.flush()

    def close(self) -> None:
        self._out.write(self.tally.summary() + "\n")
        self._out.flush()


def make_writer(output_format: str, out: IO[str], *, color: bool = False) -> ReportWriter:
    """The writer of one of `FORMATS`."""
    if output_format == "json":
        return JsonWriter(out)
    if output_format == "jsonl":
        return JsonLinesWriter(out)
    if output_format == "sarif":
        return SarifWriter(out)
    if output_format == "text":
        return TextWriter(out, color=color)
    raise ValueError(f"unknown audit format {output_format!r}")


def _rendered(
    writer_type: type[JsonWriter] | type[SarifWriter], reports: Iterable[TargetReport]
) -> str:
    out = io.StringIO()
    writer = writer_type(out)
    for index, report in enumerate(reports):
        report.index = index
        writer.write(report)
    writer.close()
    return out.getvalue().rstrip("\n")


def render_json(reports: Iterable[TargetReport]) -> str:
    """The JSON document of `reports`, in their order."""
    return _rendered(JsonWriter, reports)


def render_sarif(reports: Iterable[TargetReport]) -> str:
    return _rendered(SarifWriter, reports)


def render_text(reports: Iterable[TargetReport], *, color: bool = False) -> str:
    out = io.StringIO()
    writer = TextWriter(out, color=color)
    for report in reports:
        writer.write(report)
    writer.close()
    return out.getvalue().rstrip("\n")


def _indent(text: str, spaces: int) -> str:
    return " " * spaces + text.replace("\n", "\n" + " " * spaces)


def _rule_name(class_id: str) -> str:
    return "".join(part.capitalize() for part in class_id.split("-"))


def _sarif_document(results: list[dict[str, object]]) -> dict[str, object]:
    rules = [
        {
            "id": cls.id,
            "name": _rule_name(cls.id),
            "shortDescription": {"text": cls.title},
            "fullDescription": {"text": cls.description},
            "help": {"text": cls.remediation},
            "properties": {"tags": ["security", "cors"]},
        }
        for cls in CLASSES.values()
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "crossorigin",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


_CLASS_INDEX: Final = {class_id: index for index, class_id in enumerate(CLASSES)}


def _sarif_result(report: TargetReport, finding: Finding) -> dict[str, object]:
    return {
        "ruleId": finding.cls.id,
        "ruleIndex": _CLASS_INDEX[finding.cls.id],
        "level": _SARIF_LEVELS[finding.severity],
        "message": {"text": _sarif_message(finding)},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": report.url}}}],
        "properties": {
            "severity": finding.severity.value,
            "security-severity": _SECURITY_SEVERITY[finding.severity],
            "probe_origin": finding.probe_origin,
            "credentials": finding.credentials,
            "evidence": finding.evidence.to_json(),
            "also": finding.to_json()["also"],
        },
    }


def _sarif_message(finding: Finding) -> str:
    origin = f" for Origin {finding.probe_origin}" if finding.probe_origin else ""
    return f"{finding.cls.title}{origin}. {finding.detail}".strip()


def _styled(text: str, style: str, color: bool) -> str:
    if not color:
        return text
    codes = {"high": "1;31", "medium": "33", "low": "36", "info": "2", "bold": "1", "dim": "2"}
    return f"\x1b[{codes[style]}m{text}\x1b[0m"


def _evidence_lines(exchange: Exchange) -> list[str]:
    sent = [
        f"{name}: {value}"
        for name, value in exchange.request_headers
        if name.lower() in _REQUEST_HEADERS
    ]
    received = [
        f"{name}: {value}"
        for name, value in exchange.response_headers
        if name.lower() in _EVIDENCE_HEADERS
    ]
    return [
        safe(f"> {exchange.method} {exchange.url}" + (f"  {'; '.join(sent)}" if sent else "")),
        safe(
            f"< {exchange.status}"
            + (f"  {'; '.join(received)}" if received else "  (no CORS headers)")
        ),
    ]


def _text_lines(report: TargetReport, color: bool) -> list[str]:
    lines: list[str] = []
    site = f" (as {report.site})" if report.site and report.site not in report.url else ""
    lines.append(_styled(safe(f"{report.url}{site}"), "bold", color))
    findings = sorted(report.findings, key=lambda finding: -finding.severity.rank)
    if not findings and not report.errors and not report.notes:
        lines.append("  no findings")
    for finding in findings:
        label = finding.severity.value.upper().ljust(6)
        credentials = "with credentials" if finding.credentials else "no credentials"
        origin = finding.probe_origin if finding.probe_origin is not None else "(none)"
        lines.append(
            f"  {_styled(label, finding.severity.value, color)} {finding.cls.id}  "
            f"Origin: {safe(origin)}  [{credentials}]"
        )
        if finding.detail:
            lines.append(f"         {safe(finding.detail)}")
        lines.extend(
            _styled(f"         {line}", "dim", color) for line in _evidence_lines(finding.evidence)
        )
        for hit in finding.also:
            origin = hit.probe_origin if hit.probe_origin is not None else "(none)"
            lines.append(
                _styled(
                    f"         also {hit.cls.id}  Origin: {safe(origin)}  ({hit.severity.value})",
                    "dim",
                    color,
                )
            )
    if not findings and not report.errors and report.notes:
        lines.append("  no findings, but read the notes:")
    for note in report.notes:
        lines.append(_styled(f"  note: {safe(note)}", "dim", color))
    for error in report.errors:
        lines.append(_styled(f"  ERROR  {safe(error)}", "high", color))
    return lines
