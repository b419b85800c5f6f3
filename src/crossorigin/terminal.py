"""Text that came from the network, made safe to show in a terminal.

Rule: every value read from a socket, a file or a command-line argument that
is printed to a terminal or a log passes through `safe()` first. A header
value can carry ESC (a CSI sequence erases lines or sets the window title),
C1 controls (0x9B is a one-byte CSI on some terminals), BEL, NUL, bare CR/LF
(a forged line), or Unicode format characters (U+202E reverses the text that
follows). `safe()` keeps printable text as it is and writes every other
character as a visible escape, so what a user reads is what was sent.

The escapes follow Python's: ``\\x1b``, ``\\u202e``, ``\\n``; a backslash is
doubled so that an escape in the output always means an escaped character.
"""

from __future__ import annotations

from typing import Final

__all__ = ["safe", "safe_bytes"]

_NAMED: Final = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\"}


def _escape(character: str) -> str:
    named = _NAMED.get(character)
    if named is not None:
        return named
    if character == " " or character.isprintable():
        return character
    code = ord(character)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def safe(text: str) -> str:
    """`text` with every non-printable character (controls, C1, format and
    separator characters other than the space, lone surrogates) and every
    backslash escaped."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(_escape(character) for character in text)


def safe_bytes(data: bytes) -> str:
    """Header bytes as a terminal-safe string: decoded as ISO-8859-1 (as HTTP
    header bytes are), then escaped like `safe()`."""
    return safe(data.decode("latin-1"))
