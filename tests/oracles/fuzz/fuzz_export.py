"""Fuzz harness: generated policies -> `crossorigin export` -> the real servers.

Input (fields separated by 0x1F): flags, origins, methods, request headers,
exposed headers, origin_regex, the policy file's name, then the requests of
the served comparison. Methods and header names are made of RFC 9110 token
characters only (each byte picks one), so they are valid and as hostile as a
token can be (`$`, `%`, backtick, `'`, `#`, `|`); origins are drawn from
shapes (exact, subdomain and port patterns, IPv6, `null`) around a label from
the input, or taken raw; the regex and the file name are raw text.

Invariants, for every policy the Policy accepts:
- every format renders, or refuses with ExportError whose message is one
  line of printable ASCII (what `crossorigin export` prints before exit 2);
  nothing else is raised;
- no comment line of any output holds a character outside printable ASCII;
- real `nginx -t` accepts the nginx output (both files, included as the
  README shows); with the validation flag, `caddy validate` and
  `apache2 -t` accept theirs;
- with the serve flag, the nginx output served by real nginx answers a few
  requests (built from the policy's own values and the input) with the
  status and CORS headers the engine decides, except the differences the
  export documents (servers/parity.py `is_known_gap`).

Servers that are not installed are skipped, so the seeds replay anywhere
(tests/oracles/fuzz/test_fuzz_replay.py); real servers make each execution take tens
of milliseconds, so `make fuzz` gives this harness far fewer executions than
the in-process ones.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from fuzz_common import fields, instrumented, run, text

with instrumented(__name__ == "__main__"):
    from crossorigin import ConfigError, Engine, Policy, fetch_tables
    from crossorigin.export import FORMATS, ExportError, ExportPlan, render
    from crossorigin.export.nginx import render_nginx_parts
from servers.nginx import NGINX, running_nginx
from servers.parity import Probe, expected, is_known_gap, observed
from servers.processes import free_port

TOKEN = sorted(fetch_tables.TOKEN_CHARACTERS)
ORIGIN_SHAPES = [
    "https://{}.example.com",
    "https://*.{}.example",
    "http://localhost:{}",
    "http://{}.test:*",
    "https://*.{}.example.org:*",
    "http://[::1]:*",
    "null",
    "*",
]
HAS = {
    "nginx": shutil.which(NGINX) is not None,
    "caddy": shutil.which("caddy") is not None,
    "apache": shutil.which("apache2") is not None,
}
MAX_PROBES = 8


def token(raw: bytes) -> str:
    return "".join(TOKEN[byte % len(TOKEN)] for byte in raw[:24]) or "X"


def tokens(raw: bytes) -> list[str]:
    return [token(part) for part in raw.split(b",")[:6] if part]


def label(raw: bytes) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[byte % len(alphabet)] for byte in raw[:12]) or "a"


def origin_items(raw: bytes) -> list[str]:
    found = []
    for part in raw.split(b",")[:5]:
        if part[:1] and part[0] < 0x80:
            shape = ORIGIN_SHAPES[part[0] % len(ORIGIN_SHAPES)]
            found.append(shape.format(port_or_label(shape, part[1:])))
        else:
            found.append(text(part))
    return found


def port_or_label(shape: str, raw: bytes) -> str:
    if "localhost:{}" in shape:
        return str(1 + int.from_bytes(raw[:2] or b"\x0b\xb8", "big") % 65535)
    return label(raw)


def policy_from(flags: int, parts: list[bytes]) -> Policy | None:
    arguments: dict[str, object] = {
        "origins": "*" if flags & 0x02 else origin_items(parts[1]),
        "methods": "*" if flags & 0x04 else tokens(parts[2]) or ["GET"],
        "request_headers": "*" if flags & 0x08 else tokens(parts[3]),
        "expose_headers": "*" if flags & 0x10 else tokens(parts[4]),
        "credentials": bool(flags & 0x01),
        "private_network": bool(flags & 0x20),
    }
    regex = text(parts[5]) if parts[5] else None
    if regex is not None:
        arguments["origin_regex"] = regex
    try:
        return Policy(**arguments)  # type: ignore[arg-type]
    except (ConfigError, TypeError, ValueError):
        return None


def assert_clean_refusal(error: ExportError) -> None:
    message = str(error)
    assert message and message.isascii() and message.isprintable(), repr(message)


#: How each format starts a comment line (JSON formats have none: their
#: notes are a text file, every line of which starts with no marker).
COMMENT_MARKERS = {"express": "//", "cloudflare-worker": "//", "azure-blob": "<!--"}


def assert_comments_are_printable(output: str, marker: str) -> None:
    for line in output.splitlines():
        if line.lstrip().startswith(marker):
            assert line.isascii() and line.isprintable(), repr(line)


def probes_for(policy: Policy, raw: bytes) -> list[Probe]:
    """A few requests: the policy's own origins, methods and headers (allowed
    ones), the same with a byte changed, and raw ones from the input."""
    origins = [p.text.replace("*.", "a.").replace(":*", ":8080") for p in policy.patterns]
    origins = [o for o in origins if o != "*"] + ["https://evil.test"]
    methods = [m for m in policy.methods if m != "*"] or ["PUT"]
    headers = ",".join(h for h in policy.request_headers if h != "*") or None
    found = []
    for origin in origins[:3]:
        found.append(Probe("GET", "/", (("Origin", origin),)))
        asked = [("Origin", origin), ("Access-Control-Request-Method", methods[-1])]
        if headers is not None:
            asked.append(("Access-Control-Request-Headers", headers))
        found.append(Probe("OPTIONS", "/", tuple(asked)))
    for part in raw.split(b",")[:2]:
        value = text(part)
        if value and value.isascii() and value.isprintable():
            found.append(Probe("GET", "/", (("Origin", value),)))
            found.append(
                Probe(
                    "OPTIONS",
                    "/",
                    (("Origin", origins[0]), ("Access-Control-Request-Method", value)),
                )
            )
    return found[:MAX_PROBES]


def nginx_accepts(http: str, server: str, directory: Path) -> None:
    (directory / "cors-http.conf").write_text(http)
    (directory / "cors-server.conf").write_text(server)
    (directory / "nginx.conf").write_text(
        f"pid {directory}/nginx.pid;\nerror_log {directory}/error.log;\n"
        "events { worker_connections 16; }\n"
        f"http {{\n    include {directory}/cors-http.conf;\n"
        f"    server {{\n        listen 127.0.0.1:{free_port()};\n"
        f"        include {directory}/cors-server.conf;\n    }}\n}}\n"
    )
    done = subprocess.run(
        [NGINX, "-t", "-q", "-p", str(directory), "-c", str(directory / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr


def caddy_accepts(snippet: str, directory: Path) -> None:
    (directory / "cors.caddy").write_text(snippet)
    (directory / "Caddyfile").write_text(
        "{\n\tadmin off\n\tauto_https off\n}\n"
        f"http://127.0.0.1:{free_port()} {{\n\timport {directory}/cors.caddy\n\trespond ok\n}}\n"
    )
    environment = {**os.environ, "HOME": str(directory), "XDG_DATA_HOME": str(directory)}
    done = subprocess.run(
        ["caddy", "validate", "--config", str(directory / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def apache_accepts(configuration: str, directory: Path) -> None:
    modules = "\n".join(
        f"LoadModule {name}_module /usr/lib/apache2/modules/mod_{name}.so"
        for name in ("mpm_event", "authz_core", "headers", "rewrite", "setenvif")
    )
    (directory / "cors.conf").write_text(configuration)
    (directory / "httpd.conf").write_text(
        f"ServerRoot {directory}\nListen 127.0.0.1:{free_port()}\nPidFile {directory}/httpd.pid\n"
        f"ErrorLog {directory}/error.log\n{modules}\nServerName 127.0.0.1\n"
        f"<VirtualHost *>\n    Include {directory}/cors.conf\n</VirtualHost>\n"
    )
    done = subprocess.run(
        ["apache2", "-t", "-f", str(directory / "httpd.conf")],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "APACHE_RUN_DIR": str(directory)},
    )
    assert done.returncode == 0, done.stderr


def check(data: bytes) -> None:
    parts = fields(data, 8)
    flags = parts[0][0] if parts[0] else 0
    policy = policy_from(flags, parts)
    if policy is None:
        return
    source = text(parts[6])
    try:
        plan = ExportPlan.from_policy(policy, source)
    except ExportError as error:
        assert_clean_refusal(error)
        return
    outputs: dict[str, str] = {}
    for format_name in FORMATS:
        try:
            outputs[format_name] = render(plan, format_name)
        except ExportError as error:
            assert_clean_refusal(error)
            continue
        assert_comments_are_printable(outputs[format_name], COMMENT_MARKERS.get(format_name, "#"))
    if "nginx" not in outputs or not HAS["nginx"]:
        return
    http, server = render_nginx_parts(plan)
    with tempfile.TemporaryDirectory(prefix="crossorigin-fuzz-export-") as name:
        directory = Path(name)
        nginx_accepts(http, server, directory)
        if flags & 0x80 and HAS["caddy"] and "caddy" in outputs:
            caddy_accepts(outputs["caddy"], directory)
        if flags & 0x80 and HAS["apache"] and "apache" in outputs:
            apache_accepts(outputs["apache"], directory)
        if flags & 0x40:
            compare_served(policy, plan, http, server, directory, parts[7])


def compare_served(
    policy: Policy, plan: ExportPlan, http: str, server: str, directory: Path, raw: bytes
) -> None:
    import httpx

    engine = Engine(policy)
    with (
        running_nginx(http, server, directory) as base_url,
        httpx.Client(base_url=base_url, timeout=10) as client,
    ):
        for probe in probes_for(policy, raw):
            if is_known_gap(plan, probe):
                continue
            response = client.request(probe.method, probe.path, headers=list(probe.headers))
            want, got = expected(engine, probe, 200), observed(response)
            assert want == got, f"{probe}\n    engine: {want}\n    nginx: {got}"


if __name__ == "__main__":
    run(check)
