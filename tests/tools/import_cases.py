# ruff: noqa: E501  (configuration text quoted verbatim, as users write it)
"""Import round-trips: real-world configurations of each source format (the
insecure ones users write included), each with the policy it becomes and the
warnings a reviewer reads. Written for this table in the shapes the
frameworks' documentation shows (FastAPI's tutorial, the flask-cors and
django-cors-headers settings, AWS's two-rule S3 example, the widely copied
enable-cors.org nginx snippet) and the ones people ask about (reflect
everything, unanchored regexes, settings read from the environment)."""

from __future__ import annotations

from typing import Any

#: (format, name, source, exit status, expected policy fields, warning fragments
#: in order; for status 2 the fragments of the one-line reason).

CASES: list[tuple[str, str, str, int, dict[str, Any] | None, list[str]]] = [
    (
        "starlette",
        "fastapi-tutorial",
        r"""from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()

origins = [
    "http://localhost.tiangolo.com",
    "https://localhost.tiangolo.com",
    "http://localhost",
    "http://localhost:8080",
]

app.add_middleware(
    CORSMiddleware,
    allow_origins=["http://localhost", "http://localhost:8080", "https://localhost.tiangolo.com"],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)
""",
        1,
        {
            "origins": [
                "http://localhost",
                "http://localhost:8080",
                "https://localhost.tiangolo.com",
            ],
            "methods": ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"],
            "request_headers": ["*"],
            "credentials": True,
            "max_age": 600,
        },
        ["Authorization included"],
    ),
    (
        "starlette",
        "allow-everything",
        r"""app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True, allow_methods=["*"], allow_headers=["*"])
""",
        1,
        {"origins": ["*"], "credentials": False, "request_headers": ["*"]},
        ["reflected any origin with credentials", "Authorization included"],
    ),
    (
        "starlette",
        "vercel-previews-regex",
        r"""app.add_middleware(CORSMiddleware, allow_origin_regex=r"https://.*\.vercel\.app", allow_methods=["GET", "POST"])
""",
        0,
        {
            "origins": ["https://*.vercel.app"],
            "origin_regex": None,
            "methods": ["GET", "POST"],
            "request_headers": ["accept", "accept-language", "content-language", "content-type"],
        },
        [],
    ),
    (
        "starlette",
        "starlette-middleware-list",
        r"""from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
middleware = [Middleware(CORSMiddleware, allow_origins=["https://app.example.com"], allow_headers=["Authorization", "X-Request-Id"], expose_headers=["X-Total-Count"], max_age=3600)]
app = Starlette(middleware=middleware)
""",
        0,
        {
            "origins": ["https://app.example.com"],
            "methods": ["GET"],
            "request_headers": [
                "accept",
                "accept-language",
                "content-language",
                "content-type",
                "authorization",
                "x-request-id",
            ],
            "expose_headers": ["X-Total-Count"],
            "max_age": 3600,
        },
        [],
    ),
    (
        "starlette",
        "origins-from-settings",
        r"""app.add_middleware(CORSMiddleware, allow_origins=settings.CORS_ORIGINS, allow_credentials=True)
""",
        2,
        None,
        ["settings.CORS_ORIGINS: not a literal"],
    ),
    (
        "starlette",
        "http-staging-with-credentials",
        r"""app.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com", "http://staging.example.com"], allow_credentials=True)
""",
        1,
        {"origins": ["https://app.example.com"], "credentials": True},
        ["'http://staging.example.com' left out"],
    ),
    (
        "flask-cors",
        "cors-app-defaults",
        r"""from flask import Flask
from flask_cors import CORS
app = Flask(__name__)
CORS(app)
""",
        1,
        {
            "origins": ["*"],
            "methods": ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"],
            "request_headers": ["*"],
            "credentials": False,
        },
        ["Authorization included"],
    ),
    (
        "flask-cors",
        "supports-credentials-any-origin",
        r"""CORS(app, supports_credentials=True)
""",
        1,
        {"origins": ["*"], "credentials": False},
        ["reflected any origin with credentials", "Authorization included"],
    ),
    (
        "flask-cors",
        "resources-api",
        r"""CORS(app, resources={r"/api/*": {"origins": "https://app.example.com"}})
""",
        1,
        {"origins": ["https://app.example.com"]},
        ["Authorization included"],
    ),
    (
        "flask-cors",
        "regex-origin",
        r"""CORS(app, origins=[r"https://.*\.example\.com", "http://localhost:3000"], supports_credentials=True)
""",
        1,
        {
            "origins": ["http://localhost:3000", "https://*.example.com"],
            "origin_regex": None,
            "credentials": True,
        },
        ["matched at the start only", "Authorization included"],
    ),
    (
        "flask-cors",
        "cross-origin-decorator",
        r"""@app.route("/items")
@cross_origin(origins=["https://shop.example.com"], methods=["GET", "POST"], allow_headers=["Content-Type"], max_age=600)
def items():
    return []
""",
        0,
        {
            "origins": ["https://shop.example.com"],
            "methods": ["GET", "POST"],
            "request_headers": ["content-type"],
            "max_age": 600,
        },
        [],
    ),
    (
        "flask-cors",
        "config-keys",
        r"""app.config["CORS_ORIGINS"] = ["https://a.example.com", "https://b.example.com"]
app.config["CORS_SUPPORTS_CREDENTIALS"] = True
app.config["CORS_EXPOSE_HEADERS"] = ["X-Total"]
CORS(app)
""",
        1,
        {
            "origins": ["https://a.example.com", "https://b.example.com"],
            "credentials": True,
            "expose_headers": ["X-Total"],
        },
        ["Authorization included"],
    ),
    (
        "django-cors-headers",
        "allow-all-with-credentials",
        r"""CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = True
""",
        1,
        {"origins": ["*"], "credentials": False, "max_age": 86400},
        ["reflected any origin with credentials"],
    ),
    (
        "django-cors-headers",
        "allowed-origins-defaults",
        r"""CORS_ALLOWED_ORIGINS = [
    "https://example.com",
    "https://sub.example.com",
    "http://localhost:8080",
    "http://127.0.0.1:9000",
]
CORS_ALLOW_CREDENTIALS = True
""",
        0,
        {
            "origins": [
                "https://example.com",
                "https://sub.example.com",
                "http://localhost:8080",
                "http://127.0.0.1:9000",
            ],
            "methods": ["DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT"],
            "request_headers": [
                "accept",
                "authorization",
                "content-type",
                "user-agent",
                "x-csrftoken",
                "x-requested-with",
            ],
            "credentials": True,
            "max_age": 86400,
        },
        [],
    ),
    (
        "django-cors-headers",
        "old-whitelist-no-scheme",
        r"""CORS_ORIGIN_WHITELIST = ("example.com", "https://www.example.com")
""",
        1,
        {"origins": ["https://www.example.com"]},
        ["'example.com' left out"],
    ),
    (
        "django-cors-headers",
        "regexes-start-anchored",
        r"""CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://\w+\.example\.com$", r"^https://.*\.example\.org"]
""",
        1,
        {"origins": ["https://*.example.org"], "origin_regex": "^https://\\w+\\.example\\.com$"},
        ["matched at the start only"],
    ),
    (
        "django-cors-headers",
        "default-headers-plus-one",
        r"""from corsheaders.defaults import default_headers
CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
CORS_ALLOW_HEADERS = (*default_headers, "x-token")
CORS_PREFLIGHT_MAX_AGE = 172800
CORS_URLS_REGEX = r"^/api/.*$"
""",
        1,
        {
            "request_headers": [
                "accept",
                "authorization",
                "content-type",
                "user-agent",
                "x-csrftoken",
                "x-requested-with",
                "x-token",
            ],
            "max_age": 86400,
        },
        ["max_age 172800"],
    ),
    (
        "django-cors-headers",
        "origins-from-environment",
        r"""import os
CORS_ALLOWED_ORIGINS = os.environ["CORS_ORIGINS"].split(",")
""",
        2,
        None,
        ["CORS_ALLOWED_ORIGINS = os.environ"],
    ),
    (
        "nginx",
        "enable-cors-org-wildcard",
        r"""location / {
     if ($request_method = 'OPTIONS') {
        add_header 'Access-Control-Allow-Origin' '*';
        add_header 'Access-Control-Allow-Methods' 'GET, POST, OPTIONS';
        add_header 'Access-Control-Allow-Headers' 'DNT,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range';
        add_header 'Access-Control-Max-Age' 1728000;
        add_header 'Content-Type' 'text/plain; charset=utf-8';
        add_header 'Content-Length' 0;
        return 204;
     }
     if ($request_method = 'GET') {
        add_header 'Access-Control-Allow-Origin' '*' always;
        add_header 'Access-Control-Expose-Headers' 'Content-Length,Content-Range' always;
     }
}
""",
        1,
        {
            "origins": ["*"],
            "methods": ["GET", "POST", "OPTIONS"],
            "request_headers": [
                "user-agent",
                "x-requested-with",
                "if-modified-since",
                "cache-control",
                "content-type",
                "range",
            ],
            "expose_headers": ["Content-Length", "Content-Range"],
            "max_age": 86400,
        },
        ["max_age 1728000"],
    ),
    (
        "nginx",
        "reflect-with-credentials",
        r"""server {
    add_header Access-Control-Allow-Origin $http_origin;
    add_header Access-Control-Allow-Credentials true;
    add_header Access-Control-Allow-Headers $http_access_control_request_headers;
}
""",
        1,
        {"origins": ["*"], "credentials": False, "request_headers": ["*"]},
        ["reflected any origin with credentials", "Authorization included"],
    ),
    (
        "nginx",
        "if-regex-set-flag",
        r"""location /api/ {
    if ($http_origin ~* (https?://.*\.mycompany\.com(:[0-9]+)?)) {
        set $cors "true";
    }
    if ($cors = "true") {
        add_header 'Access-Control-Allow-Origin' "$http_origin" always;
        add_header 'Access-Control-Allow-Credentials' 'true' always;
        add_header 'Access-Control-Allow-Methods' 'GET, POST, PUT, DELETE, OPTIONS' always;
        add_header 'Access-Control-Allow-Headers' 'Authorization,Content-Type' always;
    }
}
""",
        1,
        {
            "origins": ["https://*.mycompany.com:*"],
            "credentials": True,
            "request_headers": ["authorization", "content-type"],
        },
        ["case-insensitively", "searched anywhere", "'http://*.mycompany.com:*' left out"],
    ),
    (
        "nginx",
        "map-allowlist",
        r"""map $http_origin $cors_origin {
    default "";
    "https://app.example.com" $http_origin;
    "~^https://[a-z0-9-]+\.example\.org$" $http_origin;
}
server {
    add_header Access-Control-Allow-Origin $cors_origin always;
    add_header Vary Origin always;
}
""",
        0,
        {
            "origins": ["https://app.example.com"],
            "origin_regex": "https://[a-z0-9-]+\\.example\\.org",
        },
        [],
    ),
    (
        "nginx",
        "unanchored-substring",
        r"""if ($http_origin ~ "example\.com") {
    add_header Access-Control-Allow-Origin $http_origin;
}
""",
        1,
        {"origins": [], "origin_regex": "example\\.com"},
        ["searched anywhere"],
    ),
    (
        "nginx",
        "no-cors",
        r"""server { listen 80; location / { proxy_pass http://app; } }
""",
        2,
        None,
        ["no add_header Access-Control-Allow-Origin"],
    ),
    (
        "s3",
        "aws-docs-two-rules",
        r"""{"CORSRules": [
  {"AllowedOrigins": ["http://www.example.com"], "AllowedMethods": ["PUT", "POST", "DELETE"], "AllowedHeaders": ["*"]},
  {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}
]}""",
        1,
        {"origins": ["*"], "methods": []},
        ["keeps what every rule allowed"],
    ),
    (
        "s3",
        "everything",
        r"""[{"AllowedHeaders": ["*"], "AllowedMethods": ["GET", "PUT", "POST", "DELETE", "HEAD"], "AllowedOrigins": ["*"], "ExposeHeaders": ["ETag"]}]""",
        1,
        {
            "origins": ["*"],
            "methods": ["GET", "PUT", "POST", "DELETE", "HEAD"],
            "request_headers": ["*"],
            "expose_headers": ["ETag"],
        },
        ["Authorization included"],
    ),
    (
        "s3",
        "subdomains-and-localhost",
        r"""{"CORSRules": [{"AllowedOrigins": ["https://*.example.com", "http://localhost:*"], "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["content-type", "x-amz-*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3000}]}""",
        1,
        {
            "origins": ["https://*.example.com", "http://localhost:*"],
            "methods": ["GET", "PUT"],
            "request_headers": ["content-type"],
            "max_age": 3000,
            "credentials": False,
        },
        ["'x-amz-*'"],
    ),
    (
        "s3",
        "star-inside-label",
        r"""{"CORSConfiguration": {"CORSRules": [{"AllowedOrigins": ["https://app-*.example.com"], "AllowedMethods": ["GET"]}]}}""",
        1,
        {"origins": [], "origin_regex": "https://app\\-[a-z0-9.-]*\\.example\\.com"},
        ["'https://app-*.example.com'"],
    ),
    (
        "s3",
        "not-json",
        r"""<CORSConfiguration><CORSRule/></CORSConfiguration>""",
        2,
        None,
        ["not JSON"],
    ),
]
