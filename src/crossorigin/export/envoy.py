"""ExportPlan -> Envoy's `CorsPolicy` (envoy.extensions.filters.http.cors.v3)
and the same as an Istio `VirtualService` `corsPolicy`.

Theory of operation: Envoy matches origins with `StringMatcher`s, one of
which is `safe_regex` (RE2, matched against the whole value), so every
origin the policy allows is written exactly: exact origins as `exact`
(case-sensitive, as the engine compares), patterns and `origin_regex` as the
plan's anchored regexes (the dialect RE2 shares with PCRE and JavaScript,
see plan.py). Method and header lists are strings Envoy copies into the
preflight answer; Envoy does not compare the request with them (the browser
does), and its `*` is the literal header value, which browsers ignore on
credentialed requests (Fetch §3.3.5): declarative.py decides what that
means for each policy. Istio's `corsPolicy` has the same fields, with
`exact` and `regex` (RE2) origin matchers.

Facts encoded in the notes: Envoy answers an allowed preflight itself with
200, echoes the Origin in Access-Control-Allow-Origin even for any-origin
policies, and forwards a preflight from an origin it does not allow to the
upstream (`forward_not_matching_preflights` defaults to true; the export
sets it to false, so such a preflight is answered 200 without CORS headers).

Quoting: every YAML value is JSON (declarative.yaml_value); comments pass
through `comment_text`.
"""

from __future__ import annotations

from typing import Any, Final

from crossorigin.export.declarative import (
    SettingNames,
    Translation,
    Vocabulary,
    hash_comments,
    yaml_value,
)
from crossorigin.export.plan import ExportPlan

__all__ = ["ENVOY", "envoy_cors_policy", "istio_cors_policy", "render_envoy"]

ENVOY: Final = Vocabulary(
    label="Envoy",
    subdomain_patterns=True,
    port_patterns=True,
    method_wildcard="star",
    header_wildcard="star",
    expose_wildcard=True,
    private_network=True,
)
_CORS_POLICY_TYPE: Final = "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy"
_SETTINGS: Final = SettingNames(
    request_headers="allow_headers",
    expose_headers="expose_headers",
    max_age="max_age",
    credentials="allow_credentials",
    private_network="allow_private_network_access",
)


def _origin_regexes(plan: ExportPlan) -> tuple[list[str], list[str]]:
    """(exact origins, anchored regexes) covering exactly what the plan allows."""
    if plan.any_origin:
        return [], ["^.*$"]
    return list(plan.exact_origins), list(plan.origin_regexes)


def envoy_cors_policy(plan: ExportPlan, translation: Translation) -> dict[str, Any]:
    exact, regexes = _origin_regexes(plan)
    policy: dict[str, Any] = {
        "@type": _CORS_POLICY_TYPE,
        "allow_origin_string_match": [
            *({"exact": origin} for origin in exact),
            *({"safe_regex": {"regex": regex}} for regex in regexes),
        ],
        "allow_methods": ",".join(translation.methods()),
        **translation.optional_settings(_SETTINGS, ",".join, str),
    }
    policy["forward_not_matching_preflights"] = False
    return policy


def istio_cors_policy(envoy: dict[str, Any], plan: ExportPlan) -> dict[str, Any]:
    exact, regexes = _origin_regexes(plan)
    policy: dict[str, Any] = {
        "allowOrigins": [
            *({"exact": origin} for origin in exact),
            *({"regex": regex} for regex in regexes),
        ],
        "allowMethods": envoy["allow_methods"].split(","),
    }
    if "allow_headers" in envoy:
        policy["allowHeaders"] = envoy["allow_headers"].split(",")
    if "expose_headers" in envoy:
        policy["exposeHeaders"] = envoy["expose_headers"].split(",")
    if "max_age" in envoy:
        policy["maxAge"] = envoy["max_age"] + "s"
    if envoy.get("allow_credentials"):
        policy["allowCredentials"] = True
    return policy


def _yaml_block(data: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{pad}{yaml_value(key)}:")
            lines.extend(f"{pad}  - {yaml_value(item)}" for item in value)
        else:
            lines.append(f"{pad}{yaml_value(key)}: {yaml_value(value)}")
    return lines


def render_envoy(plan: ExportPlan) -> str:
    translation = Translation(plan, ENVOY)
    envoy = envoy_cors_policy(plan, translation)
    istio = istio_cors_policy(envoy, plan)
    translation.note(
        "An allowed preflight is answered 200 (the engine: 204) whatever method and "
        "headers it asks for, the browser checking them against the lists; a preflight "
        "from another origin is answered 200 without CORS headers (the engine: 403)."
    )
    translation.note(
        "Envoy echoes the Origin in Access-Control-Allow-Origin"
        + (" where the engine sends '*'" if plan.any_origin else "")
        + "; make sure responses carry Vary: Origin (response_headers_to_add) so shared "
        "caches keep one answer per origin."
    )
    if plan.policy.private_network:
        translation.note(
            "Istio's corsPolicy has no private network setting: the Istio part leaves it out."
        )
    lines = [
        *hash_comments(translation.header_lines("envoy")),
        "# Envoy: under a route's (or virtual host's) typed_per_filter_config, with",
        "# envoy.filters.http.cors in the listener's http_filters.",
        "typed_per_filter_config:",
        "  envoy.filters.http.cors:",
        *_yaml_block(envoy, 4),
        "---",
        "# Istio: a VirtualService http route's corsPolicy (the same values).",
        "corsPolicy:",
        *_yaml_block(istio, 2),
    ]
    return "\n".join(lines) + "\n"
