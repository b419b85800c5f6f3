"""A Policy as configuration for each stack: the one set of fix writers.

Rule: a fix or configuration snippet for a server stack is written here and
nowhere else. `crossorigin check` gives these writers the policy a failed
request needs (`Requirements.policy()`); the playground gives them the policy
the user edits. Nothing here decides CORS:

- FastAPI/Starlette, Flask and Django get crossorigin's own adapters
  configured with the policy's fields (only those that differ from the
  defaults, so the snippet is what a person would write);
- Express and nginx get `crossorigin export`'s output, which answers as the
  engine does and is tested in real node and nginx (tests/test_export_*.py);
- "http" lists the raw headers per kind of request, read off the same
  `ExportPlan` (so off the engine's decisions), for any other server.

Quoting: a snippet is code the user pastes, so every policy value in it is a
literal of the snippet's language that evaluates to that value exactly.
Python strings are written by `_python_string` (printable ASCII as itself,
`"` and `\\` escaped, anything else as `\\x`/`\\u`/`\\U` escapes; JSON's
surrogate pairs would be two wrong characters in Python); Express and nginx
get the exporters' output, which escapes or refuses per target (see
crossorigin.export); a policy an exporter refuses gets a one-line comment in
that language's syntax, its text limited to printable ASCII. The raw headers
are text for a person, made safe by whoever shows them.

crossorigin is not on PyPI yet: the Python snippets point at the README's
"Installing into your project" instead of a `pip install` line that would
install something else.
"""

from __future__ import annotations

from typing import Any, Final

from crossorigin.export import ExportError, ExportPlan, render
from crossorigin.export.plan import Placeholder, State, comment_text
from crossorigin.policy import Policy

__all__ = ["SNIPPET_STACKS", "STACKS", "STACK_NAMES", "fixes_for", "policy_arguments"]

#: Every stack a fix is written for, in the order they are offered when the
#: server's stack is unknown, with the name shown for it; "http" is the raw
#: headers, for any server.
STACK_NAMES: Final = {
    "fastapi": "FastAPI / Starlette",
    "flask": "Flask",
    "django": "Django",
    "express": "Express",
    "nginx": "nginx",
    "http": "any server (raw HTTP headers)",
}
STACKS: Final = tuple(STACK_NAMES)
#: The stacks the playground shows a policy for, with the names on its tabs.
SNIPPET_STACKS: Final = {
    "fastapi": "FastAPI",
    "flask": "Flask",
    "django": "Django",
    "express": "Express",
    "nginx": "nginx",
}
_INSTALL: Final = '# crossorigin is not on PyPI yet: README, "Installing into your project"'

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
    """A double-quoted Python string literal whose value is `text`: Python's
    own `ascii()` escapes (backslash, `\\x`, `\\u`, `\\U`; a lone surrogate
    too), put in double quotes. `ascii()` writes `"` unescaped only when it
    chose single quotes, so escaping `"` is all the change of quotes needs."""
    return '"' + ascii(text)[1:-1].replace('"', '\\"') + '"'


def _python(value: Any) -> str:
    """A Python literal: double-quoted strings (alone or in lists), repr for the rest."""
    if isinstance(value, str):
        return _python_string(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "[" + ", ".join(_python_string(item) for item in value) + "]"
    return repr(value)


def _keyword_lines(arguments: dict[str, Any], indent: str) -> list[str]:
    return [f"{indent}{name}={_python(value)}," for name, value in arguments.items()]


def _python_app(
    policy: Policy, framework: str, adapter: str, app: str, wrap: str, target: str
) -> str:
    """crossorigin's `adapter` module wrapped (`wrap`) around `target` in the
    app made by `app`."""
    return "\n".join(
        [
            _INSTALL,
            framework,
            "from crossorigin import Policy",
            f"from crossorigin.{adapter} import CORSMiddleware",
            "",
            app,
            wrap,
            f"    {target},",
            "    policy=Policy(",
            *_keyword_lines(policy_arguments(policy), "        "),
            "    ),",
            ")",
        ]
    )


def _fastapi(policy: Policy) -> str:
    return _python_app(
        policy,
        "from fastapi import FastAPI",
        "asgi",
        "app = FastAPI()",
        "app.add_middleware(",
        "CORSMiddleware",
    )


def _flask(policy: Policy) -> str:
    return _python_app(
        policy,
        "from flask import Flask",
        "wsgi",
        "app = Flask(__name__)",
        "app.wsgi_app = CORSMiddleware(",
        "app.wsgi_app",
    )


def _django(policy: Policy) -> str:
    entries = [
        f"    {_python_string(name)}: {_python(value)},"
        for name, value in policy_arguments(policy).items()
    ]
    return "\n".join(
        [
            _INSTALL,
            "# settings.py",
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


def _exported(plan: ExportPlan | ExportError, format_name: str) -> str:
    if isinstance(plan, ExportPlan):
        try:
            return render(plan, format_name)
        except ExportError as error:
            plan = error
    reason = comment_text(str(plan))
    marker = _COMMENT[format_name]
    return f"{marker} crossorigin export cannot express it as {format_name}: {reason}\n"


_ECHOED: Final = {
    Placeholder.ORIGIN: "<the request's Origin>",
    Placeholder.REQUEST_METHOD: "<the request's Access-Control-Request-Method>",
    Placeholder.REQUEST_HEADERS: "<the request's Access-Control-Request-Headers>",
}


def _header_lines(plan: ExportPlan, state: State) -> list[str]:
    lines = []
    for template in plan.headers[state]:
        name = "-".join(word.capitalize() for word in template.name.split("-"))
        value = (
            _ECHOED[template.value] if isinstance(template.value, Placeholder) else template.value
        )
        lines.append(f"  {name}: {value}")
    return lines


def _raw_http(plan: ExportPlan | ExportError) -> str:
    """The headers the engine sends per kind of request, as a server must."""
    if isinstance(plan, ExportError):
        return f"crossorigin cannot spell this policy as headers: {plan}"
    lines = [
        "Answer a preflight (OPTIONS with Origin and Access-Control-Request-Method) that the "
        "policy allows yourself, without running the route: status "
        f"{plan.preflight_allowed_status} and",
        *_header_lines(plan, State.PREFLIGHT_ALLOWED),
        "Add to every other response to an allowed origin (errors and redirects included):",
        *_header_lines(plan, State.ACTUAL_ALLOWED),
    ]
    refused = _header_lines(plan, State.ACTUAL_REFUSED)
    if refused:
        lines += ["and to the responses to any other origin:", *refused]
    return "\n".join(lines)


def fixes_for(policy: Policy, source: str = "") -> dict[str, str]:
    """Configuration per stack (every key of STACK_NAMES) that answers as
    `policy`; `source` names where the policy came from in the exports'
    header comments."""
    try:
        plan: ExportPlan | ExportError = ExportPlan.from_policy(policy, source)
    except ExportError as error:
        plan = error
    return {
        "fastapi": _fastapi(policy),
        "flask": _flask(policy),
        "django": _django(policy),
        "express": _exported(plan, "express"),
        "nginx": _exported(plan, "nginx"),
        "http": _raw_http(plan),
    }
