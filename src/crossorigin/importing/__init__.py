"""Existing CORS configurations -> a crossorigin policy (`crossorigin import`).

Theory of operation: one module per source format reads its configuration
(Python source through `ast`, never executed; nginx configuration through a
small tokenizer; S3 JSON) into a `Draft`: the policy fields the old
configuration meant, plus `warnings` (what it did that the policy refuses or
changes: a reviewer must read these) and `notes` (what is carried over
differently but to the same effect). `finish` then validates the draft as a
Policy, removing each value the Policy refuses with a warning that quotes
the Policy's own message, and writes the TOML. The output is always a valid
policy (it is read back before it is returned).

Rules that hold for every source, and live here:

- An old configuration that let any origin read responses with credentials
  (reflecting the Origin with `Access-Control-Allow-Credentials: true`)
  becomes `origins = "*"` without credentials, and a warning says to list
  the origins that need credentials.
- A `*` for request headers becomes the policy's `*`, which leaves
  `Authorization` out (Fetch §3.3.5); when the old one let it through, a
  warning says to list `authorization` if pages send it.
- Every value read from the file is shown through `comment_text` in the
  TOML's comments and through `terminal.safe` by the command.

Exit status of `run`: 0 imported with no warning, 1 imported with warnings
(review them), 2 nothing imported (unreadable file, syntax error, no CORS
configuration found).
"""

from __future__ import annotations

import json
import re
import textwrap
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from crossorigin.policy import ConfigError, Policy

__all__ = [
    "MAX_SOURCE_BYTES",
    "SOURCES",
    "Draft",
    "ImportFailed",
    "Outcome",
    "finish",
    "policy_toml",
    "run",
    "strings",
]

#: Configuration files are small; a larger one is refused before parsing.
MAX_SOURCE_BYTES: Final = 2 * 1024 * 1024

SOURCES: Final = ("starlette", "flask-cors", "django-cors-headers", "nginx", "s3")

#: The fields in the order the TOML lists them.
_ORDER: Final = (
    "origins",
    "origin_regex",
    "methods",
    "request_headers",
    "credentials",
    "expose_headers",
    "max_age",
    "private_network",
)


class ImportFailed(ValueError):
    """Nothing can be imported (the command prints the message, exit 2)."""


def strings(value: Any, what: str, *, one_string_too: bool = False) -> list[str]:
    """`value` when it is a list of strings (or, with `one_string_too`, a
    string, as a list of one); else nothing can be imported, and the message
    names the setting `what`."""
    if one_string_too and isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    expected = "a string or a list of strings" if one_string_too else "a list of strings"
    raise ImportFailed(f"{what}: expected {expected}")


@dataclass
class Draft:
    """The policy fields an old configuration meant, before validation."""

    origins: list[str] | str = field(default_factory=list)
    #: Regexes the old configuration matched origins with (joined into one
    #: `origin_regex`, full-matched).
    origin_regexes: list[str] = field(default_factory=list)
    methods: list[str] | str | None = None
    request_headers: list[str] | str = field(default_factory=list)
    credentials: bool = False
    expose_headers: list[str] | str = field(default_factory=list)
    max_age: int | None = None
    private_network: bool = False
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The old configuration's `*` for request headers let Authorization
    #: through (the policy's `*` does not).
    wildcard_let_authorization_through: bool = False

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def fail(self, reason: str) -> ImportFailed:
        """Nothing importable: the reason, after what was already found wrong."""
        return ImportFailed("; ".join([*self.warnings, reason]))


@dataclass(frozen=True)
class Outcome:
    toml: str
    warnings: list[str]
    notes: list[str]
    status: int
    policy: Policy | None = None


def _as_list(value: list[str] | str) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _fields(draft: Draft) -> dict[str, Any]:
    fields: dict[str, Any] = {"origins": draft.origins}
    if draft.origin_regexes:
        regexes = list(dict.fromkeys(draft.origin_regexes))
        fields["origin_regex"] = (
            regexes[0] if len(regexes) == 1 else "|".join(f"(?:{r})" for r in regexes)
        )
    if draft.methods is not None:
        fields["methods"] = draft.methods
    fields["request_headers"] = draft.request_headers
    fields["credentials"] = draft.credentials
    fields["expose_headers"] = draft.expose_headers
    if draft.max_age is not None:
        fields["max_age"] = draft.max_age
    fields["private_network"] = draft.private_network
    return fields


