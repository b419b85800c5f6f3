"""`crossorigin explain`: HARs built here (not recorded from a browser), the
console log, --error, bad files, and secrets kept out of the output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crossorigin.browser import messages
from crossorigin.cli import main
from crossorigin.explain import har as har_module

PAGE = "https://app.example.com"
API = "https://api.example.com/v1/items"


def entry(
    url: str = API,
    method: str = "GET",
    request_headers: list[tuple[str, str]] | None = None,
    status: int = 200,
    response_headers: list[tuple[str, str]] | None = None,
    *,
    redirect: str = "",
    mime: str = "application/json",
    resource_type: str = "fetch",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "pageref": "page_1",
        "_resourceType": resource_type,
        "request": {
            "method": method,
            "url": url,
            "headers": [{"name": n, "value": v} for n, v in (request_headers or [])],
            "cookies": [],
        },
        "response": {
            "status": status,
            "headers": [{"name": n, "value": v} for n, v in (response_headers or [])],
            "redirectURL": redirect,
            "content": {"mimeType": mime, "text": "x" * 10},
        },
        **extra,
    }


def har(*entries: dict[str, Any]) -> dict[str, Any]:
    return {
        "log": {
            "version": "1.2",
            "pages": [{"id": "page_1", "title": PAGE + "/dashboard"}],
            "entries": list(entries),
        }
    }


def run(tmp_path: Path, document: Any, *args: str) -> tuple[int, str, str]:
    path = tmp_path / "capture.har"
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    runner = CliRunner()
    result: dict[str, Any] = {}

    def invoke() -> None:
        result["code"] = main(["explain", str(path), *args])

    with runner.isolation() as (out, err, _):
        invoke()
        return result["code"], out.getvalue().decode(), err.getvalue().decode()


def requests_of(tmp_path: Path, document: Any, *args: str) -> tuple[int, list[dict[str, Any]]]:
    code, out, err = run(tmp_path, document, "--format", "json", *args)
    assert code != 2, err
    return code, json.loads(out)["requests"]


def test_allowed_request_exits_0(tmp_path: Path) -> None:
    code, found = requests_of(
        tmp_path,
        har(
            entry(
                request_headers=[("Origin", PAGE)],
                response_headers=[("Access-Control-Allow-Origin", PAGE)],
            )
        ),
    )
    assert code == 0
    assert [(r["url"], r["allowed"], r["page_origin"]) for r in found] == [(API, True, PAGE)]


def test_missing_allow_origin_is_blocked_with_the_rule_and_evidence(tmp_path: Path) -> None:
    code, [found] = requests_of(
        tmp_path,
        har(entry(request_headers=[("Origin", PAGE)], response_headers=[("Server", "uvicorn")])),
    )
    assert code == 1
    assert (found["allowed"], found["reason"], found["cause"]) == (
        False,
        "MissingAllowOriginHeader",
        "missing-allow-origin",
    )
    assert found["not_cors"] is None
    assert list(found["fix"]) == ["fastapi"]  # the detected stack only
    assert any("Origin: " + PAGE in line for line in found["evidence"])


def test_page_origin_from_pages_when_no_origin_header(tmp_path: Path) -> None:
    # A same-origin-looking GET without Origin (resourceType fetch): the page comes from pages[].
    _, [found] = requests_of(
        tmp_path, har(entry(response_headers=[("Access-Control-Allow-Origin", "*")]))
    )
    assert found["page_origin"] == PAGE and found["allowed"] is True


def test_same_origin_and_non_cors_entries_are_skipped(tmp_path: Path) -> None:
    code, found = requests_of(
        tmp_path,
        har(
            entry(url=PAGE + "/api", request_headers=[("Origin", PAGE)]),
            entry(url="https://cdn.example.net/logo.png", resource_type="image"),
        ),
    )
    assert (code, found) == (0, [])


def test_sec_fetch_mode_decides_what_is_a_cors_request(tmp_path: Path) -> None:
    form_post = entry(
        method="POST",
        request_headers=[("Origin", PAGE), ("Sec-Fetch-Mode", "navigate")],
        resource_type="",
    )
    cors = entry(request_headers=[("Origin", PAGE), ("Sec-Fetch-Mode", "cors")], resource_type="")
    _, found = requests_of(tmp_path, har(form_post, cors))
    assert [r["method"] for r in found] == ["GET"]


def test_hidden_preflight_is_inferred_from_the_recorded_request(tmp_path: Path) -> None:
    request = [("Origin", PAGE), ("Content-Type", "application/json"), ("X-Trace", "1")]
    _, [found] = requests_of(
        tmp_path,
        har(
            entry(
                method="PUT",
                request_headers=request,
                response_headers=[("Access-Control-Allow-Origin", PAGE)],
            )
        ),
    )
    assert found["preflight"] == "inferred"
    assert found["allowed"] is True
    preflight = next(line for line in found["evidence"] if line.startswith("preflight"))
    assert "Access-Control-Allow-Methods: PUT" in preflight
    assert "content-type,x-trace" in preflight


def test_recorded_preflight_is_used_and_can_block(tmp_path: Path) -> None:
    preflight = entry(
        method="OPTIONS",
        request_headers=[("Origin", PAGE), ("Access-Control-Request-Method", "DELETE")],
        status=204,
        response_headers=[
            ("Access-Control-Allow-Origin", PAGE),
            ("Access-Control-Allow-Methods", "GET"),
        ],
        resource_type="preflight",
    )
    actual = entry(method="DELETE", request_headers=[("Origin", PAGE)], status=0)
    code, [found] = requests_of(tmp_path, har(preflight, actual))
    assert code == 1
    assert (found["preflight"], found["reason"]) == (
        "recorded",
        "MethodDisallowedByPreflightResponse",
    )


def test_console_line_that_disagrees_is_shown(tmp_path: Path) -> None:
    document = har(
        entry(
            request_headers=[("Origin", PAGE)],
            response_headers=[("Access-Control-Allow-Origin", PAGE)],
        )
    )
    console = tmp_path / "console.txt"
    console.write_text(
        messages.blocked_line(
            url=API,
            initial_url=API,
            page_origin=PAGE,
            reason="AllowOriginMismatch",
            failed_parameter="x",
        )
        + "\n"
    )
    _, [found] = requests_of(tmp_path, document, "--console", str(console))
    assert found["browser_reason"] == "AllowOriginMismatch"
    assert found["allowed"] is True and found["disagreement"]


def test_console_names_the_reason_when_the_har_has_no_response(tmp_path: Path) -> None:
    document = har(entry(request_headers=[("Origin", PAGE)], status=0, _error="net::ERR_FAILED"))
    console = tmp_path / "console.txt"
    console.write_text(
        messages.blocked_line(
            url=API, initial_url=API, page_origin=PAGE, reason="MissingAllowOriginHeader"
        )
    )
    code, [found] = requests_of(tmp_path, document, "--console", str(console))
    assert (code, found["reason"], found["allowed"]) == (1, "MissingAllowOriginHeader", False)


@pytest.mark.parametrize(
    ("entries", "klass"),
    [
        ([entry(request_headers=[("Origin", PAGE)], status=0, _blockedReason="csp")], "csp"),
        (
            [entry(url="http://api.example.com/x", request_headers=[("Origin", PAGE)], status=0)],
            "mixed-content",
        ),
        (
            [
                entry(
                    url="https://192.168.0.10/x",
                    request_headers=[("Origin", PAGE)],
                    status=0,
                    _error="net::ERR_FAILED",
                )
            ],
            "local-network-access",
        ),
        (
            [
                entry(
                    request_headers=[("Origin", PAGE)],
                    status=0,
                    _error="net::ERR_BLOCKED_BY_RESPONSE.NotSameOriginAfterDefaultedToSameOriginByCoep",
                )
            ],
            "coep",
        ),
        (
            [
                entry(
                    request_headers=[("Origin", PAGE)],
                    status=302,
                    response_headers=[("Location", "https://id.example.com/login?next=/")],
                    redirect="https://id.example.com/login?next=/",
                ),
                entry(
                    url="https://id.example.com/login?next=/",
                    request_headers=[("Origin", "null")],
                    mime="text/html",
                ),
            ],
            "redirect-to-login",
        ),
        (
            [
                entry(
                    request_headers=[("Origin", PAGE)],
                    status=502,
                    response_headers=[("Server", "cloudflare")],
                )
            ],
            "gateway-error",
        ),
        (
            [
                entry(
                    request_headers=[("Origin", PAGE)],
                    status=401,
                    response_headers=[
                        ("Access-Control-Allow-Origin", PAGE),
                        ("Access-Control-Allow-Credentials", "true"),
                    ],
                )
            ],
            "third-party-cookies",
        ),
    ],
)
def test_not_cors_look_alikes_from_har_evidence(
    tmp_path: Path, entries: list[dict[str, Any]], klass: str
) -> None:
    _, [found] = requests_of(tmp_path, har(*entries))
    assert found["not_cors"] == klass, found
    assert any(line.startswith(klass + ":") for line in found["evidence"])


def test_secrets_are_hidden_unless_asked(tmp_path: Path) -> None:
    secret_headers = [
        ("Origin", PAGE),
        ("Cookie", "sid=SECRET1"),
        ("Authorization", "Bearer SECRET2"),
        ("X-Auth-Token", "SECRET3"),
    ]
    document = har(
        entry(
            request_headers=secret_headers,
            response_headers=[
                ("Access-Control-Allow-Origin", "*"),
                ("Set-Cookie", "sid=SECRET4; Secure"),
            ],
        )
    )
    for output in ("text", "json"):
        code, out, err = run(tmp_path, document, "--format", output)
        assert code == 1, err
        assert "SECRET" not in out + err
    _, out, _ = run(tmp_path, document, "--format", "json", "--show-secrets")
    assert "SECRET4" in out


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"log": {"entries": [', "truncated"),
        ("not json at all", "not valid JSON"),
        ('{"log": {}}', "no log.entries"),
        ('{"log": {"entries": [{"request": {}}]}}', "entry 0"),
        ("[" * 100_000, "nested too deeply"),
        (b"\xff\xfe".decode("latin-1"), "not"),
    ],
)
def test_malformed_hars_exit_2_with_one_line(tmp_path: Path, text: str, said: str) -> None:
    code, out, err = run(tmp_path, text)
    assert code == 2 and out == ""
    assert said in err and err.count("\n") == 1 and "Traceback" not in err


def test_huge_har_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(har_module, "MAX_HAR_BYTES", 1000)
    import crossorigin.cli.explain as command_module

    monkeypatch.setattr(command_module, "MAX_HAR_BYTES", 1000)
    read: list[int] = []
    original = har_module.json.loads

    def counting(*args: Any, **kwargs: Any) -> Any:
        read.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(har_module.json, "loads", counting)
    code, _, err = run(tmp_path, json.dumps(har(*[entry() for _ in range(50)])))
    assert code == 2 and "larger than" in err and read == []


def test_too_many_entries_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(har_module, "MAX_ENTRIES", 3)
    code, _, err = run(tmp_path, har(*[entry() for _ in range(4)]))
    assert code == 2 and "more than 3" in err


def test_bodies_are_dropped_while_parsing() -> None:
    document = har(entry())
    document["log"]["entries"][0]["response"]["content"]["text"] = "B" * 100_000
    parsed = har_module.json.loads(json.dumps(document), object_pairs_hook=har_module._drop_bodies)
    assert parsed["log"]["entries"][0]["response"]["content"]["text"] == 100_000


def test_error_option_and_exit_codes() -> None:
    line = messages.blocked_line(
        url=API, initial_url=API, page_origin=PAGE, reason="PreflightInvalidStatus"
    )
    assert main(["explain", "--error", line, "--format", "json"]) == 1
    assert main(["explain"]) == 2


def test_escape_sequences_from_the_file_never_reach_the_terminal(tmp_path: Path) -> None:
    document = har(
        entry(
            request_headers=[("Origin", PAGE)],
            response_headers=[("Access-Control-Allow-Origin", "\x1b[2Jevil")],
        )
    )
    code, out, _ = run(tmp_path, document)
    assert code == 1 and "\x1b" not in out and "\\x1b" in out


def test_many_redirects_to_one_url_are_followed_without_scanning_each_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each request's next hop is found by bisection: the number of entries
    the chain lookup touches grows linearly with the redirects."""
    login = "https://id.example.com/login"
    entries = []
    for number in range(400):
        entries.append(
            entry(
                url=f"{API}/{number}",
                request_headers=[("Origin", PAGE)],
                status=302,
                response_headers=[("Location", login)],
                redirect=login,
            )
        )
        entries.append(entry(url=login, request_headers=[("Origin", "null")], mime="text/html"))
    parsed = har_module.Har(
        tuple(
            har_module._entry(index, raw, {"page_1": PAGE + "/"})
            for index, raw in enumerate(har(*entries)["log"]["entries"])
        )
    )
    touched = []
    original = har_module.bisect.bisect_right

    def counting(items: Any, *args: Any, **kwargs: Any) -> int:
        touched.append(1)
        return original(items, *args, **kwargs)

    monkeypatch.setattr(har_module.bisect, "bisect_right", counting)
    rebuilt, _ = har_module.rebuild(parsed)
    assert len(rebuilt) == 400
    assert all([hop.url for hop in item.hops] == [item.entry.url, login] for item in rebuilt)
    assert len(touched) == 400  # one lookup per redirect
    assert [item.hops[1].index for item in rebuilt] == list(range(1, 800, 2))


