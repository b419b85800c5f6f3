"""Which server answered: a guess from its response headers, with the evidence.

Fingerprints, each a header the stack sends by default: `Server: uvicorn`
(or hypercorn, daphne, granian: ASGI, so FastAPI/Starlette), `Server:
Werkzeug` (Flask's development server), Django's security headers
(`X-Frame-Options` with `Referrer-Policy` or `Cross-Origin-Opener-Policy`)
from a WSGI server, `X-Powered-By: Express`, `Server: nginx`. The
application comes before a proxy in front of it: its CORS layer is the one
to fix first.
"""

from __future__ import annotations

from collections.abc import Iterable

from crossorigin.browser import Exchange
from crossorigin.browser.access import combined_value

__all__ = ["detect_stack"]

_ASGI_SERVERS = ("uvicorn", "hypercorn", "daphne", "granian")


def detect_stack(exchanges: Iterable[Exchange]) -> tuple[list[str], str]:
    """Stacks recognised from the responses' headers (keys of
    `crossorigin.explain.STACK_NAMES`), most specific first, and the evidence."""
    found: list[str] = []
    evidence: list[str] = []

    def note(stack: str, why: str) -> None:
        if stack not in found:
            found.append(stack)
            evidence.append(why)

    for exchange in exchanges:
        headers = exchange.response.headers
        server = (combined_value(headers, "server") or "").lower()
        powered = (combined_value(headers, "x-powered-by") or "").lower()
        django_like = combined_value(headers, "x-frame-options") is not None and (
            combined_value(headers, "cross-origin-opener-policy") is not None
            or combined_value(headers, "referrer-policy") is not None
        )
        if any(name in server for name in _ASGI_SERVERS):
            note("fastapi", f"server: {combined_value(headers, 'server')}")
        if "werkzeug" in server:
            note("flask", f"server: {combined_value(headers, 'server')}")
        if django_like and ("wsgiserver" in server or "gunicorn" in server or not server):
            note("django", "Django's security headers (X-Frame-Options, Referrer-Policy)")
        if "express" in powered:
            note("express", f"x-powered-by: {combined_value(headers, 'x-powered-by')}")
        if "nginx" in server:
            note("nginx", f"server: {combined_value(headers, 'server')}")
    app_first = sorted(found, key=lambda stack: stack == "nginx")
    order = {stack: found.index(stack) for stack in found}
    return app_first, "; ".join(evidence[order[stack]] for stack in app_first)
