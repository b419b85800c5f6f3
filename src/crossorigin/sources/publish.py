"""Publishing a policy document to a store: what `crossorigin publish` does.

Theory of operation: the file is validated exactly as every process will
validate it (`PolicyDocument.from_bytes`); a document with problems is never
written. The bytes are stored unchanged, so the digest printed here is the
one each process reports once it has applied the document.

- Redis: `SET key document` and `PUBLISH key digest` in one MULTI/EXEC
  transaction, so a subscriber notified can already read the new value.
- etcd: one `put`; watchers receive the value with its revision.

Targets are written `redis://HOST:PORT/KEY` (`rediss://` for TLS; a password
as `redis://:PASSWORD@HOST:PORT/KEY`) and `etcd://HOST:PORT/KEY` (`etcds://`
for TLS). The key is the rest of the path after the first `/`, percent-decoded:
`etcd://127.0.0.1:2379/cors/policy` is the key `cors/policy`; a key that starts
with `/` is written with two slashes.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any, Literal

from crossorigin.sources.base import StoreError
from crossorigin.sources.document import PolicyDocument
from crossorigin.sources.etcd_source import EtcdGateway

__all__ = ["PublishResult", "Target", "TargetError", "parse_target", "publish"]

_SCHEMES: dict[str, Literal["redis", "etcd"]] = {
    "redis": "redis",
    "rediss": "redis",
    "etcd": "etcd",
    "etcds": "etcd",
}


class TargetError(ValueError):
    """A `--to` value that is not a store URL with a key."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where to publish: the store, its URL as its client takes it, the key."""

    store: Literal["redis", "etcd"]
    url: str
    key: str
    shown: str  # the target without a password, for messages

    def source(self, **options: Any) -> Any:
        """The source that follows this target (RedisSource or EtcdSource)."""
        if self.store == "redis":
            from crossorigin.sources.redis_source import RedisSource

            return RedisSource(self.url, self.key, **options)
        from crossorigin.sources.etcd_source import EtcdSource

        return EtcdSource(self.url, self.key, **options)


def parse_target(text: str) -> Target:
    parts = urllib.parse.urlsplit(text)
    store = _SCHEMES.get(parts.scheme)
    if store is None:
        raise TargetError(
            f"{text!r} is not a store; write redis://HOST:PORT/KEY or etcd://HOST:PORT/KEY"
        )
    try:
        port = parts.port
    except ValueError:
        raise TargetError(f"{text!r}: the port is not a number from 0 to 65535") from None
    if not parts.hostname:
        raise TargetError(f"{text!r}: no host; write {parts.scheme}://HOST:PORT/KEY")
    key = urllib.parse.unquote(parts.path[1:])
    if not key:
        raise TargetError(f"{text!r}: no key; write {parts.scheme}://HOST:PORT/KEY")
    if parts.query or parts.fragment:
        raise TargetError(f"{text!r}: a target has no query or fragment; the key is the path")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if store == "redis":
        netloc = parts.netloc.rpartition("@")
        url = f"{parts.scheme}://{netloc[0] + '@' if netloc[1] else ''}{host}:{port or 6379}"
    else:
        scheme = "https" if parts.scheme == "etcds" else "http"
        url = f"{scheme}://{host}:{port or 2379}"
    shown = f"{parts.scheme}://{host}:{port or (6379 if store == 'redis' else 2379)}/{key}"
    return Target(store, url, key, shown)


@dataclass(frozen=True, slots=True)
class PublishResult:
    document: PolicyDocument
    target: Target
    revision: int | None  # etcd's revision of the put; None for Redis
    subscribers: int | None  # Redis: processes that received the notification


def publish(data: bytes, target: Target, *, timeout: float = 5.0) -> PublishResult:
    """Validate `data` (ConfigError with every problem) and store it; a store
    that cannot be written raises StoreError."""
    document = PolicyDocument.from_bytes(data, name="the document")
    if target.store == "redis":
        return PublishResult(
            document, target, None, _publish_redis(data, document, target, timeout)
        )
    revision = EtcdGateway(target.url, timeout=timeout).put(target.key, data)
    return PublishResult(document, target, revision, None)


def _publish_redis(data: bytes, document: PolicyDocument, target: Target, timeout: float) -> int:
    from crossorigin.sources.redis_source import _redis_module

    redis = _redis_module()
    client = redis.Redis.from_url(
        target.url, socket_timeout=timeout, socket_connect_timeout=timeout
    )
    try:
        with client.pipeline(transaction=True) as pipeline:
            pipeline.set(target.key, data)
            pipeline.publish(target.key, document.digest)
            _, receivers = pipeline.execute()
    except redis.TimeoutError as error:
        # Sent, unanswered: a paused server may still run the transaction.
        raise StoreError(f"{type(error).__name__}: {error}", uncertain=True) from None
    except redis.RedisError as error:
        raise StoreError(f"{type(error).__name__}: {error}") from None
    finally:
        client.close()
    return int(receivers)
