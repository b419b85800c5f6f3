"""The Django adapter with Django's own test client."""

from __future__ import annotations

import ast
import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import django
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import path

from crossorigin import ConfigError, Policy
from crossorigin.resolver import Grant, RequestInfo
from crossorigin.views import cors

PAGE = "http://localhost:3000"
EVIL = "https://evil.example"


def items(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return HttpResponse("view options", headers={"Allow": "GET, OPTIONS"})
    return JsonResponse({"count": 1}, headers={"Vary": "Cookie"})


def varies_on_everything(request: HttpRequest) -> HttpResponse:
    return HttpResponse("personal", headers={"Vary": "*"})


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the view failed")


def form(request: HttpRequest) -> HttpResponse:
    return HttpResponse("posted")


@cors(Policy(origins=["https://partner.example"], credentials=True))
def partner(request: HttpRequest, item: int) -> HttpResponse:
    return HttpResponse("partner")


urlpatterns = [
    path("partner/<int:item>", partner),
    path("items", items),
    path("boom", boom),
    path("form", form),
    path("star", varies_on_everything),
]

if not settings.configured:
    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=["crossorigin.django.CORSMiddleware"],
        CROSSORIGIN={"origins": [PAGE]},
        SECRET_KEY="tests-only",
        INSTALLED_APPS=[],
        LOGGING_CONFIG=None,
    )
    django.setup()

CONFIG: dict[str, Any] = {
    "origins": [PAGE],
    "methods": ["GET", "PUT"],
    "request_headers": ["Content-Type"],
    "credentials": True,
    "max_age": 600,
}


def client(config: dict[str, Any] | None = None) -> Client:
    with override_settings(CROSSORIGIN=config or CONFIG):
        test_client = Client(raise_request_exception=False)
        test_client.get("/items")  # builds the middleware chain under these settings
    return test_client


def test_actual_requests() -> None:
    c = client()
    allowed = c.get("/items", headers={"Origin": PAGE})
    assert allowed.json() == {"count": 1}
    assert allowed["Access-Control-Allow-Origin"] == PAGE
    assert allowed["Access-Control-Allow-Credentials"] == "true"
    assert allowed["Vary"] == "Cookie, Origin"  # merged into the view's Vary
    refused = c.get("/items", headers={"Origin": EVIL})
    assert not refused.has_header("Access-Control-Allow-Origin")
    assert refused["Vary"] == "Cookie, Origin"


def test_vary_star_stays_star() -> None:
    """`Vary: *` already covers Origin (RFC 9110 §12.5.5): merged, it stays `*`,
    as the proxy merges it (both use `crossorigin.edge.merge_vary`)."""
    c = client()
    assert c.get("/star", headers={"Origin": PAGE})["Vary"] == "*"
    assert c.get("/star")["Vary"] == "*"


def test_own_answers_carry_their_framing() -> None:
    c = client()
    refused = c.options("/items", headers={"Origin": EVIL, "Access-Control-Request-Method": "PUT"})
    assert refused.status_code == 403 and refused["Content-Length"] == "0"
    assert not refused.has_header("Content-Type")
    allowed = c.options("/items", headers={"Origin": PAGE, "Access-Control-Request-Method": "PUT"})
    assert allowed.status_code == 204 and not allowed.has_header("Content-Length")


