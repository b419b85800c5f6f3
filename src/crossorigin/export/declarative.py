"""A policy as the lists a declarative CORS setting takes (a gateway's, a
mesh's, a cloud service's), with the refusals and notes of the translation.

Theory of operation: gateways and cloud services do not run a program per
request; they take a few lists (origins, methods, headers) and flags, and
answer CORS themselves by rules of their own. `Translation` reads the
policy's normalized fields and writes them in the vocabulary one target
accepts, described by a `Vocabulary`. One rule decides between refusing and
noting, and it lives here:

- The export never grants more than the policy. When the only way to write
  a field would let a browser read more (any origin where the policy lists
  some, `Authorization` under a `*` the policy keeps it out of), the export
  is refused with `ExportError` (the command prints one line, exit 2).
- When the target can only grant less (an origin pattern it has no syntax
  for, a method outside its vocabulary, private network access), the value
  is left out and a note says so; when it answers differently without a
  browser reading more (preflight status, `Vary`), a note says so too. The
  notes go into the exported file, beside where the policy came from.
- An export that would grant no origin at all is refused: it would be a
  configuration that looks like CORS and allows nothing.

Values the policy carries are RFC 9110 tokens and serialized origins; each
renderer quotes them in its own format (JSON strings, XML text, YAML
double-quoted scalars written as JSON) and says so in its docstring.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Literal, NoReturn

from crossorigin.export.plan import ExportError, ExportPlan, comment_text
from crossorigin.patterns import ANY_PORT, PatternKind

__all__ = ["SettingNames", "Translation", "Vocabulary", "hash_comments", "yaml_value"]

#: How a target treats `*` in an allow list: not at all, as the literal
#: header value `*` (which browsers ignore on credentialed requests, Fetch
#: §3.3.5), or as `*` without credentials and an echo of the request with them.
Wildcard = Literal["none", "star", "star-or-echo"]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What one target can write."""

    label: str
    #: `https://*.example.com` matches one or more labels (or any text a
    #: browser never sends as an origin).
    subdomain_patterns: bool = False
    #: `http://localhost:*` matches every port (it does not match the
    #: origin without a port; `origins()` adds that one).
    port_patterns: bool = False
    #: At most one `*` per origin (S3).
    one_star_per_origin: bool = False
    null_origin: bool = True
    #: IPv6 literal hosts (`http://[::1]:8080`).
    ipv6_hosts: bool = True
    max_origins: int | None = None
    #: The methods the target accepts in its list (None: any token).
    methods: frozenset[str] | None = None
    method_wildcard: Wildcard = "none"
    max_methods: int | None = None
    header_wildcard: Wildcard = "none"
    expose_wildcard: bool = False
    max_headers: int | None = None
    private_network: bool = False
    #: `flag`: a setting; `with-listed-origins`: sent to every listed
    #: origin whatever the setting; `never`: the target has no such setting.
    credentials: Literal["flag", "with-listed-origins", "never"] = "flag"


@dataclass(frozen=True, slots=True)
class SettingNames:
    """What one target calls the settings a policy may leave out, for
    `Translation.optional_settings`; None where it has no such member (the
    setting is still translated, for its notes)."""

    request_headers: str
    expose_headers: str
    max_age: str
    credentials: str | None = None
    private_network: str | None = None


