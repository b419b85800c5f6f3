"""ExportPlan -> AWS: S3 bucket CORS (`PutBucketCors`), API Gateway HTTP API
(`x-amazon-apigateway-cors` / `CorsConfiguration`) and API Gateway REST API
(an OPTIONS mock integration and gateway responses, OpenAPI).

Theory of operation: all three are declarative (declarative.py decides what
is refused and what is noted). The facts each vocabulary encodes:

- S3 (`CORSRule`): `AllowedOrigins` entries hold at most one `*`, matching
  any text (`https://*.example.com` and `http://localhost:*` are the policy's
  patterns for every Origin a browser sends); `AllowedMethods` only GET,
  PUT, POST, DELETE, HEAD; `AllowedHeaders: *` answers with the requested
  names; a listed (not `*`) origin gets `Access-Control-Allow-Credentials:
  true` whatever the policy says (noted: S3 authorizes by signature, never
  by cookie); an allowed preflight is answered 200, a refused one 403.
- API Gateway HTTP API (`Cors`): origins exact or `*`; the gateway answers
  preflights itself and ignores CORS headers from the integration;
  `maxAge` at most 86400 (botocore's model bounds it).
- API Gateway REST API: an OPTIONS method whose mock integration answers
  with constant headers, and `DEFAULT_4XX`/`DEFAULT_5XX` gateway responses
  carrying the same. A constant cannot echo an Origin, so one origin or `*`
  only: a policy listing more is refused (writing `*` would open it to every
  site). Constant values are single-quoted (`'value'`, API Gateway's syntax
  for a static value, which has no escape): a value holding `'` is refused.

Quoting: JSON by `json.dumps`; YAML values as JSON (declarative.yaml_value);
comments through `comment_text`.
"""

from __future__ import annotations

import json
from typing import Any, Final

from crossorigin.export.declarative import (
    SettingNames,
    Translation,
    Vocabulary,
    hash_comments,
    yaml_value,
)
from crossorigin.export.plan import ExportError, ExportPlan, comment_text

__all__ = [
    "APIGATEWAY_HTTP",
    "APIGATEWAY_REST",
    "S3",
    "apigateway_http_cors",
    "apigateway_rest_responses",
    "render_apigateway_http",
    "render_apigateway_rest",
    "render_s3_parts",
    "s3_cors_configuration",
]

S3_METHODS: Final = frozenset({"GET", "PUT", "POST", "DELETE", "HEAD"})

S3: Final = Vocabulary(
    label="S3 bucket CORS",
    subdomain_patterns=True,
    port_patterns=True,
    one_star_per_origin=True,
    null_origin=False,
    methods=S3_METHODS,
    header_wildcard="star-or-echo",
    credentials="with-listed-origins",
)
APIGATEWAY_HTTP: Final = Vocabulary(
    label="API Gateway HTTP API CORS",
    null_origin=False,
    method_wildcard="star",
    header_wildcard="star",
    expose_wildcard=True,
)
APIGATEWAY_REST: Final = Vocabulary(
    label="API Gateway REST API mock OPTIONS",
    null_origin=False,
    method_wildcard="star",
    header_wildcard="star",
    expose_wildcard=True,
)
#: S3 has no credentials member: it sends the header to every listed origin.
_S3_SETTINGS: Final = SettingNames(
    request_headers="AllowedHeaders", expose_headers="ExposeHeaders", max_age="MaxAgeSeconds"
)
_APIGATEWAY_HTTP_SETTINGS: Final = SettingNames(
    request_headers="allowHeaders",
    expose_headers="exposeHeaders",
    max_age="maxAge",
    credentials="allowCredentials",
)
S3_FILE: Final = "s3-cors.json"
S3_NOTES_FILE: Final = "s3-cors-notes.txt"
#: `CORSRule.ID`'s limit in the S3 API.
_ID_LIMIT: Final = 255


# -- S3 ----------------------------------------------------------------------------------


def s3_cors_configuration(plan: ExportPlan, translation: Translation) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "ID": comment_text(f"crossorigin export from {plan.source or 'a Policy object'}")[
            :_ID_LIMIT
        ],
        "AllowedOrigins": translation.origins(),
        "AllowedMethods": translation.methods(),
        **translation.optional_settings(_S3_SETTINGS),
    }
    if not rule["AllowedMethods"]:
        raise ExportError("S3 needs at least one of GET, PUT, POST, DELETE, HEAD in methods")
    translation.note(
        "An allowed preflight is answered 200 (the engine: 204), a refused one 403 with "
        "an XML body; S3 sends Vary: Origin, Access-Control-Request-Headers, "
        "Access-Control-Request-Method."
    )
    return {"CORSRules": [rule]}


def render_s3_parts(plan: ExportPlan) -> dict[str, str]:
    """The JSON for `aws s3api put-bucket-cors --cors-configuration
    file://s3-cors.json` (JSON has no comments) and the notes beside it."""
    translation = Translation(plan, S3)
    configuration = s3_cors_configuration(plan, translation)
    notes = translation.header_lines("s3")
    notes.append(
        "Apply with: aws s3api put-bucket-cors --bucket BUCKET "
        f"--cors-configuration file://{S3_FILE}"
    )
    return {
        S3_FILE: json.dumps(configuration, indent=2) + "\n",
        S3_NOTES_FILE: "\n".join(notes) + "\n",
    }