@pytest.mark.parametrize(
    ("lines", "klass"),
    [
        (
            [
                messages.blocked_line(
                    url=API, initial_url=API, page_origin=PAGE, reason="MissingAllowOriginHeader"
                ),
                f"GET {API} net::ERR_FAILED 502 (Bad Gateway)",
            ],
            "gateway-error",
        ),
        (
            [
                messages.blocked_line(
                    url="https://id.example.com/login?next=/",
                    initial_url=API,
                    page_origin=PAGE,
                    reason="MissingAllowOriginHeader",
                )
            ],
            "redirect-to-login",
        ),
    ],
)
def test_console_shows_a_look_alike_the_har_cannot(
    tmp_path: Path, lines: list[str], klass: str
) -> None:
    """A CORS-blocked response is not in Chromium's HAR (status -1, provisional
    headers only); DevTools' network line or the redirected-from line is the
    evidence left."""
    blocked = entry(
        request_headers=[("Referer", PAGE + "/")], status=-1, _failureText="net::ERR_FAILED"
    )
    console = tmp_path / "console.txt"
    console.write_text("\n".join(lines))
    _, [found] = requests_of(tmp_path, har(blocked), "--console", str(console))
    assert (found["not_cors"], found["cause"], found["fix"]) == (klass, klass, None)
    assert found["browser_reason"] == "MissingAllowOriginHeader"


