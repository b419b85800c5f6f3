"""Which `Origin` values the audit sends, derived from the target's site.

Theory of operation: a `Site` is the public origin the target is served as
(`https://www.example.com`), given with `--site` or taken from the URL. Each
misconfiguration class that is about *which origins are trusted* has a rule in
`derive_probes` producing the origins that expose it, each tagged with the
class it proves and `Reach`: who could make a browser send that origin
(anyone who registers a domain, a network attacker, a subdomain owner...).

The bypass probes (prefix, special characters, unescaped dots, http) are
built from every name an allowlist for the site most likely holds
(`allowlist_hosts`: the host, `www`, the apex, `app`), not from the host
alone: an API at `api.example.com` is usually called from
`https://app.example.com`, and a broken rule for that name only shows with
probes built from it. The site's name is also tried where hosting services
put it (`<name>.github.io`, preview-style `<name>-<x>.vercel.app`), and
localhost on the ports development servers use. A probe that proves a
matching rule carries it (`Rule`), so the judge can tell which other hits
the same rule explains.

Attacker-controlled names are random per run (`AttackerNames`), so no server
can allow-list the scanner and a cached answer for one run never masks the
next. Only origins a browser can actually send are produced: hosts use the
characters `crossorigin.origin.HOST_CHARACTERS` allows, nothing else.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass
from typing import Final

from crossorigin.audit.findings import Reach
from crossorigin.origin import (
    HOST_CHARACTERS,
    Origin,
    OriginSyntaxError,
    is_ip_host,
    is_loopback_host,
)
from crossorigin.public_suffix import is_listed_suffix, registrable_domain

__all__ = [
    "DEVELOPMENT_PORTS",
    "LOCALHOST_ORIGINS",
    "PUBLIC_HOSTING_SUFFIXES",
    "SPECIAL_HOST_CHARACTERS",
    "AttackerNames",
    "Probe",
    "Rule",
    "Site",
    "allowlist_hosts",
    "derive_probes",
    "reflection_probes",
    "site_name",
]

#: Shared hosting suffixes from the public suffix list's private section: anyone
#: can publish a page at `<name>.<suffix>`. (tests check each is a public suffix)
PUBLIC_HOSTING_SUFFIXES: Final = (
    "github.io",
    "gitlab.io",
    "herokuapp.com",
    "netlify.app",
    "vercel.app",
    "pages.dev",
    "web.app",
    "firebaseapp.com",
    "azurewebsites.net",
    "appspot.com",
    "onrender.com",
    "workers.dev",
)

#: Ports development servers listen on by default: 3000 (React, Next.js,
#: Express), 3001 (the next one free), 4200 (Angular), 5173 (Vite), 8000
#: (Django, uvicorn), 8080 (many).
DEVELOPMENT_PORTS: Final = (3000, 3001, 4200, 5173, 8000, 8080)
#: Local development origins a server may trust by mistake.
LOCALHOST_ORIGINS: Final = (
    "http://localhost",
    *(f"http://localhost:{port}" for port in DEVELOPMENT_PORTS),
    "http://127.0.0.1",
    "http://127.0.0.1:8080",
    "http://127.0.0.1:3000",
)

#: Characters a browser can put in a host besides letters, digits and dots:
#: the ones a check like "site name, then anything but a domain character"
#: forgets.
SPECIAL_HOST_CHARACTERS: Final = tuple(
    sorted(HOST_CHARACTERS - set(string.ascii_lowercase + string.digits + "."))
)


@dataclass(frozen=True, slots=True)
class Site:
    """The public origin a target is served as, and its domain parts."""

    origin: Origin
    #: The registrable domain (`example.com`), None for IPs and single labels.
    domain: str | None

    @classmethod
    def parse(cls, text: str) -> Site:
        origin = Origin.parse(text)
        if origin.is_opaque:
            raise ValueError(f"{text!r} has no host to derive probes from")
        domain = None if is_ip_host(origin.host) else registrable_domain(origin.host)
        return cls(origin, domain)

    @property
    def scheme(self) -> str:
        return self.origin.scheme

    @property
    def host(self) -> str:
        return self.origin.host

    @property
    def port_suffix(self) -> str:
        return "" if self.origin.port is None else f":{self.origin.port}"

    @property
    def public_suffix(self) -> str | None:
        if self.domain is None:
            return None
        return self.domain.partition(".")[2]

    def serialize(self) -> str:
        return self.origin.serialize()


@dataclass(frozen=True, slots=True)
class AttackerNames:
    """Random names for one run: a domain an attacker could register and a label."""

    domain: str
    label: str

    @classmethod
    def generate(cls, seed: int | None = None) -> AttackerNames:
        rng = random.Random(seed) if seed is not None else random.SystemRandom()
        letters = string.ascii_lowercase + string.digits

        def word(length: int) -> str:
            return rng.choice(string.ascii_lowercase) + "".join(
                rng.choice(letters) for _ in range(length - 1)
            )

        return cls(domain=f"{word(10)}.net", label=word(6))


#: How general a matching rule is: a hit a more general rule explains is
#: part of that rule's finding (judge.group_findings).
RULE_RANKS: Final = {"contains": 0, "startswith": 1, "endswith": 1, "subdomain": 2}


@dataclass(frozen=True, slots=True)
class Rule:
    """The matching rule a trusted probe proves the server applies: `kind`
    over origins of `scheme` (`contains`, `endswith` and `subdomain` look at
    the host; `startswith` at the whole origin, `text` holding the scheme)."""

    kind: str
    scheme: str
    text: str

    @property
    def rank(self) -> int:
        return RULE_RANKS[self.kind]

    def covers(self, origin: str) -> bool:
        """Whether this rule alone lets `origin` through."""
        if self.kind == "startswith":
            return origin.startswith(self.text)
        scheme, separator, rest = origin.partition("://")
        if not separator or scheme != self.scheme:
            return False
        host = rest.rsplit(":", 1)[0] if not rest.endswith("]") else rest
        if self.kind == "contains":
            return self.text in host
        if self.kind == "endswith":
            return host.endswith(self.text)
        return host.endswith("." + self.text)


@dataclass(frozen=True, slots=True)
class Probe:
    """One origin to send, the class it proves when trusted, who could send
    it, and the matching rule it proves when trusted (when it proves one)."""

    class_id: str
    origin: str
    reach: Reach
    what: str
    rule: Rule | None = None


def reflection_probes(site: Site, attacker: AttackerNames) -> list[Probe]:
    """The first probes: a random registrable origin, over https and http. When
    one is trusted, any origin is, and the other origin probes add nothing."""
    return [
        Probe("origin-reflected", f"https://{attacker.domain}", Reach.ANYONE, "arbitrary origin"),
        Probe(
            "origin-reflected", f"http://{attacker.domain}", Reach.ANYONE, "arbitrary http origin"
        ),
    ]


def allowlist_hosts(site: Site) -> list[str]:
    """The hosts an allowlist for `site` most likely names, the site's own
    first: real allowlists hold `www`, `app` and the apex beside the API's
    own host, and a broken rule written for any of them (an unescaped dot,
    a missing end anchor) shows only with probes built from that name."""
    hosts = [site.host]
    if site.domain is not None:
        for host in (f"www.{site.domain}", site.domain, f"app.{site.domain}"):
            if host not in hosts:
                hosts.append(host)
    return hosts


def derive_probes(site: Site, attacker: AttackerNames) -> list[Probe]:
    """Every origin probe for `site` after the reflection probes, without
    duplicates and never the site's own origin."""
    s, host, domain = site.scheme, site.host, site.domain
    evil, label = attacker.domain, attacker.label
    bases = allowlist_hosts(site)
    probes: list[Probe] = [Probe("null-trusted", "null", Reach.ANYONE, "opaque origin")]

    # Prefix: an allowed name at the start of an attacker's host.
    for base in bases:
        probes.append(
            Probe(
                "prefix-match",
                f"{s}://{base}.{evil}",
                Reach.ANYONE,
                f"{base} as a prefix",
                Rule("startswith", s, f"{s}://{base}"),
            )
        )
    if domain is not None and domain == host:
        # Apex targets: a pattern meant for subdomains (`https://.*\.example\.com`)
        # without an end anchor.
        probes.append(
            Probe(
                "prefix-match",
                f"{s}://{label}.{domain}.{evil}",
                Reach.ANYONE,
                "subdomain-like prefix",
            )
        )
    if domain is not None:
        probes.append(
            Probe(
                "suffix-match",
                f"{s}://{label}{domain}",
                Reach.ANYONE,
                "domain as suffix",
                Rule("endswith", s, domain),
            )
        )
        # Substrings: an allowed origin contains the probe, or the probe contains it.
        probes.append(
            Probe(
                "substring-match",
                f"{s}://{domain[1:]}",
                _reach_of_foreign_host(domain[1:], site),
                "domain minus its first character",
            )
        )
        probes.append(
            Probe(
                "substring-match",
                f"{s}://{host[:-1]}",
                _reach_of_foreign_host(host[:-1], site),
                "host minus its last character",
            )
        )
        probes.append(
            Probe(
                "substring-match",
                f"{s}://{label}{domain}.{evil}",
                Reach.ANYONE,
                "domain inside an attacker's host",
                Rule("contains", s, domain),
            )
        )
        # Each dot of each allowed name replaced in turn, as an unescaped `.`
        # in a regex would allow.
        for base in bases:
            for index, char in enumerate(base):
                if char == ".":
                    candidate = base[:index] + "x" + base[index + 1 :]
                    probes.append(
                        Probe(
                            "unescaped-dot",
                            f"{s}://{candidate}{site.port_suffix}",
                            _reach_of_foreign_host(candidate, site),
                            f"dot {base[:index]}[.]{base[index + 1 :]} unescaped",
                        )
                    )
        probes.append(
            Probe(
                "subdomain-trusted",
                f"{s}://{label}.{domain}",
                Reach.SUBDOMAIN,
                "arbitrary subdomain",
                Rule("subdomain", s, domain),
            )
        )
    if s == "https":
        # Secure Contexts §3.1: http://localhost and loopback IPs are
        # potentially trustworthy; no network attacker sits in between.
        cleartext = [f"http://{base}{site.port_suffix}" for base in bases]
        if domain is not None:
            cleartext.append(f"http://{label}.{domain}")
        for origin in cleartext:
            if not Origin.parse(origin).is_potentially_trustworthy:
                probes.append(
                    Probe(
                        "insecure-scheme-trusted",
                        origin,
                        Reach.NETWORK,
                        "the site over http" if origin.endswith(host) else "an http origin",
                    )
                )
    for base in bases:
        for char in SPECIAL_HOST_CHARACTERS:
            probes.append(
                Probe(
                    "special-char-bypass",
                    f"{s}://{base}{char}.{evil}",
                    Reach.ANYONE,
                    f"{char!r} after {base}",
                )
            )
    for suffix in PUBLIC_HOSTING_SUFFIXES:
        if domain is None or not (domain == suffix or domain.endswith("." + suffix)):
            probes.append(
                Probe(
                    "third-party-trusted",
                    f"https://{label}.{suffix}",
                    Reach.ANYONE,
                    f"public hosting on {suffix}",
                )
            )
    name = site_name(site)
    if name is not None:
        # The site's own name at hosting services: trusted by allowlists
        # that meant the site's pages or its preview deployments.
        probes.append(
            Probe(
                "third-party-trusted",
                f"https://{name}.github.io",
                Reach.HOSTING_ACCOUNT,
                "the site's name on github.io (every repository's pages share this origin)",
            )
        )
        probes.append(
            Probe(
                "third-party-trusted",
                f"https://{name}-{label}.vercel.app",
                Reach.ANYONE,
                "a preview-style deployment name on vercel.app (anyone can create it)",
            )
        )
    if not is_loopback_host(host):
        for origin in LOCALHOST_ORIGINS:
            probes.append(Probe("localhost-trusted", origin, Reach.LOCAL, "local development"))

    seen = {site.serialize()}
    unique: list[Probe] = []
    for probe in probes:
        if probe.origin not in seen and _browser_can_send(probe.origin):
            seen.add(probe.origin)
            unique.append(probe)
    return unique


