"""What the audit reports: misconfiguration classes, severities, findings.

Theory of operation: every misconfiguration class the audit knows is one row
of `CLASSES` (its stable id, which the JSON and SARIF outputs carry and scripts
may match on, a title, what it means, how to fix it). Severity is not a
property of the class alone: it depends on *who can obtain the origin* the
server trusted (`Reach`) and on *what the browser then lets that origin do*
(`Access`: read with the user's cookies, read without them, or only send
credentialed requests because a preflight passed). The table `_SEVERITY`
turns that pair into a `Severity`, so the policy for ranking lives in one
place and reads like a spec. Which `Access` an answer grants is `judge.py`'s.

A `Finding` carries its evidence: the exact request sent and the first
response received (`Exchange`), and the browser model's verdict text. One
misconfiguration is one finding: the hits it explains (a substring rule
trusts prefix, suffix and unescaped-dot probes too) are kept in its `also`,
each with its own evidence (judge.group_findings decides what goes together).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Final

__all__ = [
    "CLASSES",
    "Access",
    "Exchange",
    "Finding",
    "FindingClass",
    "Reach",
    "Severity",
    "severity_for",
]


class Severity(Enum):
    """Ordered: `Severity.HIGH > Severity.LOW`."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank


_SEVERITY_RANK: Final = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}


class Reach(Enum):
    """Who can make a browser send a given `Origin`."""

    #: Any website: a registered domain, a sandboxed iframe (`null`), a
    #: subdomain of a public hosting suffix.
    ANYONE = "any website"
    #: A network attacker on the user's path (the origin is cleartext http).
    NETWORK = "a network attacker (cleartext http origin)"
    #: Whoever controls one subdomain (takeover, user content, an XSS).
    SUBDOMAIN = "whoever controls a subdomain of the site"
    #: Whoever publishes under the site's name at a hosting service (every
    #: repository of a GitHub account shares `<name>.github.io`), or holds
    #: that name there when the site does not.
    HOSTING_ACCOUNT = "whoever publishes under the site's name at a hosting service"
    #: A program running on the user's own machine.
    LOCAL = "a program on the user's machine"
    #: Nobody in practice (e.g. a host under a top-level domain that does not exist).
    UNLIKELY = "nobody in practice (the host cannot be registered)"


class Access(Enum):
    """What the browser lets a trusted origin do, by the browser model's verdict."""

    #: The actual response passes the CORS check with credentials: read with cookies.
    READ_WITH_CREDENTIALS = "read with the user's cookies"
    #: The actual response passes only without credentials.
    READ = "read without cookies"
    #: Only the preflight passes, with credentials: non-simple requests carrying
    #: the user's cookies are sent (state changes happen), responses stay unread.
    SEND_WITH_CREDENTIALS = "send credentialed non-simple requests (response unread)"
    #: Only the preflight passes, without credentials.
    SEND = "send non-simple requests without cookies (response unread)"


#: Severity by (who can obtain the origin, what the browser lets it do).
#: Reading without cookies is what any client can do by fetching the URL itself,
#: so it matters only for hosts that are not public (an intranet): low at most.
_SEVERITY: Final[dict[tuple[Reach, Access], Severity]] = {
    (Reach.ANYONE, Access.READ_WITH_CREDENTIALS): Severity.HIGH,
    (Reach.ANYONE, Access.SEND_WITH_CREDENTIALS): Severity.MEDIUM,
    (Reach.ANYONE, Access.READ): Severity.LOW,
    (Reach.ANYONE, Access.SEND): Severity.INFO,
    (Reach.NETWORK, Access.READ_WITH_CREDENTIALS): Severity.MEDIUM,
    (Reach.NETWORK, Access.SEND_WITH_CREDENTIALS): Severity.LOW,
    (Reach.NETWORK, Access.READ): Severity.LOW,
    (Reach.NETWORK, Access.SEND): Severity.INFO,
    (Reach.LOCAL, Access.READ_WITH_CREDENTIALS): Severity.MEDIUM,
    (Reach.LOCAL, Access.SEND_WITH_CREDENTIALS): Severity.LOW,
    (Reach.LOCAL, Access.READ): Severity.LOW,
    (Reach.LOCAL, Access.SEND): Severity.INFO,
    (Reach.SUBDOMAIN, Access.READ_WITH_CREDENTIALS): Severity.LOW,
    (Reach.SUBDOMAIN, Access.SEND_WITH_CREDENTIALS): Severity.LOW,
    (Reach.SUBDOMAIN, Access.READ): Severity.INFO,
    (Reach.SUBDOMAIN, Access.SEND): Severity.INFO,
    (Reach.HOSTING_ACCOUNT, Access.READ_WITH_CREDENTIALS): Severity.LOW,
    (Reach.HOSTING_ACCOUNT, Access.SEND_WITH_CREDENTIALS): Severity.LOW,
    (Reach.HOSTING_ACCOUNT, Access.READ): Severity.INFO,
    (Reach.HOSTING_ACCOUNT, Access.SEND): Severity.INFO,
    (Reach.UNLIKELY, Access.READ_WITH_CREDENTIALS): Severity.LOW,
    (Reach.UNLIKELY, Access.SEND_WITH_CREDENTIALS): Severity.INFO,
    (Reach.UNLIKELY, Access.READ): Severity.INFO,
    (Reach.UNLIKELY, Access.SEND): Severity.INFO,
}


