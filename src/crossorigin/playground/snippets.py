"""A Policy as configuration for FastAPI, Flask, Django, Express and nginx.

FastAPI, Flask and Django get crossorigin's own adapters configured with the
policy's fields (only those that differ from the defaults, so the snippet is
what a person would write); Express and nginx get `crossorigin export`'s
output, which answers as the engine does. Nothing here decides CORS.
"""

from __future__ import annotations

import json
from typing import Any, Final

from crossorigin.export import ExportError, ExportPlan, render
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


def _python(value: Any) -> str:
    """A Python literal: JSON for strings and lists of strings, repr for the rest."""
    if isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(item, str) for item in value)
    ):
        return json.dumps(value)
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
        f"    {json.dumps(name)}: {_python(value)},"
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


def _exported(policy: Policy, format_name: str) -> str:
    try:
        return render(ExportPlan.from_policy(policy, "the playground's policy"), format_name)
    except ExportError as error:
        return f"# crossorigin export cannot express this policy as {format_name}: {error}"


def policy_snippets(policy: Policy) -> dict[str, str]:
    """Configuration per stack (keys of SNIPPET_STACKS) that answers as `policy`."""
    return {
        "fastapi": _fastapi(policy),
        "flask": _flask(policy),
        "django": _django(policy),
        "express": _exported(policy, "express"),
        "nginx": _exported(policy, "nginx"),
    }
