"""ExportPlan -> Caddyfile directives (Caddy 2.6 or later).

Theory of operation: the output is imported inside a site block
(`import cors.caddy`). Each request state of the plan becomes a named matcher
using Caddy's CEL `expression` matcher, which has real boolean logic, so the
checks read as the plan states them: `{header.Origin}.matches(...)` with RE2
regexes (no look-around; the plan's regexes avoid it). Preflights are answered
by `respond` (204 or 403). Headers for actual requests are `defer`red so that
they apply to the application's response after it is written, first removing
any `Access-Control-*` header the application sent (the policy is the single
source). Echoed values that may be empty (the requested header list) get their
own matcher, since Caddy would otherwise send an empty header.

The removal of the application's headers is one `header` block deleting
`Access-Control-*` (Caddy deletes by prefix), written after the blocks that
set the policy's: deferred header blocks apply in the reverse of their order
in the file (the first wraps the others), so the deletion runs first.

Quoting (configuration injection): an expression is a backtick token, which
Caddy ends at the next backtick with no escape, and Caddy rewrites any
`{name}` in it to a placeholder. So every regex is a CEL string literal
(`"..."`, not raw) in which `\\`, `"`, the backtick and braces are CEL
escapes (`\\\\`, `\\"`, `\\x60`, `\\x7b`, `\\x7d`): CEL hands the regex
engine the same characters, and nothing in the token ends it or names a
placeholder. Header values are always double-quoted (a bare token holding a
backtick would open a string swallowing the directives after it); a value
holding `"`, `\\`, `{` or `}` (never a token, origin or number) is refused,
since Caddy reads `{...}` in a value as a placeholder.
"""

from __future__ import annotations

from typing import Final

from crossorigin.export.nginx import header_case
from crossorigin.export.plan import (
    PLAUSIBLE_ORIGIN_REGEX,
    ExportError,
    ExportPlan,
    HeaderTemplate,
    Placeholder,
    State,
    comment_block,
    heading_comment,
)

__all__ = ["render_caddy"]

_ECHO: Final = {
    Placeholder.ORIGIN: "{header.Origin}",
    Placeholder.REQUEST_METHOD: "{header.Access-Control-Request-Method}",
    Placeholder.REQUEST_HEADERS: "{header.Access-Control-Request-Headers}",
}
_ORIGIN: Final = "{header.Origin}"
_METHOD: Final = "{header.Access-Control-Request-Method}"
_HEADERS: Final = "{header.Access-Control-Request-Headers}"
_PRIVATE_NETWORK: Final = "{header.Access-Control-Request-Private-Network}"


_CEL_ESCAPES: Final = {"\\": "\\\\", '"': '\\"', "`": "\\x60", "{": "\\x7b", "}": "\\x7d"}


def _cel_regex(regex: str) -> str:
    """A CEL string literal holding `regex` (see the module docstring)."""
    out = []
    for char in regex:
        if not 0x20 <= ord(char) <= 0x7E:
            raise ExportError(
                f"cannot write the regex {regex!a} in a Caddyfile: {char!a} is not printable ASCII"
            )
        out.append(_CEL_ESCAPES.get(char, char))
    return '"' + "".join(out) + '"'


def _expressions(plan: ExportPlan) -> dict[str, str]:
    has_origin = f'{_ORIGIN} != ""'
    preflight = f'{{method}} == "OPTIONS" && {has_origin} && {_METHOD} != ""'
    origin_ok = f"{_ORIGIN}.matches({_cel_regex(PLAUSIBLE_ORIGIN_REGEX)})"
    if not plan.any_origin:
        origin_ok += f" && {_ORIGIN}.matches({_cel_regex(plan.origin_regex())})"
    checks = [
        origin_ok,
        f"{_METHOD}.matches({_cel_regex(plan.method_regex())})",
        f"size({_HEADERS}) <= {plan.max_request_headers_length}",
        f"{_HEADERS}.matches({_cel_regex('(?i)' + plan.header_list_regex())})",
    ]
    excluded = plan.excluded_header_regex()
    if excluded:
        checks.append(f"!{_HEADERS}.matches({_cel_regex('(?i)' + excluded)})")
    if not plan.private_network:
        checks.append(f'{_PRIVATE_NETWORK} != "true"')
    passes = " && ".join(f"({check})" for check in checks)
    actual_ok = "true" if plan.any_origin else origin_ok
    return {
        "preflight_allowed": f"({preflight}) && {passes}",
        "preflight_refused": f"({preflight}) && !({passes})",
        "actual_allowed": f"!({preflight}) && {has_origin} && ({actual_ok})",
        "actual_refused": f"!({preflight}) && {has_origin} && !({actual_ok})",
        "not_cors": f'{_ORIGIN} == ""',
    }


