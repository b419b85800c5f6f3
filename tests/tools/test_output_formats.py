"""The JSON of `lint`, `check` and `audit`: real output against the TypedDicts,
and the TypedDicts against docs/output-formats.md.

Two directions, so nothing drifts: every object a command prints has exactly
the keys of its type (required ones present, no undeclared ones) with values
of the declared types; and every type's fields are exactly the rows of its
table in the docs.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crossorigin.audit.json_format import (
    AuditEvidence,
    AuditFinding,
    AuditHit,
    AuditReport,
    AuditRequest,
    AuditResponse,
    AuditTarget,
)
from crossorigin.check import CheckExchange, CheckExplanation, CheckReport, CheckRequest, CheckStack
from crossorigin.cli import main
from crossorigin.lint import LintIssue, LintReport
from servers.broken_server import running_broken_server

DOCS = Path(__file__).resolve().parents[2] / "docs" / "output-formats.md"
PAGE = "http://127.0.0.1:3000"
DOCUMENTED = [
    LintReport,
    LintIssue,
    CheckReport,
    CheckRequest,
    CheckExchange,
    CheckStack,
    CheckExplanation,
    AuditReport,
    AuditTarget,
    AuditFinding,
    AuditHit,
    AuditEvidence,
    AuditRequest,
    AuditResponse,
]


def _is_typed_dict(kind: object) -> bool:
    return isinstance(kind, type) and issubclass(kind, dict) and hasattr(kind, "__required_keys__")


def conforms(value: Any, kind: Any, where: str = "$") -> Iterator[str]:
    """Every way `value` departs from the type `kind` (empty when it conforms)."""
    if kind is Any:
        return
    if _is_typed_dict(kind):
        if not isinstance(value, dict):
            yield f"{where}: {type(value).__name__}, not an object ({kind.__name__})"
            return
        hints = typing.get_type_hints(kind)
        for key in sorted(kind.__required_keys__ - value.keys()):
            yield f"{where}: missing {key!r} ({kind.__name__})"
        for key in sorted(value.keys() - hints.keys()):
            yield f"{where}: undeclared {key!r} ({kind.__name__})"
        for key in value.keys() & hints.keys():
            yield from conforms(value[key], hints[key], f"{where}.{key}")
        return
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        failures = [list(conforms(value, option, where)) for option in arguments]
        if all(failures):
            yield f"{where}: {value!r} is none of {kind}"
        return
    if origin is list:
        if not isinstance(value, list):
            yield f"{where}: {type(value).__name__}, not a list"
            return
        for index, item in enumerate(value):
            yield from conforms(item, arguments[0], f"{where}[{index}]")
        return
    if origin is dict:
        if not isinstance(value, dict):
            yield f"{where}: {type(value).__name__}, not an object"
            return
        for key, item in value.items():
            yield from conforms(key, arguments[0], f"{where} key")
            yield from conforms(item, arguments[1], f"{where}.{key}")
        return
    if kind is type(None):
        if value is not None:
            yield f"{where}: {value!r} is not null"
    elif kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            yield f"{where}: {value!r} is not a number"
    elif (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        yield f"{where}: {value!r} is not {kind.__name__}"


def assert_conforms(value: Any, kind: Any) -> None:
    problems = list(conforms(value, kind))
    assert not problems, problems


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code = main(list(argv))
    assert code in (0, 1), capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


# --- the checker itself ----------------------------------------------------------------


def test_the_checker_sees_missing_undeclared_and_mistyped_fields() -> None:
    issue = {"code": "x", "value": None, "message": "m"}
    assert not list(conforms(issue, LintIssue))
    assert list(conforms({"code": "x", "value": None}, LintIssue))
    assert list(conforms({**issue, "extra": 1}, LintIssue))
    assert list(conforms({**issue, "message": 3}, LintIssue))
    assert list(conforms({**issue, "value": {"nested": 1}}, LintIssue))
    exchange = {
        "kind": "actual",
        "method": "GET",
        "url": "u",
        "request_headers": [],
        "status": True,
        "response_headers": [],
    }
    assert list(conforms(exchange, CheckExchange))  # a boolean is not a status


# --- real output ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'origins = ["https://app.example.com"]\nmax_age = 9000\n',
        'origins = ["*", "https://x.com/"]\ncredentials = true\nmax_age = inf\nnope = 1\n',
        'origins = ["https://a.example"]\nmethods = [1, ["x"]]\nmax_age = 99999999999999999999\n',
    ],
)
def test_lint_output_is_a_lint_report(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    report = _json(capsys, "lint", "--format", "json", str(path))
    assert report["problems"] or report["notes"]
    assert_conforms(report, LintReport)


@pytest.fixture(scope="module")
def broken() -> Iterator[str]:
    with running_broken_server() as base:
        yield base


@pytest.mark.parametrize(
    "args",
    [
        ("/no-cors",),
        ("/ok", "--read", "X-Total"),
        ("/headers-not-allowed", "-H", "X-Token: t", "--credentials"),
        ("/redirect", "-X", "PUT", "-d", "body"),
        ("/duplicated-origin", "--stack", "nginx"),
    ],
)
def test_check_output_is_a_check_report(
    broken: str, args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    path, *rest = args
    report = _json(capsys, "check", broken + path, "--origin", PAGE, *rest, "--format", "json")
    assert report["exchanges"]
    assert_conforms(report, CheckReport)


def test_audit_output_is_an_audit_report(broken: str, capsys: pytest.CaptureFixture[str]) -> None:
    report = _json(
        capsys,
        "audit",
        broken + "/wildcard",
        broken + "/trailing-slash",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--seed",
        "1",
        "--no-progress",
    )
    assert any(target["findings"] for target in report["targets"])
    assert_conforms(report, AuditReport)


# --- the docs ------------------------------------------------------------------------


def _documented_fields(name: str) -> list[str]:
    text = DOCS.read_text()
    match = re.search(rf"^### `{name}`\n(.*?)(?=^#|\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"docs/output-formats.md has no section for {name}"
    return re.findall(r"^\| `([^`]+)` \|", match.group(1), re.MULTILINE)


@pytest.mark.parametrize("kind", DOCUMENTED, ids=lambda kind: kind.__name__)
def test_every_field_is_documented_once_and_nothing_else(kind: Any) -> None:
    documented = _documented_fields(kind.__name__)
    assert sorted(documented) == sorted(typing.get_type_hints(kind)), kind.__name__


def test_every_nested_type_is_documented() -> None:
    def nested(kind: Any) -> Iterator[Any]:
        for hint in typing.get_type_hints(kind).values():
            stack = [hint]
            while stack:
                current = stack.pop()
                if _is_typed_dict(current):
                    yield current
                stack.extend(typing.get_args(current))

    for kind in DOCUMENTED:
        for inner in nested(kind):
            assert inner in DOCUMENTED, f"{kind.__name__} holds undocumented {inner.__name__}"
