"""The audit's scheduling and I/O: which requests go out for a URL, when, and over what.

Theory of operation, per target URL:

1. Controls: a GET without `Origin` and a GET from the site's own origin (to
   see whether the answer depends on the origin at all), then the arbitrary
   attacker origin over https, as a GET and as a preflight.
2. When the arbitrary origin is trusted, any origin is: the other origin
   probes are skipped. Otherwise every probe from `probes.derive_probes` is
   sent, each as a GET (with a dummy cookie, so cookie-dependent reflection
   shows) and as a preflight (never with cookies, as browsers send them).
3. Preflight probes: a made-up method and a made-up header asked for by a
   trusted origin; private network access asked for by the attacker origin.
4. Analyses over every response of the URL (no request of their own), and
   notes when its answers could not be judged (redirects, a 101).
5. Error answers, unless any origin already reads the URL: the attacker
   origin's GET to a path that does not exist (404) and a made-up method on
   the URL (405/501).
6. When a cache shows in front of the URL (its headers, or an answer that
   names an origin and may be stored): the cache probe, five GETs on three
   cache keys of this run's own (`CACHE_BUSTER`), each primed and read in
   order, so no entry a real user gets is touched.

What each answer means is `judge.py`'s, never this module's: every exchange
goes there as it is, and the findings come back in a fixed order (origin
probes, preflight probes, analyses), whatever order the answers arrived in.
Redirects are never followed: the judge looks at the first response only.

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
from collections import OrderedDict, deque
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final, TypeVar

from crossorigin import __version__
from crossorigin.audit.findings import Exchange, Finding, Severity
from crossorigin.audit.http1 import encode_header_lines, request_target
from crossorigin.audit.judge import (
    PROBE_PREFLIGHT_METHOD,
    CacheProbe,
    Judgement,
    cache_findings,
    cache_probe_worth_sending,
    error_response_finding,
    group_findings,
    judge_probe,
    odd_answer_notes,
    permissive_preflight_finding,
    private_network_finding,
    response_findings,
    trust_finding,
)
from crossorigin.audit.pacing import Pacer
from crossorigin.audit.probes import (
    AttackerNames,
    Probe,
    Rule,
    Site,
    derive_probes,
    reflection_probes,
)
from crossorigin.audit.selection import shard_key
from crossorigin.audit.transport import (
    MAX_IDLE_HOSTS,
    Endpoint,
    KeepAliveTransport,
    Proxy,
    TransportError,
)
from crossorigin.fetch_tables import is_token
from crossorigin.origin import Origin, OriginSyntaxError

__all__ = ["DUMMY_COOKIE", "REDACTED", "Scanner", "TargetReport", "audit"]

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
_ASK_POST: Final = ("Access-Control-Request-Method", PROBE_PREFLIGHT_METHOD)
_ASK_CONTENT_TYPE: Final = ("Access-Control-Request-Headers", "content-type")
#: Failed probes (every retry spent) after which a URL's remaining probes
#: are not sent: the host stopped answering.
GIVE_UP_AFTER: Final = 3
#: A method and a header name no server allows on purpose.
PROBE_METHOD: Final = "CROSSORIGINPROBE"
PROBE_HEADER: Final = "x-crossorigin-probe"
#: The query parameter that gives the cache probe keys of its own: no cache
#: entry a real user gets is primed or read by it.
CACHE_BUSTER: Final = "crossorigin-cache-probe"
#: Sites whose derived probes are kept for the next URL of the same site.
PROBE_CACHE_SITES: Final = 1024

_T = TypeVar("_T")


@dataclass
class TargetReport:
    """Everything found on one URL. `errors` non-empty means the audit of this
    URL is incomplete, whatever `findings` holds."""

    url: str
    site: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: What a reader should know that is neither a finding nor an error:
    #: probes skipped and why, answers nothing could be judged on.
    notes: list[str] = field(default_factory=list)
    requests: int = 0
    #: The URL's place in the list audited (reports stream in completion order).
    index: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "url": self.url,
            "findings": [finding.to_json() for finding in self.findings],
            "errors": list(self.errors),
            "notes": list(self.notes),
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
    after each URL (progress); `resolve` is `KeepAliveTransport`'s.

    `headers` and `cookie` go with every GET (a logged-in user's requests;
    never with preflights, which browsers send without credentials); the
    evidence shows their values as `REDACTED` unless `show_secrets`. `rate`
    and `global_rate` are requests per second per registrable domain and
    overall (`pacing.Pacer`); `proxy` an `http://` proxy URL (`Proxy`).
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
        resolve: Mapping[tuple[str, int], str] | None = None,
        headers: Sequence[tuple[str, str]] = (),
        cookie: str | None = None,
        show_secrets: bool = False,
        rate: float | None = None,
        global_rate: float | None = None,
        proxy: str | None = None,
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
        # public suffix list: done once per site, not once per URL, for the
        # most recently used sites only (a list of 100,000 hosts must not
        # keep 100,000 probe lists).
        self._probes: OrderedDict[Site, list[Probe]] = OrderedDict()
        self._on_request = on_request
        self._on_target = on_target
        self._transport = transport
        self._resolve = resolve
        self._proxy = Proxy.parse(proxy) if proxy is not None else None
        self._pacer = Pacer(rate, global_rate)
        self._credentials, self._shown_credentials = _credential_headers(
            headers, cookie, show_secrets
        )

    @property
    def attacker(self) -> AttackerNames:
        return self._attacker

    def probes_for(self, site: Site) -> list[Probe]:
        """The origin probes for `site` after the reflection probes (derived
        only for a site whose arbitrary-origin probe was not trusted)."""
        probes = self._probes.get(site)
        if probes is None:
            probes = self._probes[site] = derive_probes(site, self._attacker)
            if len(self._probes) > PROBE_CACHE_SITES:
                self._probes.popitem(last=False)
        else:
            self._probes.move_to_end(site)
        return probes

    async def scan(self, urls: Iterable[str] | AsyncIterable[str]) -> list[TargetReport]:
        """Every report, in the order of `urls` (held until the last one is
        done: for long lists, `stream`)."""
        reports = [report async for report in self.stream(urls)]
        reports.sort(key=lambda report: report.index)
        return reports

    async def stream(self, urls: Iterable[str] | AsyncIterable[str]) -> AsyncIterator[TargetReport]:
        """One report per URL as soon as its audit is done (completion order;
        `TargetReport.index` is its place in `urls`).

        URLs are taken from `urls` only while fewer than `concurrency` targets
        are in flight or waiting, so memory stays flat however long the list
        is, and an async source (a pipe) is read as its lines arrive while
        the targets already read are audited.
        """
        gate = asyncio.Semaphore(self._concurrency)
        transport = self._transport or KeepAliveTransport(
            max_idle_hosts=max(MAX_IDLE_HOSTS, self._concurrency),
            resolve=self._resolve,
            proxy=self._proxy,
        )
        source = _as_async_iterator(urls)
        waiting: deque[tuple[int, str]] = deque()
        #: Each target in flight, with its place and URL.
        running: dict[asyncio.Task[TargetReport], tuple[int, str]] = {}
        fetch: asyncio.Task[str] | None = None
        exhausted = False
        taken = 0
        cap = self._concurrency

        def lanes() -> int:
            # Share the requests in flight among the URLs being audited: one
            # lane each while there are more URLs than requests, more for the
            # last ones and for a lone URL.
            known = len(running) + len(waiting) + (0 if exhausted else cap)
            return max(1, self._concurrency // max(1, min(cap, known)))

        try:
            while True:
                while waiting and len(running) < cap:
                    index, url = waiting.popleft()
                    audit_ = _TargetAudit(self, transport, gate, url, lanes, index)
                    running[asyncio.ensure_future(audit_.run())] = (index, url)
                if fetch is None and not exhausted and len(waiting) < cap:
                    fetch = asyncio.ensure_future(anext(source))
                if fetch is None and not running:
                    return
                watched: set[asyncio.Future[Any]] = set(running)
                if fetch is not None:
                    watched.add(fetch)
                done, _ = await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
                if fetch is not None and fetch in done:
                    try:
                        url = fetch.result()
                    except StopAsyncIteration:
                        exhausted = True
                    else:
                        waiting.append((taken, url))
                        taken += 1
                    fetch = None
                for task in done:
                    if task in running:
                        index, url = running.pop(task)
                        try:
                            report = task.result()
                        except Exception as error:  # a bug must not end a long run
                            report = TargetReport(url=url, site="", index=index)
                            report.errors.append(
                                f"{url}: internal error, please report it: {error!r}"
                            )
                        if self._on_target is not None:
                            self._on_target(report)
                        yield report
        finally:
            for task in running:
                task.cancel()
            if fetch is not None:
                fetch.cancel()
            await asyncio.gather(*running, *(fetch,) if fetch else (), return_exceptions=True)
            if self._transport is None:
                await transport.aclose()

    # -- one request, with retries -----------------------------------------------

    async def _send(
        self,
        transport: KeepAliveTransport,
        gate: asyncio.Semaphore,
        target: _Target,
        method: str,
        headers: tuple[tuple[str, str], ...],
        credentials: bool = False,
    ) -> Exchange:
        """Send one request (retried on transport errors). With
        `credentials`, the `--header`/`--cookie` headers go too (the dummy
        cookie without them), and the evidence shows them as redacted."""
        shown = headers
        if credentials:
            shown = headers + self._shown_credentials
            headers = headers + self._credentials
        payload = target.head(method) + encode_header_lines(headers) + b"\r\n"
        last_error = ""
        for attempt in range(self._retries + 1):
            if attempt:
                await asyncio.sleep(min(0.1 * 2 ** (attempt - 1), 1.0))
            await self._pacer.wait(target.domain)
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
                request_headers=target.headers + shown,
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
    #: The registrable domain (`selection.shard_key`): what `--rate` paces.
    domain: str
    #: Host and `BASE_HEADERS`, as sent (and as the evidence shows them).
    headers: tuple[tuple[str, str], ...]
    #: The request target (origin-form; absolute-form through an http proxy).
    request_target: str
    #: `headers` encoded, and what a proxy needs (`Proxy-Authorization`).
    lines: bytes
    #: Per method: the request line and `lines`, encoded on first use.
    heads: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def parse(cls, url: str, proxy: Proxy | None = None) -> _Target:
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
        if proxy is not None and origin.scheme == "http":
            # RFC 9112 §3.2.2: to a proxy, the absolute form; the proxy's own
            # credentials go to it alone (never into the evidence).
            target = f"http://{host}{target}"
            lines += proxy.header_lines()
        return cls(url, (origin.scheme, origin.host, port), shard_key(url), headers, target, lines)

    def head(self, method: str) -> bytes:
        head = self.heads.get(method)
        if head is None:
            head = self.heads[method] = (
                f"{method} {self.request_target} HTTP/1.1\r\n".encode("ascii") + self.lines
            )
        return head


#: What the evidence shows instead of a `--header` or `--cookie` value.
REDACTED: Final = "[redacted]"
#: Header names `--header` may not set: the audit's own (the probes set
#: `Origin`; a second `Host` or framing header would corrupt the request).
RESERVED_HEADERS: Final = frozenset(
    {
        "host",
        "origin",
        "content-length",
        "transfer-encoding",
        "connection",
        "access-control-request-method",
        "access-control-request-headers",
        "access-control-request-private-network",
    }
)


def _credential_headers(
    headers: Sequence[tuple[str, str]], cookie: str | None, show_secrets: bool
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """The headers every GET carries (the `--header`s, and `--cookie` or
    the dummy cookie), and the same as the evidence shows them."""
    sent: list[tuple[str, str]] = []
    cookies: list[str] = []
    for name, value in headers:
        if not is_token(name):
            raise ValueError(f"{name!r} is not a header name")
        if name.lower() in RESERVED_HEADERS:
            raise ValueError(f"{name} is set by the audit itself and cannot be given")
        if any(char in value for char in "\r\n\0"):
            raise ValueError(f"the value of {name} holds CR, LF or NUL")
        if name.lower() == "cookie":
            cookies.append(value)
        else:
            sent.append((name, value))
    if cookie is not None:
        if any(char in cookie for char in "\r\n\0"):
            raise ValueError("the cookie holds CR, LF or NUL")
        cookies.append(cookie)
    secret = bool(cookies) or bool(sent)
    sent.append(("Cookie", "; ".join(cookies)) if cookies else _COOKIE)
    if show_secrets or not secret:
        return tuple(sent), tuple(sent)
    shown = tuple((name, value if (name, value) == _COOKIE else REDACTED) for name, value in sent)
    return tuple(sent), shown


class _TargetAudit:
    """The audit of one URL (one instance per target)."""

    def __init__(
        self,
        scanner: Scanner,
        transport: KeepAliveTransport,
        gate: asyncio.Semaphore,
        url: str,
        lanes: Callable[[], int],
        index: int = 0,
    ) -> None:
        self.scanner = scanner
        self.transport = transport
        self.gate = gate
        self.url = url
        self._lanes = lanes
        self.target: _Target | None = None
        #: In the order the requests were issued; None while one is in flight
        #: (or when it failed).
        self._slots: list[Exchange | None] = []
        self.report = TargetReport(url=url, site="", index=index)
        #: Requests that failed after every retry, and jobs skipped since.
        self._failures = 0
        self._skipped = 0

    @property
    def lanes(self) -> int:
        """How many of this URL's probes may be in flight at once, asked
        anew at each step (the share grows as the list runs out)."""
        return self._lanes()

    @property
    def exchanges(self) -> list[Exchange]:
        return [exchange for exchange in self._slots if exchange is not None]

    def reserve(self) -> int:
        """A place in `exchanges` for a request about to be sent."""
        self._slots.append(None)
        return len(self._slots) - 1

    async def send(
        self,
        method: str,
        headers: tuple[tuple[str, str], ...],
        slot: int | None = None,
        *,
        credentials: bool = False,
        target: _Target | None = None,
    ) -> Exchange:
        """One request to this URL (or `target`, another URL of the same
        host), its exchange kept in `slot` of `exchanges`."""
        assert self.target is not None
        self.report.requests += 1
        if slot is None:
            slot = self.reserve()
        exchange = await self.scanner._send(
            self.transport, self.gate, target or self.target, method, headers, credentials
        )
        self._slots[slot] = exchange
        return exchange

    async def run(self) -> TargetReport:
        try:
            site = self.scanner._site or Site.parse(self.url)
            self.target = _Target.parse(self.url, self.scanner._proxy)
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
        if self._skipped:
            self.report.errors.append(
                f"{self.url}: {self._skipped} more probes not sent after {self._failures} failed"
            )
        return self.report

    async def _run(self, site: Site) -> None:
        attacker = self.scanner.attacker
        # The baseline fails fast: a dead host is one error, not fifty.
        await self.send("GET", (), credentials=True)
        first, *rest = reflection_probes(site, attacker)
        control_request = ((_ORIGIN, site.serialize()),)
        if self.lanes > 1:
            control, arbitrary = await asyncio.gather(
                self.send("GET", control_request, credentials=True), self._probe(first)
            )
        else:
            control = await self.send("GET", control_request, credentials=True)
            arbitrary = await self._probe(first)
        judged = [arbitrary]
        if arbitrary.reads:
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
            probes = rest + self.scanner.probes_for(site)
            more = await self._in_lanes(
                [partial(self._probe, probe, with_preflight) for probe in probes]
            )
            judged.extend(more)
        hits: list[tuple[Finding, Rule | None]] = []
        for item in judged:
            finding = trust_finding(item)
            if finding is not None:
                hits.append((finding, item.probe.rule))
        trusted = [item for item in judged if item.access is not None]
        permissive_origin = trusted[0].probe.origin if trusted else site.serialize()
        preflighted = await self._in_lanes(
            [
                partial(self._permissive_preflight, permissive_origin, PROBE_METHOD, []),
                partial(self._permissive_preflight, permissive_origin, "POST", [PROBE_HEADER]),
                partial(self._private_network, f"https://{attacker.domain}"),
            ]
        )
        hits.extend((finding, None) for finding in preflighted if finding is not None)
        own = self.exchanges
        hits.extend((finding, None) for finding in response_findings(own, control))
        self.report.notes.extend(odd_answer_notes(own))
        if not arbitrary.reads:
            # Error answers: a path that does not exist, a method nobody serves.
            assert self.target is not None
            missing = _Target.parse(_not_found_url(self.url, attacker.label), self.scanner._proxy)
            errors = await self._in_lanes(
                [
                    partial(self._error_probe, first, "GET", missing),
                    partial(self._error_probe, first, PROBE_METHOD, self.target),
                ]
            )
            hits.extend((finding, None) for finding in errors if finding is not None)
        if cache_probe_worth_sending(own):
            for found, notes in await self._in_lanes([partial(self._cache_probe, site)]):
                hits.extend((finding, None) for finding in found)
                self.report.notes.extend(notes)
        self.report.findings = group_findings(hits)

    async def _in_lanes(self, jobs: Sequence[Callable[[], Awaitable[_T]]]) -> list[_T]:
        """Run `jobs` in order, `lanes` at a time (a lane starts the next job
        when its last one is done: no task and no waiting per job). Failures
        are recorded as errors, in job order; the other results are kept.
        After `GIVE_UP_AFTER` failures on this URL (counted over every
        stage) the jobs not started yet are skipped (an error says so): a
        host that stopped answering costs a few timeouts, not one per probe."""
        done: dict[int, _T] = {}
        failures: dict[int, _Unreachable] = {}
        next_job = 0

        def given_up() -> bool:
            return self._failures + len(failures) >= GIVE_UP_AFTER

        async def lane() -> None:
            nonlocal next_job
            while next_job < len(jobs) and not given_up():
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
        self._failures += len(failures)
        self.report.errors.extend(str(failures[index]) for index in sorted(failures))
        if next_job < len(jobs):
            self._skipped += len(jobs) - next_job
        return [done[index] for index in sorted(done)]

    # -- origin probes --------------------------------------------------------------

    async def _probe(self, probe: Probe, with_preflight: bool = True) -> Judgement:
        """The probe's GET, then its preflight on the same (kept-alive) connection."""
        origin = probe.origin
        get_slot = self.reserve()
        if not with_preflight:
            actual = await self.send("GET", ((_ORIGIN, origin),), get_slot, credentials=True)
            return judge_probe(probe, actual, None)
        preflight_slot = self.reserve()
        actual = await self.send("GET", ((_ORIGIN, origin),), get_slot, credentials=True)
        preflight = await self.send(
            "OPTIONS", ((_ORIGIN, origin), _ASK_POST, _ASK_CONTENT_TYPE), preflight_slot
        )
        return judge_probe(probe, actual, preflight)

    # -- error answers and caches -------------------------------------------------------

    async def _error_probe(self, probe: Probe, method: str, target: _Target) -> Finding | None:
        exchange = await self.send(
            method, ((_ORIGIN, probe.origin),), credentials=True, target=target
        )
        return error_response_finding(probe, exchange)

    async def _cache_probe(self, site: Site) -> tuple[list[Finding], list[str]]:
        """Three fresh cache keys (a query parameter of this run's own),
        each primed and read in order: see judge.CacheProbe. Sent without
        cookies or `--header`s: shared caches commonly pass requests that
        carry a cookie straight through, and store anonymous answers."""
        label = f"{self.scanner.attacker.label}{self.report.index}"
        keys = [
            _Target.parse(_with_query(self.url, CACHE_BUSTER, f"{label}{key}"), self.scanner._proxy)
            for key in "abc"
        ]
        site_origin = ((_ORIGIN, site.serialize()),)
        attacker = ((_ORIGIN, f"https://{self.scanner.attacker.domain}"),)
        probe = CacheProbe(
            plain=await self.send("GET", (), target=keys[0]),
            site=await self.send("GET", site_origin, target=keys[0]),
            site_first=await self.send("GET", site_origin, target=keys[1]),
            attacker_after=await self.send("GET", attacker, target=keys[1]),
            attacker_first=await self.send("GET", attacker, target=keys[2]),
        )
        return cache_findings(probe)

    # -- preflight probes --------------------------------------------------------------

    async def _permissive_preflight(
        self, origin: str, method: str, header_names: list[str]
    ) -> Finding | None:
        headers: tuple[tuple[str, str], ...] = (
            (_ORIGIN, origin),
            ("Access-Control-Request-Method", method),
        )
        if header_names:
            headers += (("Access-Control-Request-Headers", ",".join(header_names)),)
        exchange = await self.send("OPTIONS", headers)
        return permissive_preflight_finding(exchange, origin, method, header_names)

    async def _private_network(self, origin: str) -> Finding | None:
        exchange = await self.send(
            "OPTIONS",
            (
                (_ORIGIN, origin),
                ("Access-Control-Request-Method", "GET"),
                ("Access-Control-Request-Private-Network", "true"),
            ),
        )
        return private_network_finding(exchange, origin)


async def _as_async_iterator(urls: Iterable[str] | AsyncIterable[str]) -> AsyncIterator[str]:
    if isinstance(urls, AsyncIterable):
        async for url in urls:
            yield url
    else:
        for url in urls:
            yield url


def _not_found_url(url: str, label: str) -> str:
    """`url`'s path and one more segment no server has, to force a 404."""
    base = url.partition("#")[0].partition("?")[0]
    return f"{base.rstrip('/')}/crossorigin-{label}-404"


def _with_query(url: str, name: str, value: str) -> str:
    base = url.partition("#")[0]
    return f"{base}{'&' if '?' in base else '?'}{name}={value}"


def audit(urls: Iterable[str], **options: object) -> list[TargetReport]:
    """Audit `urls` and return one report per URL (synchronous convenience;
    `options` are `Scanner`'s keyword arguments)."""
    scanner = Scanner(**options)  # type: ignore[arg-type]
    return asyncio.run(scanner.scan(urls))