def test_preflights() -> None:
    c = client()
    allowed = c.options(
        "/items",
        headers={
            "Origin": PAGE,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert allowed.status_code == 204 and allowed.content == b""
    assert allowed["Access-Control-Allow-Methods"] == "GET, PUT"
    assert not allowed.has_header("Content-Type")
    refused = c.options(
        "/items", headers={"Origin": PAGE, "Access-Control-Request-Method": "PATCH"}
    )
    assert refused.status_code == 403
    assert not refused.has_header("Access-Control-Allow-Origin")
    plain = c.options("/items", headers={"Origin": PAGE})
    assert plain.content == b"view options"
    assert plain["Access-Control-Allow-Origin"] == PAGE


def test_view_exception_500_carries_cors_headers() -> None:
    response = client().get("/boom", headers={"Origin": PAGE})
    assert response.status_code == 500
    assert response["Access-Control-Allow-Origin"] == PAGE


def test_unknown_url_404_carries_cors_headers() -> None:
    response = client().get("/nowhere", headers={"Origin": PAGE})
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == PAGE


def test_routes_strict_and_debug(caplog: pytest.LogCaptureFixture) -> None:
    c = client(
        {
            "routes": [("/form", {"origins": [PAGE]}), ("/items", CONFIG)],
            "strict": True,
            "debug": True,
        }
    )
    with caplog.at_level(logging.WARNING, logger="crossorigin"):
        refused = c.post("/form", headers={"Origin": EVIL})
    assert refused.status_code == 403
    assert "unsafe-method-from-refused-origin" in caplog.text
    assert c.post("/form", headers={"Origin": PAGE}).content == b"posted"
    same_origin = c.post("/form", headers={"Origin": "http://testserver"})
    assert same_origin.content == b"posted"
    unrouted = c.get("/boom", headers={"Origin": PAGE})
    assert not unrouted.has_header("Access-Control-Allow-Origin")


def test_invalid_settings_list_every_problem() -> None:
    with pytest.raises(ConfigError) as error:
        client({"origins": ["*"], "credentials": True, "routes": [("/x", {"origins": ["bad"]})]})
    codes = [issue.code for issue in error.value.issues]
    assert codes == ["wildcard-with-credentials", "origin-missing-scheme"]
    assert "route '/x'" in error.value.issues[1].message


def test_missing_settings_is_a_clear_error() -> None:
    from crossorigin.django import CORSMiddleware

    with override_settings(), pytest.raises(ImproperlyConfigured):
        del settings.CROSSORIGIN
        CORSMiddleware(lambda request: HttpResponse())


def test_async_chain() -> None:
    from crossorigin.django import CORSMiddleware

    async def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("async")

    middleware = CORSMiddleware(view)
    request = HttpRequest()
    request.method = "GET"
    request.path_info = "/items"
    request.META["HTTP_ORIGIN"] = PAGE
    # A thread of its own: another test in this process may own an event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        response = pool.submit(asyncio.run, middleware(request)).result(timeout=30)
    assert response["Access-Control-Allow-Origin"] == PAGE


ROUTE_SPELLINGS = {
    "dict": {"/form": {"origins": [PAGE]}, "/items": CONFIG},
    "pairs": [("/form", {"origins": [PAGE]}), ("/items", CONFIG)],
    "dicts-with-prefix": [{"prefix": "/form", "origins": [PAGE]}, {"prefix": "/items", **CONFIG}],
}


@pytest.mark.parametrize("routes", ROUTE_SPELLINGS.values(), ids=ROUTE_SPELLINGS.keys())
def test_routes_with_dicts_in_every_documented_spelling(routes: Any) -> None:
    c = client({"routes": routes, "strict": True})
    assert c.post("/form", headers={"Origin": EVIL}).status_code == 403
    assert c.post("/form", headers={"Origin": PAGE}).content == b"posted"
    allowed = c.get("/items", headers={"Origin": PAGE})
    assert allowed["Access-Control-Allow-Origin"] == PAGE
    assert allowed["Access-Control-Allow-Credentials"] == "true"


@pytest.mark.parametrize("routes", ["/api", [("/api",)], [{"origins": [PAGE]}], [42]])
def test_malformed_routes_say_how_to_write_them(routes: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"write CROSSORIGIN\['routes'\] as"):
        client({"origins": [PAGE], "routes": routes})


def test_django_cors_headers_settings_without_crossorigin_are_translated() -> None:
    from crossorigin.django import CORSMiddleware

    old_style = {
        "CORS_ALLOWED_ORIGINS": [PAGE],
        "CORS_ALLOW_CREDENTIALS": True,
        "CORS_ALLOWED_ORIGIN_REGEXES": [r"^https://\w+\.example\.com$"],
        "CORS_URLS_REGEX": r"^/api/.*$",
    }
    with override_settings(**old_style), pytest.raises(ImproperlyConfigured) as error:
        del settings.CROSSORIGIN
        CORSMiddleware(lambda request: HttpResponse())
    message = str(error.value)
    assert "settings.CROSSORIGIN is missing" in message
    written = message.split("CROSSORIGIN = ", 1)[1].split("\n", 1)[0]
    translated = ast.literal_eval(written)  # Python the user can paste into settings.py
    assert translated == {
        "origins": [PAGE],
        "credentials": True,
        "origin_regex": r"(?:^https://\w+\.example\.com$)",
    }
    assert "delete CORS_URLS_REGEX" in message
    assert "'methods': ['DELETE', 'GET'" in message


def test_django_cors_headers_settings_beside_crossorigin_are_refused() -> None:
    with (
        override_settings(CORS_ALLOW_ALL_ORIGINS=True),
        pytest.raises(ImproperlyConfigured, match=r"reads only settings.CROSSORIGIN"),
    ):
        client()


def test_report_only_and_metrics_from_settings(caplog: pytest.LogCaptureFixture) -> None:
    from crossorigin.observe import Counters

    counters = Counters()
    watched = client({**CONFIG, "report_only": {"origins": [EVIL]}, "metrics": counters})
    plain = client()
    with caplog.at_level(logging.WARNING, logger="crossorigin"):
        for origin in (PAGE, EVIL):
            ours, theirs = (c.get("/items", headers={"Origin": origin}) for c in (watched, plain))
            assert sorted(ours.items()) == sorted(theirs.items())  # the answer is unchanged
    assert counters.count(report_only_change="allowed-to-refused") == 1
    assert counters.count(report_only_change="refused-to-allowed") == 1
    lines = [r.getMessage() for r in caplog.records if "report-only" in r.getMessage()]
    assert len(lines) == 2 and "GET /items from origin http" in lines[0]


# -- the origin resolver: sync mode takes a plain function and refuses a
# coroutine one when built; async mode awaits either ------------------------------

RESOLVED = "https://acme.tenants.example"


def resolve_tenants(origin: str, request: RequestInfo) -> bool | Grant:
    return Grant(credentials=True) if origin == RESOLVED else False


async def resolve_tenants_async(origin: str, request: RequestInfo) -> bool | Grant:
    await asyncio.sleep(0)
    return resolve_tenants(origin, request)


def resolver_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


async def async_resolver_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def test_sync_mode_calls_a_plain_resolver() -> None:
    from crossorigin.django import CORSMiddleware

    with override_settings(CROSSORIGIN={"resolver": resolve_tenants}):
        middleware = CORSMiddleware(resolver_view)
        allowed = middleware(RequestFactory().get("/x", HTTP_ORIGIN=RESOLVED))
        refused = middleware(RequestFactory().get("/x", HTTP_ORIGIN="https://evil.example"))
    assert allowed["Access-Control-Allow-Origin"] == RESOLVED
    assert allowed["Access-Control-Allow-Credentials"] == "true"
    assert not refused.has_header("Access-Control-Allow-Origin")
    assert refused["Vary"] == "Origin"


def test_sync_mode_refuses_a_coroutine_resolver() -> None:
    from crossorigin.django import CORSMiddleware

    with (
        override_settings(CROSSORIGIN={"resolver": resolve_tenants_async}),
        pytest.raises(ConfigError, match="sync mode"),
    ):
        CORSMiddleware(resolver_view)


def test_async_mode_awaits_a_coroutine_resolver() -> None:
    from crossorigin.django import CORSMiddleware

    with override_settings(CROSSORIGIN={"resolver": resolve_tenants_async}):
        middleware = CORSMiddleware(async_resolver_view)

        async def run() -> tuple[HttpResponse, HttpResponse]:
            factory = RequestFactory()
            preflight = factory.options(
                "/x", HTTP_ORIGIN=RESOLVED, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
            )
            actual = factory.get("/x", HTTP_ORIGIN="https://evil.example")
            return await middleware(preflight), await middleware(actual)

        preflight, refused = asyncio.run(run())
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == RESOLVED
    assert not refused.has_header("Access-Control-Allow-Origin")


def test_view_policy_wins_over_the_default() -> None:
    client = Client()
    answer = client.get("/partner/3", headers={"Origin": "https://partner.example"})
    assert answer["Access-Control-Allow-Origin"] == "https://partner.example"
    assert answer["Access-Control-Allow-Credentials"] == "true"
    preflight = client.options(
        "/partner/3",
        headers={"Origin": "https://partner.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    # The default policy's origin is not the view's.
    assert not client.get("/partner/3", headers={"Origin": PAGE}).has_header(
        "Access-Control-Allow-Origin"
    )
    assert client.get("/items", headers={"Origin": PAGE})["Access-Control-Allow-Origin"] == PAGE


def test_hosts_choose_the_policy() -> None:
    from crossorigin.django import CORSMiddleware

    config = {
        "origins": [PAGE],
        "hosts": {"api.a.example": {"origins": ["https://a.example"], "credentials": True}},
    }
    with override_settings(CROSSORIGIN=config):
        middleware = CORSMiddleware(resolver_view)
        factory = RequestFactory()
        site_a = middleware(
            factory.get("/x", HTTP_HOST="api.a.example:8000", HTTP_ORIGIN="https://a.example")
        )
        default = middleware(factory.get("/x", HTTP_HOST="other.example", HTTP_ORIGIN=PAGE))
    assert site_a["Access-Control-Allow-Credentials"] == "true"
    assert default["Access-Control-Allow-Origin"] == PAGE
