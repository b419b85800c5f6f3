"""Origins and origin patterns: the one grammar of scheme, host and port.

Rule: everything about how an origin is written lives in this file: the
characters of a scheme and a host, the port syntax, the exact serialization a
browser sends, and the two wildcards a policy may add to it. The policy
validator, the compiled matcher (patterns.py) and the tools all call these
functions; none of them re-states a character set.

Theory of operation: an origin is either opaque (serialized `null`) or a tuple
(scheme, host, port) (HTML §7.5 "Origin"). `Origin.parse` accepts what a person
writes: a serialized origin or any URL, and computes the origin as the URL
standard does (lower-cased scheme and host, IDNA-encoded host, default port
dropped, path and the rest ignored). `Origin.parse_strict`, used by the
policy validator, accepts only the byte-exact serialized form a browser sends
in the `Origin` header and says precisely what is wrong otherwise.

`OriginPattern.parse` reads one entry of a policy's `origins` with the same
strict grammar plus three wildcards: `*.` as the first label
(`https://*.example.com`: one or more labels before `example.com`, not the
apex), one `*` inside the first label (`https://myapp-*-team.vercel.app`:
one or more characters, never a dot, so exactly one label, LABEL_GLOB), and
`:*` as the port (`http://localhost:*`: any port, or none). A port list
(`http://localhost:[3000,5173]`) is not a pattern but shorthand:
`expand_port_list` turns it into one origin per port, so it costs the
request path nothing beyond exact origins. Every
error names the text the user wrote and, when it can, the text to write
instead, wildcards included (`https://*.Example.com` -> `https://*.example.com`).
`split_serialized_origin` is the same grammar on the request path: the raw
`Origin` bytes split without exceptions, or None for anything a browser would
not send.

Same-site follows the HTML standard's schemeful "same site": the same scheme
and the same registrable domain (public suffix list), or the same host when
there is no registrable domain (IP addresses, `localhost`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Final, NamedTuple

__all__ = [
    "ANY_PORT",
    "DEFAULT_PORTS",
    "HOST_CHARACTERS",
    "IPV6_CHARACTERS",
    "MAX_ORIGIN_LENGTH",
    "MAX_PORT_LIST",
    "Origin",
    "OriginPattern",
    "OriginSyntaxError",
    "PatternKind",
    "expand_port_list",
    "is_ip_host",
    "is_loopback_host",
    "label_glob_matches",
    "same_origin",
    "same_site",
    "split_serialized_origin",
]

#: URL standard §4.1 special schemes and their default ports.
DEFAULT_PORTS: Final = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}

#: Bytes a browser can put in a serialized origin's host (after IDNA), besides
#: the brackets and colons of IPv6.
HOST_CHARACTERS: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_")
#: What may stand between the brackets of a serialized IPv6 host: lower-case
#: hex digits, colons and the dots of an embedded IPv4 address (URL standard
#: §3.6 "IPv6 serializer"; a zone identifier such as `%eth0` is never part of
#: a URL's host). Parsers lower-case first, so `[::ABCD]` is told its
#: canonical form rather than refused as garbage.
IPV6_CHARACTERS: Final = frozenset("0123456789abcdef:.")
_SCHEME_FIRST: Final = frozenset("abcdefghijklmnopqrstuvwxyz")
_SCHEME_REST: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789+-.")
#: 64 (scheme) + 3 (://) + 253 (DNS name) + 6 (:65535): nothing longer is an origin.
MAX_ORIGIN_LENGTH: Final = 326


class OriginSyntaxError(ValueError):
    """The text is not an origin. `code` is a stable identifier, `hint` says how
    to write it instead (may be empty)."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.hint = hint


