"""Comma-separated header lists: the one parser for `#rule` values.

Rule: every comma-separated list crossorigin reads (Access-Control-Request-
Headers, Access-Control-Allow-Methods / -Headers / Expose-Headers, Vary,
Cache-Control, the method-override headers, a policy field written as one
string) is split by `split_list`, so the grammar has one owner and one set of
tests (tests/unit/test_header_lists.py). What an item must look like (a token, an
origin, a directive) is the caller's business.

The grammar is RFC 9110 §5.6.1: items separated by `,` with optional
whitespace (OWS, §5.6.3: space and horizontal tab only) around them, and "a
recipient MUST parse and ignore a reasonable number of empty list elements", so
`a, , b,` is `["a", "b"]`. Repeated header lines are one list joined with `,`
(§5.3), which is why callers join lines before splitting. Fetch's "extract
header list values" (§2.2.2) parses by the header's ABNF, whose `#` lists
ignore empty elements the same way. Quoted strings get no special
treatment (a comma inside quotes splits too): the lists above carry tokens,
which cannot contain a quote, so a quoted item is refused or ignored either way;
for the forbidden method-override check, splitting inside quotes can only find
more method names, the safe direction.

A value read from the network may be long: `max_items` bounds how many items a
caller accepts (the work is linear in the value either way; the bound is about
what the caller then does with each item).
"""

from __future__ import annotations

from typing import Final, overload

__all__ = ["OWS", "split_list"]

#: RFC 9110 §5.6.3 optional whitespace; Fetch calls the same bytes "HTTP tab or
#: space". Other whitespace (newline, form feed, non-ASCII spaces) is part of an
#: item, so a caller's grammar check refuses it instead of it vanishing.
OWS: Final = " \t"


@overload
def split_list(value: str) -> list[str]: ...


@overload
def split_list(value: str, *, max_items: int) -> list[str] | None: ...


def split_list(value: str, *, max_items: int | None = None) -> list[str] | None:
    """The items of a comma-separated list, in order, each stripped of OWS,
    empty items dropped, duplicates kept.

    With `max_items`, None when the list has more non-empty items than that
    (a caller treats it as a list it refuses); without it, never None.

    >>> split_list(" GET,POST , ,\\tPUT,")
    ['GET', 'POST', 'PUT']
    """
    items: list[str] = []
    for part in value.split(","):
        item = part.strip(OWS)
        if not item:
            continue
        if max_items is not None and len(items) == max_items:
            return None
        items.append(item)
    return items
