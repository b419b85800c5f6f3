"""The audit's judgement on in-memory responses: one misconfigured answer and
its correct twin per finding class, no socket anywhere.

Each case is what a server sent back to one probe (or, for the analyses, to a
URL's requests); the misconfigured answer must yield exactly its class, the
twin (what the class's remediation asks for) nothing."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from crossorigin.audit import judge
from crossorigin.audit.findings import CLASSES, Access, Exchange, Finding, Reach, Severity
from crossorigin.audit.judge import (
    CacheProbe,
    cache_findings,
    error_response_finding,
    group_findings,
    judge_probe,
    odd_answer_notes,
    permissive_preflight_finding,
    private_network_finding,
    response_findings,
    trust_finding,
)
from crossorigin.audit.probes import (
    AttackerNames,
    Probe,
    Rule,
    Site,
    derive_probes,
    reflection_probes,
)

SITE = Site.parse("https://www.example.com")
OWN = SITE.serialize()
ATTACKER = AttackerNames(domain="k3vq8zt0aa.net", label="p4xr9m")
PROBES = reflection_probes(SITE, ATTACKER) + derive_probes(SITE, ATTACKER)
URL = "https://www.example.com/api"

Headers = tuple[tuple[str, str], ...]


def probe_of(class_id: str) -> Probe:
    return next(probe for probe in PROBES if probe.class_id == class_id)


def get(origin: str | None, *response: tuple[str, str], status: int = 200) -> Exchange:
    request: Headers = (("Cookie", "crossorigin_audit=1"),)
    if origin is not None:
        request = (("Origin", origin), *request)
    return Exchange("GET", URL, request, status, response)


def preflight(
    origin: str,
    *response: tuple[str, str],
    method: str = "POST",
    asked: Headers = (),
    status: int = 204,
) -> Exchange:
    request: Headers = (("Origin", origin), ("Access-Control-Request-Method", method), *asked)
    return Exchange("OPTIONS", URL, request, status, response)


def reflecting(origin: str) -> Headers:
    """What a reflecting server sends back to `origin`, with credentials."""
    return (
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Credentials", "true"),
        ("Vary", "Origin"),
    )


#: What an allow-list of the site's own origin sends back to anyone else: the
#: header is there, it just does not name the caller.
OWN_ONLY: Headers = (
    ("Access-Control-Allow-Origin", OWN),
    ("Access-Control-Allow-Credentials", "true"),
    ("Vary", "Origin"),
)


# -- origin probes: one rule, eleven classes ------------------------------------------------

ORIGIN_CLASSES = [
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
]


#: Who can obtain the origin -> how bad reading with the user's cookies is.
CREDENTIALED_READ_SEVERITY = {
    Reach.ANYONE: Severity.HIGH,
    Reach.NETWORK: Severity.MEDIUM,
    Reach.LOCAL: Severity.MEDIUM,
    Reach.SUBDOMAIN: Severity.LOW,
    Reach.UNLIKELY: Severity.LOW,
}


def origin_findings(probe: Probe, actual: Exchange, sent: Exchange | None = None) -> list[Finding]:
    finding = trust_finding(judge_probe(probe, actual, sent))
    return [] if finding is None else [finding]


@pytest.mark.parametrize("class_id", ORIGIN_CLASSES)
def test_an_origin_probe_read_with_cookies_is_its_class(class_id: str) -> None:
    probe = probe_of(class_id)
    actual = get(probe.origin, *reflecting(probe.origin))
    (finding,) = origin_findings(probe, actual, preflight(probe.origin))
    assert finding.cls is CLASSES[class_id]
    assert finding.probe_origin == probe.origin
    assert finding.credentials is True
    assert finding.severity is CREDENTIALED_READ_SEVERITY[probe.reach]
    # A readable answer is its own evidence, even when a preflight was sent.
    assert finding.evidence is actual
    assert "read with the user's cookies" in finding.detail


@pytest.mark.parametrize("class_id", ORIGIN_CLASSES)
def test_the_twin_that_answers_only_its_own_origin_is_clean(class_id: str) -> None:
    probe = probe_of(class_id)
    actual = get(probe.origin, *OWN_ONLY)
    answered = preflight(probe.origin, *OWN_ONLY, ("Access-Control-Allow-Methods", "POST"))
    judgement = judge_probe(probe, actual, answered)
    assert judgement.access is None
    assert trust_finding(judgement) is None


def test_reading_without_cookies_is_low_for_anyone() -> None:
    probe = probe_of("origin-reflected")
    actual = get(probe.origin, ("Access-Control-Allow-Origin", probe.origin))
    (finding,) = origin_findings(probe, actual)
    assert (finding.severity, finding.credentials) == (Severity.LOW, False)
    assert "Only reads without credentials pass" in finding.detail


def test_a_preflight_only_trust_is_sending_and_cites_the_preflight() -> None:
    probe = probe_of("origin-reflected")
    actual = get(probe.origin)
    answered = preflight(probe.origin, *reflecting(probe.origin))
    judgement = judge_probe(probe, actual, answered)
    assert judgement.access is Access.SEND_WITH_CREDENTIALS
    assert not judgement.reads
    finding = trust_finding(judgement)
    assert finding is not None
    assert (finding.severity, finding.credentials) == (Severity.MEDIUM, True)
    assert finding.evidence is answered
    assert "the GET itself is blocked" in finding.detail


def test_a_preflight_only_trust_without_a_preflight_sent_cites_the_get() -> None:
    probe = probe_of("null-trusted")
    actual = get(probe.origin, ("Access-Control-Allow-Origin", "null"))
    judgement = judge_probe(probe, actual)
    assert judgement.access is Access.READ
    finding = trust_finding(judgement)
    assert finding is not None and finding.evidence is actual


def test_a_wildcard_is_no_trust_in_the_probe_origin() -> None:
    probe = probe_of("origin-reflected")
    star = (("Access-Control-Allow-Origin", "*"),)
    judgement = judge_probe(probe, get(probe.origin, *star), preflight(probe.origin, *star))
    assert judgement.access is None


def test_a_reflection_the_browser_refuses_is_no_trust() -> None:
    # Reflected with a trailing slash: Chromium compares byte for byte.
    probe = probe_of("origin-reflected")
    actual = get(probe.origin, ("Access-Control-Allow-Origin", probe.origin + "/"))
    assert judge_probe(probe, actual).access is None


# -- preflight probes -----------------------------------------------------------------------


def test_preflight_permissive_method() -> None:
    origin = probe_of("origin-reflected").origin
    asked = preflight(
        origin,
        *reflecting(origin),
        ("Access-Control-Allow-Methods", "CROSSORIGINPROBE"),
        method="CROSSORIGINPROBE",
    )
    finding = permissive_preflight_finding(asked, origin, "CROSSORIGINPROBE", [])
    assert finding is not None
    assert finding.cls is CLASSES["preflight-permissive"]
    assert (finding.severity, finding.credentials) == (Severity.LOW, True)
    assert "made-up method CROSSORIGINPROBE passes with credentials" in finding.detail


def test_preflight_permissive_method_twin() -> None:
    origin = probe_of("origin-reflected").origin
    asked = preflight(
        origin,
        *reflecting(origin),
        ("Access-Control-Allow-Methods", "GET, POST"),
        method="CROSSORIGINPROBE",
    )
    assert permissive_preflight_finding(asked, origin, "CROSSORIGINPROBE", []) is None


def test_preflight_permissive_header_without_credentials() -> None:
    origin = OWN
    headers = (("Access-Control-Request-Headers", "x-crossorigin-probe"),)
    asked = preflight(
        origin,
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Headers", "*"),
        asked=headers,
    )
    finding = permissive_preflight_finding(asked, origin, "POST", ["x-crossorigin-probe"])
    assert finding is not None and finding.credentials is False
    assert "header x-crossorigin-probe passes without credentials" in finding.detail
    twin = preflight(
        origin,
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Headers", "content-type"),
        asked=headers,
    )
    assert permissive_preflight_finding(twin, origin, "POST", ["x-crossorigin-probe"]) is None


def test_private_network_allowed() -> None:
    origin = f"https://{ATTACKER.domain}"
    asked = preflight(
        origin,
        *reflecting(origin),
        ("Access-Control-Allow-Private-Network", "true"),
        method="GET",
    )
    finding = private_network_finding(asked, origin)
    assert finding is not None
    assert finding.cls is CLASSES["private-network-allowed"]
    assert (finding.severity, finding.credentials) == (Severity.MEDIUM, True)


def test_private_network_twin_without_the_grant() -> None:
    origin = f"https://{ATTACKER.domain}"
    asked = preflight(origin, *reflecting(origin), method="GET")
    assert private_network_finding(asked, origin) is None


@pytest.mark.parametrize("value", ["false", ""])
def test_private_network_only_a_literal_true_grants(value: str) -> None:
    # The header present is not enough: only `true` grants access.
    origin = f"https://{ATTACKER.domain}"
    asked = preflight(
        origin, *reflecting(origin), ("Access-Control-Allow-Private-Network", value), method="GET"
    )
    assert private_network_finding(asked, origin) is None


def test_private_network_granted_but_refused_by_the_cors_check() -> None:
    # The grant alone is nothing: the preflight must also pass for the origin.
    origin = f"https://{ATTACKER.domain}"
    asked = preflight(
        origin, *OWN_ONLY, ("Access-Control-Allow-Private-Network", "true"), method="GET"
    )
    assert private_network_finding(asked, origin) is None


# -- analyses over every response -----------------------------------------------------------


def classes(findings: list[Finding]) -> list[str]:
    return [finding.cls.id for finding in findings]


def test_wildcard_origin() -> None:
    control = get(OWN, ("Access-Control-Allow-Origin", "*"))
    found = response_findings([get(None), control], control)
    assert classes(found) == ["wildcard-origin"]
    assert (found[0].severity, found[0].probe_origin) == (Severity.INFO, OWN)


def test_wildcard_origin_twin() -> None:
    control = get(OWN, *OWN_ONLY)
    assert response_findings([get(None), control], control) == []


def test_a_wildcard_without_origin_in_the_request_is_not_judged() -> None:
    # The baseline GET carries no Origin: no CORS read happened there.
    control = get(OWN)
    found = response_findings([get(None, ("Access-Control-Allow-Origin", "*")), control], control)
    assert found == []


def test_wildcard_with_credentials() -> None:
    control = get(
        OWN, ("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")
    )
    found = response_findings([control], control)
    assert classes(found) == ["wildcard-with-credentials"]
    assert (found[0].severity, found[0].credentials) == (Severity.LOW, False)
    assert found[0].detail.startswith("credentialed reads are blocked: ")


def test_wildcard_with_credentials_twin_echoes_the_listed_origin() -> None:
    control = get(OWN, *OWN_ONLY)
    assert response_findings([control], control) == []


@pytest.mark.parametrize(
    "values",
    [
        ["https://www.example.com/"],
        ["https://www.example.com, https://app.example.com"],
        ["https://www.example.com", "https://www.example.com"],
        ["https://*.example.com"],
    ],
)
def test_invalid_acao(values: list[str]) -> None:
    control = get(OWN, *(("Access-Control-Allow-Origin", value) for value in values))
    found = response_findings([control], control)
    assert classes(found) == ["invalid-acao"]
    assert found[0].detail.startswith("no browser accepts it: ")


@pytest.mark.parametrize("value", ["https://www.example.com", "null", "*"])
def test_invalid_acao_twin(value: str) -> None:
    exchange = preflight(OWN, ("Access-Control-Allow-Origin", value))
    assert judge.invalid_allow_origin_findings([exchange]) == []


def test_invalid_acao_from_two_layers_names_the_layers() -> None:
    control = get(
        OWN,
        ("Access-Control-Allow-Origin", "https://www.example.com"),
        ("Via", "1.1 varnish"),
        ("Access-Control-Allow-Origin", "*"),
    )
    (found,) = response_findings([control], control)
    assert found.cls.id == "invalid-acao"
    assert "two layers both answer CORS" in found.detail
    assert "the last from via: 1.1 varnish" in found.detail


def test_invalid_acao_from_one_layer_says_nothing_of_layers() -> None:
    control = get(OWN, ("Access-Control-Allow-Origin", "https://www.example.com/"))
    (found,) = response_findings([control], control)
    assert "two layers" not in found.detail


def test_invalid_acao_is_reported_once_per_value() -> None:
    bad = ("Access-Control-Allow-Origin", "https://www.example.com/")
    control = get(OWN, bad)
    found = response_findings([control, get(OWN, bad), preflight(OWN, bad)], control)
    assert classes(found) == ["invalid-acao"]


def cached_reflection(*extra: tuple[str, str]) -> tuple[Exchange, list[Exchange]]:
    """A control GET answered for the site with a max-age, and a probe GET
    answered with nothing: the answer depends on the Origin."""
    control = get(
        OWN,
        ("Access-Control-Allow-Origin", OWN),
        ("Cache-Control", "public, max-age=600"),
        *extra,
    )
    other = get(f"https://{ATTACKER.domain}", ("Cache-Control", "public, max-age=600"), *extra)
    return control, [get(None), control, other]


def test_missing_vary_origin() -> None:
    control, exchanges = cached_reflection()
    found = response_findings(exchanges, control)
    assert classes(found) == ["missing-vary-origin"]
    assert found[0].evidence is control
    assert "(Cache-Control: max-age=600)" in found[0].detail


@pytest.mark.parametrize("vary", ["Origin", "accept-encoding, ORIGIN", "*"])
def test_missing_vary_origin_twin(vary: str) -> None:
    control, exchanges = cached_reflection(("Vary", vary))
    assert response_findings(exchanges, control) == []


@pytest.mark.parametrize(
    ("status", "headers", "signal"),
    [
        (200, (("Cache-Control", "no-store, max-age=600"),), None),
        (200, (("Cache-Control", "max-age=0"),), None),
        (200, (("Cache-Control", 's-maxage="60"'),), "Cache-Control: s-maxage=60"),
        (200, (("ETag", '"v1"'),), "ETag present"),
        (500, (("ETag", '"v1"'),), None),
        (200, (), None),
    ],
)
def test_cache_signal(status: int, headers: Headers, signal: str | None) -> None:
    assert judge._cache_signal(get(OWN, *headers, status=status)) == signal


def test_the_same_answer_for_every_origin_needs_no_vary() -> None:
    control = get(OWN, ("Access-Control-Allow-Origin", OWN), ("Cache-Control", "max-age=600"))
    assert (
        judge.missing_vary_finding([control, get(OWN, *control.response_headers)], control) is None
    )


def test_analyses_report_in_a_fixed_order() -> None:
    control = get(
        OWN,
        ("Access-Control-Allow-Origin", "https://www.example.com/"),
        ("Cache-Control", "max-age=60"),
    )
    star = get(f"https://{ATTACKER.domain}", ("Access-Control-Allow-Origin", "*"))
    found = response_findings([get(None), control, star], control)
    assert classes(found) == ["wildcard-origin", "invalid-acao", "missing-vary-origin"]


# -- coverage and purity ----------------------------------------------------------------------

#: Per class: (a misconfigured answer, its correct twin), each the findings
#: the judge draws from it. Together with the tests above, the summary that
#: every class is covered.
CaseFindings = Callable[[], list[Finding]]


def _origin_case(class_id: str) -> tuple[CaseFindings, CaseFindings]:
    probe = probe_of(class_id)
    return (
        lambda: origin_findings(probe, get(probe.origin, *reflecting(probe.origin))),
        lambda: origin_findings(probe, get(probe.origin, *OWN_ONLY)),
    )


def _analysis(*response: tuple[str, str]) -> list[Finding]:
    control = get(OWN, *response)
    return response_findings([get(None), control], control)


def _private_network(grant: bool) -> list[Finding]:
    origin = f"https://{ATTACKER.domain}"
    granted = (("Access-Control-Allow-Private-Network", "true"),) if grant else ()
    found = private_network_finding(
        preflight(origin, *reflecting(origin), *granted, method="GET"), origin
    )
    return [] if found is None else [found]


def _permissive(allowed: str) -> list[Finding]:
    origin = probe_of("origin-reflected").origin
    answer = preflight(
        origin,
        *reflecting(origin),
        ("Access-Control-Allow-Methods", allowed),
        method="CROSSORIGINPROBE",
    )
    found = permissive_preflight_finding(answer, origin, "CROSSORIGINPROBE", [])
    return [] if found is None else [found]


def _vary(vary: str | None) -> list[Finding]:
    control, exchanges = cached_reflection(*((("Vary", vary),) if vary else ()))
    return response_findings(exchanges, control)


CASES: dict[str, tuple[CaseFindings, CaseFindings]] = {
    **{class_id: _origin_case(class_id) for class_id in ORIGIN_CLASSES},
    "wildcard-origin": (
        lambda: _analysis(("Access-Control-Allow-Origin", "*")),
        lambda: _analysis(*OWN_ONLY),
    ),
    "wildcard-with-credentials": (
        lambda: _analysis(
            ("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")
        ),
        lambda: _analysis(*OWN_ONLY),
    ),
    "invalid-acao": (
        lambda: _analysis(("Access-Control-Allow-Origin", OWN + "/")),
        lambda: _analysis(("Access-Control-Allow-Origin", OWN)),
    ),
    "missing-vary-origin": (lambda: _vary(None), lambda: _vary("Origin")),
    "private-network-allowed": (lambda: _private_network(True), lambda: _private_network(False)),
    "preflight-permissive": (
        lambda: _permissive("CROSSORIGINPROBE"),
        lambda: _permissive("GET, POST"),
    ),
}


def test_every_class_has_a_case() -> None:
    assert set(CASES) == set(CLASSES)


@pytest.mark.parametrize("class_id", sorted(CASES))
def test_each_case_yields_exactly_its_class(class_id: str) -> None:
    assert classes(CASES[class_id][0]()) == [class_id]


@pytest.mark.parametrize("class_id", sorted(CASES))
def test_each_twin_yields_nothing(class_id: str) -> None:
    assert CASES[class_id][1]() == []


def test_judge_imports_no_io() -> None:
    source = Path(judge.__file__).read_text()
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    forbidden = {"asyncio", "socket", "ssl", "selectors", "time", "threading", "random"}
    assert not {name.partition(".")[0] for name in imported} & forbidden
    assert not {name for name in imported if name.startswith("crossorigin.audit.")} - {
        "crossorigin.audit.findings",
        "crossorigin.audit.probes",
    }
    # Nor does anything it imports, skipping the package's own __init__
    # (which brings the scanner in for `crossorigin.audit.Scanner`).
    script = (
        "import sys, types, importlib, crossorigin\n"
        "package = types.ModuleType('crossorigin.audit')\n"
        "package.__path__ = [crossorigin.__path__[0] + '/audit']\n"
        "sys.modules['crossorigin.audit'] = package\n"
        "importlib.import_module('crossorigin.audit.judge')\n"
        "print(' '.join(sorted(name for name in ('asyncio', 'socket', 'ssl', 'selectors',"
        " 'crossorigin.audit.scanner', 'crossorigin.audit.transport',"
        " 'crossorigin.audit.http1') if name in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


# -- rule 4: one misconfiguration, one finding ---------------------------------------------


def hits_of(allow: Callable[[str], bool]) -> list[tuple[Finding, Rule | None]]:
    """Every origin probe judged against a server trusting what `allow`
    accepts, with credentials: what the scanner hands `group_findings`."""
    hits: list[tuple[Finding, Rule | None]] = []
    for probe in PROBES:
        answer = reflecting(probe.origin) if allow(probe.origin) else OWN_ONLY
        finding = trust_finding(judge_probe(probe, get(probe.origin, *answer)))
        if finding is not None:
            hits.append((finding, probe.rule))
    return hits


def test_a_substring_rule_is_one_finding_holding_every_hit() -> None:
    hits = hits_of(lambda origin: origin.startswith("https://") and "example.com" in origin)
    (finding,) = group_findings(hits)
    assert finding.cls.id == "substring-match"
    assert {hit.cls.id for hit in finding.also} == {
        "prefix-match",
        "suffix-match",
        "unescaped-dot",
        "subdomain-trusted",
        "special-char-bypass",
    }
    assert len(finding.hits) == len(hits)  # every probe kept
    assert finding.severity is max(hit.severity for hit, _ in hits)
    assert finding.credentials


def test_a_suffix_rule_claims_no_unescaped_dot() -> None:
    hits = hits_of(lambda origin: origin.startswith("https://") and origin.endswith("example.com"))
    assert "unescaped-dot" in {finding.cls.id for finding, _ in hits}  # seen, ungrouped
    (finding,) = group_findings(hits)
    assert finding.cls.id == "suffix-match"
    assert {hit.cls.id for hit in finding.also} == {"unescaped-dot", "subdomain-trusted"}


def test_an_unescaped_dot_alone_stays_an_unescaped_dot() -> None:
    hits = hits_of(lambda origin: origin in (OWN, "https://wwwxexample.com"))
    (finding,) = group_findings(hits)
    assert finding.cls.id == "unescaped-dot" and finding.also == ()


def test_independent_rules_stay_separate_findings() -> None:
    """A prefix rule and trusted subdomains are two things to fix."""
    hits = hits_of(
        lambda origin: (
            origin.startswith(OWN)
            or (origin.startswith("https://") and origin.endswith(".example.com"))
        )
    )
    grouped = group_findings(hits)
    assert [finding.cls.id for finding in grouped] == ["prefix-match", "subdomain-trusted"]
    prefix = grouped[0]
    assert {hit.cls.id for hit in prefix.also} == {"special-char-bypass"}


def test_a_rule_explains_only_hits_of_its_scheme() -> None:
    hits = hits_of(lambda origin: "example.com" in origin)  # any scheme
    grouped = {finding.cls.id: finding for finding in group_findings(hits)}
    assert set(grouped) == {"substring-match", "insecure-scheme-trusted"}
    insecure = grouped["insecure-scheme-trusted"]
    assert all(str(hit.probe_origin).startswith("http://") for hit in insecure.hits)


def test_hits_without_a_rule_are_grouped_by_class_worst_first() -> None:
    hits = hits_of(lambda origin: origin.startswith("http://localhost") or origin == "null")
    grouped = group_findings(hits)
    assert [finding.cls.id for finding in grouped] == ["null-trusted", "localhost-trusted"]
    assert len(grouped[1].hits) == sum(1 for f, _ in hits if f.cls.id == "localhost-trusted") > 5
    assert grouped[1].probe_origin == "http://localhost"  # the first probed, all equal


def test_grouping_keeps_single_findings_as_they_were() -> None:
    hits = hits_of(lambda origin: origin == "null")
    assert group_findings(hits) == [finding for finding, _ in hits]


# -- rule 4: error answers, caches, odd answers -------------------------------------------


def test_an_error_answer_that_reflects_is_a_finding_and_its_twin_is_not() -> None:
    probe = PROBES[0]  # the arbitrary origin
    reflected = get(probe.origin, *reflecting(probe.origin), status=404)
    finding = error_response_finding(probe, reflected)
    assert finding is not None and finding.cls.id == "origin-reflected"
    assert "error response (404 to GET)" in finding.detail
    assert error_response_finding(probe, get(probe.origin, *OWN_ONLY, status=404)) is None
    # A 200 is no error answer: the origin probes judge it.
    assert error_response_finding(probe, get(probe.origin, *reflecting(probe.origin))) is None


def cached(exchange: Exchange) -> Exchange:
    return Exchange(
        exchange.method,
        exchange.url,
        exchange.request_headers,
        exchange.status,
        (*exchange.response_headers, ("Age", "12"), ("X-Cache", "HIT")),
    )


EVIL = PROBES[0].origin
SITE_ANSWER = (("Access-Control-Allow-Origin", OWN), ("Cache-Control", "public, max-age=60"))


def cache_probe(*, static: bool = False, fresh_hits: bool = False) -> CacheProbe:
    """A cache keyed on the URL alone before a server that echoes the site
    only (or, `static`, sends the site's origin to everyone)."""
    plain = get(None, ("Cache-Control", "public, max-age=60"))
    site_first = get(OWN, *SITE_ANSWER)
    attacker_first = get(EVIL, *(SITE_ANSWER if static else (("Cache-Control", "public"),)))
    if fresh_hits:
        site_first, attacker_first = cached(site_first), cached(attacker_first)
    return CacheProbe(
        plain=plain,
        site=cached(get(OWN, ("Cache-Control", "public, max-age=60"))),
        site_first=site_first,
        attacker_after=cached(get(EVIL, *SITE_ANSWER)),
        attacker_first=attacker_first,
    )


def test_a_cache_serving_another_origins_answer_is_medium() -> None:
    findings, notes = cache_findings(cache_probe())
    assert notes == []
    assert [(f.cls.id, f.severity, f.probe_origin) for f in findings] == [
        ("missing-vary-origin", Severity.MEDIUM, EVIL),
        ("missing-vary-origin", Severity.MEDIUM, OWN),
    ]
    assert "X-Cache: HIT" in findings[0].detail


def test_a_static_allow_origin_behind_a_cache_is_no_finding() -> None:
    """Everyone gets the site's origin from the server itself: the cache
    changes nothing; only the request without Origin being served to the
    site is (the server answers the site with its origin)."""
    findings, _ = cache_findings(cache_probe(static=True))
    assert [f.probe_origin for f in findings] == [OWN]


def test_a_cache_that_ignores_the_query_string_gives_a_note_not_a_guess() -> None:
    findings, notes = cache_findings(cache_probe(fresh_hits=True))
    assert findings == []
    assert notes and "ignores the query string" in notes[0]


def test_odd_answers_are_noted() -> None:
    redirect = get(OWN, ("Location", "https://www.example.com/login"), status=302)
    assert "302 to https://www.example.com/login" in odd_answer_notes([redirect, redirect])[0]
    assert odd_answer_notes([redirect, get(OWN, *OWN_ONLY)]) == []
    switching = get(OWN, ("Upgrade", "websocket"), status=101)
    assert "101 Switching Protocols" in odd_answer_notes([switching])[0]
