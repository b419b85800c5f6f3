"""flask-cors: `CORS(app, ...)`, `CORS(resources=...)`, `@cross_origin(...)`
and `app.config["CORS_..."] = ...` read from Python source (ast, never
executed).

What flask-cors does with its options (the facts this module encodes;
`flask_cors/core.py`):

- defaults: `origins="*"`, `methods` GET, HEAD, POST, OPTIONS, PUT, PATCH,
  DELETE, `allow_headers="*"`, `expose_headers=None`,
  `supports_credentials=False`, `max_age=None`, `send_wildcard=False`;
- an origin string holding regex characters is a regex, matched with
  `re.match` (anchored at the start only) and case-insensitively; a plain
  one is compared case-insensitively;
- with `supports_credentials` and any origin it answers with the request's
  Origin (any site reads with credentials);
- `allow_headers="*"` lets every requested name through, Authorization
  included;
- `resources={r"/api/*": {...}}` gives per-path options: one policy is
  imported (the first resource's), the others are named in a warning.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Final

from crossorigin.importing import Draft, strings
from crossorigin.importing.python_source import NotLiteral, call_name, calls, literal, parse

__all__ = ["read_flask_cors"]

DEFAULT_METHODS: Final = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"]
OPTIONS: Final = (
    "origins",
    "methods",
    "allow_headers",
    "expose_headers",
    "supports_credentials",
    "max_age",
    "send_wildcard",
    "vary_header",
    "automatic_options",
    "allow_private_network",
    "always_send",
    "resources",
    "intercept_exceptions",
)
#: What flask-cors takes for a regex (characters a plain origin never holds).
_REGEX_CHARACTERS: Final = re.compile(r"[\\*?+^$\[\](){}|]")


def _options_of(call: ast.Call, draft: Draft) -> dict[str, Any] | None:
    name = call_name(call.func)
    if name not in ("CORS", "cross_origin"):
        return None
    options: dict[str, Any] = {}
    for keyword in call.keywords:
        if keyword.arg is None or keyword.arg not in OPTIONS:
            draft.warn(
                f"{keyword.arg or '**'}: not a flask-cors option crossorigin reads; left out"
            )
            continue
        try:
            options[keyword.arg] = literal(keyword.value)
        except NotLiteral as error:
            draft.warn(
                f"{keyword.arg} = {error}: not a literal; left at the default, fill it in by hand"
            )
    return options


def _config_options(tree: ast.Module, draft: Draft) -> dict[str, Any]:
    """`app.config["CORS_ORIGINS"] = ...` assignments."""
    options: dict[str, Any] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if (
                isinstance(target, ast.Subscript)
                and call_name(target.value) == "config"
                and isinstance(target.slice, ast.Constant)
                and isinstance(target.slice.value, str)
                and target.slice.value.startswith("CORS_")
            ):
                key = target.slice.value[5:].lower()
                if key not in OPTIONS:
                    continue
                try:
                    options[key] = literal(node.value)
                except NotLiteral as error:
                    draft.warn(f"{target.slice.value} = {error}: not a literal; fill it in by hand")
    return options


def read_flask_cors(text: str) -> Draft:
    tree = parse(text)
    draft = Draft()
    found = [
        (call, options) for call in calls(tree) if (options := _options_of(call, draft)) is not None
    ]
    config = _config_options(tree, draft)
    if not found and not config:
        raise draft.fail("no CORS(...) call, @cross_origin(...) or CORS_* setting found")
    options = dict(config)
    if found:
        call, call_options = found[0]
        options.update(call_options)
        if len(found) > 1:
            draft.warn(
                f"{len(found)} CORS/cross_origin configurations; imported the one on line "
                f"{call.lineno} (per-route policies: crossorigin's adapters take a list of "
                "(prefix, policy))"
            )
    resources = options.pop("resources", None)
    if isinstance(resources, dict) and resources:
        patterns = list(resources)
        first = resources[patterns[0]]
        if isinstance(first, dict):
            options.update(first)
        if len(patterns) > 1:
            draft.warn(
                f"per-path options for {', '.join(map(str, patterns))}: imported those of "
                f"{patterns[0]!s} (crossorigin's adapters take a list of (prefix, policy))"
            )
        else:
            draft.note(f"resources {patterns[0]!s}: apply the policy to that path prefix")
    origins = strings(options.get("origins", "*"), "origins", one_string_too=True)
    credentials = options.get("supports_credentials") is True
    draft.credentials = credentials
    plain: list[str] = []
    for origin in origins:
        if origin == "*" or origin == ".*":
            plain.append("*")
        elif _REGEX_CHARACTERS.search(origin):
            draft.origin_regexes.append(origin)
            if not origin.endswith("$"):
                draft.warn(
                    f"origin regex {origin!r} was matched at the start only (re.match) and "
                    "case-insensitively: it also allowed origins that merely begin like it "
                    "(e.g. followed by .evil.test); the policy full-matches it, case-sensitively"
                )
            else:
                draft.note(f"origin regex {origin!r} is full-matched, case-sensitively")
        else:
            plain.append(origin.lower())
    draft.origins = "*" if "*" in plain else plain
    if options.get("send_wildcard") and credentials:
        draft.warn("send_wildcard with supports_credentials: browsers refused those answers")
    methods = options.get("methods", DEFAULT_METHODS)
    draft.methods = [m.upper() for m in strings(methods, "methods", one_string_too=True)]
    headers = strings(options.get("allow_headers", "*"), "allow_headers", one_string_too=True)
    if "*" in headers or ".*" in headers:
        draft.request_headers = "*"
        draft.wildcard_let_authorization_through = True
    else:
        draft.request_headers = [h.lower() for h in headers]
    expose = options.get("expose_headers")
    draft.expose_headers = (
        [] if expose is None else strings(expose, "expose_headers", one_string_too=True)
    )
    max_age = options.get("max_age")
    if isinstance(max_age, int) and not isinstance(max_age, bool):
        draft.max_age = max_age
    draft.private_network = options.get("allow_private_network") is True
    return draft
