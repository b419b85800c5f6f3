"""How each origin of the playground is served: a threading `http.server`
bound on loopback, run from a daemon thread until stopped.

The page (`page.py`) and the API (`api.py`) differ only in their handler
and what the server holds; binding, the serving thread and shutting down
live here.
"""

from __future__ import annotations

import socketserver
import threading
from http.server import HTTPServer

__all__ = ["BackgroundServer", "LoopbackHTTPServer"]


class LoopbackHTTPServer(socketserver.ThreadingMixIn, HTTPServer):
    """A threading HTTP server that never looks its own name up."""

    daemon_threads = True
    allow_reuse_address = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (socket.getfqdn), which
        # can wait on DNS; the playground knows its name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class BackgroundServer:
    """Serves `server` from a daemon thread named `name` between `start()`
    and `stop()`; `port` is the one it is bound to (port 0 picks a free one)."""

    def __init__(self, server: HTTPServer, name: str) -> None:
        self.port: int = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=name,
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
