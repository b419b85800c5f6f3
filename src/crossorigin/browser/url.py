"""URLs as Chromium's URL parser (GURL) reads and prints them.

Rule 1: everything the browser model needs to know about a URL's syntax lives
in this file: whether a value parses (the `Access-Control-Allow-Origin`
validity test, a redirect's `Location`), how a URL is printed (console lines),
its origin, and whether it carries credentials.

Theory of operation: `parse_url(text, base)` follows the URL Standard's basic
URL parser (§4.4) for absolute and relative input, with Chromium's departures
where the two differ, each measured in Chromium 156 (tests/oracles/browsers/
rule_cases.py, recorded.json):

- input: leading and trailing code points <= U+0020 are trimmed, and TAB, LF
  and CR removed anywhere (§4.4 steps 1-3; GURL's `RemoveURLWhitespace`);
- special schemes (http, https, ws, wss, ftp, file) skip any number of `/` or
  `\\` before the authority ("special authority ignore slashes state"), so
  `http:o.test` and `http:\\\\o.test` have the host `o.test`; with a base of the
  same scheme, `http:x` is a relative reference (§4.4 "special relative or
  authority state");
- the port (§4.4 "port state"): ASCII digits only, at most 65535; empty is
  no port; the scheme's default port is dropped;
- the host (§3.5 "host parsing"): percent-decoded, read as UTF-8 (a byte
  sequence that is not UTF-8 fails), mapped with UTS #46 when not ASCII,
  lower-cased; a forbidden domain code point fails; a host that "ends in a
  number" must be an IPv4 address (§3.3: up to four parts, decimal, `0x` hex
  or `0` octal, the last part up to 256^(5-n)) and is printed dotted-decimal;
  `[...]` must be an IPv6 address (printed compressed); non-special schemes
  keep an opaque host, which may not hold a forbidden host code point;
- the path: `\\` is a separator in special URLs; `.` and `..` segments, also
  written `%2e`, are resolved (§4.4 "single-dot / double-dot segment");
  Chromium percent-encodes more than the standard's path set (`^`, `|` too);
- userinfo: an empty username and an empty password are dropped, so
  `http://:@h/` has no credentials (§4.5 "URL serializing" step 2.1).

Header values reach this module as the response's bytes, one character per
byte (see `headers.py`); `parse_header_url` reads them as GURL does: the bytes
as UTF-8, or, for a `Location`, with every byte >= 0x80 escaped first (net's
`EscapeNonASCII`).
"""

from __future__ import annotations

import ipaddress
import re
import string
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

__all__ = [
    "SPECIAL_SCHEMES",
    "URL",
    "decode_unreserved",
    "is_valid_url",
    "parse_header_url",
    "parse_location",
    "parse_url",
]

#: URL Standard §4.1 special schemes and their default ports.
SPECIAL_SCHEMES: Final[dict[str, int | None]] = {
    "ftp": 21,
    "file": None,
    "http": 80,
    "https": 443,
    "ws": 80,
    "wss": 443,
}

_SCHEME_FIRST: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_SCHEME_REST: Final = _SCHEME_FIRST | frozenset("0123456789+-.")
_DIGITS: Final = frozenset("0123456789")
_HEX: Final = frozenset("0123456789abcdefABCDEF")
_OCTAL: Final = frozenset("01234567")
_TRIM: Final = "".join(chr(c) for c in range(0x21))
_REMOVED: Final = str.maketrans("", "", "\t\n\r")

#: URL Standard §3.2 forbidden host code points (opaque hosts).
_FORBIDDEN_HOST: Final = frozenset("\x00\t\n\r #/:<>?@[\\]^|")
#: §3.2 forbidden domain code points: the above, C0 controls, `%` and DEL;
#: except the space, which GURL accepts in a domain and prints as `%20`
#: (measured: `http://a%20b` is a valid `Access-Control-Allow-Origin` URL).
_FORBIDDEN_DOMAIN: Final = (
    _FORBIDDEN_HOST | frozenset(chr(c) for c in range(0x20)) | {"%", "\x7f"}
) - {" "}

