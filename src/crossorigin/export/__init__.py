"""Policy -> server, gateway, cloud and edge configuration.

`ExportPlan` (plan.py) turns a Policy into regexes and per-state header
templates, asking the engine for every header value; one module per family
spells the plan in its targets' language:

- servers that run the plan's checks: nginx, Caddy, Apache, Express, and a
  Cloudflare Worker (cloudflare.py);
- declarative targets that take lists and flags (declarative.py says what is
  refused and what is noted): Gateway API and ingress-nginx
  (kubernetes.py), Envoy/Istio (envoy.py), Traefik (traefik.py), S3 and API
  Gateway (aws.py), Cloud Storage and Azure Blob (storage.py).

`render(plan, format)` is the text `crossorigin export` prints;
`render_parts(plan, format)` is every file `export -o DIR` writes, by name.
The command is `crossorigin.cli.export`.
"""

import importlib
from collections.abc import Callable
from typing import Final

from crossorigin.export.plan import ExportError, ExportPlan

__all__ = ["FORMATS", "PART_NAMES", "ExportError", "ExportPlan", "render", "render_parts"]

FORMATS: Final = (
    "nginx",
    "caddy",
    "apache",
    "express",
    "gateway-api",
    "ingress-nginx",
    "envoy",
    "traefik",
    "s3",
    "apigateway-http",
    "apigateway-rest",
    "gcs",
    "azure-blob",
    "cloudflare-worker",
)

#: The file name of each one-file format under `export -o DIR` (nginx, s3 and
#: gcs write two files: see `render_parts`).
PART_NAMES: Final = {
    "caddy": "cors.caddy",
    "apache": "cors-apache.conf",
    "express": "cors.js",
    "gateway-api": "httproute-cors.yaml",
    "ingress-nginx": "ingress-cors-annotations.yaml",
    "envoy": "envoy-cors.yaml",
    "traefik": "traefik-cors.yaml",
    "apigateway-http": "apigateway-http-cors.yaml",
    "apigateway-rest": "apigateway-rest-cors.yaml",
    "azure-blob": "azure-blob-cors.xml",
    "cloudflare-worker": "cors-worker.js",
}


#: Where each one-file format's renderer lives, imported only when used (the
#: command lists every format without loading every renderer).
_RENDERERS: Final = {
    "caddy": "crossorigin.export.caddy:render_caddy",
    "apache": "crossorigin.export.apache:render_apache",
    "express": "crossorigin.export.express:render_express",
    "gateway-api": "crossorigin.export.kubernetes:render_gateway_api",
    "ingress-nginx": "crossorigin.export.kubernetes:render_ingress_nginx",
    "envoy": "crossorigin.export.envoy:render_envoy",
    "traefik": "crossorigin.export.traefik:render_traefik",
    "apigateway-http": "crossorigin.export.aws:render_apigateway_http",
    "apigateway-rest": "crossorigin.export.aws:render_apigateway_rest",
    "azure-blob": "crossorigin.export.storage:render_azure_blob",
    "cloudflare-worker": "crossorigin.export.cloudflare:render_cloudflare_worker",
}


def _renderer(format_name: str) -> Callable[[ExportPlan], str]:
    module, _, name = _RENDERERS[format_name].partition(":")
    function: Callable[[ExportPlan], str] = getattr(importlib.import_module(module), name)
    return function


def render_parts(plan: ExportPlan, format_name: str) -> dict[str, str]:
    """File name -> text, for every file of one format."""
    if format_name not in FORMATS:
        raise ValueError(f"unknown format {format_name!r}; known: {', '.join(FORMATS)}")
    if format_name == "nginx":
        from crossorigin.export.nginx import HTTP_FILE, SERVER_FILE, render_nginx_parts

        http, server = render_nginx_parts(plan)
        return {HTTP_FILE: http, SERVER_FILE: server}
    if format_name == "s3":
        from crossorigin.export.aws import render_s3_parts

        return render_s3_parts(plan)
    if format_name == "gcs":
        from crossorigin.export.storage import render_gcs_parts

        return render_gcs_parts(plan)
    return {PART_NAMES[format_name]: _renderer(format_name)(plan)}


def render(plan: ExportPlan, format_name: str) -> str:
    """The text for one format on stdout: the file itself, or for the
    two-file formats each file under a banner naming it (JSON has no
    comments, so S3's and Cloud Storage's notes are a file of their own)."""
    if format_name == "nginx":
        from crossorigin.export.nginx import render_nginx

        return render_nginx(plan)
    parts = render_parts(plan, format_name)
    if len(parts) == 1:
        (text,) = parts.values()
        return text
    out = []
    for number, (name, text) in enumerate(parts.items(), 1):
        out.append(f"======== file {number} of {len(parts)}: {name} ========\n{text}")
    return "\n".join(out)
