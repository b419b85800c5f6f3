"""Probe derivation: origins a browser can send, tagged with who can send them."""

from __future__ import annotations

import random

import pytest

from crossorigin.audit.findings import CLASSES, Access, Reach, Severity, severity_for
from crossorigin.audit.probes import (
    DEVELOPMENT_PORTS,
    PUBLIC_HOSTING_SUFFIXES,
    SPECIAL_HOST_CHARACTERS,
    AttackerNames,
    Rule,
    Site,
    _browser_can_send,
    derive_probes,
    reflection_probes,
)
from crossorigin.origin import Origin, OriginSyntaxError
from crossorigin.public_suffix import is_public_suffix

ATTACKER = AttackerNames(domain="attacker.net", label="evil")


def _probes(site: str) -> dict[str, str]:
    parsed = Site.parse(site)
    return {
        probe.origin: probe.class_id
        for probe in reflection_probes(parsed, ATTACKER) + derive_probes(parsed, ATTACKER)
    }


def test_the_classic_probes_for_a_www_site() -> None:
    probes = _probes("https://www.example.com")
    assert probes["https://attacker.net"] == "origin-reflected"
    assert probes["http://attacker.net"] == "origin-reflected"
    assert probes["null"] == "null-trusted"
    assert probes["https://www.example.com.attacker.net"] == "prefix-match"
    assert probes["https://evilexample.com"] == "suffix-match"
    assert probes["https://www.example.co"] == "substring-match"
    assert probes["https://wwwxexample.com"] == "unescaped-dot"
    assert probes["https://www.examplexcom"] == "unescaped-dot"
    assert probes["https://evil.example.com"] == "subdomain-trusted"
    assert probes["http://www.example.com"] == "insecure-scheme-trusted"
    assert probes["https://www.example.com_.attacker.net"] == "special-char-bypass"
    assert probes["https://evil.github.io"] == "third-party-trusted"
    assert probes["http://localhost:3000"] == "localhost-trusted"


def test_apex_targets_get_a_subdomain_like_prefix() -> None:
    assert _probes("https://example.com")["https://evil.example.com.attacker.net"] == (
        "prefix-match"
    )
    assert "https://evil.www.example.com.attacker.net" not in _probes("https://www.example.com")


def test_every_origin_class_has_a_probe() -> None:
    origin_classes = {
        "origin-reflected",
        "null-trusted",
        "prefix-match",
        "suffix-match",
        "substring-match",
        "unescaped-dot",
        "subdomain-trusted",
        "insecure-scheme-trusted",
        "special-char-bypass",
        "third-party-trusted",
        "localhost-trusted",
    }
    assert origin_classes <= set(CLASSES)
    assert set(_probes("https://www.example.com").values()) == origin_classes


@pytest.mark.parametrize(
    "site",
    [
        "https://www.example.com",
        "https://example.co.uk",
        "http://127.0.0.1:8000",
        "https://a.b.c.dev",
    ],
)
def test_probes_are_origins_a_browser_sends_and_never_the_site(site: str) -> None:
    probes = _probes(site)
    assert Site.parse(site).serialize() not in probes
    for origin in probes:
        if origin != "null":
            assert Origin.parse_strict(origin).serialize() == origin


def test_special_characters_are_the_ones_browsers_allow_in_hosts() -> None:
    assert SPECIAL_HOST_CHARACTERS == ("-", "_")


@pytest.mark.parametrize("suffix", PUBLIC_HOSTING_SUFFIXES)
def test_public_hosting_suffixes_are_on_the_public_suffix_list(suffix: str) -> None:
    assert is_public_suffix(suffix)


def test_a_site_on_public_hosting_is_not_probed_with_its_own_suffix() -> None:
    probes = _probes("https://project.github.io")
    assert "https://evil.github.io" not in probes
    assert "https://evil.gitlab.io" in probes


def test_no_localhost_probes_for_a_loopback_site() -> None:
    assert "localhost-trusted" not in _probes("http://localhost:8000").values()


def test_reach_tells_registrable_from_impossible_hosts() -> None:
    reach = {
        probe.origin: probe.reach
        for probe in derive_probes(Site.parse("https://api.example.co.uk"), ATTACKER)
    }
    assert reach["https://apixexample.co.uk"] is Reach.ANYONE
    assert reach["https://api.examplexco.uk"] is Reach.ANYONE  # .uk takes direct registrations
    assert reach["https://api.example.coxuk"] is Reach.UNLIKELY  # no such top-level domain
    assert reach["https://api.example.co.u"] is Reach.UNLIKELY
    assert reach["https://evil.example.co.uk"] is Reach.SUBDOMAIN


def test_attacker_names_are_random_unless_seeded() -> None:
    assert AttackerNames.generate() != AttackerNames.generate()
    assert AttackerNames.generate(seed=3) == AttackerNames.generate(seed=3)
    names = AttackerNames.generate()
    assert Origin.parse_strict(f"https://{names.domain}").host == names.domain


