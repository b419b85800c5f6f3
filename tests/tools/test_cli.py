"""The command layer: every command in crossorigin.cli, nothing else imports click.

Each check runs in a fresh interpreter (`sys.modules` decides what an import
costs and whether it can happen at all), so what one test imports cannot
hide another's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import typing
from pathlib import Path

import click
import pytest

import crossorigin
from crossorigin.cli import COMMANDS, SUMMARIES, ExitStatus, cli

SRC = Path(crossorigin.__file__).parent


def _library_modules() -> list[str]:
    """Every module of the package outside crossorigin.cli (and __main__,
    which only runs it)."""
    names = []
    for path in sorted(SRC.rglob("*.py")):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        if name.startswith("crossorigin.cli") or parts[-1] == "__main__":
            continue
        names.append(name)
    return names


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


def test_library_modules_never_import_click() -> None:
    modules = _library_modules()
    assert "crossorigin.check" in modules and "crossorigin.explain.reasons" in modules
    done = _run(
        "import importlib, sys\n"
        "sys.modules['click'] = None  # any `import click` now raises ImportError\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print('ok')\n"
    )
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr[-2000:]


def test_the_playground_imports_no_command_module() -> None:
    done = _run(
        "import sys\n"
        "import crossorigin.playground.report, crossorigin.playground.page\n"
        "import crossorigin.playground.server\n"
        "print(sorted(m for m in sys.modules if m == 'click' or m.startswith('crossorigin.cli')))"
    )
    assert done.stdout.strip() == "[]", done.stderr[-2000:]


def test_every_command_is_a_module_of_crossorigin_cli_returning_an_exit_status() -> None:
    assert set(COMMANDS) == {
        "lint", "simulate", "check", "audit", "proxy", "export", "demo", "import",
        "publish", "diff", "explain",
    }  # fmt: skip
    assert sorted(cli.list_commands(click.Context(cli))) == sorted(COMMANDS)
    for name, module in COMMANDS.items():
        # `import` is a keyword: its module is cli/import_.py.
        assert module == f"crossorigin.cli.{name}" + ("_" if name == "import" else "")
        command = cli.get_command(click.Context(cli), name)
        assert isinstance(command, click.Command) and command.name == name
        assert command.callback is not None
        hints = typing.get_type_hints(command.callback)
        assert hints["return"] is ExitStatus, name


def test_help_lists_each_commands_own_first_paragraph() -> None:
    """`crossorigin --help` reads SUMMARIES so as not to import every command;
    each must be the command's docstring as click would have shown it."""
    assert list(SUMMARIES) == list(COMMANDS)
    for name in COMMANDS:
        command = cli.get_command(click.Context(cli), name)
        assert command is not None and command.help is not None
        assert SUMMARIES[name] == " ".join(command.help.split("\n\n")[0].split()), name


def test_exit_status_values_are_the_documented_contract() -> None:
    assert [(status.name, int(status)) for status in ExitStatus] == [
        ("OK", 0),
        ("PROBLEMS", 1),
        ("ERROR", 2),
    ]


@pytest.mark.parametrize("argv", [["--version"], ["lint", "{policy}"], ["--help"]])
def test_version_help_and_lint_load_no_other_command(argv: list[str], tmp_path: Path) -> None:
    """What keeps them instant: no other command's module, no HTTP client, no
    rich, no browser model, no explanations are imported."""
    policy = tmp_path / "policy.toml"
    policy.write_text('origins = ["https://app.example.com"]\n')
    args = [arg.format(policy=policy) for arg in argv]
    done = _run(
        "import sys, json\n"
        "from crossorigin.cli import main\n"
        f"code = main({args!r})\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    code, modules = json.loads(done.stdout.splitlines()[-1])
    assert code == 0
    heavy = {"httpx", "rich", "h11", "crossorigin.browser", "crossorigin.explain"}
    assert heavy.isdisjoint(modules)
    shared = {"crossorigin.cli.status", "crossorigin.cli.options"}
    loaded = {m for m in modules if m.startswith("crossorigin.cli.")} - shared
    assert loaded <= {"crossorigin.cli.lint"}


def test_python_dash_m_crossorigin_cli_runs_the_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "crossorigin.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and crossorigin.__version__ in done.stdout