def severity_for(reach: Reach, access: Access) -> Severity:
    return _SEVERITY[(reach, access)]


@dataclass(frozen=True, slots=True)
class FindingClass:
    """One misconfiguration class: a stable id (never renamed: reports and
    scripts key on it) and its prose."""

    id: str
    title: str
    description: str
    remediation: str


CLASSES: Final[dict[str, FindingClass]] = {
    cls.id: cls
    for cls in (
        FindingClass(
            "origin-reflected",
            "Any origin is trusted",
            "The server copies any Origin it receives into Access-Control-Allow-Origin.",
            "Compare the Origin against an explicit allow-list and answer only those.",
        ),
        FindingClass(
            "null-trusted",
            "The null origin is trusted",
            "`Origin: null` is allowed; any page can send it from a sandboxed iframe "
            "or a data: URL.",
            "Never allow `null`; serve local pages over http://localhost instead.",
        ),
        FindingClass(
            "prefix-match",
            "Origins are matched by prefix",
            "An origin that merely starts with the site's name (www.example.com.attacker.tld) "
            "is trusted: the check is not anchored at the end.",
            "Compare whole origins; anchor regular expressions at both ends (fullmatch, `$`).",
        ),
        FindingClass(
            "suffix-match",
            "Origins are matched by suffix",
            "An origin that merely ends with the site's domain (attackerexample.com) is trusted.",
            "Match subdomains only after a dot (`.example.com`), or list exact origins.",
        ),
        FindingClass(
            "substring-match",
            "Origins are matched by substring",
            "An origin that is only a substring of an allowed origin, or contains it, is trusted.",
            "Compare whole origins for equality, never with `in`/`strpos`/`contains`.",
        ),
        FindingClass(
            "unescaped-dot",
            "A dot in an origin pattern is not escaped",
            "A regular expression uses `.` where a literal dot was meant, so a character "
            "in its place (wwwxexample.com) is trusted.",
            "Escape every dot in origin regexes (`\\.`), or use exact origins.",
        ),
        FindingClass(
            "subdomain-trusted",
            "Every subdomain is trusted",
            "Any subdomain of the site is trusted; one taken-over or user-content subdomain, "
            "or one XSS there, reads this resource.",
            "List the subdomains that need access instead of a wildcard.",
        ),
        FindingClass(
            "insecure-scheme-trusted",
            "A cleartext http origin is trusted by an https site",
            "An http:// origin is trusted; a network attacker can inject script into it.",
            "Trust only https origins (http://localhost for development only).",
        ),
        FindingClass(
            "special-char-bypass",
            "Host characters a browser sends bypass the check",
            "An origin with a character a browser allows in hosts (`_`, `-`) after the site's "
            "name (www.example.com_.attacker.tld) is trusted.",
            "Compare whole origins; do not accept 'site name followed by a non-domain character'.",
        ),
        FindingClass(
            "third-party-trusted",
            "A public hosting origin is trusted",
            "An origin on a shared hosting suffix from the public suffix list (github.io, "
            "herokuapp.com, ...) is trusted; anyone can publish a page there.",
            "Trust only origins you control; never a pattern over a public suffix.",
        ),
        FindingClass(
            "localhost-trusted",
            "localhost is trusted",
            "A localhost or loopback origin is trusted; any program on the user's machine "
            "that serves a page can read this resource.",
            "Allow localhost origins in development configurations only.",
        ),
        FindingClass(
            "wildcard-origin",
            "Any origin may read anonymously (`*`)",
            "Access-Control-Allow-Origin is `*`: any page can read the response without "
            "cookies. Right for public data, wrong for anything protected by network position.",
            "Keep `*` for public, unauthenticated resources only.",
        ),
        FindingClass(
            "wildcard-with-credentials",
            "`*` is sent together with Access-Control-Allow-Credentials: true",
            "Browsers refuse `*` for credentialed requests, so credentialed callers are blocked; "
            "this configuration is often 'fixed' by reflecting every origin, which is worse.",
            "List the trusted origins and echo only those when credentials are needed.",
        ),
        FindingClass(
            "invalid-acao",
            "Access-Control-Allow-Origin is not a valid value",
            "The header holds something no browser accepts (several origins, a path, a trailing "
            "slash, a pattern); every cross-origin read fails.",
            "Send exactly one serialized origin (scheme://host[:port]), `*` or nothing.",
        ),
        FindingClass(
            "missing-vary-origin",
            "An origin-dependent, cacheable response lacks `Vary: Origin`",
            "Access-Control-Allow-Origin changes with the Origin, the response may be cached, "
            "and `Vary: Origin` is missing: a cache can serve one origin's answer to another.",
            "Add `Vary: Origin` to every response whose CORS headers depend on the Origin.",
        ),
        FindingClass(
            "private-network-allowed",
            "Private network access is granted to untrusted origins",
            "A preflight from an untrusted origin gets `Access-Control-Allow-Private-Network: "
            "true`, so public websites may reach this server on the user's private network.",
            "Send Access-Control-Allow-Private-Network only to trusted origins, only if needed.",
        ),
        FindingClass(
            "preflight-permissive",
            "Preflights allow any method or request header",
            "The preflight answer reflects whatever method or headers are asked for, so every "
            "method and header is allowed to the origins the server trusts.",
            "Answer preflights with the methods and headers the endpoint actually accepts.",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request as sent and the first response as received (no redirect followed)."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    status: int
    response_headers: tuple[tuple[str, str], ...]

    def response_values(self, name: str) -> list[str]:
        lowered = name.lower()
        return [value for key, value in self.response_headers if key.lower() == lowered]

    def response_headers_name(self, name: str) -> str:
        """`name` as the server spelled it (the first such header), for quoting."""
        lowered = name.lower()
        return next((key for key, _ in self.response_headers if key.lower() == lowered), name)

    def request_value(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.request_headers:
            if key.lower() == lowered:
                return value
        return None

    def to_json(self) -> dict[str, object]:
        return {
            "request": {
                "method": self.method,
                "url": self.url,
                "headers": [list(pair) for pair in self.request_headers],
            },
            "response": {
                "status": self.status,
                "headers": [list(pair) for pair in self.response_headers],
            },
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """One misconfiguration found on one URL, with its evidence."""

    cls: FindingClass
    severity: Severity
    probe_origin: str | None
    credentials: bool
    evidence: Exchange
    #: Why it matters here: who can obtain the origin, what the browser allows,
    #: and the browser model's verdict.
    detail: str = field(default="", compare=False)
    #: The other hits of the same misconfiguration (judge.group_findings),
    #: each with its own class, severity and evidence; `severity` and
    #: `credentials` above are the worst of the whole group.
    also: tuple[Finding, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {**self._fields_json(), "also": [hit._fields_json() for hit in self.also]}

    def _fields_json(self) -> dict[str, object]:
        return {
            "class": self.cls.id,
            "severity": self.severity.value,
            "probe_origin": self.probe_origin,
            "credentials": self.credentials,
            "evidence": self.evidence.to_json(),
        }

    @property
    def hits(self) -> tuple[Finding, ...]:
        """This finding and the ones grouped with it."""
        return (self, *self.also)