class Translation:
    """The policy in one target's vocabulary; `notes` collects the differences."""

    def __init__(self, plan: ExportPlan, vocabulary: Vocabulary) -> None:
        self.plan = plan
        self.policy = plan.policy
        self.vocabulary = vocabulary
        self.notes: list[str] = []

    # -- the two outcomes -------------------------------------------------------------

    def refuse(self, why: str) -> NoReturn:
        raise ExportError(f"{why} ({self.vocabulary.label} would grant more than the policy)")

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # -- fields -----------------------------------------------------------------------

    def origins(self) -> list[str]:
        """The origins to list (`["*"]` for any origin); patterns the target
        cannot write are left out with a note."""
        vocabulary = self.vocabulary
        if self.policy.allows_any_origin:
            return ["*"]
        written: list[str] = []
        dropped: list[str] = []
        for pattern in self.policy.patterns:
            text = pattern.text
            if pattern.kind is PatternKind.EXACT:
                unwritable_null = text == "null" and not vocabulary.null_origin
                if unwritable_null or ("[" in text and not vocabulary.ipv6_hosts):
                    dropped.append(text)
                else:
                    written.append(text)
                continue
            subdomains = pattern.kind is PatternKind.SUBDOMAINS
            any_port = pattern.port == ANY_PORT
            stars = int(subdomains) + int(any_port)
            if (
                (subdomains and not vocabulary.subdomain_patterns)
                or (any_port and not vocabulary.port_patterns)
                or (stars > 1 and vocabulary.one_star_per_origin)
                or ("[" in text and not vocabulary.ipv6_hosts)
            ):
                dropped.append(text)
                continue
            written.append(text)
            if any_port:
                # `host:*` needs a port; the pattern also covers the origin without one.
                written.append(text[: -len(":*")])
        if self.policy.origin_regex is not None:
            dropped.append(f"origin_regex {self.policy.origin_regex}")
        if dropped:
            self.note(
                f"{vocabulary.label} has no syntax for these, left out (their origins are "
                f"refused): {', '.join(dropped)}."
            )
        written = list(dict.fromkeys(written))
        if not written:
            raise ExportError(
                f"none of the policy's origins can be written for {vocabulary.label} "
                f"({', '.join(dropped)}); the export would allow no origin"
            )
        if vocabulary.max_origins is not None and len(written) > vocabulary.max_origins:
            raise ExportError(
                f"{vocabulary.label} takes at most {vocabulary.max_origins} origins and the "
                f"policy needs {len(written)}: split it (one policy per route or bucket)"
            )
        return written

    def methods(self) -> list[str]:
        """The methods to list (`["*"]` where the target's `*` means what the
        engine does)."""
        vocabulary = self.vocabulary
        if self.plan.methods.any_token:
            if self._star_answers_any(vocabulary.method_wildcard):
                return ["*"]
            names = list(self.plan.methods.names)
            self.note(
                self._no_star("methods", "method", vocabulary.method_wildcard)
                + f"; listed instead: {', '.join(self._fit(names, vocabulary.methods))}."
            )
        else:
            names = [m for m in self.policy.methods if m != "*"]
        fitted = self._fit(names, vocabulary.methods)
        left_out = [m for m in names if m not in fitted]
        if left_out:
            self.note(
                f"{vocabulary.label} accepts only {', '.join(sorted(vocabulary.methods or ()))}"
                f"; left out (preflights asking for them fail): {', '.join(left_out)}."
            )
        self._capped(fitted, "methods", vocabulary.max_methods)
        if not fitted:
            self.note(f"No method of the policy can be listed for {vocabulary.label}.")
        return fitted

    def request_headers(self) -> list[str]:
        """The request header names to list (`["*"]` where the target's `*`
        means what the engine does)."""
        vocabulary = self.vocabulary
        rule = self.plan.request_headers
        listed = [h for h in self.policy.request_headers if h != "*"]
        if rule.any_token:
            if self._star_answers_any(vocabulary.header_wildcard):
                if self.policy.credentials and rule.excluded:
                    # The engine's echo leaves these out (Fetch §3.3.5 keeps
                    # Authorization out of `*`); the target's echo would not.
                    self.refuse(
                        f"request_headers = '*' with credentials: the engine still refuses "
                        f"{', '.join(rule.excluded)}, {vocabulary.label}'s '*' echoes every "
                        f"requested name; list the headers, or add {', '.join(rule.excluded)} "
                        "to request_headers if you mean to allow it"
                    )
                return ["*"]
            self.note(
                self._no_star("request_headers", "header", vocabulary.header_wildcard)
                + (
                    f"; only the listed ones are: {', '.join(listed)}."
                    if listed
                    else "; preflights asking for a non-safelisted header fail."
                )
            )
        return self._capped(listed, "request headers", vocabulary.max_headers)

    def expose_headers(self) -> list[str]:
        names = list(self.policy.expose_headers)
        if names == ["*"] and not self.vocabulary.expose_wildcard:
            self.note(
                f"expose_headers = '*': {self.vocabulary.label} cannot expose every header; "
                "only the CORS-safelisted response headers are readable."
            )
            return []
        return self._capped(names, "exposed headers", self.vocabulary.max_headers)

    def credentials(self) -> bool:
        """Whether to write the target's credentials setting."""
        mode = self.vocabulary.credentials
        wanted = self.policy.credentials
        if mode == "never" and wanted:
            self.note(
                f"credentials = true: {self.vocabulary.label} has no credentials setting; "
                "do not count on credentialed requests (cookies, HTTP authentication) "
                "being readable."
            )
        if mode == "with-listed-origins" and not wanted and not self.policy.allows_any_origin:
            self.note(
                f"{self.vocabulary.label} sends Access-Control-Allow-Credentials: true to "
                "every listed origin, where the policy sends none. It authorizes requests by "
                "signature or token, never by cookie or HTTP authentication, so a "
                "credentialed request reads nothing more than an uncredentialed one."
            )
        return wanted

    def private_network(self) -> bool:
        if self.policy.private_network and not self.vocabulary.private_network:
            self.note(
                f"private_network = true: {self.vocabulary.label} does not answer "
                "Access-Control-Request-Private-Network; such preflights fail."
            )
            return False
        return self.policy.private_network

    def optional_settings(
        self,
        names: SettingNames,
        names_value: Callable[[list[str]], object] = list,
        seconds_value: Callable[[int], object] = int,
    ) -> dict[str, object]:
        """The request headers, exposed headers, max age, credentials and
        private network settings, each under the target's name and only when
        the policy has it, in that order; `names_value` and `seconds_value`
        spell a list of names and the max age where the target wants text."""
        settings: dict[str, object] = {}
        request_headers = self.request_headers()
        if request_headers:
            settings[names.request_headers] = names_value(request_headers)
        expose = self.expose_headers()
        if expose:
            settings[names.expose_headers] = names_value(expose)
        if self.policy.max_age is not None:
            settings[names.max_age] = seconds_value(self.policy.max_age)
        if self.credentials() and names.credentials is not None:
            settings[names.credentials] = True
        if self.private_network() and names.private_network is not None:
            settings[names.private_network] = True
        return settings

    def _star_answers_any(self, wildcard: Wildcard) -> bool:
        """Whether the target's `*` answers any name as the engine does: a
        literal `*` does not on a credentialed request (Fetch §3.3.5)."""
        return wildcard == "star-or-echo" or (wildcard == "star" and not self.policy.credentials)

    def _no_star(self, field: str, what: str, wildcard: Wildcard) -> str:
        """The start of the note when `_star_answers_any` is false."""
        return f"{field} = '*': {self.vocabulary.label} cannot answer any {what}" + (
            " on a credentialed request" if wildcard == "star" else ""
        )

    def _fit(self, names: Iterable[str], vocabulary: Collection[str] | None) -> list[str]:
        return [n for n in names if vocabulary is None or n in vocabulary]

    def _capped(self, names: list[str], what: str, limit: int | None) -> list[str]:
        """`names`, refused when the target takes fewer than that (None: no limit)."""
        if limit is not None and len(names) > limit:
            raise ExportError(
                f"{self.vocabulary.label} takes at most {limit} {what}; the policy has {len(names)}"
            )
        return names

    # -- the file's header ----------------------------------------------------------------

    def header_lines(self, format_name: str) -> list[str]:
        """Comment text (no comment marker): provenance, the policy, the notes."""
        lines = [
            f"{self.vocabulary.label}, generated by crossorigin {self.plan.version} "
            f"(crossorigin export, format {format_name})",
            f"from: {self.plan.source_comment}",
            "policy:",
            *(f"  {line}" for line in self.plan.summary_lines()),
        ]
        if self.notes:
            lines.append("Where this differs from the crossorigin engine:")
            for note in self.notes:
                lines.extend(
                    textwrap.wrap(
                        comment_text(note), 86, initial_indent="  - ", subsequent_indent="    "
                    )
                )
        return lines


def yaml_value(value: object) -> str:
    """A YAML flow value written as JSON (strings double-quoted with JSON's
    escapes, which YAML's double-quoted style reads alike; ASCII only), so
    no policy value can end a scalar, start a comment or add a key."""
    return json.dumps(value, ensure_ascii=True)


def hash_comments(lines: Iterable[str]) -> list[str]:
    """`# `-comment lines (YAML, nginx-like formats); `lines` come from
    `header_lines`, already printable ASCII."""
    return [f"# {line}".rstrip() for line in lines]