# -- API Gateway HTTP API ------------------------------------------------------------------


def apigateway_http_cors(plan: ExportPlan, translation: Translation) -> dict[str, Any]:
    """`x-amazon-apigateway-cors` (the `Cors` shape, member names in lower camel case)."""
    cors: dict[str, Any] = {
        "allowOrigins": translation.origins(),
        "allowMethods": translation.methods(),
        **translation.optional_settings(_APIGATEWAY_HTTP_SETTINGS),
    }
    return cors


def render_apigateway_http(plan: ExportPlan) -> str:
    translation = Translation(plan, APIGATEWAY_HTTP)
    cors = apigateway_http_cors(plan, translation)
    translation.note(
        "API Gateway answers preflights itself and ignores Access-Control-* headers from the "
        "integration; a refused preflight gets no CORS headers (the engine: 403)."
    )
    lines = [
        *hash_comments(translation.header_lines("apigateway-http")),
        "# The top level of the HTTP API's OpenAPI definition (aws apigatewayv2 reimport-api);",
        "# the same fields, capitalized, are update-api's --cors-configuration.",
        "x-amazon-apigateway-cors:",
        *(f"  {key}: {yaml_value(value)}" for key, value in cors.items()),
    ]
    return "\n".join(lines) + "\n"


# -- API Gateway REST API ------------------------------------------------------------------


def _static(value: str) -> str:
    if "'" in value:
        raise ExportError(
            f"{value!a} holds a single quote, which API Gateway's static values "
            "('...') cannot carry"
        )
    return f"'{value}'"


def apigateway_rest_responses(
    plan: ExportPlan, translation: Translation
) -> tuple[dict[str, str], dict[str, str]]:
    """(preflight headers, headers for every other response) as header name -> static value."""
    origins = translation.origins()
    if len(origins) > 1:
        raise ExportError(
            "an API Gateway REST API answers with constant headers, which cannot echo one of "
            f"{len(origins)} origins ('*' would open it to every site); use apigateway-http, "
            "or answer CORS in the integration (crossorigin's adapters)"
        )
    origin = origins[0]
    credentials = translation.credentials()
    actual: dict[str, str] = {"Access-Control-Allow-Origin": origin}
    if credentials:
        actual["Access-Control-Allow-Credentials"] = "true"
    expose = translation.expose_headers()
    if expose:
        actual["Access-Control-Expose-Headers"] = ", ".join(expose)
    preflight = dict(actual)
    preflight.pop("Access-Control-Expose-Headers", None)
    preflight["Access-Control-Allow-Methods"] = ", ".join(translation.methods())
    headers = translation.request_headers()
    if headers:
        preflight["Access-Control-Allow-Headers"] = ", ".join(headers)
    if plan.policy.max_age is not None:
        preflight["Access-Control-Max-Age"] = str(plan.policy.max_age)
    translation.private_network()
    if origin != "*":
        actual["Vary"] = preflight["Vary"] = "Origin"
    return preflight, actual


def render_apigateway_rest(plan: ExportPlan) -> str:
    translation = Translation(plan, APIGATEWAY_REST)
    preflight, actual = apigateway_rest_responses(plan, translation)
    translation.note(
        "Every OPTIONS request to these paths gets the mock's 204 and the headers, from any "
        "origin and for any method (the engine: 403 when refused; browsers reach the same "
        "verdict from the headers)."
    )
    translation.note(
        "Responses of your integration are not changed: a proxy integration (Lambda, HTTP) "
        "must send the Access-Control-* headers itself (crossorigin's adapters do); the "
        "gateway responses below cover API Gateway's own 4XX/5XX errors."
    )
    method_headers = {f"method.response.header.{n}": _static(v) for n, v in preflight.items()}
    lines = [
        *hash_comments(translation.header_lines("apigateway-rest")),
        "# Merge into the REST API's OpenAPI definition (aws apigateway put-rest-api); repeat",
        "# the options operation under every path that browsers call.",
        "paths:",
        "  /{proxy+}:",
        "    options:",
        "      responses:",
        '        "204":',
        '          description: "CORS preflight"',
        "          headers:",
        *(f"            {yaml_value(name)}: {{schema: {{type: string}}}}" for name in preflight),
        "      x-amazon-apigateway-integration:",
        "        type: mock",
        "        requestTemplates:",
        f"          application/json: {yaml_value(json.dumps({'statusCode': 204}))}",
        "        responses:",
        "          default:",
        '            statusCode: "204"',
        "            responseParameters:",
        *(f"              {yaml_value(k)}: {yaml_value(v)}" for k, v in method_headers.items()),
        "x-amazon-apigateway-gateway-responses:",
    ]
    for response_type in ("DEFAULT_4XX", "DEFAULT_5XX"):
        lines.append(f"  {response_type}:")
        lines.append("    responseParameters:")
        lines.extend(
            f"      {yaml_value('gatewayresponse.header.' + name)}: {yaml_value(_static(value))}"
            for name, value in actual.items()
        )
    return "\n".join(lines) + "\n"
