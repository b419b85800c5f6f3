"""Serve one adapter on a free loopback port, in its own process (so its memory
can be watched alone): `serve.py asgi|wsgi`. Prints `PORT <n> SERVER <name>`
once listening; runs until terminated."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import apps


def main() -> None:
    kind = sys.argv[1]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    if kind == "asgi":
        import uvicorn

        config = uvicorn.Config(
            apps.asgi_app, log_level="critical", lifespan="off", access_log=False
        )
        print(f"PORT {port} SERVER uvicorn-{uvicorn.__version__}", flush=True)
        uvicorn.Server(config).run(sockets=[sock])
    else:
        try:
            import waitress
            from waitress.server import create_server
        except ImportError:
            sys.exit("waitress is not installed (pip install waitress)")
        sock.close()
        server = create_server(
            apps.wsgi_app, host="127.0.0.1", port=port, threads=8, connection_limit=200
        )
        version = getattr(waitress, "__version__", "")
        print(f"PORT {server.effective_port} SERVER waitress{version}", flush=True)
        server.run()


if __name__ == "__main__":
    main()
