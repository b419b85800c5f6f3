"""Fuzz harness: origin parsing (`Origin.parse`, `Origin.parse_strict`).

Invariants: the only exception is the documented `OriginSyntaxError`; a
strictly parsed origin serializes back to exactly the input (so the policy
validator accepts only what browsers send, byte for byte), is at most 326
characters of visible ASCII, and the lenient parser agrees with it; whatever
the lenient parser accepts serializes to visible ASCII that parses again to
the same origin.
"""

from __future__ import annotations

from fuzz_common import instrumented, run, text

with instrumented(__name__ == "__main__"):
    from crossorigin.origin import Origin, OriginSyntaxError, same_origin


def visible_ascii(value: str) -> bool:
    return all(0x21 <= ord(char) <= 0x7E for char in value)


def check(data: bytes) -> None:

    value = text(data)
    try:
        strict = Origin.parse_strict(value)
    except OriginSyntaxError:
        strict = None
    if strict is not None:
        assert strict.serialize() == value, (value, strict)
        assert len(value) <= 326 and visible_ascii(value), value
        assert Origin.parse(value) == strict, value
    try:
        lenient = Origin.parse(value)
    except OriginSyntaxError:
        return
    serialized = lenient.serialize()
    assert visible_ascii(serialized), (value, serialized)
    assert Origin.parse(serialized) == lenient, (value, serialized)
    # Opaque origins are never same-origin, not even with themselves (HTML §7.5).
    assert same_origin(lenient, serialized) is not lenient.is_opaque


if __name__ == "__main__":
    run(check)
