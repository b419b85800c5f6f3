"""FileSource and what every source shares (PolicySource): applying only
valid documents, keeping the last good one with a status that says why,
start-up from the cache or refusal, the Kubernetes ConfigMap symlink swap,
and a restart of the watcher after fork()."""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crossorigin import Policy
from crossorigin.sources import FileSource, PolicyDocument, SourceUnavailable
from crossorigin.sources.document import digest_of

V1 = b'version = "1"\norigins = ["https://one.example"]\n'
V2 = b'version = "2"\norigins = ["https://two.example"]\n'
# Fails validation: '*' with credentials.
BAD = b'version = "3"\norigins = "*"\ncredentials = true\n'


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


def replace_file(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_bytes(V1)
    return path


@pytest.fixture
def source(policy_file: Path) -> Iterator[FileSource]:
    source = FileSource(policy_file, interval=0.02)
    yield source
    source.stop()


def test_subscribers_get_the_current_document_then_each_new_valid_one(
    policy_file: Path, source: FileSource
) -> None:
    seen: list[str | None] = []
    source.subscribe(lambda document: seen.append(document.version))
    assert seen == ["1"]
    replace_file(policy_file, V2)
    wait_until(lambda: seen == ["1", "2"])
    status = source.status
    assert status.version == "2" and status.digest == digest_of(V2)
    assert status.last_error is None and status.updated_at is not None


def test_an_invalid_document_is_refused_logged_once_and_the_last_good_one_kept(
    policy_file: Path, source: FileSource, caplog: pytest.LogCaptureFixture
) -> None:
    applied: list[PolicyDocument] = []
    source.subscribe(applied.append)
    with caplog.at_level(logging.ERROR, logger="crossorigin.sources"):
        replace_file(policy_file, BAD)
        wait_until(lambda: source.status.last_error is not None)
        time.sleep(0.2)  # ten more polls of the same bad bytes
    refusals = [r for r in caplog.records if "refused policy document" in r.getMessage()]
    assert len(refusals) == 1
    assert digest_of(BAD) in refusals[0].getMessage()
    assert "keeping version 1" in refusals[0].getMessage()
    assert [document.version for document in applied] == ["1"]
    status = source.status
    assert status.digest == digest_of(V1)
    assert status.last_error is not None and digest_of(BAD) in status.last_error
    assert "wildcard-with-credentials" in status.last_error
    # Fixed: applied, and the error clears.
    replace_file(policy_file, V2)
    wait_until(lambda: source.status.version == "2")
    assert source.status.last_error is None


def test_a_deleted_file_keeps_the_last_good_document(policy_file: Path, source: FileSource) -> None:
    source.start()
    policy_file.unlink()
    wait_until(lambda: source.status.last_error is not None)
    assert source.document is not None and source.document.version == "1"
    assert "no policy document" in (source.status.last_error or "")
    policy_file.write_bytes(V2)
    wait_until(lambda: source.status.version == "2")


def test_the_configmap_symlink_swap_is_seen_by_inode_even_with_same_size_and_mtime(
    tmp_path: Path,
) -> None:
    # The kubelet's layout: policy.toml -> ..data/policy.toml, ..data -> ..<timestamp>,
    # updated by renaming a new ..data link over the old one.
    first, second = tmp_path / "..2026_11_30_1", tmp_path / "..2026_11_30_2"
    first.mkdir()
    second.mkdir()
    old, new = V1, V1.replace(b'"1"', b'"9"')
    assert len(old) == len(new)
    (first / "policy.toml").write_bytes(old)
    (second / "policy.toml").write_bytes(new)
    stat = os.stat(first / "policy.toml")
    os.utime(second / "policy.toml", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.symlink(first.name, tmp_path / "..data")
    os.symlink("..data/policy.toml", tmp_path / "policy.toml")
    # No periodic re-read during the test: only the stat signature can notice.
    source = FileSource(tmp_path / "policy.toml", interval=0.02, reread_every=10**6)
    try:
        source.start()
        time.sleep(0.1)
        os.symlink(second.name, tmp_path / "..data_tmp")
        os.replace(tmp_path / "..data_tmp", tmp_path / "..data")
        wait_until(lambda: source.status.version == "9")
    finally:
        source.stop()


def test_start_up_without_a_valid_document_and_without_cache_refuses_to_start(
    tmp_path: Path,
) -> None:
    with pytest.raises(SourceUnavailable, match="refusing to start"):
        FileSource(tmp_path / "missing.toml").start()
    bad = tmp_path / "bad.toml"
    bad.write_bytes(BAD)
    with pytest.raises(SourceUnavailable, match="wildcard-with-credentials"):
        FileSource(bad).start()


def test_start_up_falls_back_to_the_cached_copy_and_says_so(
    policy_file: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache" / "policy.cache"
    cache.parent.mkdir()
    first = FileSource(policy_file, cache_path=cache)
    first.start()
    first.stop()
    assert cache.read_bytes() == V1  # the stored bytes, same digest
    policy_file.write_bytes(BAD)
    with caplog.at_level(logging.WARNING, logger="crossorigin.sources"):
        second = FileSource(policy_file, cache_path=cache, interval=0.02)
        document = second.start()
    try:
        assert document.version == "1"
        assert second.status.from_cache
        assert "serving the cached copy" in (second.status.last_error or "")
        assert any("cached copy" in record.getMessage() for record in caplog.records)
        # The store recovers: the cache is left behind.
        replace_file(policy_file, V2)
        wait_until(lambda: second.status.version == "2")
        assert not second.status.from_cache and second.status.last_error is None
        # Written just after the document takes effect.
        wait_until(lambda: cache.read_bytes() == V2)
    finally:
        second.stop()


def test_a_tampered_cache_is_refused_too(tmp_path: Path) -> None:
    cache = tmp_path / "policy.cache"
    cache.write_bytes(BAD)
    with pytest.raises(SourceUnavailable, match="cached copy is unusable"):
        FileSource(tmp_path / "missing.toml", cache_path=cache).start()


def test_a_failing_subscriber_does_not_stop_the_others(
    policy_file: Path, source: FileSource
) -> None:
    seen: list[str | None] = []

    def broken(document: PolicyDocument) -> None:
        if document.version == "2":
            raise RuntimeError("boom")

    source.subscribe(broken)
    source.subscribe(lambda document: seen.append(document.version))
    replace_file(policy_file, V2)
    wait_until(lambda: seen == ["1", "2"])


def test_unsubscribing_the_last_subscriber_stops_the_thread(source: FileSource) -> None:
    def subscriber(document: PolicyDocument) -> None:
        pass

    source.subscribe(subscriber)
    assert source.running
    source.unsubscribe(subscriber)
    assert not source.running


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_child_gets_its_own_watcher(policy_file: Path, source: FileSource) -> None:
    source.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork() with threads
        pid = os.fork()
    if pid == 0:  # the child: wait for the parent's change, exit 0 if seen
        code = 1
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if source.status.version == "2" and source.running:
                    code = 0
                    break
                time.sleep(0.01)
        finally:
            os._exit(code)
    time.sleep(0.1)
    replace_file(policy_file, V2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_the_document_feeds_reconfigure_of_the_adapters(policy_file: Path) -> None:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from crossorigin.asgi import CORSMiddleware

    source = FileSource(policy_file, interval=0.02)
    app = Starlette(routes=[Route("/", lambda request: PlainTextResponse("ok"))])
    app.add_middleware(CORSMiddleware, source=source)
    with TestClient(app) as client:
        assert (
            client.get("/", headers={"Origin": "https://one.example"}).headers.get(
                "access-control-allow-origin"
            )
            == "https://one.example"
        )
        replace_file(policy_file, V2)
        wait_until(lambda: source.status.version == "2")
        answer = client.get("/", headers={"Origin": "https://two.example"})
        assert answer.headers.get("access-control-allow-origin") == "https://two.example"
        assert source.running
    # Lifespan shutdown unsubscribed the middleware: the source stopped.
    assert not source.running


def test_source_and_policy_together_are_refused(policy_file: Path) -> None:
    from crossorigin.asgi import CORSMiddleware as ASGIMiddleware
    from crossorigin.wsgi import CORSMiddleware as WSGIMiddleware

    for middleware in (ASGIMiddleware, WSGIMiddleware):
        with pytest.raises(TypeError, match="either source="):
            middleware(
                lambda *a: None,  # type: ignore[arg-type]
                source=FileSource(policy_file),
                policy=Policy(origins=["https://a.example"]),
            )


def test_wsgi_follows_the_source(policy_file: Path) -> None:
    from crossorigin.wsgi import CORSMiddleware

    def app(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    source = FileSource(policy_file, interval=0.02)
    middleware = CORSMiddleware(app, source=source)
    try:

        def allowed(origin: str) -> str | None:
            found: list[list[tuple[str, str]]] = []
            environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_ORIGIN": origin}
            middleware(environ, lambda status, headers, exc=None: found.append(headers))
            return dict(found[0]).get("access-control-allow-origin")

        assert allowed("https://one.example") == "https://one.example"
        replace_file(policy_file, V2)
        wait_until(lambda: allowed("https://two.example") == "https://two.example")
        assert allowed("https://one.example") is None
    finally:
        source.stop()


def test_an_unreachable_store_at_starlette_start_up_fails_the_lifespan(tmp_path: Path) -> None:
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from crossorigin.asgi import CORSMiddleware

    app = Starlette()
    app.add_middleware(CORSMiddleware, source=FileSource(tmp_path / "missing.toml"))
    with pytest.raises(SourceUnavailable), TestClient(app):
        pass


def test_the_document_reaches_the_engine_as_routes(tmp_path: Path) -> None:
    path = tmp_path / "fleet.toml"
    path.write_bytes(
        b'origins = ["https://app.example"]\n[[routes]]\nprefix = "/public"\norigins = "*"\n'
    )
    from crossorigin.asgi import CORSMiddleware

    source = FileSource(path)

    async def app(scope: object, receive: object, send: object) -> None:
        pass

    try:
        middleware = CORSMiddleware(app, source=source)
        engine = middleware.engines.engine_for("/public/x")
        assert engine is not None and engine.policy.allows_any_origin
        default = middleware.engines.engine_for("/other")
        assert default is not None and default.policy == Policy(origins=["https://app.example"])
    finally:
        source.stop()


def test_django_follows_the_source(policy_file: Path) -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(ALLOWED_HOSTS=["*"], SECRET_KEY="tests-only", INSTALLED_APPS=[])
        django.setup()
    from django.core.exceptions import ImproperlyConfigured
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory, override_settings

    from crossorigin.django import CORSMiddleware

    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    source = FileSource(policy_file, interval=0.02)
    try:
        with override_settings(CROSSORIGIN={"source": source}):
            middleware = CORSMiddleware(view)
        factory = RequestFactory()

        def allowed(origin: str) -> str | None:
            response = middleware(factory.get("/", headers={"Origin": origin}))
            return response.headers.get("Access-Control-Allow-Origin")

        assert allowed("https://one.example") == "https://one.example"
        replace_file(policy_file, V2)
        wait_until(lambda: allowed("https://two.example") == "https://two.example")
        with (
            override_settings(CROSSORIGIN={"source": source, "origins": ["https://a.example"]}),
            pytest.raises(ImproperlyConfigured, match="'source' replaces"),
        ):
            CORSMiddleware(view)
    finally:
        source.stop()
