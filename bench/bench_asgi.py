"""In-process ASGI overhead: crossorigin vs Starlette's CORSMiddleware vs no-op floors.

Method: each request is
`app(scope, receive, send).send(None)` until StopIteration, with no event loop;
every cell is calibrated to about 25 ms per sample; rounds run every cell once
in a freshly shuffled order; GC is off during a sample. Overheads are the
median of per-round differences against the bare app (and against the no-op
send-wrapping middleware, the floor for any middleware that adds headers).

Kinds f and g: an Origin matched by a subdomain pattern, and one allowed by
the policy's resolver (variant "crossorigin + resolver", its answer already
kept: the warm path). The resolver's cold path needs an event loop, so it is
measured apart, after the table (`cold_path`).

Run: `make bench` (or `python bench/bench_asgi.py --rounds 25`). Before/after
a change, in one run: `python bench/bench_asgi.py --baseline main` adds the
package as it is at that git revision (imported as `crossorigin_baseline`) as
one more variant, interleaved with the others.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from functools import partial
from typing import Any

from starlette.middleware.cors import CORSMiddleware as StarletteCORS

import baseline
from crossorigin import Policy
from crossorigin.asgi import CORSMiddleware
from crossorigin.observe import Counters
from timing import interleaved, paired_difference

ORIGINS = [f"https://{letter}.example" for letter in "abcdefghijk"]
PATTERNS = [*ORIGINS, "https://*.tenants.example"]
METHODS = ["GET", "POST", "PUT", "DELETE"]
HEADERS = ["content-type", "authorization"]

BASE = [(b"host", b"api.example"), (b"user-agent", b"bench/1.0"), (b"accept", b"*/*")]
CHROME_LIKE = [
    (b"sec-ch-ua", b'"Chromium";v="156", "Not-A.Brand";v="24"'),
    (b"sec-ch-ua-mobile", b"?0"),
    (b"sec-ch-ua-platform", b'"Linux"'),
    (b"authorization", b"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc"),
    (b"cookie", b"session=" + b"x" * 92),
    (b"sec-fetch-site", b"cross-site"),
    (b"sec-fetch-mode", b"cors"),
    (b"sec-fetch-dest", b"empty"),
    (b"referer", b"https://a.example/page"),
    (b"accept-encoding", b"gzip, deflate, br"),
    (b"origin", b"https://a.example"),
    (b"accept-language", b"en-US,en;q=0.9"),
    (b"x-forwarded-for", b"10.0.0.1"),
    (b"x-forwarded-proto", b"https"),
    (b"x-request-id", b"0123456789abcdef"),
    (b"cache-control", b"no-cache"),
    (b"pragma", b"no-cache"),
    (b"priority", b"u=1, i"),
    (b"dnt", b"1"),
    (b"connection", b"keep-alive"),
]


def scope(method: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": "/items",
        "raw_path": b"/items",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }


KINDS = {
    "a no Origin": scope("GET", BASE),
    "b allowed": scope("GET", [*BASE, (b"origin", b"https://a.example")]),
    "c refused": scope("GET", [*BASE, (b"origin", b"https://evil.example.net")]),
    "d preflight": scope(
        "OPTIONS",
        [
            *BASE,
            (b"origin", b"https://a.example"),
            (b"access-control-request-method", b"PUT"),
            (b"access-control-request-headers", b"content-type,authorization"),
        ],
    ),
    "e allowed + 20 hdrs": scope("GET", [*BASE[:2], *CHROME_LIKE]),
    "f pattern": scope("GET", [*BASE, (b"origin", b"https://x.tenants.example")]),
    "g resolved": scope("GET", [*BASE, (b"origin", b"https://r.resolved.example")]),
}


def resolve_everyone(origin: str, request: Any) -> bool:
    return origin.endswith(".resolved.example")


async def resolve_everyone_async(origin: str, request: Any) -> bool:
    return origin.endswith(".resolved.example")


#: The policy every crossorigin variant serves (bench_e2e's is the same
#: without the pattern).
POLICY = {
    "origins": PATTERNS,
    "methods": METHODS,
    "request_headers": HEADERS,
    "credentials": True,
    "max_age": 600,
}


def crossorigin_app(**extra: Any) -> CORSMiddleware:
    return CORSMiddleware(bare_app, policy=Policy(**POLICY, **extra))


async def bare_app(scope: Any, receive: Any, send: Any) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": b"ok"})


class NoOp:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


class NoOpSendWrap:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def wrapped(message: Any) -> None:
            await send(message)

        await self.app(scope, receive, wrapped)


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message: Any) -> None:
    return None


VARIANTS: dict[str, Any] = {
    "bare app": bare_app,
    "no-op middleware": NoOp(bare_app),
    "no-op + send wrap (floor)": NoOpSendWrap(bare_app),
    "starlette CORSMiddleware": StarletteCORS(
        bare_app,
        allow_origins=ORIGINS,
        allow_methods=METHODS,
        allow_headers=HEADERS,
        allow_credentials=True,
        max_age=600,
    ),
}
# The cost of watching (crossorigin.observe): a metrics hook alone, and a
# report-only policy beside it (whose changed verdicts are logged, rate-limited:
# the lines are dropped here). Without either the middleware is the one above.
logging.getLogger("crossorigin").addHandler(logging.NullHandler())
logging.getLogger("crossorigin").propagate = False
VARIANTS["crossorigin"] = crossorigin_app()
_POLICY = VARIANTS["crossorigin"]._config.table.default.policy
VARIANTS["crossorigin + metrics"] = CORSMiddleware(bare_app, policy=_POLICY, metrics=Counters())
VARIANTS["crossorigin + metrics + report_only"] = CORSMiddleware(
    bare_app,
    policy=_POLICY,
    metrics=Counters(),
    report_only=Policy(origins=ORIGINS[:5], methods=METHODS, request_headers=HEADERS),
)


def warm(app: Any) -> Any:
    """The app after one request from the resolved origin, in an event loop."""
    asyncio.run(app(dict(KINDS["g resolved"]), receive, send))
    return app


def baseline_variant(revision: str) -> Any:
    """crossorigin's middleware as it is at a git revision, imported under
    another name so that both versions run in one process."""
    sys.path.insert(0, str(baseline.extract(revision)))
    return baseline.middleware(bare_app, POLICY)


def run_once(app: Any, request_scope: dict[str, Any]) -> None:
    coroutine = app(dict(request_scope), receive, send)
    try:
        coroutine.send(None)
    except StopIteration:
        return
    raise RuntimeError("the application suspended; the harness needs one-step apps")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--baseline", metavar="REVISION", help="also run crossorigin as it is at this git revision"
    )
    arguments = parser.parse_args(argv)
    variants = dict(VARIANTS)
    variants["crossorigin + resolver"] = warm(
        crossorigin_app(resolver=resolve_everyone, resolver_ttl=86400, resolver_refusal_ttl=86400)
    )
    if arguments.baseline:
        variants[f"crossorigin at {arguments.baseline}"] = baseline_variant(arguments.baseline)

    cells = {
        (variant, kind): partial(run_once, app, request_scope)
        for variant, app in variants.items()
        for kind, request_scope in KINDS.items()
    }
    results = interleaved(cells, arguments.rounds)

    def over(variant: str, baseline: str, kind: str) -> float:
        return paired_difference(results[(variant, kind)], results[(baseline, kind)])

    kinds = list(KINDS)
    print(
        f"ASGI in process, {arguments.rounds} interleaved rounds, Python {sys.version.split()[0]}"
    )
    print()
    print("median ns per request")
    print("| variant | " + " | ".join(kinds) + " |")
    print("|---|" + "---|" * len(kinds))
    for variant in variants:
        row = [f"{statistics.median(results[(variant, k)]):.0f}" for k in kinds]
        print(f"| {variant} | " + " | ".join(row) + " |")
    print()
    floor = "no-op + send wrap (floor)"
    print("overhead in ns (paired medians): over bare app / over the send-wrap floor")
    print("| variant | " + " | ".join(kinds) + " |")
    print("|---|" + "---|" * len(kinds))
    for variant in list(variants)[1:]:
        row = [
            f"+{over(variant, 'bare app', k):.0f} / +{over(variant, floor, k):.0f}" for k in kinds
        ]
        print(f"| {variant} | " + " | ".join(row) + " |")
    print()
    ratios = []
    for kind in kinds:
        ours = over("crossorigin", floor, kind)
        theirs = over("starlette CORSMiddleware", floor, kind)
        ratios.append(f"{theirs / ours:.1f}x" if ours > 0 else "n/a (below floor)")
    print(
        "Starlette's overhead over ours (both over the floor): "
        + ", ".join(f"{kind}: {ratio}" for kind, ratio in zip(kinds, ratios, strict=True))
    )
    static = statistics.median(results[("crossorigin", "b allowed")])
    resolved = statistics.median(results[("crossorigin + resolver", "g resolved")])
    print(
        f"Resolver, warm (kind g) over the static path (kind b), whole request: "
        f"{resolved / static:.2f}x (the issue's bound: 2x)"
    )
    print()
    cold_path()
    return 0


def cold_path(requests: int = 2000) -> None:
    """Microseconds per request in a running event loop: the static path, the
    resolver's warm path, and its cold path (nothing kept: resolver_ttl=0)
    with a coroutine resolver and with a sync one (a trip to the pool)."""
    apps = {
        "static origin": (crossorigin_app(), "b allowed"),
        "resolver, warm": (
            warm(crossorigin_app(resolver=resolve_everyone, resolver_ttl=86400)),
            "g resolved",
        ),
        "resolver, cold, async": (
            crossorigin_app(resolver=resolve_everyone_async, resolver_ttl=0),
            "g resolved",
        ),
        "resolver, cold, sync (pool)": (
            crossorigin_app(resolver=resolve_everyone, resolver_ttl=0),
            "g resolved",
        ),
    }

    async def measure(app: Any, kind: str) -> float:
        request_scope = KINDS[kind]
        for _ in range(50):
            await app(dict(request_scope), receive, send)
        start = time.perf_counter()
        for _ in range(requests):
            await app(dict(request_scope), receive, send)
        return (time.perf_counter() - start) / requests * 1e6

    print(f"in an event loop, {requests} sequential requests each, us per request:")
    for name, (app, kind) in apps.items():
        print(f"  {name}: {asyncio.run(measure(app, kind)):.1f}")


if __name__ == "__main__":
    sys.exit(main())
