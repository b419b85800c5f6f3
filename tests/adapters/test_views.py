"""Per-view policies (crossorigin.views.cors) in Flask and FastAPI/Starlette,
and their one precedence: the view's policy, else routes=, else policy=."""

from __future__ import annotations

import flask
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from crossorigin import Policy
from crossorigin.asgi import CORSMiddleware as ASGICORS
from crossorigin.views import cors
from crossorigin.wsgi import CORSMiddleware as WSGICORS

APP = "https://app.example.com"
PARTNER = "https://partner.example"
DEFAULT = Policy(origins=[APP])
ROUTE = Policy(origins=["https://route.example"])
VIEW = Policy(origins=[PARTNER], credentials=True, methods=["GET", "PUT"])


def preflight(origin: str, method: str = "PUT") -> dict[str, str]:
    return {"Origin": origin, "Access-Control-Request-Method": method}


def test_fastapi_route_level_policy_wins_over_routes_and_default() -> None:
    app = FastAPI()

    @app.get("/api/partner/{item}")
    @cors(VIEW)
    def partner(item: int) -> dict[str, int]:
        return {"item": item}

    @app.get("/api/plain")
    def plain() -> dict[str, bool]:
        return {"plain": True}

    app.add_middleware(ASGICORS, policy=DEFAULT, routes=[("/api", ROUTE)])
    client = TestClient(app)
    answer = client.get("/api/partner/3", headers={"Origin": PARTNER})
    assert answer.json() == {"item": 3}  # FastAPI still reads the signature
    assert answer.headers["access-control-allow-origin"] == PARTNER
    assert answer.headers["access-control-allow-credentials"] == "true"
    answer = client.options("/api/partner/3", headers=preflight(PARTNER))
    assert answer.status_code == 204
    assert "PUT" in answer.headers["access-control-allow-methods"]
    # The route's policy no longer applies to the decorated view...
    refused = client.options("/api/partner/3", headers=preflight("https://route.example", "GET"))
    assert refused.status_code == 403
    # ...but still to its other views.
    answer = client.get("/api/plain", headers={"Origin": "https://route.example"})
    assert answer.headers["access-control-allow-origin"] == "https://route.example"
    assert (
        "access-control-allow-origin"
        not in client.get("/api/plain", headers={"Origin": PARTNER}).headers
    )


def test_starlette_endpoint_under_a_mount() -> None:
    @cors(VIEW)
    async def partner(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def other(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[Mount("/v1", routes=[Route("/partner", partner), Route("/other", other)])]
    )
    client = TestClient(ASGICORS(app, policy=DEFAULT))
    assert (
        client.get("/v1/partner", headers={"Origin": PARTNER}).headers[
            "access-control-allow-origin"
        ]
        == PARTNER
    )
    assert (
        "access-control-allow-origin"
        not in client.get("/v1/other", headers={"Origin": PARTNER}).headers
    )
    assert client.options("/v1/partner", headers=preflight(PARTNER)).status_code == 204


def test_flask_view_decorator() -> None:
    app = flask.Flask(__name__)

    @app.route("/partner/<int:item>", methods=["GET", "PUT"])
    @cors(VIEW)
    def partner(item: int) -> str:
        return str(item)

    @app.route("/other")
    def other() -> str:
        return "other"

    app.wsgi_app = WSGICORS(app.wsgi_app, policy=DEFAULT, views=app)  # type: ignore[method-assign]
    client = app.test_client()
    answer = client.get("/partner/4", headers={"Origin": PARTNER})
    assert answer.text == "4" and answer.headers["Access-Control-Allow-Origin"] == PARTNER
    answer = client.options("/partner/4", headers=preflight(PARTNER))
    assert (
        answer.status_code == 204 and answer.headers["Access-Control-Allow-Credentials"] == "true"
    )
    assert (
        "Access-Control-Allow-Origin"
        not in client.get("/other", headers={"Origin": PARTNER}).headers
    )
    assert (
        client.get("/other", headers={"Origin": APP}).headers["Access-Control-Allow-Origin"] == APP
    )
    # An unknown path falls back to the default policy.
    assert client.options("/nowhere", headers=preflight(APP, "GET")).status_code == 204


def test_cors_takes_a_policy() -> None:
    with pytest.raises(TypeError, match="takes a Policy"):
        cors({"origins": [APP]})  # type: ignore[arg-type]


# -- selection by Host ----------------------------------------------------------------------

SITE_A = Policy(origins=["https://a.example"], credentials=True)
SITE_B = Policy(origins=["https://b.example"])


def test_asgi_hosts_choose_the_policy() -> None:
    app = Starlette(routes=[Route("/x", lambda request: PlainTextResponse("ok"))])
    client = TestClient(
        ASGICORS(app, policy=DEFAULT, hosts={"api.a.example": SITE_A, "api.b.example": SITE_B})
    )

    def allow(host: str, origin: str) -> str | None:
        headers = {"Host": host, "Origin": origin}
        return client.get("/x", headers=headers).headers.get("access-control-allow-origin")

    assert allow("api.a.example", "https://a.example") == "https://a.example"
    assert allow("API.A.example:8443", "https://a.example") == "https://a.example"
    assert allow("api.a.example", "https://b.example") is None
    assert allow("api.b.example", "https://b.example") == "https://b.example"
    assert allow("other.example", APP) == APP  # no host entry: the default


def test_wsgi_hosts_choose_the_policy() -> None:
    app = flask.Flask(__name__)
    app.route("/x")(lambda: "ok")
    app.wsgi_app = WSGICORS(app.wsgi_app, hosts={"api.a.example": SITE_A})  # type: ignore[method-assign]
    client = app.test_client()
    answer = client.get("/x", headers={"Host": "api.a.example", "Origin": "https://a.example"})
    assert answer.headers["Access-Control-Allow-Origin"] == "https://a.example"
    # No default policy: other hosts are left alone.
    other = client.get("/x", headers={"Host": "b.example", "Origin": "https://a.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


@pytest.mark.parametrize("name", ["API.example.com", "api.example.com:443", "", 7])
def test_host_keys_are_bare_lower_case_names(name: object) -> None:
    from crossorigin import ConfigError

    with pytest.raises(ConfigError, match="host-invalid"):
        ASGICORS(lambda s, r, c: None, hosts={name: SITE_A})  # type: ignore[dict-item]


# -- the preflight knobs through the ASGI fast path ---------------------------------------


def test_asgi_preflight_continue_and_status() -> None:
    seen: list[str] = []

    async def options(request: Request) -> PlainTextResponse:
        seen.append(request.method)
        return PlainTextResponse("app options", headers={"Allow": "GET, OPTIONS"})

    app = Starlette(routes=[Route("/x", options, methods=["GET", "OPTIONS"])])
    continuing = TestClient(ASGICORS(app, policy=Policy(origins=[APP], preflight_continue=True)))
    answer = continuing.options("/x", headers=preflight(APP, "GET"))
    assert answer.text == "app options" and seen == ["OPTIONS"]
    assert answer.headers["access-control-allow-origin"] == APP
    assert continuing.options("/x", headers=preflight(PARTNER, "GET")).status_code == 403
    assert seen == ["OPTIONS"]
    legacy = TestClient(ASGICORS(app, policy=Policy(origins=[APP], preflight_status=200)))
    answer = legacy.options("/x", headers=preflight(APP, "GET"))
    assert answer.status_code == 200 and answer.headers["content-length"] == "0"
