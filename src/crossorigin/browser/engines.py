"""The three browser engines the model follows, as data.

Rule 1: where Chromium, Firefox and WebKit differ in a way the fetch
algorithm must know, the difference is a field of `Engine` here, with the
engine's source beside it; `fetch.py` consults the profile and never tests an
engine's name. Wording (console text and reason names) lives in
`messages.py`, one table per engine.

Sources: Chromium services/network/cors/ (preflight_result.cc,
cors_url_loader.cc); Firefox netwerk/protocol/http/nsCORSListenerProxy.cpp
and dom/locales/en-US/chrome/security/security.properties (Firefox ESR 153's
omni.ja carries the same text); WebKit Source/WebCore/loader/
CrossOriginAccessControl.cpp, CrossOriginPreflightChecker.cpp and
CrossOriginPreflightResultCache.cpp. Every field is also measured against the
real engine (tests/oracles/browsers/recorded*.json).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from crossorigin.browser.types import ScenarioError

__all__ = ["BROWSERS", "CHROMIUM", "ENGINES", "FIREFOX", "WEBKIT", "Engine", "engine"]


@dataclass(frozen=True)
class Engine:
    """What one engine does where the engines part ways."""

    name: str
    #: The longest an `Access-Control-Max-Age` is honoured, in seconds.
    max_age_cap: int
    #: Seconds cached when `Access-Control-Max-Age` is absent.
    max_age_default: int
    #: Seconds cached when the value does not parse (`abc`): Chromium and
    #: WebKit fall back to the default, Firefox does not cache at all.
    max_age_unparsable: int
    #: Whether the preflight of a request tainted by a cross-origin redirect
    #: still carries (and caches under) the page's origin (Firefox: the
    #: preflight is made for the loading principal) rather than `null`
    #: (Chromium, WebKit, Fetch §4.4's "tainted origin flag"). The request
    #: itself sends `Origin: null` in all three.
    preflight_keeps_page_origin: bool
    #: The human name used in `--browser all` summaries and lint notes.
    product: str
    #: Whose CORS and preflight checks (order, reasons) apply: "chromium",
    #: "gecko" or "webkit" (access.py).
    checks: str = "chromium"
    #: Request headers `fetch()` drops beyond the standard's forbidden list.
    extra_forbidden_headers: frozenset[str] = frozenset()
    #: Chromium's additions to the CORS-safelisted request headers (client
    #: hints, `Intervention`, `Range` numbers below 2^63 - 1).
    chromium_safelist: bool = False
    #: Whether safelisted header values are measured in UTF-8 bytes (a
    #: Latin-1 `é` counts 2) rather than one byte per code point.
    utf8_header_lengths: bool = False
    #: Whether an `Accept` or `Content-Type` with a byte beyond ASCII needs
    #: a preflight (Firefox).
    content_type_ascii_only: bool = False
    #: Whether `Range` numbers may be any size (Firefox).
    range_first_only: bool = False
    #: Whether `fetch()` joins a repeated request header into one (Chromium:
    #: the safelist judges the joined value) or keeps one entry per append
    #: and judges each alone (Firefox, as the standard does).
    joins_repeated_headers: bool = True
    #: Whether `Access-Control-Request-Headers` names a header once however
    #: often it was appended; Firefox names it once per unsafe entry
    #: (`x-a,x-a`; measured).
    dedupes_request_header_names: bool = True
    #: Whether a redirect to a URL with userinfo fails in every mode and to
    #: any origin (Chromium) or only where Fetch §4.4 says (Firefox).
    refuses_all_userinfo_redirects: bool = True
    #: Whether Blink's own console lines for mode checks (`Fetch API cannot
    #: load ...`) are printed; Firefox logs nothing for them (measured).
    logs_mode_errors: bool = True
    #: The preflight cache's layout: "chromium" (one entry per origin and
    #: URL, replaced by each preflight, erased by a lookup it does not cover)
    #: or "spec" (one entry per method and header name, Fetch §4.9).
    cache_layout: str = "chromium"
    #: Cache modes whose requests skip the preflight cache lookup, and the
    #: modes that also skip the store.
    cache_skip_lookup: frozenset[str] = frozenset()
    cache_skip_store: frozenset[str] = frozenset()
    #: URLs this long or longer are never cached (None: no limit).
    cache_url_limit: int | None = None
    #: Whether `Access-Control-Max-Age` must be ASCII digits alone (`+60`,
    #: `-1` and out-of-range numbers then mean "unparsable").
    max_age_digits_only: bool = False
    #: Whether request URL paths keep `|` unescaped (Firefox's and WebKit's
    #: URL parsers; Chromium's escapes it).
    gecko_paths: bool = False
    #: Whether a redirect with a blank Location fails the fetch (WebKit).
    blank_location_fails: bool = False
    #: Whose words `fetch()`'s TypeErrors use: "chromium", "gecko"
    #: (`Window.fetch: ...`) or "webkit" (requests.py).
    type_errors: str = "chromium"
    #: The text of the TypeError a network error or CORS failure rejects with.
    failed_to_fetch: str = "TypeError: Failed to fetch"
    #: The engine's name for each of Chromium's network errors (and for the
    #: redirect refusals Chromium reports as CORS failures but the engine as
    #: network errors); empty: Chromium's own names.
    network_errors: tuple[tuple[str, str], ...] = ()
    #: Whether a network error of a CORS request also logs a CORS line
    #: ("CORS request did not succeed").
    logs_cors_network_errors: bool = False
    #: Whether the HTTP cache answers a 301/308 already fetched in the same
    #: redirect chain (Chromium) instead of asking the server again.
    caches_permanent_redirects: bool = True
    #: Whether a redirect whose Location is empty or blank redirects to the
    #: same URL (Firefox) rather than being an ordinary response.
    blank_location_redirects_to_self: bool = False
    #: Whether a Location that does not parse fails only when followed
    #: (Firefox: `manual` still gives an opaque-redirect).
    location_parsed_when_followed: bool = False
    #: The network error of a redirect to each scheme other than HTTP(S),
    #: checked before the CORS check of the 3xx; empty: Chromium's rules
    #: (fetch.py). `*` is any other scheme. Outside `cors` mode a
    #: `no-cors:` entry wins, then a named scheme, then `no-cors:*` ("": no
    #: network error name).
    redirect_scheme_errors: tuple[tuple[str, str], ...] = ()
    #: Of those network errors, the ones raised only after the CORS check of
    #: the 3xx passed (Firefox: a scheme it knows but may not load there).
    redirect_scheme_errors_after_cors: frozenset[str] = frozenset()
    #: Whether a cache lookup that finds an entry not covering the request
    #: erases it (Chromium's preflight_cache.cc; not WebKit, measured).
    cache_miss_evicts: bool = True
    #: Whether a cached `Access-Control-Allow-Headers: *` covers
    #: `Authorization` (WebKit, measured; Chromium's lookup path does not).
    cache_wildcard_covers_authorization: bool = False
    #: Whether a failed preflight erases what the cache holds for its origin
    #: and URL (Firefox: nsPreflightCache::RemoveEntries).
    failed_preflight_evicts: bool = False
    #: The largest `Access-Control-Max-Age` number that parses (beyond it:
    #: unparsable); None: any (Chromium's 64-bit rule is in access.py).
    max_age_parse_limit: int | None = None
    #: Whether repeated `Location` headers are one value joined with ", "
    #: (WebKit's HTTPHeaderMap::add, Source/WebCore/platform/network/
    #: HTTPHeaderMap.cpp) rather than a header-block error when they differ.
    joins_repeated_location: bool = False
    #: Whether a `Location` is parsed from its bytes read as Latin-1, so a
    #: UTF-8 `é` on the wire becomes `Ã©` and is escaped as such (WebKit:
    #: ResourceResponseBase.cpp keeps header values as Latin-1 strings and
    #: Source/WTF/wtf/URLParser.cpp UTF-8-encodes them) rather than each
    #: byte escaped as it is (Chromium's EscapeNonASCII).
    location_from_latin1: bool = False
    #: Whether the request line carries the path and query with the escapes
    #: of RFC 3986 unreserved characters decoded (`%41` is sent as `A`):
    #: WebKitGTK's network layer (libsoup) normalizes the URL it sends,
    #: after Source/WTF/wtf/URLParser.cpp kept the escapes.
    sends_unreserved_decoded: bool = False
    #: Whether `Range` takes any case of `bytes` and a `+` before a number
    #: (WebKit: parseRange in Source/WebCore/platform/network/
    #: HTTPParsers.cpp compares the unit ignoring ASCII case and reads the
    #: numbers with a signed-integer parser).
    lenient_range_syntax: bool = False
    #: Whether a cache lookup that fails only because the request carries
    #: credentials the entry was not made for erases the entry (WebKit:
    #: CrossOriginPreflightResultCache.cpp canSkipPreflight; measured, while
    #: a method miss keeps it).
    credentials_miss_evicts: bool = False
    #: Whether a redirect that turns the request into a GET keeps the
    #: `Origin` header the first request carried, even to the page's own
    #: origin (WebKit, measured: its request keeps the header it set).
    keeps_origin_after_method_change: bool = False
    #: Whether `manual` mode returns an opaque-redirect for a Location that
    #: does not parse (WebKit, measured), without Firefox's other rules.
    manual_ignores_bad_location: bool = False
    #: Whether a redirect keeps every request header: `Authorization` on a
    #: hop to another origin (Fetch §4.4 step 13 drops it) and the body's
    #: `Content-Type` when the request becomes a GET (WebKit, measured: the
    #: kept header makes the next hop need a preflight with `Origin: null`).
    redirect_keeps_headers: bool = False
    #: Whether a cached `*` in `Access-Control-Allow-Methods` or
    #: `-Headers` covers later requests (Firefox's cache compares the cached
    #: tokens literally: nsCORSListenerProxy.cpp
    #: nsPreflightCache::CacheEntry::CheckRequest; measured).
    cache_honours_wildcards: bool = True
    #: Whether a `DELETE` redirected to another origin than the hop it left
    #: (scheme, host and port; any 3xx, 307 and 308 included) goes on as a
    #: `GET` without a body (WebKitGTK's libsoup loader:
    #: Source/WebKit/NetworkProcess/soup/NetworkDataTaskSoup.cpp
    #: shouldRedirectAsGET; measured). Safari's CFNetwork loader does not.
    cross_origin_delete_becomes_get: bool = False
    #: Whether a request once preflighted is preflighted again at every later
    #: CORS hop, even once its method is safelisted (WebKit:
    #: Source/WebKit/NetworkProcess/NetworkLoadChecker.cpp checkCORSRequest;
    #: `m_isSimpleRequest` stays false after the first preflight; measured:
    #: PUT 303 to another origin sends a second preflight for GET).
    preflight_sticks: bool = False
    #: Whether the CORS check of a 3xx on a cross-origin hop uses the
    #: credentials policy of the first request, so a fetch that started
    #: same-origin in credentials mode `same-origin` needs
    #: `Access-Control-Allow-Credentials: true` and no `*` on those
    #: redirects, though not on the final response (WebCore
    #: Source/WebCore/loader/SubresourceLoader.cpp
    #: checkRedirectionCrossOriginAccessControl uses
    #: options().storedCredentialsPolicy; measured).
    redirect_checks_first_credentials: bool = False
    #: Whether a redirect from a same-origin hop to another origin's URL with
    #: userinfo is refused only after the next hop's preflight (WebKit: the
    #: network process's NetworkLoadChecker::checkRedirection checks
    #: userinfo only for a cross-origin request and preflights first; the web
    #: process's SubresourceLoader.cpp validateCrossOriginRedirectionURL
    #: refuses it afterwards; measured).
    userinfo_checked_after_preflight: bool = False
    #: Whether a 3xx's CORS check and the `redirect: "error"` refusal come
    #: before the Location's validity and the redirect limit, and a
    #: preflight's 3xx is never followed, so a bad Location there is only an
    #: unsuccessful preflight (WebKit: NetworkLoadChecker::checkRedirection
    #: validates the response first; measured).
    checks_redirect_before_location: bool = False
    #: Whether a first request to a bad port fails with no network error
    #: name and no console line (Firefox refuses it before a channel exists;
    #: measured) rather than as a named network error (Chromium
    #: net::ERR_UNSAFE_PORT). A redirect to a bad port is a network error in
    #: all three.
    bad_port_first_hop_silent: bool = False
    #: Whether a hop to another origin that took `Authorization` off (Fetch
    #: §4.4 step 13) is still preflighted, its preflight no longer naming it
    #: (Firefox: the load info keeps the unsafe header names the fetch
    #: started with, nsCORSListenerProxy.cpp UpdateChannel, while the
    #: channel's headers lose it; measured: a same-origin GET with
    #: Authorization redirected to another origin sends a preflight with no
    #: Access-Control-Request-Headers).
    keeps_authorization_across_origins: bool = False
    #: Statuses followed as redirects (with a Location) beyond Fetch's 301,
    #: 302, 303, 307, 308: WebKitGTK follows any 3xx but 300, 304, 305 and
    #: 306 (Source/WebKit/NetworkProcess/soup/NetworkDataTaskSoup.cpp
    #: shouldStartHTTPRedirection; measured: a 399 loops to the redirect limit).
    extra_redirect_statuses: frozenset[int] = frozenset()
    #: Whether `headers.get()` joins a repeated response header as Firefox's
    #: nsHttpHeaderArray::MergeHeader does (measured): an empty value adds
    #: nothing, and `Content-Type` values are joined with "," alone.
    gecko_response_join: bool = False
    #: Whether a response header value reaches the page as its bytes read as
    #: UTF-8 (invalid sequences replaced by U+FFFD), re-encoded, then read as
    #: Latin-1 (WebKitGTK: libsoup hands UTF-8 text, ResourceResponseBase
    #: keeps Latin-1 strings; measured: a Latin-1 `\u00e9` reads as
    #: `\u00ef\u00bf\u00bd`).
    response_values_via_utf8: bool = False


#: Chromium 156 (preflight_result.cc: kMaxPreflightCacheTime 2 hours,
#: default 5 s; an unparsable value means the default).
CHROMIUM: Final = Engine(
    name="chromium",
    max_age_cap=7200,
    max_age_default=5,
    max_age_unparsable=5,
    preflight_keeps_page_origin=False,
    product="Chromium (Chrome, Edge)",
    # net/http/http_util.cc IsSafeHeader keeps User-Agent forbidden.
    extra_forbidden_headers=frozenset({"user-agent"}),
    chromium_safelist=True,
    cache_layout="chromium",
    # preflight_controller.cc: LOAD_VALIDATE_CACHE, LOAD_BYPASS_CACHE and
    # LOAD_DISABLE_CACHE skip the lookup; only no-store skips the store.
    cache_skip_lookup=frozenset({"no-store", "reload", "no-cache"}),
    cache_skip_store=frozenset({"no-store"}),
    # preflight_cache.cc kMaxKeyLength.
    cache_url_limit=1024,
)

#: Firefox ESR 153 (nsCORSListenerProxy.cpp, nsCORSPreflightListener::
#: AddResultToCache: the value is parsed digit by digit, anything else leaves
#: nothing cached; capped by network.cors_preflight.cache.max_age 86400; the
#: default when absent is 5 s).
FIREFOX: Final = Engine(
    name="firefox",
    max_age_cap=86400,
    max_age_default=5,
    max_age_unparsable=0,
    preflight_keeps_page_origin=True,
    product="Firefox",
    checks="gecko",
    # Measured in Firefox ESR 153 (tests/oracles/browsers/recorded-firefox.json): a
    # User-Agent set by the page is sent and preflighted; no client hint nor
    # Intervention is safelisted; 128 Latin-1 characters exceed 128 bytes;
    # `text/plain; charset=\u00e9` preflights; a header appended twice is
    # two entries, each judged alone and each named in the preflight.
    utf8_header_lengths=True,
    content_type_ascii_only=True,
    range_first_only=True,
    joins_repeated_headers=False,
    gecko_paths=True,
    refuses_all_userinfo_redirects=False,
    dedupes_request_header_names=False,
    logs_mode_errors=False,
    # nsPreflightCache keeps one entry per method and header name; of the
    # request's cache modes only `reload` skips it (measured: no-store,
    # no-cache and a 2,000-character URL are all served from the cache).
    cache_layout="spec",
    cache_skip_lookup=frozenset({"reload"}),
    max_age_digits_only=True,
    type_errors="gecko",
    failed_to_fetch="TypeError: NetworkError when attempting to fetch resource.",
    # Measured: BiDi network.fetchError's errorText for each failure.
    network_errors=(
        ("net::ERR_INVALID_HTTP_RESPONSE", "NS_ERROR_DOM_INVALID_HEADER_VALUE"),
        ("net::ERR_TOO_MANY_REDIRECTS", "NS_ERROR_REDIRECT_LOOP"),
        ("net::ERR_INVALID_REDIRECT", "NS_ERROR_CORRUPTED_CONTENT"),
        ("net::ERR_UNSAFE_REDIRECT", "NS_ERROR_CORRUPTED_CONTENT"),
        ("net::ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION", "NS_ERROR_CORRUPTED_CONTENT"),
        ("net::ERR_UNKNOWN_URL_SCHEME", "NS_ERROR_CORRUPTED_CONTENT"),
        ("CorsDisabledScheme", "NS_ERROR_DOM_BAD_URI"),
        ("RedirectContainsCredentials", "NS_ERROR_DOM_BAD_URI"),
        # A `same-origin` request redirected to another origin.
        ("SameOriginModeRedirect", "NS_ERROR_DOM_BAD_URI"),
        ("net::ERR_UNSAFE_PORT", "NS_ERROR_PORT_ACCESS_NOT_ALLOWED"),
    ),
    logs_cors_network_errors=True,
    caches_permanent_redirects=False,
    blank_location_redirects_to_self=True,
    location_parsed_when_followed=True,
    redirect_scheme_errors=(
        ("about", "NS_ERROR_DOM_BAD_URI"),
        ("blob", "NS_ERROR_CORRUPTED_CONTENT"),
        ("data", "NS_ERROR_CORRUPTED_CONTENT"),
        ("file", "NS_ERROR_CORRUPTED_CONTENT"),
        ("javascript", "NS_ERROR_CORRUPTED_CONTENT"),
        ("ws", "NS_ERROR_CORRUPTED_CONTENT"),
        ("wss", "NS_ERROR_CORRUPTED_CONTENT"),
        ("*", "NS_ERROR_DOM_BAD_URI"),
        # Outside `cors` mode about: is refused like data:, and a scheme
        # Firefox has no handler for fails without a network error name.
        ("no-cors:about", "NS_ERROR_CORRUPTED_CONTENT"),
        ("no-cors:*", ""),
    ),
    redirect_scheme_errors_after_cors=frozenset({"NS_ERROR_DOM_BAD_URI"}),
    failed_preflight_evicts=True,
    cache_honours_wildcards=False,
    # The digits are read into an unsigned 64-bit number, and an overflow
    # caches nothing (measured: 9223372036854775807 caches for the cap,
    # 99999999999999999999 not at all).
    max_age_parse_limit=2**64 - 1,
    bad_port_first_hop_silent=True,
    keeps_authorization_across_origins=True,
    gecko_response_join=True,
)

#: WebKitGTK 2.50 (CrossOriginPreflightResultCache.cpp: defaultPreflightCacheTimeout
#: 5 s, maxPreflightCacheTimeout 600 s; parseAccessControlMaxAge falls back to
#: the default).
WEBKIT: Final = Engine(
    name="webkit",
    max_age_cap=600,
    max_age_default=5,
    max_age_unparsable=5,
    preflight_keeps_page_origin=False,
    product="WebKit (Safari)",
    checks="webkit",
    # Measured in WebKitGTK 2.50 (tests/oracles/browsers/recorded-webkit.json): a
    # User-Agent set by the page is sent and preflighted; a cache miss keeps
    # the entry; a cached `*` covers Authorization; `|` stays in paths; a
    # blank Location fails; a userinfo redirect outside `cors` mode is followed;
    # escapes of unreserved characters reach the server decoded; repeated
    # Location values are one value; `Bytes=0-1` and `bytes=+1-2` are
    # safelisted; a redirect keeps the request's headers and its Origin.
    cache_layout="chromium",
    cache_miss_evicts=False,
    cache_wildcard_covers_authorization=True,
    gecko_paths=True,
    blank_location_fails=True,
    refuses_all_userinfo_redirects=False,
    caches_permanent_redirects=False,
    type_errors="webkit",
    failed_to_fetch="TypeError: Load failed",
    range_first_only=True,
    lenient_range_syntax=True,
    joins_repeated_location=True,
    location_from_latin1=True,
    sends_unreserved_decoded=True,
    credentials_miss_evicts=True,
    keeps_origin_after_method_change=True,
    manual_ignores_bad_location=True,
    redirect_keeps_headers=True,
    cross_origin_delete_becomes_get=True,
    preflight_sticks=True,
    redirect_checks_first_credentials=True,
    userinfo_checked_after_preflight=True,
    checks_redirect_before_location=True,
    extra_redirect_statuses=frozenset(range(309, 400)),
    response_values_via_utf8=True,
)

ENGINES: Final = {profile.name: profile for profile in (CHROMIUM, FIREFOX, WEBKIT)}
#: The engines in the order `--browser all` reports them.
BROWSERS: Final = tuple(ENGINES)


def engine(name: str | Engine) -> Engine:
    """The profile for `name` (`chromium`, `firefox` or `webkit`)."""
    if isinstance(name, Engine):
        return name
    profile = ENGINES.get(name)
    if profile is None:
        choices = ", ".join(repr(choice) for choice in BROWSERS)
        raise ScenarioError(f"browser is {name!r}; use one of {choices}")
    return profile
