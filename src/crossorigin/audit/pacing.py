"""How fast the audit may send: requests per second per registrable domain
(`--rate`) and overall (`--global-rate`).

Theory of operation: each request reserves the next free send time of its
domain and of the whole run, the later of the two, and moves both on by
one interval (1/rate). The first request of an idle domain goes at once; a
domain never gets more than `rate` requests in any second, however many of
its URLs are in flight. Reserving is pure arithmetic on a clock reading
(`reserve`), so the schedule is tested without sleeping; `wait` sleeps
until the reserved time. Domains whose next free time has passed are
forgotten now and then, so a list of a million domains keeps only the busy
ones. The domain is the shard key (`selection.shard_key`): politeness and
shards agree on what one site is.
"""

from __future__ import annotations

import asyncio
from typing import Final

__all__ = ["Pacer"]

#: Reservations between two sweeps of idle domains.
_SWEEP_EVERY: Final = 4096


class Pacer:
    """Send times per domain and overall; None for a rate means no limit."""

    def __init__(self, per_domain: float | None = None, overall: float | None = None) -> None:
        for rate in (per_domain, overall):
            if rate is not None and rate <= 0:
                raise ValueError("a rate must be positive")
        self._domain_interval = 1.0 / per_domain if per_domain else 0.0
        self._overall_interval = 1.0 / overall if overall else 0.0
        self._next: dict[str, float] = {}
        self._next_overall = 0.0
        self._reservations = 0

    @property
    def active(self) -> bool:
        return bool(self._domain_interval or self._overall_interval)

    def reserve(self, domain: str, now: float) -> float:
        """Reserve a send time for one request to `domain`; the seconds to
        wait from `now` (0 when it may go at once)."""
        slot = now
        if self._domain_interval:
            slot = max(slot, self._next.get(domain, now))
        if self._overall_interval:
            slot = max(slot, self._next_overall)
            self._next_overall = slot + self._overall_interval
        if self._domain_interval:
            self._next[domain] = slot + self._domain_interval
            self._reservations += 1
            if self._reservations % _SWEEP_EVERY == 0:
                self._forget_idle(now)
        return slot - now

    def _forget_idle(self, now: float) -> None:
        idle = [domain for domain, free in self._next.items() if free <= now]
        for domain in idle:
            del self._next[domain]

    @property
    def domains_tracked(self) -> int:
        return len(self._next)

    async def wait(self, domain: str) -> None:
        if not self.active:
            return
        delay = self.reserve(domain, asyncio.get_running_loop().time())
        if delay > 0:
            await asyncio.sleep(delay)