#: The usual "any subdomain of" regex, as people write it: a scheme, `.*`
#: or `.+` then an escaped dot (or the same as an optional group), the
#: domain, maybe any port. Only `.*`/`.+` are rewritten: for an Origin a
#: browser sends they match one or more whole labels, as the subdomain
#: pattern does; a character class (`[a-z]+`) matches less, so it stays a
#: regex (a pattern would widen it). Matched against the regex's text with
#: the anchors and one outer group taken off.
_SUBDOMAIN_REGEX: Final = re.compile(
    r"(?P<scheme>https\??|http)://"
    r"(?:\.[*+]\\\.|(?P<optional>\(\.[*+]\\\.\)\?))"
    r"(?P<domain>(?:[a-z0-9-]+\\\.)+[a-z]{2,})"
    r"(?P<port>\(:(?:\[0-9\]|\\d)\+\)\?)?"
)


def _regex_as_patterns(regex: str) -> list[str] | None:
    """`https?://.*\\.example\\.com` -> the policy's subdomain patterns."""
    text = regex.removeprefix("^").removesuffix("$")
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1 + text[1:].count("("):
        text = text[1:-1]
    match = _SUBDOMAIN_REGEX.fullmatch(text)
    if match is None:
        return None
    schemes = {"https": ["https"], "http": ["http"]}.get(match["scheme"], ["https", "http"])
    domain = match["domain"].replace("\\.", ".")
    port = ":*" if match["port"] else ""
    patterns = [f"{scheme}://*.{domain}{port}" for scheme in schemes]
    if match["optional"]:
        patterns += [f"{scheme}://{domain}{port}" for scheme in schemes]
    return patterns


def _apply_shared_rules(draft: Draft) -> None:
    kept_regexes = []
    for regex in draft.origin_regexes:
        patterns = _regex_as_patterns(regex)
        if patterns is None or draft.origins == "*":
            kept_regexes.append(regex)
            continue
        draft.origins = [*_as_list(draft.origins), *patterns]
        draft.note(f"origin regex {regex!r} written as the patterns {', '.join(patterns)}")
    draft.origin_regexes = kept_regexes
    any_origin = draft.origins == "*" or "*" in _as_list(draft.origins)
    if any_origin:
        draft.origins = "*"
    if any_origin and draft.credentials:
        draft.credentials = False
        draft.warn(
            "reflected any origin with credentials: every site could read responses with "
            "the user's cookies. The policy allows any origin without credentials; list "
            'the origins that need credentials (origins = ["https://app.example.com"]) and '
            "set credentials = true"
        )
    if draft.request_headers == "*" or "*" in _as_list(draft.request_headers):
        draft.request_headers = ["*", *(h for h in _as_list(draft.request_headers) if h != "*")]
        if draft.wildcard_let_authorization_through and "authorization" not in {
            h.lower() for h in draft.request_headers
        }:
            draft.warn(
                "allowed every requested header, Authorization included; the policy's '*' "
                'leaves Authorization out: add "authorization" to request_headers if pages '
                "send it"
            )
        if draft.request_headers == ["*"]:
            draft.request_headers = "*"
    if draft.credentials and _as_list(draft.expose_headers) == ["*"]:
        draft.expose_headers = []
        draft.warn(
            "exposed every response header on credentialed requests, where browsers read '*' "
            "as a header named *; list the headers pages read in expose_headers"
        )


#: Issue codes whose value is one list item the Policy refuses: the field it is in.
_FIELD_OF_CODE: Final = {
    "origin": "origins",
    "insecure": "origins",
    "public": "origins",
    "wildcard": "origins",
    "method": "methods",
    "header": "request_headers",
    "expose": "expose_headers",
}

#: Issues about values that never changed what a browser does (a forbidden
#: request header is never sent by a script; Set-Cookie is never exposed):
#: noted, not warned.
_NO_EFFECT: Final = frozenset({"header-forbidden", "expose-forbidden", "expose-safelisted"})

_OPT_INS: Final = {
    "insecure-origin-with-credentials": "dangerously_allow_insecure_origins = true",
    "origin-null": "dangerously_allow_null_origin = true",
    "public-suffix-wildcard-with-credentials": "dangerously_allow_public_suffix_subdomains = true",
}


def _remove_refused(fields: dict[str, Any], error: ConfigError, draft: Draft) -> bool:
    """Take out what each issue names; False when an issue names nothing removable."""
    removed = False
    for issue in error.issues:
        code = str(issue.code)
        value = issue.value
        message = f"{issue.message} ({code})"
        opt_in = _OPT_INS.get(code)
        if opt_in is not None and "dangerously_" not in message:
            message += f"; to keep it, review it and add {opt_in}"
        if code.startswith("origin-regex") or code == "origin-regex":
            if "origin_regex" in fields:
                draft.warn(f"origin regex {fields.pop('origin_regex')!r} left out: {message}")
                removed = True
            continue
        if code.startswith("max-age"):
            if "max_age" in fields:
                old = fields.pop("max_age")
                if isinstance(old, int) and old > 86400:
                    fields["max_age"] = 86400
                draft.warn(f"max_age {old!r}: {message}; written as {fields.get('max_age')}")
                removed = True
            continue
        name = _FIELD_OF_CODE.get(code.split("-")[0])
        if name is None or name not in fields:
            continue
        current = fields[name]
        items = _as_list(current)
        kept = [item for item in items if item != value]
        if kept == items:
            continue
        if name == "origins" and not kept and "origin_regex" not in fields:
            raise ImportFailed(f"no origin can be imported: {value!r}: {message}")
        fields[name] = kept
        if code in _NO_EFFECT:
            draft.note(f"{name}: {value!r} left out: {message}")
        else:
            draft.warn(f"{name}: {value!r} left out: {message}")
        removed = True
    return removed


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # JSON strings (ASCII, escaped) are TOML basic strings; lists alike.
    return json.dumps(value, ensure_ascii=True)


