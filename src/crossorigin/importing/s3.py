"""S3 bucket CORS: the JSON of `aws s3api get-bucket-cors` / `put-bucket-cors`
(`{"CORSRules": [...]}`, also accepted inside `CORSConfiguration` or as a
bare list of rules).

What S3 does with a rule (the facts this module encodes): an
`AllowedOrigins` entry holds at most one `*`, matching any text
(`https://*.example.com` is the policy's subdomain pattern and
`http://localhost:*` its port pattern for every Origin a browser sends);
`AllowedHeaders` entries may hold `*` too (`*` alone: every requested name,
Authorization included); a listed origin is answered with
`Access-Control-Allow-Credentials: true`; the first rule that matches the
origin and method answers, so several rules become one policy whose lists
are their union (warned when the rules differed).
"""

from __future__ import annotations

import json
import re
from typing import Any

from crossorigin.importing import Draft, ImportFailed, strings

__all__ = ["read_s3"]


def _rules(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and "CORSConfiguration" in data:
        data = data["CORSConfiguration"]
    if isinstance(data, dict) and "CORSRules" in data:
        data = data["CORSRules"]
    if not isinstance(data, list) or not all(isinstance(rule, dict) for rule in data):
        raise ImportFailed('expected {"CORSRules": [...]} or a list of rules')
    if not data:
        raise ImportFailed("no CORS rule")
    return data


def _strings(rule: dict[str, Any], key: str) -> list[str]:
    return strings(rule.get(key, []), key)


def _origin(origin: str, draft: Draft) -> str | None:
    """The policy spelling of an S3 AllowedOrigin (None: added as a regex)."""
    if origin == "*" or "*" not in origin:
        return origin
    rest = origin.partition("://")[2]
    if rest.startswith("*.") and "*" not in rest[2:]:
        return origin
    if rest.endswith(":*") and "*" not in rest[:-2]:
        return origin
    regex = re.escape(origin).replace(r"\*", "[a-z0-9.-]*")
    draft.warn(
        f"AllowedOrigin {origin!r}: S3's '*' matched any text there; written as the regex "
        f"{regex!r} (letters, digits, dots and hyphens): review it"
    )
    draft.origin_regexes.append(regex)
    return None


def read_s3(text: str) -> Draft:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise ImportFailed("not JSON") from None
    rules = _rules(data)
    draft = Draft()
    origins: list[str] = []
    methods: list[str] = []
    headers: list[str] = []
    expose: list[str] = []
    ages: list[int] = []
    shapes: list[tuple[list[str], list[str]]] = []
    for rule in rules:
        rule_methods = _strings(rule, "AllowedMethods")
        rule_headers = _strings(rule, "AllowedHeaders")
        shapes.append((rule_methods, rule_headers))
        for origin in _strings(rule, "AllowedOrigins"):
            spelled = _origin(origin, draft)
            if spelled is not None:
                origins.append(spelled)
        methods.extend(rule_methods)
        for header in rule_headers:
            if header != "*" and "*" in header:
                draft.warn(
                    f"AllowedHeaders {header!r}: a prefix wildcard has no policy spelling; "
                    "list the names pages send"
                )
                continue
            headers.append(header.lower())
        expose.extend(_strings(rule, "ExposeHeaders"))
        age = rule.get("MaxAgeSeconds")
        if isinstance(age, int) and not isinstance(age, bool):
            ages.append(age)
    distinct = {(frozenset(m), frozenset(h)) for m, h in shapes}
    if len(distinct) > 1:
        # One policy gives every origin the same lists: the union would hand
        # each rule's origins the others' methods. Keep what every rule allowed.
        methods = [m for m in methods if all(m in rule_methods for rule_methods, _ in shapes)]
        headers = [
            h
            for h in headers
            if all(h in {x.lower() for x in rule_headers} for _, rule_headers in shapes)
        ]
        draft.warn(
            f"{len(rules)} rules gave their origins different methods or headers; one policy "
            "gives every origin the same, so it keeps what every rule allowed (methods: "
            f"{', '.join(dict.fromkeys(methods)) or 'the safelisted GET, HEAD, POST only'}); "
            "split the policy per path to give some origins more"
        )
    draft.origins = "*" if "*" in origins else list(dict.fromkeys(origins))
    draft.methods = list(dict.fromkeys(m.upper() for m in methods))
    if "*" in headers:
        draft.request_headers = "*"
        draft.wildcard_let_authorization_through = True
    else:
        draft.request_headers = list(dict.fromkeys(headers))
    draft.expose_headers = list(dict.fromkeys(expose))
    if ages:
        draft.max_age = min(ages)
    if draft.origins != "*":
        draft.note(
            "S3 answered listed origins with Access-Control-Allow-Credentials: true; the "
            "policy sends it only with credentials = true (S3 itself reads no cookies)"
        )
    if not draft.origins and not draft.origin_regexes:
        raise draft.fail("no AllowedOrigins")
    return draft
