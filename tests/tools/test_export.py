"""The export plan and command, without a server: regexes accept exactly what
the engine's matcher accepts, header templates come from engine decisions, and
the command reports bad input with exit 2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossorigin import ConfigError, Policy
from crossorigin.cli import main
from crossorigin.export import FORMATS, ExportError, ExportPlan, render, render_parts
from crossorigin.export.nginx import HTTP_FILE, SERVER_FILE, render_nginx_parts
from crossorigin.export.plan import (
    PLAUSIBLE_ORIGIN_REGEX,
    Placeholder,
    State,
    comment_text,
    config_safe_regex,
    number_range_regex,
    port_regex,
)

PATTERNED = Policy(
    origins=[
        "http://localhost:3000",
        "https://*.example.com",
        "https://*.example.net:*",
        "http://localhost:*",
        "http://[::1]:*",
        "https://*.example.org:8443",
    ]
)


def test_port_regex_is_exact() -> None:
    for scheme, default in (("https", 443), ("http", 80), ("gopher", None)):
        regex = re.compile(port_regex(scheme))
        for number in range(0, 70000):
            expected = 1 <= number <= 65535 and number != default
            assert (regex.fullmatch(str(number)) is not None) == expected, (scheme, number)
        assert regex.fullmatch("08080") is None


def test_number_range_regex_edges() -> None:
    assert re.fullmatch(number_range_regex(7, 7), "7")
    with pytest.raises(ValueError):
        number_range_regex(0, 5)


_hosts = st.sampled_from(
    [
        "localhost",
        "a.example.com",
        "a.b.example.com",
        "example.com",
        "a.example.net",
        "x.example.org",
        "[::1]",
        "evil.test",
        "a..example.com",
        "A.example.com",
        "a_b.example.com",
    ]
)
_ports = st.sampled_from(["", ":3000", ":443", ":80", ":8443", ":0", ":65536", ":08", ":1"])
_schemes = st.sampled_from(["http", "https", "ws"])


@settings(max_examples=400, deadline=None)
@given(_schemes, _hosts, _ports, st.sampled_from(["", "/", " ", ".evil"]))
def test_origin_regex_agrees_with_the_matcher(scheme: str, host: str, port: str, tail: str) -> None:
    origin = f"{scheme}://{host}{port}{tail}"
    plan = ExportPlan.from_policy(PATTERNED)
    allowed = re.fullmatch(PLAUSIBLE_ORIGIN_REGEX[1:-1], origin) and re.fullmatch(
        plan.origin_regex()[1:-1], origin
    )
    assert bool(allowed) == PATTERNED.allows_origin(origin), origin


def test_header_list_regex_agrees_with_the_engine() -> None:
    from crossorigin import Engine

    policy = Policy(origins=["https://a.example"], request_headers=["x-a", "content-type"])
    engine = Engine(policy)
    plan = ExportPlan.from_policy(policy)
    regex = re.compile(plan.header_list_regex(), re.IGNORECASE)
    for value in ["", "x-a", "X-A, content-type", " x-a ,,", "x-b", "x-a x-b", "x-a,\tx-a"]:
        decision = engine.preflight(b"https://a.example", b"GET", value.encode())
        assert (regex.fullmatch(value) is not None) == decision.allowed, value


def test_templates_come_from_engine_decisions() -> None:
    policy = Policy(
        origins=["https://app.example.com"], methods="*", request_headers="*", credentials=True
    )
    plan = ExportPlan.from_policy(policy)
    preflight = {t.name: t.value for t in plan.headers[State.PREFLIGHT_ALLOWED]}
    assert preflight["access-control-allow-origin"] is Placeholder.ORIGIN
    assert preflight["access-control-allow-methods"] is Placeholder.REQUEST_METHOD
    assert preflight["access-control-allow-headers"] is Placeholder.REQUEST_HEADERS
    assert plan.request_headers.excluded == ("authorization",)
    assert plan.methods.any_token


@pytest.mark.parametrize("format_name", FORMATS)
def test_every_format_names_its_source_and_version(format_name: str, tmp_path: Path) -> None:
    policy_file = tmp_path / "team-policy.toml"
    # A request header: ingress-nginx refuses a policy without one (it would
    # answer its default list).
    policy_file.write_text(
        'origins = ["https://app.example.com"]\ncredentials = true\n'
        'request_headers = ["content-type"]\n'
    )
    output = tmp_path / "out"
    assert (
        main(["export", "--policy", str(policy_file), "--format", format_name, "-o", str(output)])
        == 0
    )
    plan = ExportPlan.from_file(policy_file)
    if format_name == "nginx":  # -o is a directory: the two files
        http, server = render_nginx_parts(plan, str(output.resolve()))
        assert (output / HTTP_FILE).read_text() == http
        assert (output / SERVER_FILE).read_text() == server
        text = http
    elif output.is_dir():  # s3 and gcs: the JSON and a notes file
        parts = render_parts(plan, format_name)
        assert {path.name: path.read_text() for path in output.iterdir()} == parts
        text = "".join(parts.values())
    else:
        text = output.read_text()
        assert text == render(plan, format_name)
    assert "team-policy.toml (sha256 " in text
    assert "generated by crossorigin 0.1.0" in text


def test_invalid_policy_lists_problems_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy_file = tmp_path / "bad.toml"
    policy_file.write_text('origins = ["*"]\ncredentials = true\nmax_age = -1\n')
    assert main(["export", "--policy", str(policy_file), "--format", "nginx"]) == 2
    err = capsys.readouterr().err
    assert "wildcard-with-credentials" in err and "max-age-out-of-range" in err


def test_missing_file_and_bad_part(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--policy", str(tmp_path / "nope.toml"), "--format", "caddy"]) == 2
    policy_file = tmp_path / "p.toml"
    policy_file.write_text('origins = ["https://app.example.com"]\n')
    assert (
        main(["export", "--policy", str(policy_file), "--format", "caddy", "--part", "http"]) == 2
    )
    assert main(["export", "--policy", str(policy_file), "--format", "xml"]) == 2


# -- configuration injection: what the plan escapes or refuses --------------------------

_regex_pieces = st.sampled_from(
    [
        '"',
        "'",
        "`",
        "#",
        " ",
        "\t",
        '\\"',
        "\\'",
        "\\`",
        "\\#",
        "\\\\",
        "a",
        ".",
        '[^"#]',
        "\\.",
        "x+",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_regex_pieces, max_size=8), st.text(alphabet="ab\"'`# .\\\t", max_size=6))
def test_config_safe_regex_means_the_same(pieces: list[str], subject: str) -> None:
    regex = "".join(pieces)
    try:
        original = re.compile(regex)
    except re.error:
        return
    safe = config_safe_regex(regex)
    assert not set(safe) & set("\"'`# \t")
    assert bool(original.fullmatch(subject)) == bool(re.fullmatch(safe, subject))


@pytest.mark.parametrize("regex", [r"(?x)https://a\.test", r"https://(?ix:a b)\.test"])
def test_verbose_regex_is_refused(regex: str) -> None:
    with pytest.raises(ExportError, match="verbose"):
        config_safe_regex(regex)


@pytest.mark.parametrize(
    "regex",
    [
        r"https://(?=a)[a-z]+\.test",  # look-around: RE2 (Caddy) refuses to start
        r"https://(?<!x)a\.test",
        r"https://(a)\1\.test",  # back-reference
        r"https://(?P<n>a)\.test",  # JavaScript cannot load it
        r"(?i)https://a\.test",  # inline flags: JavaScript
        r"https://a{,3}\.test",  # {,n}: literal text outside Python
        r"https://[[:alpha:]]+\.test",  # POSIX class in PCRE, a set in Python
        r"https://a\.test\Z",
        r"https://a++\.test",  # possessive
        r"https://(?>a)\.test",  # atomic
    ],
)
@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")
def test_regex_outside_the_shared_dialect_is_refused(regex: str) -> None:
    try:
        policy = Policy(origins=["https://a.test"], origin_regex=regex)
    except ConfigError:
        return  # refused earlier still (e.g. a back-reference can backtrack)
    with pytest.raises(ExportError, match="every server's regex engine"):
        ExportPlan.from_policy(policy)


def test_comment_text_has_no_line_break_or_caddy_environment() -> None:
    text = comment_text("a\nb\rc\u2028d\u2029e\x85f{$HOME}g\\")
    assert text.isascii() and text.isprintable()
    assert "{$" not in text and not text.endswith("\\")


@pytest.mark.parametrize("format_name", FORMATS)
def test_a_regex_no_target_can_hold_exits_2_naming_it(
    format_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy_file = tmp_path / "p.toml"
    policy_file.write_text(
        'origins = ["https://a.test"]\norigin_regex = "(?i)https://b\\\\.test"\n'
    )
    assert main(["export", "--policy", str(policy_file), "--format", format_name]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"as {format_name}:" in err and "(?i)https://b" in err


def test_apache_refuses_a_regex_with_a_define_reference() -> None:
    plan = ExportPlan.from_policy(
        Policy(origins=["https://a.test"], origin_regex=r"https://a\.test${X}")
    )
    with pytest.raises(ExportError, match=r"Apache"):
        render(plan, "apache")


# -- nginx's two files ------------------------------------------------------------------


def test_nginx_output_directory_gets_both_files_with_their_include_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy_file = tmp_path / "p.toml"
    policy_file.write_text('origins = ["https://app.example.com"]\n')
    out = tmp_path / "conf" / "cors"
    assert main(["export", "--policy", str(policy_file), "--format", "nginx", "-o", str(out)]) == 0
    http = (out / HTTP_FILE).read_text()
    server = (out / SERVER_FILE).read_text()
    for text in (http, server):
        assert f"include {out.resolve()}/{HTTP_FILE};" in text
        assert f"include {out.resolve()}/{SERVER_FILE};" in text
    assert "map $http_origin" in http and "map " not in server
    directives = [line for line in http.splitlines() if line and not line.startswith("#")]
    assert "add_header" in server and not any("add_header" in line for line in directives)


def test_nginx_on_stdout_names_each_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy_file = tmp_path / "p.toml"
    policy_file.write_text('origins = ["https://app.example.com"]\n')
    assert main(["export", "--policy", str(policy_file), "--format", "nginx"]) == 0
    captured = capsys.readouterr()
    banners = [line for line in captured.out.splitlines() if line.startswith("# ========")]
    assert banners == [
        f"# ======== file 1 of 2: {HTTP_FILE} (include it in http {{}}) ========",
        f"# ======== file 2 of 2: {SERVER_FILE} (include it in each server {{}}) ========",
    ]
    assert "-o DIR" in captured.err


def test_nginx_both_parts_into_one_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy_file = tmp_path / "p.toml"
    policy_file.write_text('origins = ["https://app.example.com"]\n')
    existing = tmp_path / "cors.conf"
    existing.write_text("")
    code = main(["export", "--policy", str(policy_file), "--format", "nginx", "-o", str(existing)])
    assert code == 2
    assert "nginx needs two files" in capsys.readouterr().err


def test_label_globs_export_to_the_matchers_own_language() -> None:
    import re as regex_module

    from crossorigin.export.plan import pattern_regex
    from crossorigin.patterns import compile_matcher

    policy = Policy(origins=["https://app-*-team.example.com", "http://localhost:[3000,5173]"])
    matcher = compile_matcher(policy)
    regexes = [regex_module.compile(pattern_regex(pattern)) for pattern in policy.patterns]
    for origin in (
        "https://app-x-team.example.com",
        "https://app-pr-12-team.example.com",
        "https://app--team.example.com",
        "https://app-a.b-team.example.com",
        "https://example.com",
        "https://team.example.com",
        "https://app-x-team.example.com:8443",
        "http://app-x-team.example.com",
        "http://localhost:3000",
        "http://localhost:5173",
        "http://localhost:4000",
    ):
        exported = any(regex.fullmatch(origin) for regex in regexes)
        assert exported == matcher.match(origin.encode()), origin


@pytest.mark.parametrize(
    "fields",
    [
        {"groups": [{"origins": ["https://b.example.com"], "credentials": True}]},
        {"preflight_status": 200},
        {"preflight_continue": True},
        {"preflight_cache_control": "public, max-age=600"},
        {"timing_allow_origin": True},
        {"resolver": lambda origin, request: False},
    ],
)
def test_fields_no_export_follows_are_refused_not_dropped(fields: dict[str, object]) -> None:
    policy = Policy(origins=["https://a.example.com"], **fields)  # type: ignore[arg-type]
    (name,) = fields
    with pytest.raises(ExportError, match=f"remove {name} from the policy"):
        ExportPlan.from_policy(policy)
