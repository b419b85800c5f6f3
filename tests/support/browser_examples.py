# ruff: noqa: E501
"""Example scenarios for the browser model, one or more per reason code and
per console message variant, with the verdict Chromium 156 gives.

Inputs and expected verdicts come from the Fetch standard and the
web-platform-tests CORS cases (origin matching, credentials, preflight status,
allowed methods and headers, exposed headers, redirects), and each was
confirmed in real Chromium (tests/oracles/browsers/test_browser_chromium.py runs them all
there). URLs use the Chromium harness placeholders: `{page_port}`,
`{api_port}`, `{other_port}` and `{sid}`; `fill()` puts fixed values in for
model-only tests.

`expect` lists outcome keys that must match exactly (`console` may use the
placeholders too); `expect_spec`, when present, is what the Fetch standard
says instead (`--spec`).
"""

from __future__ import annotations

from typing import Any

PAGE = "http://127.0.0.1:{page_port}"
API = "http://127.0.0.1:{api_port}/{sid}/api"
OTHER = "http://127.0.0.1:{other_port}/{sid}/other"
ACAO = ["Access-Control-Allow-Origin", PAGE]
ACAC = ["Access-Control-Allow-Credentials", "true"]
PREFIX = f"Access to fetch at '{API}' from origin '{PAGE}' has been blocked by CORS policy: "
PREFLIGHT = "Response to preflight request doesn't pass access control check: "
VALID = " Have the server send the header with a valid value."

FIXED_PLACEHOLDERS = {
    "{page_port}": "3000",
    "{api_port}": "8000",
    "{other_port}": "8001",
    "{sid}": "sid-example-1",
}


def fill(value: Any, replacements: dict[str, str] | None = None) -> Any:
    """`value` with every placeholder replaced (fixed ports by default)."""
    table = replacements or FIXED_PLACEHOLDERS
    if isinstance(value, str):
        for placeholder, text in table.items():
            value = value.replace(placeholder, text)
        return value
    if isinstance(value, list):
        return [fill(item, table) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, table) for key, item in value.items()}
    return value


def response(status: int = 200, *headers: list[str]) -> dict[str, Any]:
    return {"status": status, "headers": [list(h) for h in headers]}


def scenario(
    method: str = "GET",
    *,
    url: str = API,
    headers: list[list[str]] | None = None,
    credentials: str = "same-origin",
    mode: str = "cors",
    redirect: str | None = None,
    preflight: dict[str, Any] | list[dict[str, Any]] | None = None,
    actual: dict[str, Any] | list[dict[str, Any]] | None = None,
    read: list[str] | None = None,
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "url": url,
        "method": method,
        "headers": headers or [],
        "credentials": credentials,
        "mode": mode,
    }
    if redirect is not None:
        request["redirect"] = redirect
    responses: dict[str, Any] = {}
    if preflight is not None:
        responses["preflight"] = preflight
    if actual is not None:
        responses["actual"] = actual
    return {
        "page_origin": PAGE,
        "request": request,
        "responses": responses,
        "read_headers": read or [],
    }


def blocked(reason: str, text: str, failed_at: str, prefix: str = PREFIX) -> dict[str, Any]:
    return {"allowed": False, "reason": reason, "failed_at": failed_at, "console": prefix + text}


ALLOWED = {"allowed": True, "reason": None, "failed_at": None, "console": None}


def preflight_request(method: str, headers: str | None = None) -> dict[str, Any]:
    sent = [["Access-Control-Request-Method", method]]
    if headers is not None:
        sent.append(["Access-Control-Request-Headers", headers])
    return {"preflight_sent": True, "preflight_request": {"method": "OPTIONS", "headers": sent}}


NO_PREFLIGHT = {"preflight_sent": False, "preflight_request": None}

PUT_OK = response(204, ACAO, ["Access-Control-Allow-Methods", "PUT"])

