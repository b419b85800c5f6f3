"""Console-line recognition (crossorigin.explain.errors): the model's own lines
read back, and the look-alikes that are not CORS."""

from __future__ import annotations

import pytest

from crossorigin.browser import messages
from crossorigin.explain.captured import explain_error
from crossorigin.explain.errors import recognise

URL = "https://api.example.com/v1/items?x=1"
FIRST = "https://api.example.com/old"
PAGE = "https://app.example.com"


@pytest.mark.parametrize("reason", sorted(messages.REASONS))
@pytest.mark.parametrize("redirected", [False, True])
def test_every_reason_the_model_prints_is_read_back(reason: str, redirected: bool) -> None:
    line = messages.blocked_line(
        url=URL,
        initial_url=FIRST if redirected else URL,
        page_origin=PAGE,
        reason=reason,
        failed_parameter="X-Token, \u00e9",
    )
    found = recognise(line)
    assert (found.kind, found.engine, found.reason) == ("cors", "chromium", reason)
    assert (found.url, found.origin) == (URL, PAGE)
    assert found.initial_url == (FIRST if redirected else None)
    if "{}" in messages.reason_text(reason, "{}"):
        assert found.parameter == messages.encode_hint("X-Token, \u00e9")


def test_xhr_lines_are_read_like_fetch_lines() -> None:
    line = messages.blocked_line(
        url=URL, initial_url=URL, page_origin=PAGE, reason="MissingAllowOriginHeader"
    ).replace("Access to fetch", "Access to XMLHttpRequest")
    assert recognise(line).reason == "MissingAllowOriginHeader"


def test_blink_mode_lines_are_recognised() -> None:
    line = messages.same_origin_mode_line(url=URL, page_origin=PAGE)
    found = recognise(line)
    assert (found.cause, found.url, found.origin) == ("same-origin-mode", URL, PAGE)


@pytest.mark.parametrize(
    ("line", "klass"),
    [
        (
            "Refused to connect to 'https://api.example.com/x' because it violates the "
            "following Content Security Policy directive: \"connect-src 'self'\".",
            "csp",
        ),
        (
            "Mixed Content: The page at 'https://app.example.com/' was loaded over HTTPS, but "
            "requested an insecure resource 'http://api.example.com/x'. This request has been "
            "blocked; the content must be served over HTTPS.",
            "mixed-content",
        ),
        (
            "GET https://cdn.example.net/a.js "
            "net::ERR_BLOCKED_BY_RESPONSE.NotSameOriginAfterDefaultedToSameOriginByCoep 200 (OK)",
            "coep",
        ),
        (
            "Access to fetch at 'http://192.168.1.2/api' from origin 'https://app.example.com' "
            "has been blocked by CORS policy: Permission was denied for this request to access "
            "the `local` address space.",
            "local-network-access",
        ),
    ],
)
def test_look_alikes_are_not_cors(line: str, klass: str) -> None:
    result = explain_error(line)
    assert result["not_cors"] == klass
    assert result["summary"].startswith("Not")
    assert result["fix"] is None


def test_failed_to_fetch_alone_lists_the_causes_and_their_evidence() -> None:
    result = explain_error("Uncaught (in promise) TypeError: Failed to fetch")
    assert result["cause"] == "failed-to-fetch"
    causes = {note.split(":")[0] for note in result["notes"]}
    assert {"cors", "csp", "mixed-content", "local-network-access", "network"} <= causes


def test_network_errors_are_named_not_cors() -> None:
    result = explain_error("GET https://api.example.com/x net::ERR_CONNECTION_REFUSED")
    assert result["cause"] == "network-error"
    assert "not a CORS error" in result["summary"]
    assert result["url"] == "https://api.example.com/x"


def test_a_cors_line_is_explained_with_the_reason_table_and_fixes() -> None:
    line = messages.blocked_line(
        url=URL, initial_url=URL, page_origin=PAGE, reason="PreflightWildcardOriginNotAllowed"
    )
    result = explain_error(line)
    assert result["cause"] == "credentials-mode-mismatch"
    assert result["fix"] and "fastapi" in result["fix"]
    assert "credentials=True" in result["fix"]["fastapi"]


def test_firefox_and_webkit_shapes_are_recognised_generically() -> None:
    firefox = recognise(
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote "
        "resource at https://api.example.com/x. (Reason: CORS header "
        "\u2018Access-Control-Allow-Origin\u2019 missing). Status code: 200.",
        browser="firefox",
    )
    assert (firefox.kind, firefox.engine, firefox.url) == (
        "cors",
        "firefox",
        "https://api.example.com/x",
    )
    webkit = recognise(
        "Origin https://app.example.com is not allowed by Access-Control-Allow-Origin. "
        "Status code: 200",
        browser="webkit",
    )
    assert (webkit.engine, webkit.origin) == ("webkit", "https://app.example.com")


