"""The origin resolver's contract, and the one place that runs it.

Theory of operation: a policy may name a `resolver`, a function the
application writes (`resolver(origin, request) -> bool | Grant`, or a
coroutine function returning the same) that decides the origins its
`origins` list does not cover: tenants' domains in a database, OIDC clients
registered at run time. This module owns what crosses that boundary:

- `RequestInfo`, the small read-only view of the request the resolver gets
  (method, path, host, headers); built only when the resolver is called.
- `Grant`, what the resolver may return besides True/False: per-origin
  `credentials` and `expose_headers`. Whether a grant is acceptable is a rule
  of what may be configured, so `crossorigin.policy.check_grant` decides it.
- `pending_call`, what every edge (ASGI, WSGI, Django) asks before deciding:
  whether this `Origin` needs the resolver, and the arguments of the call.
- `call_sync` and `call_async`, the only code that calls a resolver. Both
  fail closed: an exception, a timeout, a value of the wrong type or a
  saturated pool (below) is an `Outcome` with `failed` set, which the engine
  turns into a refusal, never a 500; and one log line, at most one per
  `LOG_INTERVAL` seconds per kind of failure, so a broken database does not
  flood the log.

Timeouts. Python cannot interrupt a running function. A sync resolver
therefore runs on a small shared pool of `POOL_THREADS` threads and the
request waits at most the policy's `resolver_timeout` for it; a resolver that
hangs keeps its thread, and once `MAX_PENDING` calls are waiting or running,
further calls are refused at once instead of queueing without bound (bounded
memory under a stuck database). A coroutine resolver is awaited under
`asyncio.wait_for`, which cancels it at the timeout.

Caching is the engine's (`Engine.settle` keeps each outcome for the
policy's `resolver_ttl` / `resolver_refusal_ttl`, failures for at most
`FAILURE_TTL`), so a warm origin costs a dictionary lookup and a clock read.
"""

from __future__ import annotations

import concurrent.futures
import inspect
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, NamedTuple, TypeAlias

if TYPE_CHECKING:
    # Imported where a coroutine is awaited: the core (and tools such as the
    # audit's judge) import this module without starting any I/O machinery.
    import asyncio

    from crossorigin.engine import Engine  # which imports this module

__all__ = [
    "Grant",
    "Outcome",
    "RequestInfo",
    "Resolver",
    "call_async",
    "call_sync",
    "is_async",
    "log_failure",
    "pending_call",
]

#: Threads running sync resolvers, shared by every engine of the process.
POOL_THREADS: Final = 8
#: Resolver calls running or waiting past which new ones are refused unrun.
MAX_PENDING: Final = 64
#: A failure (exception, timeout) is remembered at most this long, so a
#: flapping database is asked again soon, but not on every request.
FAILURE_TTL: Final = 1.0
#: At most one log line per kind of failure per this many seconds.
LOG_INTERVAL: Final = 10.0

logger: Final = logging.getLogger("crossorigin")


@dataclass(frozen=True, slots=True)
class Grant:
    """An allowed origin with its own options. `None` keeps the policy's
    value; a value sets it for this origin (validated like a policy field:
    credentials for an `http://` origin, or `*` exposed with credentials, are
    refused and the origin with them)."""

    credentials: bool | None = None
    expose_headers: Collection[str] | None = None


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """The request, as the resolver sees it: read-only. `headers` maps
    lower-case names to values (repeated lines joined with `, `)."""

    method: str
    path: str
    host: str | None
    headers: Mapping[str, str]

    @classmethod
    def from_pairs(
        cls, method: str, path: str, pairs: Iterable[tuple[bytes | str, bytes | str]]
    ) -> RequestInfo:
        """From header lines in any case, bytes (ASGI) or text (WSGI, Django)."""
        joined: dict[str, str] = {}
        for name, value in pairs:
            key = (name.decode("latin-1") if isinstance(name, bytes) else name).lower()
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            joined[key] = f"{joined[key]}, {text}" if key in joined else text
        return cls(method, path, joined.get("host"), MappingProxyType(joined))

    @classmethod
    def from_environ(cls, environ: Mapping[str, object]) -> RequestInfo:
        """From a WSGI environ or Django's `request.META`."""
        pairs = [
            (key[5:].replace("_", "-"), value)
            for key, value in environ.items()
            if key.startswith("HTTP_") and isinstance(value, str)
        ]
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            value = environ.get(key)
            if isinstance(value, str) and value:
                pairs.append((key.replace("_", "-"), value))
        method = environ.get("REQUEST_METHOD")
        path = environ.get("PATH_INFO")
        return cls.from_pairs(
            method if isinstance(method, str) else "GET",
            path if isinstance(path, str) else "/",
            pairs,
        )


Resolver: TypeAlias = Callable[[str, RequestInfo], "bool | Grant | Awaitable[bool | Grant]"]


class Outcome(NamedTuple):
    """What a resolver call came to: `value` (True, False or a Grant) or,
    when `failed` names what went wrong, a refusal."""

    value: bool | Grant
    failed: str | None = None


def is_async(resolver: object) -> bool:
    """A coroutine function, or an object whose `__call__` is one."""
    return inspect.iscoroutinefunction(resolver) or inspect.iscoroutinefunction(
        getattr(resolver, "__call__", None)  # noqa: B004 (a callable object's method)
    )


_pool: concurrent.futures.ThreadPoolExecutor | None = None
# Reentrant: a done-callback runs at once, under the lock, when the future is
# already done.
_pool_lock = threading.RLock()
_pending = 0
_last_logged: dict[str, float] = {}
#: Calls in flight, by (resolver, origin): concurrent requests from one new
#: origin share one call instead of each taking a thread (a burst from one
#: page would otherwise saturate the pool and refuse a good origin).
_in_flight: dict[tuple[int, str], concurrent.futures.Future[object]] = {}
_tasks: dict[tuple[int, int, str], asyncio.Task[object]] = {}


