"""The browser's CORS-preflight cache.

Theory of operation: a successful preflight is remembered so that the next
request to the same URL from the same origin can skip it. Two layouts, both
expiring after the preflight's `Access-Control-Max-Age` (5 s without one,
capped at 7200 s; see `access.parse_max_age`):

- Chromium 156 (the default) keeps **one entry per (origin, URL)**: the
  methods and header names of the latest successful preflight, and whether it
  was made with credentials. A new preflight replaces the entry (measured: a
  DELETE preflight makes the next PUT preflight again). An entry made without
  credentials cannot serve a request with credentials; one made with
  credentials serves both. Requests whose origin was tainted by a redirect
  carry a fresh opaque origin, so they never hit (measured: nor do they fill
  it for a later direct request). The key's URL keeps its fragment
  (measured: `#a` then `#b` preflights twice), and a URL of 1,024
  characters or more is never stored (`kMaxKeyLength`). A lookup that finds
  an entry expired, or one that does not cover the request (credentials,
  method or a header), erases it: the next request preflights even if it
  would have been covered (services/network/cors/preflight_cache.cc
  `CheckIfRequestCanSkipPreflight`; measured). On this lookup path `*` in
  `Access-Control-Allow-Headers` never covers `Authorization`, although the
  check of a fresh preflight lets it through (preflight_result.cc
  `EnsureAllowedRequest` with non-wildcard support hard-wired on).
- The Fetch standard (§4.9 "CORS-preflight cache") keeps **one entry per
  method and per header name**, keyed by (origin, URL, credentials); a new
  preflight adds to what is cached rather than replacing it.

Time is whatever the caller passes as `now` (seconds, any epoch), so tests
and scenario files can express expiry without sleeping. The cache is bounded:
beyond `max_entries` the oldest entry is dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from crossorigin import fetch_tables
from crossorigin.browser.access import allowed_by_preflight

__all__ = ["PreflightCache"]

DEFAULT_MAX_ENTRIES: Final = 1024
#: Chromium preflight_cache.cc `kMaxKeyLength`: longer URLs are not cached.
MAX_URL_LENGTH: Final = 1024

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class _ChromiumEntry:
    methods: frozenset[str]
    header_names: frozenset[str]
    credentials: bool
    expires_at: float


_SpecKey = tuple[str, str, bool, str, str]  # origin, url, credentials, kind, name


class PreflightCache:
    """Successful preflights, keyed as Chromium keys them (or as the standard
    does, with `spec=True` on each call)."""

    def __init__(self, *, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._chromium: OrderedDict[tuple[str, str], _ChromiumEntry] = OrderedDict()
        self._spec: OrderedDict[_SpecKey, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._chromium) + len(self._spec)

    def clear(self) -> None:
        self._chromium.clear()
        self._spec.clear()

    def store(
        self,
        *,
        origin: str,
        url: str,
        credentials: bool,
        methods: Iterable[str],
        header_names: Iterable[str],
        max_age: int,
        now: float,
        spec: bool = False,
        url_limit: int | None = -1,
        max_age_cap: int = fetch_tables.CHROMIUM_PREFLIGHT_CACHE_CAP_SECONDS,
    ) -> None:
        """Remember a successful preflight made at `now` for `max_age`
        seconds, at most `max_age_cap` (the engine's). A URL of `url_limit`
        characters or more is not stored (-1: the layout's own limit, 1,024
        in Chromium's and none in the standard's; None: no limit)."""
        expires_at = now + min(max_age, max_age_cap)
        if url_limit == -1:
            url_limit = None if spec else MAX_URL_LENGTH
        if url_limit is not None and len(url) >= url_limit:
            return
        if not spec:
            self._chromium[(origin, url)] = _ChromiumEntry(
                frozenset(methods),
                frozenset(n.lower() for n in header_names),
                credentials,
                expires_at,
            )
            self._chromium.move_to_end((origin, url))
            _trim(self._chromium, self._max_entries)
            return
        for kind, names in (
            ("method", list(methods)),
            ("header", [n.lower() for n in header_names]),
        ):
            for name in names:
                key = (origin, url, credentials, kind, name)
                self._spec[key] = expires_at
                self._spec.move_to_end(key)
        _trim(self._spec, self._max_entries)

    def forget(self, *, origin: str, url: str) -> None:
        """Erase every entry for `origin` and `url` (Firefox does this when a
        preflight fails: netwerk/protocol/http/nsCORSListenerProxy.cpp
        `nsPreflightCache::RemoveEntries`)."""
        self._chromium.pop((origin, url), None)
        for key in [key for key in self._spec if key[0] == origin and key[1] == url]:
            del self._spec[key]

    def allows(
        self,
        *,
        origin: str,
        url: str,
        credentials: bool,
        method: str,
        unsafe_header_names: Sequence[str],
        now: float,
        spec: bool = False,
        miss_evicts: bool = True,
        wildcard_covers_authorization: bool = False,
        credentials_miss_evicts: bool = False,
        cached_wildcards: bool = True,
    ) -> bool:
        """Whether a cached preflight lets this request skip its own.
        `miss_evicts` and `wildcard_covers_authorization` are the engine's
        (WebKit keeps an entry a lookup misses, and lets a cached `*` cover
        Authorization; Chromium does neither). `credentials_miss_evicts`:
        an entry missed only for want of credentials is erased even so
        (WebKit, measured). `cached_wildcards` False: in the standard's
        layout a cached `*` is a name like any other and covers nothing else
        (Firefox: nsPreflightCache::CacheEntry::CheckRequest compares the
        cached tokens literally; measured)."""
        if not spec:
            key = (origin, url)
            entry = self._chromium.get(key)
            if entry is None:
                return False
            covered = (
                entry.expires_at > now
                and (entry.credentials or not credentials)
                and allowed_by_preflight(
                    method=method,
                    unsafe_header_names=unsafe_header_names,
                    methods=entry.methods,
                    header_names=entry.header_names,
                    credentials=entry.credentials,
                    # In Chromium `*` never covers Authorization on this path.
                    spec=not wildcard_covers_authorization,
                )
                is None
            )
            credentials_miss = credentials and not entry.credentials
            if not covered and (miss_evicts or (credentials_miss and credentials_miss_evicts)):
                del self._chromium[key]
            return covered
        wildcards = cached_wildcards and not credentials
        if not self._spec_method_match(origin, url, credentials, method, now, wildcards):
            return False
        return all(
            self._spec_header_match(origin, url, credentials, name, now, wildcards)
            for name in unsafe_header_names
        )

    # Fetch §4.9 "method cache entry match" and "header-name cache entry match".

    def _live(self, key: _SpecKey, now: float) -> bool:
        expires_at = self._spec.get(key)
        return expires_at is not None and expires_at > now

    def _spec_method_match(
        self, origin: str, url: str, credentials: bool, method: str, now: float, wildcards: bool
    ) -> bool:
        if fetch_tables.is_cors_safelisted_method(method):
            return True
        if self._live((origin, url, credentials, "method", method), now):
            return True
        return wildcards and self._live((origin, url, credentials, "method", "*"), now)

    def _spec_header_match(
        self, origin: str, url: str, credentials: bool, name: str, now: float, wildcards: bool
    ) -> bool:
        if self._live((origin, url, credentials, "header", name), now):
            return True
        return (
            wildcards
            and name not in fetch_tables.CORS_NON_WILDCARD_REQUEST_HEADER_NAMES
            and self._live((origin, url, credentials, "header", "*"), now)
        )


def _trim(entries: OrderedDict[K, V], limit: int) -> None:
    while len(entries) > limit:
        entries.popitem(last=False)
