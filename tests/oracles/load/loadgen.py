"""A bounded load against one adapter, checked response by response.

`run(kind, seconds, max_requests, concurrency, seed)` starts `serve.py` in a
subprocess, sends a seeded random mix of requests with an async httpx client
(allowed and refused actual requests, allowed and refused preflights, and
malformed ones: repeated `Origin`, non-ASCII and oversized origins, invalid
preflight header lists, empty values), and checks every answer against the
reference server in tests/oracles/reference/cors.py: the status (204/403 for
preflights, the app's 200 otherwise) and the exact
`Access-Control-Allow-Origin` (a "wrong allow" is one the reference would not
send). Pattern-matched origins come from a space of a million subdomains, so
the engine's bounded decision caches are flooded. The server's resident
memory is sampled every half second. Stops at the deadline or the request
count, whichever comes first.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from apps import POLICY  # noqa: E402

from reference import cors as reference  # noqa: E402

Lines = list[tuple[bytes, bytes]]


@dataclass
class Result:
    kind: str
    server: str = ""
    requests: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    server_errors: int = 0
    wrong_allow: int = 0
    mismatches: int = 0
    transport_errors: int = 0
    seconds: float = 0.0
    rss_mb: list[float] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def memory_growth_mb(self) -> float:
        """Resident memory at the end minus after the first fifth (warm-up)."""
        if len(self.rss_mb) < 2:
            return 0.0
        start = self.rss_mb[len(self.rss_mb) // 5]
        return self.rss_mb[-1] - start

    @property
    def failures(self) -> int:
        return self.server_errors + self.wrong_allow + self.mismatches + self.transport_errors

    def summary(self) -> str:
        categories = ", ".join(f"{k} {v}" for k, v in sorted(self.by_category.items()))
        rss = self.rss_mb or [0.0]
        return (
            f"{self.kind} ({self.server}): {self.requests} requests in {self.seconds:.1f} s "
            f"({self.rate:.0f}/s) [{categories}]; 5xx {self.server_errors}, "
            f"wrong allow {self.wrong_allow}, other mismatches {self.mismatches}, "
            f"transport errors {self.transport_errors}; server RSS {rss[0]:.1f} -> "
            f"{max(rss):.1f} (max) -> {rss[-1]:.1f} MB, growth after warm-up "
            f"{self.memory_growth_mb:+.1f} MB"
        )


ALLOWED = [b"https://app.example.com"]
EVIL = [
    b"https://evil.example",
    b"https://app.example.com.evil.example",
    b"https://evilexample.org",
    b"https://example.org",
    b"http://app.example.com",
    b"https://APP.example.com",
    b"https://app.example.com/",
    b"https://app.example.com:443",
    b"null",
]
ACRH = [b"content-type", b"authorization,content-type", b"x-requested-with", b""]
BAD_ACRH = [b"x-secret", b"a b", b"x-\xc3\xa9", b"x," * 5000]


def make_request(rng: random.Random) -> tuple[str, str, Lines]:
    """(category, method, header lines) of one request."""
    roll = rng.random()
    if roll < 0.30:
        if rng.random() < 0.5:
            origin = rng.choice(ALLOWED)
        elif rng.random() < 0.5:
            origin = b"https://s%d.example.org" % rng.randrange(1_000_000)
        else:
            origin = b"http://localhost:%d" % rng.randrange(1024, 65536)
        return "allowed", rng.choice(["GET", "PUT", "DELETE"]), [(b"origin", origin)]
    if roll < 0.45:
        return "refused", "GET", [(b"origin", rng.choice(EVIL))]
    if roll < 0.60:
        lines = [
            (b"origin", rng.choice(ALLOWED)),
            (b"access-control-request-method", rng.choice([b"PUT", b"DELETE", b"GET"])),
            (b"access-control-request-headers", rng.choice(ACRH)),
        ]
        return "preflight", "OPTIONS", lines
    if roll < 0.72:
        lines = [
            (b"origin", rng.choice([*ALLOWED, *EVIL])),
            (b"access-control-request-method", rng.choice([b"PATCH", b"put", b"PUT"])),
            (b"access-control-request-headers", rng.choice(BAD_ACRH)),
        ]
        return "preflight-refused", "OPTIONS", lines
    if roll < 0.85:
        choice = rng.randrange(5)
        if choice == 0:
            lines = [(b"origin", ALLOWED[0]), (b"origin", ALLOWED[0])]
        elif choice == 1:
            lines = [(b"origin", b"https://\xc3\xa9.example.org")]
        elif choice == 2:
            lines = [(b"origin", b"https://" + b"a" * 5000 + b".example.org")]
        elif choice == 3:
            lines = [(b"origin", b"")]
        else:
            lines = [
                (b"origin", ALLOWED[0]),
                (b"access-control-request-method", b"PUT, GET"),
            ]
            return "malformed", "OPTIONS", lines
        return "malformed", rng.choice(["GET", "OPTIONS", "POST"]), lines
    return "no-origin", rng.choice(["GET", "POST"]), []


def check(result: Result, method: str, lines: Lines, response: httpx.Response) -> None:
    expected = reference.decide(POLICY, method, lines)
    status = expected.status or 200
    allow = response.headers.get_list("access-control-allow-origin")
    want = expected.header(b"access-control-allow-origin")
    if response.status_code >= 500:
        result.server_errors += 1
    if allow and [a.encode("latin-1") for a in allow] != [want]:
        result.wrong_allow += 1
    elif response.status_code != status or (want is not None and not allow):
        result.mismatches += 1
    else:
        return
    if len(result.examples) < 5:
        result.examples.append(f"{method} {lines!r:.200} -> {response.status_code} {allow}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def drive(
    result: Result,
    url: str,
    pid: int,
    seconds: float,
    max_requests: int,
    concurrency: int,
    seed: int,
) -> None:
    deadline = time.monotonic() + seconds
    issued = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(index: int, client: httpx.AsyncClient) -> None:
        nonlocal issued
        rng = random.Random(seed * 1000 + index)
        while time.monotonic() < deadline and issued < max_requests:
            issued += 1
            category, method, lines = make_request(rng)
            result.by_category[category] = result.by_category.get(category, 0) + 1
            try:
                response = await client.request(method, url, headers=lines)
            except httpx.HTTPError as error:
                result.transport_errors += 1
                if len(result.examples) < 5:
                    result.examples.append(f"{method} {lines!r:.200} -> {error!r}")
                continue
            result.requests += 1
            check(result, method, lines, response)

    async def sample() -> None:
        while time.monotonic() < deadline and issued < max_requests:
            result.rss_mb.append(rss_mb(pid))
            await asyncio.sleep(0.5)

    started = time.monotonic()
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        await asyncio.gather(sample(), *(worker(i, client) for i in range(concurrency)))
    result.seconds = time.monotonic() - started
    result.rss_mb.append(rss_mb(pid))


def run(
    kind: str, seconds: float, max_requests: int = 1_000_000, concurrency: int = 32, seed: int = 1
) -> Result:
    """Serve `kind` ("asgi" or "wsgi"), load it, stop it; the checked result."""
    seconds = min(seconds, 60.0)
    process = subprocess.Popen(
        [sys.executable, str(HERE / "serve.py"), kind],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().split()
        if len(line) < 4 or line[0] != "PORT":
            raise RuntimeError(f"the {kind} server did not start")
        result = Result(kind, server=line[3])
        url = f"http://127.0.0.1:{line[1]}/api"
        asyncio.run(drive(result, url, process.pid, seconds, max_requests, concurrency, seed))
        if process.poll() is not None:
            result.transport_errors += 1
            result.examples.append(f"the server exited with {process.returncode}")
        return result
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
