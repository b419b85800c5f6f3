"""The zoo's fixtures: one CORS misconfiguration each, and correct twins.

Each `Fixture` is served under `/<name>/` by the zoo server and emulates an
API published at the zoo's site origin (by default `https://www.example.com`;
the probes are derived from it with `crossorigin audit --site`). A fixture
states the finding classes the audit must report on it, derived by hand from
how it decides (the classes of the findings; `grouped`: the classes of the
other hits each finding holds in `also`, one misconfiguration seen through
several probes), and `twin_of` names the misconfigured fixtures it corrects
(a twin must produce no finding at all).

Three kinds of handlers:
- hand-written deciders (a predicate over the Origin, the way insecure code in
  the wild checks it: prefix, suffix, substring, unescaped regex dots...);
- real frameworks with insecure and secure settings (frameworks.py);
- crossorigin's own engine, the reference correct twin.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from crossorigin import Engine, Policy
from crossorigin.origin import Origin


@dataclass(frozen=True)
class ZooRequest:
    method: str
    path: str
    headers: list[tuple[str, str]]

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


@dataclass
class ZooResponse:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b'{"ok": true}'


Handler = Callable[[ZooRequest], ZooResponse]


@dataclass(frozen=True)
class Fixture:
    name: str
    description: str
    expected: frozenset[str]
    #: "handler" (a function here), or a framework name served by frameworks.py.
    kind: str = "handler"
    handler: Handler | None = None
    twin_of: tuple[str, ...] = ()
    #: Classes of the hits reported inside the findings' `also`: the same
    #: misconfiguration seen through other probes (one rule, one finding).
    grouped: frozenset[str] = frozenset()
    #: Text one of the report's notes must hold (answers nothing could be judged on).
    note: str | None = None


@dataclass(frozen=True)
class ZooSite:
    """The emulated public origin and its parts."""

    origin: str
    scheme: str
    host: str
    domain: str

    @classmethod
    def parse(cls, text: str) -> ZooSite:
        origin = Origin.parse(text)
        labels = origin.host.split(".")
        domain = ".".join(labels[-2:])
        return cls(origin.serialize(), origin.scheme, origin.host, domain)


def _json(status: int = 200) -> ZooResponse:
    return ZooResponse(status, [("Content-Type", "application/json")])


def deciding(
    allow: Callable[[str], bool],
    *,
    credentials: bool = True,
    vary: bool = True,
    cache_control: str | None = None,
    needs_cookie: bool = False,
    preflight_only: bool = False,
    reflect_preflight_requests: bool = False,
    private_network: bool = False,
) -> Handler:
    """A hand-written CORS decider: `allow(origin)` says whether to echo the
    origin. The rest of the behaviour is the ordinary, correct one."""

    def handle(request: ZooRequest) -> ZooResponse:
        origin = request.header("Origin")
        allowed = origin is not None and allow(origin)
        if needs_cookie and request.header("Cookie") is None:
            allowed = False
        request_method = request.header("Access-Control-Request-Method")
        if request.method == "OPTIONS" and origin is not None and request_method is not None:
            response = ZooResponse(204, [], b"")
            if allowed:
                response.headers.append(("Access-Control-Allow-Origin", origin))
                if credentials:
                    response.headers.append(("Access-Control-Allow-Credentials", "true"))
                methods = request_method if reflect_preflight_requests else "GET, POST"
                response.headers.append(("Access-Control-Allow-Methods", methods))
                asked = request.header("Access-Control-Request-Headers")
                names = asked if reflect_preflight_requests and asked else "content-type"
                response.headers.append(("Access-Control-Allow-Headers", names))
                if private_network and request.header("Access-Control-Request-Private-Network"):
                    response.headers.append(("Access-Control-Allow-Private-Network", "true"))
            if vary:
                response.headers.append(("Vary", "Origin"))
            return response
        response = _json()
        if allowed and not preflight_only:
            response.headers.append(("Access-Control-Allow-Origin", origin or ""))
            if credentials:
                response.headers.append(("Access-Control-Allow-Credentials", "true"))
        if vary:
            response.headers.append(("Vary", "Origin"))
        if cache_control:
            response.headers.append(("Cache-Control", cache_control))
        return response

    return handle


def static(
    allow_origin: str | list[str],
    *,
    credentials: bool = False,
    private_network: bool = False,
) -> Handler:
    """The same CORS headers on every response, whatever the Origin."""
    values = allow_origin if isinstance(allow_origin, list) else [allow_origin]

    def handle(request: ZooRequest) -> ZooResponse:
        is_preflight = request.method == "OPTIONS" and request.header(
            "Access-Control-Request-Method"
        )
        response = ZooResponse(204, [], b"") if is_preflight else _json()
        response.headers.extend(("Access-Control-Allow-Origin", value) for value in values)
        if credentials:
            response.headers.append(("Access-Control-Allow-Credentials", "true"))
        if is_preflight:
            response.headers.append(("Access-Control-Allow-Methods", "GET, POST"))
            response.headers.append(("Access-Control-Allow-Headers", "content-type"))
            if private_network and request.header("Access-Control-Request-Private-Network"):
                response.headers.append(("Access-Control-Allow-Private-Network", "true"))
        return response

    return handle


def redirecting(location: str) -> Handler:
    """A redirect without CORS headers: a browser stops at it."""

    def handle(request: ZooRequest) -> ZooResponse:
        return ZooResponse(302, [("Location", location)], b"")

    return handle


def erroring(normal: Handler, errors: Handler, path: str) -> Handler:
    """`normal` for GET and OPTIONS on `path` (and its query strings);
    `errors` for any other path or method, answering 404 and 405."""

    def handle(request: ZooRequest) -> ZooResponse:
        own_path = request.path.split("?", 1)[0] == path
        if own_path and request.method in ("GET", "HEAD", "OPTIONS"):
            return normal(request)
        response = errors(request)
        response.status = 404 if not own_path else 405
        response.body = b'{"error": "Traceback (most recent call last): ..."}'
        return response

    return handle


def caching(upstream: Handler, *, honour_vary: bool) -> Handler:
    """A shared cache in front of `upstream`, as a CDN: GET answers with
    `Cache-Control: public` stored by path and query (and, when
    `honour_vary`, by the request's values of the headers `Vary` names); a
    stored answer is served with `Age` and `X-Cache: HIT`."""
    #: (path, Vary names, their values in the request stored) -> (when, answer)
    stored: dict[tuple[str, tuple[str, ...], tuple[str, ...]], tuple[float, ZooResponse]] = {}
    lock = threading.Lock()

    def handle(request: ZooRequest) -> ZooResponse:
        if request.method != "GET":
            return upstream(request)
        with lock:
            for (path, names, values), (when, response) in stored.items():
                if path == request.path and values == tuple(
                    request.header(name) or "" for name in names
                ):
                    age = max(1, int(time.monotonic() - when))
                    headers = [*response.headers, ("Age", str(age)), ("X-Cache", "HIT")]
                    return ZooResponse(response.status, headers, response.body)
        response = upstream(request)
        if any(
            name.lower() == "cache-control" and "public" in value
            for name, value in response.headers
        ):
            names: tuple[str, ...] = ()
            if honour_vary:
                names = tuple(
                    item.strip()
                    for name, value in response.headers
                    if name.lower() == "vary"
                    for item in value.split(",")
                )
            values = tuple(request.header(name) or "" for name in names)
            with lock:
                stored[(request.path, names, values)] = (time.monotonic(), response)
        return ZooResponse(response.status, [*response.headers, ("X-Cache", "MISS")], response.body)

    return handle


def switching_protocols(request: ZooRequest) -> ZooResponse:
    """101 to every request, asked for an upgrade or not."""
    return ZooResponse(101, [("Upgrade", "websocket"), ("Connection", "Upgrade")], b"")


def engine_handler(policy: Policy, *, cache_control: str | None = None) -> Handler:
    """crossorigin's engine deciding, as the adapters would use it."""
    engine = Engine(policy)

    def handle(request: ZooRequest) -> ZooResponse:
        decision = engine.decide(request.method, request.headers)
        headers = [
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in decision.headers
        ]
        if decision.respond_directly:
            assert decision.status is not None
            return ZooResponse(decision.status, headers, b"")
        response = _json()
        response.headers.extend(headers)
        if cache_control:
            response.headers.append(("Cache-Control", cache_control))
        return response

    return handle


def _regex(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda origin: compiled.fullmatch(origin) is not None


def build_fixtures(site_text: str) -> dict[str, Fixture]:
    """Every fixture for the emulated site `site_text`."""
    site = ZooSite.parse(site_text)
    s, host, domain = site.scheme, site.host, site.domain
    own = site.origin
    https = s == "https"
    insecure = {"dangerously_allow_insecure_origins": True} if not https else {}
    first_dot = host.index(".")
    unescaped = re.escape(host[:first_dot]) + "." + re.escape(host[first_dot + 1 :])
    public = "public, max-age=600"
    name = domain.split(".")[0]

    fixtures = [
        Fixture(
            "reflect-any",
            "echoes every Origin, with credentials",
            frozenset({"origin-reflected"}),
            handler=deciding(lambda origin: True),
        ),
        Fixture(
            "reflect-any-anonymous",
            "echoes every Origin, without credentials",
            frozenset({"origin-reflected"}),
            handler=deciding(lambda origin: True, credentials=False),
        ),
        Fixture(
            "reflect-with-cookie",
            "echoes every Origin, but only when a Cookie header came (Starlette before 1.0)",
            frozenset({"origin-reflected"}),
            handler=deciding(lambda origin: True, needs_cookie=True),
        ),
        Fixture(
            "reflect-preflight-only",
            "the preflight echoes every Origin with credentials; the GET has no CORS headers",
            frozenset({"origin-reflected"}),
            handler=deciding(lambda origin: True, preflight_only=True),
        ),
        Fixture(
            "null",
            "trusts the site and `null`",
            frozenset({"null-trusted"}),
            handler=deciding(lambda origin: origin in (own, "null")),
        ),
        Fixture(
            "prefix",
            "origin.startswith(site)",
            frozenset({"prefix-match"}),
            handler=deciding(lambda origin: origin.startswith(own)),
            grouped=frozenset({"special-char-bypass"}),
        ),
        Fixture(
            "suffix",
            "an https origin that endswith(domain): no unescaped-dot claimed for wwwxexample.com",
            frozenset({"suffix-match"}),
            handler=deciding(
                lambda origin: origin.startswith(f"{s}://") and origin.endswith(domain)
            ),
            grouped=frozenset({"unescaped-dot", "subdomain-trusted"}),
        ),
        Fixture(
            "substring-contains",
            "an https origin that contains the domain: one finding for every hit it causes",
            frozenset({"substring-match"}),
            handler=deciding(lambda origin: origin.startswith(f"{s}://") and domain in origin),
            grouped=frozenset(
                {
                    "prefix-match",
                    "suffix-match",
                    "unescaped-dot",
                    "subdomain-trusted",
                    "special-char-bypass",
                }
            ),
        ),
        Fixture(
            "app-unescaped-dot",
            "the site and a regex for app.<domain> whose first dot is not escaped",
            frozenset({"unescaped-dot"}),
            handler=deciding(_regex(f"{re.escape(own)}|{re.escape(s)}://app.{re.escape(domain)}")),
        ),
        Fixture(
            "vercel-previews",
            "the site and any preview deployment named <name>-*.vercel.app",
            frozenset({"third-party-trusted"}),
            handler=deciding(
                _regex(f"{re.escape(own)}|https://{re.escape(name)}-[a-z0-9-]+\\.vercel\\.app")
            ),
        ),
        Fixture(
            "github-pages",
            "the site and its name's GitHub Pages origin",
            frozenset({"third-party-trusted"}),
            handler=deciding(lambda origin: origin in (own, f"https://{name}.github.io")),
        ),
        Fixture(
            "dev-port",
            "the site and a Vite dev server (http://localhost:5173)",
            frozenset({"localhost-trusted"}),
            handler=deciding(lambda origin: origin in (own, "http://localhost:5173")),
        ),
        Fixture(
            "substring",
            "origin in 'site api-site' (a substring test over the allow-list)",
            frozenset({"substring-match"}),
            handler=deciding(lambda origin: origin in f"{own} {s}://api.{domain}"),
        ),
        Fixture(
            "unescaped-dot",
            "a regex whose first dot is not escaped",
            frozenset({"unescaped-dot"}),
            handler=deciding(_regex(re.escape(s) + "://" + unescaped)),
        ),
        Fixture(
            "subdomains",
            "every subdomain of the site's domain, with credentials",
            frozenset({"subdomain-trusted"}),
            handler=deciding(_regex(re.escape(s) + r"://([a-z0-9-]+\.)*" + re.escape(domain))),
        ),
        Fixture(
            "http-trusted",
            "trusts the site over https and over http",
            frozenset({"insecure-scheme-trusted"}) if https else frozenset(),
            handler=deciding(lambda origin: origin in (own, f"http://{host}")),
        ),
        Fixture(
            "special-char",
            "the site followed by anything but a domain character (meant for ports)",
            frozenset({"special-char-bypass"}),
            handler=deciding(_regex(re.escape(own) + r"([^.\-a-z0-9].*)?")),
        ),
        Fixture(
            "third-party",
            "the site and any *.github.io page",
            frozenset({"third-party-trusted"}),
            handler=deciding(
                lambda origin: (
                    origin == own
                    or re.fullmatch(r"https://[a-z0-9-]+\.github\.io", origin) is not None
                )
            ),
        ),
        Fixture(
            "localhost",
            "the site and any localhost or 127.0.0.1 port",
            frozenset({"localhost-trusted"}),
            handler=deciding(
                lambda origin: (
                    origin == own
                    or re.fullmatch(r"http://(localhost|127\.0\.0\.1)(:\d+)?", origin) is not None
                )
            ),
        ),
        Fixture(
            "wildcard",
            "Access-Control-Allow-Origin: *",
            frozenset({"wildcard-origin"}),
            handler=static("*"),
        ),
        Fixture(
            "wildcard-credentials",
            "`*` and Access-Control-Allow-Credentials: true",
            frozenset({"wildcard-with-credentials"}),
            handler=static("*", credentials=True),
        ),
        Fixture(
            "invalid-acao-slash",
            "the site's origin with a trailing slash",
            frozenset({"invalid-acao"}),
            handler=static(own + "/"),
        ),
        Fixture(
            "invalid-acao-list",
            "two origins in one Access-Control-Allow-Origin",
            frozenset({"invalid-acao"}),
            handler=static(f"{own}, {s}://api.{domain}"),
        ),
        Fixture(
            "invalid-acao-repeated",
            "two Access-Control-Allow-Origin lines",
            frozenset({"invalid-acao"}),
            handler=static([own, f"{s}://api.{domain}"]),
        ),
        Fixture(
            "missing-vary",
            "echoes the site's origin only, publicly cacheable, no Vary",
            frozenset({"missing-vary-origin"}),
            handler=deciding(lambda origin: origin == own, vary=False, cache_control=public),
        ),
        Fixture(
            "private-network",
            "`*`, and private network access to whoever asks",
            frozenset({"wildcard-origin", "private-network-allowed"}),
            handler=static("*", private_network=True),
        ),
        Fixture(
            "preflight-permissive",
            "the site only, but its preflights echo any method and header",
            frozenset({"preflight-permissive"}),
            handler=deciding(lambda origin: origin == own, reflect_preflight_requests=True),
        ),
        Fixture(
            "redirect-to-reflector",
            "a redirect (no CORS headers) to a reflecting endpoint: blocked at the redirect",
            frozenset(),
            handler=redirecting("/reflect-any/"),
            twin_of=("reflect-any",),
            note="every answer was a redirect (302 to /reflect-any/)",
        ),
        # -- real frameworks ------------------------------------------------------------
        Fixture(
            "flask-cors-credentials",
            "flask-cors defaults (origins='*') with supports_credentials=True",
            frozenset({"origin-reflected", "preflight-permissive"}),
            kind="flask-cors-credentials",
        ),
        Fixture(
            "flask-cors-allowlist",
            "flask-cors with the site only and explicit headers",
            frozenset(),
            kind="flask-cors-allowlist",
            twin_of=("flask-cors-credentials",),
        ),
        Fixture(
            "django-regex-no-dollar",
            r"django-cors-headers CORS_ALLOWED_ORIGIN_REGEXES without `$` (re.match)",
            frozenset({"prefix-match", "subdomain-trusted"}),
            kind="django-regex-no-dollar",
            grouped=frozenset({"special-char-bypass"}),
        ),
        Fixture(
            "django-regex-anchored",
            "django-cors-headers with an anchored regex over two named hosts",
            frozenset(),
            kind="django-regex-anchored",
            twin_of=("django-regex-no-dollar",),
        ),
        Fixture(
            "starlette-wildcard-credentials",
            "Starlette CORSMiddleware(allow_origins=['*'], allow_credentials=True)",
            frozenset({"origin-reflected"}),
            kind="starlette-wildcard-credentials",
        ),
        Fixture(
            "starlette-allowlist",
            "Starlette CORSMiddleware with the site only",
            frozenset(),
            kind="starlette-allowlist",
            twin_of=("starlette-wildcard-credentials",),
        ),
        # -- crossorigin's engine: the correct twins -------------------------------------
        Fixture(
            "engine-allowlist",
            "crossorigin: the site only, with credentials",
            frozenset(),
            handler=engine_handler(
                Policy(
                    origins=[own], credentials=True, request_headers=["content-type"], **insecure
                )
            ),
            twin_of=(
                "reflect-any",
                "reflect-any-anonymous",
                "reflect-with-cookie",
                "reflect-preflight-only",
                "null",
                "prefix",
                "suffix",
                "substring",
                "unescaped-dot",
                "subdomains",
                "http-trusted",
                "special-char",
                "third-party",
                "localhost",
                "substring-contains",
                "github-pages",
                "dev-port",
                "wildcard",
                "wildcard-credentials",
                "invalid-acao-slash",
                "invalid-acao-list",
                "invalid-acao-repeated",
                "preflight-permissive",
            ),
        ),
        Fixture(
            "error-reflect",
            "the site only, but error answers (404, 405) echo any Origin with credentials",
            frozenset({"origin-reflected"}),
            handler=erroring(
                deciding(lambda origin: origin == own),
                deciding(lambda origin: True),
                "/error-reflect/api",
            ),
        ),
        Fixture(
            "engine-errors",
            "crossorigin: the site only, on answers and on errors alike",
            frozenset(),
            handler=erroring(
                engine_handler(Policy(origins=[own], credentials=True, **insecure)),
                engine_handler(Policy(origins=[own], credentials=True, **insecure)),
                "/engine-errors/api",
            ),
            twin_of=("error-reflect",),
        ),
        Fixture(
            "cdn-no-vary",
            "a CDN that keys on the URL alone before a server echoing the site without Vary",
            frozenset({"missing-vary-origin"}),
            handler=caching(
                deciding(lambda origin: origin == own, vary=False, cache_control=public),
                honour_vary=True,
            ),
        ),
        Fixture(
            "cdn-vary",
            "the same CDN before crossorigin's engine (Vary: Origin): each origin its own entry",
            frozenset(),
            handler=caching(
                engine_handler(Policy(origins=[own], **insecure), cache_control=public),
                honour_vary=True,
            ),
            twin_of=("cdn-no-vary",),
        ),
        Fixture(
            "switching-protocols",
            "101 Switching Protocols to every request: nothing to judge, and a note says so",
            frozenset(),
            handler=switching_protocols,
            note="101 Switching Protocols",
        ),
        Fixture(
            "engine-named-allowlist",
            "crossorigin: the site, app.<domain> and <name>.vercel.app exactly, with credentials",
            frozenset(),
            handler=engine_handler(
                Policy(
                    origins=[own, f"{s}://app.{domain}", f"https://{name}.vercel.app"],
                    credentials=True,
                    **insecure,
                )
            ),
            twin_of=("app-unescaped-dot", "vercel-previews"),
        ),
        Fixture(
            "engine-cacheable",
            "crossorigin: the site only, publicly cacheable (the engine adds Vary: Origin)",
            frozenset(),
            handler=engine_handler(Policy(origins=[own], **insecure), cache_control=public),
            twin_of=("missing-vary",),
        ),
        Fixture(
            "engine-private-network",
            "crossorigin: the site only, private network access for it",
            frozenset(),
            handler=engine_handler(Policy(origins=[own], private_network=True, **insecure)),
            twin_of=("private-network",),
        ),
    ]
    return {fixture.name: fixture for fixture in fixtures}
