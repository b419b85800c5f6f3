"""A Policy as a server-configuration plan: which request gets which headers.

Theory of operation: a web server's configuration language cannot call the
engine, so each exporter needs the policy as data it can spell: regular
expressions for the checks, and per request state a list of headers whose
values are constants or echoes of the request. `ExportPlan.from_policy` builds
that data without restating a CORS rule:

- *What* is allowed comes from the Policy's normalized fields: exact origins,
  `OriginPattern`s (turned into anchored regexes that accept exactly the
  strings `OriginMatcher` accepts), the origin regex. The method and
  request-header rules are *asked of the engine*: every candidate name (the
  policy's own, the Fetch tables', a never-listed probe) is put to
  `Engine.preflight`, and the answers say which names pass and whether a
  wildcard is in force.
- *Which headers* each state gets is read off `Engine` decisions for
  representative requests. Every input is varied (two origins, two methods,
  two header lists); a header whose value follows an input is an echo of that
  input, one that does not is a constant.

Request states (`State`) are those of engine.py: no Origin (NOT_CORS), an
actual request from an allowed or refused origin, and a preflight
(`OPTIONS` + `Origin` + `Access-Control-Request-Method`) that passes every
check or not. Exporters only translate this plan; the parity tests run their
output in real servers against `Engine` decisions.

Regexes here use the dialect PCRE (nginx, Apache), RE2 (Caddy) and JavaScript
share: no look-around, `\\xHH` for punctuation. Header-list regexes are
case-sensitive as written; exporters apply their dialect's case-insensitive
flag (header names compare case-insensitively).

Configuration injection. Every value a policy carries into an export is
spelled by the exporter in its target's own quoting (see each module's
docstring), and the plan removes what no target can quote safely:

- Method and header names are RFC 9110 tokens, which include `$ % ' ` # | ^`:
  in regexes they are written `\\xHH` (`literal_regex`), in header values
  each exporter escapes them.
- `origin_regex` is written with every `"`, `'`, `` ` `` and `#` as `\\xHH`
  (`config_safe_regex`), which means the same character in Python, PCRE, RE2
  and JavaScript; a regex in verbose mode, where `#` starts a comment, is
  refused.
- The policy file's name and the policy summary go into comments through
  `comment_text`: only printable ASCII, so no line break ends a comment.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Final

from crossorigin import __version__, fetch_tables
from crossorigin.engine import MAX_REQUEST_HEADERS_LENGTH, Decision, Engine
from crossorigin.origin import DEFAULT_PORTS, HOST_CHARACTERS, MAX_ORIGIN_LENGTH
from crossorigin.patterns import ANY_PORT, OriginPattern, PatternKind
from crossorigin.policy import Policy

__all__ = ["ExportError", "ExportPlan", "HeaderTemplate", "Placeholder", "State"]

#: Never-listed probes: what the engine does with them tells whether a
#: wildcard is in force.
_PROBE_METHOD: Final = "X-CROSSORIGIN-PROBE"
_PROBE_HEADERS: Final = ("x-crossorigin-probe-one", "x-crossorigin-probe-two")
#: Stand-in origins for reading the header shape of an allowed origin.
_PROBE_ORIGINS: Final = (
    "https://one.crossorigin-probe.example",
    "https://two.crossorigin-probe.example",
)


class ExportError(ValueError):
    """The policy cannot be expressed in a server configuration."""


#: Access-Control-* response headers a browser acts on: Fetch §3.2.3 and
#: Private Network Access's Access-Control-Allow-Private-Network. Servers that
#: cannot remove a whole family of names by prefix (nginx, Apache) remove
#: these from the application's responses, so the policy is the only source.
BROWSER_CORS_RESPONSE_HEADER_NAMES: Final = (
    *sorted(fetch_tables.CORS_RESPONSE_HEADER_NAMES),
    "access-control-allow-private-network",
)


def comment_text(text: str) -> str:
    """`text` safe inside a one-line comment in every target: characters
    outside printable ASCII as `\\xHH`/`\\uHHHH`, so no line terminator (LF, CR,
    and in JavaScript U+2028/U+2029) ends the comment; no trailing backslash
    continues it (Apache joins such a line with the next); no `{$` (Caddy
    substitutes `{$NAME}` environment variables everywhere, comments too)."""
    out: list[str] = []
    for char in text:
        code = ord(char)
        if 0x20 <= code <= 0x7E:
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    escaped = "".join(out).replace("{$", "{\\x24")
    return escaped[:-1] + "\\x5c" if escaped.endswith("\\") else escaped


#: Characters that are always literal in a regex (outside verbose mode) but
#: end or break a configuration string in some target.
_CONFIG_UNSAFE_REGEX_CHARACTERS: Final = frozenset("\"'`#")
_VERBOSE_FLAG: Final = re.compile(r"\(\?[a-zA-Z]*x[a-zA-Z]*[:)-]")


#: Escapes every dialect reads alike (besides `\\` + punctuation and `\\xHH`).
_SHARED_ESCAPES: Final = frozenset("dDwWsSbBtnr")
_HEX: Final = frozenset("0123456789abcdefABCDEF")


def check_shared_dialect(regex: str) -> None:
    """Refuse (ExportError) what Python's `re` reads differently from, or
    accepts where, PCRE (nginx, Apache), RE2 (Caddy) or JavaScript (Express)
    does not: look-around, back-references, conditionals, atomic groups and
    possessive quantifiers (RE2 has none: Caddy would refuse to start),
    `(?P<name>` and inline flags (JavaScript has neither: the module would
    not load), `(?#...)`, `{,n}` (a quantifier in Python, literal text
    elsewhere), POSIX classes `[[:alpha:]]` (a set of characters in Python),
    and escapes other than `\\d \\w \\s \\b` (and their capitals), `\\t \\n \\r`,
    `\\xHH` and a backslash before punctuation (`\\Z`, `\\A`, `\\u`, octal and
    numbered escapes differ between them)."""

    def refuse(construct: str, why: str) -> None:
        raise ExportError(
            f"origin_regex {regex!a} uses {construct!a}, {why}; an export must mean the "
            "same in every server's regex engine: write it without"
        )

    in_class = False
    index = 0
    previous_quantifier = False
    while index < len(regex):
        char = regex[index]
        following = regex[index + 1 : index + 2]
        quantifier = False
        if char == "\\":
            if following.isalnum():
                if (
                    following == "x"
                    and set(regex[index + 2 : index + 4]) <= _HEX
                    and len(regex[index + 2 : index + 4]) == 2
                ):
                    index += 4
                    previous_quantifier = False
                    continue
                if following not in _SHARED_ESCAPES:
                    refuse("\\" + following, "an escape the regex engines read differently")
            index += 2
            previous_quantifier = False
            continue
        if in_class:
            if char == "[" and following == ":":
                refuse("[:", "a POSIX class in PCRE but a set of characters in Python")
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            # A `]` right after `[` or `[^` is a member, not the end.
            if regex[index + 1 : index + 2] == "^":
                index += 1
            if regex[index + 1 : index + 2] == "]":
                index += 1
        elif char == "(" and following == "?":
            opener = regex[index : index + 3]
            if opener != "(?:":
                refuse(regex[index : index + 4], "a group not every regex engine supports")
        elif char == "{" and following == ",":
            refuse("{,", "a quantifier in Python but literal text elsewhere")
        elif char in "*+?}":
            if char == "+" and previous_quantifier:
                refuse(regex[index - 1 : index + 1], "a possessive quantifier RE2 lacks")
            quantifier = char != "?" or not previous_quantifier
        index += 1
        previous_quantifier = quantifier


def config_safe_regex(regex: str) -> str:
    """`regex` with every `"`, `'`, `` ` ``, `#`, space and control character
    (escaped or not) written as `\\xHH`: the same regex in Python, PCRE, RE2
    and JavaScript, with nothing left that closes a quoted string or a line in
    nginx, Caddy, Apache or CEL. Escape pairs are copied whole, so `\\\\"`
    stays a backslash then a quote. Refused (ExportError): verbose mode, where
    `#` starts a comment, and non-ASCII, which PCRE without UTF mode reads as
    bytes where Python reads characters (browsers send origins in ASCII)."""
    if _VERBOSE_FLAG.search(regex):
        raise ExportError(
            f"origin_regex {regex!a} uses verbose mode (x flag), where # starts a comment; "
            "write it without the x flag to export it"
        )

    def spelled(char: str) -> str:
        code = ord(char)
        if code > 0x7E:
            raise ExportError(
                f"origin_regex {regex!a} contains the non-ASCII character {char!a}: server "
                "regex engines read bytes, Python characters; origins are ASCII "
                "(write an internationalized host in its xn-- form)"
            )
        if code <= 0x20 or char in _CONFIG_UNSAFE_REGEX_CHARACTERS:
            return f"\\x{code:02x}"
        return char

    out: list[str] = []
    index = 0
    while index < len(regex):
        char = regex[index]
        if char == "\\" and index + 1 < len(regex):
            escaped = regex[index + 1]
            plain = spelled(escaped)
            out.append(plain if plain != escaped else char + escaped)
            index += 2
            continue
        out.append(spelled(char))
        index += 1
    return "".join(out)


class State(Enum):
    NOT_CORS = "not-cors"
    ACTUAL_ALLOWED = "actual-allowed"
    ACTUAL_REFUSED = "actual-refused"
    PREFLIGHT_ALLOWED = "preflight-allowed"
    PREFLIGHT_REFUSED = "preflight-refused"


class Placeholder(Enum):
    """A header value copied from the request."""

    ORIGIN = "Origin"
    REQUEST_METHOD = "Access-Control-Request-Method"
    REQUEST_HEADERS = "Access-Control-Request-Headers"


@dataclass(frozen=True, slots=True)
class HeaderTemplate:
    """One response header: a constant value, or an echo of a request header
    (an echo of an empty or absent value means: no header)."""

    name: str
    value: str | Placeholder

    @property
    def is_echo(self) -> bool:
        return isinstance(self.value, Placeholder)


# -- regex building (the shared dialect) -------------------------------------------------

_PLAIN: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/_-")


def literal_regex(text: str) -> str:
    """`text` as a regex matching itself only."""
    out: list[str] = []
    for char in text:
        if char in _PLAIN:
            out.append(char)
        elif char == ".":
            out.append(r"\.")
        else:
            out.append(f"\\x{ord(char):02x}")
    return "".join(out)


def _char_class(characters: frozenset[str]) -> str:
    """A bracket expression for `characters`, runs of three or more as ranges."""
    codes = sorted(ord(c) for c in characters)

    def spell(code: int) -> str:
        char = chr(code)
        return char if char.isalnum() or char == "_" else f"\\x{code:02x}"

    parts: list[str] = []
    start = 0
    while start < len(codes):
        end = start
        while end + 1 < len(codes) and codes[end + 1] == codes[end] + 1:
            end += 1
        if end - start >= 2:
            parts.append(f"{spell(codes[start])}-{spell(codes[end])}")
        else:
            parts.extend(spell(code) for code in codes[start : end + 1])
        start = end + 1
    return "[" + "".join(parts) + "]"


#: RFC 9110 token, from the Fetch tables' token characters.
TOKEN_REGEX: Final = _char_class(fetch_tables.TOKEN_CHARACTERS) + "+"
#: One label of a host a browser serializes (origin.HOST_CHARACTERS minus the dot).
_LABEL_REGEX: Final = _char_class(HOST_CHARACTERS - {"."}) + "+"
#: What engine.py calls a plausible Origin: visible ASCII, bounded length.
PLAUSIBLE_ORIGIN_REGEX: Final = f"^[\\x21-\\x7e]{{1,{MAX_ORIGIN_LENGTH}}}$"
_OWS: Final = "[ \\t]*"  # fetch_tables.HTTP_TAB_OR_SPACE


def number_range_regex(low: int, high: int) -> str:
    """A regex (no anchors) for the decimal numbers low..high, no leading zeros."""
    if not 1 <= low <= high:
        raise ValueError("need 1 <= low <= high")
    pieces: list[str] = []
    while low <= high:
        size = 0
        while low % 10 ** (size + 1) == 0 and low + 10 ** (size + 1) - 1 <= high:
            size += 1
        block = 10**size
        head, digit = divmod(low // block, 10)
        last = digit
        while last < 9 and head * 10 * block + (last + 2) * block - 1 <= high:
            last += 1
        prefix = str(head) if head else ""
        digits = str(digit) if digit == last else f"[{digit}-{last}]"
        tail = "" if size == 0 else ("[0-9]" if size == 1 else f"[0-9]{{{size}}}")
        pieces.append(prefix + digits + tail)
        low = head * 10 * block + (last + 1) * block
    return "(?:" + "|".join(pieces) + ")"


def port_regex(scheme: str) -> str:
    """A port a browser serializes for `scheme`: 1-65535, never the default one."""
    default = DEFAULT_PORTS.get(scheme)
    if default is None:
        return number_range_regex(1, 65535)
    parts = [number_range_regex(1, default - 1)] if default > 1 else []
    parts.append(number_range_regex(default + 1, 65535))
    return "(?:" + "|".join(parts) + ")"


def pattern_regex(pattern: OriginPattern) -> str:
    """An anchored regex accepting exactly the Origin values `pattern` matches in
    `OriginMatcher` (serialized as browsers do; the length bound is separate)."""
    if pattern.kind is PatternKind.ANY:
        return "^.*$"
    if pattern.kind is PatternKind.EXACT:
        return f"^{literal_regex(pattern.text)}$"
    scheme = literal_regex(pattern.scheme) + "://"
    if pattern.kind is PatternKind.SUBDOMAINS:
        host = f"(?:{_LABEL_REGEX}\\.)+{literal_regex(pattern.host)}"
    elif pattern.kind is PatternKind.LABEL_GLOB:
        # `*` stands for one or more characters of one label, never a dot
        # (origin.label_glob_matches).
        before, after = pattern.label_affixes
        host = (
            f"{literal_regex(before)}{_LABEL_REGEX}{literal_regex(after)}"
            f"\\.{literal_regex(pattern.host)}"
        )
    else:
        host = literal_regex(pattern.host)
    if pattern.port == ANY_PORT:
        port = f"(?::{port_regex(pattern.scheme)})?"
    elif pattern.port is None:
        port = ""
    else:
        port = ":" + str(pattern.port)
    return f"^{scheme}{host}{port}$"


# -- the plan ------------------------------------------------------------------------------


#: Policy fields the exports do not carry yet, with why; a policy that sets one
#: is refused rather than exported without it (a server answering differently
#: from the engine, silently).
_NOT_EXPORTED: Final = {
    "resolver": "a resolver is the application's own code; only the application can call it",
    "groups": "per-origin option groups are not exported yet",
    "preflight_status": "preflight_status is not exported yet",
    "preflight_continue": "preflight_continue is not exported yet",
    "preflight_cache_control": "preflight_cache_control is not exported yet",
    "timing_allow_origin": "timing_allow_origin is not exported yet",
    "cross_origin_isolation": "cross_origin_isolation is not exported yet",
    "resource_policy": "resource_policy is not exported yet",
}


def _refuse_what_no_target_follows(policy: Policy) -> None:
    for name, why in _NOT_EXPORTED.items():
        if getattr(policy, name) not in (None, False, (), []):
            raise ExportError(f"{why} (remove {name} from the policy to export the rest)")


@dataclass(frozen=True, slots=True)
class NameRule:
    """Which methods or request-header names a preflight may ask for: the listed
    `names`, or (`any_token`) every token except `excluded`."""

    any_token: bool
    names: tuple[str, ...]
    excluded: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ExportPlan:
    policy: Policy
    source: str
    exact_origins: tuple[str, ...]
    origin_regexes: tuple[str, ...]
    any_origin: bool
    methods: NameRule
    request_headers: NameRule
    #: The policy answers a preflight that asks for private network access.
    private_network: bool
    headers: dict[State, tuple[HeaderTemplate, ...]]
    #: Added to an allowed preflight that asked for private network access.
    private_network_headers: tuple[HeaderTemplate, ...]
    preflight_allowed_status: int
    preflight_refused_status: int
    version: str = field(default=__version__)

    # -- construction ----------------------------------------------------------------

    @classmethod
    def from_policy(cls, policy: Policy, source: str = "") -> ExportPlan:
        _refuse_what_no_target_follows(policy)
        engine = Engine(policy)
        any_origin = policy.allows_any_origin
        # The header shape for an allowed origin does not depend on which origin
        # matched; read it off an engine whose allowed origins are known.
        probe = (
            engine
            if any_origin
            else Engine(policy.replace(origins=list(_PROBE_ORIGINS), origin_regex=None))
        )
        origin_a, origin_b = (o.encode() for o in _PROBE_ORIGINS)

        methods = _method_rule(probe, origin_a, policy)
        request_headers = _header_rule(probe, origin_a, policy)
        method_a, method_b = _two_of(methods, ("PUT", _PROBE_METHOD))
        list_a, list_b = _two_of(request_headers, _PROBE_HEADERS)

        allowed_a = probe.preflight(origin_a, method_a.encode(), list_a.encode() or None)
        allowed_b = probe.preflight(origin_b, method_b.encode(), list_b.encode() or None)
        if not (allowed_a.allowed and allowed_b.allowed):
            raise ExportError("the engine refused a preflight the plan expected it to allow")
        inputs = {
            Placeholder.ORIGIN: (_PROBE_ORIGINS[0], _PROBE_ORIGINS[1]),
            Placeholder.REQUEST_METHOD: (method_a, method_b),
            Placeholder.REQUEST_HEADERS: (list_a, list_b),
        }
        preflight = _templates(allowed_a, allowed_b, inputs)
        with_private_network = probe.preflight(
            origin_a, method_a.encode(), list_a.encode() or None, b"true"
        )
        private_network_headers: tuple[HeaderTemplate, ...] = ()
        if with_private_network.allowed:
            base = set(allowed_a.headers)
            private_network_headers = tuple(
                HeaderTemplate(name.decode(), value.decode())
                for name, value in with_private_network.headers
                if (name, value) not in base
            )

        # Not even plausible, so refused under any policy (refusals all carry
        # the same headers, whatever the reason).
        refused_origin = b"not an origin"
        refused_preflight = probe.preflight(refused_origin, b"GET")
        actual = _templates(
            probe.actual(origin_a),
            probe.actual(origin_b),
            {Placeholder.ORIGIN: inputs[Placeholder.ORIGIN]},
        )
        headers = {
            State.NOT_CORS: _constants(engine.not_cors()),
            State.ACTUAL_ALLOWED: actual,
            # With any origin (and no credentials) this is `*` too: the engine
            # answers every actual request alike.
            State.ACTUAL_REFUSED: _constants(probe.actual(refused_origin)),
            State.PREFLIGHT_ALLOWED: preflight,
            State.PREFLIGHT_REFUSED: _constants(refused_preflight),
        }
        exact = tuple(p.text for p in policy.patterns if p.kind is PatternKind.EXACT)
        regexes = tuple(
            pattern_regex(p)
            for p in policy.patterns
            if p.kind not in (PatternKind.EXACT, PatternKind.ANY)
        )
        if policy.origin_regex is not None:
            check_shared_dialect(policy.origin_regex)
            regexes += (f"^(?:{config_safe_regex(policy.origin_regex)})$",)
        return cls(
            policy=policy,
            source=source,
            exact_origins=exact,
            origin_regexes=regexes,
            any_origin=any_origin,
            methods=methods,
            request_headers=request_headers,
            private_network=with_private_network.allowed,
            headers=headers,
            private_network_headers=private_network_headers,
            preflight_allowed_status=allowed_a.status or 204,
            preflight_refused_status=refused_preflight.status or 403,
        )

    @classmethod
    def from_file(cls, path: str | Path) -> ExportPlan:
        data = Path(path).read_bytes()
        policy = Policy.from_toml(path)
        digest = hashlib.sha256(data).hexdigest()[:16]
        return cls.from_policy(policy, f"{path} (sha256 {digest}...)")

    # -- what exporters spell ----------------------------------------------------------

    @property
    def source_comment(self) -> str:
        """Where the policy came from, safe inside a one-line comment."""
        return comment_text(self.source or "a Policy object")

    def cors_header_names_to_replace(self) -> list[str]:
        """Every Access-Control-* response header name the export removes from
        the application's responses (the policy's own are then set again):
        the names browsers act on, and any other the policy sets."""
        names = dict.fromkeys(BROWSER_CORS_RESPONSE_HEADER_NAMES)
        names.update(dict.fromkeys(n for n in self.header_names() if n != "vary"))
        return list(names)

    def origin_regex(self) -> str:
        """One anchored regex for every listed origin, exact or pattern (not
        for any-origin policies)."""
        alternatives = [f"{literal_regex(o)}" for o in self.exact_origins]
        alternatives += [r[1:-1] for r in self.origin_regexes]
        if not alternatives:
            return "^$"
        return "^(?:" + "|".join(alternatives) + ")$"

    def method_regex(self) -> str:
        """Anchored, case-sensitive: a method a preflight may ask for."""
        if self.methods.any_token:
            return f"^{TOKEN_REGEX}$"
        return "^(?:" + "|".join(literal_regex(m) for m in self.methods.names) + ")$"

    def header_item_regex(self) -> str:
        """One allowed header name (apply case-insensitively), when the rule is a list."""
        if self.request_headers.any_token:
            return TOKEN_REGEX
        names = self.request_headers.names
        return "(?:" + "|".join(literal_regex(n) for n in names) + ")" if names else "(?!)"

    def header_list_regex(self, item: str | None = None) -> str:
        """Anchored: Access-Control-Request-Headers as the engine parses it (a
        comma-separated list, optional whitespace, empty items skipped), every
        item matching `item` (default: header_item_regex)."""
        item = item or self.header_item_regex()
        if item == "(?!)":
            return f"^{_OWS}(?:,{_OWS})*$"
        one = f"(?:{item}{_OWS})?"
        return f"^{_OWS}{one}(?:,{_OWS}{one})*$"

    def excluded_header_regex(self) -> str | None:
        """Anchored: a header list naming a header the wildcard does not cover
        (apply case-insensitively), or None."""
        excluded = self.request_headers.excluded
        if not self.request_headers.any_token or not excluded:
            return None
        names = "|".join(literal_regex(n) for n in excluded)
        return f"^(?:.*,)?{_OWS}(?:{names}){_OWS}(?:,.*)?$"

    @property
    def max_request_headers_length(self) -> int:
        return MAX_REQUEST_HEADERS_LENGTH

    def header_names(self) -> list[str]:
        """Every response header name any state sets, in the engine's order,
        `vary` last."""
        seen: dict[str, None] = {}
        for templates in (*self.headers.values(), self.private_network_headers):
            for template in templates:
                seen.setdefault(template.name, None)
        names = [name for name in seen if name != "vary"]
        return [*names, "vary"] if "vary" in seen else names

    def value_for(self, state: State, name: str) -> str | Placeholder | None:
        for template in self.headers[state]:
            if template.name == name:
                return template.value
        return None

    def summary_lines(self) -> list[str]:
        """The policy's fields, one per line, for a header comment."""
        lines = []
        for key, value in self.policy.to_dict().items():
            if value in (None, False, [], ()) and key != "origins":
                continue
            lines.append(comment_text(f"{key} = {value!r}"))
        return lines

    def known_differences(self) -> list[str]:
        """Where a configuration cannot match the engine byte for byte (written
        into every export's header comment)."""
        notes = [
            "An empty header counts as absent (servers do not tell them apart); "
            "browsers never send an empty Origin or Access-Control-Request-Method.",
            "A request with several Origin or Access-Control-Request-* lines is judged "
            "by what the server's variable holds (often the first line); the engine "
            "refuses it. Browsers send each once.",
        ]
        if any(
            t.value is Placeholder.REQUEST_HEADERS for t in self.headers[State.PREFLIGHT_ALLOWED]
        ):
            notes.append(
                "Access-Control-Allow-Headers echoes the request's list as sent; the engine "
                "sends it lower-cased without spaces. Browsers already send it that way."
            )
        if self.policy.origin_regex is not None:
            notes.append(
                "origin_regex is copied as written: it must mean the same in this "
                "server's regex dialect as in Python."
            )
        return notes


