"""The targets of `crossorigin audit`: URLs from arguments or a file, one per line.

`#` starts a comment at the start of a line or after whitespace (a `#` inside
a URL is its fragment). A line that is not UTF-8 or longer than
`MAX_TARGET_LENGTH` is refused with one short error, its value clipped and
made safe for a terminal. A target without a scheme gets `https://`
(scanners' target lists are usually bare host names of public sites, served
over https), and is listed in `Targets.assumed_https` so the command can say
so once. Files are read a bounded line at a time (`bounded_lines`), so a line
of megabytes is never held.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Final

from crossorigin.terminal import safe

__all__ = [
    "MAX_TARGET_LENGTH",
    "Targets",
    "bounded_lines",
    "clipped",
    "parse_targets",
    "read_targets",
]

#: A target line longer than this is refused (browsers and servers draw the
#: line at a few KiB; a longer one is junk, not a URL to audit).
MAX_TARGET_LENGTH: Final = 8192
#: How much of a refused line an error message quotes.
_QUOTED: Final = 60
_COMMENT: Final = re.compile(r"(?:^|\s)#.*")


@dataclass
class Targets:
    """What a list of target lines gave: the URLs, one error per refused
    line, and the lines that got https:// added."""

    urls: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    assumed_https: list[str] = field(default_factory=list)


def clipped(text: str) -> str:
    """The start of a refused value, safe for a terminal, and its length if cut."""
    shown = safe(text[:_QUOTED])
    return shown + (f"... ({len(text):,} characters)" if len(text) > _QUOTED else "")


def parse_targets(lines: Iterable[str | bytes], source: str = "argument") -> Targets:
    """One URL per line (bytes are decoded as UTF-8, line by line); blank lines
    and comments skipped; a bare host gets `https://`."""
    targets = Targets()
    for number, raw in enumerate(lines, 1):
        where = f"{source} line {number}" if source != "argument" else "argument"
        if isinstance(raw, bytes):
            if len(raw) > MAX_TARGET_LENGTH * 4:  # no decoding of megabytes of junk
                quoted = clipped(raw[:_QUOTED].decode("utf-8", "replace"))
                targets.errors.append(
                    f"{where}: longer than {MAX_TARGET_LENGTH:,} characters: {quoted}..."
                )
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                quoted = clipped(raw.rstrip(b"\r\n").decode("utf-8", "replace"))
                targets.errors.append(f"{where}: not UTF-8: {quoted}")
                continue
        else:
            text = raw
        line = _COMMENT.sub("", text).strip()
        if not line:
            continue
        if len(line) > MAX_TARGET_LENGTH:
            targets.errors.append(
                f"{where}: longer than {MAX_TARGET_LENGTH:,} characters: {clipped(line)}"
            )
            continue
        if "://" not in line:
            targets.assumed_https.append(line)
            line = f"https://{line}"
        targets.urls.append(line)
    return targets


def read_targets(lines: Iterable[str]) -> list[str]:
    """The URLs of `parse_targets` alone."""
    return parse_targets(lines).urls


def bounded_lines(file: IO[bytes]) -> Iterable[bytes]:
    """Lines of at most MAX_TARGET_LENGTH * 4 + 1 bytes each: a line of
    megabytes is read in pieces and given as one oversize line, never held."""
    limit = MAX_TARGET_LENGTH * 4 + 1
    while True:
        line = file.readline(limit)
        if not line:
            return
        if len(line) == limit and not line.endswith(b"\n"):
            while True:  # skip the rest of the oversize line
                rest = file.readline(limit)
                if not rest or rest.endswith(b"\n"):
                    break
        yield line
