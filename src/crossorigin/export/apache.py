"""ExportPlan -> Apache httpd 2.4 configuration (mod_setenvif, mod_headers, mod_rewrite).

Theory of operation: `SetEnvIfExpr` computes the request's state once, early,
into the environment variable CROSSORIGIN_STATE using ap_expr (PCRE regexes,
`m#...#` so origins need no slash escaping). mod_rewrite answers preflights
(`R=204`, `R=403`, ending the request before any handler). mod_headers sets each
header with `always` (so error responses keep it) under an `expr=` condition on
the state, after unsetting the application's own `Access-Control-*` headers
(the policy is the single source; mod_headers unsets by exact name only, so
the list is every Access-Control-* name a browser acts on). Include it in a
VirtualHost (server context).

Quoting (configuration injection): mod_headers reads a header value as a
format string (`%t` is the request time, `%D` its duration, an unknown `%q`
stops httpd from starting), so every `%` in a value is written `%%`, which
mod_headers documents as a literal percent sign. Regexes go between `m#` and
`#` inside a double-quoted argument; the plan writes `#` and `"` in regexes
as `\\xHH`, and a regex holding `${` is refused, because httpd substitutes
`${NAME}` (Define and environment variables) in every directive when it
reads the file. A value holding `"` or `\\` (never a token, origin or number)
is refused.
"""

from __future__ import annotations

from crossorigin.export.nginx import header_case
from crossorigin.export.plan import (
    PLAUSIBLE_ORIGIN_REGEX,
    ExportError,
    ExportPlan,
    HeaderTemplate,
    Placeholder,
    State,
    heading_comment,
)

__all__ = ["render_apache"]

_STATE = "reqenv('CROSSORIGIN_STATE')"


def _match(variable: str, regex: str, flags: str = "") -> str:
    if "#" in regex or '"' in regex or "${" in regex or not regex.isprintable():
        raise ExportError(
            f'cannot write the regex {regex!a} in an Apache expression: it holds #, ", '
            "${ or a control character"
        )
    return f"{_header(variable)} =~ m#{regex}#{flags}"


def _header(name: str) -> str:
    # req_novary: ap_expr would otherwise add every header it reads to Vary.
    return f"req_novary('{name}')"


def _conditions(plan: ExportPlan) -> dict[State, str]:
    origin_ok = _match("Origin", PLAUSIBLE_ORIGIN_REGEX)
    if not plan.any_origin:
        origin_ok += " && " + _match("Origin", plan.origin_regex())
    checks = [
        origin_ok,
        _match("Access-Control-Request-Method", plan.method_regex()),
        _match("Access-Control-Request-Headers", plan.header_list_regex(), "i"),
        "!("
        + _match("Access-Control-Request-Headers", f"^.{{{plan.max_request_headers_length + 1}}}")
        + ")",
    ]
    excluded = plan.excluded_header_regex()
    if excluded:
        checks.append("!(" + _match("Access-Control-Request-Headers", excluded, "i") + ")")
    if not plan.private_network:
        checks.append(f"{_header('Access-Control-Request-Private-Network')} != 'true'")
    passes = " && ".join(f"({check})" for check in checks)
    has_origin = f"{_header('Origin')} != ''"
    preflight = (
        f"%{{REQUEST_METHOD}} == 'OPTIONS' && {has_origin} "
        f"&& {_header('Access-Control-Request-Method')} != ''"
    )
    actual_ok = "true" if plan.any_origin else f"({origin_ok})"
    return {
        State.NOT_CORS: f"{_header('Origin')} == ''",
        State.PREFLIGHT_ALLOWED: f"({preflight}) && {passes}",
        State.PREFLIGHT_REFUSED: f"({preflight}) && !({passes})",
        State.ACTUAL_ALLOWED: f"{has_origin} && !({preflight}) && {actual_ok}",
        State.ACTUAL_REFUSED: f"{has_origin} && !({preflight}) && !{actual_ok}",
    }


def _value(template: HeaderTemplate) -> str:
    if isinstance(template.value, Placeholder):
        return f'"expr=%{{req_novary:{template.value.value}}}"'
    value = template.value
    if '"' in value or "\\" in value or not value.isascii() or not value.isprintable():
        raise ExportError(
            f"cannot write the value {value!a} of {header_case(template.name)} in Apache "
            "configuration: it holds a quote, a backslash or a character outside printable ASCII"
        )
    return '"' + value.replace("%", "%%") + '"'


def render_apache(plan: ExportPlan) -> str:
    conditions = _conditions(plan)
    use = (
        "Needs mod_setenvif, mod_headers and mod_rewrite. Include it in a "
        "VirtualHost (server context). Preflights are answered here (204 or 403) "
        "and never reach the application; CORS headers the application sends "
        "are replaced by the policy's; `always` keeps them on error responses."
    )
    lines = [*heading_comment(plan, "#", "CORS for Apache httpd 2.4", "apache", use), ""]
    for state, condition in conditions.items():
        lines.append(f'SetEnvIfExpr "{condition}" CROSSORIGIN_STATE={state.value}')
    lines.append("")
    for name in plan.cors_header_names_to_replace():
        lines.append(f"Header unset {header_case(name)}")
        lines.append(f"Header always unset {header_case(name)}")
    for state in State:
        is_preflight = state in (State.PREFLIGHT_ALLOWED, State.PREFLIGHT_REFUSED)
        when = f"{_STATE} == '{state.value}'"
        for template in plan.headers[state]:
            condition = when
            if template.value is Placeholder.REQUEST_HEADERS:
                condition += " && !(" + _match("Access-Control-Request-Headers", "^[ \\t,]*$") + ")"
            action = "merge" if template.name == "vary" and not is_preflight else "set"
            lines.append(
                f"Header always {action} {header_case(template.name)} {_value(template)} "
                f'"expr={condition}"'
            )
    for template in plan.private_network_headers:
        condition = (
            f"{_STATE} == '{State.PREFLIGHT_ALLOWED.value}' && "
            f"{_header('Access-Control-Request-Private-Network')} == 'true'"
        )
        lines.append(
            f'Header always set {header_case(template.name)} {_value(template)} "expr={condition}"'
        )
    lines += [
        "",
        "RewriteEngine On",
        f"RewriteCond %{{ENV:CROSSORIGIN_STATE}} ={State.PREFLIGHT_ALLOWED.value}",
        f"RewriteRule ^ - [R={plan.preflight_allowed_status},L]",
        f"RewriteCond %{{ENV:CROSSORIGIN_STATE}} ={State.PREFLIGHT_REFUSED.value}",
        f"RewriteRule ^ - [R={plan.preflight_refused_status},L]",
    ]
    return "\n".join(lines) + "\n"