def test_severity_table_orders_reach_and_access() -> None:
    assert severity_for(Reach.ANYONE, Access.READ_WITH_CREDENTIALS) is Severity.HIGH
    assert severity_for(Reach.ANYONE, Access.SEND_WITH_CREDENTIALS) is Severity.MEDIUM
    assert severity_for(Reach.NETWORK, Access.READ_WITH_CREDENTIALS) is Severity.MEDIUM
    assert severity_for(Reach.SUBDOMAIN, Access.READ_WITH_CREDENTIALS) is Severity.LOW
    assert severity_for(Reach.UNLIKELY, Access.READ) is Severity.INFO
    for reach in Reach:
        assert severity_for(reach, Access.READ_WITH_CREDENTIALS) >= severity_for(reach, Access.READ)
        assert severity_for(reach, Access.READ_WITH_CREDENTIALS) >= severity_for(
            reach, Access.SEND_WITH_CREDENTIALS
        )
    assert Severity.HIGH > Severity.MEDIUM > Severity.LOW > Severity.INFO


# -- probes from the names allowlists hold ---------------------------------------------------


def test_bypass_probes_are_built_from_www_app_and_the_apex_too() -> None:
    probes = _probes("https://api.example.com")
    assert probes["https://app.example.com.attacker.net"] == "prefix-match"
    assert probes["https://www.example.com.attacker.net"] == "prefix-match"
    assert probes["https://example.com.attacker.net"] == "prefix-match"
    assert probes["https://appxexample.com"] == "unescaped-dot"
    assert probes["https://wwwxexample.com"] == "unescaped-dot"
    assert probes["https://apixexample.com"] == "unescaped-dot"
    assert probes["https://app.example.com_.attacker.net"] == "special-char-bypass"
    assert probes["http://app.example.com"] == "insecure-scheme-trusted"
    assert probes["http://example.com"] == "insecure-scheme-trusted"
    # The names themselves are what an allowlist legitimately holds: never probed.
    assert "https://app.example.com" not in probes
    assert "https://example.com" not in probes


def test_the_site_name_is_tried_where_hosting_services_put_it() -> None:
    probes = {
        probe.origin: probe
        for probe in derive_probes(Site.parse("https://api.example.co.uk"), ATTACKER)
    }
    pages = probes["https://example.github.io"]
    assert pages.class_id == "third-party-trusted" and pages.reach is Reach.HOSTING_ACCOUNT
    preview = probes["https://example-evil.vercel.app"]
    assert preview.class_id == "third-party-trusted" and preview.reach is Reach.ANYONE
    assert not any(
        ".github.io" in origin and "example" in origin
        for origin in _probes("http://127.0.0.1:8000")
    )


def test_every_development_port_on_localhost_is_probed() -> None:
    probes = _probes("https://www.example.com")
    for port in DEVELOPMENT_PORTS:
        assert probes[f"http://localhost:{port}"] == "localhost-trusted"
    assert probes["http://localhost"] == probes["http://127.0.0.1"] == "localhost-trusted"


@pytest.mark.parametrize(
    "site",
    [
        "https://localhost:8443",
        "https://127.0.0.1:8443",
        "https://[::1]:8443",
        "https://app.localhost",
    ],
)
def test_no_http_probe_counts_as_insecure_for_a_loopback_site(site: str) -> None:
    """http://127.0.0.1 and http://localhost are potentially trustworthy
    (Secure Contexts §3.1): no network attacker can inject into them."""
    probes = _probes(site)
    assert "insecure-scheme-trusted" not in probes.values()


def test_insecure_scheme_probes_are_never_potentially_trustworthy() -> None:
    for site in ("https://www.example.com", "https://api.example.co.uk", "https://10.0.0.1"):
        for probe in derive_probes(Site.parse(site), ATTACKER):
            if probe.class_id == "insecure-scheme-trusted":
                assert not Origin.parse(probe.origin).is_potentially_trustworthy


def test_rules_cover_what_the_matching_code_they_stand_for_lets_through() -> None:
    suffix = Rule("endswith", "https", "example.com")
    assert suffix.covers("https://wwwxexample.com")
    assert suffix.covers("https://evil.example.com:8443")
    assert not suffix.covers("http://evilexample.com")  # another scheme: another rule
    assert not suffix.covers("https://www.examplexcom")
    contains = Rule("contains", "https", "example.com")
    assert contains.covers("https://www.example.com.attacker.net")
    assert not contains.covers("null")
    prefix = Rule("startswith", "https", "https://www.example.com")
    assert prefix.covers("https://www.example.com_.attacker.net")
    assert not prefix.covers("https://evil.example.com")
    subdomain = Rule("subdomain", "https", "example.com")
    assert subdomain.covers("https://a.b.example.com")
    assert not subdomain.covers("https://evilexample.com")
    assert contains.rank < prefix.rank == suffix.rank < subdomain.rank


def test_the_fast_origin_check_agrees_with_the_origin_parser() -> None:
    """derive_probes checks candidates without the full parser when they
    look plain: on random hosts over the characters that matter, both agree."""

    def strict(origin: str) -> bool:
        try:
            Origin.parse_strict(origin)
        except OriginSyntaxError:
            return False
        return True

    rng = random.Random(20)
    for _ in range(20_000):
        host = "".join(rng.choice("ab09-_.:A") for _ in range(rng.randint(1, 9)))
        port = rng.choice(["", ":80", ":443", ":8443", ":0", ":99999", ":080"])
        origin = f"{rng.choice(['http', 'https'])}://{host}{port}"
        assert _browser_can_send(origin) == strict(origin), origin