def test_credentials_in_query_strings_are_hidden_unless_asked(tmp_path: Path) -> None:
    url = API + "?access_token=SECRET5&page=2&api_key=SECRET6"
    document = har(entry(url=url, request_headers=[("Origin", PAGE)]))
    for output in ("text", "json"):
        code, out, err = run(tmp_path, document, "--format", output)
        assert code == 1, err
        assert "SECRET" not in out and "access_token=<hidden>&page=2" in out
    _, out, _ = run(tmp_path, document, "--format", "json", "--show-secrets")
    assert "SECRET5" in out and "SECRET6" in out


def test_a_firefox_line_the_model_disagrees_with_is_shown(tmp_path: Path) -> None:
    document = har(
        entry(
            request_headers=[("Origin", PAGE)],
            response_headers=[("Access-Control-Allow-Origin", PAGE)],
        )
    )
    console = tmp_path / "console.txt"
    console.write_text(
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote "
        f"resource at {API}. (Reason: CORS header \u2018Access-Control-Allow-Origin\u2019 "
        "missing). Status code: 200."
    )
    _, [found] = requests_of(tmp_path, document, "--console", str(console), "--browser", "firefox")
    assert found["allowed"] is True
    assert found["disagreement"] and "firefox reported" in found["disagreement"]
    # The verdict is Firefox's own model's, not Chromium's.
    assert not any("Chromium model" in note for note in found["notes"])


