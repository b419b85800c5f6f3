"""The audit's I/O and judgement: send the probes, ask the browser model, collect findings.

Theory of operation, per target URL:

1. Controls: a GET without `Origin` and a GET from the site's own origin (to
   see whether the answer depends on the origin at all), then the arbitrary
   attacker origin over https, as a GET and as a preflight.
2. When the arbitrary origin is trusted, any origin is: the other origin
   probes are skipped. Otherwise every probe from `probes.derive_probes` is
   sent, each as a GET (with a dummy cookie, so cookie-dependent reflection
   shows) and as a preflight (never with cookies, as browsers send them).
3. Preflight checks: any method and any header asked for by a trusted origin;
   private network access asked for by the attacker origin.
4. Analyses over every response: `*`, `*` with credentials, invalid
   `Access-Control-Allow-Origin` values, and origin-dependent cacheable
   responses without `Vary: Origin`.

Every verdict is the browser model's (`crossorigin.browser`): whether a page
on the probe origin could read the response, with and without credentials,
exactly as Chromium compares the headers. Only the first response is judged:
redirects are never followed (a browser checks CORS on the redirect itself).

Requests go straight to `KeepAliveTransport` (connections kept per host
and reused; see transport.py for why not httpx), at most `concurrency` at a
time, each with a timeout and `retries` retries on transport errors. A
request that still fails is an error of the target, never a clean result.
Per target, the request head is encoded once (`_Target`): a probe only adds
its own header lines, and the evidence reuses the same header pairs. A
probe's GET and preflight go out one after the other, so they share one
connection. Exchanges are kept in the order the requests were issued, not
the order answers came back, so the evidence a report cites is the same from
run to run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Final, TypeVar

from crossorigin import __version__
from crossorigin.audit.findings import (
    CLASSES,
    Access,
    Exchange,
    Finding,
    Severity,
    severity_for,
)
from crossorigin.audit.http1 import encode_header_lines, request_target
from crossorigin.audit.probes import AttackerNames, Probe, Site, derive_probes, reflection_probes
from crossorigin.audit.transport import (
    MAX_IDLE_HOSTS,
    Endpoint,
    KeepAliveTransport,
    TransportError,
)
from crossorigin.browser import cors_check
from crossorigin.browser.access import combined_value, preflight_check
from crossorigin.header_lists import split_list
from crossorigin.origin import Origin, OriginSyntaxError

__all__ = ["DUMMY_COOKIE", "Scanner", "TargetReport", "audit"]

#: Sent with every probe GET: servers that reflect only for logged-in users
#: (cookie present) must show it. The value means nothing to any server.
DUMMY_COOKIE: Final = "crossorigin_audit=1"
USER_AGENT: Final = f"crossorigin-audit/{__version__}"
#: Sent first on every request, in this order (what httpx sent before; the
#: body is never decoded, so any content coding is fine).
BASE_HEADERS: Final = (
    ("Accept-Encoding", "gzip, deflate"),
    ("Connection", "keep-alive"),
    ("User-Agent", USER_AGENT),
    ("Accept", "*/*"),
)
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
# Header pairs every probe sends, built once.
_ORIGIN: Final = "Origin"
_COOKIE: Final = ("Cookie", DUMMY_COOKIE)
_ASK_POST: Final = ("Access-Control-Request-Method", "POST")
_ASK_CONTENT_TYPE: Final = ("Access-Control-Request-Headers", "content-type")
#: Statuses a cache may store without explicit freshness (RFC 9110 §15.1
#: "heuristically cacheable").
HEURISTICALLY_CACHEABLE_STATUSES: Final = frozenset(
    {200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501}
)
#: Failed probes (every retry spent) after which a URL's remaining probes
#: are not sent: the host stopped answering.
GIVE_UP_AFTER: Final = 3
#: A method and a header name no server allows on purpose.
PROBE_METHOD: Final = "CROSSORIGINPROBE"
PROBE_HEADER: Final = "x-crossorigin-probe"

_T = TypeVar("_T")


@dataclass
class TargetReport:
    """Everything found on one URL. `errors` non-empty means the audit of this
    URL is incomplete, whatever `findings` holds."""

    url: str
    site: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    requests: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "url": self.url,
            "findings": [finding.to_json() for finding in self.findings],
            "errors": list(self.errors),
        }

    @property
    def worst(self) -> Severity | None:
        return max((finding.severity for finding in self.findings), default=None)


class _Unreachable(Exception):
    """A request failed after every retry."""


class Scanner:
    """Audits URLs concurrently over one HTTP client.

    `site` is the public origin the targets are served as (used to derive the
    probes); by default each URL's own origin. `attacker` fixes the random
    names (tests); `on_request` is called after each request and `on_target`
    after each URL (progress).
    """

    def __init__(
        self,
        *,
        site: str | None = None,
        concurrency: int = 20,
        timeout: float = 10.0,
        retries: int = 2,
        attacker: AttackerNames | None = None,
        on_request: Callable[[], None] | None = None,
        on_target: Callable[[TargetReport], None] | None = None,
        transport: KeepAliveTransport | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if retries < 0:
            raise ValueError("retries must be 0 or more")
        self._site = Site.parse(site) if site is not None else None
        self._concurrency = concurrency
        self._timeout = timeout
        self._retries = retries
        self._attacker = attacker or AttackerNames.generate()
        # Deriving probes validates every origin and looks hosts up in the
        # public suffix list: done once per site, not once per URL.
        self._probes: dict[Site, tuple[list[Probe], list[Probe]]] = {}
        self._on_request = on_request
        self._on_target = on_target
        self._transport = transport

    @property
    def attacker(self) -> AttackerNames:
        return self._attacker

    def probes_for(self, site: Site) -> tuple[list[Probe], list[Probe]]:
        """The reflection probes and the other origin probes for `site`."""
        probes = self._probes.get(site)
        if probes is None:
            probes = self._probes[site] = (
                reflection_probes(site, self._attacker),
                derive_probes(site, self._attacker),
            )
        return probes

    async def scan(self, urls: Sequence[str]) -> list[TargetReport]:
        gate = asyncio.Semaphore(self._concurrency)
        target_gate = asyncio.Semaphore(self._concurrency)
        transport = self._transport or KeepAliveTransport(
            max_idle_hosts=max(MAX_IDLE_HOSTS, self._concurrency)
        )

        unfinished = len(urls)

        async def one(url: str) -> TargetReport:
            nonlocal unfinished
            async with target_gate:
                # Share the requests in flight among the URLs being audited:
                # one lane each while there are more URLs than requests, more
                # for the last ones and for a lone URL.
                lanes = self._concurrency // min(self._concurrency, unfinished)
                try:
                    report = await _TargetAudit(self, transport, gate, url, lanes).run()
                finally:
                    unfinished -= 1
            if self._on_target is not None:
                self._on_target(report)
            return report

        try:
            return list(await asyncio.gather(*(one(url) for url in urls)))
        finally:
            await transport.aclose()

    # -- one request, with retries -----------------------------------------------

    async def _send(
        self,
        transport: KeepAliveTransport,
        gate: asyncio.Semaphore,
        target: _Target,
        method: str,
        headers: tuple[tuple[str, str], ...],
    ) -> Exchange:
        payload = target.heads[method] + encode_header_lines(headers) + b"\r\n"
        last_error = ""
        for attempt in range(self._retries + 1):
            if attempt:
                await asyncio.sleep(min(0.1 * 2 ** (attempt - 1), 1.0))
            try:
                async with gate:
                    response = await transport.request(
                        target.endpoint,
                        payload,
                        head_only=method == "HEAD",
                        connect_timeout=self._timeout,
                        read_timeout=self._timeout,
                    )
            except TransportError as error:
                last_error = type(error).__name__ + (f": {error}" if str(error) else "")
                continue
            finally:
                if self._on_request is not None:
                    self._on_request()
            return Exchange(
                method=method,
                url=target.url,
                request_headers=target.headers + headers,
                status=response.status,
                response_headers=response.headers,
            )
        attempts = self._retries + 1
        origin = next((value for name, value in headers if name == "Origin"), None)
        what = f"{method} {target.url}" + (f" (Origin: {origin})" if origin else "")
        raise _Unreachable(
            f"{what}: {last_error} after {attempts} attempt{'s' if attempts > 1 else ''}"
        )


@dataclass(frozen=True, slots=True)
class _Target:
    """Where one URL's requests go, and what every one of them starts with:
    encoded once per URL, so a request only adds its own header lines."""

    url: str
    endpoint: Endpoint
    #: Host and `BASE_HEADERS`, as sent (and as the evidence shows them).
    headers: tuple[tuple[str, str], ...]
    #: Per method: the request line and `headers`, encoded.
    heads: dict[str, bytes]

    @classmethod
    def parse(cls, url: str) -> _Target:
        """Raises OriginSyntaxError or ValueError when `url` is not an
        http(s) URL with a host."""
        origin = Origin.parse(url)
        if origin.scheme not in _DEFAULT_PORTS:
            raise ValueError("only http and https URLs can be audited")
        port = origin.port if origin.port is not None else _DEFAULT_PORTS[origin.scheme]
        host = origin.host if origin.port is None else f"{origin.host}:{origin.port}"
        headers = (("Host", host), *BASE_HEADERS)
        target = request_target(url)
        lines = encode_header_lines(headers)
        heads = {
            method: f"{method} {target} HTTP/1.1\r\n".encode("ascii") + lines
            for method in ("GET", "OPTIONS")
        }
        return cls(url, (origin.scheme, origin.host, port), headers, heads)


@dataclass(frozen=True, slots=True)
class _Judged:
    """A probe's two exchanges and what the browser allows the origin."""

    probe: Probe
    actual: Exchange
    preflight: Exchange | None
    access: Access | None
    verdict: str


