"""nginx: the CORS answered by `add_header Access-Control-*` directives, the
`map $http_origin ...` and `if ($http_origin ~ ...)` blocks that choose the
origin, read from a configuration file (tokenized, never loaded).

What nginx does (the facts this module encodes):

- `add_header NAME VALUE` without `always` applies to 2xx/3xx responses
  only, so error responses carried no CORS headers;
- `$http_origin` is the request's Origin: an `Access-Control-Allow-Origin`
  that echoes it outside any check reflects every origin;
- `if ($http_origin ~ REGEX)` searches the regex anywhere in the value
  (`~*` case-insensitively), so an unanchored `example\\.com` also matched
  `https://example.com.evil.test`; `if ($http_origin = VALUE)` compares;
- `map $http_origin $var { KEY VALUE; ... }`: plain keys compare
  case-insensitively, `~`/`~*` keys are regexes searched as above, and
  `default` applies to every other origin.

The tokenizer follows nginx's lexical rules (words, '...'/"..." strings
with backslash escapes, `#` comments, `{`, `}`, `;`) and reads each byte
once; includes are not followed (a warning names them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from crossorigin.importing import Draft, ImportFailed

__all__ = ["Directive", "read_nginx", "tokens"]

_SPECIAL: Final = "{};"
#: Nesting deeper than this is not a configuration a person wrote.
_MAX_DEPTH: Final = 64


@dataclass
class Directive:
    name: str
    args: list[str]
    line: int
    block: list[Directive] | None = None


def tokens(text: str) -> list[tuple[str, int, bool]]:
    """(token, line, quoted) for every token."""
    out: list[tuple[str, int, bool]] = []
    index, line, size = 0, 1, len(text)
    while index < size:
        char = text[index]
        if char == "\n":
            line += 1
            index += 1
        elif char in " \t\r":
            index += 1
        elif char == "#":
            end = text.find("\n", index)
            index = size if end < 0 else end
        elif char in _SPECIAL:
            out.append((char, line, False))
            index += 1
        elif char in "'\"":
            start_line = line
            index += 1
            chars: list[str] = []
            while index < size and text[index] != char:
                if text[index] == "\\" and index + 1 < size:
                    following = text[index + 1]
                    # nginx unescapes only the quote and the backslash.
                    chars.append(following if following in "'\"\\" else "\\" + following)
                    line += following == "\n"
                    index += 2
                    continue
                line += text[index] == "\n"
                chars.append(text[index])
                index += 1
            if index >= size:
                raise ImportFailed(f"line {start_line}: unterminated string")
            out.append(("".join(chars), start_line, True))
            index += 1
        else:
            start = index
            while index < size and text[index] not in " \t\r\n;{}#'\"":
                index += 1 + (text[index] == "\\" and index + 1 < size)
            out.append((text[start:index], line, False))
    return out


def parse(text: str) -> list[Directive]:
    stream = tokens(text)
    position = 0

    def block(depth: int) -> list[Directive]:
        nonlocal position
        if depth > _MAX_DEPTH:
            raise ImportFailed("blocks nested too deeply")
        directives: list[Directive] = []
        while position < len(stream):
            token, line, quoted = stream[position]
            if token == "}" and not quoted:
                position += 1
                return directives
            words: list[str] = []
            while position < len(stream):
                token, _, quoted = stream[position]
                if not quoted and token in _SPECIAL:
                    break
                words.append(token)
                position += 1
            if position >= len(stream):
                raise ImportFailed(f"line {line}: directive without ';'")
            token = stream[position][0]
            position += 1
            if not words:
                raise ImportFailed(f"line {line}: unexpected {token!r}")
            directive = Directive(words[0], words[1:], line)
            if token == "{":
                directive.block = block(depth + 1)
            directives.append(directive)
        if depth:
            raise ImportFailed("unbalanced braces: a block is not closed")
        return directives

    return block(0)


@dataclass(frozen=True)
class Condition:
    """One `if (...)`: variable, operator (`~`, `~*`, `=`, `!=`, `!~`...), operand."""

    variable: str
    operator: str
    operand: str


def _condition(args: list[str]) -> Condition | None:
    words = list(args)
    if not words:
        return None
    words[0] = words[0].removeprefix("(")
    words[-1] = words[-1].removesuffix(")")
    words = [w for w in words if w]
    if len(words) == 1:
        return Condition(words[0], "truthy", "")
    if len(words) == 3:
        return Condition(words[0], words[1], words[2])
    return None


@dataclass
class Found:
    """What the walk collects."""

    headers: list[tuple[str, str, tuple[Condition, ...], bool, int]] = field(default_factory=list)
    maps: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    sets: list[tuple[str, str, tuple[Condition, ...]]] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)


def _walk(directives: list[Directive], conditions: tuple[Condition, ...], found: Found) -> None:
    for directive in directives:
        name = directive.name
        if name == "add_header" and len(directive.args) >= 2:
            always = len(directive.args) >= 3 and directive.args[2] == "always"
            found.headers.append(
                (directive.args[0].lower(), directive.args[1], conditions, always, directive.line)
            )
        elif name == "more_set_headers":
            for arg in directive.args:
                if ":" in arg and not arg.startswith("-"):
                    header, value = arg.split(":", 1)
                    found.headers.append(
                        (header.strip().lower(), value.strip(), conditions, True, directive.line)
                    )
        elif name == "map" and len(directive.args) == 2 and directive.block is not None:
            entries = [
                (entry.name, entry.args[0] if entry.args else "")
                for entry in directive.block
                if entry.name not in ("hostnames", "volatile")
            ]
            if directive.args[0] == "$http_origin":
                found.maps[directive.args[1]] = entries
        elif name == "set" and len(directive.args) == 2:
            found.sets.append((directive.args[0], directive.args[1], conditions))
        elif name == "include":
            found.includes.extend(directive.args)
        if directive.block is not None and name != "map":
            inner = conditions
            if name == "if":
                condition = _condition(directive.args)
                if condition is not None:
                    inner = (*conditions, condition)
            _walk(directive.block, inner, found)


class _Origins:
    """The origins one configuration allows, gathered from every ACAO."""

    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.exact: list[str] = []
        self.any = False
        self.reflected = False

    def regex(self, operator: str, regex: str, where: str) -> None:
        draft = self.draft
        anchored = regex.startswith("^") and regex.endswith("$")
        if operator == "~*":
            draft.warn(
                f"{where}: {regex!r} was matched case-insensitively (~*); the policy matches "
                "case-sensitively, as browsers send origins in lower case"
            )
        if not anchored:
            draft.warn(
                f"{where}: {regex!r} was searched anywhere in the Origin (not anchored by ^...$): "
                "it also allowed origins that merely contain it (e.g. "
                "https://example.com.evil.test); the policy full-matches it: check it names "
                "whole origins"
            )
        draft.origin_regexes.append(regex.removeprefix("^").removesuffix("$"))

    def echo_under(
        self, conditions: tuple[Condition, ...], found: Found, where: str, depth: int = 0
    ) -> None:
        """An echoed Origin: allowed for what the enclosing checks allow."""
        if depth > 8:
            raise ImportFailed(f"{where}: variables set under each other's checks, too deep")
        for condition in conditions:
            if condition.variable == "$http_origin":
                if condition.operator in ("~", "~*"):
                    self.regex(condition.operator, condition.operand, where)
                    return
                if condition.operator == "=":
                    self.exact.append(condition.operand)
                    return
            source = self._set_by_origin_check(condition, found)
            if source:
                for inner in source:
                    self.echo_under(inner, found, where, depth + 1)
                return
        self.reflect(where)

    def _set_by_origin_check(
        self, condition: Condition, found: Found
    ) -> list[tuple[Condition, ...]]:
        """`if ($cors = 'true')` where `$cors` is set under origin checks."""
        if condition.operator not in ("=", "truthy"):
            return []
        return [
            under
            for variable, value, under in found.sets
            if variable == condition.variable
            and (condition.operator == "truthy" or value == condition.operand)
            and any(c.variable == "$http_origin" for c in under)
        ]

    def reflect(self, where: str) -> None:
        self.any = True
        self.reflected = True
        self.draft.note(
            f"{where}: echoed every Origin, which '*' means (with credentials: see warnings)"
        )

    def value(
        self, value: str, conditions: tuple[Condition, ...], found: Found, where: str
    ) -> None:
        if value == "*":
            self.any = True
        elif value == "$http_origin":
            self.echo_under(conditions, found, where)
        elif value.startswith("$") and value in found.maps:
            self.mapped(found.maps[value], where)
        elif value.startswith("$"):
            assigned = [(v, under) for var, v, under in found.sets if var == value]
            if not assigned:
                raise ImportFailed(f"{where}: {value} is set nowhere in this file")
            for assigned_value, under in assigned:
                if assigned_value not in ("", "''", '""'):
                    self.value(assigned_value, (*conditions, *under), found, where)
        else:
            self.exact.append(value)

    def mapped(self, entries: list[tuple[str, str]], where: str) -> None:
        """A map's truthy values allow their key (a value is what the header sends)."""
        for key, value in entries:
            if value in ("", "0", "''", '""'):
                continue
            if key == "default":
                if value in ("$http_origin", "*"):
                    self.reflect(f"{where} (map default)")
                elif value.startswith(("http://", "https://")):
                    self.exact.append(value)
            elif key.startswith("~*"):
                self.regex("~*", key[2:], f"{where} (map)")
            elif key.startswith("~"):
                self.regex("~", key[1:], f"{where} (map)")
            else:
                # Plain map keys compare case-insensitively; origins are lower case.
                self.exact.append(key.lower())


