"""`RedisSource`: a policy document under a Redis key, with a pub/sub
notification on every change. Needs the `redis` package
(`pip install 'crossorigin[redis]'`); imported only when the source runs.

Theory of operation: the key holds the document's bytes; a publisher
(`crossorigin publish`) sets the key and publishes the digest on the channel
named like the key, in one MULTI/EXEC transaction. The thread subscribes
first and reads the key second, on every connection and every reconnection:
Redis pub/sub delivers messages only to connected subscribers and never
replays them, so whatever was published while this process was disconnected
is found by that read. A notification's payload is never trusted: it only
says "read the key again". Pending notifications are drained before one
read, so a burst of publishes costs one read. Every `resync_interval`
seconds the key is read anyway, which also notices a silent partition (the
read times out after `socket_timeout`). Connection failures reconnect with
exponential backoff and jitter.

Reads are bounded: the key is read with GETRANGE up to one byte past the
document limit, so a huge value cannot exhaust memory.
"""

from __future__ import annotations

import contextlib
import time
import urllib.parse
from typing import TYPE_CHECKING, Any

from crossorigin.sources.base import Backoff, PolicySource, StoreError
from crossorigin.sources.document import MAX_DOCUMENT_BYTES

if TYPE_CHECKING:
    import redis

__all__ = ["RedisSource", "redacted_url"]


def _redis_module() -> Any:
    try:
        import redis
    except ImportError:
        raise ImportError(
            "RedisSource needs the redis package: pip install 'crossorigin[redis]'"
        ) from None
    return redis


def redacted_url(url: str) -> str:
    """The URL without its password, for logs and status."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urllib.parse.urlunsplit(parts._replace(netloc=user + netloc))


class RedisSource(PolicySource):
    """A policy document under `key` on the Redis server at `url`
    (`redis://HOST:PORT/DB`, `rediss://` for TLS, as redis-py reads it).
    Notifications arrive on the channel named like the key unless `channel`
    says otherwise."""

    def __init__(
        self,
        url: str,
        key: str,
        *,
        channel: str | None = None,
        resync_interval: float = 30.0,
        socket_timeout: float = 5.0,
        cache_path: str | None = None,
        startup_timeout: float = 10.0,
        backoff_ceiling: float = 5.0,
    ) -> None:
        self.url = url
        self.key = key
        self.channel = channel if channel is not None else key
        self.resync_interval = resync_interval
        self.socket_timeout = socket_timeout
        self._redis = _redis_module()
        super().__init__(
            cache_path=cache_path, startup_timeout=startup_timeout, backoff_ceiling=backoff_ceiling
        )

    def describe(self) -> str:
        return f"redis {redacted_url(self.url)} key {self.key!r}"

    def _client(self) -> redis.Redis:
        client: redis.Redis = self._redis.Redis.from_url(
            self.url,
            socket_timeout=self.socket_timeout,
            socket_connect_timeout=self.socket_timeout,
        )
        return client

    def _get(self, client: redis.Redis) -> bytes | None:
        try:
            with client.pipeline(transaction=True) as pipeline:
                pipeline.exists(self.key)
                pipeline.getrange(self.key, 0, MAX_DOCUMENT_BYTES)
                exists, data = pipeline.execute()
        except self._redis.RedisError as error:
            raise StoreError(f"{type(error).__name__}: {error}") from None
        if not exists:
            return None
        return bytes(data)

    def _read(self) -> tuple[bytes | None, str | None]:
        client = self._client()
        try:
            return self._get(client), None
        finally:
            client.close()

    def _watch(self) -> None:
        backoff = Backoff(ceiling=self.backoff_ceiling)
        errors: tuple[type[Exception], ...] = (self._redis.RedisError, OSError, StoreError)
        while not self._stopping.is_set():
            client = self._client()
            pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
            try:
                # Subscribe, then read: a publish in between is both seen by
                # the read and notified, never lost.
                pubsub.subscribe(self.channel)
                self._read_and_offer(client)
                backoff.reset()
                last_read = time.monotonic()
                while not self._stopping.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    due = time.monotonic() - last_read >= self.resync_interval
                    if message is None and not due:
                        continue
                    while message is not None:  # one read for a burst
                        message = pubsub.get_message(timeout=0.0)
                    self._read_and_offer(client)
                    last_read = time.monotonic()
            except errors as error:
                self._unreachable(f"{type(error).__name__}: {error}")
            finally:
                for closeable in (pubsub, client):
                    with contextlib.suppress(*errors):
                        closeable.close()
            if self._wait(backoff.delay()):
                return

    def _read_and_offer(self, client: redis.Redis) -> None:
        data = self._get(client)
        if data is None:
            self._missing()
        else:
            self._offer(data, None)
