"""Two layers answering CORS on one response: detection from the response's
header lines alone (pure; no I/O).

Theory of operation: when an application and a layer in front of it (a
proxy, an ingress, a CDN, an object store's gateway) both add CORS headers,
the response carries `Access-Control-Allow-Origin` twice, or once with two
values joined by a comma (HTTP/2 and some proxies fold repeated lines,
RFC 9110 §5.3). Browsers then refuse it: the CORS check needs exactly one
value (Fetch §3.2.5: `Access-Control-Allow-Origin` is a single origin, `*`
or `null`; Chromium reports "contains multiple values"). The same holds for
`Access-Control-Allow-Credentials` (`true, true` is not `true`).

Which layer sent which value is told, when it can be, from two facts:
proxies that add headers (nginx `add_header`, Apache `Header add`, Caddy,
Envoy, Traefik) append them after the upstream's, so in a response that
passed through one the first line is the application's and the last the
proxy's; and the response's other headers name the layers present
(`Server`, `Via`, `X-Powered-By`, `cf-ray`, `x-amz-request-id`,
`x-envoy-upstream-service-time`, ...). Both are hints, and the finding says
"probably".

`detect_double_layer(response_headers)` is called by `crossorigin.explain`
on the response the browser rejected (so `check` and the playground show it
beside the verdict) and by the audit's judge on every invalid
`Access-Control-Allow-Origin` (in that finding's detail).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

__all__ = ["DoubleLayer", "detect_double_layer", "layers_named"]

#: Response header (lower case) -> what it tells about a layer; a value of
#: None means: the header's own value names it.
_LAYER_HINTS: Final[dict[str, str | None]] = {
    "server": None,
    "via": None,
    "x-powered-by": None,
    "cf-ray": "Cloudflare",
    "x-amz-request-id": "AWS (S3 or API Gateway)",
    "x-amz-cf-id": "Amazon CloudFront",
    "x-amzn-requestid": "AWS API Gateway",
    "x-envoy-upstream-service-time": "Envoy (or Istio)",
    "x-goog-generation": "Google Cloud Storage",
    "x-guploader-uploadid": "Google Cloud Storage",
    "x-ms-request-id": "Azure Storage",
    "x-served-by": None,
    "x-cache": None,
}


@dataclass(frozen=True, slots=True)
class DoubleLayer:
    """Two CORS answers on one response."""

    #: `duplicate-allow-origin` (the same value twice), `conflicting-allow-origin`
    #: (different values) or `duplicate-allow-credentials`.
    code: str
    header: str
    #: Every value, in the order received (folded values split apart).
    values: tuple[str, ...]
    #: The layers the other headers name (`Server: nginx`, `cf-ray` -> Cloudflare...).
    layers: tuple[str, ...]
    #: Per value, the layer that probably sent it, or None when it cannot be told.
    probable_sources: tuple[str | None, ...]
    message: str


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def layers_named(headers: Sequence[tuple[str | bytes, str | bytes]]) -> tuple[str, ...]:
    """The layers the response's headers name, in order, without repeats."""
    found: dict[str, None] = {}
    for raw_name, raw_value in headers:
        name = _text(raw_name).strip().lower()
        if name not in _LAYER_HINTS:
            continue
        hint = _LAYER_HINTS[name]
        value = _text(raw_value).strip()
        if hint is None:
            if value and name not in ("x-cache",):
                found.setdefault(f"{name}: {value[:60]}", None)
        else:
            found.setdefault(hint, None)
    return tuple(found)


def _values(headers: Sequence[tuple[str | bytes, str | bytes]], header: str) -> list[str]:
    values: list[str] = []
    for raw_name, raw_value in headers:
        if _text(raw_name).strip().lower() == header:
            # A folded line holds several values (RFC 9110 §5.3).
            values.extend(part.strip() for part in _text(raw_value).split(","))
    return values


def detect_double_layer(
    headers: Sequence[tuple[str | bytes, str | bytes]],
) -> DoubleLayer | None:
    """A finding when the response carries two CORS answers, else None."""
    layers = layers_named(headers)
    origin_values = _values(headers, "access-control-allow-origin")
    if len(origin_values) > 1:
        same = len(set(origin_values)) == 1
        code = "duplicate-allow-origin" if same else "conflicting-allow-origin"
        sources = _probable_sources(len(origin_values), layers)
        shown = ", ".join(repr(v) for v in origin_values)
        told = ""
        if sources[0] is not None:
            told = f" The first probably came from the application and the last from {sources[-1]}."
        return DoubleLayer(
            code=code,
            header="access-control-allow-origin",
            values=tuple(origin_values),
            layers=layers,
            probable_sources=sources,
            message=(
                f"Access-Control-Allow-Origin carries {len(origin_values)} values ({shown}): "
                "two layers both answer CORS, and browsers refuse the response "
                '("contains multiple values").' + told + " Answer CORS in one layer only: "
                "remove it from the application or from the layer in front."
            ),
        )
    credential_values = _values(headers, "access-control-allow-credentials")
    if len(credential_values) > 1:
        sources = _probable_sources(len(credential_values), layers)
        return DoubleLayer(
            code="duplicate-allow-credentials",
            header="access-control-allow-credentials",
            values=tuple(credential_values),
            layers=layers,
            probable_sources=sources,
            message=(
                f"Access-Control-Allow-Credentials carries {len(credential_values)} values: "
                "two layers both answer CORS; browsers need exactly 'true', so credentialed "
                "requests fail. Answer CORS in one layer only."
            ),
        )
    return None


def _probable_sources(count: int, layers: tuple[str, ...]) -> tuple[str | None, ...]:
    """First value the application's, the last the front layer's, when the
    headers name a front layer (see the module docstring)."""
    # X-Powered-By names the application's framework, not a layer in front.
    fronts = [layer for layer in layers if not layer.startswith("x-powered-by")]
    if not fronts:
        return (None,) * count
    return ("the application", *((None,) * (count - 2)), fronts[0])
