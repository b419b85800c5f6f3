"""A Policy as configuration for FastAPI, Flask, Django, Express and nginx.

FastAPI, Flask and Django get crossorigin's own adapters configured with the
policy's fields (only those that differ from the defaults, so the snippet is
what a person would write); Express and nginx get `crossorigin export`'s
output, which answers as the engine does. Nothing here decides CORS.

Quoting: a snippet is code the user pastes, so every policy value in it is a
literal of the snippet's language that evaluates to that value exactly.
Python strings are written by `_python_string` (printable ASCII as itself,
`"` and `\\` escaped, anything else as `\\x`/`\\u`/`\\U` escapes; JSON's
surrogate pairs would be two wrong characters in Python); Express and nginx
get the exporters' output, which escapes or refuses per target (see
crossorigin.export); a policy an exporter refuses gets a one-line comment in
that language's syntax, its text limited to printable ASCII.
"""

from __future__ import annotations

from typing import Any, Final

from crossorigin.export import ExportError, ExportPlan, render
from crossorigin.export.plan import comment_text
from crossorigin.policy import Policy

__all__ = ["SNIPPET_STACKS", "policy_arguments", "policy_snippets"]

#: Stacks a snippet is written for, in the order the page shows them.
SNIPPET_STACKS: Final = {
    "fastapi": "FastAPI",
    "flask": "Flask",
    "django": "Django",
    "express": "Express",
    "nginx": "nginx",
}

_DEFAULTS: Final = Policy(origins=["https://example.com"]).to_dict()


def policy_arguments(policy: Policy) -> dict[str, Any]:
    """The policy's fields that differ from the defaults, `origins` always."""
    fields = policy.to_dict()
    origins: Any = fields["origins"]
    if origins == ["*"]:
        origins = "*"
    arguments: dict[str, Any] = {"origins": origins}
    for name, value in fields.items():
        if name != "origins" and value != _DEFAULTS[name]:
            arguments[name] = value
    return arguments


def _python_string(text: str) -> str:
    """A double-quoted Python string literal whose value is `text`."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code <= 0x7E:
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _python(value: Any) -> str:
    """A Python literal: double-quoted strings (alone or in lists), repr for the rest."""
    if isinstance(value, str):
        return _python_string(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "[" + ", ".join(_python_string(item) for item in value) + "]"
    return repr(value)


def _keyword_lines(arguments: dict[str, Any], indent: str) -> list[str]:
    return [f"{indent}{name}={_python(value)}," for name, value in arguments.items()]


def _fastapi(policy: Policy) -> str:
    return "\n".join(
        [
            "# pip install crossorigin",
            "from fastapi import FastAPI",
            "from crossorigin import Policy",
            "from crossorigin.asgi import CORSMiddleware",
            "",
            "app = FastAPI()",
            "app.add_middleware(",
            "    CORSMiddleware,",
            "    policy=Policy(",
            *_keyword_lines(policy_arguments(policy), "        "),
            "    ),",
            ")",
        ]
    )


def _flask(policy: Policy) -> str:
    return "\n".join(
        [
            "# pip install crossorigin",
            "from flask import Flask",
            "from crossorigin import Policy",
            "from crossorigin.wsgi import CORSMiddleware",
            "",
            "app = Flask(__name__)",
            "app.wsgi_app = CORSMiddleware(",
            "    app.wsgi_app,",
            "    policy=Policy(",
            *_keyword_lines(policy_arguments(policy), "        "),
            "    ),",
            ")",
        ]
    )


def _django(policy: Policy) -> str:
    entries = [
        f"    {_python_string(name)}: {_python(value)},"
        for name, value in policy_arguments(policy).items()
    ]
    return "\n".join(
        [
            "# settings.py (pip install crossorigin)",
            "MIDDLEWARE = [",
            '    "crossorigin.django.CORSMiddleware",  # first, so every response gets it',
            "    # ... your other middleware",
            "]",
            "CROSSORIGIN = {",
            *entries,
            "}",
        ]
    )


_COMMENT: Final = {"express": "//", "nginx": "#"}


def _exported(policy: Policy, format_name: str) -> str:
    try:
        return render(ExportPlan.from_policy(policy, "the playground's policy"), format_name)
    except ExportError as error:
        reason = comment_text(str(error))
        marker = _COMMENT[format_name]
        return f"{marker} crossorigin export cannot express it as {format_name}: {reason}\n"


def policy_snippets(policy: Policy) -> dict[str, str]:
    """Configuration per stack (keys of SNIPPET_STACKS) that answers as `policy`."""
    return {
        "fastapi": _fastapi(policy),
        "flask": _flask(policy),
        "django": _django(policy),
        "express": _exported(policy, "express"),
        "nginx": _exported(policy, "nginx"),
    }