def policy_toml(policy: Policy, header: list[str]) -> str:
    """The policy's non-default fields as TOML, after `header` comment lines."""
    from crossorigin.export.plan import comment_text

    data = policy.to_dict()
    defaults = Policy(origins="*").to_dict()
    lines: list[str] = []
    for line in header:
        indent = " " * (len(line) - len(line.lstrip(" -")))
        lines.extend(
            f"# {wrapped}".rstrip()
            for wrapped in textwrap.wrap(comment_text(line), 96, subsequent_indent=indent)
        )
    for key in (*_ORDER, *(k for k in data if k not in _ORDER)):
        if key not in data:
            continue
        value = data[key]
        if key != "origins" and value == defaults.get(key):
            continue
        if value is None:
            continue
        if key in ("origins", "methods", "request_headers", "expose_headers") and value == ["*"]:
            value = "*"
        lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def finish(draft: Draft, source: str, source_format: str) -> Outcome:
    """Validate the draft (removing what the Policy refuses) and write the TOML."""
    _apply_shared_rules(draft)
    fields = _fields(draft)
    policy: Policy | None = None
    # Each round removes at least one value, so this ends; a few rounds suffice.
    for _ in range(64):
        try:
            policy = Policy.from_mapping(fields)
            break
        except ConfigError as error:
            if not _remove_refused(fields, error, draft):
                reasons = [*draft.warnings, *(f"{i.message} ({i.code})" for i in error.issues)]
                raise ImportFailed(
                    "the imported values do not make a valid policy: " + "; ".join(reasons)
                ) from None
    if policy is None:
        raise ImportFailed("the imported values do not make a valid policy")
    header = [f"Imported by crossorigin from {source} ({source_format}).", "Review before use."]
    if draft.warnings:
        header.append("What the old configuration did that this policy does not:")
        header.extend(f"  - {w}" for w in draft.warnings)
    if draft.notes:
        header.append("Carried over:")
        header.extend(f"  - {n}" for n in draft.notes)
    text = policy_toml(policy, header)
    # The output is a policy: read it back.
    Policy.from_mapping(tomllib.loads(text))
    return Outcome(
        text, list(draft.warnings), list(draft.notes), 1 if draft.warnings else 0, policy
    )


def _reader(source_format: str) -> Callable[[str], Draft]:
    if source_format == "starlette":
        from crossorigin.importing.starlette import read_starlette

        return read_starlette
    if source_format == "flask-cors":
        from crossorigin.importing.flask_cors import read_flask_cors

        return read_flask_cors
    if source_format == "django-cors-headers":
        from crossorigin.importing.django_cors_headers import read_django_settings

        return read_django_settings
    if source_format == "nginx":
        from crossorigin.importing.nginx import read_nginx

        return read_nginx
    if source_format == "s3":
        from crossorigin.importing.s3 import read_s3

        return read_s3
    raise ImportFailed(f"unknown source format {source_format!r}; known: {', '.join(SOURCES)}")


def import_text(source_format: str, text: str, source: str = "<text>") -> Outcome:
    """Import configuration text (raises ImportFailed)."""
    draft = _reader(source_format)(text)
    return finish(draft, source, source_format)


def run(source_format: str, path: str | Path) -> Outcome:
    """Import a file: the TOML, the warnings and the exit status (2 with the
    one-line reason as the only warning when nothing can be imported)."""
    try:
        file = Path(path)
        with file.open("rb") as handle:
            data = handle.read(MAX_SOURCE_BYTES + 1)
        if len(data) > MAX_SOURCE_BYTES:
            raise ImportFailed(f"larger than {MAX_SOURCE_BYTES} bytes; is it a configuration?")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ImportFailed("not UTF-8 text") from None
        return import_text(source_format, text, str(path))
    except OSError as error:
        return Outcome("", [f"cannot read {path}: {error.strerror or error}"], [], 2)
    except ImportFailed as error:
        return Outcome("", [str(error)], [], 2)
