"""`crossorigin audit` against the zoo: real loopback servers, one
misconfiguration each (hand-written, flask-cors, django-cors-headers,
Starlette) and their correct twins (crossorigin's engine among them).

Every fixture must yield exactly the classes it states, every class must be
found somewhere, and the twins must yield nothing."""

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


def test_every_class_is_found_in_the_zoo() -> None:
    covered = set().union(*(fixture.expected for fixture in FIXTURES.values()))
    assert covered == set(CLASSES)


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
    assert _only(reports["localhost"], "localhost-trusted") == [(Severity.MEDIUM, True)] * 3
    assert _only(reports["wildcard"], "wildcard-origin") == [(Severity.INFO, False)]
    # `*` with credentials: the browser refuses credentialed reads.
    assert _only(reports["wildcard-credentials"], "wildcard-with-credentials") == [
        (Severity.LOW, False)
    ]


def test_unregistrable_unescaped_dot_ranks_below_registrable(
    reports: dict[str, TargetReport],
) -> None:
    by_origin = {
        finding.probe_origin: finding.severity
        for finding in reports["suffix"].findings
        if finding.cls.id == "unescaped-dot"
    }
    assert by_origin == {"https://wwwxexample.com": Severity.HIGH}


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


def test_redirects_are_judged_not_followed(reports: dict[str, TargetReport]) -> None:
    report = reports["redirect-to-reflector"]
    assert report.findings == []
    assert report.errors == []


def test_every_finding_per_url_is_reported(reports: dict[str, TargetReport]) -> None:
    third_party = [f for f in reports["third-party"].findings]
    assert [f.probe_origin for f in third_party] == [f"https://{ATTACKER.label}.github.io"]
    prefix = {f.probe_origin for f in reports["prefix"].findings}
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
