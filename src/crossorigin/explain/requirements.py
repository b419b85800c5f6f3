"""What the server must allow for one request to pass, read off a Trace.

`requirements(trace)` lists it in the Fetch standard's terms: the page's
origin, the method when it is not CORS-safelisted (Fetch §2.2.1), the
CORS-unsafe request-header names the browser put in the preflight (Fetch
§4.8, as the model computed them), credentials when the request includes
them, and the response headers the page wants to read that are neither
safelisted (Fetch §2.2.4) nor forbidden to scripts (`Set-Cookie`).

`Requirements.policy()` is that as a `Policy`, which is what the fix writers
(`crossorigin.explain.fixes`) turn into each stack's configuration: the rules
stay in `Policy` and the engine, never restated here. An origin a policy
accepts only with an explicit opt-in (`null`; an `http://` origin other than
loopback, with credentials) gets that opt-in, by its `dangerously_` name, so
the fix says out loud what it trusts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from crossorigin import fetch_tables
from crossorigin.browser import Trace
from crossorigin.origin import Origin, OriginSyntaxError
from crossorigin.policy import ConfigError, IssueCode, Policy

__all__ = ["Requirements", "requirements"]

_DEFAULT_METHODS: Final = ("GET", "HEAD", "POST")
#: Issues a required policy resolves with the opt-in the policy's message names.
_OPT_INS: Final = {
    IssueCode.ORIGIN_NULL: "dangerously_allow_null_origin",
    IssueCode.INSECURE_ORIGIN_WITH_CREDENTIALS: "dangerously_allow_insecure_origins",
}


@dataclass(frozen=True)
class Requirements:
    """What the server's CORS configuration must allow for this request."""

    origin: str
    methods: tuple[str, ...]  # non-safelisted methods only
    request_headers: tuple[str, ...]  # lower-cased CORS-unsafe names
    credentials: bool
    expose_headers: tuple[str, ...]  # as the page names them
    preflight: bool

    def policy(self) -> Policy:
        """The smallest policy that lets this request through (the default
        methods plus the one needed). Raises ConfigError when no policy can
        allow it (the page's origin is not an origin at all)."""
        fields: dict[str, Any] = {"origins": [self.origin]}
        if self.methods:
            fields["methods"] = [*_DEFAULT_METHODS, *self.methods]
        if self.request_headers:
            fields["request_headers"] = list(self.request_headers)
        if self.credentials:
            fields["credentials"] = True
        if self.expose_headers:
            fields["expose_headers"] = list(self.expose_headers)
        try:
            return Policy(**fields)
        except ConfigError as error:
            opt_ins = [_OPT_INS.get(IssueCode(issue.code)) for issue in error.issues]
            for opt_in in opt_ins:
                if opt_in is None:
                    raise
                fields[opt_in] = True
        return Policy(**fields)


def requirements(trace: Trace) -> Requirements:
    request = trace.request
    method = fetch_tables.normalize_method(request.method)
    methods = () if fetch_tables.is_cors_safelisted_method(method) else (method,)
    expose = tuple(
        name
        for name in request.read_headers
        if name.lower() not in fetch_tables.CORS_SAFELISTED_RESPONSE_HEADER_NAMES
        and not fetch_tables.is_forbidden_response_header_name(name)
    )
    try:
        origin = Origin.parse(request.page_origin).serialize()
    except OriginSyntaxError:
        origin = request.page_origin
    return Requirements(
        origin=origin,
        methods=methods,
        request_headers=tuple(trace.unsafe_header_names),
        credentials=request.credentials == "include",
        expose_headers=expose,
        preflight=bool(methods or trace.unsafe_header_names),
    )