def _names(value: str) -> list[str]:
    return [n.strip() for n in value.split(",") if n.strip()]


def read_nginx(text: str) -> Draft:
    directives = parse(text)
    found = Found()
    _walk(directives, (), found)
    draft = Draft()
    for name in found.includes:
        draft.warn(f"include {name}: not followed; import that file too if it answers CORS")
    allow_origin = [h for h in found.headers if h[0] == "access-control-allow-origin"]
    if not allow_origin:
        raise ImportFailed("no add_header Access-Control-Allow-Origin found")
    origins = _Origins(draft)
    for _, value, conditions, _always, line in allow_origin:
        origins.value(value, conditions, found, f"line {line}")
    draft.origins = "*" if origins.any else list(dict.fromkeys(origins.exact))
    if not any(always for *_, always, _line in found.headers):
        draft.note(
            "add_header without 'always': error responses (4xx, 5xx) carried no CORS headers; "
            "crossorigin's adapters answer on every response"
        )
    for name, value, _conditions, _always, line in found.headers:
        if name == "access-control-allow-credentials":
            draft.credentials = value == "true"
        elif name == "access-control-allow-methods":
            if value == "$http_access_control_request_method":
                draft.methods = "*"
                draft.note(f"line {line}: echoed the requested method: methods = '*'")
            else:
                draft.methods = [m.upper() for m in _names(value)]
        elif name == "access-control-allow-headers":
            if value == "$http_access_control_request_headers":
                draft.request_headers = "*"
                draft.wildcard_let_authorization_through = True
            else:
                names = [h.lower() for h in _names(value)]
                draft.request_headers = "*" if names == ["*"] else names
        elif name == "access-control-expose-headers":
            draft.expose_headers = _names(value)
        elif name == "access-control-max-age":
            if value.isdigit():
                draft.max_age = int(value)
        elif name == "access-control-allow-private-network":
            draft.private_network = value == "true"
    if draft.origins == [] and not draft.origin_regexes:
        raise draft.fail("Access-Control-Allow-Origin allows no origin this file names")
    if origins.any and not origins.reflected and draft.credentials:
        # A literal `*` with credentials: browsers refused those answers
        # (Fetch §3.3.5), so nothing was readable with credentials.
        draft.credentials = False
        draft.warn(
            "answered '*' with Access-Control-Allow-Credentials: true, which browsers refuse: "
            "credentialed requests failed; the policy allows any origin without credentials"
        )
    return draft
