"""The seed's cases, ready to click: an API policy plus a request from the page.

Each preset is data the page renders and the tests replay. `request.read`
lists the response headers the page's script reads with
`response.headers.get()` after the fetch. `{page}` in a
policy stands for the page's origin, so a preset works whatever ports the
playground listens on. `expect` is what the preset is meant to show; the
Chromium tests check that the real browser agrees.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["PRESETS", "presets_for"]

PRESETS: Final[tuple[dict[str, Any], ...]] = (
    {
        "id": "simple-get",
        "title": "Simple GET",
        "lesson": (
            "A GET without custom headers is a \u201csimple\u201d request: the browser sends it "
            "straight away, with an Origin header, and lets the page read the answer only "
            "if the API names the page's origin in Access-Control-Allow-Origin."
        ),
        "policy": {"origins": ["{page}"]},
        "request": {
            "method": "GET",
            "headers": [],
            "credentials": "same-origin",
            "body": "",
            "read": ["Content-Type"],
        },
        "expect": {"allowed": True, "preflight": False, "reason": None},
    },
    {
        "id": "preflighted-put",
        "title": "PUT with Authorization (preflight)",
        "lesson": (
            "PUT is not a simple method and Authorization is not a simple header, so the "
            "browser first asks permission with a preflight (OPTIONS). Only when the API "
            "answers that it allows PUT and these headers does the real request go out."
        ),
        "policy": {
            "origins": ["{page}"],
            "methods": ["GET", "PUT"],
            "request_headers": ["Authorization", "Content-Type"],
            "max_age": 600,
        },
        "request": {
            "method": "PUT",
            "headers": [
                ["Authorization", "Bearer demo-token"],
                ["Content-Type", "application/json"],
            ],
            "credentials": "same-origin",
            "body": '{"name": "demo"}',
            "read": ["Content-Type"],
        },
        "expect": {"allowed": True, "preflight": True, "reason": None},
    },
    {
        "id": "credentials-wildcard",
        "title": "Credentials with *",
        "lesson": (
            "The API allows any origin (*). The page sends its cookies "
            "(credentials: 'include'). A browser never shares a response to a request with "
            "cookies on the strength of a *: the server must name the page's origin and say "
            "Access-Control-Allow-Credentials: true."
        ),
        "policy": {"origins": "*"},
        "request": {
            "method": "GET",
            "headers": [],
            "credentials": "include",
            "body": "",
            "read": ["Content-Type"],
        },
        # What people try next; crossorigin refuses to build it, and says why.
        "refused_policy": {"origins": "*", "credentials": True},
        "expect": {"allowed": False, "preflight": False, "reason": "WildcardOriginNotAllowed"},
    },
    {
        "id": "origin-not-allowed",
        "title": "Origin not allowed",
        "lesson": (
            "The API was configured for production only (https://app.example.com). Your page "
            "runs on another origin, so the API leaves out Access-Control-Allow-Origin and the "
            "browser hides the response from the page, although the request reached the API."
        ),
        "policy": {"origins": ["https://app.example.com"]},
        "request": {
            "method": "GET",
            "headers": [],
            "credentials": "same-origin",
            "body": "",
            "read": ["Content-Type"],
        },
        "expect": {"allowed": False, "preflight": False, "reason": "MissingAllowOriginHeader"},
    },
    {
        "id": "exposed-header",
        "title": "Exposed header",
        "lesson": (
            "The API answers with two custom headers, X-Total-Count and X-Request-Id, but "
            "exposes only X-Total-Count. The page can read the body and X-Total-Count; "
            "response.headers.get('X-Request-Id') returns null although the header was sent."
        ),
        "policy": {"origins": ["{page}"], "expose_headers": ["X-Total-Count"]},
        "request": {
            "method": "GET",
            "headers": [],
            "credentials": "same-origin",
            "body": "",
            "read": ["X-Total-Count", "X-Request-Id"],
        },
        "expect": {"allowed": True, "preflight": False, "reason": None, "hidden": ["x-request-id"]},
    },
)


def _substitute(value: Any, page_origin: str) -> Any:
    if isinstance(value, str):
        return value.replace("{page}", page_origin)
    if isinstance(value, list):
        return [_substitute(item, page_origin) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, page_origin) for key, item in value.items()}
    return value


def presets_for(page_origin: str) -> list[dict[str, Any]]:
    """The presets with `{page}` replaced by the page's origin."""
    return [_substitute(preset, page_origin) for preset in PRESETS]
