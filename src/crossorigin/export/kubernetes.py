"""ExportPlan -> Kubernetes: a Gateway API `HTTPRoute` CORS filter, and
ingress-nginx annotations.

Theory of operation: both are declarative (see declarative.py for what is
refused and what is noted). The facts each vocabulary encodes:

- Gateway API `HTTPCORSFilter` (HTTPRoute, feature HTTPRouteCORS; the
  field documentation in the API's Go types is the schema): `allowOrigins`
  at most 64, scheme `http` or `https`, `*` alone or as the left-most part
  of the host, matching any number of labels; `allowMethods` at most 9 from
  RFC 9110's methods plus `PATCH`, or `*`; `allowHeaders`/`exposeHeaders` at
  most 64 each; with `allowCredentials` the gateway answers `*` by echoing
  the request (as the engine does); `maxAge` at least 1, default 5 (the
  browsers' default when the header is absent).
- ingress-nginx (`nginx.ingress.kubernetes.io/cors-*`): one list per
  annotation, comma-separated; `cors-allow-credentials` defaults to true
  and `cors-max-age` to 1728000, so both are always written; a wildcard
  origin `https://*.example.com` matches one label only. The controller
  copies the values into nginx's configuration, and replaces an empty or
  invalid list with its default one (which allows PUT, DELETE, PATCH and
  Authorization, so an empty list is refused), so only values made of
  letters, digits, `-`, `_` (names), `.`, `:`, `/` and one leading `*.`
  (origins) are written; anything else is left out with a note, never
  quoted into a place a controller might not escape.

Quoting: every YAML value is JSON (declarative.yaml_value); comments pass
through `comment_text`.
"""

from __future__ import annotations

import re
from typing import Final

from crossorigin.export.declarative import Translation, Vocabulary, hash_comments, yaml_value
from crossorigin.export.plan import ExportPlan
from crossorigin.patterns import PatternKind

__all__ = ["GATEWAY_API", "INGRESS_NGINX", "render_gateway_api", "render_ingress_nginx"]

GATEWAY_API_METHODS: Final = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
)

GATEWAY_API: Final = Vocabulary(
    label="Gateway API HTTPRoute CORS filter",
    subdomain_patterns=True,
    null_origin=False,
    ipv6_hosts=False,
    max_origins=64,
    methods=GATEWAY_API_METHODS,
    method_wildcard="star-or-echo",
    max_methods=9,
    header_wildcard="star-or-echo",
    expose_wildcard=True,
    max_headers=64,
)

INGRESS_NGINX: Final = Vocabulary(
    label="ingress-nginx",
    subdomain_patterns=True,
    null_origin=False,
    ipv6_hosts=False,
)

#: What the annotations may hold (see the module docstring).
_INGRESS_NAME: Final = re.compile(r"[A-Za-z0-9_-]+")
_INGRESS_METHOD: Final = re.compile(r"[A-Z]+")
_INGRESS_ORIGIN: Final = re.compile(r"https?://(\*\.)?[a-z0-9.-]+(:[0-9]{1,5})?")
_ANNOTATION: Final = "nginx.ingress.kubernetes.io/"


