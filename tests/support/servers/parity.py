"""Policies x requests for the export parity tests: a real server running an
exported configuration must answer each request as `Engine` decides.

Each request is sent to `/` (answered 200 by the server's application part)
and the error ones to `/error` (answered 500), so `always`-style handling is
checked on error responses too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from crossorigin import Engine, Policy
from crossorigin.export.plan import ExportPlan, Placeholder, State

POLICIES: dict[str, dict[str, Any]] = {
    "credentials-exact-and-subdomains": {
        "origins": ["http://localhost:3000", "https://*.example.com"],
        "methods": ["GET", "POST", "PUT"],
        "request_headers": ["content-type", "x-token"],
        "credentials": True,
        "expose_headers": ["x-total", "x-page"],
        "max_age": 600,
    },
    "any-origin-defaults": {"origins": "*"},
    "any-origin-wildcards": {
        "origins": "*",
        "methods": "*",
        "request_headers": "*",
        "expose_headers": "*",
        "max_age": 0,
    },
    "credentials-wildcards-echo": {
        "origins": ["https://app.example.com", "http://localhost:*"],
        "methods": "*",
        "request_headers": "*",
        "credentials": True,
    },
    "regex-and-null": {
        "origins": ["null"],
        "origin_regex": r"https://[a-z]+\.example\.org",
        "dangerously_allow_null_origin": True,
        "methods": ["PATCH", "DELETE"],
    },
    # Quotes, backtick and # end a configuration string in some target; the
    # export writes them as \xHH in the regex.
    # Quotes and backticks cannot reach a regex (the policy refuses them);
    # braces, `$`, `|` and backslashes are what each format must still carry.
    "regex-with-specials": {
        "origins": ["https://app.example.com"],
        "origin_regex": "https://[a-z0-9-]{1,20}\\.example\\.org|https://(x|y)z\\.test$",
    },
    # Valid tokens that nginx, Apache and Caddy read as variables, format codes
    # or strings when written unquoted.
    "hostile-tokens": {
        "origins": ["https://app.example.com"],
        "methods": ["GET", "X$http_origin", "X%t", "X%D", "X`y"],
        "request_headers": ["x-$http_origin", "x-`b", "x-%t"],
        "expose_headers": ["x-$http_origin", "x-%D"],
        "credentials": True,
    },
    "private-network-ports": {
        "origins": ["https://*.example.com:*", "http://[::1]:*"],
        "request_headers": ["*", "authorization"],
        "private_network": True,
        "max_age": 7200,
    },
}

ORIGINS = [
    "http://localhost:3000",
    "http://localhost:3001",
    "http://localhost",
    "http://localhost:80",
    "http://localhost:08080",
    "http://localhost:65535",
    "http://localhost:65536",
    "http://[::1]:8080",
    "https://app.example.com",
    "https://a.b.example.com",
    "https://example.com",
    "https://app.example.com:8443",
    "https://app.example.com:443",
    "https://evilexample.com",
    "https://app.example.com.evil.test",
    "https://APP.example.com",
    "https://a..example.com",
    "https://app.example.com/",
    "https://shop.example.org",
    "https://shop.example.org.evil.test",
    "https://xz.test",
    "https://yz.test",
    "https://sh`op.example.org",
    "null",
    "https://evil.test",
    "not an origin",
    "https://" + "a" * 320 + ".example.com",
]

PREFLIGHTS: list[tuple[str, str | None, str | None]] = [
    # (Access-Control-Request-Method, -Headers, -Private-Network)
    ("GET", None, None),
    ("PUT", "content-type,x-token", None),
    ("PUT", "X-Token , Content-Type", None),
    ("DELETE", None, None),
    ("PATCH", "x-anything", None),
    ("patch", None, None),
    ("POST", "authorization", None),
    ("POST", "a b", None),
    ("GET", ",,x-token,", None),
    ("GET", "x-custom", "true"),
    ("GET", None, "false"),
    ("X-WEIRD", None, None),
    ("X$http_origin", "x-$http_origin,x-`b", None),
]


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {dict(self.headers)}"


def probes() -> list[Probe]:
    found = [
        Probe("GET", "/", ()),
        Probe("GET", "/error", ()),
        Probe("OPTIONS", "/", ()),
        Probe("OPTIONS", "/", (("Access-Control-Request-Method", "PUT"),)),
    ]
    for origin in ORIGINS:
        found.append(Probe("GET", "/", (("Origin", origin),)))
        found.append(Probe("POST", "/error", (("Origin", origin),)))
        found.append(Probe("OPTIONS", "/", (("Origin", origin),)))
    for origin in (
        "http://localhost:3000",
        "https://app.example.com",
        "https://shop.example.org",
        "null",
        "https://evil.test",
    ):
        for method, asked, private in PREFLIGHTS:
            headers = [("Origin", origin), ("Access-Control-Request-Method", method)]
            if asked is not None:
                headers.append(("Access-Control-Request-Headers", asked))
            if private is not None:
                headers.append(("Access-Control-Request-Private-Network", private))
            found.append(Probe("OPTIONS", "/", tuple(headers)))
    return found


def policy_toml(fields: dict[str, object]) -> str:
    lines = []
    for key, value in fields.items():
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        else:
            lines.append(f"{key} = {json.dumps(value)}")  # JSON strings are TOML strings
    return "\n".join(lines) + "\n"


def is_known_gap(plan: ExportPlan, probe: Probe) -> bool:
    """Requests where an export documents that it differs from the engine
    (see ExportPlan.known_differences): an echoed header list that a browser
    would have sent normalized."""
    echoes = any(
        t.value is Placeholder.REQUEST_HEADERS for t in plan.headers[State.PREFLIGHT_ALLOWED]
    )
    asked = dict(probe.headers).get("Access-Control-Request-Headers")
    if echoes and asked is not None:
        names = [n.strip(" \t").lower() for n in asked.split(",") if n.strip(" \t")]
        return asked != ",".join(names)
    return False


def expected(engine: Engine, probe: Probe, app_status: int) -> tuple[int, dict[str, str]]:
    decision = engine.decide(probe.method, list(probe.headers))
    status = decision.status if decision.respond_directly else app_status
    assert status is not None
    return status, {name.decode(): value.decode() for name, value in decision.headers}


def observed(response: httpx.Response) -> tuple[int, dict[str, str]]:
    headers: dict[str, str] = {}
    for name, value in response.headers.multi_items():
        if name.startswith("access-control-") or name == "vary":
            assert name not in headers, f"{name} sent twice"
            headers[name] = value
    return response.status_code, headers


def _vary_as_tokens(headers: dict[str, str]) -> dict[str, str]:
    if "vary" in headers:
        tokens = [t.strip() for t in headers["vary"].split(",") if t.strip()]
        headers = {**headers, "vary": ", ".join(tokens)}
    return headers


def compare_server(
    base_url: str, policy: Policy, *, vary_as_tokens: bool = False
) -> tuple[int, list[str]]:
    """Send every probe; return (count checked, mismatches). `vary_as_tokens`
    compares Vary as its list of names (for Apache, which re-joins Vary
    without spaces: the same header to every cache)."""
    engine = Engine(policy)
    plan = ExportPlan.from_policy(policy)
    mismatches: list[str] = []
    checked = 0
    with httpx.Client(base_url=base_url, timeout=10) as client:
        for probe in probes():
            if is_known_gap(plan, probe):
                continue
            response = client.request(probe.method, probe.path, headers=list(probe.headers))
            app_status = 500 if probe.path == "/error" else 200
            want = expected(engine, probe, app_status)
            got = observed(response)
            if vary_as_tokens:
                want = (want[0], _vary_as_tokens(want[1]))
                got = (got[0], _vary_as_tokens(got[1]))
            checked += 1
            if want != got:
                mismatches.append(f"{probe}\n    engine: {want}\n    server: {got}")
    return checked, mismatches
