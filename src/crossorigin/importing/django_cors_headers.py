"""django-cors-headers: the `CORS_*` settings of a Django settings module,
read from Python source (ast, never executed).

What django-cors-headers does with its settings (the facts this module
encodes; `corsheaders/conf.py`, `corsheaders/middleware.py`):

- `CORS_ALLOWED_ORIGINS` (formerly `CORS_ORIGIN_WHITELIST`): exact origins;
  `CORS_ALLOWED_ORIGIN_REGEXES` (formerly `CORS_ORIGIN_REGEX_WHITELIST`):
  regexes matched with `re.match`, anchored at the start only;
  `CORS_ALLOW_ALL_ORIGINS` (formerly `CORS_ORIGIN_ALLOW_ALL`): any origin,
  answered with the request's Origin, with credentials when
  `CORS_ALLOW_CREDENTIALS` is set;
- `CORS_ALLOW_METHODS` (default DELETE, GET, OPTIONS, PATCH, POST, PUT),
  `CORS_ALLOW_HEADERS` (default accept, authorization, content-type,
  user-agent, x-csrftoken, x-requested-with; both importable from
  `corsheaders.defaults` as `default_methods`/`default_headers`),
  `CORS_EXPOSE_HEADERS`, `CORS_PREFLIGHT_MAX_AGE` (default 86400),
  `CORS_ALLOW_CREDENTIALS`, `CORS_ALLOW_PRIVATE_NETWORK`;
- `CORS_URLS_REGEX` (default every path) limits where CORS is answered.
"""

from __future__ import annotations

import ast
from typing import Any, Final

from crossorigin.importing import Draft, strings
from crossorigin.importing.python_source import NotLiteral, literal, parse

__all__ = ["read_django_settings"]

DEFAULT_METHODS: Final = ["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"]
DEFAULT_HEADERS: Final = [
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
]
#: Names a settings module imports from corsheaders.defaults.
KNOWN_NAMES: Final = {"default_methods": DEFAULT_METHODS, "default_headers": DEFAULT_HEADERS}
#: Old names -> current names.
ALIASES: Final = {
    "CORS_ORIGIN_WHITELIST": "CORS_ALLOWED_ORIGINS",
    "CORS_ORIGIN_REGEX_WHITELIST": "CORS_ALLOWED_ORIGIN_REGEXES",
    "CORS_ORIGIN_ALLOW_ALL": "CORS_ALLOW_ALL_ORIGINS",
}
SETTINGS: Final = (
    "CORS_ALLOWED_ORIGINS",
    "CORS_ALLOWED_ORIGIN_REGEXES",
    "CORS_ALLOW_ALL_ORIGINS",
    "CORS_ALLOW_METHODS",
    "CORS_ALLOW_HEADERS",
    "CORS_EXPOSE_HEADERS",
    "CORS_PREFLIGHT_MAX_AGE",
    "CORS_ALLOW_CREDENTIALS",
    "CORS_ALLOW_PRIVATE_NETWORK",
    "CORS_URLS_REGEX",
    "CORS_REPLACE_HTTPS_REFERER",
)


def _settings(tree: ast.Module, draft: Draft) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if not (isinstance(target, ast.Name) and target.id.startswith("CORS_")):
                continue
            name = ALIASES.get(target.id, target.id)
            if name not in SETTINGS:
                draft.warn(f"{target.id}: not a django-cors-headers setting; left out")
                continue
            try:
                values[name] = literal(value, KNOWN_NAMES)
            except NotLiteral as error:
                draft.warn(f"{target.id} = {error}: not a literal; fill it in by hand")
    return values


def read_django_settings(text: str) -> Draft:
    tree = parse(text)
    draft = Draft()
    settings = _settings(tree, draft)
    if not settings:
        raise draft.fail("no CORS_* setting with a literal value found")
    draft.credentials = settings.get("CORS_ALLOW_CREDENTIALS") is True
    if settings.get("CORS_ALLOW_ALL_ORIGINS") is True:
        draft.origins = "*"
    else:
        draft.origins = strings(settings.get("CORS_ALLOWED_ORIGINS", []), "CORS_ALLOWED_ORIGINS")
        for regex in strings(
            settings.get("CORS_ALLOWED_ORIGIN_REGEXES", []), "CORS_ALLOWED_ORIGIN_REGEXES"
        ):
            if regex.endswith("$") or regex.endswith("\\Z"):
                draft.note(f"origin regex {regex!r} is full-matched")
            else:
                draft.warn(
                    f"origin regex {regex!r} was matched at the start only (re.match): it also "
                    "allowed origins that merely begin like it (e.g. followed by .evil.test); "
                    "the policy full-matches it"
                )
            draft.origin_regexes.append(regex.removesuffix("\\Z"))
        if not draft.origins and not draft.origin_regexes:
            raise draft.fail("no origin allowed (CORS_ALLOWED_ORIGINS and the regexes are empty)")
    draft.methods = [
        m.upper()
        for m in strings(settings.get("CORS_ALLOW_METHODS", DEFAULT_METHODS), "CORS_ALLOW_METHODS")
    ]
    headers = [
        h.lower()
        for h in strings(settings.get("CORS_ALLOW_HEADERS", DEFAULT_HEADERS), "CORS_ALLOW_HEADERS")
    ]
    if "*" in headers:
        draft.request_headers = "*"
        draft.wildcard_let_authorization_through = True
    else:
        draft.request_headers = headers
    draft.expose_headers = strings(settings.get("CORS_EXPOSE_HEADERS", []), "CORS_EXPOSE_HEADERS")
    max_age = settings.get("CORS_PREFLIGHT_MAX_AGE", 86400)
    if isinstance(max_age, int) and not isinstance(max_age, bool):
        draft.max_age = max_age if max_age > 0 else None
    draft.private_network = settings.get("CORS_ALLOW_PRIVATE_NETWORK") is True
    urls = settings.get("CORS_URLS_REGEX")
    if isinstance(urls, str) and urls not in ("^.*$", ".*"):
        draft.note(
            f"CORS_URLS_REGEX {urls!r}: settings.CROSSORIGIN routes take path prefixes "
            "(a dict of prefix -> policy)"
        )
    return draft
