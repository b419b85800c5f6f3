"""The audit's three output formats: text for people, JSON for scripts, SARIF for CI.

- JSON, in a format kept stable across versions: `{"targets": [{"url", "findings": [{"class",
  "severity", "probe_origin", "credentials", "evidence": {"request",
  "response"}}], "errors"}]}`.
- SARIF 2.1.0 (OASIS): one run, one rule per finding class (all classes, so
  rule indexes are stable), one result per finding with its level (`error`
  for high, `warning` for medium, `note` below), the URL as the artifact
  location, and errors as tool execution notifications.
- Text: per URL, the findings worst first with the request and the response
  lines that prove each, then the errors; a summary line at the end. Every
  value that came from the network, a targets file or the command line (URLs,
  header values, error messages) goes through `crossorigin.terminal.safe`
  before it is styled, so a hostile `Vary` cannot erase a finding or forge a
  "no findings" line. JSON escapes control characters itself and SARIF is
  JSON: both keep the values exact.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Final

from crossorigin import __version__
from crossorigin.audit.findings import CLASSES, Exchange, Finding, Severity
from crossorigin.audit.scanner import TargetReport
from crossorigin.terminal import safe

__all__ = ["SARIF_SCHEMA", "render_json", "render_sarif", "render_text"]

SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"

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


def render_json(reports: Sequence[TargetReport]) -> str:
    return json.dumps({"targets": [report.to_json() for report in reports]}, indent=2)


def _rule_name(class_id: str) -> str:
    return "".join(part.capitalize() for part in class_id.split("-"))


def render_sarif(reports: Sequence[TargetReport]) -> str:
    class_ids = list(CLASSES)
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
    results = []
    notifications = []
    for report in reports:
        for finding in report.findings:
            results.append(
                {
                    "ruleId": finding.cls.id,
                    "ruleIndex": class_ids.index(finding.cls.id),
                    "level": _SARIF_LEVELS[finding.severity],
                    "message": {"text": _sarif_message(finding)},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": report.url}}}],
                    "properties": {
                        "severity": finding.severity.value,
                        "security-severity": _SECURITY_SEVERITY[finding.severity],
                        "probe_origin": finding.probe_origin,
                        "credentials": finding.credentials,
                        "evidence": finding.evidence.to_json(),
                    },
                }
            )
        for error in report.errors:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": error},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": report.url}}}],
                }
            )
    sarif = {
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
                "invocations": [
                    {
                        "executionSuccessful": not notifications,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2)


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


def render_text(reports: Sequence[TargetReport], *, color: bool = False) -> str:
    lines: list[str] = []
    for report in reports:
        site = f" (as {report.site})" if report.site and report.site not in report.url else ""
        lines.append(_styled(safe(f"{report.url}{site}"), "bold", color))
        findings = sorted(report.findings, key=lambda finding: -finding.severity.rank)
        if not findings and not report.errors:
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
                _styled(f"         {line}", "dim", color)
                for line in _evidence_lines(finding.evidence)
            )
        for note in report.notes:
            lines.append(_styled(f"  note: {safe(note)}", "dim", color))
        for error in report.errors:
            lines.append(_styled(f"  ERROR  {safe(error)}", "high", color))
    lines.append(_summary(reports))
    return "\n".join(lines)


def _summary(reports: Sequence[TargetReport]) -> str:
    counts = Counter(finding.severity for report in reports for finding in report.findings)
    errors = sum(len(report.errors) for report in reports)
    total = sum(counts.values())
    parts = ", ".join(
        f"{counts[severity]} {severity.value}"
        for severity in sorted(Severity, key=lambda s: -s.rank)
        if counts[severity]
    )
    urls = len(reports)
    text = f"{urls} URL{'s' if urls != 1 else ''}: {total} finding{'s' if total != 1 else ''}"
    if parts:
        text += f" ({parts})"
    if errors:
        text += f", {errors} error{'s' if errors != 1 else ''}"
    return text
