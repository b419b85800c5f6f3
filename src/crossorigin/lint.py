"""What `crossorigin lint` reports about a policy file, as data.

`lint_file` validates the TOML file (through `Policy.from_toml`, the one
validator) and returns its problems and remarks; `lint_report` is the JSON
object `crossorigin lint --format json` prints, typed by `LintReport` and
documented field by field in docs/output-formats.md. The command itself
(text output, exit status) is `crossorigin.cli.lint`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TypedDict

from crossorigin.policy import ConfigError, Issue, Policy, PolicyFileError, shown_value

__all__ = ["LintIssue", "LintReport", "lint_file", "lint_report"]

#: What a JSON `value` may be: the file's own value when JSON holds it as it
#: is, else the short text `shown_value` gives.
JSONValue = str | int | float | bool | list[str] | None


class LintIssue(TypedDict):
    """One problem or note. `code` is an `IssueCode` value."""

    code: str
    value: JSONValue
    message: str


class LintReport(TypedDict):
    file: str
    valid: bool
    problems: list[LintIssue]
    notes: list[LintIssue]


def lint_file(path: Path) -> tuple[list[Issue], list[Issue]]:
    """(problems, remarks) of the policy in a TOML file; raises PolicyFileError
    when the file cannot be read as text."""
    try:
        policy = Policy.from_toml(path)
    except PolicyFileError:
        raise
    except ConfigError as error:
        return error.issues, []
    return [], list(policy.notes)


def _json_value(value: object) -> JSONValue:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        # TOML has inf and nan; JSON does not (json.dumps would write Infinity).
        return value if math.isfinite(value) else shown_value(value)
    if isinstance(value, int):
        # Beyond what JSON readers hold exactly, and possibly beyond what
        # Python will print in decimal.
        return shown_value(value) if value.bit_length() > 53 else value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return shown_value(value)  # nested or mixed lists, tables, dates from a hostile file


def lint_issue(issue: Issue) -> LintIssue:
    return {"code": str(issue.code), "value": _json_value(issue.value), "message": issue.message}


def lint_report(path: Path, problems: list[Issue], remarks: list[Issue]) -> LintReport:
    return {
        "file": str(path),
        "valid": not problems,
        "problems": [lint_issue(issue) for issue in problems],
        "notes": [lint_issue(issue) for issue in remarks],
    }
