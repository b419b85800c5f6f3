"""`crossorigin check` against our own ASGI middleware served by uvicorn."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from crossorigin.cli import main

uvicorn = pytest.importorskip("uvicorn")
starlette_applications = pytest.importorskip("starlette.applications")
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from crossorigin.asgi import CORSMiddleware  # noqa: E402

pytestmark = pytest.mark.timeout(60)

PAGE = "http://127.0.0.1:3000"


async def items(request: Request) -> Response:
    return JSONResponse({"items": []}, headers={"X-Total": "0"})


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    app = CORSMiddleware(
        starlette_applications.Starlette(routes=[Route("/items", items, methods=["GET", "PUT"])]),
        allow_origins=[PAGE],
        allow_methods=["GET", "PUT"],
        allow_headers=["x-token"],
        expose_headers=["X-Total"],
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name="uvicorn")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["check", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_allowed_put_with_header(api: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _check(
        capsys,
        api + "/items",
        "--origin",
        PAGE,
        "-X",
        "PUT",
        "-H",
        "X-Token: t",
        "--read",
        "X-Total",
    )
    assert code == 0, report
    assert report["outcome"]["preflight_sent"] is True  # type: ignore[index]
    assert report["outcome"]["readable_headers"] == {"x-total": "0"}  # type: ignore[index]
    assert report["stack"]["detected"] == ["fastapi"]  # type: ignore[index]


def test_refused_origin(api: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _check(capsys, api + "/items", "--origin", "http://localhost:3000")
    assert code == 1
    outcome = report["outcome"]
    assert outcome["reason"] == "MissingAllowOriginHeader"  # type: ignore[index]
    fix = report["explanation"]["fix_by_stack"]["fastapi"]  # type: ignore[index]
    assert 'origins=["http://localhost:3000"]' in fix


def test_refused_header_text_output(api: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", api + "/items", "--origin", PAGE, "-H", "X-Other: 1"])
    out = capsys.readouterr().out
    assert code == 1
    assert "BLOCKED at the preflight" in out
    assert "Fix for FastAPI / Starlette (detected from server: uvicorn)" in out
    assert 'request_headers=["x-other"]' in out
