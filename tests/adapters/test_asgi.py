"""The ASGI adapter with real Starlette and FastAPI applications."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from crossorigin import ConfigError, Policy
from crossorigin.asgi import CORSMiddleware, MiddlewareHandle

APP = "https://app.example.com"
EVIL = "https://evil.example"


def fastapi_app(**cors: object) -> FastAPI:
    app = FastAPI()
    app.add_middleware(CORSMiddleware, **cors)  # type: ignore[arg-type]

    @app.get("/items")
    def items() -> dict[str, int]:
        return {"count": 1}

    @app.put("/items")
    def put_items() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("the handler failed")

    @app.get("/missing")
    def missing() -> None:
        raise HTTPException(status_code=404, detail="nope")

    return app


SEED_ARGS = {
    "allow_origins": ["http://localhost:3000"],
    "allow_methods": ["GET", "PUT"],
    "allow_headers": ["Authorization"],
    "allow_credentials": True,
}


def test_seed_fastapi_example_works_by_changing_one_import() -> None:
    client = TestClient(fastapi_app(**SEED_ARGS))
    origin = "http://localhost:3000"
    response = client.get("/items", headers={"Origin": origin})
    assert response.status_code == 200 and response.json() == {"count": 1}
    assert response.headers["access-control-allow-origin"] == origin
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == "Origin"

    preflight = client.options(
        "/items",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 204 and preflight.content == b""
    assert preflight.headers["access-control-allow-origin"] == origin
    assert preflight.headers["access-control-allow-methods"] == "GET, PUT"
    assert "authorization" in preflight.headers["access-control-allow-headers"]
    assert preflight.headers["access-control-max-age"] == "600"  # Starlette's default


def test_refusals() -> None:
    client = TestClient(fastapi_app(**SEED_ARGS))
    refused = client.get("/items", headers={"Origin": EVIL})
    assert refused.status_code == 200  # the application still answers
    assert "access-control-allow-origin" not in refused.headers
    assert "access-control-allow-credentials" not in refused.headers
    assert refused.headers["vary"] == "Origin"
    preflight = client.options(
        "/items", headers={"Origin": EVIL, "Access-Control-Request-Method": "PUT"}
    )
    assert preflight.status_code == 403 and preflight.content == b""
    assert not [k for k in preflight.headers if k.startswith("access-control-")]
    no_origin = client.get("/items")
    assert no_origin.headers["vary"] == "Origin"
    assert "access-control-allow-origin" not in no_origin.headers


def test_insecure_starlette_configuration_is_refused_with_the_fix() -> None:
    with pytest.raises(ConfigError) as error:
        CORSMiddleware(fastapi_app(), allow_origins=["*"], allow_credentials=True)
    assert error.value.issues[0].code == "wildcard-with-credentials"
    assert "allow_origins=['https://app.example.com']" in error.value.issues[0].message
    with pytest.raises(ConfigError):
        CORSMiddleware(fastapi_app(), allow_origins=["https://app.example.com/"])
    with pytest.raises(TypeError):
        CORSMiddleware(fastapi_app(), policy=Policy(origins="*"), allow_origins=["*"])


def test_unhandled_exception_500_carries_cors_headers() -> None:
    client = TestClient(fastapi_app(**SEED_ARGS), raise_server_exceptions=False)
    response = client.get("/boom", headers={"Origin": "http://localhost:3000"})
    assert response.status_code == 500
    assert response.text == "Internal Server Error"
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert response.headers["access-control-allow-credentials"] == "true"


def test_unhandled_exception_is_still_raised_to_the_server() -> None:
    client = TestClient(fastapi_app(**SEED_ARGS))
    with pytest.raises(RuntimeError, match="the handler failed"):
        client.get("/boom", headers={"Origin": "http://localhost:3000"})


def test_the_applications_own_500_handler_is_used() -> None:
    app = fastapi_app(**SEED_ARGS)

    @app.exception_handler(Exception)
    async def handle(request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"error": str(error)}, status_code=500)

    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/boom", headers={"Origin": "http://localhost:3000"})
    assert response.status_code == 500
    assert response.json() == {"error": "the handler failed"}
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"


def test_http_exceptions_carry_cors_headers() -> None:
    client = TestClient(fastapi_app(**SEED_ARGS))
    response = client.get("/missing", headers={"Origin": "http://localhost:3000"})
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"


def starlette_app(routes: list[Route | WebSocketRoute] | None = None) -> Starlette:
    async def echo(request: Request) -> Response:
        return PlainTextResponse(f"{request.method} {request.url.path}")

    async def options_handler(request: Request) -> Response:
        return PlainTextResponse("app options", headers={"Allow": "GET, OPTIONS"})

    return Starlette(
        routes=routes
        or [
            Route("/{path:path}", echo, methods=["GET", "POST", "PUT", "DELETE"]),
            Route("/opts", options_handler, methods=["OPTIONS"]),
        ]
    )


def test_per_route_policies_first_match_wins() -> None:
    inner = starlette_app()
    app = CORSMiddleware(
        inner,
        routes=[
            ("/api/public", Policy(origins="*")),
            ("/api", Policy(origins=[APP], credentials=True)),
        ],
        policy=Policy(origins=["https://default.example.com"]),
    )
    client = TestClient(app)

    def acao(path: str, origin: str = APP) -> str | None:
        return client.get(path, headers={"Origin": origin}).headers.get(
            "access-control-allow-origin"
        )

    assert acao("/api/public/x", EVIL) == "*"
    assert acao("/api/public", EVIL) == "*"
    assert acao("/api/users") == APP
    assert acao("/api") == APP
    assert acao("/apis") is None  # whole segments only: falls to the default policy
    assert acao("/apis", "https://default.example.com") == "https://default.example.com"
    assert acao("/API/users") is None  # case-sensitive
    assert acao("/API/users", "https://default.example.com") == "https://default.example.com"


def test_unmatched_paths_without_default_are_left_alone() -> None:
    app = CORSMiddleware(starlette_app(), routes=[("/api", Policy(origins=[APP]))])
    client = TestClient(app)
    response = client.get("/other", headers={"Origin": APP})
    assert "access-control-allow-origin" not in response.headers
    assert "vary" not in response.headers


def test_route_prefix_must_be_a_path() -> None:
    with pytest.raises(ConfigError):
        CORSMiddleware(starlette_app(), routes=[("api", Policy(origins=[APP]))])


def test_plain_options_reaches_the_application() -> None:
    client = TestClient(CORSMiddleware(starlette_app(), policy=Policy(origins=[APP])))
    response = client.options("/opts", headers={"Origin": APP})
    assert response.text == "app options"
    assert response.headers["access-control-allow-origin"] == APP
    no_origin = client.options("/opts")
    assert no_origin.text == "app options"


def test_vary_from_the_application_is_kept() -> None:
    async def app_with_vary(request: Request) -> Response:
        return PlainTextResponse("x", headers={"Vary": "Accept-Encoding"})

    inner = Starlette(routes=[Route("/", app_with_vary)])
    client = TestClient(CORSMiddleware(inner, policy=Policy(origins=[APP])))
    response = client.get("/", headers={"Origin": APP})
    assert response.headers.get_list("vary") == ["Accept-Encoding", "Origin"]


def test_duplicate_origin_headers_are_refused() -> None:
    client = TestClient(CORSMiddleware(starlette_app(), policy=Policy(origins=[APP])))
    response = client.get("/x", headers=[("Origin", APP), ("Origin", APP)])
    assert "access-control-allow-origin" not in response.headers


def test_debug_mode_logs_one_line_per_refusal(caplog: pytest.LogCaptureFixture) -> None:
    app = CORSMiddleware(starlette_app(), policy=Policy(origins=[APP], methods=["PUT"]), debug=True)
    client = TestClient(app)
    with caplog.at_level(logging.WARNING, logger="crossorigin"):
        client.get("/x", headers={"Origin": APP})  # allowed: no line
        client.get("/x", headers={"Origin": "https://evil.example\r\nInjected: 1"})
        client.options("/x", headers={"Origin": APP, "Access-Control-Request-Method": "DELETE"})
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2
    assert "origin-invalid" in lines[0] and "\\r\\n" in lines[0] and "\n" not in lines[0]
    assert "method-not-allowed" in lines[1] and "DELETE" in lines[1]


def test_debug_off_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(CORSMiddleware(starlette_app(), policy=Policy(origins=[APP])))
    with caplog.at_level(logging.DEBUG, logger="crossorigin"):
        client.get("/x", headers={"Origin": EVIL})
    assert caplog.records == []


def test_strict_mode() -> None:
    calls: list[str] = []

    async def record(request: Request) -> Response:
        calls.append(request.method)
        return PlainTextResponse("done")

    inner = Starlette(routes=[Route("/form", record, methods=["GET", "POST"])])
    client = TestClient(CORSMiddleware(inner, policy=Policy(origins=[APP]), strict=True))
    refused = client.post("/form", headers={"Origin": EVIL})
    assert refused.status_code == 403 and calls == []
    assert refused.headers["vary"] == "Origin"
    assert client.get("/form", headers={"Origin": EVIL}).status_code == 200
    assert client.post("/form", headers={"Origin": APP}).status_code == 200
    same_origin = client.post(
        "/form", headers={"Origin": "http://api.example.com", "Host": "api.example.com"}
    )
    assert same_origin.status_code == 200
    assert client.post("/form").status_code == 200  # no Origin: not a browser CORS request
    assert calls == ["GET", "POST", "POST", "POST"]


def test_websocket_origin_check() -> None:
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    inner = Starlette(routes=[WebSocketRoute("/ws", socket)])
    client = TestClient(CORSMiddleware(inner, policy=Policy(origins=[APP]), check_websockets=True))
    with client.websocket_connect("/ws", headers={"Origin": APP}) as connection:
        assert connection.receive_text() == "hello"
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect("/ws", headers={"Origin": EVIL}),
    ):
        pass
    assert closed.value.code == 1008
    unchecked = TestClient(CORSMiddleware(inner, policy=Policy(origins=[APP])))
    with unchecked.websocket_connect("/ws", headers={"Origin": EVIL}) as connection:
        assert connection.receive_text() == "hello"


def test_lifespan_and_other_scopes_pass_through() -> None:
    started: list[bool] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        started.append(True)
        yield

    app = Starlette(routes=[], lifespan=lifespan)
    with TestClient(CORSMiddleware(app, policy=Policy(origins=[APP]))):
        pass
    assert started == [True]


def test_websocket_route_policy_applies_inside_a_mount() -> None:
    """Starlette routes a mounted app on the path without `root_path`; the
    WebSocket check must pick the route policy the same way (else it fails
    open: no route matched, no default, the handshake passed unchecked)."""

    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    inner = Starlette(
        routes=[WebSocketRoute("/live/feed", socket)],
        middleware=[
            Middleware(
                CORSMiddleware, routes=[("/live", Policy(origins=[APP]))], check_websockets=True
            )
        ],
    )
    client = TestClient(Starlette(routes=[Mount("/v1", app=inner)]))
    with client.websocket_connect("/v1/live/feed", headers={"Origin": APP}) as connection:
        assert connection.receive_text() == "hello"
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect("/v1/live/feed", headers={"Origin": EVIL}),
    ):
        pass
    assert closed.value.code == 1008


def test_route_path_under_test_client_root_path() -> None:
    app = starlette_app()
    app.add_middleware(CORSMiddleware, routes=[("/x", Policy(origins=[APP]))], strict=True)
    client = TestClient(app, root_path="/v1")
    assert client.post("/v1/x", headers={"Origin": EVIL}).status_code == 403
    allowed = client.get("/v1/x", headers={"Origin": APP})
    assert allowed.headers["access-control-allow-origin"] == APP


def test_a_handle_reaches_the_middleware_fastapi_builds() -> None:
    cors = MiddlewareHandle()
    app = fastapi_app(policy=Policy(origins=[APP]), handle=cors)
    assert cors.middleware is None  # FastAPI builds its middleware at start-up
    client = TestClient(app)
    assert client.get("/items", headers={"Origin": APP}).headers["access-control-allow-origin"]
    assert isinstance(cors.middleware, CORSMiddleware)
    cors.reconfigure(Policy(origins=[EVIL]))
    assert client.get("/items", headers={"Origin": EVIL}).headers["access-control-allow-origin"]
    refused = client.get("/items", headers={"Origin": APP})
    assert "access-control-allow-origin" not in refused.headers
    with pytest.raises(ConfigError):
        cors.reconfigure(Policy(origins=[APP]), routes=[("api", Policy(origins=[APP]))])
    assert client.get("/items", headers={"Origin": EVIL}).headers["access-control-allow-origin"]


def test_a_handle_reconfigured_before_start_up_applies_when_built() -> None:
    cors = MiddlewareHandle()
    app = fastapi_app(policy=Policy(origins=[APP]), handle=cors)
    cors.reconfigure(Policy(origins=[EVIL]))
    client = TestClient(app)
    assert client.get("/items", headers={"Origin": EVIL}).headers["access-control-allow-origin"]
    assert repr(cors) == "<MiddlewareHandle: middleware built>"


def test_an_invalid_configuration_fails_the_lifespan_start_up() -> None:
    """What uvicorn, hypercorn and TestClient see: `lifespan.startup.failed`
    with the error, instead of an exception a server may read as "no lifespan"."""
    app = fastapi_app(allow_origins=["*"], allow_credentials=True)
    with pytest.raises(ConfigError, match="wildcard-with-credentials"), TestClient(app):
        pass


def test_direct_construction_still_raises_even_inside_a_helper() -> None:
    def build_middleware_stack_helper() -> None:
        CORSMiddleware(fastapi_app(), allow_origins=["*"], allow_credentials=True)

    with pytest.raises(ConfigError):
        build_middleware_stack_helper()


def test_an_invalid_configuration_serves_nothing_without_lifespan() -> None:
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()

    app = Starlette(
        routes=[Route("/x", lambda request: PlainTextResponse("x")), WebSocketRoute("/ws", socket)],
        middleware=[Middleware(CORSMiddleware, allow_origins=["https://app.example.com/"])],
    )
    client = TestClient(app)  # no `with`: no lifespan, as under --lifespan off
    answer = client.get("/x", headers={"Origin": APP})
    assert answer.status_code == 500
    assert "invalid configuration" in answer.text
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/ws"):
        pass
    assert closed.value.code == 1011
