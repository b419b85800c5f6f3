"""Configuration injection and the application's own CORS headers, against
the real servers: every policy value reaches the browser as written (no
nginx variable, Caddyfile string, Apache format code or JavaScript made of
it), the policy file's name cannot add a directive or a statement, and no
Access-Control-* header the application sends reaches the browser beside
the policy's.

Each export is written by the real command (`crossorigin export -o DIR`) and
served by the real nginx, Caddy, Apache httpd or node."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from crossorigin import Engine, Policy
from crossorigin.cli import main
from servers.exported import missing, serving
from servers.parity import policy_toml
from servers.upstream import UPSTREAM_CORS_HEADERS, running_upstream

pytestmark = pytest.mark.timeout(120)

#: The formats served here by a real server of their own (the Cloudflare
#: Worker's are in test_export_cloudflare.py; the declarative targets' in
#: test_export_gateways.py).
SERVER_FORMATS = ("nginx", "caddy", "apache", "express")

#: Valid RFC 9110 tokens that each target's configuration language reads as
#: something else: an nginx variable (`$http_cookie` would serve the request's
#: cookies), an Apache mod_headers format code (`%t`, `%D`; `%q` stops httpd
#: from starting), a Caddyfile backtick string.
HOSTILE_TOKENS = {
    "origins": ["https://app.example.com"],
    "methods": ["GET", "X$http_cookie", "X%t", "X%D", "X%q", "X`y"],
    "request_headers": ["x-$http_cookie", "x-`b", "x-%t"],
    "expose_headers": ["x-$http_cookie", "x-%D", "x-`c"],
    "credentials": True,
}
ALLOWED = "https://app.example.com"
REFUSED = "https://evil.test"
COOKIE = {"Cookie": "session=VICTIM-SESSION-TOKEN"}


@pytest.fixture
def upstream() -> Iterator[str]:
    with running_upstream() as url:
        yield url


def export(fields: dict[str, object], format_name: str, tmp: Path, name: str = "p.toml") -> Path:
    policy_file = tmp / name
    policy_file.write_text(policy_toml(fields))
    out = tmp / "out"
    # A trailing slash: a directory even for the one-file formats.
    code = main(["export", "--policy", str(policy_file), "--format", format_name, "-o", f"{out}/"])
    assert code == 0
    return out


#: A name no browser reads: nginx and Apache can only remove headers by exact
#: name, so they remove the ones browsers act on; Caddy and Express remove
#: the whole Access-Control-* family.
EXTRA = "access-control-upstream-extra"


def cors_headers(response: httpx.Response) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in response.headers.multi_items():
        if name.startswith("access-control-") and name != EXTRA:
            found.setdefault(name, []).append(value)
    return found


def engine_headers(policy: Policy, method: str, headers: dict[str, str]) -> dict[str, list[str]]:
    decision = Engine(policy).decide(method, list(headers.items()))
    return {
        name.decode(): [value.decode()]
        for name, value in decision.headers
        if name.startswith(b"access-control-")
    }


@pytest.mark.parametrize("format_name", SERVER_FORMATS)
def test_hostile_tokens_are_served_as_written(
    format_name: str, tmp_path: Path, upstream: str
) -> None:
    if missing(format_name):
        pytest.skip(f"{format_name} is not installed")
    policy = Policy(**HOSTILE_TOKENS)  # type: ignore[arg-type]
    preflight = {
        "Origin": ALLOWED,
        "Access-Control-Request-Method": "X$http_cookie",
        "Access-Control-Request-Headers": "x-$http_cookie,x-`b",
    }
    actual = {"Origin": ALLOWED}
    with (
        serving(format_name, export(HOSTILE_TOKENS, format_name, tmp_path), tmp_path, upstream) as (
            base_url,
            app,
        ),
        httpx.Client(base_url=base_url, timeout=10) as client,
    ):
        allowed_preflight = client.options(app, headers={**preflight, **COOKIE})
        allowed = client.get(app, headers={**actual, **COOKIE})
        refused = client.get(app, headers={"Origin": REFUSED, **COOKIE})
    assert allowed_preflight.status_code == 204
    assert cors_headers(allowed_preflight) == engine_headers(policy, "OPTIONS", preflight)
    assert allowed.headers["access-control-expose-headers"] == ("x-$http_cookie, x-%D, x-`c")
    assert cors_headers(allowed) == engine_headers(policy, "GET", actual)
    # A Caddyfile string opened by a backtick swallowed the directives after
    # it: the refused origin then got the application's `*` with credentials.
    assert cors_headers(refused) == {}
    for response in (allowed_preflight, allowed, refused):
        assert "VICTIM" not in str(response.headers)


@pytest.mark.parametrize("format_name", SERVER_FORMATS)
def test_application_cors_headers_never_reach_the_browser(
    format_name: str, tmp_path: Path, upstream: str
) -> None:
    """The application sends every Access-Control-* header a browser reads
    (ACAO `*`, ACAC, ACEH `x-secret`, ...): only the policy's are served."""
    if missing(format_name):
        pytest.skip(f"{format_name} is not installed")
    fields: dict[str, object] = {"origins": [ALLOWED], "methods": ["GET", "POST"]}
    policy = Policy(**fields)  # type: ignore[arg-type]
    with (
        serving(format_name, export(fields, format_name, tmp_path), tmp_path, upstream) as (
            base_url,
            app,
        ),
        httpx.Client(base_url=base_url, timeout=10) as client,
    ):
        allowed = client.get(app, headers={"Origin": ALLOWED})
        refused = client.get(app, headers={"Origin": REFUSED})
        not_cors = client.get(app)
    assert allowed.status_code == 200
    assert allowed.headers["x-secret"] == "s3cr3t"  # the application answered
    assert cors_headers(allowed) == engine_headers(policy, "GET", {"Origin": ALLOWED})
    assert cors_headers(allowed) == {"access-control-allow-origin": [ALLOWED]}
    assert cors_headers(refused) == {}
    browser_read = {name.lower() for name, _ in UPSTREAM_CORS_HEADERS} - {EXTRA}
    assert not browser_read & set(cors_headers(not_cors))
    if format_name in ("caddy", "express"):
        assert EXTRA not in allowed.headers


