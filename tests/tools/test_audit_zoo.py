"""`crossorigin audit` against the zoo: real loopback servers, one
misconfiguration each (hand-written, flask-cors, django-cors-headers,
Starlette) and their correct twins (crossorigin's engine among them).

Every fixture must yield exactly the classes it states, with exactly the
grouped hits it states inside them (one misconfiguration, one finding),
every class must be found somewhere, and the twins must yield nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from audit_zoo.fixtures import Fixture, build_fixtures
from audit_zoo.server import RunningZoo, running_zoo
from crossorigin.audit import CLASSES, AttackerNames, Scanner, Severity, TargetReport

# The zoo runs the real frameworks (dev dependencies in pyproject.toml).
pytest.importorskip("flask_cors")
pytest.importorskip("corsheaders")

SITE = "https://www.example.com"
FIXTURES = build_fixtures(SITE)
ATTACKER = AttackerNames.generate(seed=7)


@pytest.fixture(scope="module")
def zoo() -> Iterator[RunningZoo]:
    with running_zoo(SITE) as running:
        yield running


@pytest.fixture(scope="module")
def reports(zoo: RunningZoo) -> dict[str, TargetReport]:
    scanner = Scanner(site=SITE, attacker=ATTACKER, concurrency=8, timeout=5, retries=1)
    names = list(FIXTURES)
    results = asyncio.run(scanner.scan([zoo.url(name) for name in names]))
    return dict(zip(names, results, strict=True))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", list(FIXTURES))
def test_each_fixture_yields_exactly_its_classes(
    reports: dict[str, TargetReport], name: str
) -> None:
    report = reports[name]
    assert report.errors == []
    found = {finding.cls.id for finding in report.findings}
    assert found == FIXTURES[name].expected, [
        (finding.cls.id, finding.probe_origin, finding.detail) for finding in report.findings
    ]
    assert len(found) == len(report.findings)  # one finding per class at most
    grouped = {hit.cls.id for finding in report.findings for hit in finding.also} - found
    assert grouped == FIXTURES[name].grouped, [
        (hit.cls.id, hit.probe_origin) for finding in report.findings for hit in finding.also
    ]
    for finding in report.findings:  # the group's severity is its worst hit's
        assert finding.severity == max(hit.severity for hit in finding.hits)
    note = FIXTURES[name].note
    assert note is None or any(note in text for text in report.notes), report.notes


def test_every_class_is_found_in_the_zoo() -> None:
    covered = set().union(*(fixture.expected for fixture in FIXTURES.values()))
    assert covered == set(CLASSES)


def test_a_substring_rule_is_one_finding_with_every_probe_as_evidence(
    reports: dict[str, TargetReport],
) -> None:
    (finding,) = reports["substring-contains"].findings
    assert finding.cls.id == "substring-match"
    assert finding.probe_origin == f"https://{ATTACKER.label}example.com.{ATTACKER.domain}"
    origins = [hit.probe_origin for hit in finding.hits]
    assert len(origins) == len(set(origins)) > 10
    for hit in finding.hits:  # every probe's own exchange is kept
        assert hit.evidence.request_value("Origin") == hit.probe_origin
        assert hit.evidence.response_values("Access-Control-Allow-Origin") == [hit.probe_origin]
    # Strongest first: the root class, then the rest by severity.
    ranks = [hit.severity.rank for hit in finding.also]
    assert ranks == sorted(ranks, reverse=True)


def test_probes_built_from_allowlist_names_find_what_the_host_alone_misses(
    reports: dict[str, TargetReport],
) -> None:
    (dot,) = reports["app-unescaped-dot"].findings
    assert dot.probe_origin == "https://appxexample.com"
    (vercel,) = reports["vercel-previews"].findings
    assert vercel.probe_origin == f"https://example-{ATTACKER.label}.vercel.app"
    assert vercel.severity is Severity.HIGH
    (pages,) = reports["github-pages"].findings
    assert pages.probe_origin == "https://example.github.io"
    assert pages.severity is Severity.LOW  # only whoever publishes under that account
    (vite,) = reports["dev-port"].findings
    assert vite.probe_origin == "http://localhost:5173"


def test_every_misconfiguration_has_a_clean_twin() -> None:
    twins: dict[str, Fixture] = {}
    for fixture in FIXTURES.values():
        for corrected in fixture.twin_of:
            twins[corrected] = fixture
    for fixture in FIXTURES.values():
        if fixture.expected:
            assert fixture.name in twins, f"{fixture.name} has no correct twin"
            assert twins[fixture.name].expected == frozenset()


def _only(report: TargetReport, class_id: str) -> list[tuple[Severity, bool]]:
    return [
        (finding.severity, finding.credentials)
        for finding in report.findings
        if finding.cls.id == class_id
    ]


def test_severity_follows_who_gets_the_origin_and_what_the_browser_allows(
    reports: dict[str, TargetReport],
) -> None:
    assert _only(reports["reflect-any"], "origin-reflected") == [(Severity.HIGH, True)]
    assert _only(reports["reflect-any-anonymous"], "origin-reflected") == [(Severity.LOW, False)]
    # Only the preflight trusts the origin: credentialed writes, no reads.
    assert _only(reports["reflect-preflight-only"], "origin-reflected") == [(Severity.MEDIUM, True)]
    assert {s for s, _ in _only(reports["subdomains"], "subdomain-trusted")} == {Severity.LOW}
    assert _only(reports["http-trusted"], "insecure-scheme-trusted") == [(Severity.MEDIUM, True)]
    assert _only(reports["localhost"], "localhost-trusted") == [(Severity.MEDIUM, True)]
    (localhost,) = reports["localhost"].findings
    assert len(localhost.hits) == 10  # every port probed, one finding
    assert _only(reports["wildcard"], "wildcard-origin") == [(Severity.INFO, False)]
    # `*` with credentials: the browser refuses credentialed reads.
    assert _only(reports["wildcard-credentials"], "wildcard-with-credentials") == [
        (Severity.LOW, False)
    ]


def test_unregistrable_unescaped_dot_ranks_below_registrable(
    reports: dict[str, TargetReport],
) -> None:
    (finding,) = reports["suffix"].findings
    by_origin = {
        hit.probe_origin: hit.severity for hit in finding.also if hit.cls.id == "unescaped-dot"
    }
    assert by_origin == {
        "https://wwwxexample.com": Severity.HIGH,
        "https://appxexample.com": Severity.HIGH,
    }


def test_cookie_dependent_reflection_is_seen_through_the_dummy_cookie(
    reports: dict[str, TargetReport],
) -> None:
    (finding,) = reports["reflect-with-cookie"].findings
    assert finding.evidence.request_value("Cookie") is not None
    assert finding.severity is Severity.HIGH


def test_arbitrary_reflection_stops_the_other_origin_probes(
    reports: dict[str, TargetReport],
) -> None:
    reflecting = reports["reflect-any"]
    full = reports["engine-allowlist"]
    assert reflecting.requests < 10 < full.requests
    assert any("skipped" in note for note in reflecting.notes)


def test_redirects_are_judged_not_followed_and_said(reports: dict[str, TargetReport]) -> None:
    report = reports["redirect-to-reflector"]
    assert report.findings == []
    assert report.errors == []
    assert any("every answer was a redirect" in note for note in report.notes)


def test_error_answers_are_probed_and_cited(reports: dict[str, TargetReport]) -> None:
    (finding,) = reports["error-reflect"].findings
    assert finding.severity is Severity.HIGH and finding.credentials
    statuses = sorted(hit.evidence.status for hit in finding.hits)
    assert statuses == [404, 405]
    assert {hit.evidence.method for hit in finding.hits} == {"GET", "CROSSORIGINPROBE"}
    assert "error response" in finding.detail


def test_a_cache_serving_one_origins_answer_to_another_is_shown(
    reports: dict[str, TargetReport],
) -> None:
    (finding,) = reports["cdn-no-vary"].findings
    assert finding.severity is Severity.MEDIUM
    served = [hit.evidence for hit in finding.hits]
    assert len(served) == 2
    for exchange in served:
        assert "crossorigin-cache-probe=" in exchange.url
        assert exchange.response_values("X-Cache") == ["HIT"]
    wrong, plain = served
    assert wrong.request_value("Origin") == f"https://{ATTACKER.domain}"
    assert wrong.response_values("Access-Control-Allow-Origin") == [SITE]
    assert plain.request_value("Origin") == SITE
    assert plain.response_values("Access-Control-Allow-Origin") == []
    # The twin's cache varies on Origin: probed the same way, nothing found.
    assert reports["cdn-vary"].findings == []


def test_every_finding_per_url_is_reported(reports: dict[str, TargetReport]) -> None:
    (third_party,) = reports["third-party"].findings
    assert [hit.probe_origin for hit in third_party.hits] == [
        f"https://{ATTACKER.label}.github.io",
        "https://example.github.io",
    ]
    prefix = {hit.probe_origin for f in reports["prefix"].findings for hit in f.hits}
    assert f"https://www.example.com.{ATTACKER.domain}" in prefix
    assert f"https://www.example.com_.{ATTACKER.domain}" in prefix
    assert f"https://www.example.com-.{ATTACKER.domain}" in prefix


def test_evidence_is_the_exchange_that_proves_it(reports: dict[str, TargetReport]) -> None:
    (finding,) = [
        f for f in reports["django-regex-no-dollar"].findings if f.cls.id == "prefix-match"
    ]
    evidence = finding.evidence
    assert evidence.method == "GET"
    assert evidence.request_value("Origin") == finding.probe_origin
    assert evidence.response_values("Access-Control-Allow-Origin") == [finding.probe_origin]
    assert evidence.status == 200
