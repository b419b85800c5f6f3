"""One process of a test fleet: an application behind crossorigin's ASGI
(uvicorn) or WSGI (waitress) middleware, whose policy follows a source.

    python tests/support/servers/fleet_app.py asgi|wsgi redis|etcd STORE_URL KEY PORT

`GET /__status` answers the source's status as JSON (the endpoint an
application would expose); every other path answers "ok" through the CORS
middleware. Logs go to stderr.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from typing import Any


def make_source(store: str, url: str, key: str) -> Any:
    if store == "redis":
        from crossorigin.sources import RedisSource

        return RedisSource(url, key, backoff_ceiling=0.5, socket_timeout=2.0)
    from crossorigin.sources import EtcdSource

    return EtcdSource(url, key, backoff_ceiling=0.5, timeout=2.0)


def main() -> None:
    kind, store, url, key, port = sys.argv[1:6]
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")
    source = make_source(store, url, key)

    def status_body() -> bytes:
        return json.dumps(source.status.to_dict()).encode()

    if kind == "asgi":
        import uvicorn

        from crossorigin.asgi import CORSMiddleware

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                return
            body = status_body() if scope["path"] == "/__status" else b"ok"
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": body})

        uvicorn.run(
            CORSMiddleware(app, source=source),
            host="127.0.0.1",
            port=int(port),
            log_level="warning",
            lifespan="off",
        )
    else:
        import waitress

        from crossorigin.wsgi import CORSMiddleware

        def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
            body = status_body() if environ["PATH_INFO"] == "/__status" else b"ok"
            start_response("200 OK", [("Content-Length", str(len(body)))])
            return [body]

        waitress.serve(
            CORSMiddleware(wsgi, source=source), host="127.0.0.1", port=int(port), threads=4
        )


if __name__ == "__main__":
    main()
