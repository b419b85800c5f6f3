"""Watching decisions: report-only policies and metrics.

Theory of operation: an adapter given `report_only=` or `metrics=` builds one
`Observer` and hands it to every `EngineTable` it builds (at start and at
each `reconfigure`); the table binds it to its engines (`Observer.bind`), and
the adapter makes one call after each decision it carries out:
`table.observer.after(engine, method, request, decision, self_origin, path)`.
Without either argument there is no observer, and the adapters pay one `is
None` test (the ASGI fast path nothing at all).

Rule 1: the live answer is never affected. The report-only engine's decision
is computed and compared, never sent; a metrics hook that raises is logged
(rate-limited) and the request goes on.

Report-only: a candidate policy per *live region*: `report_only=Policy(...)`
is the candidate for the requests the live default policy decides;
`report_only={"/api": Policy(...), None: Policy(...)}` names regions by the
prefix of the live route that decides them (`None`: the default policy). A
region without a candidate is not compared; a key that names no live route is
logged once per configuration and compared with nothing. A fleet document's
`report_only` tables (sources/document.py) reach `bind` through the table and
replace the adapter's candidates while that document is in force. A request whose
verdict would change is one of three `ChangeKind`s: allowed to refused,
refused to allowed, or allowed both ways with different CORS headers
(credentials, exposed headers, allowed methods...). `Vary` is left out of the
comparison, and `Access-Control-Allow-Origin: *` equals the echoed origin,
because a browser reads them alike for a request without credentials, and a
credentialed one differs in `Access-Control-Allow-Credentials` anyway.

Rule 2: memory stays bounded whatever the traffic. Nothing is kept per origin
or per path: log lines are limited per (route, change kind), at most
`lines_per_minute` a minute each, with a count of the lines held back;
metrics events are interned per (kind, allowed, reason, route, change), a set
bounded by the configuration, never by the requests. Events carry no origin:
an origin label is an unbounded label set for every metrics system.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from crossorigin.edge import CORSRequest
from crossorigin.policy import Policy
from crossorigin.terminal import safe_bytes

if TYPE_CHECKING:
    from crossorigin.engine import Decision, Engine

__all__ = [
    "ChangeKind",
    "Counters",
    "DecisionEvent",
    "MetricsHook",
    "Observer",
    "RateLimitedLog",
    "ReportOnly",
]

logger: Final = logging.getLogger("crossorigin")

ChangeKind = Literal["allowed-to-refused", "refused-to-allowed", "headers-changed"]

#: Lines per minute per (route, change kind) when none is given.
DEFAULT_LINES_PER_MINUTE: Final = 10
#: The route label of requests the default policy decides (a route's label is
#: its prefix, which always starts with "/").
DEFAULT_ROUTE: Final = "default"


@dataclass(frozen=True, slots=True)
class DecisionEvent:
    """One decision, as a metrics hook receives it. Every field has few
    values (no origin, no path), so each can be a label.

    `kind`: "preflight", "actual", "not-cors" (`RequestKind`'s values);
    `allowed`; `reason`: the refusal's `Reason` code or None; `route`: the
    prefix of the route that decided, or "default"; `report_only_change`:
    None, or how the report-only policy would have answered otherwise
    (`ChangeKind`)."""

    kind: str
    allowed: bool
    reason: str | None
    route: str
    report_only_change: ChangeKind | None = None
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Hooks key their counters by event on every request: hash once.
        fields = (self.kind, self.allowed, self.reason, self.route, self.report_only_change)
        object.__setattr__(self, "_hash", hash(fields))

    def __hash__(self) -> int:
        return self._hash


MetricsHook = Callable[[DecisionEvent], object]
#: `report_only=`: a candidate for the default policy, or candidates by live
#: route prefix (None: the default policy).
ReportOnly = Policy | Mapping[str | None, Policy]


class RateLimitedLog:
    """WARNING lines limited per key: at most `per_window` lines per
    `window` seconds for each key; the lines held back are counted and the
    next line written for that key says how many. Keys are few by
    construction (route x change kind); `max_keys` bounds them anyway. Thread
    safe (WSGI servers call from many threads)."""

    __slots__ = ("_clock", "_lock", "_logger", "_max_keys", "_per_window", "_state", "_window")

    def __init__(
        self,
        per_window: int = DEFAULT_LINES_PER_MINUTE,
        window: float = 60.0,
        *,
        log: logging.Logger = logger,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 1024,
    ) -> None:
        self._per_window = per_window
        self._window = window
        self._logger = log
        self._clock = clock
        self._max_keys = max_keys
        self._lock = threading.Lock()
        # key -> [window start, lines written in it, lines held back since the last line]
        self._state: dict[object, list[float]] = {}

    def admit(self, key: object) -> str | None:
        """May a line for `key` be written now? None when not (it is counted);
        else the text to append to it ("" or what was held back, or that the
        limit is now reached). Callers ask first and format second, so a
        line held back costs no formatting."""
        now = self._clock()
        with self._lock:
            state = self._state.get(key)
            if state is None:
                if len(self._state) >= self._max_keys:
                    self._state.clear()
                state = self._state[key] = [now, 0, 0]
            elif now - state[0] >= self._window:
                state[0], state[1] = now, 0
            if state[1] >= self._per_window:
                state[2] += 1
                return None
            state[1] += 1
            last = state[1] == self._per_window
            held_back, state[2] = int(state[2]), 0
        suffix = f" [{held_back} similar lines held back before this one]" if held_back else ""
        if last:
            suffix += (
                f" [limit of {self._per_window} lines per {self._window:g} s reached: "
                "similar lines are held back and counted]"
            )
        return suffix

    def warning(self, key: object, message: str, *args: object, exc_info: bool = False) -> bool:
        """Log `message % args` unless `key` has used its lines this window;
        True when written."""
        suffix = self.admit(key)
        if suffix is None:
            return False
        self._logger.warning(message + "%s", *args, suffix, exc_info=exc_info)
        return True


class Counters:
    """A ready metrics hook that counts events in memory:
    `CORSMiddleware(app, policy=..., metrics=Counters())`, then
    `counters.snapshot()` or `counters.count(allowed=False)`. Thread safe."""

    __slots__ = ("_counts", "_lock")

    def __init__(self) -> None:
        self._counts: dict[DecisionEvent, int] = {}
        self._lock = threading.Lock()

    def __call__(self, event: DecisionEvent) -> None:
        with self._lock:
            self._counts[event] = self._counts.get(event, 0) + 1

    def snapshot(self) -> dict[DecisionEvent, int]:
        with self._lock:
            return dict(self._counts)

    def count(self, **fields: object) -> int:
        """The number of events whose fields equal every one given, e.g.
        `count(kind="preflight", allowed=False)`."""
        return sum(
            number
            for event, number in self.snapshot().items()
            if all(getattr(event, name) == value for name, value in fields.items())
        )


def _candidates(report_only: ReportOnly | None) -> dict[str | None, Policy]:
    if report_only is None:
        return {}
    if isinstance(report_only, Policy):
        return {None: report_only}
    if isinstance(report_only, Mapping):
        candidates: dict[str | None, Policy] = {}
        for key, policy in report_only.items():
            if not isinstance(policy, Policy) or not (key is None or isinstance(key, str)):
                raise TypeError(
                    "report_only= is a Policy, or a dict from live route prefixes (None: the "
                    f"default policy) to Policy; got {key!r}: {type(policy).__name__}"
                )
            candidates[key] = policy
        return candidates
    raise TypeError(
        "report_only= is a Policy, or a dict from live route prefixes (None: the default "
        f"policy) to Policy, not {type(report_only).__name__}"
    )


class Observer:
    """What an adapter watches with: the report-only candidates, the metrics
    hook, and the rate-limited log; shared by every `EngineTable` the adapter
    builds, so that limits hold across reconfigurations."""

    __slots__ = ("_candidates", "_events", "_hook_log", "_log", "metrics")

    def __init__(
        self,
        report_only: ReportOnly | None = None,
        metrics: MetricsHook | None = None,
        *,
        lines_per_minute: int = DEFAULT_LINES_PER_MINUTE,
    ) -> None:
        if metrics is not None and not callable(metrics):
            raise TypeError(
                f"metrics= is a callable taking a DecisionEvent, not {type(metrics).__name__}"
            )
        self._candidates = _candidates(report_only)
        self.metrics = metrics
        self._log = RateLimitedLog(lines_per_minute)
        # A failing hook fails on every request: one line a minute says so.
        self._hook_log = RateLimitedLog(1)
        self._events: dict[tuple[str, bool, str | None, str, str | None], DecisionEvent] = {}

    @classmethod
    def build(cls, report_only: ReportOnly | None, metrics: MetricsHook | None) -> Observer | None:
        """An observer, or None when there is nothing to watch (zero cost)."""
        if report_only is None and metrics is None:
            return None
        return cls(report_only, metrics)

    def bind(
        self,
        default: Engine | None,
        routes: tuple[tuple[str, str, Engine], ...],
        normalize: Callable[[str], str],
        strict: bool,
        report_only: ReportOnly | None = None,
    ) -> BoundObserver | None:
        """The observer for one table: each live engine with its route label
        and its report-only engine (built here, with the live `strict`).
        `report_only`, when given, replaces the observer's own candidates for
        this table (a fleet document's). None when there is nothing to
        watch (no metrics hook, no candidate)."""
        from crossorigin.engine import Engine

        candidates = self._candidates if report_only is None else _candidates(report_only)
        if self.metrics is None and not candidates:
            return None
        wanted = {
            (None if key is None else normalize(key)): policy for key, policy in candidates.items()
        }
        regions: dict[Engine, tuple[str, Engine | None]] = {}
        for stem, _directory, engine in routes:
            policy = wanted.pop(stem, None)
            candidate = Engine(policy, strict=strict) if policy is not None else None
            regions[engine] = (stem or "/", candidate)
        default_policy = wanted.pop(None, None)
        if default is not None:
            candidate = (
                Engine(default_policy, strict=strict) if default_policy is not None else None
            )
            regions[default] = (DEFAULT_ROUTE, candidate)
        elif default_policy is not None:
            wanted[None] = default_policy
        for key in wanted:
            logger.warning(
                "CORS report-only: %s names no live %s; nothing is compared for it",
                "the default policy" if key is None else f"route {key or '/'!r}",
                "policy" if key is None else "route",
            )
        return BoundObserver(self, regions)

    def event(self, decision: Decision, route: str, change: ChangeKind | None) -> DecisionEvent:
        reason = decision.reason.value if decision.reason is not None else None
        key = (decision.kind.value, decision.allowed, reason, route, change)
        event = self._events.get(key)
        if event is None:
            # Bounded by the configurations seen, which a fleet may change
            # without end: emptied like the memos (equal events stay equal).
            event = DecisionEvent(*key)
            _remember(self._events, key, event)
        return event


#: Entries per memo of `BoundObserver` before it is emptied.
MEMO_SIZE: Final = 4096


class BoundObserver:
    """An `Observer` bound to one `EngineTable`'s engines.

    The engines share their decisions, so what follows from a decision is
    remembered by the decision's identity: how a pair (live, report-only)
    compares, and which event a decision makes. Each memo entry holds the
    decisions it was computed from, so an identity is never reused while its
    entry exists; each memo is bounded (`MEMO_SIZE`)."""

    __slots__ = ("_changes", "_events", "_observer", "_regions")

    def __init__(
        self, observer: Observer, regions: dict[Engine, tuple[str, Engine | None]]
    ) -> None:
        self._observer = observer
        self._regions = regions
        self._changes: dict[tuple[int, int], tuple[Decision, Decision, ChangeKind | None]] = {}
        self._events: dict[tuple[int, str, str | None], tuple[Decision, DecisionEvent]] = {}

    def after(
        self,
        engine: Engine,
        method: str,
        request: CORSRequest,
        decision: Decision,
        self_origin: bytes | None = None,
        path: str = "",
    ) -> None:
        """Called by the adapter once the live `decision` is made: compare it
        with the report-only engine's, then tell the metrics hook. Never
        raises for a hook's sake; never changes `decision`."""
        observer = self._observer
        route, candidate = self._regions.get(engine, (DEFAULT_ROUTE, None))
        change: ChangeKind | None = None
        if candidate is not None and request[0] is not None:
            other = candidate.decide_request(method, request, self_origin)
            pair = (id(decision), id(other))
            known = self._changes.get(pair)
            if known is None:
                change = _change(decision, other)
                _remember(self._changes, pair, (decision, other, change))
            else:
                change = known[2]
            if change is not None:
                _report(observer._log, route, change, method, path, request, decision, other)
        hook = observer.metrics
        if hook is not None:
            key = (id(decision), route, change)
            seen = self._events.get(key)
            if seen is None:
                event = observer.event(decision, route, change)
                _remember(self._events, key, (decision, event))
            else:
                event = seen[1]
            try:
                hook(event)
            except Exception:
                observer._hook_log.warning(
                    ("metrics-hook-failed",),
                    "CORS metrics hook %s raised; the request went on",
                    _name(hook),
                    exc_info=True,
                )


def _remember(memo: dict[Any, Any], key: object, value: object) -> None:
    if len(memo) >= MEMO_SIZE:
        memo.clear()
    memo[key] = value


def _comparable(decision: Decision, origin: bytes) -> frozenset[tuple[bytes, bytes]]:
    return frozenset(
        (name, origin if name == b"access-control-allow-origin" and value == b"*" else value)
        for name, value in decision.headers
        if name != b"vary"
    )


def _change(live: Decision, other: Decision) -> ChangeKind | None:
    if live is other:
        return None
    if live.allowed != other.allowed:
        return "allowed-to-refused" if live.allowed else "refused-to-allowed"
    if not live.allowed:
        return None  # refused both ways: the browser sees the same failure
    origin = b""
    for name, value in live.headers:
        if name == b"access-control-allow-origin":
            origin = value
    if origin == b"*":
        for name, value in other.headers:
            if name == b"access-control-allow-origin":
                origin = value
    if _comparable(live, origin) != _comparable(other, origin) or live.status != other.status:
        return "headers-changed"
    return None


def _describe(decision: Decision) -> str:
    if not decision.allowed:
        return "refused (" + (decision.reason.value if decision.reason else "refused") + ")"
    shown = [
        f"{name.decode('latin-1')}: {safe_bytes(value)}"
        for name, value in decision.headers
        if name != b"vary"
    ]
    text = "allowed [" + "; ".join(shown) + "]"
    return text if len(text) <= 300 else text[:297] + "..."


def _report(
    log: RateLimitedLog,
    route: str,
    change: ChangeKind,
    method: str,
    path: str,
    request: CORSRequest,
    live: Decision,
    other: Decision,
) -> None:
    suffix = log.admit((route, change))
    if suffix is None:
        return
    origin = request[0]
    log._logger.warning(
        "CORS report-only %s on route %s: %s %s from origin %s (%s): live %s; report-only %s%s",
        change,
        route,
        safe_bytes(method.encode("latin-1", "replace")),
        safe_bytes(path.encode("utf-8", "surrogateescape")[:200]),
        safe_bytes((origin or b"")[:200]),
        live.kind.value,
        _describe(live),
        _describe(other),
        suffix,
    )


def _name(hook: object) -> str:
    return getattr(hook, "__qualname__", None) or type(hook).__qualname__
