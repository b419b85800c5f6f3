"""Origin patterns and the compiled matcher."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossorigin import ConfigError, Origin, OriginSyntaxError, Policy
from crossorigin.origin import MAX_PORT_LIST
from crossorigin.patterns import (
    ANY_PORT,
    OriginMatcher,
    OriginPattern,
    PatternKind,
    compile_matcher,
)


def matcher(*texts: str, regex: str | None = None) -> OriginMatcher:
    return OriginMatcher([OriginPattern.parse(t) for t in texts], regex)


def test_parse_kinds() -> None:
    assert OriginPattern.parse("*").kind is PatternKind.ANY
    exact = OriginPattern.parse("https://example.com:8443")
    assert (exact.kind, exact.scheme, exact.host, exact.port) == (
        PatternKind.EXACT,
        "https",
        "example.com",
        8443,
    )
    sub = OriginPattern.parse("https://*.example.com")
    assert (sub.kind, sub.host, sub.port) == (PatternKind.SUBDOMAINS, "example.com", None)
    both = OriginPattern.parse("https://*.example.com:*")
    assert (both.kind, both.port) == (PatternKind.SUBDOMAINS, ANY_PORT)
    ports = OriginPattern.parse("http://localhost:*")
    assert (ports.kind, ports.host, ports.port) == (PatternKind.ANY_PORT, "localhost", ANY_PORT)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("https://a.*.example.com", "origin-invalid-wildcard"),
        ("https://*example.com", "origin-invalid-wildcard"),
        ("https://ex*ample.com", "origin-invalid-wildcard"),
        ("https://*.127.0.0.1", "origin-invalid-wildcard"),
        ("https://*.[::1]", "origin-invalid-wildcard"),
        ("https://*.com", None),  # syntactically fine; the policy judges public suffixes
        ("https://*.example.com/", "origin-trailing-slash"),
        ("https://*.Example.com", "origin-uppercase"),
        ("http://localhost:*/", "origin-invalid-wildcard"),
        ("https://*", "origin-invalid-wildcard"),
    ],
)
def test_parse_refuses_bad_wildcards(text: str, code: str | None) -> None:
    if code is None:
        OriginPattern.parse(text)
        return
    with pytest.raises(OriginSyntaxError) as error:
        OriginPattern.parse(text)
    assert error.value.code == code


SUBDOMAIN_CASES = [
    (b"https://a.example.com", True),
    (b"https://a.b.example.com", True),
    (b"https://example.com", False),  # the apex is not a subdomain
    (b"http://a.example.com", False),  # scheme differs
    (b"https://a.example.com:8443", False),  # port differs
    (b"https://aexample.com", False),
    (b"https://a.example.com.evil.net", False),
    (b"https://a.example.comx", False),
    (b"https://.example.com", False),
    (b"https://a..example.com", False),
    (b"https://A.example.com", False),  # browsers send lower case; compare as they do
    (b"https://a.example.com/", False),
    (b"https://a.example.com:", False),
    (b"https://a.example.com:443", False),
    (b"https://user@a.example.com", False),
    (b"https://evil.com/.example.com", False),
    (b"https://a.example.com\r\n", False),
    (b"https://\xc3\xa9.example.com", False),
]


@pytest.mark.parametrize(("raw", "expected"), SUBDOMAIN_CASES)
def test_subdomain_pattern(raw: bytes, expected: bool) -> None:
    assert matcher("https://*.example.com").match(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"http://localhost", True),
        (b"http://localhost:3000", True),
        (b"http://localhost:65535", True),
        (b"http://localhost:65536", False),
        (b"http://localhost:03000", False),
        (b"http://localhost:80", False),
        (b"https://localhost:3000", False),
        (b"http://localhost.evil.com:3000", False),
        (b"http://a.localhost:3000", False),
    ],
)
def test_port_wildcard(raw: bytes, expected: bool) -> None:
    assert matcher("http://localhost:*").match(raw) is expected


def test_subdomains_with_any_port_and_ipv6_exact() -> None:
    m = matcher("https://*.example.com:*", "http://[::1]:8000")
    assert m.match(b"https://a.example.com:1234")
    assert m.match(b"https://a.example.com")
    assert m.match(b"http://[::1]:8000")
    assert not m.match(b"http://[::1]:8001")


def test_exact_is_byte_for_byte() -> None:
    m = matcher("https://example.com")
    assert m.match(b"https://example.com")
    for raw in (b"https://example.com/", b"https://EXAMPLE.com", b"https://example.com:443", b""):
        assert not m.match(raw)


def test_regex_is_full_matched() -> None:
    m = matcher("https://example.com", regex=r"https://[a-z]+\.example\.org")
    assert m.match(b"https://app.example.org")
    assert not m.match(b"https://app.example.org.evil.com")
    assert not m.match(b"xhttps://app.example.org")
    assert not m.match(b"https://\xff.example.org")


def test_any() -> None:
    m = matcher("*")
    assert m.matches_any
    assert m.match(b"null")


def test_pattern_matches_parsed_origins() -> None:
    pattern = OriginPattern.parse("https://*.example.com")
    assert pattern.matches(Origin.parse("https://a.example.com"))
    assert not pattern.matches(Origin.parse("https://example.com"))
    assert not pattern.matches(Origin.opaque())
    assert OriginPattern.parse("null").matches(Origin.opaque())


@given(st.binary(max_size=400))
def test_matcher_never_raises_and_agrees_with_the_pattern_model(raw: bytes) -> None:
    texts = ["https://*.example.com", "http://localhost:*", "https://app.test:8443"]
    compiled = matcher(*texts)
    result = compiled.match(raw)
    if result:
        origin = Origin.parse_strict(raw.decode("ascii"))
        assert origin.serialize().encode() == raw
        assert any(OriginPattern.parse(t).matches(origin) for t in texts)


labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)


@given(st.lists(labels, min_size=1, max_size=4), st.sampled_from(["http", "https"]))
def test_every_subdomain_matches(prefix: list[str], scheme: str) -> None:
    raw = f"{scheme}://{'.'.join(prefix)}.example.com".encode()
    assert matcher("https://*.example.com").match(raw) is (scheme == "https")


# --- Messages quote the user's own pattern -----------------------------------------------

# (pattern as written, code, the text the hint tells the user to write, or None when the
# hint is not a pattern to write)
PATTERN_MESSAGES: list[tuple[str, str, str | None]] = [
    ("https://*.Example.com", "origin-uppercase", "https://*.example.com"),
    ("HTTPS://*.example.com", "origin-uppercase", "https://*.example.com"),
    ("http://LOCALHOST:*", "origin-uppercase", "http://localhost:*"),
    ("https://*.Example.com:8443", "origin-uppercase", "https://*.example.com:8443"),
    (" https://*.example.com", "origin-whitespace", "https://*.example.com"),
    ("https://*.example.com/", "origin-trailing-slash", "https://*.example.com"),
    ("https://*.example.com:*/", "origin-invalid-wildcard", None),
    ("https://*.example.com/api", "origin-has-path", "https://*.example.com"),
    ("https://*.example.com?x=1", "origin-has-query", "https://*.example.com"),
    ("https://*.example.com#top", "origin-has-fragment", "https://*.example.com"),
    ("https://*.example.com:443", "origin-default-port", "https://*.example.com"),
    ("https://*.bücher.de", "origin-non-ascii-host", "https://*.xn--bcher-kva.de"),
    ("https://*.bücher.de:*", "origin-non-ascii-host", "https://*.xn--bcher-kva.de:*"),
    ("http://[::ABCD]:*", "origin-invalid-host", "http://[::abcd]:*"),
    ("http://[0:0::1]:*", "origin-invalid-host", "http://[::1]:*"),
    ("http://localhost:3000:*", "origin-invalid-wildcard", "http://localhost:*"),
    ("https://*.example.com:0443", "origin-invalid-port", None),
    ("https://*.example.com:70000", "origin-port-out-of-range", None),
    ("https://*.exa mple.com", "origin-invalid-host", None),
    ("https://*.exa..mple.com", "origin-invalid-host", None),
    ("https://*.a.0x1", "origin-invalid-host", None),
    ("https://*.127.0.0.1", "origin-invalid-wildcard", None),
    ("https://a.*.example.com", "origin-invalid-wildcard", None),
    ("1ftp://*.example.com", "origin-invalid-scheme", None),
    ("*.example.com", "origin-missing-scheme", "https://*.example.com"),
    ("https://*." + "a" * 320 + ".com", "origin-too-long", None),
]


@pytest.mark.parametrize(("text", "code", "fix"), PATTERN_MESSAGES)
def test_pattern_errors_quote_the_pattern_as_written(text: str, code: str, fix: str | None) -> None:
    with pytest.raises(OriginSyntaxError) as error:
        OriginPattern.parse(text)
    assert error.value.code == code
    message, hint = str(error.value), error.value.hint
    # The message names what the user wrote, never a placeholder standing in for `*`.
    assert repr(text)[:40] in message, message
    assert "x." not in (message + hint).replace(text, ""), (message, hint)
    if fix is None:
        return
    assert f"'{fix}'" in hint, hint
    # The suggestion is itself a pattern of the same kind.
    written = OriginPattern.parse(fix)
    if "*." in text:
        assert written.kind is PatternKind.SUBDOMAINS
    if text.endswith(":*"):
        assert written.port == ANY_PORT


def test_policy_messages_about_patterns_quote_them() -> None:
    """The policy adds its own pattern messages (insecure scheme, public suffix,
    redundancy); each quotes the pattern as written and suggests a pattern."""
    from crossorigin import ConfigError, Policy

    with pytest.raises(ConfigError) as error:
        Policy(origins=["http://*.example.com", "https://*.co.uk"], credentials=True)
    insecure, public_suffix = error.value.issues
    assert "'https://*.example.com'" in insecure.message, insecure
    assert "'https://*.co.uk'" in public_suffix.message, public_suffix
    with pytest.raises(ConfigError) as error:
        Policy(origins=["https://*.Example.com"])
    (issue,) = error.value.issues
    assert issue.value == "https://*.Example.com"
    assert "write 'https://*.example.com'" in issue.message and "x.example" not in issue.message
    (note,) = Policy(origins=["https://*.example.com", "https://a.example.com"]).notes
    assert note.value == "https://a.example.com" and "'https://*.example.com'" in note.message


# -- in-label globs and port lists ----------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("https://myapp-git-main-team.vercel.app", True),
        ("https://myapp-x-team.vercel.app", True),
        ("https://myapp--team.vercel.app", False),  # `*` is at least one character
        ("https://myapp-a.b-team.vercel.app", False),  # never a dot
        ("https://evil.myapp-x-team.vercel.app", False),  # one label only
        ("https://myapp-x-team.vercel.app.evil.com", False),
        ("https://myapp-x-teams.vercel.app", False),
        ("http://myapp-x-team.vercel.app", False),
        ("https://myapp-x-team.vercel.app:8443", False),
        ("https://vercel.app", False),
    ],
)
def test_label_glob_matches_one_label(origin: str, expected: bool) -> None:
    policy = Policy(
        origins=["https://myapp-*-team.vercel.app"],
        dangerously_allow_public_suffix_subdomains=True,
    )
    matcher = compile_matcher(policy)
    assert matcher.match(origin.encode()) is expected
    # The tools' matcher (OriginPattern.matches) agrees with the compiled one.
    assert policy.patterns[0].matches(Origin.parse(origin)) is expected


def test_label_glob_with_any_port_and_beside_subdomains() -> None:
    matcher = compile_matcher(
        Policy(origins=["https://pr-*.preview.example.com:*", "https://*.example.org"])
    )
    assert matcher.match(b"https://pr-12.preview.example.com:8443")
    assert matcher.match(b"https://pr-12.preview.example.com")
    assert not matcher.match(b"https://pr-.preview.example.com")
    assert matcher.match(b"https://a.example.org")


def test_port_list_is_exact_origins() -> None:
    policy = Policy(origins=["http://localhost:[3000,5173]"], credentials=True)
    assert policy.origins == ("http://localhost:[3000,5173]",)
    assert [p.text for p in policy.patterns] == ["http://localhost:3000", "http://localhost:5173"]
    matcher = compile_matcher(policy)
    assert matcher.exact == {b"http://localhost:3000", b"http://localhost:5173"}
    assert not matcher.match(b"http://localhost:8080")
    assert Policy(**policy.to_dict()) == policy


def test_a_port_list_is_bounded() -> None:
    ports = ",".join(str(3000 + n) for n in range(MAX_PORT_LIST + 1))
    with pytest.raises(ConfigError, match="more than"):
        Policy(origins=[f"http://localhost:[{ports}]"])


def test_app_schemes_opt_in() -> None:
    policy = Policy(
        origins=["capacitor://localhost", "ionic://localhost", "https://app.example.com"],
        app_schemes=["capacitor", "ionic"],
        credentials=True,
    )
    assert compile_matcher(policy).match(b"capacitor://localhost")
    with pytest.raises(ConfigError, match="app_schemes=\\['capacitor'\\]"):
        Policy(origins=["capacitor://localhost"])