@pytest.mark.parametrize(
    ("format_name", "injected"),
    [
        ("nginx", "add_header X-Injected yes always;"),
        ("caddy", "header X-Injected yes"),
        ("apache", "Header always set X-Injected yes"),
    ],
)
def test_policy_file_name_cannot_add_a_directive(
    format_name: str, injected: str, tmp_path: Path, upstream: str
) -> None:
    if missing(format_name):
        pytest.skip(f"{format_name} is not installed")
    fields: dict[str, object] = {"origins": [ALLOWED]}
    out = export(fields, format_name, tmp_path, f"p\n{injected}\n#.toml")
    with serving(format_name, out, tmp_path, upstream) as (base_url, app):
        response = httpx.get(base_url + app, headers={"Origin": ALLOWED}, timeout=10)
    assert response.status_code == 200
    assert "x-injected" not in response.headers
    written = "".join(path.read_text() for path in out.iterdir())
    assert f"p\\x0a{injected}\\x0a#.toml" in written


def test_caddy_environment_placeholder_in_file_name_stays_a_comment(
    tmp_path: Path, upstream: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Caddy substitutes {$NAME} everywhere, comments included."""
    if missing("caddy"):
        pytest.skip("caddy is not installed")
    monkeypatch.setenv("CROSSORIGIN_INJECTED", "\nheader X-Injected yes\n#")
    out = export({"origins": [ALLOWED]}, "caddy", tmp_path, "p{$CROSSORIGIN_INJECTED}.toml")
    with serving("caddy", out, tmp_path, upstream) as (base_url, app):
        response = httpx.get(base_url + app, headers={"Origin": ALLOWED}, timeout=10)
    assert response.status_code == 200
    assert "x-injected" not in response.headers


@pytest.mark.skipif(missing("express"), reason="node is not installed")
@pytest.mark.parametrize("line_break", ["\n", "\r", "\u2028", "\u2029"])
def test_policy_file_name_cannot_run_javascript_at_require(line_break: str, tmp_path: Path) -> None:
    # `<!--` starts a line comment in a CommonJS module (an HTML-like comment,
    # ECMA-262 Annex B.1.1): the rest of the line is not a syntax error.
    name = f"p{line_break}globalThis.injected = 1 <!--.toml"
    out = export({"origins": [ALLOWED]}, "express", tmp_path, name)
    done = subprocess.run(
        [
            "node",
            "-e",
            f"require({str(out / 'cors.js')!r}); console.log(typeof globalThis.injected)",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "undefined"


@pytest.mark.skipif(missing("caddy"), reason="caddy is not installed")
def test_caddy_lone_backtick_does_not_swallow_the_directives_after_it(
    tmp_path: Path, upstream: str
) -> None:
    """A value with no space was written unquoted; a token starting with a
    backtick opened a Caddyfile string that swallowed the directives after
    it (before the fix the header below was never sent)."""
    fields: dict[str, object] = {
        "origins": [ALLOWED],
        "expose_headers": ["`a"],
        "credentials": True,
    }
    with (
        serving("caddy", export(fields, "caddy", tmp_path), tmp_path, upstream) as (base_url, app),
        httpx.Client(base_url=base_url, timeout=10) as client,
    ):
        allowed = client.get(app, headers={"Origin": ALLOWED})
        refused = client.get(app, headers={"Origin": REFUSED})
    assert cors_headers(refused) == {}
    assert allowed.headers["access-control-expose-headers"] == "`a"
