"""A short version of `make load`: each adapter under its real server
(uvicorn, waitress) for about two seconds of mixed traffic, every response
checked against the reference server. The full run is tests/oracles/load/run_load.py."""

from __future__ import annotations

import pytest

from load import loadgen


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["asgi", "wsgi"])
def test_short_load_has_no_errors_and_no_wrong_allow(kind: str) -> None:
    if kind == "wsgi":
        pytest.importorskip("waitress")
    result = loadgen.run(kind, seconds=2.0, concurrency=8, seed=7)
    assert result.requests > 50, result.summary()
    assert result.server_errors == 0, result.examples
    assert result.wrong_allow == 0, result.examples
    assert result.mismatches == 0 and result.transport_errors == 0, result.examples
    assert set(result.by_category) >= {"allowed", "refused", "preflight", "malformed"}


def test_the_checker_catches_a_wrong_allow() -> None:
    """The load's verdicts can fail: a reflected origin the reference refuses
    counts as a wrong allow."""
    import httpx

    result = loadgen.Result("self-test")
    lines = [(b"origin", b"https://evil.example")]
    response = httpx.Response(200, headers={"access-control-allow-origin": "https://evil.example"})
    loadgen.check(result, "GET", lines, response)
    assert result.wrong_allow == 1
    loadgen.check(result, "GET", lines, httpx.Response(502))
    assert result.server_errors == 1