def test_an_unrelated_line_is_said_to_be_unrecognised() -> None:
    result = explain_error("Uncaught ReferenceError: foo is not defined")
    assert result["cause"] == "unrecognised"


def test_check_reports_a_gateway_error_as_not_cors() -> None:
    from crossorigin.browser import FetchRequest, HTTPResponse, run_fetch
    from crossorigin.check import report

    request = FetchRequest(page_origin=PAGE, url=URL)
    trace = run_fetch(request, lambda *_: HTTPResponse(504, (("Server", "awselb/2.0"),)))
    notes = report(trace)["explanation"]["notes"]
    assert any(note.startswith("Not CORS (gateway-error)") for note in notes)


def test_an_engine_table_plugs_in_from_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once messages.py defines an engine's texts and line function, its
    table is generated from them and each line reads back to its key."""
    from crossorigin.explain import errors

    texts = {
        "CORSMissingAllowOrigin2": "CORS header missing). Status code: {status}.",
        "CORSAllowOriginNotMatchingOrigin": "CORS header does not match \u2018{}\u2019).",
    }

    def firefox_line(key: str, *, url: str, parameter: str = "", status: object = None) -> str:
        text = texts[key].replace("{status}", str(status)).replace("{}", parameter)
        return f"Blocked: resource at {url}. (Reason: {text}"

    monkeypatch.setattr(messages, "FIREFOX_TEXTS", texts, raising=False)
    monkeypatch.setattr(messages, "firefox_line", firefox_line, raising=False)
    monkeypatch.setattr(errors, "_TABLES", {})
    for key in texts:
        found = recognise(firefox_line(key, url=URL, parameter=PAGE, status=200), browser="firefox")
        assert (found.engine, found.reason, found.url) == ("firefox", key.rstrip("0123456789"), URL)


_HOSTILE_UNITS = (
    "Access to fetch at 'a' from origin '",
    "(redirected from '",
    "Refused to connect to '",
    "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote "
    "resource at a. (Reason: ",
    messages.blocked_line(
        url=URL, initial_url=URL, page_origin=PAGE, reason="MethodDisallowedByPreflightResponse",
        failed_parameter="P",
    ) + "X",
)  # fmt: skip


def _hostile_seconds(size: int) -> float:
    import time

    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for unit in _HOSTILE_UNITS:
            recognise((unit * (size // len(unit) + 1))[:size])
        best = min(best, time.perf_counter() - start)
    return best


def test_hostile_lines_cost_far_less_than_cubic_and_long_ones_are_refused() -> None:
    """Before the groups were limited to a word, a 36 KB paste of repeated
    `Access to fetch at 'a' from origin '` ran for minutes (every lazy group
    tried every end point). Four times the size must cost far less than the
    64 times a cubic search would (generous: quadratic is 16)."""
    from crossorigin.explain.errors import MAX_LINE

    recognise("warm the tables")
    small, large = _hostile_seconds(MAX_LINE // 4), _hostile_seconds(MAX_LINE)
    assert large < max(small, 0.001) * 48
    found = recognise("Access to fetch at " + "a" * MAX_LINE)
    assert found.kind == "unknown" and "longer than" in (found.detail or "")


@pytest.mark.parametrize(
    ("engine", "texts", "line_function"),
    [("firefox", "FIREFOX_TEXTS", "firefox_line"), ("webkit", "WEBKIT_TEXTS", "webkit_line")],
)
def test_every_firefox_and_webkit_line_the_model_prints_is_read_back(
    engine: str, texts: str, line_function: str
) -> None:
    """Active once browser/messages.py holds the engine's texts."""
    keys = getattr(messages, texts, None)
    line = getattr(messages, line_function, None)
    if keys is None or line is None:
        pytest.skip(f"browser/messages.py has no {texts} yet")
    for key in keys:
        if engine == "firefox":
            printed = line(key, url=URL, parameter="x-token", status=200)
            expected = (key.rstrip("0123456789"), URL, None)
        else:
            printed = line(key, origin=PAGE, parameter="x-token", status=200)
            expected = (key, None, PAGE if "{origin}" in keys[key] else None)
        found = recognise(printed, browser=engine)
        assert (found.reason, found.url, found.origin) == expected, (key, printed)


def test_a_firefox_reason_is_explained_by_chromium_s_row_for_the_same_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from crossorigin.explain import errors

    texts = {"CORSNotSupportingCredentials": "Credential is not supported if '*')."}

    def firefox_line(key: str, *, url: str, parameter: str = "", status: object = None) -> str:
        return f"Cross-Origin Request Blocked: resource at {url}. (Reason: {texts[key]}"

    monkeypatch.setattr(messages, "FIREFOX_TEXTS", texts, raising=False)
    monkeypatch.setattr(messages, "firefox_line", firefox_line, raising=False)
    monkeypatch.setattr(errors, "_TABLES", {})
    result = explain_error(firefox_line("CORSNotSupportingCredentials", url=URL), browser="firefox")
    assert result["reason"] == "CORSNotSupportingCredentials"  # the engine's own name
    assert result["cause"] == "credentials-mode-mismatch"
    assert result["fix"] is not None
    assert set(errors.CHROMIUM_EQUIVALENT.values()) <= messages.REASONS