class _TargetAudit:
    """The audit of one URL (one instance per target)."""

    def __init__(
        self,
        scanner: Scanner,
        transport: KeepAliveTransport,
        gate: asyncio.Semaphore,
        url: str,
        lanes: int = 1,
    ) -> None:
        self.scanner = scanner
        self.transport = transport
        self.gate = gate
        self.url = url
        #: How many of this URL's probes may be in flight at once.
        self.lanes = max(1, lanes)
        self.target: _Target | None = None
        #: In the order the requests were issued; None while one is in flight
        #: (or when it failed).
        self._slots: list[Exchange | None] = []
        self.report = TargetReport(url=url, site="")

    @property
    def exchanges(self) -> list[Exchange]:
        return [exchange for exchange in self._slots if exchange is not None]

    def reserve(self) -> int:
        """A place in `exchanges` for a request about to be sent."""
        self._slots.append(None)
        return len(self._slots) - 1

    async def send(
        self, method: str, headers: tuple[tuple[str, str], ...], slot: int | None = None
    ) -> Exchange:
        assert self.target is not None
        self.report.requests += 1
        if slot is None:
            slot = self.reserve()
        exchange = await self.scanner._send(self.transport, self.gate, self.target, method, headers)
        self._slots[slot] = exchange
        return exchange

    async def run(self) -> TargetReport:
        try:
            site = self.scanner._site or Site.parse(self.url)
            self.target = _Target.parse(self.url)
        except OriginSyntaxError as error:
            self.report.errors.append(f"{self.url}: not an http(s) URL ({error})")
            return self.report
        except ValueError as error:
            self.report.errors.append(f"{self.url}: {error}")
            return self.report
        if site.scheme not in ("http", "https"):
            self.report.errors.append(f"{self.url}: only http and https URLs can be audited")
            return self.report
        self.report.site = site.serialize()
        try:
            await self._run(site)
        except _Unreachable as error:
            self.report.errors.append(str(error))
        return self.report

    async def _run(self, site: Site) -> None:
        attacker = self.scanner.attacker
        # The baseline fails fast: a dead host is one error, not fifty.
        await self.send("GET", (_COOKIE,))
        reflection, derived = self.scanner.probes_for(site)
        first, *rest = reflection
        control_request = ((_ORIGIN, site.serialize()), _COOKIE)
        if self.lanes > 1:
            control, arbitrary = await asyncio.gather(
                self.send("GET", control_request), self._probe(first)
            )
        else:
            control = await self.send("GET", control_request)
            arbitrary = await self._probe(first)
        judged = [arbitrary]
        if arbitrary.access in (Access.READ, Access.READ_WITH_CREDENTIALS):
            self.report.notes.append(
                f"{first.origin} is trusted, so any origin is: the other origin probes were skipped"
            )
        else:
            # When preflights already trust any origin, only the GETs can still
            # tell something (which origins may also read).
            with_preflight = arbitrary.access is None
            if not with_preflight:
                self.report.notes.append(
                    f"preflights trust {first.origin}, so any origin: "
                    "the other origin probes were sent as GETs only"
                )
            probes = rest + derived
            more = await self._in_lanes(
                [partial(self._probe, probe, with_preflight) for probe in probes]
            )
            judged.extend(more)
        for item in judged:
            self._report_trusted(item)
        trusted = [item for item in judged if item.access is not None]
        permissive_origin = trusted[0].probe.origin if trusted else site.serialize()
        await self._in_lanes(
            [
                partial(self._check_permissive_preflight, permissive_origin, PROBE_METHOD, []),
                partial(
                    self._check_permissive_preflight, permissive_origin, "POST", [PROBE_HEADER]
                ),
                partial(self._check_private_network, f"https://{attacker.domain}"),
            ]
        )
        self._check_wildcards()
        self._check_allow_origin_values()
        self._check_vary(control)

    async def _in_lanes(self, jobs: Sequence[Callable[[], Awaitable[_T]]]) -> list[_T]:
        """Run `jobs` in order, `lanes` at a time (a lane starts the next job
        when its last one is done: no task and no waiting per job). Failures
        are recorded as errors, in job order; the other results are kept.
        After `GIVE_UP_AFTER` failures the jobs not started yet are skipped
        (an error says so): a host that stopped answering costs a few
        timeouts, not one per probe."""
        done: dict[int, _T] = {}
        failures: dict[int, _Unreachable] = {}
        next_job = 0

        async def lane() -> None:
            nonlocal next_job
            while next_job < len(jobs) and len(failures) < GIVE_UP_AFTER:
                index = next_job
                next_job += 1
                try:
                    done[index] = await jobs[index]()
                except _Unreachable as error:
                    failures[index] = error

        lanes = min(self.lanes, len(jobs))
        if lanes == 1:
            await lane()
        else:
            await asyncio.gather(*(lane() for _ in range(lanes)))
        self.report.errors.extend(str(failures[index]) for index in sorted(failures))
        if next_job < len(jobs):
            self.report.errors.append(
                f"{self.url}: {len(jobs) - next_job} more probes not sent "
                f"after {len(failures)} failed"
            )
        return [done[index] for index in sorted(done)]

    # -- origin probes --------------------------------------------------------------

    async def _probe(self, probe: Probe, with_preflight: bool = True) -> _Judged:
        """The probe's GET, then its preflight on the same (kept-alive) connection."""
        origin = probe.origin
        get_slot = self.reserve()
        if not with_preflight:
            actual = await self.send("GET", ((_ORIGIN, origin), _COOKIE), get_slot)
            return _judge(probe, actual, None)
        preflight_slot = self.reserve()
        actual = await self.send("GET", ((_ORIGIN, origin), _COOKIE), get_slot)
        preflight = await self.send(
            "OPTIONS", ((_ORIGIN, origin), _ASK_POST, _ASK_CONTENT_TYPE), preflight_slot
        )
        return _judge(probe, actual, preflight)

    def _report_trusted(self, item: _Judged) -> None:
        if item.access is None:
            return
        probe = item.probe
        severity = severity_for(probe.reach, item.access)
        reads = item.access in (Access.READ, Access.READ_WITH_CREDENTIALS)
        self.report.findings.append(
            Finding(
                cls=CLASSES[probe.class_id],
                severity=severity,
                probe_origin=probe.origin,
                credentials=item.access
                in (Access.READ_WITH_CREDENTIALS, Access.SEND_WITH_CREDENTIALS),
                evidence=item.actual if reads or item.preflight is None else item.preflight,
                detail=f"{probe.what}: {probe.reach.value} can {item.access.value}. {item.verdict}",
            )
        )

    # -- preflight probes --------------------------------------------------------------

    async def _check_permissive_preflight(
        self, origin: str, method: str, header_names: list[str]
    ) -> None:
        headers: tuple[tuple[str, str], ...] = (
            (_ORIGIN, origin),
            ("Access-Control-Request-Method", method),
        )
        if header_names:
            headers += (("Access-Control-Request-Headers", ",".join(header_names)),)
        exchange = await self.send("OPTIONS", headers)
        asked = f"method {method}" if not header_names else f"header {', '.join(header_names)}"
        for credentials in (True, False):
            verdict = preflight_check(
                status=exchange.status,
                response_headers=exchange.response_headers,
                request_origin=origin,
                credentials=credentials,
                method=method,
                unsafe_header_names=header_names,
            )
            if verdict.ok:
                self.report.findings.append(
                    Finding(
                        cls=CLASSES["preflight-permissive"],
                        severity=Severity.LOW,
                        probe_origin=origin,
                        credentials=credentials,
                        evidence=exchange,
                        detail=f"a preflight asking for the made-up {asked} passes"
                        + (" with credentials" if credentials else " without credentials"),
                    )
                )
                return

    async def _check_private_network(self, origin: str) -> None:
        exchange = await self.send(
            "OPTIONS",
            (
                (_ORIGIN, origin),
                ("Access-Control-Request-Method", "GET"),
                ("Access-Control-Request-Private-Network", "true"),
            ),
        )
        granted = combined_value(exchange.response_headers, "access-control-allow-private-network")
        if granted != "true":
            return
        for credentials in (True, False):
            verdict = preflight_check(
                status=exchange.status,
                response_headers=exchange.response_headers,
                request_origin=origin,
                credentials=credentials,
                method="GET",
                unsafe_header_names=[],
            )
            if verdict.ok:
                self.report.findings.append(
                    Finding(
                        cls=CLASSES["private-network-allowed"],
                        severity=Severity.MEDIUM,
                        probe_origin=origin,
                        credentials=credentials,
                        evidence=exchange,
                        detail="a private network preflight from an arbitrary public origin passes",
                    )
                )
                return

    # -- analyses over every response ----------------------------------------------------

    def _origin_gets(self) -> list[Exchange]:
        return [
            exchange
            for exchange in self.exchanges
            if exchange.method == "GET" and exchange.request_value("Origin") is not None
        ]

    def _check_wildcards(self) -> None:
        for exchange in self._origin_gets():
            if combined_value(exchange.response_headers, "access-control-allow-origin") != "*":
                continue
            origin = exchange.request_value("Origin") or ""
            with_credentials = cors_check(
                request_origin=origin, credentials=True, response_headers=exchange.response_headers
            )
            if (
                combined_value(exchange.response_headers, "access-control-allow-credentials")
                == "true"
            ):
                self.report.findings.append(
                    Finding(
                        cls=CLASSES["wildcard-with-credentials"],
                        severity=Severity.LOW,
                        probe_origin=origin,
                        credentials=with_credentials.ok,
                        evidence=exchange,
                        detail=f"credentialed reads are blocked: {with_credentials.message}",
                    )
                )
            else:
                self.report.findings.append(
                    Finding(
                        cls=CLASSES["wildcard-origin"],
                        severity=Severity.INFO,
                        probe_origin=origin,
                        credentials=False,
                        evidence=exchange,
                        detail="any page can read this response without cookies",
                    )
                )
            return

    def _check_allow_origin_values(self) -> None:
        seen: set[str] = set()
        for exchange in self.exchanges:
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
            self.report.findings.append(
                Finding(
                    cls=CLASSES["invalid-acao"],
                    severity=Severity.LOW,
                    probe_origin=origin or None,
                    credentials=False,
                    evidence=exchange,
                    detail=f"no browser accepts it: {verdict.message}",
                )
            )

    def _check_vary(self, control: Exchange) -> None:
        gets = [exchange for exchange in self.exchanges if exchange.method == "GET"]
        answers = {
            combined_value(exchange.response_headers, "access-control-allow-origin")
            for exchange in gets
        }
        if len(answers) < 2:
            return  # the same answer whatever the Origin: nothing to vary on
        candidates = [control] + [exchange for exchange in gets if exchange is not control]
        for exchange in candidates:
            allow_origin = combined_value(exchange.response_headers, "access-control-allow-origin")
            if allow_origin in (None, "*") or _varies_on_origin(exchange):
                continue
            signal = _cache_signal(exchange)
            if signal is None:
                continue
            origin = exchange.request_value("Origin")
            self.report.findings.append(
                Finding(
                    cls=CLASSES["missing-vary-origin"],
                    severity=Severity.LOW,
                    probe_origin=origin,
                    credentials=False,
                    evidence=exchange,
                    detail=f"the answer depends on the Origin and may be cached ({signal}), "
                    "but Vary does not name Origin",
                )
            )
            return


