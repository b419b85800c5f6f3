"""The playground's configuration snippets with hostile but valid policies:
each snippet is code in its language whose literals evaluate to exactly the
policy's values, and an exporter's refusal is a comment of that language."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossorigin import Policy
from crossorigin.explain.fixes import _python_string, fixes_for

HOSTILE = Policy(
    origins=["https://app.example.com"],
    methods=["GET", "X$http_cookie", "X%t"],
    request_headers=["x-`b", "x-'c"],
    expose_headers=["x-$d"],
    # Quotes and non-ASCII cannot reach a regex any more (the policy refuses
    # them); backslashes, braces and `$` are what a literal must still carry.
    origin_regex="https://a\\.test|https://[a-z]{2,}\\\\\\.y$",
)
REFUSED = Policy(origins=["https://app.example.com"], origin_regex="(?i)https://a\\.test")


def _policy_expression(text: str) -> str:
    return text[text.index("Policy(") : text.rindex(")", 0, text.rindex(")")) + 1]


def test_python_snippets_rebuild_the_hostile_policy_exactly() -> None:
    snippets = fixes_for(HOSTILE)
    for stack in ("fastapi", "flask"):
        compile(snippets[stack], stack, "exec")
        assert eval(_policy_expression(snippets[stack]), {"Policy": Policy}) == HOSTILE, stack
        assert snippets[stack].isascii()
    django = snippets["django"]
    compile(django, "django", "exec")
    settings = django[django.index("CROSSORIGIN = ") + len("CROSSORIGIN = ") :]
    assert Policy.from_mapping(eval(settings)) == HOSTILE


def test_a_refused_export_is_a_comment_in_the_snippets_language() -> None:
    snippets = fixes_for(REFUSED)
    assert snippets["express"].startswith("// crossorigin export cannot express")
    assert snippets["nginx"].startswith("# crossorigin export cannot express")
    assert snippets["express"].count("\n") == snippets["nginx"].count("\n") == 1


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_express_snippet_loads_in_node(tmp_path: Path) -> None:
    for policy in (HOSTILE.replace(origin_regex="https://a\\.test|https://[a-z]{2,}\\.y"), REFUSED):
        module = tmp_path / "cors.js"
        module.write_text(fixes_for(policy)["express"])
        done = subprocess.run(
            ["node", "-e", f"require({str(module)!r})"], capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, done.stderr


@given(st.text())
def test_python_string_literal_is_double_quoted_ascii_and_evaluates_to_the_text(
    text: str,
) -> None:
    literal = _python_string(text)
    assert literal.isascii() and literal.startswith('"') and literal.endswith('"')
    assert "\n" not in literal and eval(literal) == text


def test_no_fix_tells_to_pip_install_a_package_pypi_does_not_have() -> None:
    fixes = fixes_for(HOSTILE)
    assert not [stack for stack, text in fixes.items() if "pip install" in text]
    assert 'README, "Installing into your project"' in fixes["fastapi"]
