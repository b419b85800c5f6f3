"""The WSGI adapter with a real Flask application (and a raw WSGI app)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from typing import Any

import pytest
from flask import Flask, abort

from crossorigin import ConfigError, Policy
from crossorigin.wsgi import CORSMiddleware

PAGE = "http://localhost:3000"
EVIL = "https://evil.example"


def flask_app(**cors: Any) -> Flask:
    app = Flask(__name__)

    @app.get("/items")
    def items() -> dict[str, int]:
        return {"count": 1}

    @app.put("/items")
    def put_items() -> dict[str, bool]:
        return {"stored": True}

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("the view failed")

    @app.get("/missing")
    def missing() -> str:
        abort(404)

    @app.route("/form", methods=["POST"])
    def form() -> str:
        return "posted"

    app.wsgi_app = CORSMiddleware(app.wsgi_app, **cors)  # type: ignore[method-assign]
    return app


POLICY = Policy(
    origins=[PAGE],
    methods=["GET", "PUT"],
    request_headers=["Content-Type", "Authorization"],
    credentials=True,
    expose_headers=["X-Total"],
    max_age=600,
)


def test_allowed_refused_and_no_origin() -> None:
    client = flask_app(policy=POLICY).test_client()
    allowed = client.get("/items", headers={"Origin": PAGE})
    assert allowed.json == {"count": 1}
    assert allowed.headers["Access-Control-Allow-Origin"] == PAGE
    assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
    assert allowed.headers["Access-Control-Expose-Headers"] == "X-Total"
    assert allowed.headers["Vary"] == "Origin"
    refused = client.get("/items", headers={"Origin": EVIL})
    assert refused.status_code == 200
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert refused.headers["Vary"] == "Origin"
    plain = client.get("/items")
    assert plain.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Origin" not in plain.headers


def test_preflight() -> None:
    client = flask_app(policy=POLICY).test_client()
    allowed = client.options(
        "/items",
        headers={
            "Origin": PAGE,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert allowed.status_code == 204 and allowed.data == b""
    assert allowed.headers["Access-Control-Allow-Methods"] == "GET, PUT"
    assert allowed.headers["Access-Control-Max-Age"] == "600"
    refused = client.options(
        "/items", headers={"Origin": PAGE, "Access-Control-Request-Method": "DELETE"}
    )
    assert refused.status_code == 403
    names = [name.lower() for name, _ in refused.headers.items()]
    assert not [name for name in names if name.startswith("access-control")]
    flask_options = client.options("/items", headers={"Origin": PAGE})  # not a preflight
    assert flask_options.status_code == 200 and "Allow" in flask_options.headers
    assert flask_options.headers["Access-Control-Allow-Origin"] == PAGE


def test_flask_500_and_404_carry_cors_headers() -> None:
    app = flask_app(policy=POLICY)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    error = client.get("/boom", headers={"Origin": PAGE})
    assert error.status_code == 500
    assert error.headers["Access-Control-Allow-Origin"] == PAGE
    missing = client.get("/missing", headers={"Origin": PAGE})
    assert missing.status_code == 404
    assert missing.headers["Access-Control-Allow-Origin"] == PAGE


def test_escaping_exception_becomes_a_500_with_cors_headers_and_is_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        raise ValueError("raw WSGI failure")

    middleware = CORSMiddleware(broken, policy=POLICY)
    errors = io.StringIO()
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/x",
        "HTTP_ORIGIN": PAGE,
        "wsgi.errors": errors,
    }
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen.update(status=status, headers=dict(headers), exc_info=exc_info)
        return lambda data: None

    with caplog.at_level(logging.ERROR, logger="crossorigin"):
        body = b"".join(middleware(environ, start_response))
    assert seen["status"] == "500 Internal Server Error"
    assert seen["headers"]["access-control-allow-origin"] == PAGE
    assert seen["exc_info"][0] is ValueError
    assert body == b"Internal Server Error"
    assert "raw WSGI failure" in errors.getvalue()
    assert caplog.records and caplog.records[0].exc_info is not None


def test_starlette_arguments_and_insecure_refusal() -> None:
    client = flask_app(allow_origins=[PAGE], allow_methods=["PUT"]).test_client()
    preflight = client.options(
        "/items",
        headers={
            "Origin": PAGE,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type",  # Starlette always allows it
        },
    )
    assert preflight.status_code == 204
    with pytest.raises(ConfigError):
        flask_app(allow_origins=["*"], allow_credentials=True)


def test_duplicate_origin_lines_merged_by_the_server_are_refused() -> None:
    client = flask_app(policy=POLICY).test_client()
    response = client.get("/items", headers=[("Origin", PAGE), ("Origin", PAGE)])
    assert "Access-Control-Allow-Origin" not in response.headers


def test_routes_strict_and_debug(caplog: pytest.LogCaptureFixture) -> None:
    app = flask_app(
        routes=[("/items", POLICY), ("/form", Policy(origins=[PAGE]))], strict=True, debug=True
    )
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="crossorigin"):
        refused = client.post("/form", headers={"Origin": EVIL})
    assert refused.status_code == 403 and refused.data == b""
    assert "unsafe-method-from-refused-origin" in caplog.text
    assert client.post("/form", headers={"Origin": PAGE}).data == b"posted"
    same_origin = client.post("/form", headers={"Origin": "http://api.local", "Host": "api.local"})
    assert same_origin.data == b"posted"
    assert client.get("/missing", headers={"Origin": PAGE}).status_code == 404


def test_reconfigure() -> None:
    app = flask_app(policy=POLICY)
    client = app.test_client()
    middleware = app.wsgi_app
    assert isinstance(middleware, CORSMiddleware)
    middleware.reconfigure(Policy(origins=[EVIL]))
    assert (
        client.get("/items", headers={"Origin": EVIL}).headers["Access-Control-Allow-Origin"]
        == EVIL
    )
    assert (
        "Access-Control-Allow-Origin" not in client.get("/items", headers={"Origin": PAGE}).headers
    )


@pytest.mark.parametrize(
    ("flask_cors", "ours"),
    [
        ({"origins": [PAGE]}, "allow_origins=[...]"),
        ({"supports_credentials": True}, "allow_credentials=True"),
        ({"resources": {r"/api/*": {"origins": PAGE}}}, 'routes=[("/api", Policy(...))'),
        ({"methods": ["GET"]}, "allow_methods=[...]"),
    ],
)
def test_flask_cors_arguments_name_the_argument_to_write(
    flask_cors: dict[str, Any], ours: str
) -> None:
    with pytest.raises(TypeError) as error:
        flask_app(**flask_cors)
    message = str(error.value)
    assert message.startswith("crossorigin.wsgi.CORSMiddleware: ")
    assert f"{next(iter(flask_cors))}= is flask-cors'; write {ours}" in message


def test_a_misspelt_argument_gets_a_suggestion() -> None:
    with pytest.raises(
        TypeError, match=r"unexpected argument allow_orgins=; did you mean allow_origins=\?"
    ):
        flask_app(allow_orgins=[PAGE])


def test_wsgi_errors_do_not_mention_starlette() -> None:
    with pytest.raises(ConfigError) as error:
        flask_app(allow_origins=["*"], allow_credentials=True)
    assert "Starlette" not in str(error.value)
    assert "allow_origins=['https://app.example.com']" in str(error.value)
    with pytest.raises(TypeError) as both:
        flask_app(policy=POLICY, allow_origins=[PAGE])
    assert str(both.value).startswith("crossorigin.wsgi.CORSMiddleware: pass either policy=")
    assert "Starlette" not in str(both.value)