def heading_comment(
    plan: ExportPlan, marker: str, what: str, format_name: str, use: str, *, title_lines: int = 1
) -> list[str]:
    """The opening comment of a program or configuration export: what the
    file is (`what`, on one line or two) and which command wrote it, where
    the policy came from, its summary, how to use the file (`use`) and where
    the export differs from the engine; `marker` starts every line."""
    title = [
        f"{what}, generated by crossorigin {plan.version}",
        f"(crossorigin export --format {format_name})",
    ]
    if title_lines == 1:
        title = [" ".join(title)]
    return [
        *(f"{marker} {line}" for line in title),
        f"{marker} from: {plan.source_comment}",
        f"{marker} policy:",
        *(f"{marker}   {line}" for line in plan.summary_lines()),
        marker,
        *comment_block(
            [use, "Differences from the crossorigin engine:"], f"{marker} ", f"{marker} "
        ),
        *comment_block(plan.known_differences(), f"{marker}   - ", f"{marker}     "),
    ]


def comment_block(notes: Sequence[str], first: str, rest: str, width: int = 88) -> list[str]:
    """Notes wrapped as comment lines: `first` before each note, `rest` before
    its continuation lines."""
    lines: list[str] = []
    for note in notes:
        lines.extend(textwrap.wrap(note, width, initial_indent=first, subsequent_indent=rest))
    return lines


