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
    from crossorigin.origin import HOST_CHARACTERS, Origin, OriginSyntaxError, same_origin


def visible_ascii(value: str) -> bool:
    return all(0x21 <= ord(char) <= 0x7E for char in value)


def known_bug(value: str, origin: Origin) -> bool:
    """A bug already reported and pinned by a strict xfail in
    tests/fuzz/test_fuzz_replay.py (test_lenient_parse_refuses_forbidden_host_code_points):
    a non-ASCII host is IDNA-encoded without checking the result, so forbidden
    host code points (controls, CR/LF, space, `<`), empty labels and every
    other host the ASCII path refuses survive. Skipped here so the
    fuzzer keeps looking for other failures; delete once fixed."""
    if value.isascii() or origin.is_opaque:
        return False
    try:
        Origin.parse(origin.serialize())
    except OriginSyntaxError:
        return True
    return any(char not in HOST_CHARACTERS for char in origin.host if char not in "[]:")


def known_zone_id_bug(origin: Origin) -> bool:
    """Reported, pinned by test_strict_parse_refuses_ipv6_zone_identifiers in
    tests/fuzz/test_fuzz_replay.py: IPv6 zone identifiers (`[::1%eth0]`, any
    bytes after the `%`) are accepted. Skipped here; delete once fixed."""
    return origin.host.startswith("[") and "%" in origin.host


def check(data: bytes) -> None:

    value = text(data)
    try:
        strict = Origin.parse_strict(value)
    except OriginSyntaxError:
        strict = None
    if strict is not None and not known_zone_id_bug(strict):
        assert strict.serialize() == value, (value, strict)
        assert len(value) <= 326 and visible_ascii(value), value
        assert Origin.parse(value) == strict, value
    try:
        lenient = Origin.parse(value)
    except OriginSyntaxError:
        return
    if known_bug(value, lenient) or known_zone_id_bug(lenient):
        return
    serialized = lenient.serialize()
    assert visible_ascii(serialized), (value, serialized)
    assert Origin.parse(serialized) == lenient, (value, serialized)
    # Opaque origins are never same-origin, not even with themselves (HTML §7.5).
    assert same_origin(lenient, serialized) is not lenient.is_opaque


if __name__ == "__main__":
    run(check)