def test_firefox_only_failures_are_explained_without_a_cors_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from crossorigin.explain import errors

    texts = {"CORSDidNotSucceed2": "CORS request did not succeed). Status code: {status}."}

    def firefox_line(key: str, *, url: str, parameter: str = "", status: object = None) -> str:
        text = texts[key].replace("{status}", str(status))
        return f"Cross-Origin Request Blocked: resource at {url}. (Reason: {text}"

    monkeypatch.setattr(messages, "FIREFOX_TEXTS", texts, raising=False)
    monkeypatch.setattr(messages, "firefox_line", firefox_line, raising=False)
    monkeypatch.setattr(errors, "_TABLES", {})
    result = explain_error(firefox_line("CORSDidNotSucceed2", url=URL, status="(null)"))
    assert (result["reason"], result["cause"], result["fix"]) == (
        "CORSDidNotSucceed",
        "network-error",
        None,
    )


def test_every_webkit_reason_is_explained_with_its_own_words() -> None:
    """No WebKit line the model prints ends in the generic "a CORS failure
    reported by webkit": each reason has a Chromium row for the same check
    or words of its own."""
    for reason in sorted(messages.WEBKIT_TEXTS):
        line = messages.webkit_line(reason, origin="http://page.test", parameter="x", status=200)
        result = explain_error(line, browser="webkit")
        assert result["reason"] == reason, line
        assert "A CORS failure reported by" not in result["summary"], (reason, result)


@pytest.mark.parametrize(
    ("line", "cause", "url"),
    [
        (messages.webkit_mode_line(url="http://b.test/x"), "request-mode", "http://b.test/x"),
        (
            messages.webkit_unsafe_redirect_line(
                url="http://b.test/y", page_origin="http://a.test"
            ),
            "redirect",
            "http://b.test/y",
        ),
        (
            "Fetch API cannot load http://b.test/z due to access control checks.",
            "cors",
            "http://b.test/z",
        ),
    ],
)
def test_webkit_lines_beside_the_reason_lines_are_recognised(
    line: str, cause: str, url: str
) -> None:
    result = explain_error(line, browser="webkit")
    assert (result["cause"], result["url"]) == (cause, url)
    assert "A CORS failure reported by" not in result["summary"]
    # Recognised without being told the engine too.
    assert explain_error(line)["url"] == url


def test_a_line_without_url_or_origin_gives_no_advice_built_on_placeholders() -> None:
    result = explain_error("FTP URLs are disabled", browser="webkit")
    assert result["reason"] == "FtpDisabled"
    assert not any("unknown.invalid" in note for note in result["notes"])


@pytest.mark.parametrize(
    ("line", "cause"),
    [
        (
            messages.webkit_bad_port_line(port=6000, url="http://127.0.0.1:6000/x"),
            "network-error",
        ),
        (messages.webkit_no_cors_redirect_mode_line(), "request-mode"),
    ],
)
def test_webkit_refusals_before_sending_are_explained(line: str, cause: str) -> None:
    result = explain_error(line, browser="webkit")
    assert result["cause"] == cause
    assert "A CORS failure reported by" not in result["summary"]


def test_chromium_bad_port_error_is_explained() -> None:
    result = explain_error("GET http://127.0.0.1:6000/x net::ERR_UNSAFE_PORT")
    assert result["not_cors"] is None and result["cause"] == "network-error"
    assert "bad ports" in result["summary"]


def test_a_line_repeating_a_webkit_prefix_is_read_in_linear_time() -> None:
    """`redirection URL {} has credentials` once matched its parameter with
    `[^\\n]*?`: a line repeating "redirection URL x " cost a scan to the end
    of the line at every repeat (quadratic). The group is one word now, so
    each start gives up within it: eight times the line, about eight times
    the work (a generous ratio of two sizes, not a time limit)."""
    import time

    from crossorigin.explain.errors import MAX_LINE

    def seconds(size: int) -> float:
        line = ("redirection URL x " * (size // 18 + 1))[:size]
        best = float("inf")
        for _ in range(5):  # the best of five: a pause of the machine is not the code's
            started = time.perf_counter()
            recognise(line, browser="webkit")
            best = min(best, time.perf_counter() - started)
        return best

    seconds(1000)
    small, large = seconds(MAX_LINE // 8), seconds(MAX_LINE)
    # Linear: about 8x; quadratic: 64x. Generous either way.
    assert large < max(small, 0.0005) * 32
