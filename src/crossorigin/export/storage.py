"""ExportPlan -> object storage: Google Cloud Storage bucket CORS (JSON) and
Azure Blob Storage CORS rules (the Set Blob Service Properties XML body).

Theory of operation: both are declarative (declarative.py decides what is
refused and what is noted). The facts each vocabulary encodes:

- Cloud Storage (`cors` of a bucket resource: `origin`, `method`,
  `responseHeader`, `maxAgeSeconds`): origins exact or `*`, no patterns; no
  credentials setting; one `responseHeader` list answers both
  Access-Control-Allow-Headers and Access-Control-Expose-Headers, so it is
  the union of the policy's two lists (noted: each list then names more than
  the policy's).
- Azure Blob Storage (`CorsRule`: comma-separated `AllowedOrigins`,
  `AllowedMethods`, `AllowedHeaders`, `ExposedHeaders`, `MaxAgeInSeconds`):
  origins exact or `*`, at most 64; methods DELETE, GET, HEAD, MERGE, POST,
  OPTIONS, PUT, PATCH; at most 64 literal header names per list;
  `AllowedHeaders: *` answers with the requested names; a listed (not `*`)
  origin gets `Access-Control-Allow-Credentials: true` (noted: Azure
  authorizes by key, SAS or token, never by cookie); `MaxAgeInSeconds` is
  required (absent in the policy: 5, the browsers' default).

Quoting: JSON by `json.dumps`; XML text with `&`, `<`, `>` escaped, and the
comment lines through `comment_text` with `--` written `-\\x2d` (XML ends a
comment at `--`).
"""

from __future__ import annotations

import json
from typing import Any, Final
from xml.sax.saxutils import escape

from crossorigin.export.declarative import Translation, Vocabulary
from crossorigin.export.plan import ExportPlan

__all__ = [
    "AZURE_BLOB",
    "GCS",
    "azure_cors_rule",
    "gcs_cors",
    "render_azure_blob",
    "render_gcs_parts",
]

GCS: Final = Vocabulary(
    label="Cloud Storage bucket CORS",
    null_origin=False,
    credentials="never",
)
AZURE_METHODS: Final = frozenset(
    {"DELETE", "GET", "HEAD", "MERGE", "POST", "OPTIONS", "PUT", "PATCH"}
)
AZURE_BLOB: Final = Vocabulary(
    label="Azure Blob Storage CORS",
    null_origin=False,
    max_origins=64,
    methods=AZURE_METHODS,
    header_wildcard="star-or-echo",
    expose_wildcard=True,
    max_headers=64,
    credentials="with-listed-origins",
)
GCS_FILE: Final = "gcs-cors.json"
GCS_NOTES_FILE: Final = "gcs-cors-notes.txt"


def gcs_cors(plan: ExportPlan, translation: Translation) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {
        "origin": translation.origins(),
        "method": translation.methods(),
    }
    request_headers = translation.request_headers()
    expose = translation.expose_headers()
    union = list(dict.fromkeys([*request_headers, *expose]))
    if request_headers and expose and set(request_headers) != set(expose):
        translation.note(
            "Cloud Storage has one responseHeader list for both directions: preflights allow "
            f"{', '.join(union)} as request headers and responses expose all of them (the "
            f"policy: request headers {', '.join(request_headers)}; exposed "
            f"{', '.join(expose)})."
        )
    if union:
        entry["responseHeader"] = union
    if plan.policy.max_age is not None:
        entry["maxAgeSeconds"] = plan.policy.max_age
    translation.credentials()
    translation.private_network()
    translation.note(
        "Cloud Storage answers preflights itself; a refused one gets no CORS headers "
        "(the engine: 403)."
    )
    return [entry]


def render_gcs_parts(plan: ExportPlan) -> dict[str, str]:
    """The JSON for `gcloud storage buckets update gs://BUCKET --cors-file=gcs-cors.json`
    (JSON has no comments) and the notes beside it."""
    translation = Translation(plan, GCS)
    cors = gcs_cors(plan, translation)
    notes = translation.header_lines("gcs")
    notes.append(f"Apply with: gcloud storage buckets update gs://BUCKET --cors-file={GCS_FILE}")
    return {
        GCS_FILE: json.dumps(cors, indent=2) + "\n",
        GCS_NOTES_FILE: "\n".join(notes) + "\n",
    }


def azure_cors_rule(plan: ExportPlan, translation: Translation) -> dict[str, str]:
    """The CorsRule's elements, in the service's order."""
    max_age = plan.policy.max_age
    rule = {
        "AllowedOrigins": ",".join(translation.origins()),
        "AllowedMethods": ",".join(translation.methods()),
        "MaxAgeInSeconds": str(5 if max_age is None else max_age),
        "ExposedHeaders": ",".join(translation.expose_headers()),
        "AllowedHeaders": ",".join(translation.request_headers()),
    }
    translation.credentials()
    translation.private_network()
    translation.note(
        "An allowed preflight is answered 200 (the engine: 204), a refused one 403; Azure "
        "sends Vary: Origin when the origins are listed."
    )
    return rule


def _xml_comment(line: str) -> str:
    return "<!-- " + line.replace("--", "-\\x2d") + " -->"


def render_azure_blob(plan: ExportPlan) -> str:
    translation = Translation(plan, AZURE_BLOB)
    rule = azure_cors_rule(plan, translation)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        *(_xml_comment(line) for line in translation.header_lines("azure-blob")),
        _xml_comment(
            "The body of Set Blob Service Properties (PUT ?restype=service&comp=properties); "
            "it replaces the account's CORS rules."
        ),
        "<StorageServiceProperties>",
        "  <Cors>",
        "    <CorsRule>",
        *(f"      <{name}>{escape(value)}</{name}>" for name, value in rule.items()),
        "    </CorsRule>",
        "  </Cors>",
        "</StorageServiceProperties>",
    ]
    return "\n".join(lines) + "\n"