def _value(template: HeaderTemplate) -> str:
    if isinstance(template.value, Placeholder):
        return _ECHO[template.value]
    value = template.value
    for char in value:
        if not 0x20 <= ord(char) <= 0x7E or char in '"\\{}':
            raise ExportError(
                f"cannot write the value {value!a} of {header_case(template.name)} in a "
                f"Caddyfile: {char!a} would end the string or name a placeholder"
            )
    return f'"{value}"'


def render_caddy(plan: ExportPlan) -> str:
    expressions = _expressions(plan)
    use = (
        "Import this file inside a site block (import cors.caddy), before the "
        "directives that answer requests. Preflights are answered here (204 or "
        "403) and never reach the application; CORS headers the application sends "
        "are replaced by the policy's. Errors raised inside Caddy (not responses "
        "an application sends) go to handle_errors: import this file there too."
    )
    lines = [
        *heading_comment(plan, "#", "CORS for Caddy 2.6+", "caddy", use),
        *comment_block(
            [
                f"Caddy's RE2 has no length limit in the regex: lists longer than "
                f"{plan.max_request_headers_length} bytes are refused by a size() check."
            ],
            "#   - ",
            "#     ",
        ),
        "",
    ]
    for name, expression in expressions.items():
        lines.append(f"@crossorigin_{name} expression `{expression}`")
    echoes_list = any(
        t.value is Placeholder.REQUEST_HEADERS for t in plan.headers[State.PREFLIGHT_ALLOWED]
    )
    if echoes_list:
        no_names = _cel_regex("^[ \\t,]*$")
        lines.append(
            "@crossorigin_preflight_lists_headers expression "
            f"`({expressions['preflight_allowed']}) && !{_HEADERS}.matches({no_names})`"
        )
    if plan.private_network_headers:
        lines.append(
            "@crossorigin_preflight_private_network expression "
            f'`({expressions["preflight_allowed"]}) && {_PRIVATE_NETWORK} == "true"`'
        )
    lines.append(
        "@crossorigin_from_application expression "
        f"`!({expressions['preflight_allowed']}) && !({expressions['preflight_refused']})`"
    )
    lines.append("")

    for state in State:
        matcher = f"@crossorigin_{state.name.lower()}"
        is_preflight = state in (State.PREFLIGHT_ALLOWED, State.PREFLIGHT_REFUSED)
        body: list[str] = []
        if not is_preflight:
            body.append("defer")
        for template in plan.headers[state]:
            if template.value is Placeholder.REQUEST_HEADERS:
                continue
            operator = "+" if template.name == "vary" and not is_preflight else ""
            body.append(f"{operator}{header_case(template.name)} {_value(template)}")
        lines.append(f"header {matcher} {{")
        lines.extend(f"\t{line}" for line in body)
        lines.append("}")
    if echoes_list:
        lines.append(
            "header @crossorigin_preflight_lists_headers "
            f"Access-Control-Allow-Headers {_ECHO[Placeholder.REQUEST_HEADERS]}"
        )
    for template in plan.private_network_headers:
        lines.append(
            f"header @crossorigin_preflight_private_network "
            f"{header_case(template.name)} {_value(template)}"
        )
    # Last in the file, so it runs first: the application's Access-Control-*
    # headers go, then the blocks above set the policy's.
    lines += ["header @crossorigin_from_application {", "\tdefer", "\t-Access-Control-*", "}"]
    lines.append(f"respond @crossorigin_preflight_allowed {plan.preflight_allowed_status}")
    lines.append(f"respond @crossorigin_preflight_refused {plan.preflight_refused_status}")
    return "\n".join(lines) + "\n"