def _judge(probe: Probe, actual: Exchange, preflight: Exchange | None) -> _Judged:
    """What the browser lets `probe.origin` do, from its GET and its preflight.
    A `*` answer is no trust in this origin in particular (the wildcard
    analysis reports it)."""
    origin = probe.origin
    if combined_value(actual.response_headers, "access-control-allow-origin") != "*":
        for credentials, access in ((True, Access.READ_WITH_CREDENTIALS), (False, Access.READ)):
            result = cors_check(
                request_origin=origin,
                credentials=credentials,
                response_headers=actual.response_headers,
            )
            if result.ok:
                return _Judged(probe, actual, preflight, access, _verdict_text(actual, origin))
    if (
        preflight is not None
        and combined_value(preflight.response_headers, "access-control-allow-origin") != "*"
    ):
        for credentials, access in (
            (True, Access.SEND_WITH_CREDENTIALS),
            (False, Access.SEND),
        ):
            verdict = preflight_check(
                status=preflight.status,
                response_headers=preflight.response_headers,
                request_origin=origin,
                credentials=credentials,
                method="POST",
                unsafe_header_names=[],
            )
            if verdict.ok:
                refused = cors_check(
                    request_origin=origin,
                    credentials=False,
                    response_headers=actual.response_headers,
                )
                return _Judged(
                    probe,
                    actual,
                    preflight,
                    access,
                    f"The preflight passes; the GET itself is blocked: {refused.message}",
                )
    return _Judged(probe, actual, preflight, None, "")


def _verdict_text(actual: Exchange, origin: str) -> str:
    credentialed = cors_check(
        request_origin=origin, credentials=True, response_headers=actual.response_headers
    )
    if credentialed.ok:
        return "The browser allows the read with credentials."
    return f"Only reads without credentials pass; with them: {credentialed.message}"


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


def audit(urls: Sequence[str], **options: object) -> list[TargetReport]:
    """Audit `urls` and return one report per URL (synchronous convenience;
    `options` are `Scanner`'s keyword arguments)."""
    scanner = Scanner(**options)  # type: ignore[arg-type]
    return asyncio.run(scanner.scan(urls))
