"""A real Apache httpd 2.4 on loopback running an exported configuration, in
the foreground from a temporary ServerRoot, stopped after the test. Workers
run as `nobody` (httpd refuses to serve as root)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from servers.processes import free_port, serving_process

APACHE = shutil.which("apache2") or "/usr/sbin/apache2"
MODULES = Path("/usr/lib/apache2/modules")


@contextmanager
def running_apache(exported: str, upstream: str | None = None) -> Iterator[str]:
    """Yield the base URL of a VirtualHost including the export; `/` answers
    200 (a file), `/error` 500, `/upstream/...` proxies to `upstream`. The
    server root is a fresh directory under /tmp that `nobody` can read
    (pytest's own tmp_path is private)."""
    with (
        tempfile.TemporaryDirectory(prefix="crossorigin-httpd-") as root,
        _running_apache(exported, Path(root), upstream) as base_url,
    ):
        yield base_url


@contextmanager
def _running_apache(exported: str, tmp: Path, upstream: str | None) -> Iterator[str]:
    port = free_port()
    os.chmod(tmp, 0o755)
    (tmp / "docs").mkdir()
    (tmp / "docs" / "index.html").write_text("ok\n")
    (tmp / "cors.conf").write_text(exported)
    modules = "\n".join(
        f"LoadModule {name}_module {MODULES}/mod_{name}.so"
        for name in ("mpm_event", "authz_core", "headers", "rewrite", "setenvif", "dir")
        + (("proxy", "proxy_http") if upstream is not None else ())
    )
    proxied = f"ProxyPass /upstream/ {upstream}/" if upstream is not None else ""
    (tmp / "httpd.conf").write_text(
        f"""ServerRoot {tmp}
Listen 127.0.0.1:{port}
PidFile {tmp}/httpd.pid
ErrorLog {tmp}/error.log
{modules}
User nobody
Group nogroup
ServerName 127.0.0.1
DocumentRoot {tmp}/docs
<Directory {tmp}/docs>
    Require all granted
</Directory>
<VirtualHost 127.0.0.1:{port}>
    DocumentRoot {tmp}/docs
    Include {tmp}/cors.conf
    RewriteRule ^/error$ - [R=500,L]
    {proxied}
</VirtualHost>
"""
    )
    process = subprocess.Popen(
        [APACHE, "-f", str(tmp / "httpd.conf"), "-DFOREGROUND"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "APACHE_RUN_DIR": str(tmp)},
    )
    with serving_process(process, port, log=tmp / "error.log") as url:
        yield url