# --- what real recordings showed (tests/oracles/browsers/hars) ----------------------


def _preflight_entry(answer: list[tuple[str, str]]) -> dict[str, Any]:
    return entry(
        method="OPTIONS",
        request_headers=[("Origin", PAGE), ("Access-Control-Request-Method", "PUT")],
        status=204,
        response_headers=answer,
        resource_type="preflight",
    )


def test_a_preflight_recorded_after_its_request_is_paired_with_it(tmp_path: Path) -> None:
    # Chromium's DevTools protocol reports the fetch first, then its OPTIONS.
    refused = entry(method="PUT", status=0, response_headers=[], _error="net::ERR_FAILED")
    document = har(refused, _preflight_entry([("Access-Control-Allow-Origin", "https://x.test")]))
    _, [found] = requests_of(tmp_path, document)
    assert (found["preflight"], found["reason"]) == ("recorded", "PreflightAllowOriginMismatch")


def test_credentials_are_inferred_when_only_they_explain_the_failure(tmp_path: Path) -> None:
    # No Cookie recorded (none stored for the API), yet the browser failed a
    # wildcard answer: the page asked for credentials.
    failed = entry(
        request_headers=[("Origin", PAGE)],
        response_headers=[("Access-Control-Allow-Origin", "*")],
        _error="net::ERR_FAILED",
    )
    _, [found] = requests_of(tmp_path, har(failed))
    assert (found["allowed"], found["reason"]) == (False, "WildcardOriginNotAllowed")
    assert any("credentials: 'include'" in note for note in found["notes"])
    # Without the failure, the same answer is allowed.
    passed = entry(
        request_headers=[("Origin", PAGE)], response_headers=[("Access-Control-Allow-Origin", "*")]
    )
    _, [found] = requests_of(tmp_path, har(passed))
    assert found["allowed"] is True


