"""The shape of `crossorigin audit --format json`, as types.

`render_json` (reports.py) writes `{"targets": [TargetReport.to_json(),
...]}`, and `--format jsonl` one `TargetReport.to_json()` per line; these
TypedDicts name every key of that object, field by field as
docs/output-formats.md documents them, and tests/tools/test_output_formats.py
checks real audit output against them, so the code, the types and the page
cannot drift apart. The SARIF format follows SARIF 2.1.0 and is not
described here.
"""

from __future__ import annotations

from typing import TypedDict

__all__ = [
    "AuditEvidence",
    "AuditFinding",
    "AuditHit",
    "AuditReport",
    "AuditRequest",
    "AuditResponse",
    "AuditTarget",
]


class AuditRequest(TypedDict):
    method: str
    url: str
    headers: list[list[str]]  # [name, value] pairs, as sent


class AuditResponse(TypedDict):
    status: int
    headers: list[list[str]]  # [name, value] pairs, as received


class AuditEvidence(TypedDict):
    request: AuditRequest
    response: AuditResponse


#: `class` is a Python keyword, hence the functional form. One hit of a
#: misconfiguration: a probe, its class and severity, its exchange.
AuditHit = TypedDict(
    "AuditHit",
    {
        "class": str,
        "severity": str,  # "high", "medium", "low" or "info"
        "probe_origin": str | None,
        "credentials": bool,
        "evidence": AuditEvidence,
    },
)


#: One misconfiguration: its strongest hit's fields (severity and
#: credentials the worst of the group), and the other hits it explains.
AuditFinding = TypedDict(
    "AuditFinding",
    {
        "class": str,
        "severity": str,
        "probe_origin": str | None,
        "credentials": bool,
        "evidence": AuditEvidence,
        "also": list[AuditHit],
    },
)


class AuditTarget(TypedDict):
    """Also one line of `--format jsonl`."""

    url: str
    findings: list[AuditFinding]
    errors: list[str]
    notes: list[str]


class AuditReport(TypedDict):
    targets: list[AuditTarget]
