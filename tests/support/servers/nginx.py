"""A real nginx on loopback running an exported configuration, started by the
test in a temporary prefix and stopped after it."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from servers.processes import free_port, serving_process

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@contextmanager
def running_nginx(
    http_part: str, server_part: str, tmp: Path, upstream: str | None = None
) -> Iterator[str]:
    """Yield the base URL of an nginx whose server includes the exported parts;
    `/` answers 200, `/error` 500, `/upstream/...` proxies to `upstream`."""
    port = free_port()
    (tmp / "cors-http.conf").write_text(http_part)
    (tmp / "cors-server.conf").write_text(server_part)
    proxied = f"location /upstream/ {{ proxy_pass {upstream}/; }}" if upstream is not None else ""
    temp_paths = "\n".join(
        f"    {kind}_temp_path {tmp}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp / "nginx.conf").write_text(
        f"""
user root;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
{temp_paths}
    include {tmp}/cors-http.conf;
    server {{
        listen 127.0.0.1:{port};
        include {tmp}/cors-server.conf;
        location / {{ return 200 "ok\\n"; }}
        location /error {{ return 500; }}
        {proxied}
    }}
}}
"""
    )
    test = subprocess.run(
        [NGINX, "-t", "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", str(tmp / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if test.returncode != 0:
        raise AssertionError(f"nginx -t failed:\n{test.stderr}")
    process = subprocess.Popen(
        [
            NGINX,
            "-p",
            str(tmp),
            "-c",
            str(tmp / "nginx.conf"),
            "-e",
            str(tmp / "error.log"),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with serving_process(process, port, log=tmp / "error.log") as url:
        yield url
