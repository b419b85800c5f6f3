"""One exported configuration served by the real server of its format, for
tests that run the same check against nginx, Caddy, Apache and node.

`serving(format, files, tmp, upstream)` takes what `crossorigin export -o DIR`
wrote and yields (base URL, path of the application's route that sends CORS
headers of its own: upstream.py's `/cors`, or node_app.js's)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from servers.apache import running_apache
from servers.caddy import running_caddy
from servers.nginx import running_nginx
from servers.node import running_node

#: The program each format needs, for skip conditions.
PROGRAMS = {"nginx": "nginx", "caddy": "caddy", "apache": "apache2", "express": "node"}


def missing(format_name: str) -> bool:
    return shutil.which(PROGRAMS[format_name]) is None


@contextmanager
def serving(
    format_name: str, directory: Path, tmp: Path, upstream: str
) -> Iterator[tuple[str, str]]:
    """Serve the files `export -o directory` wrote for `format_name`."""
    if format_name == "nginx":
        http = (directory / "cors-http.conf").read_text()
        server = (directory / "cors-server.conf").read_text()
        with running_nginx(http, server, tmp, upstream=upstream) as base_url:
            yield base_url, "/upstream/cors"
    elif format_name == "caddy":
        with running_caddy((directory / "cors.caddy").read_text(), tmp, upstream) as base_url:
            yield base_url, "/cors"
    elif format_name == "apache":
        with running_apache((directory / "cors-apache.conf").read_text(), upstream) as base_url:
            yield base_url, "/upstream/cors"
    else:
        with running_node(directory / "cors.js") as base_url:
            yield base_url, "/cors"
