"""A raw TCP listener on loopback, for tests of peers no HTTP library would
play: hostile, broken, silent or half-speaking servers and proxies.

`raw_tcp(handle)` accepts connections in a thread of its own and hands each to
`handle(connection, stop)` in a new daemon thread (an `OSError` there ends the
connection quietly; the connection is closed after `handle` returns, so a
handler that must keep it open blocks until `stop`); the block's end sets `stop`,
closes the listener and joins the accepting thread. `request_heads(...)`
reads a connection's requests and yields each head, for handlers that answer
request by request.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

Handler = Callable[[socket.socket, threading.Event], None]


@dataclass
class RawServer:
    #: http://127.0.0.1:PORT (no path)
    base_url: str
    stop: threading.Event
    #: connections accepted so far
    connections: int = 0
    #: the port, for tests that build their own URLs
    port: int = field(default=0)


@contextmanager
def raw_tcp(handle: Handler, backlog: int = 64) -> Iterator[RawServer]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(backlog)
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    server = RawServer(f"http://127.0.0.1:{port}", threading.Event(), port=port)

    def accept() -> None:
        while not server.stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            server.connections += 1
            threading.Thread(target=run, args=(connection,), daemon=True).start()

    def run(connection: socket.socket) -> None:
        # The client hanging up mid-answer is what these tests provoke.
        try:
            handle(connection, server.stop)
        except OSError:
            pass
        finally:
            connection.close()

    thread = threading.Thread(target=accept, daemon=True, name="raw-tcp")
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        thread.join(5)
        listener.close()


def request_heads(
    connection: socket.socket, stop: threading.Event, *, timeout: float = 2.0, patient: bool = False
) -> Iterator[bytes]:
    """Each request head (up to the blank line, without it) as it arrives.
    Ends when the peer closes, on a socket error, or when `stop` is set; a
    read that times out ends it too, unless `patient` (then it waits on)."""
    connection.settimeout(timeout)
    data = b""
    while not stop.is_set():
        try:
            chunk = connection.recv(65536)
        except TimeoutError:
            if patient:
                continue
            return
        except OSError:
            return
        if not chunk:
            return
        data += chunk
        while b"\r\n\r\n" in data:
            head, data = data.split(b"\r\n\r\n", 1)
            yield head
