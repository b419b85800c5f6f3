"""A threaded HTTP server on a free loopback port, for tests that need a real
peer: started in a daemon thread, yielded as its base URL, always stopped."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler], name: str = "test-server") -> Iterator[str]:
    """Serve `handler` on 127.0.0.1 at a free port; yield http://127.0.0.1:PORT."""
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name=name
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
