"""Our ASGI middleware as the API origin, under a real uvicorn on loopback.

Theory of operation: one uvicorn server (in a thread, on a socket bound to
127.0.0.1 port 0) runs `PolicyDispatcher`, which records every request in the
oracle's `ScenarioRegistry` and hands it to the `crossorigin.asgi.CORSMiddleware`
registered for the request's sid (the first path segment). Each middleware
wraps the same small Starlette application, so a test swaps the policy per
scenario just by registering a new sid. uvicorn's asyncio transports set
TCP_NODELAY on every accepted connection.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn
from chromium_harness import ReceivedRequest, ScenarioRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from crossorigin import Policy
from crossorigin.asgi import CORSMiddleware

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]

#: The resource's own response headers (what `read_headers` may ask for).
RESOURCE_HEADERS = {"X-Total": "42", "X-Other": "b"}


async def _resource(request: Request) -> Response:
    return PlainTextResponse("ok", headers=RESOURCE_HEADERS)


resource_app = Starlette(
    routes=[
        Route(
            "/{path:path}",
            _resource,
            methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"],
        )
    ]
)


class PolicyDispatcher:
    """ASGI app: record the request, then run the sid's CORSMiddleware."""

    def __init__(self, registry: ScenarioRegistry) -> None:
        self._registry = registry
        self._middlewares: dict[str, ASGIApp] = {}
        self.port = 0

    def register(self, sid: str, policy: Policy) -> None:
        self._middlewares[sid] = CORSMiddleware(resource_app, policy=policy)

    def register_app(self, sid: str, app: ASGIApp) -> None:
        """Serve the sid with any ASGI app (a test's own middleware stack)."""
        self._middlewares[sid] = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        received = ReceivedRequest(
            method=scope["method"],
            path=path,
            port=self.port,
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]],
        )
        self._registry.record(received)

        async def send_noting_status(message: MutableMapping[str, Any]) -> None:
            # The status answered, as the scenario servers note it (an outcome's hops).
            if message["type"] == "http.response.start":
                received.status = int(message["status"])
            await send(message)

        sid = path.split("/")[1] if path.count("/") >= 2 else ""
        middleware = self._middlewares.get(sid)
        if middleware is None:
            await PlainTextResponse("no such scenario", status_code=404)(
                scope, receive, send_noting_status
            )
            return
        await middleware(scope, receive, send_noting_status)


class UvicornThread:
    """uvicorn serving `app` on 127.0.0.1 (a free port) in a daemon thread."""

    def __init__(self, app: ASGIApp) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> UvicornThread:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start within 10 s")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
