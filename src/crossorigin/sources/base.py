"""`PolicySource`: a policy document kept current from a store, one
background thread per source, feeding `reconfigure()` in this process.

Theory of operation. A source owns one daemon thread that talks to its store
with blocking I/O (a file's stat, a Redis connection, an etcd watch stream)
and hands every document it reads to `_offer()`. `_offer()` validates the
bytes into a `PolicyDocument`; only a valid one reaches the subscribers (the
adapters), which build their engine table in that thread and swap one
attribute. The request path never waits for the store, never takes a lock,
and never sees a half-applied document: it reads either the old table or the
new one.

Why a thread and not asyncio: the same source must serve WSGI (no event loop),
Django (sync or async) and ASGI. A thread works under all three; under ASGI it
keeps store I/O and policy compilation (regex checks, public-suffix lookups)
off the event loop, where a slow store or a large policy would stall every
request. The swap is a single attribute store, atomic for readers on any
Python. The thread is a daemon, so it never keeps a process alive; a process
forked after start-up (gunicorn --preload) gets a new thread in the child.

Refusal: a document that fails validation is logged once (one line with its
digest and the problems) and recorded in `status.last_error`; the last good
document keeps serving. The same bytes seen again are not re-validated or
re-logged.

Start-up (`start()`): the first document is read synchronously, retrying with
backoff until `startup_timeout`. When the store stays unreachable, holds no
document, or holds an invalid one, the source falls back to `cache_path` (the
last good document this process or an earlier one wrote there, validated
again like any document) and says so in the log and the status; without a
usable cache it raises `SourceUnavailable`, so the application refuses to
start. It never starts with an allow-all or empty policy.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any, Final

from crossorigin.policy import ConfigError
from crossorigin.sources.document import PolicyDocument, digest_of
from crossorigin.terminal import safe

__all__ = [
    "Backoff",
    "PolicySource",
    "SourceStatus",
    "SourceUnavailable",
    "StoreError",
    "Subscriber",
]

logger: Final = logging.getLogger("crossorigin.sources")

Subscriber = Callable[[PolicyDocument], None]


class SourceUnavailable(RuntimeError):
    """No valid document at start-up: the store is unreachable, empty or holds
    an invalid document, and there is no usable cached copy."""


class StoreError(Exception):
    """The store could not be read or written (connection refused, timeout,
    protocol error); a source retries with backoff. `uncertain`: the request
    may have reached the store before the failure (a timeout after sending),
    so a write may still take effect."""

    def __init__(self, message: str, *, uncertain: bool = False) -> None:
        super().__init__(message)
        self.uncertain = uncertain


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """What a source serves and how it stands, for a health or admin
    endpoint (`status.to_dict()` is JSON-ready).

    `version`/`digest`: the document in force (None before the first).
    `revision`: the store's own counter for it (etcd's mod_revision, the
    file's mtime in ns), when it has one. `updated_at`: when it was applied
    (Unix time). `checked_at`: last successful contact with the store.
    `last_error`: None while the process serves what the store holds; else why
    not (a refused document with its digest, the store unreachable, the key
    missing), since `error_at`. `from_cache`: serving the cached copy because
    the store could not be read at start-up."""

    source: str
    version: str | None = None
    digest: str | None = None
    revision: str | None = None
    updated_at: float | None = None
    checked_at: float | None = None
    last_error: str | None = None
    error_at: float | None = None
    from_cache: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Backoff:
    """Exponential backoff with full jitter, reset after a success: a fleet
    reconnecting to a restarted store does not arrive all at once."""

    def __init__(self, first: float = 0.1, ceiling: float = 5.0) -> None:
        self.first = first
        self.ceiling = ceiling
        self._next = first

    def delay(self) -> float:
        delay = random.uniform(self._next / 2, self._next)
        self._next = min(self._next * 2, self.ceiling)
        return delay

    def reset(self) -> None:
        self._next = self.first


class PolicySource:
    """Base of every source. Subclasses implement `_read()` (one synchronous
    read of the store: the document's bytes, or None when there is none, and
    the store's revision) and `_watch()` (the thread's loop, which calls
    `_offer()`, `_missing()` and `_unreachable()` until `_stopping` is set),
    and may implement `_interrupt()` to unblock a read when stopping."""

    def __init__(
        self,
        *,
        cache_path: str | os.PathLike[str] | None = None,
        startup_timeout: float = 10.0,
        backoff_ceiling: float = 5.0,
    ) -> None:
        self.cache_path = os.fspath(cache_path) if cache_path is not None else None
        self.startup_timeout = startup_timeout
        self.backoff_ceiling = backoff_ceiling
        self._document: PolicyDocument | None = None
        self._status = SourceStatus(source=self.describe())
        self._subscribers: list[Subscriber] = []
        self._lock = threading.RLock()  # serialises applying and subscribing
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._refused_digest: str | None = None
        self._unreachable_logged = False
        self._pid = os.getpid()
        _SOURCES.add(self)

    # -- what subclasses provide -------------------------------------------------------

    def describe(self) -> str:
        """The store and key, for logs and status (no credentials)."""
        raise NotImplementedError

    def _read(self) -> tuple[bytes | None, str | None]:
        raise NotImplementedError

    def _watch(self) -> None:
        raise NotImplementedError

    def _interrupt(self) -> None:
        """Unblock the thread's pending read (close its connection)."""

    # -- public ------------------------------------------------------------------------

    @property
    def document(self) -> PolicyDocument | None:
        """The document in force (None before `start()`)."""
        return self._document

    @property
    def status(self) -> SourceStatus:
        return self._status

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> PolicyDocument:
        """Load the first document (see the module's start-up rules) and start
        watching; returns the document. Calling it again does nothing."""
        with self._lock:
            if self._document is None:
                self._load_first()
            if not self.running:
                self._start_thread()
            assert self._document is not None
            return self._document

    def stop(self, timeout: float = 5.0) -> None:
        """Stop watching; the document in force stays readable."""
        thread = self._thread
        self._stopping.set()
        self._interrupt()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None

    def subscribe(self, subscriber: Subscriber) -> PolicyDocument:
        """Start if needed, call `subscriber` with the document in force now
        and then with every new valid one (from the source's thread). The first
        call happens before this returns, under the same lock as later ones,
        so a subscriber never applies an older document after a newer one."""
        with self._lock:
            document = self.start()
            subscriber(document)
            self._subscribers.append(subscriber)
            return document

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Stop calling `subscriber`; the source stops when none is left."""
        with self._lock:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(subscriber)
            last = not self._subscribers
        if last:
            self.stop()

    def __enter__(self) -> PolicySource:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        status = self._status
        return f"<{type(self).__name__} {self.describe()} digest={status.digest}>"

    # -- start-up ----------------------------------------------------------------------

    def _load_first(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        backoff = Backoff(ceiling=min(self.backoff_ceiling, 1.0))
        reason = "no attempt made"
        while True:
            try:
                data, revision = self._read()
            except StoreError as error:
                reason = f"store unreachable: {error}"
            else:
                if data is None:
                    reason = "no policy document in the store"
                else:
                    try:
                        document = PolicyDocument.from_bytes(data, name=self.describe())
                    except ConfigError as error:
                        # Waiting will not fix a bad document; the cache may.
                        reason = f"refused document {digest_of(data)}: {error}"
                        self._record_error(reason)
                        break
                    self._apply(document, revision, data)
                    return
            if time.monotonic() + 0.01 >= deadline:
                break
            time.sleep(min(backoff.delay(), max(0.0, deadline - time.monotonic())))
        self._fall_back_to_cache(reason)

    def _fall_back_to_cache(self, reason: str) -> None:
        where = self.describe()
        if self.cache_path is None:
            raise SourceUnavailable(
                f"{where}: no valid policy document at start-up ({safe(reason)}); "
                "refusing to start (set cache_path= to start from the last good copy)"
            )
        try:
            document = PolicyDocument.from_file(self.cache_path)
        except ConfigError as error:
            raise SourceUnavailable(
                f"{where}: no valid policy document at start-up ({safe(reason)}), and the "
                f"cached copy is unusable: {safe(str(error))}; refusing to start"
            ) from None
        logger.warning(
            "%s: starting from the cached copy %r, %s, because: %s",
            where,
            self.cache_path,
            document.describe(),
            safe(reason),
        )
        self._apply(document, None, None, from_cache=True)
        self._record_error(f"serving the cached copy: {reason}")

    def _start_thread(self) -> None:
        self._stopping = threading.Event()
        self._pid = os.getpid()
        self._thread = threading.Thread(
            target=self._run, name=f"crossorigin source {self.describe()}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        try:
            self._watch()
        except Exception:  # a bug must not pass silently, nor kill the policy
            logger.exception("%s: the watcher stopped on an unexpected error", self.describe())
            self._record_error("the watcher stopped on an unexpected error (see the log)")

    # -- what the thread reports -------------------------------------------------------

    def _offer(self, data: bytes, revision: str | None) -> None:
        """A document read from the store: applied if valid and new."""
        digest = digest_of(data)
        now = time.time()
        if self._document is not None and digest == self._document.digest:
            self._unreachable_logged = False
            if self._status.from_cache:
                # The store confirms the cached copy: no longer stale.
                self._set_status(from_cache=False)
            self._set_status(
                checked_at=now, revision=revision or self._status.revision, last_error=None
            )
            self._refused_digest = None
            return
        if digest == self._refused_digest:
            self._set_status(checked_at=now)
            return
        try:
            document = PolicyDocument.from_bytes(data, name=self.describe())
        except ConfigError as error:
            self._refused_digest = digest
            kept = self._document.describe() if self._document is not None else "nothing"
            message = f"refused document {digest}: {error}"
            logger.error(
                "%s: refused policy document %s (it fails validation); keeping %s: %s",
                self.describe(),
                digest,
                kept,
                safe(str(error)).replace("\\n", "; "),
            )
            self._set_status(checked_at=now)
            self._record_error(message)
            return
        self._refused_digest = None
        self._unreachable_logged = False
        self._apply(document, revision, data)

    def _missing(self) -> None:
        """The store answers but holds no document under the key."""
        if self._status.last_error != _MISSING:
            kept = self._document.describe() if self._document is not None else "nothing"
            logger.error("%s: the policy document is gone; keeping %s", self.describe(), kept)
        self._refused_digest = None
        self._set_status(checked_at=time.time())
        self._record_error(_MISSING)

    def _unreachable(self, error: BaseException | str) -> None:
        """The store could not be reached; the thread will retry."""
        if self._stopping.is_set():
            return
        message = f"store unreachable: {error}"
        if not self._unreachable_logged:
            self._unreachable_logged = True
            kept = self._document.describe() if self._document is not None else "nothing"
            logger.warning("%s: %s; keeping %s and retrying", self.describe(), safe(message), kept)
        self._record_error(message)

    def _reachable(self) -> None:
        """The store answers again (a watch re-established)."""
        with self._lock:
            error = self._status.last_error
            if error is not None and error.startswith("store unreachable"):
                self._status = replace(self._status, last_error=None, error_at=None)
                logger.info("%s: the store answers again", self.describe())
            self._status = replace(self._status, checked_at=time.time())
        self._unreachable_logged = False

    def _wait(self, seconds: float) -> bool:
        """Sleep unless stopping; True when the thread should stop."""
        return self._stopping.wait(seconds)

    # -- applying ----------------------------------------------------------------------

    def _apply(
        self,
        document: PolicyDocument,
        revision: str | None,
        data: bytes | None,
        *,
        from_cache: bool = False,
    ) -> None:
        with self._lock:
            for subscriber in list(self._subscribers):
                try:
                    subscriber(document)
                except Exception:
                    logger.exception(
                        "%s: a subscriber failed to apply %s", self.describe(), document.describe()
                    )
            self._document = document
            now = time.time()
            self._status = replace(
                self._status,
                version=document.version,
                digest=document.digest,
                revision=revision,
                updated_at=now,
                checked_at=None if from_cache else now,
                last_error=None,
                error_at=None,
                from_cache=from_cache,
            )
        logger.info("%s: applied policy %s", self.describe(), document.describe())
        if data is not None and not from_cache:
            self._write_cache(data)

    def _write_cache(self, data: bytes) -> None:
        """The validated bytes as stored (same digest), replaced atomically."""
        if self.cache_path is None:
            return
        directory = os.path.dirname(os.path.abspath(self.cache_path))
        try:
            descriptor, temporary = tempfile.mkstemp(prefix=".crossorigin-", dir=directory)
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.cache_path)
        except OSError as error:
            logger.warning(
                "%s: cannot write the cache %r: %s", self.describe(), self.cache_path, error
            )

    def _set_status(self, **changes: Any) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)

    def _record_error(self, message: str) -> None:
        with self._lock:
            if self._status.last_error != message:
                self._status = replace(self._status, last_error=message, error_at=time.time())

    def _after_fork_in_child(self) -> None:
        """The thread did not survive fork(); start a new one in the child."""
        if self._thread is None or os.getpid() == self._pid:
            return
        self._thread = None
        self._lock = threading.RLock()
        self._start_thread()


_MISSING: Final = "no policy document in the store (deleted?); keeping the last good one"

#: Every live source, so a forked child can restart their threads.
_SOURCES: weakref.WeakSet[PolicySource] = weakref.WeakSet()


def _restart_after_fork() -> None:
    for source in list(_SOURCES):
        source._after_fork_in_child()


os.register_at_fork(after_in_child=_restart_after_fork)