@dataclass(frozen=True, slots=True)
class Origin:
    """A tuple origin, or the opaque origin (`scheme == ""`, serialized `null`).

    `port` is None when it is the scheme's default port (or the scheme has none).
    """

    scheme: str
    host: str
    port: int | None = None

    # -- constructors -----------------------------------------------------------

    @classmethod
    def opaque(cls) -> Origin:
        return cls("", "", None)

    @classmethod
    def parse(cls, text: str) -> Origin:
        """The origin of a serialized origin or a URL, computed leniently.

        >>> Origin.parse("https://example.com/api")
        Origin(scheme='https', host='example.com', port=None)
        """
        text = text.strip()
        if text == "null":
            return cls.opaque()
        scheme, sep, rest = text.partition("://")
        if not sep:
            raise OriginSyntaxError(
                "origin-missing-scheme",
                f"{text!r} has no scheme",
                f"write it with its scheme, e.g. 'https://{text}'",
            )
        scheme = scheme.lower()
        _check_scheme(scheme, text)
        if scheme == "file":
            return cls.opaque()
        # The authority ends at the first /, ? or # (URL standard, special schemes
        # also treat \ as a path separator).
        end = len(rest)
        for stop in "/?#\\":
            index = rest.find(stop)
            if index != -1 and index < end:
                end = index
        authority = rest[:end]
        if "@" in authority:
            authority = authority.rpartition("@")[2]
        host, port = _split_host_port(authority, text)
        host = _canonical_host(host, text, lenient=True)
        return cls(scheme, host, _effective_port(scheme, port))

    @classmethod
    def parse_strict(cls, text: str) -> Origin:
        """Parse the exact serialization a browser sends in `Origin`, refusing
        anything else with an OriginSyntaxError naming the problem."""
        if text == "null":
            return cls.opaque()
        parts = _parse_serialized(text, wildcards=False)
        return cls(parts.scheme, parts.host, parts.port)

    # -- properties ---------------------------------------------------------------

    @property
    def is_opaque(self) -> bool:
        return self.scheme == ""

    @property
    def effective_port(self) -> int | None:
        return self.port if self.port is not None else DEFAULT_PORTS.get(self.scheme)

    @property
    def is_ip(self) -> bool:
        return is_ip_host(self.host)

    @property
    def is_potentially_trustworthy(self) -> bool:
        """Secure Contexts §3.1: https/wss, loopback IPs and localhost names."""
        if self.is_opaque:
            return False
        if self.scheme in ("https", "wss"):
            return True
        return is_loopback_host(self.host)

    def serialize(self) -> str:
        """HTML §7.5 "serialization of an origin"."""
        if self.is_opaque:
            return "null"
        if self.port is None:
            return f"{self.scheme}://{self.host}"
        return f"{self.scheme}://{self.host}:{self.port}"

    def __str__(self) -> str:
        return self.serialize()


