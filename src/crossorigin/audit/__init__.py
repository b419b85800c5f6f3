"""`crossorigin audit`: probe live URLs for CORS misconfigurations.

`findings` names the classes and ranks severity, `probes` derives the origins
to send from the target's site, `judge` turns each answer into findings by
asking the browser model what a page on each origin could do (pure: no I/O),
`scanner` schedules and sends the requests over `transport` and `http1`,
`reports` writes text, JSON and SARIF, `targets` reads target lists; the
command is `crossorigin.cli.audit`.
"""

from crossorigin.audit.findings import (
    CLASSES,
    Access,
    Exchange,
    Finding,
    FindingClass,
    Reach,
    Severity,
)
from crossorigin.audit.probes import AttackerNames, Probe, Site, derive_probes
from crossorigin.audit.reports import render_json, render_sarif, render_text
from crossorigin.audit.scanner import Scanner, TargetReport, audit

__all__ = [
    "CLASSES",
    "Access",
    "AttackerNames",
    "Exchange",
    "Finding",
    "FindingClass",
    "Probe",
    "Reach",
    "Scanner",
    "Severity",
    "Site",
    "TargetReport",
    "audit",
    "derive_probes",
    "render_json",
    "render_sarif",
    "render_text",
]
