"""Both origins of the playground, started and stopped together.

`Playground(host="localhost", page_port=3000, api_port=8000)` binds the
page server and the API server on loopback (port 0 picks a free one, which
the tests use), then `start()` serves both from daemon threads until
`stop()`. Only loopback names are accepted: `localhost` (served on
127.0.0.1) or an address in 127.0.0.0/8.

The page may be opened under either name of its address (`localhost:3000`
or `127.0.0.1:3000`): those are two different origins, so every answer to
the page (its origins, the presets' policies, the API's URL) is drawn for
the name the browser really used, taken from the request's `Host`, and the
API is addressed under that same name (cookies are per host name).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from crossorigin.explain.fixes import SNIPPET_STACKS
from crossorigin.playground.api import ApiServer
from crossorigin.playground.har_export import AttemptRecord, ReportLog, build_har
from crossorigin.playground.page import PageServer, report_for
from crossorigin.playground.presets import presets_for
from crossorigin.policy import Policy

__all__ = ["API_PATH", "ListenError", "Playground", "loopback_bind_address"]

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


class ListenError(OSError):
    """A port of the playground cannot be bound; the message names it."""

    def __init__(self, what: str, bind: str, port: int, option: str, error: OSError) -> None:
        reason = error.strerror or str(error)
        super().__init__(
            error.errno,
            f"cannot listen on {bind}:{port} for the {what} ({reason}); "
            f"choose another port with {option}",
        )
        self.port = port
        self.option = option

    def __str__(self) -> str:
        return str(self.strerror)


def _origin(host: str, port: int) -> str:
    # An origin omits its scheme's default port (RFC 6454 section 6.1).
    return f"http://{host}" if port == 80 else f"http://{host}:{port}"


class Playground:
    """The page origin and the API origin, with the API's policy editable."""

    def __init__(self, *, host: str = "localhost", page_port: int = 3000, api_port: int = 8000):
        bind = loopback_bind_address(host)
        self.host = host
        try:
            self.page = PageServer(bind=bind, port=page_port)
        except OSError as error:
            raise ListenError("page", bind, page_port, "--page-port", error) from error
        try:
            self.page_origin = _origin(host, self.page.port)
            first = presets_for(self.page_origin)[0]
            try:
                self.api = ApiServer(Policy.from_mapping(first["policy"]), bind=bind, port=api_port)
            except OSError as error:
                raise ListenError("API", bind, api_port, "--api-port", error) from error
        except BaseException:
            self.page.server.server_close()
            raise
        self.api_origin = _origin(host, self.api.port)
        self.api_url = self.api_origin + API_PATH
        self.page_url = self.page_origin + "/"
        self.names = frozenset({host, bind})
        self.page_hosts = frozenset(
            {f"{name}:{self.page.port}" for name in self.names}
            | (self.names if self.page.port == 80 else frozenset())
        )
        #: What the page reported of each attempt, for the HAR export.
        self.reports = ReportLog()
        self.page.attach(self)

    def origins_for(self, host_header: str) -> tuple[str, str]:
        """The page's and the API's origins under the name the browser used
        (`host_header` is one of `page_hosts`); the configured name otherwise."""
        name = host_header.rpartition(":")[0] if ":" in host_header else host_header
        if host_header not in self.page_hosts or name not in self.names:
            name = self.host
        return _origin(name, self.page.port), _origin(name, self.api.port)

    def state(self, host_header: str = "") -> dict[str, Any]:
        """What the page needs to draw itself, for the name it was opened under."""
        page_origin, api_origin = self.origins_for(host_header)
        return {
            "page_origin": page_origin,
            "api_origin": api_origin,
            "api_url": api_origin + API_PATH,
            "policy": self.api.policy.to_dict(),
            "presets": presets_for(page_origin),
            "api_response_headers": list(API_RESPONSE_HEADERS),
            "stacks": SNIPPET_STACKS,
        }

    def report(self, data: dict[str, Any], host_header: str = "") -> dict[str, Any]:
        return report_for(self, data, host_header)

    def har(
        self, attempt: str | None, host_header: str = "", *, include_cookies: bool = False
    ) -> dict[str, Any] | None:
        """The HAR of one attempt, or of every attempt remembered when
        `attempt` is None; None when that attempt sent nothing to the API."""
        page_origin, api_origin = self.origins_for(host_header)
        if attempt is None:
            ids = list(dict.fromkeys([*self.api.recorder.attempts(), *self.reports.attempts()]))
        else:
            ids = [attempt]
        records = [
            AttemptRecord(one, self.api.recorder.exchanges(one), self.reports.get(one))
            for one in ids
        ]
        if attempt is not None and all(record.sent_nothing for record in records):
            return None
        return build_har(
            records, page_origin=page_origin, api_origin=api_origin, include_cookies=include_cookies
        )

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