def test_credentials_are_not_inferred_against_the_console(tmp_path: Path) -> None:
    # The console names another reason: the model's disagreement is shown.
    failed = entry(
        request_headers=[("Origin", PAGE)],
        response_headers=[("Access-Control-Allow-Origin", PAGE)],
    )
    console = tmp_path / "console.txt"
    console.write_text(
        f"Access to fetch at '{API}' from origin '{PAGE}' has been blocked by CORS policy: "
        "No 'Access-Control-Allow-Origin' header is present on the requested resource."
    )
    _, [found] = requests_of(tmp_path, har(failed), "--console", str(console))
    assert found["allowed"] is True and found["disagreement"]


def test_a_no_cors_request_refused_by_corp_is_explained(tmp_path: Path) -> None:
    refused = entry(
        request_headers=[("Sec-Fetch-Mode", "no-cors")],
        response_headers=[("Cross-Origin-Resource-Policy", "same-origin")],
        _error="net::ERR_BLOCKED_BY_RESPONSE.NotSameOrigin",
    )
    _, [found] = requests_of(tmp_path, har(refused))
    assert (found["allowed"], found["not_cors"]) == (False, "corp")
    # Firefox's name for it; without the header it is the page's COEP.
    refused["response"]["_error"] = "NS_ERROR_DOM_CORP_FAILED"
    refused["response"]["headers"] = []
    _, [found] = requests_of(tmp_path, har(refused))
    assert (found["allowed"], found["not_cors"]) == (False, "coep")


@pytest.mark.parametrize(
    "line",
    [
        f"Connecting to '{API}' violates the following Content Security Policy directive: "
        "\"connect-src 'self'\". The action has been blocked.",
        f"Fetch API cannot load {API}. Refused to connect because it violates the document's "
        "Content Security Policy.",
        "Content-Security-Policy: The page\u2019s settings blocked the loading of a resource "
        f"(connect-src) at {API} because it violates the following directive: "
        "\u201cconnect-src 'self'\u201d",
    ],
)
def test_a_csp_refusal_only_the_console_names_is_reported(tmp_path: Path, line: str) -> None:
    console = tmp_path / "console.txt"
    console.write_text(line + "\n")
    code, [found] = requests_of(tmp_path, har(), "--console", str(console))
    assert code == 1
    assert (found["url"], found["allowed"], found["not_cors"]) == (API, False, "csp")
    assert "not in the recording" in found["notes"][0]


FIREFOX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0"


@pytest.mark.parametrize("browser", ["firefox", "webkit"])
def test_the_browsers_own_user_agent_is_not_taken_for_the_scripts(
    tmp_path: Path, browser: str
) -> None:
    """Every browser sends a User-Agent; a recording cannot tell it from one
    a script set, so it counts as the script's only when a recorded
    preflight asked for it (Firefox and WebKit preflight a script's)."""
    allow = [("Access-Control-Allow-Origin", PAGE)]
    preflight = entry(
        method="OPTIONS",
        request_headers=[
            ("Origin", PAGE),
            ("Access-Control-Request-Method", "PUT"),
            ("User-Agent", FIREFOX_UA),
        ],
        status=204,
        response_headers=[*allow, ("Access-Control-Allow-Methods", "PUT")],
        resource_type="preflight",
    )
    actual = entry(
        method="PUT",
        request_headers=[("Origin", PAGE), ("User-Agent", FIREFOX_UA)],
        response_headers=allow,
    )
    code, [found] = requests_of(tmp_path, har(preflight, actual), "--browser", browser)
    assert (code, found["allowed"]) == (0, True), found

    asked = entry(
        method="OPTIONS",
        request_headers=[
            ("Origin", PAGE),
            ("Access-Control-Request-Method", "PUT"),
            ("Access-Control-Request-Headers", "user-agent"),
        ],
        status=204,
        response_headers=[*allow, ("Access-Control-Allow-Methods", "PUT")],
        resource_type="preflight",
    )
    refused = entry(
        method="PUT", request_headers=[("Origin", PAGE), ("User-Agent", "mine")], status=0
    )
    code, [found] = requests_of(tmp_path, har(asked, refused), "--browser", browser)
    assert code == 1 and found["allowed"] is False
    assert found["preflight"] == "recorded"


