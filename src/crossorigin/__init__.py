"""crossorigin: CORS for Python, done right.

The public surface: `Policy` (validated, immutable), `ConfigError`, `Issue`,
`IssueCode`, `Origin`, `same_origin`, `same_site`, `Engine` and its
`Decision`s. Adapters live in `crossorigin.asgi`, `crossorigin.wsgi` and
`crossorigin.django`.
"""

from crossorigin._version import __version__
from crossorigin.engine import Decision, Engine, Reason, RequestKind
from crossorigin.origin import Origin, OriginSyntaxError, same_origin, same_site
from crossorigin.policy import ConfigError, Issue, IssueCode, Policy

__all__ = [
    "ConfigError",
    "Decision",
    "Engine",
    "Issue",
    "IssueCode",
    "Origin",
    "OriginSyntaxError",
    "Policy",
    "Reason",
    "RequestKind",
    "__version__",
    "same_origin",
    "same_site",
]
