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

__all__ = [
    "ENGINE_NOTE_CODES",
    "LintIssue",
    "LintReport",
    "engine_notes",
    "lint_file",
    "lint_report",
]

#: The longest preflight cache each engine honours, in seconds (measured;
#: crossorigin.browser.engines): Chromium 7200, Firefox 86400, WebKit 600.
_SAFARI_MAX_AGE = 600
#: Codes of the notes about how browsers other than Chromium treat a policy.
ENGINE_NOTE_CODES = ("max-age-over-safari-cap", "credentials-third-party-cookies")

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
    return [], [*policy.notes, *engine_notes(policy)]


def engine_notes(policy: Policy) -> list[Issue]:
    """Notes on what a valid policy does in Safari and Firefox that it does
    not do in Chromium: a `max_age` above 600 s is cut to 600 by WebKit;
    with credentials, cross-site requests
    reach the server without the user's cookie in Safari (third-party
    cookies blocked) and in Firefox (cookies partitioned by top-level site),
    although the CORS check passes."""
    notes: list[Issue] = []
    if policy.max_age is not None and policy.max_age > _SAFARI_MAX_AGE:
        # Chromium's own cap has its note in Policy.notes (max-age-above-chromium-cap).
        notes.append(
            Issue(
                ENGINE_NOTE_CODES[0],
                policy.max_age,
                f"not honoured in full by Safari: WebKit caches a preflight for at most "
                f"{_SAFARI_MAX_AGE} s (Firefox up to 86400 s), so Safari users send it again "
                "every 10 minutes",
            )
        )
    if policy.credentials:
        notes.append(
            Issue(
                ENGINE_NOTE_CODES[1],
                "credentials = true",
                "a credentialed request from another site can pass CORS and still arrive "
                "without the user's cookie: Safari blocks third-party cookies and Firefox "
                "partitions them by the top-level site; keep the API on the same site as the "
                "page, or authenticate with a token in a header",
            )
        )
    return notes


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
