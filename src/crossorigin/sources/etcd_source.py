"""`EtcdSource`: a policy document under an etcd v3 key, followed with a
watch. Standard library only: etcd serves its v3 API as JSON over HTTP (the
gRPC gateway, `/v3/kv/range`, `/v3/kv/put`, `/v3/watch`; keys and values in
base64, 64-bit integers as strings), since etcd 3.4, so no gRPC client is
needed.

Theory of operation: the first read (`range`) gives the document and the
store's revision R; the thread then watches the key from R + 1, and each event
carries the new value, offered for validation, and its `mod_revision`. After
a broken stream, the watch resumes from the last revision seen + 1, so no
change in between is skipped. If etcd has compacted its history past that
point, the watch is cancelled with `compact_revision`; the source then reads
the key again (the current value is all that matters) and watches from the
revision of that read. A stream silent for `idle_timeout` seconds is checked
with a read (which notices a partition) and re-opened. A deleted key keeps
the last good document and says so in the status.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import http.client
import json
import socket
import ssl
import urllib.parse
from collections.abc import Iterator
from typing import Any, Final

from crossorigin.sources.base import Backoff, PolicySource, StoreError, logger
from crossorigin.sources.document import MAX_DOCUMENT_BYTES

__all__ = ["EtcdGateway", "EtcdSource", "WatchCompacted"]

#: A JSON answer carrying one document: base64 (4/3) plus the envelope.
MAX_ANSWER_BYTES: Final = MAX_DOCUMENT_BYTES * 2 + 65536


class WatchCompacted(Exception):
    """The watch's start revision is older than etcd's compacted history."""

    def __init__(self, compact_revision: int) -> None:
        super().__init__(f"history compacted up to revision {compact_revision}")
        self.compact_revision = compact_revision


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class EtcdGateway:
    """The few etcd v3 calls a source and `crossorigin publish` need, over
    the JSON gateway at `url` (`http://HOST:PORT` or `https://...`)."""

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"an etcd URL is http://HOST:PORT or https://HOST:PORT, not {url!r}")
        self.url = url
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or 2379
        self.timeout = timeout

    def connection(self, timeout: float | None = None) -> http.client.HTTPConnection:
        timeout = self.timeout if timeout is None else timeout
        if self.https:
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=timeout, context=ssl.create_default_context()
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        connection = self.connection()
        sent = False
        try:
            connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
            sent = True
            response = connection.getresponse()
            data = response.read(MAX_ANSWER_BYTES + 1)
        except (OSError, http.client.HTTPException) as error:
            # Sent and unanswered: a paused etcd may still apply a write.
            raise StoreError(f"{type(error).__name__}: {error}", uncertain=sent) from None
        finally:
            connection.close()
        if len(data) > MAX_ANSWER_BYTES:
            raise StoreError(f"etcd answered {path} with more than {MAX_ANSWER_BYTES} bytes")
        answer = _json_object(data, path)
        if response.status != 200:
            message = answer.get("message") or answer.get("error") or f"status {response.status}"
            raise StoreError(f"etcd refused {path}: {str(message)[:200]}")
        return answer

    def range(self, key: str) -> tuple[bytes | None, int, int]:
        """(value or None when absent, its mod_revision, the store's revision)."""
        answer = self.call("/v3/kv/range", {"key": _b64(key.encode())})
        revision = _integer(answer.get("header", {}).get("revision"))
        kvs = answer.get("kvs") or []
        if not kvs:
            return None, 0, revision
        kv = kvs[0]
        return _value(kv), _integer(kv.get("mod_revision")), revision

    def put(self, key: str, value: bytes) -> int:
        """Store `value`; returns the new revision."""
        answer = self.call("/v3/kv/put", {"key": _b64(key.encode()), "value": _b64(value)})
        return _integer(answer.get("header", {}).get("revision"))

    def compact(self, revision: int) -> None:
        self.call("/v3/kv/compaction", {"revision": revision, "physical": True})

    def watch(self, key: str, start_revision: int, idle_timeout: float) -> WatchStream:
        return WatchStream(self, key, start_revision, idle_timeout)


class WatchStream:
    """One watch as an iterator of etcd's results (dicts). `close()` from
    another thread unblocks a waiting read."""

    def __init__(
        self, gateway: EtcdGateway, key: str, start_revision: int, idle_timeout: float
    ) -> None:
        self._connection = gateway.connection(timeout=idle_timeout)
        body = {"create_request": {"key": _b64(key.encode()), "start_revision": start_revision}}
        try:
            self._connection.request(
                "POST", "/v3/watch", json.dumps(body), {"Content-Type": "application/json"}
            )
            self._response = self._connection.getresponse()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise StoreError(f"{type(error).__name__}: {error}") from None
        if self._response.status != 200:
            self.close()
            raise StoreError(f"etcd refused the watch: status {self._response.status}")

    def __iter__(self) -> Iterator[dict[str, Any]]:
        while True:
            try:
                line = self._response.readline(MAX_ANSWER_BYTES + 1)
            except TimeoutError:
                raise
            except (OSError, http.client.HTTPException, ValueError) as error:
                raise StoreError(f"watch stream broken: {type(error).__name__}: {error}") from None
            if not line:
                raise StoreError("etcd closed the watch stream")
            if len(line) > MAX_ANSWER_BYTES:
                raise StoreError("a watch event is larger than any document")
            if not line.strip():
                continue
            answer = _json_object(line, "/v3/watch")
            if "error" in answer:
                raise StoreError(f"etcd watch error: {str(answer['error'])[:200]}")
            result = answer.get("result")
            if not isinstance(result, dict):
                raise StoreError("etcd watch: an answer without a result")
            yield result

    def close(self) -> None:
        sock = self._connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._connection.close()


def _json_object(data: bytes, path: str) -> dict[str, Any]:
    try:
        answer = json.loads(data)
    except (ValueError, RecursionError):
        raise StoreError(f"etcd answered {path} with something that is not JSON") from None
    if not isinstance(answer, dict):
        raise StoreError(f"etcd answered {path} with JSON that is not an object")
    return answer


def _integer(value: object) -> int:
    """etcd's int64 fields arrive as decimal strings, absent when 0."""
    if value is None:
        return 0
    if isinstance(value, int | str) and str(value).isdigit() and len(str(value)) <= 20:
        return int(value)
    raise StoreError(f"etcd sent {str(value)[:40]!r} where a revision belongs")


def _value(kv: dict[str, Any]) -> bytes:
    try:
        return base64.b64decode(kv.get("value", ""), validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise StoreError("etcd sent a value that is not base64") from None


class EtcdSource(PolicySource):
    """A policy document under `key` in etcd v3, at `url`
    (`http://HOST:PORT` or `https://HOST:PORT`, the client URL)."""

    def __init__(
        self,
        url: str,
        key: str,
        *,
        timeout: float = 5.0,
        idle_timeout: float = 30.0,
        cache_path: str | None = None,
        startup_timeout: float = 10.0,
        backoff_ceiling: float = 5.0,
    ) -> None:
        self.gateway = EtcdGateway(url, timeout=timeout)
        self.key = key
        self.idle_timeout = idle_timeout
        self._watch_from = 0
        self._stream: WatchStream | None = None
        super().__init__(
            cache_path=cache_path, startup_timeout=startup_timeout, backoff_ceiling=backoff_ceiling
        )

    def describe(self) -> str:
        return f"etcd {self.gateway.url} key {self.key!r}"

    def _read(self) -> tuple[bytes | None, str | None]:
        value, mod_revision, revision = self.gateway.range(self.key)
        self._watch_from = revision + 1
        return value, str(mod_revision) if value is not None else None

    def _read_and_offer(self) -> None:
        data, revision = self._read()
        if data is None:
            self._missing()
        else:
            self._offer(data, revision)

    def _watch(self) -> None:
        backoff = Backoff(ceiling=self.backoff_ceiling)
        while not self._stopping.is_set():
            try:
                self._follow(backoff)
            except WatchCompacted as compacted:
                # What happened in the compacted history no longer matters:
                # the current value does. Read it, then watch from there.
                logger.info(
                    "%s: watch history compacted up to revision %d (last seen %d); "
                    "reading the key again",
                    self.describe(),
                    compacted.compact_revision,
                    self._watch_from - 1,
                )
                try:
                    self._read_and_offer()
                    continue
                except StoreError as error:
                    self._unreachable(error)
            except TimeoutError:
                # Silent for idle_timeout: make sure the store still answers
                # (a partition shows here), then watch again.
                try:
                    self._read_and_offer()
                    continue
                except StoreError as error:
                    self._unreachable(error)
            except StoreError as error:
                self._unreachable(error)
            if self._wait(backoff.delay()):
                return

    def _follow(self, backoff: Backoff) -> None:
        stream = self.gateway.watch(self.key, self._watch_from, self.idle_timeout)
        self._stream = stream
        try:
            if self._stopping.is_set():
                return
            for result in stream:
                if result.get("canceled"):
                    compacted = _integer(result.get("compact_revision"))
                    if compacted:
                        raise WatchCompacted(compacted)
                    reason = str(result.get("cancel_reason", "no reason given"))[:200]
                    raise StoreError(f"etcd cancelled the watch: {reason}")
                if result.get("created"):
                    backoff.reset()
                    self._reachable()
                events = result.get("events") or []
                if events:
                    # A batch can hold several changes of the key: only the
                    # last one is the key's value now.
                    kv = events[-1].get("kv") or {}
                    revision = _integer(kv.get("mod_revision"))
                    if events[-1].get("type") == "DELETE":
                        self._missing()
                    else:
                        self._offer(_value(kv), str(revision))
                    self._watch_from = max(self._watch_from, revision + 1)
        finally:
            self._stream = None
            stream.close()

    def _interrupt(self) -> None:
        stream = self._stream
        if stream is not None:
            stream.close()
