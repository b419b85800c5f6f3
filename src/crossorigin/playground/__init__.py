"""`crossorigin demo`: a page on one origin calling an API on another, live.

Theory of operation: one process runs two loopback servers. The *API origin*
(api.py) is a tiny WSGI application behind crossorigin's own WSGI adapter, so
the engine decides every CORS answer; a recorder outside the adapter keeps
each exchange (request headers as received, status and headers as answered)
under the attempt id carried in the URL. The *page origin* (page.py) serves
the static page and a same-origin control API: set the API's policy
(validated by `Policy`, every issue returned), and report an attempt, which
feeds the recorded exchanges to the browser model, explains the verdict with
`crossorigin check`'s words, compares the model with what the real browser
did, and renders the policy as FastAPI/Flask/Django/Express/nginx
configuration.

Modules: `presets` (the seed's cases), `report` (one attempt, in words),
`har_export` (attempts as a HAR file that `crossorigin explain` reads back),
`api`, `page`, `server` (both servers, started and stopped together); the
policy as configuration per stack is `crossorigin.explain.fixes`, the command
`crossorigin.cli.demo`.
"""

from crossorigin.playground.server import Playground

__all__ = ["Playground"]
