"""`crossorigin proxy`: the command line around `crossorigin.proxy.CORSProxy`.

Exit status: OK (0) after Ctrl-C or SIGTERM, ERROR (2) for a bad target,
listen address or policy, or an address that cannot be listened on.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from pathlib import Path
from typing import Any

import click

from crossorigin.cli.status import ExitStatus
from crossorigin.engine import Engine
from crossorigin.policy import ConfigError, Policy
from crossorigin.proxy.addresses import DEFAULT_LISTEN, ListenAddress, ProxyConfigError, Target
from crossorigin.proxy.server import CORSProxy, serve

__all__ = ["command"]


def _build_policy(
    *,
    policy_file: Path | None,
    allow_origins: tuple[str, ...],
    allow_methods: tuple[str, ...],
    allow_headers: tuple[str, ...],
    expose_headers: tuple[str, ...],
    credentials: bool,
    max_age: int | None,
) -> Policy:
    """The policy of `--policy`, or of the `--allow-*` options (the command's
    own keyword arguments, passed through by name)."""
    if policy_file is not None:
        if allow_origins:
            raise click.UsageError("give either --policy or --allow-origin, not both")
        return Policy.from_toml(policy_file)
    if not allow_origins:
        raise click.UsageError("say which origins may call the API: --allow-origin or --policy")
    return Policy(
        origins=allow_origins,
        methods=allow_methods or "*",
        # Added to "*", never instead of it: "*" covers every request header but
        # Authorization (Fetch §3.2.4: the wildcard does not cover it), so
        # `--allow-header Authorization` must not refuse Content-Type.
        request_headers=("*", *allow_headers),
        expose_headers=expose_headers,
        credentials=credentials,
        max_age=max_age,
    )


@click.command("proxy")
@click.option("--target", required=True, help="The upstream, e.g. http://127.0.0.1:8000.")
@click.option(
    "--listen",
    default=DEFAULT_LISTEN,
    show_default=True,
    help="HOST:PORT to listen on (port 0 picks a free one). Loopback unless you say otherwise.",
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A policy TOML file.",
)
@click.option("--allow-origin", "allow_origins", multiple=True, help="An allowed origin (repeat).")
@click.option(
    "--allow-method",
    "allow_methods",
    multiple=True,
    help=(
        "With --allow-origin: an allowed method (repeat; default: any). Unlike "
        "--allow-header, giving one restricts the methods to those listed."
    ),
)
@click.option(
    "--allow-header",
    "allow_headers",
    multiple=True,
    help=(
        "With --allow-origin: a request header to allow besides the default, which is any "
        "header but Authorization (repeat; adds to the default, e.g. --allow-header "
        "Authorization allows it too). To allow only listed headers, use --policy."
    ),
)
@click.option("--expose-header", "expose_headers", multiple=True, help="A header scripts may read.")
@click.option("--credentials", is_flag=True, help="With --allow-origin: allow credentials.")
@click.option("--max-age", type=int, default=None, help="Preflight cache lifetime in seconds.")
def command(target: str, listen: str, **policy_options: Any) -> ExitStatus:
    """Forward requests to TARGET and answer CORS for it, per a policy.

    For development: e.g. a page on http://localhost:3000 calling an API on
    :8000 that has no CORS support. Preflights are answered by the proxy;
    other requests stream through with the policy's headers added. One line per
    exchange on stderr says what was allowed or refused, and why.

    Only requests addressed to the proxy itself are answered: their Host must
    be a name of the listen address (for loopback: localhost, 127.0.0.1 or
    [::1], with the port); any other gets 421, so that a web page cannot reach
    the API through the proxy by rebinding its own DNS name to this machine.
    """
    try:
        upstream = Target.parse(target)
        address = ListenAddress.parse(listen)
    except ProxyConfigError as error:
        click.echo(f"crossorigin proxy: {error}", err=True)
        return ExitStatus.ERROR
    try:
        policy = _build_policy(**policy_options)
    except ConfigError as error:
        click.echo(f"crossorigin proxy: {error}", err=True)
        return ExitStatus.ERROR

    def log(line: str) -> None:
        click.echo(f"{time.strftime('%H:%M:%S')} {line}", err=True)

    if policy.allows_any_origin:
        click.secho(
            "WARNING: this policy allows ANY origin: every web site you visit can call "
            f"{upstream} through this proxy and read the answers.",
            fg="yellow",
            bold=True,
            err=True,
        )
    if not address.is_loopback:
        click.secho(
            f"WARNING: listening on {address.host}, not loopback: other machines can reach "
            f"{upstream} through this proxy.",
            fg="yellow",
            bold=True,
            err=True,
        )
    proxy = CORSProxy(Engine(policy), upstream, address, log=log)
    try:
        asyncio.run(_run(proxy))
    except OSError as error:
        click.echo(f"crossorigin proxy: cannot listen on {listen}: {error}", err=True)
        return ExitStatus.ERROR
    except KeyboardInterrupt:
        pass
    return ExitStatus.OK


async def _run(proxy: CORSProxy) -> None:
    server = await serve(proxy)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    bound = server.sockets[0].getsockname()
    host = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
    own = proxy.listen.own_address(bound[1], bound[0])
    names = ", ".join(sorted(name.decode() for name in own.hosts))
    click.echo(
        f"crossorigin proxy listening on http://{host}:{bound[1]} -> {proxy.target}"
        f" (answers requests for Host {names})",
        err=True,
    )
    async with server:
        await stop.wait()
        server.close()
