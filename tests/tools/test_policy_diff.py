"""`crossorigin diff`: what gains or loses access, by inclusion rather than
by text, region by region, with severities, the preflight cache warning and
the exit codes (0 nothing widened, 1 widened, 2 error)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crossorigin import Policy
from crossorigin.cli.diff import command as diff_command
from crossorigin.origin import OriginPattern
from crossorigin.policy_diff import covers, diff_documents, diff_policies
from crossorigin.sources import PolicyDocument


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str, str, str | None]]:
    result = diff_policies(Policy(**old), Policy(**new))
    return [(c.field, c.direction, c.severity, c.subject) for c in result.changes]


@pytest.mark.parametrize(
    ("wide", "narrow", "expected"),
    [
        ("https://*.example.com", "https://a.example.com", True),
        ("https://*.example.com", "https://*.a.example.com", True),
        ("https://*.example.com", "https://*.example.com", True),
        ("https://*.example.com", "https://example.com", False),  # not the apex
        ("https://*.example.com", "http://a.example.com", False),  # scheme
        ("https://*.example.com", "https://a.example.com:8443", False),  # port
        ("https://*.a.example.com", "https://*.example.com", False),
        ("http://localhost:*", "http://localhost:3000", True),
        ("http://localhost:*", "http://localhost", True),
        ("http://localhost:3000", "http://localhost:*", False),
        ("http://localhost:*", "http://127.0.0.1:3000", False),
        ("*", "https://*.example.com", True),
        ("https://*.example.com", "*", False),
        ("null", "null", True),
        ("https://*.example.com", "null", False),
    ],
)
def test_pattern_inclusion(wide: str, narrow: str, expected: bool) -> None:
    assert covers(OriginPattern.parse(wide), OriginPattern.parse(narrow)) is expected


def test_an_added_origin_is_a_high_widening() -> None:
    assert changes(
        {"origins": ["https://a.example"]}, {"origins": ["https://a.example", "https://b.example"]}
    ) == [("origins", "widened", "high", "https://b.example")]


def test_an_exact_origin_replaced_by_a_covering_pattern_loses_nothing_and_says_which() -> None:
    result = diff_policies(
        Policy(origins=["https://app.example.com"]), Policy(origins=["https://*.example.com"])
    )
    assert [(c.direction, c.subject) for c in result.changes] == [
        ("widened", "https://*.example.com")
    ]
    assert "wider than https://app.example.com" in result.changes[0].message
    assert result.notes == (
        "every other path: origin https://app.example.com removed, still allowed by "
        "https://*.example.com",
    )


def test_a_pattern_narrowed_to_a_sub_pattern_is_a_narrowing_only() -> None:
    assert changes(
        {"origins": ["https://*.example.com"]}, {"origins": ["https://*.a.example.com"]}
    ) == [("origins", "narrowed", "info", "https://*.example.com")]


def test_an_exact_origin_added_under_an_old_pattern_widens_nothing() -> None:
    result = diff_policies(
        Policy(origins=["https://*.example.com"]),
        Policy(origins=["https://*.example.com", "https://a.example.com"]),
    )
    assert result.changes == () and not result.widened
    assert "already allowed by https://*.example.com" in result.notes[0]


def test_star_and_credentials() -> None:
    assert changes({"origins": ["https://a.example"]}, {"origins": "*"}) == [
        ("origins", "widened", "high", "*")
    ]
    assert changes(
        {"origins": ["https://a.example"]}, {"origins": ["https://a.example"], "credentials": True}
    ) == [("credentials", "widened", "high", None)]
    assert changes({"origins": "*"}, {"origins": ["https://a.example"]}) == [
        ("origins", "narrowed", "info", "*")
    ]


def test_methods_and_headers_with_star_semantics() -> None:
    base = {"origins": ["https://a.example"]}
    assert changes({**base, "methods": ["GET"]}, {**base, "methods": ["GET", "DELETE"]}) == [
        ("methods", "widened", "medium", "DELETE")
    ]
    # Header names compare without case; '*' never covered Authorization (Fetch), so
    # naming it after '*' widens.
    assert changes({**base, "request_headers": ["X-A"]}, {**base, "request_headers": ["x-a"]}) == []
    assert changes(
        {**base, "request_headers": "*"}, {**base, "request_headers": ["Authorization"]}
    ) == [
        ("request_headers", "narrowed", "info", "*"),
        ("request_headers", "widened", "medium", "authorization"),
    ]
    assert changes({**base}, {**base, "expose_headers": ["X-Total"]}) == [
        ("expose_headers", "widened", "low", "x-total")
    ]
    assert changes({**base}, {**base, "private_network": True}) == [
        ("private_network", "widened", "high", None)
    ]


def test_max_age_is_reported_but_never_a_widening() -> None:
    result = diff_policies(
        Policy(origins=["https://a.example"], max_age=5),
        Policy(origins=["https://a.example"], max_age=600),
    )
    assert [(c.field, c.direction) for c in result.changes] == [("max_age", "changed")]
    assert not result.widened


def test_narrowing_warns_about_the_preflight_cache_with_each_browser_cap() -> None:
    result = diff_policies(
        Policy(origins=["https://a.example", "https://b.example"], max_age=86400),
        Policy(origins=["https://a.example"], max_age=86400),
    )
    (warning,) = result.warnings
    assert "86400 s" in warning
    assert "chromium 7200 s, firefox 86400 s, safari 600 s" in warning
    assert "lower max_age first" in warning.lower()
    # Without a max_age, browsers keep an answer 5 s: nothing to warn about.
    quiet = diff_policies(
        Policy(origins=["https://a.example", "https://b.example"]),
        Policy(origins=["https://a.example"]),
    )
    assert quiet.warnings == ()


def test_regex_changes_count_as_widening_with_examples() -> None:
    result = diff_policies(
        Policy(origins=["https://a.example"], origin_regex=r"https://app\.example\.com"),
        Policy(origins=["https://a.example"], origin_regex=r"https://(app|beta)\.example\.com"),
    )
    (change,) = result.changes
    assert change.direction == "widened" and change.severity == "high"
    assert "https://beta.example.com" in change.message


def document(text: str) -> PolicyDocument:
    return PolicyDocument.from_bytes(text.encode())


def test_routes_are_compared_as_the_adapters_select_them() -> None:
    old = document(
        'origins = ["https://a.example"]\n'
        '[[routes]]\nprefix = "/api/v1"\norigins = ["https://v1.example"]\n'
        '[[routes]]\nprefix = "/api"\norigins = ["https://api.example"]\n'
    )
    # The same routes in the other order: /api now shadows /api/v1.
    new = document(
        'origins = ["https://a.example"]\n'
        '[[routes]]\nprefix = "/api"\norigins = ["https://api.example"]\n'
        '[[routes]]\nprefix = "/api/v1"\norigins = ["https://v1.example"]\n'
    )
    result = diff_documents(old, new)
    assert {(c.region, c.direction, c.subject) for c in result.changes} == {
        ("paths under '/api/v1'", "widened", "https://api.example"),
        ("paths under '/api/v1'", "narrowed", "https://v1.example"),
    }


def test_a_removed_route_falls_back_to_the_default() -> None:
    old = document(
        'origins = ["https://a.example"]\n[[routes]]\nprefix = "/public"\norigins = "*"\n'
    )
    new = document('version = "2"\norigins = ["https://a.example"]\n')
    result = diff_documents(old, new)
    assert [(c.region, c.field, c.direction) for c in result.changes] == [
        ("paths under '/public'", "origins", "narrowed")
    ]
    assert diff_documents(new, old).widened


def test_identical_policies_in_different_spelling_have_no_change() -> None:
    old = document('origins = ["https://a.example"]\nmethods = ["GET", "POST", "HEAD"]\n')
    new = document('version = 7\norigins = "https://a.example"\n')
    assert diff_documents(old, new).changes == ()


# -- the command -------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(diff_command, list(args), standalone_mode=False)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.return_value, result.stdout, result.stderr


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.toml", tmp_path / "new.toml"
    old.write_text('origins = ["https://a.example"]\nmax_age = 7200\n')
    new.write_text('origins = ["https://a.example", "https://b.example"]\nmax_age = 600\n')
    return old, new


def test_command_exits_1_when_access_is_widened_and_0_otherwise(files: tuple[Path, Path]) -> None:
    old, new = files
    code, out, _ = run(str(old), str(new))
    assert code == 1
    assert "widened   high    origins: origin https://b.example is now allowed" in out
    code, out, _ = run(str(new), str(old))
    assert code == 0
    assert "narrowed" in out and "warning: " in out
    code, out, _ = run(str(old), str(old))
    assert (code, out.strip()) == (0, "no change in access")


def test_command_json(files: tuple[Path, Path]) -> None:
    old, new = files
    code, out, _ = run(str(old), str(new), "--format", "json")
    payload = json.loads(out)
    assert code == 1 and payload["widened"] is True
    assert payload["changes"][0] == {
        "region": "every other path",
        "field": "origins",
        "direction": "widened",
        "severity": "high",
        "subject": "https://b.example",
        "message": "origin https://b.example is now allowed",
    }
    assert set(payload) == {"old", "new", "widened", "changes", "warnings", "notes"}


def test_command_errors_are_one_line_and_exit_2(tmp_path: Path, files: tuple[Path, Path]) -> None:
    old, _ = files
    bad = tmp_path / "bad.toml"
    bad.write_text('origins = "*"\ncredentials = true\n\x1b[2J = 1\n')
    for args in ([str(old), str(tmp_path / "missing.toml")], [str(bad), str(old)]):
        code, out, err = run(*args)
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and err.startswith("crossorigin diff: ")
        assert "\x1b" not in err


def test_label_globs_in_coverage() -> None:
    from crossorigin.origin import OriginPattern
    from crossorigin.policy_diff import covers

    glob = OriginPattern.parse("https://pr-*.preview.example.com")
    assert covers(glob, OriginPattern.parse("https://pr-1.preview.example.com"))
    assert not covers(glob, OriginPattern.parse("https://preview.example.com"))
    assert not covers(glob, OriginPattern.parse("https://*.preview.example.com"))
    assert covers(OriginPattern.parse("https://*.example.com"), glob)
    assert covers(OriginPattern.parse("https://*.preview.example.com"), glob)
    assert not covers(OriginPattern.parse("https://preview.example.com"), glob)
