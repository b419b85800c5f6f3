"""Policy -> web server configuration (nginx, Caddy, Apache, Express).

`ExportPlan` (plan.py) turns a Policy into regexes and per-state header
templates, asking the engine for every header value; one module per format
spells the plan in that server's language; the command is `crossorigin.cli.export`.
"""

from crossorigin.export.plan import ExportError, ExportPlan

__all__ = ["FORMATS", "ExportError", "ExportPlan", "render"]

FORMATS = ("nginx", "caddy", "apache", "express")


def render(plan: ExportPlan, format_name: str) -> str:
    """The configuration text for one format."""
    if format_name == "nginx":
        from crossorigin.export.nginx import render_nginx

        return render_nginx(plan)
    if format_name == "caddy":
        from crossorigin.export.caddy import render_caddy

        return render_caddy(plan)
    if format_name == "apache":
        from crossorigin.export.apache import render_apache

        return render_apache(plan)
    if format_name == "express":
        from crossorigin.export.express import render_express

        return render_express(plan)
    raise ValueError(f"unknown format {format_name!r}; known: {', '.join(FORMATS)}")
