"""A fleet on one policy, against real stores: four processes (two under
uvicorn with the ASGI adapter, two under waitress with the WSGI adapter)
follow one key in a real redis-server or etcd, through a TCP proxy that can
cut them off. They converge on each published version; a bad publish is
refused by `crossorigin publish`, and a poisoned store by every process;
the store is killed and restarted, paused (SIGSTOP: it stops answering
without closing connections), and the processes are partitioned from it
while the store moves on (for etcd, past a compaction of its history). All
along, a monitor checks that no process ever serves a digest that was not
validated or lets the forbidden origin in; after each recovery all converge.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossorigin.cli.publish import command as publish_command
from crossorigin.sources.document import digest_of
from crossorigin.sources.etcd_source import EtcdGateway
from servers.fleet import Fleet, Monitor
from servers.stores import EtcdServer, RedisServer, TcpProxy

KEY = "crossorigin/fleet-policy"
FORBIDDEN = "https://evil.example"
KINDS = ["asgi", "asgi", "wsgi", "wsgi"]


def version(number: int) -> bytes:
    return (
        f'version = "{number}"\norigins = ["https://app{number}.example"]\n'
        "max_age = 5\n"
        f'[[routes]]\nprefix = "/public"\norigins = "*"\n'
    ).encode()


# One entry is invalid (a path): a lenient reader that dropped bad entries
# would let the forbidden origin in.
POISON = f'version = "poison"\norigins = ["{FORBIDDEN}", "https://x.example/path"]\n'.encode()


def publish(path: Path, target: str, data: bytes) -> tuple[int, str, str]:
    path.write_bytes(data)
    result = CliRunner().invoke(
        publish_command, [str(path), "--to", target, "--timeout", "1"], standalone_mode=False
    )
    if result.exception is not None:
        raise result.exception
    return result.return_value, result.stdout, result.stderr


def converge(
    fleet: Fleet, monitor: Monitor, number: int, publish_to: Callable[[bytes], None]
) -> None:
    data = version(number)
    monitor.valid.add(digest_of(data))
    publish_to(data)
    statuses = fleet.wait_for(digest_of(data))
    assert all(status["version"] == str(number) for status in statuses)
    assert (
        fleet.allow_origin(f"https://app{number}.example") == [f"https://app{number}.example"] * 4
    )


def wait_until_refused(fleet: Fleet, data: bytes, keeping: int) -> None:
    """Every process says it refused `data` and still serves version `keeping`."""
    deadline = time.monotonic() + 10
    while not all(digest_of(data) in (status["last_error"] or "") for status in fleet.statuses()):
        assert time.monotonic() < deadline, fleet.statuses()
        time.sleep(0.02)
    assert {status["version"] for status in fleet.statuses()} == {str(keeping)}


def outage_then_pause(
    fleet: Fleet,
    monitor: Monitor,
    server: RedisServer | EtcdServer,
    publish_to: Callable[[bytes], None],
    publish_while_paused: Callable[[bytes], tuple[int, str, str]],
) -> None:
    """From version 2: the store killed, then restarted (version 3); then
    paused, when a publish fails with one line, exit 2, and the fleet serves
    on; resumed, the next publish converges (version 4)."""
    server.kill()
    time.sleep(0.5)
    assert fleet.allow_origin("https://app2.example") == ["https://app2.example"] * 4
    server.start()
    converge(fleet, monitor, 3, publish_to)

    server.pause()
    try:
        # Valid, and possibly applied once the store resumes: the command
        # cannot know, and says so.
        monitor.valid.add(digest_of(version(99)))
        code, _, err = publish_while_paused(version(99))
        assert code == 2 and err.count("\n") == 1 and "cannot write" in err
        assert fleet.allow_origin("https://app3.example") == ["https://app3.example"] * 4
    finally:
        server.resume()
    converge(fleet, monitor, 4, publish_to)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def etcd_server(tmp_path: Path) -> Iterator[EtcdServer]:
    server = EtcdServer(tmp_path / "etcd")
    server.start()
    yield server
    server.stop()


def test_redis_fleet(redis_server: RedisServer, tmp_path: Path) -> None:
    import redis

    target = f"{redis_server.target}/{KEY}"
    direct = redis.Redis.from_url(redis_server.url)
    proxy = TcpProxy(redis_server.port)
    document = tmp_path / "policy.toml"

    def publish_ok(data: bytes) -> None:
        code, out, err = publish(document, target, data)
        assert code == 0, err
        assert digest_of(data) in out

    first = version(1)
    publish_ok(first)
    fleet = Fleet(KINDS, "redis", f"redis://127.0.0.1:{proxy.port}/0", KEY, tmp_path / "logs")
    try:
        with Monitor(fleet, FORBIDDEN) as monitor:
            monitor.valid.add(digest_of(first))
            fleet.wait_for(digest_of(first))
            converge(fleet, monitor, 2, publish_ok)

            # A document with problems is not published at all.
            code, out, err = publish(document, target, POISON)
            assert code == 1 and "nothing published" in err and "error [" in out
            assert direct.get(KEY) == version(2)

            # Written into the store behind publish's back: refused by every
            # process, which keeps version 2 and says why.
            direct.set(KEY, POISON)
            direct.publish(KEY, "poisoned")
            wait_until_refused(fleet, POISON, keeping=2)

            # The store killed: processes keep serving; restarted (its
            # append-only file brings back the poisoned key): still refused;
            # a publish right after the restart reaches everyone. Paused:
            # the write was sent and not answered, which the error says.
            def publish_while_paused(data: bytes) -> tuple[int, str, str]:
                code, out, err = publish(document, target, data)
                assert "may still apply it" in err
                return code, out, err

            outage_then_pause(fleet, monitor, redis_server, publish_ok, publish_while_paused)

            # Partitioned from the store while it changes: the notification
            # reaches nobody (pub/sub does not queue it); the read on
            # reconnection finds the new document.
            proxy.partition()
            time.sleep(0.3)

            def publish_while_cut_off(data: bytes) -> None:
                publish_ok(data)
                time.sleep(0.3)
                assert {s["version"] for s in fleet.statuses()} == {"4"}
                proxy.heal()

            converge(fleet, monitor, 5, publish_while_cut_off)
        assert monitor.violations == [], fleet.log_text()
        assert monitor.samples > 40
        logs = fleet.log_text()
        assert logs.count("refused policy document " + digest_of(POISON)) == 4
    finally:
        fleet.stop()
        proxy.close()
        direct.close()


def test_etcd_fleet(etcd_server: EtcdServer, tmp_path: Path) -> None:
    target = f"{etcd_server.target}/{KEY}"
    gateway = EtcdGateway(etcd_server.url)
    proxy = TcpProxy(etcd_server.port)
    document = tmp_path / "policy.toml"

    def publish_ok(data: bytes) -> None:
        code, out, err = publish(document, target, data)
        assert code == 0, err
        assert digest_of(data) in out and "etcd revision" in out

    first = version(1)
    publish_ok(first)
    fleet = Fleet(KINDS, "etcd", f"http://127.0.0.1:{proxy.port}", KEY, tmp_path / "logs")
    try:
        with Monitor(fleet, FORBIDDEN) as monitor:
            monitor.valid.add(digest_of(first))
            fleet.wait_for(digest_of(first))
            converge(fleet, monitor, 2, publish_ok)

            code, _out, err = publish(document, target, POISON)
            assert code == 1 and "nothing published" in err
            assert gateway.range(KEY)[0] == version(2)

            gateway.put(KEY, POISON)
            wait_until_refused(fleet, POISON, keeping=2)

            outage_then_pause(
                fleet,
                monitor,
                etcd_server,
                publish_ok,
                lambda data: publish(document, target, data),
            )

            # Partitioned while the key moves on twice and etcd compacts its
            # history: the watch cannot resume from the last revision seen;
            # each process re-reads the key and watches from there.
            proxy.partition()
            time.sleep(0.3)

            def publish_compact_heal(data: bytes) -> None:
                publish_ok(version(98))
                monitor.valid.add(digest_of(data))
                publish_ok(data)
                revision = gateway.range(KEY)[2]
                gateway.compact(revision)
                time.sleep(0.2)
                proxy.heal()

            monitor.valid.add(digest_of(version(98)))
            converge(fleet, monitor, 5, publish_compact_heal)
        assert monitor.violations == [], fleet.log_text()
        assert monitor.samples > 40
        logs = fleet.log_text()
        assert logs.count("refused policy document " + digest_of(POISON)) == 4
        assert logs.count("history compacted") == 4, logs
    finally:
        fleet.stop()
        proxy.close()
