"""Failures that look like CORS but are not, told apart by their evidence.

Rule 1: the look-alikes live here, one small detector per class, each
returning the evidence line that shows it. The classes (`NOT_CORS`) are the
`not_cors` values of `crossorigin explain --format json`:

- `csp`: the page's Content-Security-Policy (`connect-src`) refused the
  request before it was sent (Chromium's HAR says `_blockedReason: csp`, or
  the request has no response);
- `corp` / `coep`: a `Cross-Origin-Resource-Policy` answer the browser
  enforced (Fetch §3.6 "cross-origin resource policy check"), or a page that
  requires CORP of everything it embeds (`Cross-Origin-Embedder-Policy:
  require-corp`, HTML §7.1.4);
- `mixed-content`: an https page calling an http URL (Mixed Content §4.3);
  Chromium and Firefox treat `http://localhost` and `127.0.0.1` as
  potentially trustworthy and let them through, Safari blocks them;
- `local-network-access`: a public page calling a private or loopback
  address (Chromium's Local Network Access, formerly Private Network
  Access);
- `third-party-cookies`: a credentialed request arriving without its
  cookies (blocked or partitioned third-party cookies: Safari, Firefox,
  Chrome with the setting), or cookies set so that they will not be sent;
- `redirect-to-login`: the API answered a redirect to a login page (an
  expired session), which lands on an HTML page without CORS headers;
- `gateway-error`: a 502/503/504 from a proxy or gateway in front of the
  application, without CORS headers: the CORS error is a symptom.

`detect(...)` lists what it finds; `decisive(...)` picks the one that
explains a failure better than the CORS check does.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from crossorigin.browser import Trace
from crossorigin.browser.access import combined_value
from crossorigin.origin import Origin, OriginSyntaxError, same_site

__all__ = ["LOGIN_URL", "NOT_CORS", "Evidence", "Finding", "decisive", "detect", "not_cors_notes"]

NOT_CORS: Final = (
    "csp",
    "corp",
    "coep",
    "mixed-content",
    "local-network-access",
    "third-party-cookies",
    "redirect-to-login",
    "gateway-error",
)

#: A URL that names a login page.
LOGIN_URL: Final = re.compile(
    r"log-?in|sign-?in|/auth|oauth|/sso|/session|/cas/|saml", re.IGNORECASE
)
_PROXIES: Final = (
    "nginx", "cloudflare", "envoy", "awselb", "elb", "varnish", "haproxy", "akamai",
    "cloudfront", "google frontend", "gfe", "traefik", "caddy", "apache", "istio", "kong",
    "fastly", "squid",
)  # fmt: skip
_LOOPBACK_NAMES: Final = ("localhost", "localhost.")


@dataclass(frozen=True)
class Finding:
    """One look-alike: its class, the evidence, and whether it alone can
    make the request fail (`blocks`) or only explains a disappointment."""

    klass: str
    evidence: str
    blocks: bool = True


@dataclass(frozen=True)
class Evidence:
    """What a detector reads: one request as recorded."""

    page_origin: str
    url: str
    method: str
    request_headers: tuple[tuple[str, str], ...]
    has_cookies: bool
    #: Every response of the chain, first hop first: (url, status, headers, mime type).
    responses: tuple[tuple[str, int, tuple[tuple[str, str], ...], str], ...]
    error: str | None = None
    page_headers: tuple[tuple[str, str], ...] = ()


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _address_space(host: str) -> str:
    """`loopback`, `local` (private) or `public` (Chromium's address spaces)."""
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return "loopback"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return "local" if host.endswith((".local", ".internal", ".lan")) else "public"
    if address.is_loopback:
        return "loopback"
    if address.is_private or address.is_link_local:
        return "local"
    return "public"


def _csp(evidence: Evidence) -> Finding | None:
    error = (evidence.error or "").lower()
    if "csp" in error or "content-security-policy" in error:
        return Finding("csp", f"the recording says the request was blocked: {evidence.error}")
    return None


def _corp(evidence: Evidence) -> Finding | None:
    error = (evidence.error or "").lower()
    last = evidence.responses[-1] if evidence.responses else None
    corp = combined_value(last[2], "cross-origin-resource-policy") if last else None
    coep = combined_value(evidence.page_headers, "cross-origin-embedder-policy")
    if "coep" in error or "embedder" in error:
        said = f"; the page sends Cross-Origin-Embedder-Policy: {coep}" if coep else ""
        return Finding("coep", f"the recording says: {evidence.error}{said}")
    if "corp" in error or "notsameorigin" in error or "notsamesite" in error:
        if last is not None and corp is None:
            # A response without the header fails the check only when the
            # page's Cross-Origin-Embedder-Policy defaults it to same-origin
            # (HTML §7.1.4; Firefox names both failures NS_ERROR_DOM_CORP_FAILED).
            return Finding(
                "coep",
                f"the recording says: {evidence.error}, and the response has no "
                "Cross-Origin-Resource-Policy: the page requires it (Cross-Origin-Embedder-"
                "Policy: require-corp)",
            )
        said = f" (Cross-Origin-Resource-Policy: {corp})" if corp else ""
        return Finding("corp", f"the recording says: {evidence.error}{said}")
    policy = (corp or "").strip().lower()
    if last is not None and policy in ("same-origin", "same-site") and _refuses(evidence, policy):
        # Fetch §3.6: the check applies to no-cors requests only; a fetch()
        # in mode "cors" passes it (measured: hars/*/corp-cors-mode).
        return Finding(
            "corp",
            f"{last[0]} sends Cross-Origin-Resource-Policy: {corp}: loaded from "
            f"{evidence.page_origin} without CORS (an <img>, a <script>, fetch() with mode "
            "'no-cors') it is refused; a CORS request is not affected",
            blocks=False,
        )
    return None


def _refuses(evidence: Evidence, policy: str) -> bool:
    """Whether Cross-Origin-Resource-Policy `policy` refuses the page's origin."""
    try:
        target = Origin.parse(evidence.responses[-1][0])
        page = Origin.parse(evidence.page_origin)
    except OriginSyntaxError:
        return False
    if policy == "same-origin":
        return target.serialize() != page.serialize()
    return not same_site(page, target)


def _mixed(evidence: Evidence) -> Finding | None:
    if not evidence.page_origin.startswith("https:") or not evidence.url.startswith("http:"):
        return None
    host = _host(evidence.url)
    if _address_space(host) == "loopback" and host != "localhost.":
        return Finding(
            "mixed-content",
            f"an https page ({evidence.page_origin}) calls {evidence.url}: Chromium and Firefox "
            "allow http://localhost and 127.0.0.1 as potentially trustworthy, Safari blocks "
            "them as mixed content",
            blocks=False,
        )
    return Finding(
        "mixed-content",
        f"an https page ({evidence.page_origin}) calls an http URL ({evidence.url}); browsers "
        "block it before sending (serve the API over https)",
    )


def _local_network(evidence: Evidence) -> Finding | None:
    page = _address_space(_host(evidence.page_origin))
    target = _address_space(_host(evidence.url))
    order = {"public": 0, "local": 1, "loopback": 2}
    if order[target] <= order[page]:
        return None
    return Finding(
        "local-network-access",
        f"a {page} page ({evidence.page_origin}) calls a {target} address ({_host(evidence.url)}):"
        " Chromium asks the user's permission (Local Network Access; from a secure context "
        "only) and fails the request before sending it when the permission is denied; no "
        "response header helps (Access-Control-Allow-Private-Network belonged to the "
        "Private Network Access preflight LNA replaced)",
        blocks=evidence.error is not None or not evidence.responses,
    )


def _cookies(evidence: Evidence) -> Finding | None:
    if not evidence.responses:
        return None
    first_headers = evidence.responses[0][2]
    allows_credentials = combined_value(first_headers, "access-control-allow-credentials") == "true"
    status = evidence.responses[-1][1]
    if allows_credentials and not evidence.has_cookies and status in (401, 403):
        return Finding(
            "third-party-cookies",
            f"the server allows credentials, but the request carried no Cookie and got {status}: "
            "the browser did not send the cookies (third-party cookies blocked or partitioned: "
            "Safari, Firefox, Chrome's setting), or the page did not ask for credentials",
        )
    for name, value in first_headers:
        if name.lower() != "set-cookie":
            continue
        attributes = {part.strip().split("=")[0].lower(): part for part in value.split(";")[1:]}
        cookie = value.split("=", 1)[0].strip()
        samesite = attributes.get("samesite", "").split("=")[-1].strip().lower()
        if samesite != "none":
            return Finding(
                "third-party-cookies",
                f"Set-Cookie {cookie} has SameSite={samesite or 'Lax (the default)'}: the "
                "browser will not send it on a cross-site request; use SameSite=None; Secure",
                blocks=False,
            )
        if "secure" not in attributes:
            return Finding(
                "third-party-cookies",
                f"Set-Cookie {cookie} has SameSite=None without Secure: browsers reject it",
                blocks=False,
            )
        if "partitioned" in attributes:
            return Finding(
                "third-party-cookies",
                f"Set-Cookie {cookie} is Partitioned: it is sent only under this top-level "
                "site, never to the API when visited from another one",
                blocks=False,
            )
    return None


def _login(evidence: Evidence) -> Finding | None:
    for url, status, headers, _mime in evidence.responses:
        location = combined_value(headers, "location") or ""
        if 300 <= status < 400 and LOGIN_URL.search(location):
            return Finding(
                "redirect-to-login",
                f"{url} answered {status} to {location}: a login page (an expired or missing "
                "session), which has no CORS headers",
            )
    if len(evidence.responses) > 1:
        url, status, _, mime = evidence.responses[-1]
        if status == 200 and "html" in mime.lower():
            return Finding(
                "redirect-to-login",
                f"the request was redirected to {url}, an HTML page (200 {mime}): probably a "
                "login page",
            )
    return None


def _gateway(evidence: Evidence) -> Finding | None:
    if not evidence.responses:
        return None
    url, status, headers, _ = evidence.responses[-1]
    if status not in (502, 503, 504) or combined_value(headers, "access-control-allow-origin"):
        return None
    server = combined_value(headers, "server") or ""
    via = combined_value(headers, "via") or ""
    named = [f"Server: {server}"] if any(p in server.lower() for p in _PROXIES) else []
    if via:
        named.append(f"Via: {via}")
    said = f" ({'; '.join(named)})" if named else ""
    return Finding(
        "gateway-error",
        f"{url} answered {status} without CORS headers{said}: a gateway or proxy in front of the "
        "application answered, not the application; fix the upstream (and have the gateway "
        "add CORS headers to its error pages)",
    )


_DETECTORS: Final = (_csp, _corp, _mixed, _local_network, _login, _gateway, _cookies)


def detect(evidence: Evidence) -> list[Finding]:
    """Every look-alike the evidence shows, in the order of `_DETECTORS`
    (a refusal before sending first, then what the server answered)."""
    return [found for detector in _DETECTORS if (found := detector(evidence)) is not None]


def decisive(findings: Sequence[Finding], *, failed: bool) -> Finding | None:
    """The finding that explains the outcome instead of a CORS rule: the
    first that blocks when the request failed; when it passed, the cookies
    look-alike (an unauthenticated answer)."""
    for finding in findings:
        if failed and finding.blocks:
            return finding
        if not failed and finding.klass == "third-party-cookies" and finding.blocks:
            return finding
    return None


def not_cors_notes(trace: Trace) -> list[str]:
    """The look-alikes a live trace (`crossorigin check`) shows, as notes."""
    actual = tuple(
        (exchange.url, exchange.response.status, exchange.response.headers,
         combined_value(exchange.response.headers, "content-type") or "")
        for exchange in trace.exchanges
        if exchange.kind == "actual"
    )  # fmt: skip
    request = trace.request
    evidence = Evidence(
        page_origin=request.page_origin,
        url=request.url,
        method=request.method,
        request_headers=request.headers,
        has_cookies=request.credentials == "include",
        responses=actual,
    )
    return [f"Not CORS ({found.klass}): {found.evidence}." for found in detect(evidence)]
