"""The behaviour table in docs/starlette-comparison.md, measured: the same
arguments given to Starlette's CORSMiddleware and to ours, case by case."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware as StarletteCORS
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from crossorigin import ConfigError
from crossorigin.asgi import CORSMiddleware

APP = "https://app.example.com"
EVIL = "https://evil.example"
ARGS: dict[str, Any] = {
    "allow_origins": [APP],
    "allow_methods": ["GET", "PUT"],
    "allow_headers": ["X-Token"],
    "allow_credentials": True,
}


def ok(request: Request) -> Response:
    return PlainTextResponse("ok")


def boom(request: Request) -> Response:
    raise RuntimeError("bug")


def client(middleware: type, **arguments: Any) -> TestClient:
    app = Starlette(
        routes=[Route("/", ok, methods=["GET", "PUT"]), Route("/boom", boom)],
        middleware=[Middleware(middleware, **arguments)],
    )
    return TestClient(app, raise_server_exceptions=False)


def outcome(
    test_client: TestClient, method: str, path: str, headers: Any
) -> tuple[int, dict[str, str]]:
    response = test_client.request(method, path, headers=headers)
    cors = {
        name: value
        for name, value in response.headers.items()
        if name.startswith("access-control-allow-origin")
        or name.startswith("access-control-allow-credentials")
    }
    return response.status_code, cors


ALLOWED = {"access-control-allow-origin": APP, "access-control-allow-credentials": "true"}
PREFLIGHT = {
    "Origin": APP,
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "x-token",
}

# case: (method, path, headers, Starlette's outcome, ours)
CASES: dict[str, tuple[str, str, Any, tuple[int, dict[str, str]], tuple[int, dict[str, str]]]] = {
    "allowed origin": ("GET", "/", {"Origin": APP}, (200, ALLOWED), (200, ALLOWED)),
    "refused origin": (
        "GET",
        "/",
        {"Origin": EVIL},
        (200, {"access-control-allow-credentials": "true"}),  # leaks ACAC
        (200, {}),
    ),
    "preflight allowed": ("OPTIONS", "/", PREFLIGHT, (200, ALLOWED), (204, ALLOWED)),
    "preflight, refused origin": (
        "OPTIONS",
        "/",
        {"Origin": EVIL, "Access-Control-Request-Method": "PUT"},
        (400, {"access-control-allow-credentials": "true"}),
        (403, {}),
    ),
    "preflight, refused method": (
        "OPTIONS",
        "/",
        {"Origin": APP, "Access-Control-Request-Method": "DELETE"},
        (400, ALLOWED),
        (403, {}),
    ),
    "unhandled exception": ("GET", "/boom", {"Origin": APP}, (500, {}), (500, ALLOWED)),
    "two Origin lines, allowed first": (
        "GET",
        "/",
        [("Origin", APP), ("Origin", EVIL)],
        (200, ALLOWED),
        (200, {}),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_same_arguments_side_by_side(case: str) -> None:
    method, path, headers, starlette_expected, ours_expected = CASES[case]
    assert outcome(client(StarletteCORS, **ARGS), method, path, headers) == starlette_expected
    assert outcome(client(CORSMiddleware, **ARGS), method, path, headers) == ours_expected


def test_vary_on_preflight_refusals_and_no_leaked_configuration() -> None:
    refused = client(CORSMiddleware, **ARGS).options(
        "/", headers={"Origin": EVIL, "Access-Control-Request-Method": "PUT"}
    )
    assert not [name for name in refused.headers if name.startswith("access-control")]
    theirs = client(StarletteCORS, **ARGS).options(
        "/", headers={"Origin": EVIL, "Access-Control-Request-Method": "PUT"}
    )
    assert "access-control-allow-methods" in theirs.headers  # the configuration leaks


def test_wildcard_with_credentials() -> None:
    theirs = client(StarletteCORS, allow_origins=["*"], allow_credentials=True)
    response = theirs.get("/", headers={"Origin": EVIL})
    assert response.headers["access-control-allow-origin"] == EVIL  # any site, with cookies
    with pytest.raises(ConfigError):
        CORSMiddleware(ok, allow_origins=["*"], allow_credentials=True)  # type: ignore[arg-type]


def test_glob_patterns() -> None:
    origin = "https://a.example.com"
    theirs = client(StarletteCORS, allow_origins=["https://*.example.com"])
    assert "access-control-allow-origin" not in theirs.get("/", headers={"Origin": origin}).headers
    ours = client(CORSMiddleware, allow_origins=["https://*.example.com"])
    assert (
        ours.get("/", headers={"Origin": origin}).headers["access-control-allow-origin"] == origin
    )


def test_malformed_origin_in_configuration() -> None:
    theirs = client(StarletteCORS, allow_origins=[APP + "/"])  # accepted, never matches
    assert "access-control-allow-origin" not in theirs.get("/", headers={"Origin": APP}).headers
    with pytest.raises(ConfigError):
        CORSMiddleware(ok, allow_origins=[APP + "/"])  # type: ignore[arg-type]


def test_method_wildcard() -> None:
    request = {"Origin": APP, "Access-Control-Request-Method": "PURGE"}
    theirs = client(StarletteCORS, allow_origins=[APP], allow_methods=["*"])
    assert theirs.options("/", headers=request).status_code == 400  # a fixed list of methods
    ours = client(CORSMiddleware, allow_origins=[APP], allow_methods=["*"])
    assert ours.options("/", headers=request).status_code == 204
