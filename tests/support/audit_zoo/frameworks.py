"""Real frameworks with real CORS settings, for the zoo.

Each function builds a WSGI or ASGI application configured the way its
documentation (or a common mistake) says, for the emulated site. The zoo
server runs them in-process behind its own loopback HTTP server. Django's
settings are process-wide, which is one reason the zoo runs in its own process.
"""

from __future__ import annotations

import re
from typing import Any

from audit_zoo.fixtures import ZooSite

WSGI_KINDS = frozenset(
    {
        "flask-cors-credentials",
        "flask-cors-allowlist",
        "django-regex-no-dollar",
        "django-regex-anchored",
    }
)
ASGI_KINDS = frozenset({"starlette-wildcard-credentials", "starlette-allowlist"})


def flask_app(site: ZooSite, *, insecure: bool) -> Any:
    from flask import Flask, jsonify
    from flask_cors import CORS

    app = Flask(f"zoo-{'insecure' if insecure else 'secure'}")

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def api(path: str) -> Any:
        return jsonify(ok=True)

    if insecure:
        # The defaults (origins="*", send_wildcard=False) plus credentials:
        # flask-cors echoes every Origin with Access-Control-Allow-Credentials.
        CORS(app, supports_credentials=True)
    else:
        CORS(app, origins=[site.origin], supports_credentials=True, allow_headers=["Content-Type"])
    return app


def django_apps(site: ZooSite) -> dict[str, Any]:
    """Two Django WSGI apps sharing one settings module: the regex setting is
    switched per request by path (django-cors-headers re-reads settings on
    every access)."""
    import django
    from django.conf import settings

    domain = re.escape(site.domain)
    scheme = re.escape(site.scheme)
    no_dollar = [rf"^{scheme}://\w+\.{domain}"]
    anchored = [rf"^{scheme}://(www|app)\.{domain}$"]
    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="zoo",
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF=__name__,
            INSTALLED_APPS=["corsheaders"],
            MIDDLEWARE=["corsheaders.middleware.CorsMiddleware"],
            CORS_ALLOWED_ORIGIN_REGEXES=no_dollar,
            CORS_ALLOW_CREDENTIALS=True,
            USE_TZ=True,
        )
        django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()

    def with_regexes(regexes: list[str]) -> Any:
        def app(environ: dict[str, Any], start_response: Any) -> Any:
            settings.CORS_ALLOWED_ORIGIN_REGEXES = regexes
            return handler(environ, start_response)

        return app

    return {
        "django-regex-no-dollar": with_regexes(no_dollar),
        "django-regex-anchored": with_regexes(anchored),
    }


def _django_view(request: Any) -> Any:
    from django.http import JsonResponse

    return JsonResponse({"ok": True})


def __getattr__(name: str) -> Any:
    # ROOT_URLCONF points at this module; build the patterns only once Django runs.
    if name == "urlpatterns":
        from django.urls import re_path

        return [re_path(r"^.*$", _django_view)]
    raise AttributeError(name)


def starlette_app(site: ZooSite, *, insecure: bool) -> Any:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def api(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    if insecure:
        middleware = Middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
    else:
        middleware = Middleware(
            CORSMiddleware,
            allow_origins=[site.origin],
            allow_credentials=True,
            allow_methods=["GET", "POST"],
            allow_headers=["content-type"],
        )
    return Starlette(
        routes=[Route("/{path:path}", api, methods=["GET", "POST"])], middleware=[middleware]
    )


def build_apps(site: ZooSite) -> tuple[dict[str, Any], dict[str, Any]]:
    """(WSGI apps, ASGI apps) by fixture kind."""
    wsgi: dict[str, Any] = {
        "flask-cors-credentials": flask_app(site, insecure=True),
        "flask-cors-allowlist": flask_app(site, insecure=False),
        **django_apps(site),
    }
    asgi = {
        "starlette-wildcard-credentials": starlette_app(site, insecure=True),
        "starlette-allowlist": starlette_app(site, insecure=False),
    }
    return wsgi, asgi
