"""Starlette / FastAPI: `app.add_middleware(CORSMiddleware, ...)`,
`Middleware(CORSMiddleware, ...)` or `CORSMiddleware(app, ...)` read from
Python source (ast, never executed).

What Starlette's CORSMiddleware does with its arguments (the facts this
module encodes; `starlette/middleware/cors.py`):

- defaults: `allow_origins=()`, `allow_methods=("GET",)`, `allow_headers=()`,
  `allow_credentials=False`, `allow_origin_regex=None`, `expose_headers=()`,
  `max_age=600`;
- `"*"` in `allow_origins` allows every origin; with `allow_credentials` it
  answers with the request's Origin (any site reads with credentials);
- `allow_methods=["*"]` means DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT;
- `allow_headers` always includes Accept, Accept-Language, Content-Language
  and Content-Type (whatever their value), and `"*"` echoes every requested
  name, Authorization included;
- `allow_origin_regex` is full-matched against the Origin, as the policy's.
"""

from __future__ import annotations

import ast
from typing import Any, Final

from crossorigin.importing import Draft, ImportFailed
from crossorigin.importing.python_source import NotLiteral, call_name, calls, literal, parse

__all__ = ["read_starlette"]

ALL_METHODS: Final = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
ALWAYS_ALLOWED_HEADERS: Final = ["accept", "accept-language", "content-language", "content-type"]
DEFAULTS: Final[dict[str, Any]] = {
    "allow_origins": [],
    "allow_methods": ["GET"],
    "allow_headers": [],
    "allow_credentials": False,
    "allow_origin_regex": None,
    "expose_headers": [],
    "max_age": 600,
}


def _cors_keywords(call: ast.Call) -> list[ast.keyword] | None:
    """The keywords of a call that configures CORSMiddleware, else None."""
    name = call_name(call.func)
    configures = call.args and call_name(call.args[0]) == "CORSMiddleware"
    if name in ("add_middleware", "Middleware") and configures:
        return call.keywords
    if name == "CORSMiddleware":
        return call.keywords
    return None


def string_list(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise NotLiteral(f"{what} is not a list of strings")


def read_starlette(text: str) -> Draft:
    tree = parse(text)
    found = [
        (call, keywords) for call in calls(tree) if (keywords := _cors_keywords(call)) is not None
    ]
    if not found:
        raise ImportFailed("no CORSMiddleware (add_middleware, Middleware or a direct call) found")
    draft = Draft()
    call, keywords = found[0]
    if len(found) > 1:
        draft.warn(
            f"{len(found)} CORSMiddleware configurations; imported the one on line {call.lineno} "
            "(per-route policies: crossorigin's adapters take a list of (prefix, policy))"
        )
    options = dict(DEFAULTS)
    for keyword in keywords:
        if keyword.arg is None:
            draft.warn(
                f"line {call.lineno}: **{ast.unparse(keyword.value)[:80]} cannot be read "
                "without running the program"
            )
            continue
        if keyword.arg not in DEFAULTS:
            draft.warn(f"{keyword.arg}: not a CORSMiddleware argument crossorigin knows; left out")
            continue
        try:
            options[keyword.arg] = literal(keyword.value)
        except NotLiteral as error:
            draft.warn(
                f"{keyword.arg} = {error}: not a literal (only running the program would "
                "tell); left at the default, fill it in by hand"
            )
    try:
        origins = string_list(options["allow_origins"], "allow_origins")
        methods = string_list(options["allow_methods"], "allow_methods")
        headers = string_list(options["allow_headers"], "allow_headers")
        expose = string_list(options["expose_headers"], "expose_headers")
    except NotLiteral as error:
        raise ImportFailed(str(error)) from None
    draft.credentials = options["allow_credentials"] is True
    draft.origins = "*" if "*" in origins else origins
    regex = options["allow_origin_regex"]
    if isinstance(regex, str):
        draft.origin_regexes.append(regex)
    if draft.origins == [] and not draft.origin_regexes:
        raise draft.fail("CORSMiddleware allows no origin (allow_origins is empty)")
    if draft.origins == []:
        draft.origins = []
    if "*" in methods:
        draft.methods = ALL_METHODS
        draft.note("allow_methods=['*'] is Starlette's seven methods, listed as such")
    else:
        draft.methods = [m.upper() for m in methods]
    if "*" in headers:
        draft.request_headers = "*"
        draft.wildcard_let_authorization_through = True
    else:
        draft.request_headers = list(
            dict.fromkeys([*ALWAYS_ALLOWED_HEADERS, *(h.lower() for h in headers)])
        )
        draft.note(
            "Starlette always allowed accept, accept-language, content-language and "
            "content-type; listed so requests keep working (remove those pages never send)"
        )
    draft.expose_headers = expose
    max_age = options["max_age"]
    draft.max_age = max_age if isinstance(max_age, int) and not isinstance(max_age, bool) else None
    return draft