def _submit(
    resolver: Resolver, origin: str, request: RequestInfo
) -> concurrent.futures.Future[object] | None:
    """The pool's future for this call (a running one when there is one), or
    None when MAX_PENDING calls are already pending."""
    global _pool, _pending
    key = (id(resolver), origin)
    with _pool_lock:
        running = _in_flight.get(key)
        if running is not None:
            return running
        if _pending >= MAX_PENDING:
            return None
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(
                POOL_THREADS, thread_name_prefix="crossorigin-resolver"
            )
        future: concurrent.futures.Future[object] = _pool.submit(resolver, origin, request)
        _pending += 1
        _in_flight[key] = future

        def finished(done: concurrent.futures.Future[object]) -> None:
            global _pending
            with _pool_lock:
                _pending -= 1
                if _in_flight.get(key) is done:
                    del _in_flight[key]

        future.add_done_callback(finished)
        return future


def pending_calls() -> int:
    """Resolver calls running or waiting on the pool (for tests and health pages)."""
    return _pending


def _checked(value: object, origin: str) -> Outcome:
    if isinstance(value, bool | Grant):
        return Outcome(value)
    return _failure("bad-answer", origin, f"returned {type(value).__name__}, not bool or Grant")


def _failure(kind: str, origin: str, detail: str) -> Outcome:
    """A refusal, logged (`log_failure`)."""
    log_failure(kind, origin, detail)
    return Outcome(False, f"{kind}: {detail[:200]}")


def log_failure(kind: str, origin: str, detail: str) -> None:
    """One warning, at most once per LOG_INTERVAL per kind of failure."""
    from crossorigin.terminal import safe

    now = time.monotonic()
    last = _last_logged.get(kind)
    if last is None or now - last >= LOG_INTERVAL:
        _last_logged[kind] = now
        logger.warning(
            "CORS resolver %s for origin %s (%s); refused. Further %s failures are not "
            "logged for %.0f s.",
            kind,
            safe(origin[:200]),
            safe(detail[:200]),
            kind,
            LOG_INTERVAL,
        )


#: The arguments of `call_sync` and `call_async`.
ResolverCall: TypeAlias = "tuple[Resolver, str, RequestInfo, float]"


def pending_call(
    engine: Engine, origin: bytes | None, request: Callable[[], RequestInfo]
) -> tuple[bytes, ResolverCall] | None:
    """What every edge does before deciding: when this `Origin` is for the
    policy's resolver to decide (`Engine.needs_resolver`), the raw origin and
    the arguments of the `call_sync` or `call_async` the edge makes, with the
    request described by `request()` (built only then); else None. The edge
    hands the outcome to `engine.settle(origin, outcome)`."""
    if origin is None or not engine.needs_resolver(origin):
        return None
    resolver = engine.resolver
    assert resolver is not None  # needs_resolver says there is one
    return origin, (resolver, origin.decode("latin-1"), request(), engine.resolver_timeout)


def call_sync(resolver: Resolver, origin: str, request: RequestInfo, timeout: float) -> Outcome:
    """Run a sync resolver on the pool, waiting at most `timeout` seconds."""
    try:
        future = _submit(resolver, origin, request)
    except RuntimeError as error:  # the pool is shut down (interpreter exit)
        return _failure("error", origin, repr(error))
    if future is None:
        return _failure("saturated", origin, f"{MAX_PENDING} calls already pending")
    try:
        value = future.result(timeout)
    except concurrent.futures.TimeoutError:
        return _failure("timeout", origin, f"no answer within {timeout} s")
    except Exception as error:
        return _failure("error", origin, repr(error))
    if inspect.isawaitable(value):
        close = getattr(value, "close", None)
        if callable(close):
            close()
        return _failure("error", origin, "returned an awaitable outside an event loop")
    return _checked(value, origin)


async def call_async(
    resolver: Resolver, origin: str, request: RequestInfo, timeout: float
) -> Outcome:
    """Await a coroutine resolver under `timeout`, or run a sync one on the
    pool without blocking the event loop. Concurrent calls for one origin
    share one run."""
    import asyncio

    if is_async(resolver):
        loop = asyncio.get_running_loop()
        key = (id(loop), id(resolver), origin)
        task = _tasks.get(key)
        if task is None:
            try:
                awaitable = resolver(origin, request)
            except Exception as error:
                return _failure("error", origin, repr(error))
            task = asyncio.ensure_future(asyncio.wait_for(awaitable, timeout))  # type: ignore[arg-type]
            _tasks[key] = task
            task.add_done_callback(lambda done: _tasks.pop(key, None))
        try:
            value = await asyncio.shield(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # this request is being cancelled (the client left)
            # The resolver cancelled itself: a failure like any other.
            return _failure("error", origin, "the resolver was cancelled")
        except TimeoutError:
            return _failure("timeout", origin, f"no answer within {timeout} s")
        except Exception as error:
            return _failure("error", origin, repr(error))
        return _checked(value, origin)
    try:
        future = _submit(resolver, origin, request)
    except RuntimeError as error:
        return _failure("error", origin, repr(error))
    if future is None:
        return _failure("saturated", origin, f"{MAX_PENDING} calls already pending")
    try:
        # shield: the waiter's timeout must not cancel the shared call.
        value = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout)
    except TimeoutError:
        return _failure("timeout", origin, f"no answer within {timeout} s")
    except Exception as error:
        return _failure("error", origin, repr(error))
    return _checked(value, origin)