def _two_of(rule: NameRule, probes: Sequence[str]) -> tuple[str, str]:
    """Two different values the rule allows (for header lists, "" when nothing is)."""
    if rule.any_token:
        return probes[0], probes[1]
    if not rule.names:
        return "", ""
    return rule.names[0], rule.names[-1]


def _method_rule(probe: Engine, origin: bytes, policy: Policy) -> NameRule:
    candidates = dict.fromkeys(
        [
            *(m for m in policy.methods if m != "*"),
            *sorted(fetch_tables.CORS_SAFELISTED_METHODS),
            *sorted(fetch_tables.NORMALIZED_METHODS),
            "PATCH",
        ]
    )
    allowed = tuple(m for m in candidates if probe.preflight(origin, m.encode()).allowed)
    if probe.preflight(origin, _PROBE_METHOD.encode()).allowed:
        return NameRule(True, allowed)
    return NameRule(False, allowed)


def _header_rule(probe: Engine, origin: bytes, policy: Policy) -> NameRule:
    candidates = dict.fromkeys(
        [
            *(h for h in policy.request_headers if h != "*"),
            *sorted(fetch_tables.CORS_NON_WILDCARD_REQUEST_HEADER_NAMES),
            *sorted(fetch_tables.CORS_SAFELISTED_REQUEST_HEADER_NAMES),
        ]
    )

    def allows(name: str) -> bool:
        return probe.preflight(origin, b"GET", name.encode()).allowed

    allowed = tuple(h for h in candidates if allows(h))
    if allows(_PROBE_HEADERS[0]):
        refused = tuple(h for h in candidates if not allows(h))
        return NameRule(True, allowed, refused)
    return NameRule(False, allowed)


def _constants(decision: Decision) -> tuple[HeaderTemplate, ...]:
    return tuple(HeaderTemplate(name.decode(), value.decode()) for name, value in decision.headers)


def _templates(
    first: Decision, second: Decision, inputs: dict[Placeholder, tuple[str, str]]
) -> tuple[HeaderTemplate, ...]:
    """Compare two decisions made from different inputs: equal values are
    constants, values equal to an input are echoes of it."""
    second_values = {name.decode(): value.decode() for name, value in second.headers}
    templates: list[HeaderTemplate] = []
    for raw_name, raw_value in first.headers:
        name, value = raw_name.decode(), raw_value.decode()
        other = second_values.get(name)
        if other == value:
            templates.append(HeaderTemplate(name, value))
            continue
        for placeholder, (a, b) in inputs.items():
            if value == a and other == b:
                templates.append(HeaderTemplate(name, placeholder))
                break
        else:
            raise ExportError(
                f"{name}: {value!a} depends on the request in a way no server config can echo"
            )
    return tuple(templates)
