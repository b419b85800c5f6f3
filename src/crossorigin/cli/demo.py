"""`crossorigin demo`: serve the playground and print its two URLs.

Exit status: OK (0) after Ctrl-C, ERROR (2) when a port is taken or the host
is not loopback.
"""

from __future__ import annotations

import threading

import click

from crossorigin.cli.status import ExitStatus
from crossorigin.playground.server import ListenError, Playground

__all__ = ["command"]


@click.command("demo")
@click.option("--page-port", default=3000, show_default=True, help="Port of the page's origin.")
@click.option("--api-port", default=8000, show_default=True, help="Port of the API's origin.")
@click.option(
    "--host",
    default="localhost",
    show_default=True,
    help="Loopback name for both origins (localhost or 127.0.0.1).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a browser.")
def command(page_port: int, api_port: int, host: str, open_browser: bool) -> ExitStatus:
    """Serve a page on one origin calling an API on another: edit the API's
    CORS policy, send real fetch() requests, and see every exchange, the
    browser's verdict and why."""
    try:
        playground = Playground(host=host, page_port=page_port, api_port=api_port)
    except (ValueError, ListenError) as error:
        click.echo(f"crossorigin demo: {error}", err=True)
        return ExitStatus.ERROR
    except OSError as error:
        click.echo(
            f"crossorigin demo: cannot listen ({error.strerror or error}); "
            "choose other ports with --page-port and --api-port",
            err=True,
        )
        return ExitStatus.ERROR
    playground.start()
    click.echo("crossorigin demo: the CORS playground")
    click.echo(f"  page (your app)  {playground.page_url}   <- open this in your browser")
    click.echo(f"  API              {playground.api_url}")
    click.echo("Press Ctrl-C to stop.")
    if open_browser:
        import webbrowser

        webbrowser.open(playground.page_url)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("\nstopped")
    finally:
        playground.stop()
    return ExitStatus.OK
