"""The applications under load: the same policy behind the ASGI and the WSGI
adapter, in front of a trivial endpoint (the load is on the middleware)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from crossorigin import Policy
from crossorigin.asgi import CORSMiddleware as ASGIMiddleware
from crossorigin.wsgi import CORSMiddleware as WSGIMiddleware

POLICY = Policy(
    origins=["https://app.example.com", "https://*.example.org", "http://localhost:*"],
    methods=["GET", "PUT", "DELETE"],
    request_headers=["Content-Type", "Authorization", "X-Requested-With"],
    credentials=True,
    expose_headers=["X-Total"],
    max_age=600,
)
BODY = b'{"ok": true}'


async def asgi_endpoint(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"x-total", b"1")],
        }
    )
    await send({"type": "http.response.body", "body": BODY})


def wsgi_endpoint(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "application/json"), ("X-Total", "1")])
    return [BODY]


asgi_app = ASGIMiddleware(asgi_endpoint, policy=POLICY)
wsgi_app = WSGIMiddleware(wsgi_endpoint, policy=POLICY)
