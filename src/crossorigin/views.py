"""Per-view policies: `@cors(policy)` on a Flask view, a Django view or a
Starlette/FastAPI endpoint.

Theory of operation: the decorator only marks the function (it returns the
same function, so FastAPI still reads its signature) and records that some
view has a policy. The middleware stays the one place that answers CORS: for
each request it asks which view the framework will route it to, with the
framework's own router (`django.urls.resolve`, Flask's URL map, Starlette's
`Route.matches`), and decides with that view's policy when it has one. A
preflight is answered before the view runs, as for every other policy.

Precedence, one rule for every adapter: the view's policy, else the first
matching `routes=` prefix, else the middleware's `policy=`, else nothing.

Applications that mark no view pay nothing: the ASGI adapter looks for
marked endpoints in the application's routes once, when its configuration is
built (so declare routes before the server starts, as usual), and the Django
adapter resolves the path only once some view in the process is marked; the
WSGI adapter reads Flask's views only when given `views=app`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeVar

from crossorigin.policy import Policy

__all__ = [
    "cors",
    "django_view",
    "flask_view",
    "policy_of",
    "starlette_router",
    "starlette_view",
    "views_marked",
]

F = TypeVar("F", bound=Callable[..., Any])

#: The attribute the decorator sets on a view.
ATTRIBUTE: Final = "crossorigin_policy"
_marked: list[bool] = []


def cors(policy: Policy) -> Callable[[F], F]:
    """Mark a view as answered with `policy` (validated already: it is a
    Policy). Works on functions and on class-based views (the class)."""
    if not isinstance(policy, Policy):
        raise TypeError(f"crossorigin.views.cors takes a Policy, not {type(policy).__name__}")

    def mark(view: F) -> F:
        setattr(view, ATTRIBUTE, policy)
        if not _marked:
            _marked.append(True)
        return view

    return mark


def views_marked() -> bool:
    """Whether any view has been given a policy in this process."""
    return bool(_marked)


def policy_of(view: object) -> Policy | None:
    """The policy a view was marked with: on the function, or on the class
    of a class-based view (Django's `view_class`, Flask's `view_class`)."""
    for candidate in (view, getattr(view, "view_class", None), getattr(view, "cls", None)):
        policy = getattr(candidate, ATTRIBUTE, None) if candidate is not None else None
        if isinstance(policy, Policy):
            return policy
    return None


def django_view(path_info: str) -> object | None:
    """The view Django will route this path to, or None (no match)."""
    from django.urls import Resolver404, resolve

    try:
        view: object = resolve(path_info).func
    except Resolver404:
        return None
    return view


def flask_view(app: Any, environ: Mapping[str, Any]) -> object | None:
    """The view function Flask will route this request to, or None."""
    from werkzeug.exceptions import HTTPException

    try:
        rule, _ = app.url_map.bind_to_environ(environ).match(return_rule=True)
    except HTTPException:
        return None
    view: object = app.view_functions.get(rule.endpoint)
    return view


def starlette_router(app: object) -> object | None:
    """The router inside an ASGI application (following each middleware's
    `.app`), when some endpoint under it has a policy; else None. Read once,
    when the middleware's configuration is built."""
    for _ in range(64):
        if app is None:
            return None
        routes = getattr(app, "routes", None)
        if isinstance(routes, list | tuple):
            return app if _any_marked(routes, 0) else None
        app = getattr(app, "app", None)
    return None


def _any_marked(routes: Iterable[Any], depth: int) -> bool:
    for route in routes:
        if policy_of(getattr(route, "endpoint", None)) is not None:
            return True
        inner = getattr(route, "routes", None)
        if depth < 16 and isinstance(inner, list | tuple) and _any_marked(inner, depth + 1):
            return True
    return False


def starlette_view(scope: Mapping[str, Any], router: object) -> object | None:
    """The endpoint the router (`starlette_router`) will route this request
    to, following `Mount`s, as Starlette does; or None."""
    routes = getattr(router, "routes", None)
    if routes is None:
        return None
    return _match(routes, dict(scope))


def _match(routes: Iterable[Any], scope: dict[str, Any]) -> object | None:
    from starlette.routing import Match

    # As Starlette's router: the first full match, else the first partial one
    # (the path matches, the method does not: what a preflight's route is).
    partial: object | None = None
    for route in routes:
        try:
            found, child = route.matches(scope)
        except Exception:  # a custom route type that cannot match outside routing
            continue
        if found is Match.NONE:
            continue
        inner = getattr(route, "routes", None)
        if inner is not None and getattr(route, "endpoint", None) is None:
            return _match(inner, {**scope, **child})
        if found is Match.FULL:
            return getattr(route, "endpoint", None)
        if partial is None:
            partial = getattr(route, "endpoint", None)
    return partial
