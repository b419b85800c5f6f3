"""ExportPlan -> a Traefik `headers` middleware (file provider, YAML).

Theory of operation: Traefik's headers middleware takes exact origins
(`accessControlAllowOriginList`, `*` for any) and Go regexes
(`accessControlAllowOriginListRegex`, RE2, searched anywhere in the value:
the plan's regexes are anchored, so they match the whole Origin), so every
origin the policy allows is written exactly. Method and header lists are
copied into the preflight answer; Traefik answers every preflight itself
(200) and does not compare the requested method and headers with the lists
(the browser does). Its `*` is the literal header value, which browsers
ignore on credentialed requests (Fetch §3.3.5): declarative.py decides what
that means for each policy. `addVaryHeader` makes Traefik send
`Vary: Origin` with an echoed origin.

Quoting: every YAML value is JSON (declarative.yaml_value); comments pass
through `comment_text`.
"""

from __future__ import annotations

from typing import Final

from crossorigin.export.declarative import (
    SettingNames,
    Translation,
    Vocabulary,
    hash_comments,
    yaml_value,
)
from crossorigin.export.plan import ExportPlan

__all__ = ["TRAEFIK", "render_traefik", "traefik_headers"]

TRAEFIK: Final = Vocabulary(
    label="Traefik",
    subdomain_patterns=True,
    port_patterns=True,
    method_wildcard="star",
    header_wildcard="star",
    expose_wildcard=True,
)
MIDDLEWARE_NAME: Final = "crossorigin-cors"
_SETTINGS: Final = SettingNames(
    request_headers="accessControlAllowHeaders",
    expose_headers="accessControlExposeHeaders",
    max_age="accessControlMaxAge",
    credentials="accessControlAllowCredentials",
)


def traefik_headers(plan: ExportPlan, translation: Translation) -> dict[str, object]:
    headers: dict[str, object] = {}
    if plan.any_origin:
        headers["accessControlAllowOriginList"] = ["*"]
    else:
        if plan.exact_origins:
            headers["accessControlAllowOriginList"] = list(plan.exact_origins)
        if plan.origin_regexes:
            headers["accessControlAllowOriginListRegex"] = list(plan.origin_regexes)
    headers["accessControlAllowMethods"] = translation.methods()
    headers.update(translation.optional_settings(_SETTINGS))
    headers["addVaryHeader"] = True
    return headers


def render_traefik(plan: ExportPlan) -> str:
    translation = Translation(plan, TRAEFIK)
    headers = traefik_headers(plan, translation)
    translation.note(
        "Every preflight is answered 200 by Traefik (the engine: 204, or 403 when refused), "
        "whatever method and headers it asks for; a refused origin gets no "
        "Access-Control-Allow-Origin, so browsers reach the same verdict."
    )
    lines = [
        *hash_comments(translation.header_lines("traefik")),
        f"# Attach the middleware to a router: middlewares: [{MIDDLEWARE_NAME}@file]",
        "http:",
        "  middlewares:",
        f"    {MIDDLEWARE_NAME}:",
        "      headers:",
        *(f"        {key}: {yaml_value(value)}" for key, value in headers.items()),
    ]
    return "\n".join(lines) + "\n"
