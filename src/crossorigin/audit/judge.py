"""The audit's judgement: from a probe and the response heads it got, the findings.

Theory of operation. Rule 1: everything that decides whether a response is a
finding lives in this file. It takes `Exchange`s (a request as sent, the first
response head as received) and returns `Finding`s; it opens no socket, awaits
nothing and reads no clock, so every rule runs on in-memory responses in the
tests. `scanner.py` decides what to send and when; it asks this module what
each answer means.

Every verdict is the browser model's (`crossorigin.browser`): whether a page
on the probe's origin could read the response, with and without credentials,
exactly as Chromium compares the headers. Only the first response is judged:
a redirect is judged as the answer (Fetch "HTTP fetch" runs the CORS check on
the redirect response itself, before "HTTP-redirect fetch" follows it).

The rules, in the order their findings are reported:

1. Origin probes (`judge_probe`, then `trust_finding`): what the browser lets
   the probe's origin do, from its GET (read, with or without cookies) and
   its preflight (send non-simple requests). A `*` answer is no trust in that
   origin in particular: rule 3 reports it. Severity is `findings.severity_for`
   of who can obtain the origin and what it may do.
2. Preflight probes: a made-up method or header that passes
   (`permissive_preflight_finding`); private network access granted to an
   arbitrary public origin (`private_network_finding`).
3. Analyses over every response of a URL (`response_findings`): `*`, `*`
   with credentials, `Access-Control-Allow-Origin` values no browser accepts,
   and origin-dependent cacheable responses without `Vary: Origin`.
4. Error responses and caches: an error answer (a forced 404, a made-up
   method's 405) that trusts the arbitrary origin while the URL itself does
   not (`error_response_finding`: error handlers often add their own CORS
   headers, or reflect); a cache in front of the URL that serves an answer
   made for one origin (or for no origin) to another (`cache_findings`,
   proven with fresh cache keys and a cache's own hit signals: `Age`,
   `X-Cache: HIT`, `CF-Cache-Status: HIT`...), which `Vary: Origin` prevents.
   `odd_answer_notes` says when nothing could be judged (every answer a
   redirect, a `101 Switching Protocols`), so such a URL never reads clean.
5. One misconfiguration, one finding (`group_findings`): a trusted probe
   that carries a `probes.Rule` proves the server applies that rule; every
   other hit the rule lets through, and that only a less general rule would
   explain by itself, belongs to its finding. A substring test (`domain in
   origin`) thus reports one `substring-match` whose `also` holds the prefix,
   suffix, unescaped-dot and subdomain hits it causes; an `endswith(domain)`
   test one `suffix-match`, never an `unescaped-dot` for `wwwxexample.com`,
   which the suffix explains. Hits no proven rule explains are grouped per
   class (every localhost port, every hosting suffix). In a group, the root
   class comes first, then the others, most severe first; the group's
   severity and credentials are the worst of its hits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from crossorigin.audit.findings import (
    CLASSES,
    Access,
    Exchange,
    Finding,
    Severity,
    severity_for,
)
from crossorigin.audit.probes import Probe, Rule
from crossorigin.browser import cors_check
from crossorigin.browser.access import combined_value, preflight_check
from crossorigin.double_layer import detect_double_layer
from crossorigin.header_lists import split_list
from crossorigin.origin import Origin, OriginSyntaxError

__all__ = [
    "HEURISTICALLY_CACHEABLE_STATUSES",
    "ORIGIN_TRUST_CLASSES",
    "PROBE_PREFLIGHT_METHOD",
    "CacheProbe",
    "Judgement",
    "cache_findings",
    "cache_probe_worth_sending",
    "error_response_finding",
    "group_findings",
    "judge_probe",
    "odd_answer_notes",
    "permissive_preflight_finding",
    "private_network_finding",
    "response_findings",
    "trust_finding",
]

#: Statuses a cache may store without explicit freshness (RFC 9110 §15.1
#: "heuristically cacheable").
HEURISTICALLY_CACHEABLE_STATUSES: Final = frozenset(
    {200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501}
)
#: What a probe's preflight asks for: the scanner sends exactly this.
PROBE_PREFLIGHT_METHOD: Final = "POST"

#: Classes that say an origin is trusted: the hits a proven rule may explain.
ORIGIN_TRUST_CLASSES: Final = frozenset(
    {
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
)

_READS: Final = frozenset({Access.READ, Access.READ_WITH_CREDENTIALS})
_WITH_CREDENTIALS: Final = frozenset({Access.READ_WITH_CREDENTIALS, Access.SEND_WITH_CREDENTIALS})


@dataclass(frozen=True, slots=True)
class Judgement:
    """A probe's two exchanges and what the browser allows its origin:
    `access` None when nothing (or only through `*`)."""

    probe: Probe
    actual: Exchange
    preflight: Exchange | None
    access: Access | None
    #: The browser model's verdict, for the finding's detail.
    verdict: str

    @property
    def reads(self) -> bool:
        """The origin reads responses (with or without cookies): any origin
        does when the arbitrary one does."""
        return self.access in _READS


# -- rule 1: origin probes ---------------------------------------------------------------


def judge_probe(probe: Probe, actual: Exchange, preflight: Exchange | None = None) -> Judgement:
    """What the browser lets `probe.origin` do, from its GET and, when sent,
    its preflight (asking for `PROBE_PREFLIGHT_METHOD`)."""
    origin = probe.origin
    if combined_value(actual.response_headers, "access-control-allow-origin") != "*":
        for credentials, access in ((True, Access.READ_WITH_CREDENTIALS), (False, Access.READ)):
            result = cors_check(
                request_origin=origin,
                credentials=credentials,
                response_headers=actual.response_headers,
            )
            if result.ok:
                return Judgement(probe, actual, preflight, access, _read_verdict(actual, origin))
    if (
        preflight is not None
        and combined_value(preflight.response_headers, "access-control-allow-origin") != "*"
    ):
        passing = _passing_preflight(preflight, origin, PROBE_PREFLIGHT_METHOD)
        if passing is not None:
            access = Access.SEND_WITH_CREDENTIALS if passing else Access.SEND
            refused = cors_check(
                request_origin=origin,
                credentials=False,
                response_headers=actual.response_headers,
            )
            return Judgement(
                probe,
                actual,
                preflight,
                access,
                f"The preflight passes; the GET itself is blocked: {refused.message}",
            )
    return Judgement(probe, actual, preflight, None, "")


def _passing_preflight(
    exchange: Exchange, origin: str, method: str, header_names: Sequence[str] = ()
) -> bool | None:
    """Whether the preflight `exchange` passes the browser's check for a
    page on `origin` asking for `method` and `header_names`: True when it
    does with credentials (tried first, the worse case), False when only
    without, None when it does not."""
    for credentials in (True, False):
        verdict = preflight_check(
            status=exchange.status,
            response_headers=exchange.response_headers,
            request_origin=origin,
            credentials=credentials,
            method=method,
            unsafe_header_names=list(header_names),
        )
        if verdict.ok:
            return credentials
    return None


def trust_finding(judgement: Judgement) -> Finding | None:
    """The finding of the probe's class when the browser trusts its origin.
    The evidence is the GET when it is readable (or no preflight was sent),
    else the preflight that passed."""
    access = judgement.access
    if access is None:
        return None
    probe = judgement.probe
    evidence = judgement.actual
    if not judgement.reads and judgement.preflight is not None:
        evidence = judgement.preflight
    return Finding(
        cls=CLASSES[probe.class_id],
        severity=severity_for(probe.reach, access),
        probe_origin=probe.origin,
        credentials=access in _WITH_CREDENTIALS,
        evidence=evidence,
        detail=f"{probe.what}: {probe.reach.value} can {access.value}. {judgement.verdict}",
    )


def _read_verdict(actual: Exchange, origin: str) -> str:
    credentialed = cors_check(
        request_origin=origin, credentials=True, response_headers=actual.response_headers
    )
    if credentialed.ok:
        return "The browser allows the read with credentials."
    return f"Only reads without credentials pass; with them: {credentialed.message}"


# -- rule 2: preflight probes ----------------------------------------------------------------


def permissive_preflight_finding(
    exchange: Exchange, origin: str, method: str, header_names: Sequence[str]
) -> Finding | None:
    """A preflight from `origin` asking for a `method` or `header_names` no
    server allows on purpose: a finding when it passes, with credentials
    tried first."""
    asked = f"method {method}" if not header_names else f"header {', '.join(header_names)}"
    credentials = _passing_preflight(exchange, origin, method, header_names)
    if credentials is None:
        return None
    return Finding(
        cls=CLASSES["preflight-permissive"],
        severity=Severity.LOW,
        probe_origin=origin,
        credentials=credentials,
        evidence=exchange,
        detail=f"a preflight asking for the made-up {asked} passes"
        + (" with credentials" if credentials else " without credentials"),
    )


def private_network_finding(exchange: Exchange, origin: str) -> Finding | None:
    """A private network preflight (`GET`) from an arbitrary public `origin`
    that grants access (`Access-Control-Allow-Private-Network: true`, Private
    Network Access, "CORS preflight") and passes the CORS check."""
    granted = combined_value(exchange.response_headers, "access-control-allow-private-network")
    if granted != "true":
        return None
    credentials = _passing_preflight(exchange, origin, "GET")
    if credentials is None:
        return None
    return Finding(
        cls=CLASSES["private-network-allowed"],
        severity=Severity.MEDIUM,
        probe_origin=origin,
        credentials=credentials,
        evidence=exchange,
        detail="a private network preflight from an arbitrary public origin passes",
    )


# -- rule 3: analyses over every response ----------------------------------------------------


def response_findings(exchanges: Sequence[Exchange], control: Exchange) -> list[Finding]:
    """The findings over every exchange of one URL, in the order the requests
    were issued; `control` is the GET from the site's own origin (its answer
    is the one a cache most likely holds)."""
    findings: list[Finding] = []
    wildcard = wildcard_finding(exchanges)
    if wildcard is not None:
        findings.append(wildcard)
    findings.extend(invalid_allow_origin_findings(exchanges))
    vary = missing_vary_finding(exchanges, control)
    if vary is not None:
        findings.append(vary)
    return findings


def wildcard_finding(exchanges: Sequence[Exchange]) -> Finding | None:
    """The first GET with an `Origin` answered `*`: readable by anyone without
    cookies, or, with `Access-Control-Allow-Credentials: true`, a
    configuration browsers refuse for credentialed reads (Fetch, "CORS
    protocol and credentials")."""
    for exchange in _origin_gets(exchanges):
        if combined_value(exchange.response_headers, "access-control-allow-origin") != "*":
            continue
        origin = exchange.request_value("Origin") or ""
        if combined_value(exchange.response_headers, "access-control-allow-credentials") == "true":
            with_credentials = cors_check(
                request_origin=origin, credentials=True, response_headers=exchange.response_headers
            )
            return Finding(
                cls=CLASSES["wildcard-with-credentials"],
                severity=Severity.LOW,
                probe_origin=origin,
                credentials=with_credentials.ok,
                evidence=exchange,
                detail=f"credentialed reads are blocked: {with_credentials.message}",
            )
        return Finding(
            cls=CLASSES["wildcard-origin"],
            severity=Severity.INFO,
            probe_origin=origin,
            credentials=False,
            evidence=exchange,
            detail="any page can read this response without cookies",
        )
    return None


def invalid_allow_origin_findings(exchanges: Sequence[Exchange]) -> list[Finding]:
    """One finding per distinct `Access-Control-Allow-Origin` value that is not
    `*`, `null` or one serialized origin, and that the browser indeed refuses."""
    findings: list[Finding] = []
    seen: set[str] = set()
    for exchange in exchanges:
        values = exchange.response_values("access-control-allow-origin")
        if not values:
            continue
        combined = combined_value(exchange.response_headers, "access-control-allow-origin")
        assert combined is not None
        if combined in seen or not _is_invalid_allow_origin(values):
            continue
        seen.add(combined)
        origin = exchange.request_value("Origin") or ""
        verdict = cors_check(
            request_origin=origin,
            credentials=False,
            response_headers=exchange.response_headers,
            preflight=exchange.method == "OPTIONS",
        )
        if verdict.ok:
            continue
        detail = f"no browser accepts it: {verdict.message}"
        # Two layers each adding the header (the application and a proxy,
        # gateway or CDN) is the usual cause: say which, when the headers tell.
        layered = detect_double_layer(exchange.response_headers)
        if layered is not None:
            detail += f" {layered.message}"
        findings.append(
            Finding(
                cls=CLASSES["invalid-acao"],
                severity=Severity.LOW,
                probe_origin=origin or None,
                credentials=False,
                evidence=exchange,
                detail=detail,
            )
        )
    return findings


def missing_vary_finding(exchanges: Sequence[Exchange], control: Exchange) -> Finding | None:
    """When GETs get different `Access-Control-Allow-Origin` answers, the first
    (the control's first) that names an origin, may be cached, and lacks
    `Vary: Origin`: a cache can serve it to another origin (Fetch, "CORS
    protocol and HTTP caches")."""
    gets = [exchange for exchange in exchanges if exchange.method == "GET"]
    answers = {
        combined_value(exchange.response_headers, "access-control-allow-origin")
        for exchange in gets
    }
    if len(answers) < 2:
        return None  # the same answer whatever the Origin: nothing to vary on
    candidates = [control] + [exchange for exchange in gets if exchange is not control]
    for exchange in candidates:
        allow_origin = combined_value(exchange.response_headers, "access-control-allow-origin")
        if allow_origin in (None, "*") or _varies_on_origin(exchange):
            continue
        signal = _cache_signal(exchange)
        if signal is None:
            continue
        return Finding(
            cls=CLASSES["missing-vary-origin"],
            severity=Severity.LOW,
            probe_origin=exchange.request_value("Origin"),
            credentials=False,
            evidence=exchange,
            detail=f"the answer depends on the Origin and may be cached ({signal}), "
            "but Vary does not name Origin",
        )
    return None


def _origin_gets(exchanges: Sequence[Exchange]) -> list[Exchange]:
    return [
        exchange
        for exchange in exchanges
        if exchange.method == "GET" and exchange.request_value("Origin") is not None
    ]


def _is_invalid_allow_origin(values: list[str]) -> bool:
    """Several header lines, or one value that is not `*`, `null` or a
    serialized origin as browsers write it."""
    if len(values) > 1:
        return True
    value = values[0].strip(" \t")
    if value in ("*", "null"):
        return False
    try:
        Origin.parse_strict(value)
    except OriginSyntaxError:
        return True
    return False


def _varies_on_origin(exchange: Exchange) -> bool:
    """`Vary` names `Origin` or is `*` (RFC 9110 §12.5.5; field names are
    case-insensitive)."""
    for value in exchange.response_values("vary"):
        for item in split_list(value):
            if item.lower() in ("origin", "*"):
                return True
    return False


def _cache_signal(exchange: Exchange) -> str | None:
    """Why a cache may store this response (RFC 9111 §3), or None when it may
    not: `no-store`, or no freshness information and no validator."""
    directives: dict[str, str] = {}
    for value in exchange.response_values("cache-control"):
        for item in split_list(value):
            name, _, argument = item.partition("=")
            directives[name.lower()] = argument.strip('"')
    if "no-store" in directives:
        return None
    for name in ("s-maxage", "max-age"):
        if name in directives:
            seconds = directives[name]
            if seconds.isdigit() and int(seconds) > 0:
                return f"Cache-Control: {name}={seconds}"
    if "public" in directives:
        return "Cache-Control: public"
    if exchange.status not in HEURISTICALLY_CACHEABLE_STATUSES:
        return None
    for name in ("Expires", "Last-Modified", "ETag"):
        if exchange.response_values(name):
            return f"{name} present"
    return None


# -- rule 4: error responses, caches, odd answers ----------------------------------------


def error_response_finding(probe: Probe, exchange: Exchange) -> Finding | None:
    """An error answer (status 400 or more) that lets `probe.origin` read
    it: error pages carry stack traces, internal names and echoes of the
    request, and a handler that answers errors outside the CORS middleware
    often sends CORS headers of its own."""
    if exchange.status < 400:
        return None
    finding = trust_finding(judge_probe(probe, exchange))
    if finding is None:
        return None
    return replace(
        finding,
        detail=f"on an error response ({exchange.status} to {exchange.method}), "
        f"which the URL's own answers do not trust: {finding.detail}",
    )


#: Headers caches add to say whether they served from storage; a value
#: holding `HIT` means they did (Fastly and Akamai list one per tier).
CACHE_STATUS_HEADERS: Final = (
    "x-cache",
    "x-cache-status",
    "cf-cache-status",
    "x-proxy-cache",
    "x-cache-lookup",
    "x-served-from-cache",
    "cdn-cache",
)


def _cache_hit(exchange: Exchange) -> str | None:
    """The cache's own word that this answer came from storage (RFC 9111
    §5.1: `Age` above 0 is time spent in a cache), or None."""
    for name in CACHE_STATUS_HEADERS:
        for value in exchange.response_values(name):
            if "hit" in value.lower() or (
                name == "x-served-from-cache" and value.lower() == "true"
            ):
                return f"{exchange.response_headers_name(name)}: {value}"
    for value in exchange.response_values("age"):
        if value.strip().isdigit() and int(value) > 0:
            return f"Age: {value.strip()}"
    for value in exchange.response_values("x-varnish"):
        if len(value.split()) == 2:  # Varnish: the request's id and the cached object's
            return f"X-Varnish: {value}"
    return None


def cache_probe_worth_sending(exchanges: Sequence[Exchange]) -> bool:
    """A cache shows in front of the URL (its headers, `Age`), or an answer
    that names an origin may be stored by one."""
    for exchange in exchanges:
        if exchange.method != "GET":
            continue
        if any(
            exchange.response_values(name) for name in (*CACHE_STATUS_HEADERS, "age", "x-varnish")
        ):
            return True
        allow_origin = combined_value(exchange.response_headers, "access-control-allow-origin")
        if allow_origin not in (None, "*") and _cache_signal(exchange) is not None:
            return True
    return False


@dataclass(frozen=True, slots=True)
class CacheProbe:
    """The cache probe's exchanges, each GET on a URL with a cache key of
    its own (a query parameter nobody else sends): `plain` then `site`
    share one key (primed without Origin), `site_first` then
    `attacker_after` another (primed by the site's origin), `attacker_first`
    a third (the server's own answer to the attacker's origin)."""

    plain: Exchange
    site: Exchange
    site_first: Exchange
    attacker_after: Exchange
    attacker_first: Exchange


def cache_findings(probe: CacheProbe) -> tuple[list[Finding], list[str]]:
    """Findings when a cache served an answer to an origin it was not made
    for, and notes when the probe could not tell."""
    fresh = [probe.site_first, probe.attacker_first]
    if any(_cache_hit(exchange) for exchange in fresh):
        return [], [
            "the cache probe got cached answers for fresh cache keys (the cache ignores the "
            "query string): whether it varies on Origin was not tested"
        ]

    def allow_origin(exchange: Exchange) -> str | None:
        return combined_value(exchange.response_headers, "access-control-allow-origin")

    findings: list[Finding] = []
    site_origin = probe.site_first.request_value("Origin") or ""
    attacker = probe.attacker_after.request_value("Origin") or ""
    served = allow_origin(probe.attacker_after)
    hit = _cache_hit(probe.attacker_after)
    if (
        hit is not None
        and served not in (None, "*")
        and served == allow_origin(probe.site_first)
        and served != allow_origin(probe.attacker_first)
    ):
        findings.append(
            Finding(
                cls=CLASSES["missing-vary-origin"],
                severity=Severity.MEDIUM,
                probe_origin=attacker,
                credentials=False,
                evidence=probe.attacker_after,
                detail=f"a cache served the answer made for {served} to {attacker} ({hit}): "
                "whoever requests the URL first decides which origin may read it from the "
                "cache, for everyone",
            )
        )
    hit = _cache_hit(probe.site)
    if (
        hit is not None
        and allow_origin(probe.site_first) not in (None, "*")
        and allow_origin(probe.site) != allow_origin(probe.site_first)
    ):
        findings.append(
            Finding(
                cls=CLASSES["missing-vary-origin"],
                severity=Severity.MEDIUM,
                probe_origin=site_origin,
                credentials=False,
                evidence=probe.site,
                detail=f"a cache served the answer to a request without Origin to {site_origin} "
                f"({hit}): anyone fetching the URL without Origin (a crawler, curl) breaks the "
                "site's cross-origin reads until the entry expires",
            )
        )
    return findings, []


def odd_answer_notes(exchanges: Sequence[Exchange]) -> list[str]:
    """Why nothing may have been judged on this URL: answers a browser
    stops at. Only the URL's own exchanges count."""
    notes: list[str] = []
    switching = next((exchange for exchange in exchanges if exchange.status == 101), None)
    if switching is not None:
        notes.append(
            f"the server answered 101 Switching Protocols to {switching.method} without an "
            "Upgrade request: what followed was not read, and no CORS answer was judged there"
        )
    gets = [exchange for exchange in exchanges if exchange.method == "GET"]
    if gets and all(300 <= exchange.status < 400 for exchange in gets):
        first = gets[0]
        location = first.response_values("location")
        where = f" to {location[0]}" if location else ""
        notes.append(
            f"every answer was a redirect ({first.status}{where}): a browser stops at a "
            "redirect without CORS headers, so only the redirect was judged; audit the URL "
            "it leads to"
        )
    return notes


# -- rule 5: one misconfiguration, one finding ------------------------------------------


def group_findings(items: Sequence[tuple[Finding, Rule | None]]) -> list[Finding]:
    """The findings of one URL grouped by root cause; `items` pairs each
    finding with the rule its probe proves (None for most). Groups come in
    the order of their first hit."""
    proven = [(rule, finding.cls.id) for finding, rule in items if rule is not None]
    groups: dict[str, list[Finding]] = {}
    for finding, rule in items:
        groups.setdefault(_root_class(finding, rule, proven), []).append(finding)
    grouped: list[Finding] = []
    for root, hits in groups.items():
        # Stable sorts: the root class first, then by severity, each in probe order.
        ordered = sorted(hits, key=lambda hit: (hit.cls.id != root, -hit.severity.rank))
        head, *rest = ordered
        worst = max(hit.severity for hit in ordered)
        detail = head.detail
        if rest:
            others = ", ".join(dict.fromkeys(hit.cls.id for hit in rest))
            detail += (
                f" The same misconfiguration lets {len(rest)} more probe"
                f"{'s' if len(rest) != 1 else ''} through ({others}): see `also`."
            )
        grouped.append(
            replace(
                head,
                severity=worst,
                credentials=any(hit.credentials for hit in ordered),
                detail=detail,
                also=tuple(rest),
            )
        )
    return grouped


def _root_class(finding: Finding, rule: Rule | None, proven: list[tuple[Rule, str]]) -> str:
    """The class of the most general proven rule that lets this hit
    through and is more general than its own, else its own class."""
    origin = finding.probe_origin
    if origin is None or finding.cls.id not in ORIGIN_TRUST_CLASSES:
        return finding.cls.id
    own_rank = rule.rank if rule is not None else len(proven) + 99
    best: tuple[int, str] | None = None
    for other, class_id in proven:
        more_general = best is None or other.rank < best[0]
        if other.rank < own_rank and more_general and other.covers(origin):
            best = (other.rank, class_id)
    return best[1] if best is not None else finding.cls.id
