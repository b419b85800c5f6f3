"""Fuzz harness: origin patterns, parsed and compiled, matched against raw bytes.

Input: pattern text, 0x1F, the raw `Origin` bytes. Invariants: parsing raises
only `OriginSyntaxError`; `OriginMatcher.match` never raises and agrees with
the reference matcher (tests/oracles/reference/cors.py: plain string operations on
the exact serialization a browser sends) and with `OriginPattern.matches` on
the strictly parsed origin; nothing matched by a pattern other than `*`
contains a byte outside visible ASCII, so it can be reflected safely.
"""

from __future__ import annotations

from fuzz_common import fields, instrumented, run, text

with instrumented(__name__ == "__main__"):
    from crossorigin.origin import Origin, OriginSyntaxError
    from crossorigin.patterns import OriginMatcher, OriginPattern, PatternKind
from reference import cors as reference


def check(data: bytes) -> None:

    pattern_field, raw = fields(data, 2)
    pattern_text = text(pattern_field)
    try:
        pattern = OriginPattern.parse(pattern_text)
    except OriginSyntaxError:
        return
    matched = OriginMatcher([pattern]).match(raw)
    assert isinstance(matched, bool)
    if pattern.kind is PatternKind.ANY:
        assert matched
        return
    assert pattern_text.isascii(), pattern_text
    try:
        origin_text = raw.decode("ascii")
    except UnicodeDecodeError:
        assert not matched, raw
        return
    expected = reference.pattern_allows(pattern_text, origin_text)
    assert matched is expected, (pattern_text, raw, matched)
    if matched:
        assert all(0x21 <= byte <= 0x7E for byte in raw), raw
        origin = Origin.opaque() if origin_text == "null" else Origin.parse_strict(origin_text)
        assert pattern.matches(origin), (pattern_text, raw)


if __name__ == "__main__":
    run(check)