EXAMPLES: list[dict[str, Any]] = [
    # --- Fetch §4.10 CORS check on the actual response (WPT cors/origin) ---------
    {
        "id": "simple-get-exact-origin",
        "scenario": scenario(actual=response(200, ACAO)),
        "expect": {**ALLOWED, **NO_PREFLIGHT},
    },
    {
        "id": "simple-get-wildcard",
        "scenario": scenario(actual=response(200, ["Access-Control-Allow-Origin", "*"])),
        "expect": ALLOWED,
    },
    {
        "id": "acao-trimmed",
        "scenario": scenario(actual=response(200, ["Access-Control-Allow-Origin", f" {PAGE} "])),
        "expect": ALLOWED,
    },
    {
        "id": "missing-allow-origin",
        "scenario": scenario(actual=response(200)),
        "expect": blocked(
            "MissingAllowOriginHeader",
            "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
            "actual",
        ),
    },
    {
        "id": "allow-origin-mismatch",
        "scenario": scenario(
            actual=response(200, ["Access-Control-Allow-Origin", "https://example.com"])
        ),
        "expect": blocked(
            "AllowOriginMismatch",
            "The 'Access-Control-Allow-Origin' header has a value 'https://example.com' that is not equal to the supplied origin."
            + VALID,
            "actual",
        ),
    },
    {
        "id": "allow-origin-trailing-slash",
        "scenario": scenario(actual=response(200, ["Access-Control-Allow-Origin", PAGE + "/"])),
        "expect": blocked(
            "AllowOriginMismatch",
            f"The 'Access-Control-Allow-Origin' header has a value '{PAGE}/' that is not equal to the supplied origin."
            + VALID,
            "actual",
        ),
    },
    {
        "id": "allow-origin-upper-case",
        "scenario": scenario(
            actual=response(200, ["Access-Control-Allow-Origin", "HTTP://127.0.0.1:{page_port}"])
        ),
        "expect": {"allowed": False, "reason": "AllowOriginMismatch"},
    },
    {
        "id": "allow-origin-null",
        "scenario": scenario(actual=response(200, ["Access-Control-Allow-Origin", "null"])),
        "expect": blocked(
            "AllowOriginMismatch",
            "The 'Access-Control-Allow-Origin' header has a value 'null' that is not equal to the supplied origin."
            + VALID,
            "actual",
        ),
    },
    {
        "id": "allow-origin-list",
        "scenario": scenario(
            actual=response(200, ["Access-Control-Allow-Origin", f"{PAGE}, https://example.com"])
        ),
        "expect": blocked(
            "MultipleAllowOriginValues",
            f"The 'Access-Control-Allow-Origin' header contains multiple values '{PAGE}, https://example.com', but only one is allowed."
            + VALID,
            "actual",
        ),
    },
    {
        "id": "allow-origin-duplicated",
        "scenario": scenario(actual=response(200, ACAO, ACAO)),
        "expect": blocked(
            "MultipleAllowOriginValues",
            f"The 'Access-Control-Allow-Origin' header contains multiple values '{PAGE}, {PAGE}', but only one is allowed."
            + VALID,
            "actual",
        ),
    },
    {
        "id": "allow-origin-with-space",
        "scenario": scenario(actual=response(200, ["Access-Control-Allow-Origin", "http://a b"])),
        "expect": {"allowed": False, "reason": "MultipleAllowOriginValues"},
    },
    {
        "id": "allow-origin-invalid",
        "scenario": scenario(actual=response(200, ["Access-Control-Allow-Origin", "example.com"])),
        "expect": blocked(
            "InvalidAllowOriginValue",
            "The 'Access-Control-Allow-Origin' header contains the invalid value 'example.com'."
            + VALID,
            "actual",
        ),
    },
    {
        "id": "allow-origin-empty",
        "scenario": scenario(actual=response(200, ["Access-Control-Allow-Origin", ""])),
        "expect": blocked(
            "InvalidAllowOriginValue",
            "The 'Access-Control-Allow-Origin' header contains the invalid value ''." + VALID,
            "actual",
        ),
    },
    # --- Credentials (WPT cors/credentials-flag) -----------------------------------------
    {
        "id": "wildcard-with-credentials",
        "scenario": scenario(
            credentials="include", actual=response(200, ["Access-Control-Allow-Origin", "*"], ACAC)
        ),
        "expect": blocked(
            "WildcardOriginNotAllowed",
            "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.",
            "actual",
        ),
    },
    {
        "id": "credentials-without-allow-credentials",
        "scenario": scenario(credentials="include", actual=response(200, ACAO)),
        "expect": blocked(
            "InvalidAllowCredentials",
            "The value of the 'Access-Control-Allow-Credentials' header in the response is '' which must be 'true' when the request's credentials mode is 'include'.",
            "actual",
        ),
    },
    {
        "id": "allow-credentials-upper-case",
        "scenario": scenario(
            credentials="include",
            actual=response(200, ACAO, ["Access-Control-Allow-Credentials", "TRUE"]),
        ),
        "expect": blocked(
            "InvalidAllowCredentials",
            "The value of the 'Access-Control-Allow-Credentials' header in the response is 'TRUE' which must be 'true' when the request's credentials mode is 'include'.",
            "actual",
        ),
    },
    {
        "id": "credentials-allowed",
        "scenario": scenario(credentials="include", actual=response(200, ACAO, ACAC)),
        "expect": ALLOWED,
    },
    {
        "id": "same-origin-credentials-wildcard",
        "scenario": scenario(
            credentials="same-origin", actual=response(200, ["Access-Control-Allow-Origin", "*"])
        ),
        "expect": ALLOWED,
    },
    {
        "id": "omit-ignores-allow-credentials",
        "scenario": scenario(
            credentials="omit",
            actual=response(
                200,
                ["Access-Control-Allow-Origin", "*"],
                ["Access-Control-Allow-Credentials", "nope"],
            ),
        ),
        "expect": ALLOWED,
    },
    # --- Preflight: the CORS check on the preflight (Fetch §4.8) -----------------------------
    {
        "id": "preflight-missing-allow-origin",
        "scenario": scenario(
            "PUT", headers=[["Content-Type", "application/json"]], preflight=response(204)
        ),
        "expect": {
            **preflight_request("PUT", "content-type"),
            **blocked(
                "PreflightMissingAllowOriginHeader",
                PREFLIGHT
                + "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
                "preflight",
            ),
        },
    },
    {
        "id": "preflight-allow-origin-mismatch",
        "scenario": scenario(
            "PUT", preflight=response(204, ["Access-Control-Allow-Origin", "https://example.com"])
        ),
        "expect": blocked(
            "PreflightAllowOriginMismatch",
            PREFLIGHT
            + "The 'Access-Control-Allow-Origin' header has a value 'https://example.com' that is not equal to the supplied origin."
            + VALID,
            "preflight",
        ),
    },
    {
        "id": "preflight-multiple-allow-origin",
        "scenario": scenario(
            "PUT",
            preflight=response(
                204, ["Access-Control-Allow-Origin", "https://a.example, https://b.example"]
            ),
        ),
        "expect": blocked(
            "PreflightMultipleAllowOriginValues",
            PREFLIGHT
            + "The 'Access-Control-Allow-Origin' header contains multiple values 'https://a.example, https://b.example', but only one is allowed."
            + VALID,
            "preflight",
        ),
    },
    {
        "id": "preflight-invalid-allow-origin",
        "scenario": scenario(
            "PUT", preflight=response(204, ["Access-Control-Allow-Origin", "nonsense"])
        ),
        "expect": blocked(
            "PreflightInvalidAllowOriginValue",
            PREFLIGHT
            + "The 'Access-Control-Allow-Origin' header contains the invalid value 'nonsense'."
            + VALID,
            "preflight",
        ),
    },
    {
        "id": "preflight-wildcard-with-credentials",
        "scenario": scenario(
            "PUT",
            credentials="include",
            preflight=response(204, ["Access-Control-Allow-Origin", "*"]),
        ),
        "expect": blocked(
            "PreflightWildcardOriginNotAllowed",
            PREFLIGHT
            + "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.",
            "preflight",
        ),
    },
    {
        "id": "preflight-invalid-allow-credentials",
        "scenario": scenario(
            "PUT",
            credentials="include",
            preflight=response(204, ACAO, ["Access-Control-Allow-Credentials", "yes"]),
        ),
        "expect": blocked(
            "PreflightInvalidAllowCredentials",
            PREFLIGHT
            + "The value of the 'Access-Control-Allow-Credentials' header in the response is 'yes' which must be 'true' when the request's credentials mode is 'include'.",
            "preflight",
        ),
    },
    {
        "id": "preflight-404-without-cors-headers",
        "scenario": scenario("PUT", preflight=response(404)),
        "expect": {"allowed": False, "reason": "PreflightMissingAllowOriginHeader"},
    },
    # --- Preflight status and redirects (WPT cors/preflight-failure, redirect-preflight) ----
    {
        "id": "preflight-not-ok-status",
        "scenario": scenario(
            "PUT", preflight=response(405, ACAO, ["Access-Control-Allow-Methods", "PUT"])
        ),
        "expect": blocked(
            "PreflightInvalidStatus", PREFLIGHT + "It does not have HTTP ok status.", "preflight"
        ),
    },
    {
        "id": "preflight-299-is-ok",
        "scenario": scenario(
            "PUT",
            preflight=response(299, ACAO, ["Access-Control-Allow-Methods", "PUT"]),
            actual=response(200, ACAO),
        ),
        "expect": {**ALLOWED, **preflight_request("PUT")},
    },
    {
        "id": "preflight-redirect",
        "scenario": scenario("PUT", preflight=response(307, ACAO, ["Location", OTHER])),
        "expect": blocked(
            "PreflightDisallowedRedirect",
            PREFLIGHT + "Redirect is not allowed for a preflight request.",
            "preflight",
        ),
    },
    {
        "id": "preflight-302-without-location",
        "scenario": scenario("PUT", preflight=response(302, ACAO)),
        "expect": {"allowed": False, "reason": "PreflightInvalidStatus"},
    },
    # --- Allow-Methods / Allow-Headers parsing and matching ---------------------------------
    {
        "id": "allow-methods-unparsable",
        "scenario": scenario(
            "PUT", preflight=response(204, ACAO, ["Access-Control-Allow-Methods", "PUT;"])
        ),
        "expect": blocked(
            "InvalidAllowMethodsPreflightResponse",
            "Cannot parse Access-Control-Allow-Methods response header field in preflight response.",
            "preflight",
        ),
    },
    {
        "id": "allow-headers-unparsable",
        "scenario": scenario(
            headers=[["X-Foo", "1"]],
            preflight=response(204, ACAO, ["Access-Control-Allow-Headers", "x foo"]),
        ),
        "expect": blocked(
            "InvalidAllowHeadersPreflightResponse",
            "Cannot parse Access-Control-Allow-Headers response header field in preflight response.",
            "preflight",
        ),
    },
    {
        "id": "method-not-allowed",
        "scenario": scenario(
            "PUT", preflight=response(204, ACAO, ["Access-Control-Allow-Methods", "GET, POST"])
        ),
        "expect": blocked(
            "MethodDisallowedByPreflightResponse",
            "Method PUT is not allowed by Access-Control-Allow-Methods in preflight response.",
            "preflight",
        ),
    },
    {
        "id": "method-patch-not-normalized",
        "scenario": scenario(
            "patch", preflight=response(204, ACAO, ["Access-Control-Allow-Methods", "PATCH"])
        ),
        "expect": {
            **preflight_request("patch"),
            **blocked(
                "MethodDisallowedByPreflightResponse",
                "Method patch is not allowed by Access-Control-Allow-Methods in preflight response.",
                "preflight",
            ),
        },
    },
    {
        "id": "method-delete-normalized",
        "scenario": scenario(
            "delete",
            preflight=response(204, ACAO, ["Access-Control-Allow-Methods", "DELETE"]),
            actual=response(200, ACAO),
        ),
        "expect": {**ALLOWED, **preflight_request("DELETE")},
    },
    {
        "id": "allow-methods-case-sensitive",
        "scenario": scenario(
            "PUT", preflight=response(204, ACAO, ["Access-Control-Allow-Methods", "put"])
        ),
        "expect": {"allowed": False, "reason": "MethodDisallowedByPreflightResponse"},
    },
    {
        "id": "allow-methods-whitespace-and-duplicates",
        "scenario": scenario(
            "PUT",
            preflight=response(
                204,
                ACAO,
                ["Access-Control-Allow-Methods", " GET , "],
                ["Access-Control-Allow-Methods", "PUT"],
            ),
            actual=response(200, ACAO),
        ),
        "expect": ALLOWED,
    },
    {
        "id": "allow-methods-wildcard",
        "scenario": scenario(
            "PUT",
            preflight=response(204, ACAO, ["Access-Control-Allow-Methods", "*"]),
            actual=response(200, ACAO),
        ),
        "expect": ALLOWED,
    },
    {
        "id": "allow-methods-wildcard-with-credentials",
        "scenario": scenario(
            "PUT",
            credentials="include",
            preflight=response(204, ACAO, ACAC, ["Access-Control-Allow-Methods", "*"]),
        ),
        "expect": {"allowed": False, "reason": "MethodDisallowedByPreflightResponse"},
    },
    {
        "id": "header-not-allowed",
        "scenario": scenario(
            headers=[["X-Foo", "1"]],
            preflight=response(204, ACAO, ["Access-Control-Allow-Headers", "x-bar"]),
        ),
        "expect": {
            **preflight_request("GET", "x-foo"),
            **blocked(
                "HeaderDisallowedByPreflightResponse",
                "Request header field x-foo is not allowed by Access-Control-Allow-Headers in preflight response.",
                "preflight",
            ),
        },
    },
    {
        "id": "headers-sorted-lower-case-deduplicated",
        "scenario": scenario(
            headers=[["X-B", "1"], ["x-a", "1"], ["X-A", "2"]],
            preflight=response(204, ACAO, ["Access-Control-Allow-Headers", "x-b"]),
        ),
        "expect": {
            **preflight_request("GET", "x-a,x-b"),
            "reason": "HeaderDisallowedByPreflightResponse",
        },
    },
    {
        "id": "allow-headers-case-insensitive",
        "scenario": scenario(
            headers=[["x-foo", "1"]],
            preflight=response(204, ACAO, ["Access-Control-Allow-Headers", "X-FOO"]),
            actual=response(200, ACAO),
        ),
        "expect": ALLOWED,
    },
    {
        "id": "allow-headers-wildcard",
        "scenario": scenario(
            headers=[["X-Foo", "1"]],
            preflight=response(204, ACAO, ["Access-Control-Allow-Headers", "*"]),
            actual=response(200, ACAO),
        ),
        "expect": ALLOWED,
    },
    {
        "id": "allow-headers-wildcard-with-credentials",
        "scenario": scenario(
            headers=[["X-Foo", "1"]],
            credentials="include",
            preflight=response(204, ACAO, ACAC, ["Access-Control-Allow-Headers", "*"]),
        ),
        "expect": {"allowed": False, "reason": "HeaderDisallowedByPreflightResponse"},
    },
    {
        "id": "authorization-covered-by-wildcard",
        "scenario": scenario(
            headers=[["Authorization", "Bearer t"]],
            preflight=response(204, ACAO, ["Access-Control-Allow-Headers", "*"]),
            actual=response(200, ACAO),
        ),
        "expect": {**ALLOWED, **preflight_request("GET", "authorization")},
        "expect_spec": {
            "allowed": False,
            "reason": "HeaderDisallowedByPreflightResponse",
            "console": PREFIX
            + "Request header field authorization is not allowed by Access-Control-Allow-Headers in preflight response.",
        },
    },
    {
        "id": "authorization-listed-with-wildcard",
        "scenario": scenario(
            headers=[["Authorization", "Bearer t"]],
            preflight=response(204, ACAO, ["Access-Control-Allow-Headers", "*, Authorization"]),
            actual=response(200, ACAO),
        ),
        "expect": ALLOWED,
        "expect_spec": ALLOWED,
    },
    {
        "id": "preflight-ok-actual-missing-allow-origin",
        "scenario": scenario("PUT", preflight=PUT_OK, actual=response(200)),
        "expect": {
            **preflight_request("PUT"),
            **blocked(
                "MissingAllowOriginHeader",
                "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
                "actual",
            ),
        },
    },
    # --- Request classification (Fetch §2.2.2 safelist value rules) ---------------------------
    {
        "id": "content-type-json-preflights",
        "scenario": scenario(
            "POST",
            headers=[["Content-Type", "application/json"]],
            preflight=response(204, ACAO, ["Access-Control-Allow-Headers", "content-type"]),
            actual=response(200, ACAO),
        ),
        "expect": {**ALLOWED, **preflight_request("POST", "content-type")},
    },
    {
        "id": "content-type-text-plain-simple",
        "scenario": scenario(
            "POST",
            headers=[["Content-Type", "text/plain;charset=UTF-8"]],
            actual=response(200, ACAO),
        ),
        "expect": {**ALLOWED, **NO_PREFLIGHT},
    },
    {
        "id": "content-type-too-long",
        "scenario": scenario(
            "POST",
            headers=[["Content-Type", "text/plain;" + "a" * 130]],
            preflight=response(204, ACAO, ["Access-Control-Allow-Headers", "content-type"]),
            actual=response(200, ACAO),
        ),
        "expect": {**ALLOWED, **preflight_request("POST", "content-type")},
    },
    {
        "id": "accept-language-unsafe-byte",
        "scenario": scenario(
            headers=[["Accept-Language", "en (x)"]],
            preflight=response(204, ACAO, ["Access-Control-Allow-Headers", "accept-language"]),
            actual=response(200, ACAO),
        ),
        "expect": {**ALLOWED, **preflight_request("GET", "accept-language")},
    },
    {
        "id": "range-simple",
        "scenario": scenario(headers=[["Range", "bytes=0-1"]], actual=response(200, ACAO)),
        "expect": {**ALLOWED, **NO_PREFLIGHT},
    },
    {
        "id": "range-suffix-preflights",
        "scenario": scenario(
            headers=[["Range", "bytes=-5"]],
            preflight=response(204, ACAO, ["Access-Control-Allow-Headers", "range"]),
            actual=response(200, ACAO),
        ),
        "expect": {**ALLOWED, **preflight_request("GET", "range")},
    },
    # Repeated names: Chromium joins them with ", " and safelists the joined value;
    # the standard judges each header-list entry alone (Fetch §2.2.2).
    {
        "id": "repeated-content-type-joined-preflights",
        "scenario": scenario(
            headers=[["Content-Type", "text/plain"], ["Content-Type", "text/plain"]],
            preflight=response(204),
            actual=response(200, ACAO),
        ),
        "expect": {
            **blocked(
                "PreflightMissingAllowOriginHeader",
                PREFLIGHT
                + "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
                "preflight",
            ),
            **preflight_request("GET", "content-type"),
        },
        "expect_spec": {**ALLOWED, **NO_PREFLIGHT},
    },
    {
        "id": "repeated-content-type-joined-still-parses",
        "scenario": scenario(
            headers=[["Content-Type", "text/plain;a=1"], ["content-type", "de"]],
            preflight=response(204),
            actual=response(200, ACAO),
        ),
        "expect": {**ALLOWED, **NO_PREFLIGHT},
    },
    {
        "id": "repeated-range-joined-preflights",
        "scenario": scenario(
            headers=[["Range", "bytes=0-1"], ["Range", "bytes=0-1"]],
            preflight=response(204, ACAO, ["Access-Control-Allow-Headers", "range"]),
            actual=response(200, ACAO),
        ),
        "expect": {**ALLOWED, **preflight_request("GET", "range")},
        "expect_spec": {**ALLOWED, **NO_PREFLIGHT},
    },
    {
        "id": "repeated-accept-language-joined-over-128-bytes",
        "scenario": scenario(
            headers=[["Accept-Language", "a" * 64], ["Accept-Language", "b" * 64]],
            preflight=response(204),
            actual=response(200, ACAO),
        ),
        "expect": {
            "allowed": False,
            "reason": "PreflightMissingAllowOriginHeader",
            **preflight_request("GET", "accept-language"),
        },
        "expect_spec": {**ALLOWED, **NO_PREFLIGHT},
    },
    {
        "id": "client-hint-dpr",
        "scenario": scenario(
            headers=[["DPR", "2.5"]], preflight=response(204, ACAO), actual=response(200, ACAO)
        ),
        "expect": {**ALLOWED, **NO_PREFLIGHT},
        "expect_spec": {
            **preflight_request("GET", "dpr"),
            "reason": "HeaderDisallowedByPreflightResponse",
        },
    },
    {
        "id": "client-hint-bad-value",
        "scenario": scenario(
            headers=[["Save-Data", "off"]],
            preflight=response(204, ACAO),
            actual=response(200, ACAO),
        ),
        "expect": {
            **preflight_request("GET", "save-data"),
            "reason": "HeaderDisallowedByPreflightResponse",
        },
    },
    {
        "id": "forbidden-header-dropped",
        "scenario": scenario(
            headers=[["Cookie", "a=1"], ["Sec-Foo", "1"]], actual=response(200, ACAO)
        ),
        "expect": {**ALLOWED, **NO_PREFLIGHT},
    },
    # --- Exposed headers (WPT cors/access-control-expose-headers) -------------------------------
    {
        "id": "unexposed-header-hidden",
        "scenario": scenario(
            actual=response(200, ACAO, ["X-Total", "7"], ["Content-Language", "en"]),
            read=["X-Total", "Content-Language"],
        ),
        "expect": {**ALLOWED, "readable_headers": {"x-total": None, "content-language": "en"}},
    },
    {
        "id": "exposed-header-readable",
        "scenario": scenario(
            actual=response(
                200, ACAO, ["X-Total", "7"], ["Access-Control-Expose-Headers", "x-total"]
            ),
            read=["X-Total"],
        ),
        "expect": {**ALLOWED, "readable_headers": {"x-total": "7"}},
    },
    {
        "id": "expose-wildcard",
        "scenario": scenario(
            actual=response(
                200,
                ACAO,
                ["X-Total", "7"],
                ["Set-Cookie", "a=1"],
                ["Access-Control-Expose-Headers", "*"],
            ),
            read=["X-Total", "Set-Cookie"],
        ),
        "expect": {**ALLOWED, "readable_headers": {"x-total": "7", "set-cookie": None}},
    },
    {
        "id": "expose-wildcard-with-credentials",
        "scenario": scenario(
            credentials="include",
            actual=response(
                200, ACAO, ACAC, ["X-Total", "7"], ["Access-Control-Expose-Headers", "*"]
            ),
            read=["X-Total"],
        ),
        "expect": {**ALLOWED, "readable_headers": {"x-total": None}},
    },
    {
        "id": "expose-list-with-invalid-item",
        "scenario": scenario(
            actual=response(
                200,
                ACAO,
                ["X-A", "1"],
                ["X-C", "3"],
                ["Access-Control-Expose-Headers", "x-a, x b, x-c"],
            ),
            read=["X-A", "X-C"],
        ),
        "expect": {**ALLOWED, "readable_headers": {"x-a": None, "x-c": None}},
    },
    {
        "id": "exposed-header-repeated",
        "scenario": scenario(
            actual=response(
                200, ACAO, ["X-A", "1"], ["X-A", "2"], ["Access-Control-Expose-Headers", "X-A"]
            ),
            read=["X-A"],
        ),
        "expect": {**ALLOWED, "readable_headers": {"x-a": "1, 2"}},
    },
    # --- Redirects (WPT cors/redirect-origin, redirect-userinfo; Fetch §4.5) --------------------
    {
        "id": "redirect-taints-origin-null-allowed",
        "scenario": scenario(
            actual=[
                response(302, ACAO, ["Location", OTHER]),
                response(200, ["Access-Control-Allow-Origin", "null"]),
            ]
        ),
        "expect": ALLOWED,
    },
    {
        "id": "redirect-taints-origin-mismatch",
        "scenario": scenario(
            actual=[response(302, ACAO, ["Location", OTHER]), response(200, ACAO)]
        ),
        "expect": blocked(
            "AllowOriginMismatch",
            f"The 'Access-Control-Allow-Origin' header has a value '{PAGE}' that is not equal to the supplied origin."
            + VALID,
            "actual",
            prefix=f"Access to fetch at '{OTHER}' (redirected from '{API}') from origin '{PAGE}' has been blocked by CORS policy: ",
        ),
    },
    {
        "id": "redirect-hop-needs-cors-headers",
        "scenario": scenario(actual=[response(302, ["Location", OTHER]), response(200, ACAO)]),
        "expect": blocked(
            "MissingAllowOriginHeader",
            "No 'Access-Control-Allow-Origin' header is present on the requested resource.",
            "redirect",
        ),
    },
    {
        "id": "redirect-contains-credentials",
        "scenario": scenario(
            actual=[
                response(
                    302, ACAO, ["Location", "http://user:pass@127.0.0.1:{other_port}/{sid}/z"]
                ),
                response(200, ["Access-Control-Allow-Origin", "*"]),
            ]
        ),
        "expect": blocked(
            "RedirectContainsCredentials",
            "Redirect location '' contains a username and password, which is disallowed for cross-origin requests.",
            "redirect",
        ),
    },
    {
        # Fetch §4.4 step 13: the hop to another origin goes without Authorization,
        # so it needs no second preflight (one from origin null would fail here:
        # the preflight answer allows only the page's origin).
        "id": "redirect-cross-origin-drops-authorization",
        "scenario": scenario(
            headers=[["Authorization", "Bearer t"]],
            preflight=response(204, ACAO, ["Access-Control-Allow-Headers", "authorization"]),
            actual=[
                response(307, ACAO, ["Location", OTHER]),
                response(200, ["Access-Control-Allow-Origin", "*"]),
            ],
        ),
        "expect": {**ALLOWED, **preflight_request("GET", "authorization")},
        "expect_spec": {**ALLOWED, **preflight_request("GET", "authorization")},
    },
    {
        "id": "redirect-same-origin-keeps-authorization",
        "scenario": scenario(
            headers=[["Authorization", "Bearer t"]],
            preflight=response(204, ACAO, ["Access-Control-Allow-Headers", "authorization"]),
            actual=[
                response(307, ACAO, ["Location", API + "/next"]),
                response(200, ACAO),
            ],
        ),
        "expect": {**ALLOWED, **preflight_request("GET", "authorization")},
    },
    {
        # Stricter than Fetch (userinfo is checked only in "cors" mode there):
        # Chromium refuses it in no-cors mode too, without a word.
        "id": "redirect-userinfo-no-cors-silent",
        "scenario": scenario(
            mode="no-cors",
            actual=[
                response(301, ["Location", "http://u:p@127.0.0.1:{api_port}/{sid}/next"]),
                response(200),
            ],
        ),
        "expect": {
            "allowed": False,
            "reason": None,
            "console": None,
            "failed_at": "redirect",
            "error": "TypeError: Failed to fetch",
        },
        "expect_spec": {**ALLOWED, **NO_PREFLIGHT},
    },
    {
        "id": "redirect-userinfo-same-origin-silent",
        "scenario": scenario(
            url=PAGE + "/{sid}/same",
            actual=[
                response(302, ["Location", "http://u@127.0.0.1:{page_port}/{sid}/next"]),
                response(200),
            ],
        ),
        "expect": {"allowed": False, "reason": None, "console": None, "failed_at": "redirect"},
        "expect_spec": {**ALLOWED, **NO_PREFLIGHT},
    },
    {
        "id": "redirect-back-to-page-origin-stays-cors",
        "scenario": scenario(
            actual=[response(302, ACAO, ["Location", PAGE + "/{sid}/back"]), response(200)]
        ),
        "expect": {"allowed": False, "reason": "MissingAllowOriginHeader", "failed_at": "actual"},
    },
    {
        "id": "redirect-303-post-becomes-get",
        "scenario": scenario(
            "POST",
            headers=[["Content-Type", "text/plain"]],
            actual=[
                response(303, ACAO, ["Location", OTHER]),
                response(200, ["Access-Control-Allow-Origin", "null"]),
            ],
        ),
        "expect": ALLOWED,
    },
    {
        "id": "redirect-new-preflight-after-redirect",
        "scenario": scenario(
            "PUT",
            preflight=response(
                204, ["Access-Control-Allow-Origin", "*"], ["Access-Control-Allow-Methods", "PUT"]
            ),
            actual=[
                response(307, ["Access-Control-Allow-Origin", "*"], ["Location", OTHER]),
                response(200, ["Access-Control-Allow-Origin", "*"]),
            ],
        ),
        "expect": {**ALLOWED, **preflight_request("PUT")},
    },
    {
        "id": "redirect-mode-error",
        "scenario": scenario(
            redirect="error", actual=[response(302, ACAO, ["Location", OTHER]), response(200, ACAO)]
        ),
        "expect": {
            "allowed": False,
            "reason": None,
            "console": None,
            "failed_at": "redirect",
            "error": "TypeError: Failed to fetch",
        },
    },
    {
        "id": "redirect-mode-manual",
        "scenario": scenario(
            redirect="manual", actual=[response(302, ACAO, ["Location", OTHER])], read=["Location"]
        ),
        "expect": {**ALLOWED, "readable_headers": {"location": None}},
    },
    {
        "id": "redirect-mode-manual-still-checked",
        "scenario": scenario(redirect="manual", actual=[response(302, ["Location", OTHER])]),
        "expect": {"allowed": False, "reason": "MissingAllowOriginHeader", "failed_at": "redirect"},
    },
    # --- Modes (Fetch §4.1 main fetch) ------------------------------------------------------------
    {
        "id": "mode-same-origin-cross-origin",
        "scenario": scenario(mode="same-origin", actual=response(200, ACAO)),
        "expect": {
            "allowed": False,
            "reason": None,
            "failed_at": "request",
            "console": f'Fetch API cannot load {API}. Request mode is "same-origin" but the URL\'s origin is not same as the request origin {PAGE}.',
        },
    },
    {
        "id": "mode-same-origin-redirect-cross-origin",
        "scenario": scenario(
            mode="same-origin",
            url=PAGE + "/{sid}/same",
            actual=[response(302, ["Location", OTHER + "?q=1"]), response(200, ACAO)],
        ),
        "expect": {
            "allowed": False,
            "reason": None,
            "failed_at": "redirect",
            "console": f"Unsafe attempt to load URL {OTHER}?q=1 from frame with URL {PAGE}/. Domains, protocols and ports must match.\n",
            "error": "TypeError: Failed to fetch",
        },
    },
    {
        # Blink's mode check comes before the userinfo rule, and prints the userinfo.
        "id": "mode-same-origin-redirect-to-userinfo",
        "scenario": scenario(
            mode="same-origin",
            url=PAGE + "/{sid}/same",
            actual=[
                response(302, ["Location", "http://u:p@127.0.0.1:{other_port}/{sid}/next"]),
                response(200),
            ],
        ),
        "expect": {
            "allowed": False,
            "reason": None,
            "failed_at": "redirect",
            "console": f"Unsafe attempt to load URL http://u:p@127.0.0.1:{{other_port}}/{{sid}}/next from frame with URL {PAGE}/. Domains, protocols and ports must match.\n",
        },
    },
    {
        "id": "mode-no-cors-opaque",
        "scenario": scenario(
            mode="no-cors",
            headers=[["X-Foo", "1"]],
            actual=response(200, ["X-Total", "1"]),
            read=["X-Total"],
        ),
        "expect": {**ALLOWED, **NO_PREFLIGHT, "readable_headers": {"x-total": None}},
    },
    {
        "id": "mode-no-cors-put",
        "scenario": scenario("PUT", mode="no-cors", actual=response(200)),
        "expect": {
            "allowed": False,
            "reason": None,
            "console": None,
            "failed_at": "request",
            "error": "TypeError: Failed to execute 'fetch' on 'Window': 'PUT' is unsupported in no-cors mode.",
        },
    },
    {
        "id": "mode-no-cors-redirect-not-follow",
        "scenario": scenario(mode="no-cors", redirect="error", actual=response(200)),
        "expect": {
            "allowed": False,
            "reason": None,
            "failed_at": "request",
            "console": f'Fetch API cannot load {API}. Request mode is "no-cors" but the redirect mode is not "follow".',
        },
    },
    {
        "id": "same-origin-request-no-cors-checks",
        "scenario": scenario(
            "PUT",
            url=PAGE + "/{sid}/same",
            headers=[["X-Foo", "1"]],
            actual=response(200, ["X-Total", "9"]),
            read=["X-Total"],
        ),
        "expect": {**ALLOWED, **NO_PREFLIGHT, "readable_headers": {"x-total": "9"}},
    },
    # --- fetch() TypeErrors ---------------------------------------------------------------------
    {
        "id": "forbidden-method",
        "scenario": scenario("TRACE", actual=response(200)),
        "expect": {
            "allowed": False,
            "failed_at": "request",
            "error": "TypeError: Failed to execute 'fetch' on 'Window': 'TRACE' HTTP method is unsupported.",
        },
    },
    {
        "id": "invalid-method",
        "scenario": scenario("A B", actual=response(200)),
        "expect": {
            "allowed": False,
            "failed_at": "request",
            "error": "TypeError: Failed to execute 'fetch' on 'Window': 'A B' is not a valid HTTP method.",
        },
    },
    {
        "id": "invalid-header-name",
        "scenario": scenario(headers=[["X A", "1"]], actual=response(200)),
        "expect": {
            "allowed": False,
            "failed_at": "request",
            "error": "TypeError: Failed to execute 'fetch' on 'Window': Invalid name",
        },
    },
    {
        "id": "invalid-header-value",
        "scenario": scenario(headers=[["X-A", "a\nb"]], actual=response(200)),
        "expect": {
            "allowed": False,
            "failed_at": "request",
            "error": "TypeError: Failed to execute 'fetch' on 'Window': Invalid value",
        },
    },
    # --- Redirects to schemes the fetch cannot follow (measured in Chromium 156) -----
    {
        # Not HTTP(S), not data:/about: the CORS flag restarts the request,
        # which Chromium refuses by scheme.
        "id": "redirect-to-unknown-scheme",
        "scenario": scenario(
            actual=[
                response(302, ["Access-Control-Allow-Origin", "*"], ["Location", "foo://bar/x"])
            ]
        ),
        "expect": {
            "allowed": False,
            "failed_at": "redirect",
            "reason": "CorsDisabledScheme",
            "console": f"Access to fetch at 'foo://bar/x' (redirected from '{API}') from origin "
            f"'{PAGE}' has been blocked by CORS policy: Cross origin requests are only supported "
            "for protocol schemes: chrome, chrome-experimental-site-token-provider, "
            "chrome-extension, chrome-untrusted, data, http, https, isolated-app.",
            "network_error": None,
        },
    },
    {
        "id": "redirect-to-data-url",
        "scenario": scenario(
            actual=[response(302, ["Access-Control-Allow-Origin", "*"], ["Location", "data:,x"])]
        ),
        "expect": {
            "allowed": False,
            "failed_at": "redirect",
            "reason": None,
            "console": None,
            "network_error": "net::ERR_UNSAFE_REDIRECT",
            "error": "TypeError: Failed to fetch",
        },
    },
    {
        "id": "nul-byte-in-response-headers",
        "scenario": scenario(
            actual=response(200, ["Access-Control-Allow-Origin", "*"], ["X-A", "a\x00b"])
        ),
        "expect": {
            "allowed": False,
            "failed_at": "actual",
            "reason": None,
            "console": None,
            "network_error": "net::ERR_INVALID_HTTP_RESPONSE",
        },
    },
]