_C0: Final = frozenset(chr(c) for c in range(0x20)) | {"\x7f"}
#: Percent-encoded in each component when Chromium prints a URL (non-ASCII
#: code points always are, as UTF-8). Measured in Chromium 156; the path set
#: adds `^` and `|` to the URL Standard's path percent-encode set.
_PATH_ENCODE: Final = _C0 | frozenset(' "<>^`{|}')
#: Firefox's path set leaves `|` as is (measured in Firefox ESR 153).
_GECKO_PATH_ENCODE: Final = _PATH_ENCODE - {"|"}
#: The path set in force: `parse_url(..., engine_paths="gecko")` swaps it.
_path_encode: ContextVar[frozenset[str]] = ContextVar("path_encode", default=_PATH_ENCODE)
_QUERY_ENCODE: Final = _C0 | frozenset(" \"<>'")
_FRAGMENT_ENCODE: Final = _C0 | frozenset(' "<>`')
_USERINFO_ENCODE: Final = _C0 | frozenset(' "#<>?`{}/:;=@[\\]^|')


@dataclass(frozen=True, slots=True)
class URL:
    """A parsed URL. `host` is serialized (punycode, dotted IPv4, `[v6]`);
    `port` is None for the default or no port; `path` is the serialized path
    (an opaque path for non-special URLs without authority)."""

    scheme: str
    username: str
    password: str
    host: str | None
    port: int | None
    path: str
    query: str | None
    fragment: str | None

    @property
    def special(self) -> bool:
        return self.scheme in SPECIAL_SCHEMES

    @property
    def has_credentials(self) -> bool:
        """§4.2 "includes credentials": a non-empty username or password."""
        return bool(self.username or self.password)

    @property
    def origin(self) -> str:
        """The serialized origin (§4.6; `null` for schemes without a tuple origin)."""
        if self.scheme not in ("http", "https", "ws", "wss", "ftp") or self.host is None:
            return "null"
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.scheme}://{self.host}{port}"

    def serialize(self, *, fragment: bool = True) -> str:
        """§4.5 URL serializer (with Chromium's percent-encoding)."""
        parts = [self.scheme, ":"]
        if self.host is not None:
            parts.append("//")
            if self.username or self.password:
                parts.append(self.username)
                if self.password:
                    parts += [":", self.password]
                parts.append("@")
            parts.append(self.host)
            if self.port is not None:
                parts += [":", str(self.port)]
        parts.append(self.path)
        if self.query is not None:
            parts += ["?", self.query]
        if fragment and self.fragment is not None:
            parts += ["#", self.fragment]
        return "".join(parts)

    def __str__(self) -> str:
        return self.serialize()


# --- Percent-encoding -------------------------------------------------------------------


def _encode(text: str, encode_set: frozenset[str]) -> str:
    """`text` with the code points of `encode_set` and every non-ASCII code
    point percent-encoded as UTF-8 (a lone surrogate stands for one raw byte)."""
    if text.isascii() and not any(char in encode_set for char in text):
        return text
    out = []
    for char in text:
        if char in encode_set:
            out.append(f"%{ord(char):02X}")
        elif char.isascii():
            out.append(char)
        elif 0xDC80 <= ord(char) <= 0xDCFF:
            out.append(f"%{ord(char) - 0xDC00:02X}")
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
    return "".join(out)


def _percent_decode(text: str) -> bytes:
    """§1.3 percent-decode: `%XX` becomes the byte, anything else stays (as UTF-8)."""
    raw = text.encode("utf-8", "surrogateescape")
    if b"%" not in raw:
        return raw
    out = bytearray()
    index = 0
    while index < len(raw):
        byte = raw[index]
        if (
            byte == 0x25
            and index + 2 < len(raw) + 0
            and chr(raw[index + 1]) in _HEX
            and chr(raw[index + 2]) in _HEX
        ):
            out.append(int(raw[index + 1 : index + 3], 16))
            index += 3
        else:
            out.append(byte)
            index += 1
    return bytes(out)


# --- Hosts ---------------------------------------------------------------------------------


