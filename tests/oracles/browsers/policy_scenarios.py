"""Random valid policies and requests, and what each policy says should happen.

Theory of operation: `generate_policy_case(seed, index)` draws a policy from a
seeded RNG (exact origins with or without the page's, `http://localhost:*`,
`*`, credentials, methods, request headers, expose headers, max-age) until
`Policy(...)` accepts it, and a request a page might make (method, request
headers, credentials mode, headers to read, and whether to repeat it at once
so the preflight cache is exercised). Origins carry the harness's port
placeholders until `concrete_policy` fills them in.

`expected_outcome(policy, request)` is the policy's own verdict, written from
the policy's fields and the Fetch tables alone (never from the engine or the
middleware, which are under test): an allowed origin, credentials only when
the policy allows them, methods and headers as listed (`*` never covering
`Authorization`), and the response headers the page may read.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from chromium_harness import fill_placeholders

from crossorigin import ConfigError, Policy, fetch_tables

PAGE = "http://127.0.0.1:{page_port}"
PAGE_LOCALHOST = "http://localhost:{page_port}"
ASGI_URL = "http://127.0.0.1:{asgi_port}/{sid}/items"

_ORIGIN_CANDIDATES = [
    PAGE,
    PAGE_LOCALHOST,
    "http://localhost:*",
    "https://example.com",
    "http://127.0.0.1:1",
    "http://127.0.0.1:{api_port}",
]
_METHOD_CANDIDATES = ["GET", "POST", "PUT", "DELETE", "PATCH"]
_HEADER_CANDIDATES = ["X-Custom", "Content-Type", "Authorization", "X-Requested-With"]
_EXPOSE_CANDIDATES = ["X-Total", "X-Other"]
_REQUEST_METHODS = ["GET", "GET", "HEAD", "POST", "POST", "PUT", "DELETE", "PATCH"]
_REQUEST_HEADERS = [
    ("X-Custom", "1"),
    ("Content-Type", "application/json"),
    ("Content-Type", "text/plain"),
    ("Authorization", "Bearer t0ken"),
    ("X-Requested-With", "XMLHttpRequest"),
    ("Accept", "application/json"),
]
READ_HEADERS = ["X-Total", "X-Other", "Content-Type"]


@dataclass
class PolicyCase:
    name: str
    policy_fields: dict[str, Any]
    page_origin: str
    method: str
    headers: list[list[str]]
    credentials: str
    repeat: bool

    def scenario(self) -> dict[str, Any]:
        """The request as a scenario (docs/scenario-format.md) without
        `responses` (the ASGI app answers)."""
        return {
            "page_origin": self.page_origin,
            "request": {
                "url": ASGI_URL,
                "method": self.method,
                "headers": self.headers,
                "credentials": self.credentials,
                "mode": "cors",
            },
            "read_headers": READ_HEADERS,
        }


def _subset(rng: random.Random, items: list[str], minimum: int = 0) -> list[str]:
    return rng.sample(items, rng.randint(minimum, len(items)))


def _policy_fields(rng: random.Random) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    any_origin = rng.random() < 0.15
    if any_origin:
        fields["origins"] = "*"
    else:
        origins = _subset(rng, _ORIGIN_CANDIDATES, 1)
        if rng.random() < 0.5 and PAGE not in origins:
            origins.append(PAGE)
        fields["origins"] = origins
    fields["credentials"] = not any_origin and rng.random() < 0.4
    fields["methods"] = "*" if rng.random() < 0.15 else _subset(rng, _METHOD_CANDIDATES, 1)
    fields["request_headers"] = "*" if rng.random() < 0.15 else _subset(rng, _HEADER_CANDIDATES)
    if not fields["credentials"] and rng.random() < 0.15:
        fields["expose_headers"] = "*"
    else:
        fields["expose_headers"] = _subset(rng, _EXPOSE_CANDIDATES)
    fields["max_age"] = rng.choice([None, None, 0, 5, 600])
    return fields


def concrete_policy(fields: dict[str, Any], ports: dict[str, int]) -> Policy:
    replacements = {"{" + name + "}": str(port) for name, port in ports.items()}
    return Policy(**fill_placeholders(fields, replacements))


_PLACEHOLDER_PORTS = {"page_port": 3000, "api_port": 8000, "asgi_port": 8001}


def generate_policy_case(seed: int, index: int) -> PolicyCase:
    rng = random.Random(f"crossorigin-policy:{seed}:{index}")
    while True:
        fields = _policy_fields(rng)
        try:
            concrete_policy(fields, _PLACEHOLDER_PORTS)
        except ConfigError:
            continue
        break
    headers = [list(pair) for pair in rng.sample(_REQUEST_HEADERS, rng.choice([0, 0, 1, 1, 2]))]
    names = [name.lower() for name, _ in headers]
    if len(set(names)) != len(names):
        headers = headers[:1]
    return PolicyCase(
        name=f"policy-{seed}-{index}",
        policy_fields=fields,
        page_origin=PAGE if rng.random() < 0.8 else PAGE_LOCALHOST,
        method=rng.choice(_REQUEST_METHODS),
        headers=headers,
        credentials=rng.choice(["omit", "same-origin", "include"]),
        repeat=rng.random() < 0.3,
    )


@dataclass(frozen=True)
class Expected:
    allowed: bool
    preflight_sent: bool
    readable_headers: dict[str, str | None]
    #: On an immediate repeat of the same request: is a preflight sent again?
    preflight_on_repeat: bool


def expected_outcome(
    policy: Policy,
    page_origin: str,
    method: str,
    headers: list[list[str]],
    credentials: str,
    resource_headers: dict[str, str],
    content_type: str,
) -> Expected:
    """What `policy` says a browser on `page_origin` gets for this request."""
    with_credentials = credentials == "include"
    unsafe = fetch_tables.cors_unsafe_request_header_names([(n, v) for n, v in headers])
    needs_preflight = not fetch_tables.is_cors_safelisted_method(method) or bool(unsafe)

    origin_allowed = policy.allows_origin(page_origin)
    credentials_allowed = not with_credentials or policy.credentials
    method_allowed = (
        fetch_tables.is_cors_safelisted_method(method)
        or policy.methods == ("*",)
        or method in policy.methods
    )
    listed = {name.lower() for name in policy.request_headers}
    headers_allowed = all(
        name in listed
        or ("*" in listed and name not in fetch_tables.CORS_NON_WILDCARD_REQUEST_HEADER_NAMES)
        for name in unsafe
    )
    allowed = origin_allowed and credentials_allowed
    if needs_preflight:
        allowed = allowed and method_allowed and headers_allowed

    exposed = {name.lower() for name in policy.expose_headers}
    readable: dict[str, str | None] = {}
    for name in READ_HEADERS:
        lowered = name.lower()
        value: str | None = None
        if allowed:
            if lowered in fetch_tables.CORS_SAFELISTED_RESPONSE_HEADER_NAMES:
                value = content_type if lowered == "content-type" else None
            elif lowered in exposed or ("*" in exposed and not with_credentials):
                value = resource_headers.get(name)
        readable[lowered] = value
    cached = allowed and needs_preflight and policy.max_age != 0
    return Expected(
        allowed=allowed,
        preflight_sent=needs_preflight,
        readable_headers=readable,
        preflight_on_repeat=needs_preflight and not cached,
    )
