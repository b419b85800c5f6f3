"""RedisSource, EtcdSource and `crossorigin publish` in one process against
a real redis-server and etcd: start-up with the store unreachable (cache or
refusal, never allow-all), bounded reads, a deleted key, the publish
command's exit codes, and the etcd gateway's answers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossorigin.cli.publish import command as publish_command
from crossorigin.sources import EtcdSource, SourceUnavailable
from crossorigin.sources.document import MAX_DOCUMENT_BYTES, digest_of
from crossorigin.sources.etcd_source import EtcdGateway
from crossorigin.sources.publish import TargetError, parse_target
from crossorigin.sources.redis_source import RedisSource, redacted_url
from servers.processes import free_port
from servers.stores import EtcdServer, RedisServer

KEY = "cors/policy"
V1 = b'version = "1"\norigins = ["https://one.example"]\n'
V2 = b'version = "2"\norigins = ["https://two.example"]\n'


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def etcd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EtcdServer]:
    server = EtcdServer(tmp_path_factory.mktemp("etcd"))
    server.start()
    yield server
    server.stop()


def run_publish(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(publish_command, list(args), standalone_mode=False)
    if result.exception is not None:
        raise result.exception
    return result.return_value, result.stdout, result.stderr


# -- targets -----------------------------------------------------------------------------


def test_targets() -> None:
    redis = parse_target("redis://127.0.0.1:6380/cors/policy")
    assert (redis.store, redis.url, redis.key) == ("redis", "redis://127.0.0.1:6380", "cors/policy")
    etcd = parse_target("etcd://[::1]:2379//cors%20policy")
    assert (etcd.store, etcd.url, etcd.key) == ("etcd", "http://[::1]:2379", "/cors policy")
    assert parse_target("etcds://h/k").url == "https://h:2379"
    secret = parse_target("redis://:hunter2@h:1/k")
    assert "hunter2" in secret.url and "hunter2" not in secret.shown
    assert "hunter2" not in redacted_url("redis://user:hunter2@h:1/0")
    for bad in ("http://h/k", "redis://h:1/", "redis://:1/k", "redis://h:99999/k", "etcd://h/k?x"):
        with pytest.raises(TargetError):
            parse_target(bad)


def test_publish_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    document = tmp_path / "p.toml"
    document.write_bytes(V1)
    closed = f"redis://127.0.0.1:{free_port()}/k"
    for args in (
        [str(document), "--to", "ftp://h/k"],
        [str(tmp_path / "missing.toml"), "--to", "redis://127.0.0.1:1/k"],
        [str(document), "--to", closed, "--timeout", "0.5"],
        [str(document), "--to", f"etcd://127.0.0.1:{free_port()}/k", "--timeout", "0.5"],
    ):
        code, out, err = run_publish(*args)
        assert code == 2, (args, err)
        assert out == "" and err.count("\n") == 1 and err.startswith("crossorigin publish: ")


# -- Redis ------------------------------------------------------------------------------


def test_publish_to_redis_lints_first_then_sets_and_notifies(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    import redis

    client = redis.Redis.from_url(redis_server.url)
    pubsub = client.pubsub()
    pubsub.subscribe("lint/first")
    document = tmp_path / "p.toml"
    document.write_bytes(b'origins = ["https://a.example/"]\nmethods = ["TRACE"]\n')
    code, out, err = run_publish(str(document), "--to", f"{redis_server.target}/lint/first")
    assert code == 1
    assert out.count(": error [") == 2 and "nothing published" in err
    assert client.get("lint/first") is None
    document.write_bytes(V1)
    code, out, _ = run_publish(str(document), "--to", f"{redis_server.target}/lint/first")
    assert code == 0
    assert f"version 1, {digest_of(V1)}, 1 subscriber(s) notified" in out
    assert client.get("lint/first") == V1
    messages = [pubsub.get_message(timeout=2) for _ in range(2)]
    assert messages[-1] is not None and messages[-1]["data"] == digest_of(V1).encode()
    pubsub.close()
    client.close()


def test_redis_start_up_unreachable_refuses_or_uses_the_cache(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match=r"store unreachable.*refusing to start"):
        RedisSource(url, KEY, startup_timeout=0.5, socket_timeout=0.2).start()
    assert time.monotonic() - started < 5
    cache = tmp_path / "policy.cache"
    cache.write_bytes(V1)
    source = RedisSource(url, KEY, startup_timeout=0.2, socket_timeout=0.2, cache_path=str(cache))
    try:
        assert source.start().version == "1"
        assert source.status.from_cache
    finally:
        source.stop()


def test_redis_reads_are_bounded_and_a_deleted_key_keeps_the_last_good_one(
    redis_server: RedisServer,
) -> None:
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.set("bounded", V1)
    source = RedisSource(redis_server.url, "bounded")
    try:
        source.start()
        huge = b"#" * (MAX_DOCUMENT_BYTES * 4)
        client.set("bounded", huge)
        client.publish("bounded", "x")
        wait_until(lambda: source.status.last_error is not None)
        assert "policy-file-too-large" in (source.status.last_error or "")
        # GETRANGE read one byte past the limit, not the whole value.
        assert digest_of(huge[: MAX_DOCUMENT_BYTES + 1]) in (source.status.last_error or "")
        client.delete("bounded")
        client.publish("bounded", "x")
        wait_until(lambda: "no policy document" in (source.status.last_error or ""))
        assert source.status.version == "1"
    finally:
        source.stop()
        client.close()


# -- etcd -------------------------------------------------------------------------------


def test_etcd_gateway_range_put_and_missing_key(etcd_server: EtcdServer) -> None:
    gateway = EtcdGateway(etcd_server.url)
    assert gateway.range("absent")[0] is None
    revision = gateway.put("present", b"\x00\xffbytes")
    value, mod_revision, current = gateway.range("present")
    assert value == b"\x00\xffbytes" and mod_revision == revision <= current


def test_publish_to_etcd_and_follow_a_delete(etcd_server: EtcdServer, tmp_path: Path) -> None:
    document = tmp_path / "p.toml"
    document.write_bytes(V1)
    code, out, _ = run_publish(str(document), "--to", f"{etcd_server.target}/{KEY}")
    assert code == 0 and "etcd revision" in out
    source = EtcdSource(etcd_server.url, KEY)
    try:
        assert source.start().version == "1"
        revision = EtcdGateway(etcd_server.url).put(KEY, V2)
        wait_until(lambda: source.status.version == "2")
        assert source.status.revision == str(revision)
        gateway = EtcdGateway(etcd_server.url)
        gateway.call("/v3/kv/deleterange", {"key": "Y29ycy9wb2xpY3k="})  # cors/policy
        wait_until(lambda: "no policy document" in (source.status.last_error or ""))
        assert source.status.version == "2"
    finally:
        source.stop()
    assert not source.running


def test_etcd_start_up_unreachable_refuses(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(SourceUnavailable, match="refusing to start"):
        EtcdSource(url, KEY, startup_timeout=0.3, timeout=0.2).start()