def _ipv4_number(part: str) -> int | None:
    """§3.3 IPv4 number parser; None on failure."""
    if not part:
        return None
    if part[:2] in ("0x", "0X"):
        digits, radix, allowed = part[2:], 16, _HEX
        if not digits:
            return 0
    elif len(part) > 1 and part[0] == "0":
        digits, radix, allowed = part[1:], 8, _OCTAL
    else:
        digits, radix, allowed = part, 10, _DIGITS
    if not all(char in allowed for char in digits):
        return None
    return int(digits, radix)


def _ends_in_a_number(host: str) -> bool:
    """§3.5 "ends in a number checker"."""
    parts = host.split(".")
    if parts[-1] == "":
        if len(parts) == 1:
            return False
        parts.pop()
    last = parts[-1]
    if last and all(char in _DIGITS for char in last):
        return True
    return last[:2] in ("0x", "0X") and all(char in _HEX for char in last[2:])


def _ipv4(host: str) -> str | None:
    """§3.3 IPv4 parser, serialized dotted-decimal; None on failure."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if len(parts) > 4:
        return None
    numbers = []
    for part in parts:
        number = _ipv4_number(part)
        if number is None:
            return None
        numbers.append(number)
    if any(number > 255 for number in numbers[:-1]):
        return None
    if numbers[-1] >= 256 ** (5 - len(numbers)):
        return None
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number * 256 ** (3 - index)
    return ".".join(str((value >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def _domain_to_ascii(domain: str) -> str | None:
    """§3.5 "domain to ASCII": UTS #46 processing (non-transitional), then
    Punycode per label; None when a code point is disallowed. Like Chromium's
    ICU call (url/url_idna_icu.cc), and unlike IDNA2008's stricter registry
    rules, symbols such as `€` are accepted (measured: `http://€.test` is a
    valid `Access-Control-Allow-Origin` URL)."""
    import idna

    try:
        mapped = idna.uts46_remap(domain, std3_rules=False, transitional=False)
        labels = [
            label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
            for label in mapped.split(".")
        ]
    except (idna.IDNAError, UnicodeError, ValueError):
        return None
    return ".".join(labels)


def _parse_host(text: str, *, special: bool) -> str | None:
    """§3.5 host parser; the serialized host, or None on failure."""
    if text.startswith("["):
        if not text.endswith("]"):
            return None
        try:
            address = ipaddress.IPv6Address(text[1:-1])
        except ValueError:
            return None
        if address.scope_id is not None:
            return None
        return f"[{address.compressed}]"
    if not special:
        if any(char in _FORBIDDEN_HOST for char in text):
            return None
        return _encode(text, _C0)
    try:
        domain = _percent_decode(text).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if domain.isascii():
        domain = domain.lower()
    else:
        mapped = _domain_to_ascii(domain)
        if mapped is None:
            return None
        domain = mapped
    if not domain or any(char in _FORBIDDEN_DOMAIN for char in domain):
        return None
    if _ends_in_a_number(domain):
        return _ipv4(domain)
    return domain.replace(" ", "%20")


# --- Paths ----------------------------------------------------------------------------------

_SINGLE_DOT: Final = frozenset({".", "%2e"})
_DOUBLE_DOT: Final = frozenset({"..", ".%2e", "%2e.", "%2e%2e"})


def _resolve_segments(segments: list[str], *, special: bool) -> str:
    """§4.4 path state over already split segments: dot segments resolved,
    each segment percent-encoded; the serialized path."""
    path: list[str] = []
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        lowered = segment.lower() if "%" in segment else segment
        if lowered in _DOUBLE_DOT:
            if path:
                path.pop()
            if index == last:
                path.append("")
        elif lowered in _SINGLE_DOT:
            if index == last:
                path.append("")
        else:
            path.append(_encode(segment, _path_encode.get()))
    return "/" + "/".join(path)


def _split_path(text: str, *, special: bool) -> list[str]:
    if special:
        text = text.replace("\\", "/")
    return text.split("/")


# --- The parser -----------------------------------------------------------------------------


def _split_tail(text: str) -> tuple[str, str | None, str | None]:
    """(before, query, fragment) of the text after the authority."""
    before, hash_mark, fragment = text.partition("#")
    head, question, query = before.partition("?")
    return head, (query if question else None), (fragment if hash_mark else None)


def _authority(scheme: str, text: str) -> tuple[str, str, str | None, int | None, str] | None:
    """Parse `text` (after the slashes) as authority + rest:
    (username, password, host, port, rest) or None on failure."""
    special = scheme in SPECIAL_SCHEMES
    stops = "/?#\\" if special else "/?#"
    end = len(text)
    for index, char in enumerate(text):
        if char in stops:
            end = index
            break
    authority, rest = text[:end], text[end:]
    username = password = ""
    if "@" in authority:
        userinfo, _, authority = authority.rpartition("@")
        raw_user, _, raw_password = userinfo.partition(":")
        username = _encode(raw_user, _USERINFO_ENCODE)
        password = _encode(raw_password, _USERINFO_ENCODE)
        if not authority:
            return None
    host_text, port_text = authority, ""
    colon = authority.rfind(":")
    if colon != -1 and "]" not in authority[colon:]:
        host_text, port_text = authority[:colon], authority[colon + 1 :]
    port: int | None = None
    if port_text:
        if not all(char in _DIGITS for char in port_text):
            return None
        port = int(port_text)
        if port > 65535:
            return None
        if port == SPECIAL_SCHEMES.get(scheme):
            port = None
    if not host_text:
        if special and scheme != "file":
            return None
        if port_text or username or password:
            return None
        return username, password, "", None, rest
    host = _parse_host(host_text, special=special)
    if host is None:
        return None
    if scheme == "file" and host == "localhost":
        host = ""
    return username, password, host, port, rest


def _split_scheme(text: str) -> tuple[str, str] | None:
    """(scheme lower-cased, rest) when `text` starts with a scheme and `:`."""
    if not text or text[0] not in _SCHEME_FIRST:
        return None
    for index, char in enumerate(text):
        if char == ":":
            return text[:index].lower(), text[index + 1 :]
        if char not in _SCHEME_REST:
            return None
    return None


def _with_path(
    scheme: str,
    username: str,
    password: str,
    host: str | None,
    port: int | None,
    rest: str,
) -> URL:
    special = scheme in SPECIAL_SCHEMES
    head, query, fragment = _split_tail(rest)
    if special or host is not None:
        segments = _split_path(head, special=special)
        if segments and segments[0] == "":
            segments = segments[1:]
        path = (
            _resolve_segments(segments, special=special) if segments else ("/" if special else "")
        )
    else:
        path = _encode(head, _C0)
    return URL(
        scheme,
        username,
        password,
        host,
        port,
        path,
        _encode(query, _QUERY_ENCODE if special else _C0 | frozenset(' "<>'))
        if query is not None
        else None,
        _encode(fragment, _FRAGMENT_ENCODE) if fragment is not None else None,
    )


def _relative(text: str, base: URL) -> URL | None:
    """§4.4 relative state against a special (hierarchical) base."""
    special = base.special
    slashes = "/\\" if special else "/"
    if len(text) >= 2 and text[0] in slashes and text[1] in slashes:
        parsed = _authority(base.scheme, text.lstrip(slashes) if special else text[2:])
        if parsed is None:
            return None
        return _with_path(base.scheme, *parsed)
    head, query, fragment = _split_tail(text)
    if not head:
        return URL(
            base.scheme,
            base.username,
            base.password,
            base.host,
            base.port,
            base.path,
            base.query if query is None else _encode(query, _QUERY_ENCODE),
            None if fragment is None else _encode(fragment, _FRAGMENT_ENCODE),
        )
    if head[0] in slashes:
        segments = _split_path(head, special=special)[1:]
    else:
        base_segments = base.path.split("/")[1:-1]
        segments = base_segments + _split_path(head, special=special)
    path = _resolve_segments(segments, special=special)
    return URL(
        base.scheme,
        base.username,
        base.password,
        base.host,
        base.port,
        path,
        None if query is None else _encode(query, _QUERY_ENCODE),
        None if fragment is None else _encode(fragment, _FRAGMENT_ENCODE),
    )


#: Parsed URLs are memoized (a scenario file, a playground or an audit parses
#: the same few URLs again and again); only short ones, so the memo holds at
#: most `_MEMO_SIZE` * `_MEMO_MAX_LENGTH` characters whatever the input.
_MEMO_SIZE: Final = 2048
_MEMO_MAX_LENGTH: Final = 2048


def parse_url(text: str, base: URL | None = None, *, gecko_paths: bool = False) -> URL | None:
    """§4.4 basic URL parser as Chromium runs it (with `gecko_paths`, with
    Firefox's path percent-encode set); None on failure."""
    if gecko_paths:
        token = _path_encode.set(_GECKO_PATH_ENCODE)
        try:
            return _parse(text, base)
        finally:
            _path_encode.reset(token)
    if len(text) > _MEMO_MAX_LENGTH or (
        base is not None and len(base.path) + len(base.query or "") > _MEMO_MAX_LENGTH
    ):
        return _parse(text, base)
    return _parse_memoized(text, base)


def _parse(text: str, base: URL | None) -> URL | None:
    text = text.strip(_TRIM).translate(_REMOVED)
    split = _split_scheme(text)
    if split is None:
        if base is None or base.host is None:
            return None
        return _relative(text, base)
    scheme, rest = split
    special = scheme in SPECIAL_SCHEMES
    if special:
        if (
            base is not None
            and base.scheme == scheme
            and not (len(rest) >= 2 and rest[0] in "/\\" and rest[1] in "/\\")
        ):
            return _relative(rest, base)
        if scheme == "file":
            # URL Standard §4.4 file state: two slashes lead to the host
            # (`file:///p` has an empty one); one slash or none, straight to
            # the path, with an empty host (`file:/p`, `file:p`: file:///p).
            if len(rest) >= 2 and rest[0] in "/\\" and rest[1] in "/\\":
                after = rest[2:]
            else:
                after = "/" + (rest[1:] if rest[:1] in ("/", "\\") else rest)
        else:
            after = rest.lstrip("/\\")
        parsed = _authority(scheme, after)
        if parsed is None:
            return None
        return _with_path(scheme, *parsed)
    if rest.startswith("//"):
        parsed = _authority(scheme, rest[2:])
        if parsed is None:
            return None
        return _with_path(scheme, *parsed)
    return _with_path(scheme, "", "", None, None, rest)


_parse_memoized = lru_cache(maxsize=_MEMO_SIZE)(_parse)


def is_valid_url(text: str) -> bool:
    """Whether GURL accepts `text` as an absolute URL."""
    return parse_url(text) is not None


def _bytes_as_text(value: str) -> str:
    """A header value (one character per byte) read as UTF-8; a byte that is
    not part of a UTF-8 sequence becomes a lone surrogate, which fails a host
    and is percent-encoded elsewhere."""
    if value.isascii():
        return value
    return value.encode("latin-1", "replace").decode("utf-8", "surrogateescape")


def parse_header_url(value: str, base: URL | None = None) -> URL | None:
    """A URL written in a response header (bytes, one character each), read
    as GURL reads an 8-bit string."""
    return parse_url(_bytes_as_text(value), base)


def parse_location(value: str, base: URL) -> URL | None:
    """A `Location` value resolved against the request URL as net's redirect
    code does: every byte >= 0x80 percent-escaped first (`EscapeNonASCII`),
    then parsed against `base`."""
    if not value.isascii():
        value = "".join(char if char < "\x80" else f"%{ord(char) & 0xFF:02X}" for char in value)
    return parse_url(value, base)


_UNRESERVED_ESCAPE: Final = re.compile(r"%([0-9A-Fa-f]{2})")
#: RFC 3986 §2.3 unreserved characters.
_UNRESERVED: Final = frozenset(string.ascii_letters + string.digits + "-._~")


def decode_unreserved(text: str) -> str:
    """`text` with each escape of an RFC 3986 §2.3 unreserved character
    decoded and every other escape kept as written: the §6.2.2.2
    normalization WebKitGTK's network layer (libsoup) applies to the URL
    it sends (measured: `/%41%7e` reaches the server as `/A~`, `%zz` and
    `%7F` stay)."""

    def one(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else match.group(0)

    return _UNRESERVED_ESCAPE.sub(one, text)
