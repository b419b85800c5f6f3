"""Public suffixes and registrable domains, from the maintained public suffix
list shipped by the `publicsuffixlist` package (ICANN and private sections, so
`github.io` counts as a public suffix, as browsers treat it).

Read only when a Policy is validated or sites are compared; never on the request
path. The list is loaded once, on first use.
"""

from __future__ import annotations

from functools import cache
from typing import Any

__all__ = ["is_listed_suffix", "is_public_suffix", "registrable_domain"]


@cache
def _list() -> Any:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def is_public_suffix(domain: str) -> bool:
    """True for `com`, `co.uk`, `github.io`: names under which anyone can
    register a site of their own."""
    return bool(_list().is_public(domain.lower().rstrip(".")))


def registrable_domain(host: str) -> str | None:
    """`www.example.co.uk` -> `example.co.uk`; None for a public suffix itself
    or a single-label name such as `localhost`."""
    result = _list().privatesuffix(host.lower().rstrip("."))
    return str(result) if result else None


def is_listed_suffix(domain: str) -> bool:
    """True only for suffixes on the list itself (`co`, `co.uk`), not for
    names that only the list's default `*` rule makes public (`examplexcom`)."""
    name = domain.lower().rstrip(".")
    return bool(_list().publicsuffix(name, accept_unknown=False) == name)
