"""Policy validation: every code has a refused example and an accepted neighbour."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crossorigin import ConfigError, Policy

APP = "https://app.example.com"

# (code, refused kwargs, accepted neighbour kwargs)
VALIDATION_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("origins-missing", {"origins": []}, {"origins": [APP]}),
    (
        "type-invalid",
        {"origins": [APP], "credentials": "yes"},
        {"origins": [APP], "credentials": True},
    ),
    ("type-invalid", {"origins": 42}, {"origins": "https://app.example.com"}),
    ("type-invalid", {"origins": [APP, 7]}, {"origins": [APP, "https://b.example.com"]}),
    (
        "type-invalid",
        {"origins": [APP], "origin_regex": 5},
        {"origins": [APP], "origin_regex": "x"},
    ),
    ("origin-missing-scheme", {"origins": ["app.example.com"]}, {"origins": [APP]}),
    ("origin-invalid-scheme", {"origins": ["h@p://x.com"]}, {"origins": ["http://x.com"]}),
    ("origin-has-path", {"origins": [APP + "/api"]}, {"origins": [APP]}),
    ("origin-trailing-slash", {"origins": [APP + "/"]}, {"origins": [APP]}),
    ("origin-has-query", {"origins": [APP + "?x"]}, {"origins": [APP]}),
    ("origin-has-fragment", {"origins": [APP + "#x"]}, {"origins": [APP]}),
    ("origin-has-userinfo", {"origins": ["https://u:p@app.example.com"]}, {"origins": [APP]}),
    ("origin-default-port", {"origins": [APP + ":443"]}, {"origins": [APP + ":8443"]}),
    ("origin-port-out-of-range", {"origins": [APP + ":70000"]}, {"origins": [APP + ":7000"]}),
    ("origin-invalid-port", {"origins": [APP + ":x"]}, {"origins": [APP + ":1"]}),
    ("origin-uppercase", {"origins": ["https://App.example.com"]}, {"origins": [APP]}),
    (
        "origin-non-ascii-host",
        {"origins": ["https://bücher.de"]},
        {"origins": ["https://xn--bcher-kva.de"]},
    ),
    ("origin-invalid-host", {"origins": ["https://a b.com"]}, {"origins": ["https://a-b.com"]}),
    ("origin-whitespace", {"origins": [" " + APP]}, {"origins": [APP]}),
    (
        "origin-too-long",
        {"origins": ["https://" + "a" * 330]},
        {"origins": ["https://" + "a" * 60]},
    ),
    (
        "origin-invalid-wildcard",
        {"origins": ["https://a.*.example.com"]},
        {"origins": ["https://*.example.com"]},
    ),
    ("origin-file-scheme", {"origins": ["file://"]}, {"origins": ["http://localhost:8080"]}),
    (
        "origin-null",
        {"origins": ["null"]},
        {"origins": ["null"], "dangerously_allow_null_origin": True},
    ),
    ("wildcard-with-credentials", {"origins": "*", "credentials": True}, {"origins": "*"}),
    (
        "insecure-origin-with-credentials",
        {"origins": ["http://app.example.com"], "credentials": True},
        {
            "origins": ["http://app.example.com"],
            "credentials": True,
            "dangerously_allow_insecure_origins": True,
        },
    ),
    (
        "insecure-origin-with-credentials",
        {"origins": ["http://*.example.com"], "credentials": True},
        {
            "origins": ["http://localhost:3000", "http://127.0.0.1:*", "http://[::1]:3000"],
            "credentials": True,
        },
    ),
    (
        "public-suffix-wildcard-with-credentials",
        {"origins": ["https://*.github.io"], "credentials": True},
        {
            "origins": ["https://*.github.io"],
            "credentials": True,
            "dangerously_allow_public_suffix_subdomains": True,
        },
    ),
    (
        "public-suffix-wildcard-with-credentials",
        {"origins": ["https://*.co.uk"], "credentials": True},
        {"origins": ["https://*.example.co.uk"], "credentials": True},
    ),
    (
        "public-suffix-wildcard-with-credentials",
        {"origins": ["https://*.com"], "credentials": True},
        {"origins": ["https://*.com"]},
    ),
    (
        "origin-regex-invalid",
        {"origins": [], "origin_regex": "https://(x"},
        {"origins": [], "origin_regex": "https://x"},
    ),
    (
        "origin-regex-too-broad",
        {"origins": [], "origin_regex": r"https://.*", "credentials": True},
        {"origins": [], "origin_regex": r"https://[a-z]+\.example\.com", "credentials": True},
    ),
    # origin_regex gets the refusals patterns get (the first three were accepted).
    (
        "public-suffix-wildcard-with-credentials",
        {"origins": [], "origin_regex": r"https://[a-z0-9-]+\.github\.io", "credentials": True},
        {
            "origins": [],
            "origin_regex": r"https://[a-z0-9-]+\.github\.io",
            "credentials": True,
            "dangerously_allow_public_suffix_subdomains": True,
        },
    ),
    (
        "public-suffix-wildcard-with-credentials",
        {"origins": [], "origin_regex": r"https://app-[a-z]+\.com", "credentials": True},
        {"origins": [], "origin_regex": r"https://app-[a-z]+\.example\.com", "credentials": True},
    ),
    (
        "insecure-origin-with-credentials",
        {"origins": [], "origin_regex": r"https?://[a-z]+\.example\.com", "credentials": True},
        {"origins": [], "origin_regex": r"https://[a-z]+\.example\.com", "credentials": True},
    ),
    (
        "insecure-origin-with-credentials",
        {"origins": [], "origin_regex": r"[a-z]+://app\.example\.com", "credentials": True},
        {"origins": [], "origin_regex": r"https?://localhost(:[0-9]+)?", "credentials": True},
    ),
    (
        "origin-regex-backtracking",
        {"origins": [], "origin_regex": r"https://([a-z0-9]+)+\.example\.com"},
        {"origins": [], "origin_regex": r"https://([a-z0-9-]+\.)+example\.com"},
    ),
    (
        "origin-regex-backtracking",
        {"origins": [], "origin_regex": r"https://(a|aa)*\.example\.com"},
        {"origins": [], "origin_regex": r"https://(app|admin)\.example\.com"},
    ),
    (
        "origin-regex-character",
        {"origins": [], "origin_regex": 'https://x\\.com"; add_header X 1; "'},
        {"origins": [], "origin_regex": r"https://x\.com"},
    ),
    (
        "unknown-field",
        {"origins": [APP], "allow_credentials": True},
        {"origins": [APP], "credentials": True},
    ),
    (
        "method-invalid",
        {"origins": [APP], "methods": ["PU T"]},
        {"origins": [APP], "methods": ["PUT"]},
    ),
    (
        "method-forbidden",
        {"origins": [APP], "methods": ["TRACE"]},
        {"origins": [APP], "methods": ["PATCH"]},
    ),
    (
        "method-forbidden",
        {"origins": [APP], "methods": ["connect"]},
        {"origins": [APP], "methods": ["delete"]},
    ),
    (
        "header-invalid",
        {"origins": [APP], "request_headers": ["X Token"]},
        {"origins": [APP], "request_headers": ["X-Token"]},
    ),
    (
        "header-forbidden",
        {"origins": [APP], "request_headers": ["Cookie"]},
        {"origins": [APP], "request_headers": ["Content-Type"]},
    ),
    (
        "header-forbidden",
        {"origins": [APP], "request_headers": ["Sec-Fetch-Mode"]},
        {"origins": [APP], "request_headers": ["X-Sec"]},
    ),
    (
        "header-forbidden",
        {"origins": [APP], "request_headers": ["Proxy-Authorization"]},
        {"origins": [APP], "request_headers": ["Authorization"]},
    ),
    (
        "header-forbidden",
        {"origins": [APP], "request_headers": ["Host"]},
        {"origins": [APP], "request_headers": ["X-Host"]},
    ),
    (
        "header-forbidden",
        {"origins": [APP], "request_headers": ["Origin"]},
        {"origins": [APP], "request_headers": ["X-Origin"]},
    ),
    (
        "header-is-response-header",
        {"origins": [APP], "request_headers": ["Access-Control-Allow-Origin"]},
        {"origins": [APP], "request_headers": ["X-Requested-With"]},
    ),
    (
        "expose-invalid",
        {"origins": [APP], "expose_headers": ["X Total"]},
        {"origins": [APP], "expose_headers": ["X-Total"]},
    ),
    (
        "expose-forbidden",
        {"origins": [APP], "expose_headers": ["Set-Cookie"]},
        {"origins": [APP], "expose_headers": ["X-Cookie"]},
    ),
    (
        "expose-wildcard-with-credentials",
        {"origins": [APP], "expose_headers": "*", "credentials": True},
        {"origins": [APP], "expose_headers": "*"},
    ),
    ("max-age-invalid", {"origins": [APP], "max_age": "600"}, {"origins": [APP], "max_age": 600}),
    ("max-age-invalid", {"origins": [APP], "max_age": True}, {"origins": [APP], "max_age": 1}),
    ("max-age-out-of-range", {"origins": [APP], "max_age": -1}, {"origins": [APP], "max_age": 0}),
    (
        "max-age-out-of-range",
        {"origins": [APP], "max_age": 86401},
        {"origins": [APP], "max_age": 86400},
    ),
    ("resolver-invalid", {"origins": [APP], "resolver": "tenants"}, {"origins": [APP]}),
    ("group-invalid", {"groups": [{"origin": [APP]}]}, {"groups": [{"origins": [APP]}]}),
    (
        "isolation-invalid",
        {"origins": [APP], "cross_origin_isolation": "same-origin"},
        {"origins": [APP], "cross_origin_isolation": "require-corp"},
    ),
    (
        "isolation-invalid",
        {"origins": [APP], "resource_policy": "same_site"},
        {"origins": [APP], "resource_policy": "same-site"},
    ),
    (
        "groups-with-any-origin",
        {"origins": "*", "groups": [{"origins": [APP]}]},
        {"groups": [{"origins": [APP], "credentials": True}, {"origins": "*"}]},
    ),
    (
        "public-suffix-glob",
        {"origins": ["https://myapp-*-team.vercel.app"]},
        {
            "origins": ["https://myapp-*-team.vercel.app"],
            "dangerously_allow_public_suffix_subdomains": True,
        },
    ),
    (
        "public-suffix-glob",
        {"origins": ["https://pr-*.vercel.app"], "credentials": True},
        {"origins": ["https://pr-*.preview.example.com"], "credentials": True},
    ),
    (
        "origin-app-scheme",
        {"origins": ["capacitor://localhost"]},
        {"origins": ["capacitor://localhost"], "app_schemes": ["capacitor"]},
    ),
    (
        "app-scheme-invalid",
        {"origins": [APP], "app_schemes": ["https"]},
        {"origins": [APP], "app_schemes": ["ionic"]},
    ),
    (
        "origin-invalid-port",
        {"origins": ["http://localhost:[3000,3000]"]},
        {"origins": ["http://localhost:[3000,5173]"]},
    ),
    (
        "origin-invalid-port",
        {"origins": ["http://localhost:[]"]},
        {"origins": ["http://localhost:[3000]"]},
    ),
    (
        "origin-default-port",
        {"origins": ["http://localhost:[80,3000]"]},
        {"origins": ["http://localhost:[8080,3000]"]},
    ),
    (
        "origin-invalid-wildcard",
        {"origins": ["https://a-*-*.example.com"]},
        {"origins": ["https://a-*.example.com"]},
    ),
    (
        "origin-invalid-wildcard",
        {"origins": ["https://app.pr-*.example.com"]},
        {"origins": ["https://pr-*.app.example.com"]},
    ),
    (
        "resolver-with-any-origin",
        {"origins": "*", "resolver": lambda origin, request: True},
        {"origins": [APP], "resolver": lambda origin, request: True},
    ),
    (
        "resolver-seconds-invalid",
        {"resolver": lambda origin, request: True, "resolver_timeout": 0},
        {"resolver": lambda origin, request: True, "resolver_timeout": 0.2},
    ),
    (
        "resolver-seconds-invalid",
        {"resolver": lambda origin, request: True, "resolver_ttl": -1},
        {"resolver": lambda origin, request: True, "resolver_ttl": 0},
    ),
    (
        "preflight-status-invalid",
        {"origins": [APP], "preflight_status": 201},
        {"origins": [APP], "preflight_status": 200},
    ),
    (
        "preflight-cache-control-invalid",
        {"origins": [APP], "preflight_cache_control": "public; max-age=60"},
        {"origins": [APP], "preflight_cache_control": "public, max-age=60"},
    ),
]


@pytest.mark.parametrize(
    ("code", "refused", "accepted"),
    VALIDATION_CASES,
    ids=[f"{case[0]}-{index}" for index, case in enumerate(VALIDATION_CASES)],
)
def test_each_code_refuses_and_its_neighbour_passes(
    code: str, refused: dict[str, Any], accepted: dict[str, Any]
) -> None:
    with pytest.raises(ConfigError) as error:
        Policy(**refused)
    codes = [issue.code for issue in error.value.issues]
    assert code in codes, codes
    for issue in error.value.issues:
        assert issue.message, issue
    Policy(**accepted)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(ConfigError) as error:
        Policy(
            origins=["*", "https://x.com/", "null", "http://evil.example"],
            credentials=True,
            methods=["TRACE", "a b"],
            request_headers=["Cookie"],
            expose_headers=["*", "Set-Cookie"],
            max_age=10**6,
        )
    codes = [issue.code for issue in error.value.issues]
    assert codes == [
        "wildcard-with-credentials",
        "origin-trailing-slash",
        "origin-null",
        "insecure-origin-with-credentials",
        "method-forbidden",
        "method-invalid",
        "header-forbidden",
        "expose-wildcard-with-credentials",
        "expose-forbidden",
        "max-age-out-of-range",
    ]
    text = str(error.value)
    assert text.startswith("10 problems in the CORS policy:")
    assert "https://x.com" in text  # the fix is spelled out


def test_issue_is_a_code_value_message_triple() -> None:
    with pytest.raises(ConfigError) as error:
        Policy(origins=["https://x.com/"])
    code, value, message = error.value.issues[0]
    assert (code, value) == ("origin-trailing-slash", "https://x.com/")
    assert "write 'https://x.com'" in message


NOTE_CASES: list[tuple[str, dict[str, Any]]] = [
    ("origin-redundant", {"origins": ["https://*.example.com", "https://a.example.com"]}),
    ("origin-redundant", {"origins": ["*", "https://a.example.com"]}),
    ("public-suffix-wildcard", {"origins": ["https://*.github.io"]}),
    ("origin-regex", {"origins": [], "origin_regex": r"https://[a-z]+\.example\.com"}),
    ("origin-regex-too-broad", {"origins": [], "origin_regex": r".*"}),
    ("method-redundant", {"origins": [APP], "methods": ["*", "GET"]}),
    ("method-case", {"origins": [APP], "methods": ["patch"]}),
    ("wildcard-excludes-authorization", {"origins": [APP], "request_headers": "*"}),
    ("expose-safelisted", {"origins": [APP], "expose_headers": ["Content-Type"]}),
    ("max-age-above-chromium-cap", {"origins": [APP], "max_age": 7201}),
    ("private-network-legacy", {"origins": [APP], "private_network": True}),
]


@pytest.mark.parametrize(("code", "kwargs"), NOTE_CASES)
def test_notes_flag_legal_but_suspicious_settings(code: str, kwargs: dict[str, Any]) -> None:
    assert code in [note.code for note in Policy(**kwargs).notes]


def test_a_clean_policy_has_no_notes() -> None:
    policy = Policy(origins=[APP], methods=["PUT"], request_headers=["Authorization"], max_age=600)
    assert policy.notes == ()


def test_normalization() -> None:
    policy = Policy(
        origins="https://a.example.com, https://b.example.com",
        methods=["get", "delete", "PATCH", "patch", "GET"],
        request_headers=["Content-Type", "content-type", "X-Token"],
        expose_headers=["X-Total"],
    )
    assert policy.origins == ("https://a.example.com", "https://b.example.com")
    assert policy.methods == ("GET", "DELETE", "PATCH", "patch")
    assert policy.request_headers == ("content-type", "x-token")
    assert Policy(origins="*").origins == ("*",)
    assert Policy(origins=["*"]).allows_any_origin
    assert Policy(origins=[APP], methods="*").methods == ("*",)


def test_policy_is_immutable_and_replace_validates() -> None:
    policy = Policy(origins=[APP])
    with pytest.raises(AttributeError):
        policy.credentials = True  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del policy.origins  # type: ignore[misc]
    changed = policy.replace(credentials=True)
    assert changed.credentials and not policy.credentials
    with pytest.raises(ConfigError):
        policy.replace(origins="*", credentials=True)


def test_round_trip_and_equality() -> None:
    policy = Policy(origins=[APP, "https://*.example.org"], credentials=True, max_age=60)
    assert Policy(**policy.to_dict()) == policy
    assert hash(Policy(**policy.to_dict())) == hash(policy)
    assert policy != Policy(origins=[APP])
    assert "https://*.example.org" in repr(policy)


def test_allows_origin() -> None:
    policy = Policy(origins=[APP, "https://*.example.org", "http://localhost:*"])
    assert policy.allows_origin(APP)
    assert policy.allows_origin("https://x.example.org")
    assert policy.allows_origin(b"http://localhost:5173")
    assert not policy.allows_origin("https://example.org")
    assert not policy.allows_origin(APP + "/")


def test_from_mapping_reports_unknown_fields_with_the_rest() -> None:
    with pytest.raises(ConfigError) as error:
        Policy.from_mapping({"origins": ["x"], "allow_origins": [APP]})
    codes = [issue.code for issue in error.value.issues]
    assert codes == ["unknown-field", "origin-missing-scheme"]
    with pytest.raises(ConfigError) as error:
        Policy.from_mapping({"credentials": True})
    assert [issue.code for issue in error.value.issues] == ["origins-missing"]


def test_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        'origins = ["https://app.example.com"]\nmethods = ["GET", "PUT"]\n'
        "credentials = true\nmax_age = 600\n"
    )
    policy = Policy.from_toml(path)
    assert policy.methods == ("GET", "PUT") and policy.credentials and policy.max_age == 600
    path.write_text("origins = [")
    with pytest.raises(ConfigError) as error:
        Policy.from_toml(path)
    assert error.value.issues[0].code == "toml-invalid"


# --- origin_regex reach -------------------------------------------------------------


def _codes(**kwargs: Any) -> list[str]:
    with pytest.raises(ConfigError) as error:
        Policy(**kwargs)
    return [issue.code for issue in error.value.issues]


def test_regex_over_a_public_suffix_is_a_note_without_credentials() -> None:
    policy = Policy(origins=[], origin_regex=r"https://[a-z0-9-]+\.github\.io")
    assert "public-suffix-wildcard" in [note.code for note in policy.notes]
    assert policy.allows_origin("https://me.github.io")


@pytest.mark.parametrize(
    "regex",
    [
        r"https://[a-z0-9-]+\.example\.com",
        r"https://([a-z0-9-]+\.)*example\.com",
        r"https://[a-z0-9]+(-[a-z0-9]+)*\.example\.com",
        r"https://(app|admin)\.example\.com",
        r"https://pr-[0-9]+\.preview\.example\.com(:8443)?",
        r"https://.*\.example\.com",
        r"https://(?i:app)\.example\.com",
        r"https?://localhost(:[0-9]+)?",
        r"https://[^.]+\.example\.co\.uk",
    ],
)
def test_ordinary_regexes_are_accepted_with_credentials(regex: str) -> None:
    policy = Policy(origins=[], origin_regex=regex, credentials=True)
    assert [note.code for note in policy.notes] == ["origin-regex"]


@pytest.mark.parametrize(
    "regex",
    [
        r"https://([a-z]+)+\.example\.com",
        r"https://([a-z]+\.[a-z]+)*\.example\.com",
        r"https://(a|aa)+\.example\.com",
        r"https://(a*)*\.example\.com",
        r"https://((ab)+)+\.example\.com",
        r"https://.*.*\.example\.com",
        r"https://(\w+\d+)+\.example\.com",
        r"https://(?i:(a|Ab)+)\.example\.com",
        r"https://(x)\1+\.example\.com",
    ],
)
def test_backtracking_shapes_are_refused(regex: str) -> None:
    assert _codes(origins=[], origin_regex=regex) == ["origin-regex-backtracking"]


def test_the_reported_backtracking_regex_no_longer_reaches_the_matcher() -> None:
    # The attack review's shape: 35 bytes of Origin took 1.56 s, doubling per byte.
    regex = r"https://([a-z0-9]+)*\.example\.com"
    assert _codes(origins=[APP], origin_regex=regex) == ["origin-regex-backtracking"]


# --- unknown fields -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("allow_origins", "'origins'"),
        ("CORS_ALLOWED_ORIGINS", "'origins'"),
        ("allow_headers", "'request_headers'"),
        ("allowedHeaders", "'request_headers'"),
        ("allow_credentials", "'credentials'"),
        ("supports_credentials", "'credentials'"),
        ("allow_methods", "'methods'"),
        ("allow_origin_regex", "'origin_regex'"),
        ("maxAge", "'max_age'"),
        ("allow_all_origins", "origins='*'"),
        ("orgins", "did you mean 'origins'"),
        ("max_ag", "did you mean 'max_age'"),
        ("expose_header", "did you mean 'expose_headers'"),
    ],
)
def test_unknown_fields_name_the_field_meant(key: str, field: str) -> None:
    value: object = [APP] if "origin" in key.lower() else True
    for build in (
        lambda: Policy(origins=[APP], **{key: value}),
        lambda: Policy.from_mapping({"origins": [APP], key: value}),
    ):
        with pytest.raises(ConfigError) as error:
            build()
        (issue,) = error.value.issues
        assert issue.code == "unknown-field" and field in issue.message, issue


def test_origins_under_a_foreign_name_are_not_also_missing() -> None:
    for build in (
        lambda: Policy(allow_origins=[APP]),  # type: ignore[arg-type]
        lambda: Policy.from_mapping({"allow_origins": [APP], "credentials": True}),
        lambda: Policy.from_mapping({"orgins": [APP]}),
        lambda: Policy.from_mapping({"origins": {"https://a.example.com": 1}}),
    ):
        with pytest.raises(ConfigError) as error:
            build()
        assert "origins-missing" not in [issue.code for issue in error.value.issues]
    assert _codes() == ["origins-missing"]
    assert _codes(allow_methods=["GET"]) == ["unknown-field", "origins-missing"]


def test_a_mapping_is_not_a_list_of_origins() -> None:
    assert _codes(origins={APP: True}) == ["type-invalid"]


# --- help(Policy) ---------------------------------------------------------------------


def test_the_class_docstring_documents_every_field() -> None:
    import inspect

    doc = inspect.getdoc(Policy) or ""
    fields = list(Policy(origins=[APP]).to_dict())
    for field in fields:
        default = inspect.signature(Policy).parameters[field].default
        line = next((line for line in doc.splitlines() if line.startswith(field + " ")), None)
        assert line is not None, f"{field} is not documented in Policy's docstring"
        if field != "origins":
            assert f"= {default!r}" in line, (field, line)


# --- policy files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "code", "detail"),
    [
        (b'origins = ["https://\xff.example.com"]\n', "policy-file-not-utf8", "offset 20"),
        (b"origins = " + b"[" * 5000 + b"]" * 5000, "toml-too-deep", "nested too deeply"),
        (b"max_age = " + b"9" * 5000, "toml-invalid", "more than 4300 digits"),
        (b'origins = [\n  "a" "b"]\n', "toml-invalid", "line 2"),
        (b"x" * ((1 << 20) + 1), "policy-file-too-large", "larger than"),
    ],
    ids=["not-utf8", "deep", "long-integer", "syntax", "too-large"],
)
def test_hostile_policy_files_are_config_errors(
    tmp_path: Path, content: bytes, code: str, detail: str
) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as error:
        Policy.from_toml(path)
    (issue,) = error.value.issues
    assert issue.code == code and detail in issue.message, issue


def test_unreadable_policy_file_says_why(tmp_path: Path) -> None:
    from crossorigin.policy import PolicyFileError

    for path, reason in ((tmp_path / "missing.toml", "No such file"), (tmp_path, "directory")):
        with pytest.raises(PolicyFileError) as error:
            Policy.from_toml(path)
        (issue,) = error.value.issues
        assert issue.code == "policy-file-unreadable" and reason in issue.message, issue


def test_wrong_types_and_huge_values_in_a_file_are_issues(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        'origins = [["https://a.example.com"]]\nmethods = {GET = 1}\n'
        "max_age = 0x" + "f" * 5000 + "\ncredentials = 1979-05-27\n"
    )
    with pytest.raises(ConfigError) as error:
        Policy.from_toml(path)
    codes = [issue.code for issue in error.value.issues]
    assert codes == ["type-invalid", "type-invalid", "type-invalid", "max-age-out-of-range"]
    text = str(error.value)  # printing a 20,000-bit integer in decimal would raise
    assert "<an integer of 20000 bits>" in text and len(text) < 2000


def test_a_single_problem_is_one_line() -> None:
    with pytest.raises(ConfigError) as error:
        Policy(origins=[APP + "/"])
    assert str(error.value).startswith("1 problem in the CORS policy: [origin-trailing-slash]")
    assert "\n" not in str(error.value)


# --- IssueCode: a closed set, each code with a refused example ---------------------------

VALID_FILE = b'origins = ["https://app.example.com"]\n'

# (code, refused file content, accepted neighbour)
FILE_CASES: list[tuple[str, bytes, bytes]] = [
    ("policy-file-too-large", VALID_FILE + b"#" * (1 << 20), VALID_FILE + b"#" * 1000),
    ("policy-file-not-utf8", VALID_FILE + b"# caf\xe9\n", VALID_FILE + "# café\n".encode()),
    ("toml-invalid", b"origins = [\n", VALID_FILE),
    ("toml-too-deep", b"origins = " + b"[" * 2000 + b"]" * 2000, b"origins = [[]]"),
]


@pytest.mark.parametrize(("code", "refused", "accepted"), FILE_CASES)
def test_each_file_code_refuses_and_its_neighbour_passes(
    tmp_path: Path, code: str, refused: bytes, accepted: bytes
) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(refused)
    with pytest.raises(ConfigError) as error:
        Policy.from_toml(path)
    assert [issue.code for issue in error.value.issues] == [code]
    path.write_bytes(accepted)
    try:
        Policy.from_toml(path)
    except ConfigError as accepted_error:  # the file reads; only the policy may be wrong
        assert code not in [issue.code for issue in accepted_error.issues]


def test_every_issue_code_has_a_refused_example() -> None:
    from crossorigin.policy import IssueCode

    exercised = (
        {case[0] for case in VALIDATION_CASES}
        | {case[0] for case in NOTE_CASES}
        | {case[0] for case in FILE_CASES}
        # Tested by test_unreadable_policy_file_says_why and the test below.
        | {"policy-file-unreadable", "route-prefix-invalid"}
        # Never raised: a resolver's refused answer (tests/test_resolver.py);
        # raised by the adapters' hosts= (tests/test_views.py).
        | {"grant-refused", "host-invalid"}
    )
    assert exercised == {code.value for code in IssueCode}


def test_codes_are_the_enum_and_compare_as_strings() -> None:
    from crossorigin.policy import IssueCode

    with pytest.raises(ConfigError) as error:
        Policy(origins=["null"])
    (issue,) = error.value.issues
    assert issue.code is IssueCode.ORIGIN_NULL and issue.code == "origin-null"
    assert f"{issue.code}" == "origin-null" and json.dumps(issue.code) == '"origin-null"'


def test_every_origin_syntax_code_is_an_issue_code() -> None:
    """OriginSyntaxError codes become IssueCodes; a new one in origin.py or
    patterns.py must be added to the enum (found by reading the sources)."""
    import re

    import crossorigin.origin
    import crossorigin.patterns
    from crossorigin.policy import IssueCode

    found: set[str] = set()
    for module in (crossorigin.origin, crossorigin.patterns):
        source = Path(module.__file__ or "").read_text()
        found |= set(re.findall(r'OriginSyntaxError\(\s*"([a-z0-9-]+)"', source))
        found |= set(re.findall(r'code, what = "([a-z0-9-]+)"', source))
        found |= set(re.findall(r'\("[#?/]", "([a-z0-9-]+)"', source))
    assert len(found) >= 15, found
    assert found <= {code.value for code in IssueCode}, found - {c.value for c in IssueCode}


def test_route_prefix_code_refuses_and_its_neighbour_passes() -> None:
    from crossorigin.adapter_config import EngineTable

    policy = Policy(origins=[APP])
    with pytest.raises(ConfigError) as error:
        EngineTable(None, [("api", policy)])
    assert [issue.code for issue in error.value.issues] == ["route-prefix-invalid"]
    EngineTable(None, [("/api", policy)])


# --- Policy as data: a frozen dataclass, validated by pure functions --------------------


def test_policy_is_a_frozen_dataclass_and_replacing_revalidates() -> None:
    import dataclasses

    policy = Policy(origins=[APP, "https://*.example.org"], methods="GET, PUT")
    assert dataclasses.is_dataclass(policy)
    init_fields = [f.name for f in dataclasses.fields(Policy) if f.init]
    assert init_fields == list(policy.to_dict())
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.max_age = 5  # type: ignore[misc]
    assert dataclasses.replace(policy, max_age=5).max_age == 5
    with pytest.raises(ConfigError) as error:
        dataclasses.replace(policy, origins="*", credentials=True)
    assert [issue.code for issue in error.value.issues] == ["wildcard-with-credentials"]
    # Derived data is not part of equality: the same fields are the same policy.
    assert policy == Policy(origins=[APP, "https://*.example.org"], methods=("GET", "PUT"))
    assert [p.text for p in policy.patterns] == [APP, "https://*.example.org"]


def test_every_field_goes_through_validation() -> None:
    """_validate returns every field normalized: a new field without a check
    would keep whatever the caller passed (a list, a bad type)."""
    from crossorigin.policy import _FIELD_NAMES, _validate

    given = {name: getattr(Policy(origins=[APP]), name) for name in _FIELD_NAMES}
    assert set(_validate(given).fields) == set(_FIELD_NAMES)


def test_the_matcher_is_compiled_by_the_engine_not_stored_in_the_policy() -> None:
    from crossorigin import Engine
    from crossorigin.patterns import compile_matcher

    policy = Policy(origins=["https://*.example.org"])
    assert not hasattr(policy, "matcher") and not hasattr(policy, "_matcher")
    assert compile_matcher(policy).match(b"https://a.example.org")
    assert policy.allows_origin("https://a.example.org")
    Engine(policy)  # compiles its own matcher from the policy's parsed patterns


def test_issue_code_is_public() -> None:
    import crossorigin
    from crossorigin.policy import IssueCode

    assert crossorigin.IssueCode is IssueCode and "IssueCode" in crossorigin.__all__


def test_a_string_field_is_a_header_list() -> None:
    """One comma-separated string is read by header_lists.split_list: empty
    items dropped, spaces and tabs trimmed, other whitespace left for the
    origin grammar to refuse with the fix."""
    policy = Policy(origins=f"{APP},\thttps://b.example.com, ,", methods=" PUT ,")
    assert policy.origins == (APP, "https://b.example.com")
    assert policy.methods == ("PUT",)
    assert _codes(origins=f"{APP},\nhttps://b.example.com") == ["origin-whitespace"]


def test_type_checkers_reject_unknown_and_mistyped_fields(tmp_path: Path) -> None:
    import subprocess
    import sys

    sample = tmp_path / "sample.py"
    sample.write_text(
        "from crossorigin import Policy\n"
        "Policy(origins=['https://a.example'], methods='GET, PUT', request_headers={'x-a'})\n"
        "Policy(origins=['https://a.example'], allow_origins=['x'])\n"
        "Policy(origins=['https://a.example'], max_age='60')\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "c"), str(sample)],
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["3", "4"], result.stdout
    assert 'Unexpected keyword argument "allow_origins"' in errors[0]
