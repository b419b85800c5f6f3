"""In-process WSGI overhead: crossorigin vs flask-cors (Flask) and vs
django-cors-headers (Django), each against the bare framework and a no-op layer.

Method: each request is
`app(environ.copy(), start_response)`, then the body is iterated and closed;
cells are calibrated to about 25 ms per sample and run in a freshly shuffled
order every round; overheads are medians of per-round differences against the
bare framework.

Same configuration everywhere: 11 allowed origins, methods GET POST PUT DELETE,
headers content-type and authorization, credentials, max-age 600.

Run: `make bench` (needs the `bench` extra: flask-cors, django-cors-headers).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import django
from django.conf import settings

ORIGINS = [f"https://{letter}.example" for letter in "abcdefghijk"]
METHODS = ["GET", "POST", "PUT", "DELETE"]
HEADERS = ["content-type", "authorization"]

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="bench",
    INSTALLED_APPS=[],
    MIDDLEWARE=[],
    CORS_ALLOWED_ORIGINS=ORIGINS,
    CORS_ALLOW_CREDENTIALS=True,
    CORS_ALLOW_METHODS=METHODS,
    CORS_ALLOW_HEADERS=HEADERS,
    CORS_PREFLIGHT_MAX_AGE=600,
    CROSSORIGIN={
        "origins": ORIGINS,
        "methods": METHODS,
        "request_headers": HEADERS,
        "credentials": True,
        "max_age": 600,
    },
)
django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import path  # noqa: E402
from flask import Flask  # noqa: E402
from flask_cors import CORS  # noqa: E402

from crossorigin import Policy  # noqa: E402
from crossorigin.wsgi import CORSMiddleware  # noqa: E402
from timing import interleaved, paired_difference  # noqa: E402


def view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("items", view)]


def noop_middleware(get_response: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def middleware(request: Any) -> Any:
        return get_response(request)

    return middleware


#: django-cors-headers reads these on every request; crossorigin refuses to
#: start beside them (they would be ignored), so its handler is built without.
CORS_SETTINGS = [name for name in dir(settings) if name.startswith("CORS_")]


def django_handler(middleware: list[str], without: list[str] | None = None) -> WSGIHandler:
    with override_settings(MIDDLEWARE=middleware):
        for name in without or ():
            delattr(settings, name)
        handler = WSGIHandler()
    return handler


FLASK_VARIANTS = ("bare", "no-op after_request", "flask-cors", "crossorigin")


def django_handlers() -> dict[str, WSGIHandler]:
    return {
        "bare": django_handler([]),
        "no-op middleware": django_handler([f"{__name__}.noop_middleware"]),
        "django-cors-headers": django_handler(["corsheaders.middleware.CorsMiddleware"]),
        "crossorigin": django_handler(["crossorigin.django.CORSMiddleware"], without=CORS_SETTINGS),
    }


def flask_app(kind: str) -> Any:
    app = Flask(__name__)

    @app.route("/items", methods=["GET", "POST", "PUT", "DELETE"])
    def items() -> str:
        return "ok"

    if kind == "no-op after_request":
        app.after_request(lambda response: response)
    elif kind == "flask-cors":
        CORS(
            app,
            origins=ORIGINS,
            supports_credentials=True,
            methods=METHODS,
            allow_headers=HEADERS,
            max_age=600,
        )
    elif kind == "crossorigin":
        app.wsgi_app = CORSMiddleware(  # type: ignore[method-assign]
            app.wsgi_app,
            policy=Policy(
                origins=ORIGINS,
                methods=METHODS,
                request_headers=HEADERS,
                credentials=True,
                max_age=600,
            ),
        )
    return app.wsgi_app


def environ(method: str, extra: dict[str, str]) -> dict[str, Any]:
    import io

    base = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": "/items",
        "QUERY_STRING": "",
        "SERVER_NAME": "api.example",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "api.example",
        "HTTP_USER_AGENT": "bench/1.0",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    base.update(extra)
    return base


KINDS = {
    "a no Origin": environ("GET", {}),
    "b allowed": environ("GET", {"HTTP_ORIGIN": "https://a.example"}),
    "c refused": environ("GET", {"HTTP_ORIGIN": "https://evil.example.net"}),
    "d preflight": environ(
        "OPTIONS",
        {
            "HTTP_ORIGIN": "https://a.example",
            "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PUT",
            "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "content-type,authorization",
        },
    ),
}


def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return None


def run_once(app: Callable[..., Iterable[bytes]], env: dict[str, Any]) -> None:
    body = app(env.copy(), start_response)
    for _ in body:
        pass
    close = getattr(body, "close", None)
    if close is not None:
        close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11)
    arguments = parser.parse_args(argv)
    groups = {
        "flask": {name: flask_app(name) for name in FLASK_VARIANTS},
        "django": django_handlers(),
    }
    cells = {
        (group, name, kind): partial(run_once, app, env)
        for group, apps in groups.items()
        for name, app in apps.items()
        for kind, env in KINDS.items()
    }
    results = interleaved(cells, arguments.rounds)

    kinds = list(KINDS)

    def overhead(group: str, name: str, kind: str) -> float:
        return paired_difference(results[(group, name, kind)], results[(group, "bare", kind)])

    python = sys.version.split()[0]
    print(f"WSGI in process, {arguments.rounds} interleaved rounds, Python {python}")
    for group, apps in groups.items():
        print()
        print(f"{group}: overhead over the bare framework, ns per request (paired medians)")
        print("| variant | " + " | ".join(kinds) + " |")
        print("|---|" + "---|" * len(kinds))
        for name in list(apps)[1:]:
            row = [f"{overhead(group, name, kind):+.0f}" for kind in kinds]
            print(f"| {name} | " + " | ".join(row) + " |")
        competitor = "flask-cors" if group == "flask" else "django-cors-headers"
        ratios = []
        for kind in kinds:
            ours, theirs = overhead(group, "crossorigin", kind), overhead(group, competitor, kind)
            ratios.append(f"{kind}: {theirs / ours:.0f}x" if ours > 0 else f"{kind}: below bare")
        print(f"{competitor} overhead / crossorigin overhead: " + ", ".join(ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
