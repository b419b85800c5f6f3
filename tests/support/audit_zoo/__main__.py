"""`python -m audit_zoo --site https://www.example.com [--port N]`: serve the zoo."""

from __future__ import annotations

import argparse

from audit_zoo.server import DEFAULT_SITE, serve

parser = argparse.ArgumentParser(prog="audit_zoo")
parser.add_argument("--site", default=DEFAULT_SITE)
parser.add_argument("--port", type=int, default=0)
arguments = parser.parse_args()
serve(arguments.site, arguments.port)
