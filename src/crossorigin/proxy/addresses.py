"""Where the proxy listens, where it forwards, and which `Host` names are its own.

Rule: everything that decides whether a request addressed this proxy lives
here. A browser page can make any host name resolve to 127.0.0.1 (DNS
rebinding), and its requests then reach the proxy as same-origin requests for
the attacker's site, so CORS never applies: only the `Host` header tells the
proxy that the page believes it is talking to `evil.example`. The proxy
therefore answers only requests whose `Host` is one of the names of its own
listen address (`OwnAddress.hosts`), and its own origin, used for the
WebSocket same-origin rule, comes from that address, never from the request.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from crossorigin.edge import own_origin
from crossorigin.origin import is_loopback_host

__all__ = ["DEFAULT_LISTEN", "ListenAddress", "OwnAddress", "ProxyConfigError", "Target"]

DEFAULT_LISTEN: Final = "127.0.0.1:8080"
#: The names every loopback listener answers to: a page on `localhost:3000`
#: and one on `127.0.0.1:3000` are both development pages of this machine.
_LOOPBACK_NAMES: Final = ("localhost", "127.0.0.1", "[::1]")
_WILDCARDS: Final = frozenset({"0.0.0.0", "::", ""})


class ProxyConfigError(ValueError):
    """A `--target` or `--listen` value that cannot be used."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where requests go: `http://127.0.0.1:8000` or `https://api.example.com/v1`
    (a path is a prefix put before every request's path)."""

    scheme: str
    host: str
    port: int
    path_prefix: str = ""

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ProxyConfigError(f"--target must be an http:// or https:// URL, not {url!r}")
        if not parts.hostname:
            raise ProxyConfigError(f"--target {url!r} has no host")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ProxyConfigError(
                f"--target {url!r}: give scheme, host, port and optionally a path prefix only"
            )
        try:
            port = parts.port
        except ValueError:
            raise ProxyConfigError(f"--target {url!r} has an invalid port") from None
        if port is None:
            port = 443 if parts.scheme == "https" else 80
        prefix = parts.path.rstrip("/")
        if any(segment in (".", "..") for segment in prefix.split("/")):
            raise ProxyConfigError(f"--target {url!r}: the path prefix has a dot segment")
        return cls(parts.scheme, parts.hostname, port, prefix)

    @property
    def authority(self) -> bytes:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return (host if self.port == default else f"{host}:{self.port}").encode("idna")

    def __str__(self) -> str:
        return f"{self.scheme}://{self.authority.decode()}{self.path_prefix}"


@dataclass(frozen=True, slots=True)
class ListenAddress:
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> ListenAddress:
        host, colon, port_text = text.rpartition(":")
        if not colon or not port_text.isdigit() or int(port_text) > 65535:
            raise ProxyConfigError(
                f"--listen must be HOST:PORT (e.g. {DEFAULT_LISTEN}), not {text!r}"
            )
        host = host.strip("[]") or "127.0.0.1"
        return cls(host, int(port_text))

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(_bracketed(self.host))

    def own_address(self, port: int, local_ip: str | None = None) -> OwnAddress:
        """The names this listener answers to on `port` (the bound port, which
        differs from `self.port` when that is 0). `local_ip` is the address a
        connection arrived on: the only name a wildcard listener (0.0.0.0, ::)
        can call its own."""
        names: list[str] = []
        host = self.host.lower()
        if host in _WILDCARDS and local_ip is not None:
            host = _unmapped(local_ip)
        if host not in _WILDCARDS:
            names.append(_bracketed(host))
        if is_loopback_host(_bracketed(host)):
            names.extend(_LOOPBACK_NAMES)
        return OwnAddress.of(dict.fromkeys(names), port)


def _unmapped(ip: str) -> str:
    """An IPv4 address as a dual-stack socket reports it (`::ffff:192.0.2.7`),
    written as IPv4, as a client addressing it writes it in `Host`."""
    try:
        mapped = ipaddress.IPv6Address(ip).ipv4_mapped
    except ValueError:
        return ip
    return str(mapped) if mapped is not None else ip


def _bracketed(host: str) -> str:
    try:
        is_v6 = ipaddress.ip_address(host.strip("[]")).version == 6
    except ValueError:
        return host
    return f"[{host.strip('[]')}]" if is_v6 else host


@dataclass(frozen=True, slots=True)
class OwnAddress:
    """The `Host` values that name this proxy, and the matching origins.

    `hosts` holds `name:port` for each name, and the bare name too when the port
    is 80 (RFC 9110 §4.2.1: a browser omits the default port). Compared after
    lower-casing, as host names are case-insensitive (RFC 9110 §4.2.3)."""

    hosts: frozenset[bytes]
    origins: frozenset[bytes]
    #: The first name, shown in messages: where a user should point the page.
    primary: str

    @classmethod
    def of(cls, names: dict[str, None], port: int) -> OwnAddress:
        hosts: list[bytes] = []
        for name in names:
            encoded = name.encode("idna") if not name.isascii() else name.encode()
            hosts.append(encoded + b":%d" % port)
            if port == 80:
                hosts.append(encoded)
        # The proxy listens without TLS: its pages are http ones.
        origins = frozenset(own_origin("http", host) for host in hosts)
        primary = f"http://{next(iter(names), '?')}:{port}"
        return cls(frozenset(hosts), origins, primary)

    def self_origin(self, origin: bytes | None) -> bytes | None:
        """The proxy's own origin for the engine's same-origin rules: the request's
        `Origin` when it is one of this proxy's origins, otherwise none that could
        match (the request's `Host` never decides it)."""
        return origin if origin is not None and origin in self.origins else None