def site_name(site: Site) -> str | None:
    """The label a site goes by at hosting services: `example` for
    `api.example.co.uk`; None for IP addresses and single-label hosts."""
    if site.domain is None:
        return None
    return site.domain.partition(".")[0]


_PLAIN_HOST: Final = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")
_PLAIN_ORIGIN: Final = re.compile(r"(https?)://([^:/]+)(?::([1-9][0-9]{0,4}))?")


def _browser_can_send(origin: str) -> bool:
    """Only what a browser can put in `Origin` (a short host such as `c.dev`
    minus its first character, `.dev`, is no host at all). The common case,
    a lower-case name of letters, digits, `-` and `_` in non-empty labels
    whose last is not numeric, with a port in range, is decided here
    without the full origin parser (a tenth of its cost, and derive_probes
    asks this for every probe of every site); anything else goes to it."""
    if origin == "null":
        return True
    plain = _PLAIN_ORIGIN.fullmatch(origin)
    if plain is not None:
        host, port = plain.group(2), plain.group(3)
        if (
            _PLAIN_HOST.fullmatch(host) is not None
            and not host.rpartition(".")[2].isdigit()
            and (port is None or int(port) <= 65535)
            and port != {"http": "80", "https": "443"}[plain.group(1)]
        ):
            return True
    try:
        Origin.parse_strict(origin)
    except OriginSyntaxError:
        return False
    return True


def _reach_of_foreign_host(host: str, site: Site) -> Reach:
    """Who can obtain `host`: anyone when it is registrable under a suffix that
    exists; the site's subdomain owners when it falls under the site's domain;
    nobody when its top-level domain does not exist (`www.examplexcom`)."""
    domain = registrable_domain(host)
    if domain is None:
        return Reach.UNLIKELY
    if domain == site.domain:
        return Reach.SUBDOMAIN
    suffix = domain.partition(".")[2]
    if not is_listed_suffix(suffix):
        return Reach.UNLIKELY
    return Reach.ANYONE