def render_gateway_api(plan: ExportPlan) -> str:
    translation = Translation(plan, GATEWAY_API)
    cors: list[tuple[str, object]] = [
        ("allowOrigins", translation.origins()),
        ("allowMethods", translation.methods()),
    ]
    headers = translation.request_headers()
    if headers:
        cors.append(("allowHeaders", headers))
    expose = translation.expose_headers()
    if expose:
        cors.append(("exposeHeaders", expose))
    if translation.credentials():
        cors.append(("allowCredentials", True))
    max_age = plan.policy.max_age
    if max_age is not None:
        if max_age < 1:
            translation.note("max_age = 0: the filter's minimum is 1 second; written as 1.")
        cors.append(("maxAge", max(max_age, 1)))
    translation.private_network()
    translation.note(
        "A refused preflight gets 200/204 without CORS headers or a 403, as the "
        "implementation chooses (the engine: 403); whether Vary is sent is the "
        "implementation's; browsers reach the same verdict."
    )
    translation.note(
        "Responses the backend sends with Access-Control-* headers of its own keep them "
        "unless the implementation replaces them: two layers answering CORS confuse browsers."
    )
    lines = [
        *hash_comments(translation.header_lines("gateway-api")),
        "# Replace the parentRefs and backendRefs placeholders with your Gateway and Service.",
        "apiVersion: gateway.networking.k8s.io/v1",
        "kind: HTTPRoute",
        "metadata:",
        "  name: crossorigin-cors",
        "spec:",
        "  parentRefs:",
        "    - name: gateway-name",
        "  rules:",
        "    - filters:",
        "        - type: CORS",
        "          cors:",
        *(f"            {key}: {yaml_value(value)}" for key, value in cors),
        "      backendRefs:",
        "        - name: service-name",
        "          port: 80",
    ]
    return "\n".join(lines) + "\n"


def render_ingress_nginx(plan: ExportPlan) -> str:
    translation = Translation(plan, INGRESS_NGINX)
    origins = _ingress_safe(translation, translation.origins(), _INGRESS_ORIGIN, "origins")
    if origins != ["*"] and not origins:
        translation.refuse("no origin of the policy can be written as an ingress-nginx annotation")
    if any(p.kind is PatternKind.SUBDOMAINS for p in plan.policy.patterns):
        translation.note(
            "ingress-nginx matches a wildcard origin's '*' against one label: "
            "https://a.b.example.com is refused by https://*.example.com."
        )
    methods = _ingress_safe(translation, translation.methods(), _INGRESS_METHOD, "methods")
    headers = _ingress_safe(
        translation, translation.request_headers(), _INGRESS_NAME, "request headers"
    )
    expose = _ingress_safe(translation, translation.expose_headers(), _INGRESS_NAME, "headers")
    for values, what in ((methods, "method"), (headers, "request header")):
        if not values:
            # An empty or invalid annotation means the controller's default
            # list, which holds PUT, DELETE, PATCH and Authorization.
            translation.refuse(
                f"the policy allows no {what} ingress-nginx can list, and ingress-nginx then "
                f"answers its default {what} list; list the {what}s your pages send"
            )
    credentials = translation.credentials()
    translation.private_network()
    max_age = plan.policy.max_age
    translation.note(
        "Preflights from an allowed origin are answered 204 whatever method and headers they "
        "ask for (the browser then checks the lists); the engine answers 403 when they are "
        "not allowed. Check that Vary: Origin reaches caches (crossorigin check shows it)."
    )
    annotations: list[tuple[str, str]] = [
        ("enable-cors", "true"),
        ("cors-allow-origin", ", ".join(origins)),
        ("cors-allow-methods", ", ".join(methods)),
        ("cors-allow-headers", ", ".join(headers)),
        # Both have defaults that differ from a policy's (credentials true,
        # max-age 1728000): always written.
        ("cors-allow-credentials", "true" if credentials else "false"),
        ("cors-max-age", str(max_age if max_age is not None else 5)),
    ]
    if expose:
        annotations.append(("cors-expose-headers", ", ".join(expose)))
    lines = [
        *hash_comments(translation.header_lines("ingress-nginx")),
        "# Add these annotations to your Ingress (metadata.annotations).",
        "metadata:",
        "  annotations:",
        *(f"    {_ANNOTATION}{key}: {yaml_value(value)}" for key, value in annotations),
    ]
    return "\n".join(lines) + "\n"


def _ingress_safe(
    translation: Translation, values: list[str], allowed: re.Pattern[str], what: str
) -> list[str]:
    if values == ["*"] and what == "origins":
        return values
    kept = [v for v in values if allowed.fullmatch(v)]
    left_out = [v for v in values if not allowed.fullmatch(v)]
    if left_out:
        translation.note(
            f"ingress-nginx copies annotations into nginx's configuration: {what} holding "
            f"characters outside {allowed.pattern} are left out: {', '.join(left_out)}."
        )
    return kept
