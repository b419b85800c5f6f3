"""Terminal-safe rendering of values read from the network."""

from __future__ import annotations

import pytest

from crossorigin.terminal import safe, safe_bytes


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("https://example.com", "https://example.com"),
        ("a b", "a b"),
        ("\x1b[2J\x1b]0;pwned\x07", "\\x1b[2J\\x1b]0;pwned\\x07"),
        ("ok\nHIGH finding erased", "ok\\nHIGH finding erased"),
        ("\r\x00\x7f", "\\r\\x00\\x7f"),
        ("\x9b31m", "\\x9b31m"),
        ("abc\u202efed", "abc\\u202efed"),
        ("back\\slash", "back\\\\slash"),
        ("caf\u00e9", "caf\u00e9"),
        ("tab\there", "tab\\there"),
    ],
)
def test_safe_escapes_every_control(raw: str, shown: str) -> None:
    assert safe(raw) == shown


def test_safe_output_has_no_control_character() -> None:
    everything = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF)
    shown = safe(everything)
    assert all(character == " " or character.isprintable() for character in shown)


def test_safe_bytes_decodes_latin1() -> None:
    assert safe_bytes(b"caf\xe9\x1b") == "caf\u00e9\\x1b"