def test_the_pages_own_credentials_mode_is_read_from_fetch(tmp_path: Path) -> None:
    """`_fetch.credentials` (written by the playground's export) says what
    no HAR field can: a credentialed request with no cookie stored. Without
    it, nothing recorded says credentials, and `*` passes."""
    wildcard = [("Access-Control-Allow-Origin", "*")]
    plain = entry(request_headers=[("Origin", PAGE)], response_headers=wildcard)
    _, [found] = requests_of(tmp_path, har(plain))
    assert found["allowed"] is True

    told = entry(
        request_headers=[("Origin", PAGE)],
        response_headers=wildcard,
        _fetch={"credentials": "include", "read_headers": {}},
    )
    code, [found] = requests_of(tmp_path, har(told))
    assert (code, found["allowed"], found["reason"]) == (1, False, "WildcardOriginNotAllowed")


@pytest.mark.parametrize(
    "fetch",
    [
        "include",
        {"credentials": "sometimes", "read_headers": {"X-A": 1, "bad name": "v"}},
        {"credentials": None, "read_headers": ["X-A"]},
        {"read_headers": {f"X-{i}": None for i in range(10_000)}},
    ],
)
def test_a_malformed_fetch_field_is_ignored(tmp_path: Path, fetch: Any) -> None:
    allowed = entry(
        request_headers=[("Origin", PAGE)],
        response_headers=[("Access-Control-Allow-Origin", PAGE)],
        _fetch=fetch,
    )
    code, [found] = requests_of(tmp_path, har(allowed))
    assert (code, found["allowed"]) == (0, True)
    assert found["cause"] in ("allowed", "unreadable-headers")


@pytest.mark.parametrize("error", ["net::ERR_ABORTED", "net::ERR_BLOCKED_BY_CLIENT"])
def test_only_a_cors_like_failure_suggests_credentials(tmp_path: Path, error: str) -> None:
    """An aborted or client-blocked request is no sign the page asked for
    credentials: `*` is not reported as refused for them."""
    aborted = entry(
        request_headers=[("Origin", PAGE)],
        response_headers=[("Access-Control-Allow-Origin", "*")],
        _error=error,
    )
    _, [found] = requests_of(tmp_path, har(aborted))
    assert found["reason"] != "WildcardOriginNotAllowed"
    assert not any("credentials: 'include'" in note for note in found["notes"])
    # Chromium's failure for a CORS refusal still is one.
    refused = {**aborted, "_error": "net::ERR_FAILED"}
    _, [found] = requests_of(tmp_path, har(refused))
    assert found["reason"] == "WildcardOriginNotAllowed"


def test_requests_known_only_from_the_console_are_capped() -> None:
    from crossorigin.explain.captured import MAX_CONSOLE_ONLY, console_only

    lines = [
        f"Refused to connect to 'https://api.test/{index}' because it violates the "
        "following Content Security Policy directive: \"connect-src 'self'\"."
        for index in range(MAX_CONSOLE_ONLY + 500)
    ]
    found = console_only(lines, [], None)
    assert len(found) == MAX_CONSOLE_ONLY
    assert found[0]["not_cors"] == "csp"


def test_a_long_run_without_equals_is_scanned_once() -> None:
    """The secret-parameter pattern bounds a parameter name, so `?token...`
    repeated without `=` costs work in proportion to its length."""
    import time

    from crossorigin.explain.captured import hide_secrets

    def seconds(size: int) -> float:
        text = "?tokentoken" * (size // 11)
        best = float("inf")
        for _ in range(5):  # the best of five: a pause of the machine is not the code's
            started = time.perf_counter()
            hide_secrets(text)
            best = min(best, time.perf_counter() - started)
        return best

    seconds(1000)
    small, large = seconds(20_000), seconds(160_000)
    assert large < max(small, 0.0005) * 32  # linear: 8x; quadratic: 64x
    assert hide_secrets("https://a.test/?access_token=abc&x=1") == (
        "https://a.test/?access_token=<hidden>&x=1"
    )
