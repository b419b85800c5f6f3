"""`crossorigin import`: the round-trip table (import_cases.py), the command's
output and exit codes, hostile input, and the real frameworks: a policy
imported from Starlette or flask-cors never allows an origin the framework
itself refused."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crossorigin import Engine, Policy
from crossorigin.cli.import_ import command
from crossorigin.export import ExportPlan, render_parts
from crossorigin.importing import MAX_SOURCE_BYTES, SOURCES, import_text, run
from crossorigin.importing.nginx import tokens
from import_cases import CASES


def _case_id(case: tuple[Any, ...]) -> str:
    return f"{case[0]}/{case[1]}"


def test_every_source_format_has_real_world_cases() -> None:
    for source_format in SOURCES:
        cases = [case for case in CASES if case[0] == source_format]
        assert len(cases) >= 5, source_format
        assert any(case[3] == 1 for case in cases), source_format  # an insecure one


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_round_trip(case: tuple[str, str, str, int, dict[str, Any] | None, list[str]]) -> None:
    source_format, _name, source, status, fields, fragments = case
    outcome = run_text(source_format, source)
    assert outcome.status == status, outcome.warnings
    if status == 2:
        (reason,) = outcome.warnings
        for fragment in fragments:
            assert fragment in reason
        return
    assert fields is not None and outcome.policy is not None
    assert len(outcome.warnings) == len(fragments), outcome.warnings
    for warning, fragment in zip(outcome.warnings, fragments, strict=True):
        assert fragment in warning
    data = outcome.policy.to_dict()
    for key, value in fields.items():
        assert data[key] == value, key
    # The TOML is the policy: read back, it is the same policy.
    again = Policy.from_mapping(tomllib.loads(outcome.toml))
    assert again.to_dict() == data
    for warning in outcome.warnings:
        assert warning.split(":")[0] in outcome.toml.replace("\n#     ", " ")


def run_text(source_format: str, text: str, tmp: Path | None = None) -> Any:
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "source"
        path.write_text(text)
        return run(source_format, path)


# -- the command ---------------------------------------------------------------------------


def invoke(args: list[str]) -> Any:
    """The command as `crossorigin` runs it (its return value is the exit status)."""
    result = CliRunner().invoke(command, args, standalone_mode=False)
    assert result.exception is None, result.exception
    result.code = result.return_value
    return result


def test_command_prints_toml_and_warnings(tmp_path: Path) -> None:
    source = tmp_path / "main.py"
    source.write_text(
        'app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)\n'
    )
    result = invoke(["--from", "starlette", str(source)])
    assert result.code == 1
    assert 'origins = "*"' in result.stdout
    assert "crossorigin import: warning: reflected any origin with credentials" in result.stderr
    Policy.from_mapping(tomllib.loads(result.stdout))


def test_command_writes_the_output_file(tmp_path: Path) -> None:
    source = tmp_path / "settings.py"
    source.write_text('CORS_ALLOWED_ORIGINS = ["https://app.example.com"]\n')
    output = tmp_path / "policy.toml"
    result = invoke(["--from", "django-cors-headers", str(source), "-o", str(output)])
    assert result.code == 0, result.stderr
    assert result.stdout == ""
    assert Policy.from_toml(output).origins == ("https://app.example.com",)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b"x" * (MAX_SOURCE_BYTES + 1), "larger than"),
        (b"def (:\n", "not Python"),
        (b"(" * 5000 + b")" * 5000, "Python"),
    ],
)
def test_bad_input_exits_2_in_one_line(tmp_path: Path, content: bytes, words: str) -> None:
    source = tmp_path / "bad.py"
    source.write_bytes(content)
    result = invoke(["--from", "starlette", str(source)])
    assert result.code == 2
    assert words in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = invoke(["--from", "s3", str(tmp_path / "absent.json")])
    assert result.code == 2 and "cannot read" in result.stderr


def test_values_from_the_file_are_escaped_on_the_terminal(tmp_path: Path) -> None:
    source = tmp_path / "settings.py"
    source.write_text(
        'CORS_ALLOWED_ORIGINS = ["https://app.example.com", "\\x1b]0;pwned\\x07example.com"]\n'
    )
    result = invoke(["--from", "django-cors-headers", str(source)])
    assert result.code == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\x1b" not in result.stdout


def test_python_source_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    source = tmp_path / "main.py"
    source.write_text(
        f"open({str(marker)!r}, 'w').write('x')\n"
        "import os; os.system('false')\n"
        'app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"])\n'
    )
    outcome = run("starlette", source)
    assert outcome.status == 0
    assert not marker.exists()


def test_nginx_tokenizer_is_linear() -> None:
    """n directives give 4n tokens (name, header, quoted value, `;`), and ten
    times the input takes about ten times as long (a generous bound: a
    quadratic rescan would take a hundred times)."""
    import time

    def seconds(count: int) -> float:
        text = 'add_header X-A "a \\" b"; # c\n' * count
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            assert len(tokens(text)) == 4 * count
            best = min(best, time.perf_counter() - start)
        return best

    assert seconds(20_000) < 35 * seconds(2_000)


def test_nginx_unterminated_string_and_braces_exit_2() -> None:
    for text in ('add_header A "x;\n', "server { add_header A b;\n", "}"):
        outcome = run_text("nginx", text)
        assert outcome.status == 2


# -- against the real frameworks ---------------------------------------------------------------

ORIGINS = [
    "https://app.example.com",
    "https://a.example.com",
    "https://deep.a.example.com",
    "https://example.com.evil.test",
    "https://a.example.com.evil.test",
    "https://shop.example.com",
    "http://localhost:3000",
    "http://localhost",
    "https://localhost.tiangolo.com",
    "https://evil.test",
    "null",
]


def _engine_allows(policy: Policy, origin: str, credentials: bool) -> bool:
    decision = Engine(policy).decide("GET", [("Origin", origin)])
    headers = {name.decode(): value.decode() for name, value in decision.headers}
    if headers.get("access-control-allow-origin") not in (origin, "*"):
        return False
    if credentials:
        return (
            headers.get("access-control-allow-credentials") == "true"
            and headers["access-control-allow-origin"] == origin
        )
    return True


def _reads(headers: Any, origin: str, credentials: bool) -> bool:
    """Whether a browser lets the page read the answer (Fetch §4.10 CORS check)."""
    allow = headers.get("access-control-allow-origin")
    if credentials:
        return allow == origin and headers.get("access-control-allow-credentials") == "true"
    return allow in (origin, "*")


def _starlette_reads(source: str, origin: str, credentials: bool) -> bool:
    import ast

    from starlette.applications import Starlette
    from starlette.middleware.cors import CORSMiddleware
    from starlette.responses import PlainTextResponse
    from starlette.testclient import TestClient

    call = next(
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_middleware"
    )
    options = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
    app = Starlette()
    app.add_route("/", lambda request: PlainTextResponse("ok"))
    app.add_middleware(CORSMiddleware, **options)
    headers = {"Origin": origin}
    if credentials:
        headers["Cookie"] = "session=1"
    response = TestClient(app).get("/", headers=headers)
    return _reads(response.headers, origin, credentials)


def _flask_reads(source: str, origin: str, credentials: bool) -> bool:
    import ast

    from flask import Flask
    from flask_cors import CORS

    call = next(
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "CORS"
    )
    options = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
    app = Flask("imported")
    app.add_url_rule("/", "index", lambda: "ok")
    app.add_url_rule("/api/x", "api", lambda: "ok")
    CORS(app, **options)
    path = "/api/x" if "resources" in options else "/"
    response = app.test_client().get(path, headers={"Origin": origin})
    return _reads(response.headers, origin, credentials)


FRAMEWORK_CASES = [
    case
    for case in CASES
    if case[3] != 2
    and (
        (case[0] == "starlette" and "add_middleware" in case[2])
        or (case[0] == "flask-cors" and "CORS(app" in case[2] and "app.config" not in case[2])
    )
]


@pytest.mark.parametrize("case", FRAMEWORK_CASES, ids=_case_id)
def test_imported_policy_never_reads_more_than_the_framework(
    case: tuple[str, str, str, int, dict[str, Any] | None, list[str]],
) -> None:
    source_format, _name, source, *_ = case
    outcome = import_text(source_format, source)
    assert outcome.policy is not None
    reads = _starlette_reads if source_format == "starlette" else _flask_reads
    widened = []
    for origin in ORIGINS:
        for credentials in (False, True):
            if _engine_allows(outcome.policy, origin, credentials) and not reads(
                source, origin, credentials
            ):
                widened.append((origin, credentials))
    assert not widened


def test_the_framework_check_can_fail() -> None:
    """The comparison sees a widening: a policy allowing any origin against
    Starlette allowing one."""
    source = 'app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"])\n'
    assert _engine_allows(Policy(origins="*"), "https://evil.test", False)
    assert not _starlette_reads(source, "https://evil.test", False)


def test_export_then_import_s3_keeps_the_policy() -> None:
    policy = Policy(
        origins=["https://app.example.com", "https://*.example.org", "http://localhost:*"],
        methods=["GET", "PUT"],
        request_headers=["content-type", "x-token"],
        expose_headers=["etag"],
        max_age=600,
    )
    exported = render_parts(ExportPlan.from_policy(policy), "s3")["s3-cors.json"]
    imported = import_text("s3", exported).policy
    assert imported is not None
    data = imported.to_dict()
    assert data["origins"] == [*policy.origins, "http://localhost"]
    for key in ("methods", "request_headers", "expose_headers", "max_age"):
        assert data[key] == policy.to_dict()[key], key
    json.loads(exported)
