"""Which `Origin` values the audit sends, derived from the target's site.

Theory of operation: a `Site` is the public origin the target is served as
(`https://www.example.com`), given with `--site` or taken from the URL. Each
misconfiguration class that is about *which origins are trusted* has a rule in
`derive_probes` producing the origins that expose it, each tagged with the
class it proves and `Reach`: who could make a browser send that origin
(anyone who registers a domain, a network attacker, a subdomain owner...).

Attacker-controlled names are random per run (`AttackerNames`), so no server
can allow-list the scanner and a cached answer for one run never masks the
next. Only origins a browser can actually send are produced: hosts use the
characters `crossorigin.origin.HOST_CHARACTERS` allows, nothing else.
"""

from __future__ import annotations

import random
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
    "LOCALHOST_ORIGINS",
    "PUBLIC_HOSTING_SUFFIXES",
    "SPECIAL_HOST_CHARACTERS",
    "AttackerNames",
    "Probe",
    "Site",
    "derive_probes",
    "reflection_probes",
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

#: Local development origins a server may trust by mistake.
LOCALHOST_ORIGINS: Final = (
    "http://localhost",
    "http://localhost:3000",
    "http://127.0.0.1:8080",
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


@dataclass(frozen=True, slots=True)
class Probe:
    """One origin to send, the class it proves when trusted, and who could send it."""

    class_id: str
    origin: str
    reach: Reach
    what: str


def reflection_probes(site: Site, attacker: AttackerNames) -> list[Probe]:
    """The first probes: a random registrable origin, over https and http. When
    one is trusted, any origin is, and the other origin probes add nothing."""
    return [
        Probe("origin-reflected", f"https://{attacker.domain}", Reach.ANYONE, "arbitrary origin"),
        Probe(
            "origin-reflected", f"http://{attacker.domain}", Reach.ANYONE, "arbitrary http origin"
        ),
    ]


def derive_probes(site: Site, attacker: AttackerNames) -> list[Probe]:
    """Every origin probe for `site` after the reflection probes, without
    duplicates and never the site's own origin."""
    s, host, domain = site.scheme, site.host, site.domain
    evil, label = attacker.domain, attacker.label
    probes: list[Probe] = [Probe("null-trusted", "null", Reach.ANYONE, "opaque origin")]

    # Prefix: the site's name at the start of an attacker's host.
    probes.append(Probe("prefix-match", f"{s}://{host}.{evil}", Reach.ANYONE, "host as prefix"))
    if domain is not None and domain != host:
        probes.append(
            Probe("prefix-match", f"{s}://{domain}.{evil}", Reach.ANYONE, "domain as prefix")
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
            Probe("suffix-match", f"{s}://{label}{domain}", Reach.ANYONE, "domain as suffix")
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
            )
        )
        # Each dot replaced in turn, as an unescaped `.` in a regex would allow.
        for index, char in enumerate(host):
            if char == ".":
                candidate = host[:index] + "x" + host[index + 1 :]
                probes.append(
                    Probe(
                        "unescaped-dot",
                        f"{s}://{candidate}{site.port_suffix}",
                        _reach_of_foreign_host(candidate, site),
                        f"dot {host[:index]}[.]{host[index + 1 :]} unescaped",
                    )
                )
        probes.append(
            Probe(
                "subdomain-trusted",
                f"{s}://{label}.{domain}",
                Reach.SUBDOMAIN,
                "arbitrary subdomain",
            )
        )
    if s == "https":
        probes.append(
            Probe(
                "insecure-scheme-trusted",
                f"http://{host}{site.port_suffix}",
                Reach.NETWORK,
                "the site itself over http",
            )
        )
        if domain is not None:
            probes.append(
                Probe(
                    "insecure-scheme-trusted",
                    f"http://{label}.{domain}",
                    Reach.NETWORK,
                    "a subdomain over http",
                )
            )
    for char in SPECIAL_HOST_CHARACTERS:
        probes.append(
            Probe(
                "special-char-bypass",
                f"{s}://{host}{char}.{evil}",
                Reach.ANYONE,
                f"{char!r} after the host",
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


def _browser_can_send(origin: str) -> bool:
    """Only what a browser can put in `Origin` (a short host such as `c.dev`
    minus its first character, `.dev`, is no host at all)."""
    if origin == "null":
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