def is_loopback_host(host: str) -> bool:
    """`localhost`, `*.localhost` (RFC 6761) and loopback IPs (127/8, ::1)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    if is_ip_host(host):
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    return False


# -- patterns -------------------------------------------------------------------------


class PatternKind(Enum):
    ANY = "any"
    EXACT = "exact"
    SUBDOMAINS = "subdomains"
    ANY_PORT = "any-port"
    LABEL_GLOB = "label-glob"


#: The port value of a pattern that accepts every port.
ANY_PORT: Final = -1


@dataclass(frozen=True, slots=True)
class OriginPattern:
    """One parsed entry of a policy's `origins`: `*`, `null`, an exact origin,
    `https://*.example.com` (SUBDOMAINS; `host` is the base domain
    `example.com`), `https://pr-*.example.com` (LABEL_GLOB; `host` is the
    rest, `example.com`, and `label` the first label with its `*`) or
    `http://localhost:*` (ANY_PORT). `port` is None (the scheme's default), a
    number, or ANY_PORT. `text` is what the user wrote.
    """

    kind: PatternKind
    text: str
    scheme: str = ""
    host: str = ""
    port: int | None = None
    label: str = ""

    @property
    def label_affixes(self) -> tuple[str, str]:
        """A LABEL_GLOB's fixed text before and after its `*`."""
        before, _, after = self.label.partition("*")
        return before, after

    @classmethod
    def parse(cls, text: str) -> OriginPattern:
        """Parse one policy origin; raise OriginSyntaxError saying what is wrong
        in the user's own text."""
        if text == "*":
            return cls(PatternKind.ANY, text)
        if text == "null":
            return cls(PatternKind.EXACT, text)
        parts = _parse_serialized(text, wildcards=True)
        port = ANY_PORT if parts.any_port else parts.port
        if parts.glob:
            return cls(PatternKind.LABEL_GLOB, text, parts.scheme, parts.host, port, parts.glob)
        if parts.subdomains:
            return cls(PatternKind.SUBDOMAINS, text, parts.scheme, parts.host, port)
        if parts.any_port:
            return cls(PatternKind.ANY_PORT, text, parts.scheme, parts.host, ANY_PORT)
        return cls(PatternKind.EXACT, text, parts.scheme, parts.host, parts.port)

    def matches(self, origin: Origin) -> bool:
        """Whether a parsed origin is covered (used by lint and the tools; the
        request path uses the compiled matcher in patterns.py)."""
        if self.kind is PatternKind.ANY:
            return True
        if origin.is_opaque:
            return self.kind is PatternKind.EXACT and self.text == "null"
        if origin.scheme != self.scheme:
            return False
        if self.port != ANY_PORT and origin.port != self.port:
            return False
        if self.kind is PatternKind.SUBDOMAINS:
            return origin.host.endswith("." + self.host)
        if self.kind is PatternKind.LABEL_GLOB:
            label, _, rest = origin.host.partition(".")
            return rest == self.host and label_glob_matches(label, *self.label_affixes)
        return origin.host == self.host

    @property
    def is_wildcard(self) -> bool:
        return self.kind is not PatternKind.EXACT


def label_glob_matches(label: str, before: str, after: str) -> bool:
    """Whether one host label fits `before*after`, `*` standing for at least
    one character (the label comes from splitting at dots, so `*` never
    spans one)."""
    return (
        len(label) > len(before) + len(after) and label.startswith(before) and label.endswith(after)
    )


#: At most this many ports in one port list.
MAX_PORT_LIST: Final = 32


def expand_port_list(text: str) -> tuple[str, ...]:
    """`scheme://host:[p1,p2,...]` as one origin text per port, in order;
    any other text as itself. The items are checked as ports when each
    expanded origin is parsed; here only the list's own shape."""
    if not text.endswith("]") or ":[" not in text:
        return (text,)
    stem, _, listed = text[:-1].rpartition(":[")
    items = listed.split(",")
    if not listed or any(not item for item in items):
        raise OriginSyntaxError(
            "origin-invalid-port",
            f"{text!r}: a port list is ports between commas, e.g. 'http://localhost:[3000,5173]'",
        )
    if len(items) > MAX_PORT_LIST:
        raise OriginSyntaxError(
            "origin-invalid-port",
            f"{text!r}: more than {MAX_PORT_LIST} ports in one list",
            f"write {stem + ':*'!r} if any port will do",
        )
    if len(set(items)) != len(items):
        raise OriginSyntaxError("origin-invalid-port", f"{text!r} lists a port twice")
    return tuple(f"{stem}:{item}" for item in items)


def split_serialized_origin(raw: bytes) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of the `Origin` header bytes when they are an origin
    as a browser serializes it, else None (so they can match no pattern). The
    request-path twin of `_parse_serialized`: the same character sets and port
    rules, without building messages or raising."""
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    scheme, sep, authority = text.partition("://")
    if not sep or not scheme:
        return None
    if authority.startswith("["):
        close = authority.find("]")
        if close == -1:
            return None
        host, after = authority[: close + 1], authority[close + 1 :]
        colon = after[:1]
        if after and colon != ":":
            return None
        port_text = after[1:]
        if not all(c in IPV6_CHARACTERS for c in host[1:-1]):
            return None
    else:
        host, colon, port_text = authority.partition(":")
        if (
            not host
            or host.startswith(".")
            or host.endswith(".")
            or ".." in host
            or any(c not in HOST_CHARACTERS for c in host)
        ):
            return None
    if not colon:
        return scheme, host, None
    if not port_text.isdigit() or port_text.startswith("0") or len(port_text) > 5:
        return None
    port = int(port_text)
    if port > 65535 or DEFAULT_PORTS.get(scheme) == port:
        return None
    return scheme, host, port


# -- comparison ---------------------------------------------------------------------


def _as_origin(value: Origin | str) -> Origin:
    return value if isinstance(value, Origin) else Origin.parse(value)


def same_origin(a: Origin | str, b: Origin | str) -> bool:
    """HTML §7.5 "same origin": equal tuples; an opaque origin is never the same
    as one parsed separately."""
    first, second = _as_origin(a), _as_origin(b)
    if first.is_opaque or second.is_opaque:
        return False
    return first == second


def same_site(a: Origin | str, b: Origin | str) -> bool:
    """HTML §7.5 schemeful "same site": the same scheme and the same site host
    (registrable domain, or the host itself when it has none)."""
    first, second = _as_origin(a), _as_origin(b)
    if first.is_opaque or second.is_opaque:
        return False
    if first.scheme != second.scheme:
        return False
    return _site_host(first.host) == _site_host(second.host)


def _site_host(host: str) -> str:
    if is_ip_host(host):
        return host
    from crossorigin.public_suffix import registrable_domain

    return registrable_domain(host) or host


# -- parsing pieces ---------------------------------------------------------------------


class _Serialized(NamedTuple):
    """A strictly parsed origin or pattern: `subdomains` when it began with
    `*.` (then `host` is the base domain), `any_port` when it ended with `:*`."""

    scheme: str
    host: str
    port: int | None
    subdomains: bool = False
    any_port: bool = False
    #: The first label of a LABEL_GLOB, with its `*` (then `host` is the rest).
    glob: str = ""


def _parse_serialized(text: str, *, wildcards: bool) -> _Serialized:
    """The strict grammar shared by `Origin.parse_strict` and
    `OriginPattern.parse`: scheme "://" host [":" port], as HTML §7.5
    serializes an origin, plus (with `wildcards`) a leading `*.` label and a
    `:*` port. Each error message quotes `text`, and each hint is `text`
    corrected, wildcards kept."""
    if len(text) > MAX_ORIGIN_LENGTH:
        raise OriginSyntaxError("origin-too-long", f"{text[:40]!r}... is too long for an origin")
    if text != text.strip():
        raise OriginSyntaxError(
            "origin-whitespace", f"{text!r} has surrounding whitespace", f"write {text.strip()!r}"
        )
    scheme, sep, rest = text.partition("://")
    if not sep:
        hint = f"write it with its scheme, e.g. 'https://{text}'" if text else ""
        raise OriginSyntaxError("origin-missing-scheme", f"{text!r} has no scheme", hint)
    if scheme != scheme.lower():
        raise OriginSyntaxError(
            "origin-uppercase",
            f"{text!r}: browsers send the scheme in lower case",
            f"write {text.lower()!r}" if text.isascii() else "",
        )
    _check_scheme(scheme, text)
    if scheme == "file":
        raise OriginSyntaxError(
            "origin-file-scheme",
            f"{text!r}: pages loaded from file:// send `Origin: null`, never a file:// origin",
            "serve the page over http://localhost instead",
        )
    # The wildcards as written; `rest` keeps what must be an ordinary authority.
    prefix = suffix = ""
    if wildcards:
        if rest.endswith(":*"):
            suffix, rest = ":*", rest[:-2]
        if rest.startswith("*."):
            prefix, rest = "*.", rest[2:]
            base = rest if rest.startswith("[") else rest.partition(":")[0]
            if base.startswith("[") or base.rsplit(".", 1)[-1].isdigit():
                raise OriginSyntaxError(
                    "origin-invalid-wildcard", f"{text!r}: an IP address has no subdomains"
                )
    glob = ""
    if wildcards and not prefix and "*" in rest:
        head, dot, tail = rest.partition(".")
        # The rest must hold a dot: `https://*example.com` is a slip for
        # `https://*.example.com`, not a glob over every `...example.com`.
        if (
            dot
            and "." in tail.partition(":")[0]
            and head.count("*") == 1
            and "*" not in tail
            and not head.startswith("[")
        ):
            # Checked as an ordinary host with the `*` as a letter; put back below.
            glob, rest = head, head.replace("*", "x") + dot + tail
    if wildcards and "*" in rest:
        raise OriginSyntaxError(
            "origin-invalid-wildcard",
            f"{text!r}: '*' is allowed only as the first label ('https://*.example.com'), "
            "once inside the first label ('https://pr-*.example.com') or as the port "
            "('http://localhost:*')",
        )
    for char, code, what in (
        ("#", "origin-has-fragment", "a fragment"),
        ("?", "origin-has-query", "a query"),
        ("/", "origin-has-path", "a path"),
    ):
        if char in rest:
            authority = rest.split("/")[0].split("?")[0].split("#")[0]
            if char == "/" and rest == authority + "/":
                code, what = "origin-trailing-slash", "a trailing slash"
            raise OriginSyntaxError(
                code,
                f"{text!r} has {what}; an origin is only scheme://host[:port]",
                f"write {scheme + '://' + prefix + authority + suffix!r}",
            )
    if "@" in rest:
        bare = rest.rpartition("@")[2]
        raise OriginSyntaxError(
            "origin-has-userinfo",
            f"{text!r} has a user name or password, which browsers never send in an origin",
            f"write {scheme + '://' + prefix + bare + suffix!r}",
        )
    host, port_text = _split_host_port(rest, text)
    port: int | None = None
    if port_text is not None:
        if suffix:
            raise OriginSyntaxError(
                "origin-invalid-wildcard",
                f"{text!r} names a port and ':*' (any port)",
                f"write {scheme + '://' + prefix + host + suffix!r} or drop ':*'",
            )
        _check_port_text(port_text, text)
        port = int(port_text)
        if DEFAULT_PORTS.get(scheme) == port:
            raise OriginSyntaxError(
                "origin-default-port",
                f"{text!r} names {scheme}'s default port; browsers leave it out",
                f"write {scheme + '://' + prefix + host!r}",
            )
    port_part = "" if port_text is None else ":" + port_text

    def rewrite(canonical: str) -> str:
        if glob:
            first, dot, others = canonical.partition(".")
            canonical = (
                glob.lower() + dot + others
                if first == glob.lower().replace("*", "x")
                else canonical
            )
        return f"{scheme}://{prefix}{canonical}{port_part}{suffix}"

    canonical = _canonical_host(host, text, lenient=False, rewrite=rewrite)
    if glob:
        if not glob.isascii() or glob != glob.lower():
            raise OriginSyntaxError("origin-invalid-host", f"{text!r} has an invalid host")
        return _Serialized(scheme, canonical.partition(".")[2], port, False, bool(suffix), glob)
    return _Serialized(scheme, canonical, port, bool(prefix), bool(suffix))


def _check_scheme(scheme: str, text: str) -> None:
    if not scheme or scheme[0] not in _SCHEME_FIRST or any(c not in _SCHEME_REST for c in scheme):
        raise OriginSyntaxError("origin-invalid-scheme", f"{text!r} has an invalid scheme")


def _check_port_text(port_text: str, text: str) -> None:
    if not port_text.isascii() or not port_text.isdigit():
        raise OriginSyntaxError("origin-invalid-port", f"{text!r} has an invalid port")
    if port_text != "0" and port_text.startswith("0"):
        raise OriginSyntaxError(
            "origin-invalid-port",
            f"{text!r}: browsers never send a port with leading zeros",
            f"write the port as {int(port_text)}",
        )
    if not 1 <= int(port_text) <= 65535:
        raise OriginSyntaxError("origin-port-out-of-range", f"{text!r}: the port must be 1-65535")


def _split_host_port(authority: str, text: str) -> tuple[str, str | None]:
    if authority.startswith("["):
        close = authority.find("]")
        if close == -1:
            raise OriginSyntaxError("origin-invalid-host", f"{text!r} has an unclosed IPv6 bracket")
        host, rest = authority[: close + 1], authority[close + 1 :]
        if not rest:
            return host, None
        if not rest.startswith(":"):
            raise OriginSyntaxError("origin-invalid-host", f"{text!r} has text after the IPv6 host")
        return host, rest[1:]
    host, colon, port = authority.partition(":")
    if not colon:
        return host, None
    return host, port


def _effective_port(scheme: str, port_text: str | None) -> int | None:
    if port_text is None or port_text == "":
        return None
    if not port_text.isascii() or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise OriginSyntaxError("origin-invalid-port", f"invalid port {port_text!r}")
    port = int(port_text)
    return None if DEFAULT_PORTS.get(scheme) == port else port


def is_ip_host(host: str) -> bool:
    if host.startswith("["):
        return True
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def _to_ascii(host: str, text: str) -> str:
    """UTS #46 ToASCII, as browsers map a host (nontransitional: `faß.de` is
    `xn--fa-hia.de`, not `fass.de`). The `idna` package implements it; it is
    loaded only here, for non-ASCII hosts, never on the request path."""
    import idna

    try:
        return str(idna.encode(host, uts46=True, transitional=False).decode("ascii"))
    except (idna.IDNAError, UnicodeError, ValueError):
        raise OriginSyntaxError("origin-invalid-host", f"{text!r} has an invalid host") from None


def _canonical_host(
    host: str, text: str, *, lenient: bool, rewrite: Callable[[str], str] | None = None
) -> str:
    """The host as a browser serializes it. Lenient mode lower-cases and
    IDNA-encodes; strict mode refuses anything not already canonical, with a
    hint written by `rewrite` (the user's text with the canonical host in
    place of theirs, wildcards kept)."""
    if rewrite is None:

        def rewrite(canonical: str) -> str:
            return text.replace(host, canonical)

    if not host:
        raise OriginSyntaxError("origin-invalid-host", f"{text!r} has no host")
    if host.startswith("["):
        inside = host[1:-1]
        # URL standard §3.5 IPv6 parser: only hex digits, colons and an
        # embedded IPv4; a zone identifier (`%eth0`) is not part of a URL host.
        if not host.endswith("]") or not all(c in IPV6_CHARACTERS for c in inside.lower()):
            raise OriginSyntaxError("origin-invalid-host", f"{text!r} has an invalid IPv6 host")
        try:
            address = ipaddress.IPv6Address(inside)
        except ValueError:
            raise OriginSyntaxError(
                "origin-invalid-host", f"{text!r} has an invalid IPv6 host"
            ) from None
        canonical = f"[{address.compressed}]"
        if not lenient and canonical != host:
            raise OriginSyntaxError(
                "origin-invalid-host",
                f"{text!r}: browsers serialize this IPv6 address as {canonical}",
                f"write {rewrite(canonical)!r}",
            )
        return canonical
    if not host.isascii():
        encoded = _to_ascii(host, text)
        if not lenient:
            raise OriginSyntaxError(
                "origin-non-ascii-host",
                f"{text!r} has a non-ASCII host; browsers send its punycode form",
                f"write {rewrite(encoded)!r}",
            )
        # The encoded host must pass the same checks as one written in ASCII.
        host = encoded
    if host != host.lower():
        if lenient:
            host = host.lower()
        else:
            raise OriginSyntaxError(
                "origin-uppercase",
                f"{text!r}: browsers send the host in lower case",
                f"write {rewrite(host.lower())!r}",
            )
    if (
        any(c not in HOST_CHARACTERS for c in host)
        or ".." in host
        or host.startswith(".")
        or host.endswith(".")
    ):
        raise OriginSyntaxError("origin-invalid-host", f"{text!r} has an invalid host")
    last_label = host.rsplit(".", 1)[-1]
    if last_label.isdigit() or last_label.startswith("0x"):
        # URL standard §3.5: a host ending in a number is an IPv4 address, and
        # browsers serialize it as a canonical dotted quad.
        try:
            canonical = str(ipaddress.IPv4Address(host))
        except ValueError:
            canonical = ""
        if canonical != host:
            raise OriginSyntaxError(
                "origin-invalid-host",
                f"{text!r}: a numeric host must be a dotted-quad IPv4 address as browsers "
                "serialize it (e.g. 127.0.0.1)",
            )
    if len(host) > 253:
        raise OriginSyntaxError("origin-too-long", f"{text!r}: the host is longer than 253 bytes")
    return host
