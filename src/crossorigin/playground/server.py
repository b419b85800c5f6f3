"""Both origins of the playground, started and stopped together.

`Playground(host="localhost", page_port=3000, api_port=8000)` binds the
page server and the API server on loopback (port 0 picks a free one, which
the tests use), then `start()` serves both from daemon threads until
`stop()`. Only loopback names are accepted: `localhost` (served on
127.0.0.1) or an address in 127.0.0.0/8.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from crossorigin.playground.api import ApiServer
from crossorigin.playground.page import PageServer, report_for
from crossorigin.playground.presets import presets_for
from crossorigin.playground.snippets import SNIPPET_STACKS
from crossorigin.policy import Policy

__all__ = ["API_PATH", "Playground", "loopback_bind_address"]

#: The API's one route; each attempt adds `?attempt=ID`.
API_PATH = "/api/items"
#: Response headers the API always sends, which the page may try to read.
API_RESPONSE_HEADERS = ("Content-Type", "X-Total-Count", "X-Request-Id")


def loopback_bind_address(host: str) -> str:
    """The IPv4 address to bind for `host`; ValueError unless it is loopback."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.IPv4Address(host)
    except ValueError:
        raise ValueError(
            f"--host {host!r}: the playground serves on loopback only "
            "(localhost or an address in 127.0.0.0/8)"
        ) from None
    if not address.is_loopback:
        raise ValueError(
            f"--host {host!r} is not a loopback address; the playground never listens "
            "beyond this machine (use localhost or 127.0.0.1)"
        )
    return host


class Playground:
    """The page origin and the API origin, with the API's policy editable."""

    def __init__(self, *, host: str = "localhost", page_port: int = 3000, api_port: int = 8000):
        bind = loopback_bind_address(host)
        self.host = host
        self.page = PageServer(bind=bind, port=page_port)
        try:
            self.page_origin = f"http://{host}:{self.page.port}"
            first = presets_for(self.page_origin)[0]
            self.api = ApiServer(Policy.from_mapping(first["policy"]), bind=bind, port=api_port)
        except BaseException:
            self.page.server.server_close()
            raise
        self.api_origin = f"http://{host}:{self.api.port}"
        self.api_url = self.api_origin + API_PATH
        self.page_url = self.page_origin + "/"
        names = {host, bind}
        self.page_hosts = frozenset(f"{name}:{self.page.port}" for name in names)
        self.page.attach(self)

    def state(self) -> dict[str, Any]:
        """What the page needs to draw itself."""
        return {
            "page_origin": self.page_origin,
            "api_origin": self.api_origin,
            "api_url": self.api_url,
            "policy": self.api.policy.to_dict(),
            "presets": presets_for(self.page_origin),
            "api_response_headers": list(API_RESPONSE_HEADERS),
            "stacks": SNIPPET_STACKS,
        }

    def report(self, data: dict[str, Any]) -> dict[str, Any]:
        return report_for(self, data)

    def start(self) -> Playground:
        self.page.start()
        self.api.start()
        return self

    def stop(self) -> None:
        self.api.stop()
        self.page.stop()

    def __enter__(self) -> Playground:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
