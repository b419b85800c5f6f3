"""Which targets a run audits: `--shard I/N` and `--resume FILE`.

Shards split one target list among N workers with no coordination: each
worker reads the whole list and keeps the targets whose shard key hashes to
its index. The key is the registrable domain of the URL's host (public suffix
list: `api.example.co.uk` and `www.example.co.uk` -> `example.co.uk`), so
every URL of one site lands in the same shard: reruns touch the same hosts
from the same worker, and a per-domain rate limit (`--rate`) holds across
workers. Hosts without a registrable domain (IP addresses, `localhost`, a
public suffix itself) are their own key. The hash is SHA-256 of the key in
UTF-8, its first 8 bytes read as a big-endian integer, modulo N: stable
across runs, machines and Python versions (unlike `hash()`), and easy to
reproduce in any language.

Resume reads a previous `--format jsonl` output and skips every URL it
reports. Each line is one target, written whole and flushed, so a run that
was cut off leaves at most one truncated last line: it is ignored (that
target is audited again) and, when the new run appends to the same file,
cut off first so the file stays one object per line. A malformed line
elsewhere means the file is not such an output: an error, not a guess.
URLs are held as 16-byte digests, so a million reported targets cost tens of
megabytes at most.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from crossorigin.origin import is_ip_host
from crossorigin.public_suffix import registrable_domain

__all__ = ["ReportedTargets", "ResumeError", "Shard", "shard_key", "shard_of"]

#: Longest line of a JSONL report read by `--resume` (a target with hundreds of
#: findings and their evidence stays far below).
MAX_REPORT_LINE: Final = 64 * 1024 * 1024


def shard_key(url: str) -> str:
    """The registrable domain of `url`'s host, else the host, else the URL
    itself (a line that is no URL still lands in exactly one shard, whose
    report says what is wrong with it)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    if not host:
        return url
    host = host.rstrip(".")
    if is_ip_host(host) or ":" in host:
        return host
    return registrable_domain(host) or host


def shard_of(url: str, count: int) -> int:
    """The shard (0 to count - 1) of `url` among `count`."""
    digest = hashlib.sha256(shard_key(url).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


@dataclass(frozen=True, slots=True)
class Shard:
    """`--shard I/N`: this worker's index (from 0, as Kubernetes'
    `JOB_COMPLETION_INDEX`) among N."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        index_text, slash, count_text = text.partition("/")
        if not slash or not index_text.isdigit() or not count_text.isdigit():
            raise ValueError(f"{text!r}: write I/N, e.g. 0/4 (I from 0 to N-1)")
        index, count = int(index_text), int(count_text)
        if count < 1 or index >= count:
            raise ValueError(f"{text!r}: I must be between 0 and N-1 (0/4 to 3/4 for N = 4)")
        return cls(index, count)

    def selects(self, url: str) -> bool:
        return self.count == 1 or shard_of(url, self.count) == self.index


class ResumeError(Exception):
    """The file given to `--resume` is not a JSONL report."""


def _digest(url: str) -> bytes:
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).digest()[:16]


@dataclass
class ReportedTargets:
    """The URLs a previous `--format jsonl` output reported."""

    _digests: set[bytes] = field(default_factory=set)
    #: Bytes of the file up to the end of its last complete line.
    complete_bytes: int = 0
    #: The last line was cut off (and is not counted as reported).
    truncated: bool = False
    #: The last line is a whole object without its newline: an append must
    #: start with one.
    needs_newline: bool = False

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and _digest(url) in self._digests

    def __len__(self) -> int:
        return len(self._digests)

    @classmethod
    def load(cls, path: Path) -> ReportedTargets:
        """Raises ResumeError (a malformed line before the last) or OSError."""
        reported = cls()
        with path.open("rb") as file:
            number = 0
            while True:
                line = file.readline(MAX_REPORT_LINE)
                if not line:
                    break
                number += 1
                url = _reported_url(line)
                if url is None:
                    if not line.endswith(b"\n") and not file.read(1):
                        reported.truncated = True  # the last line, cut off
                        break
                    raise ResumeError(
                        f"{path} line {number}: not a line of `crossorigin audit --format "
                        "jsonl` output"
                    )
                if not line.endswith(b"\n"):
                    # A whole object without its newline: reported, but an
                    # append must not glue the next object to it.
                    reported.needs_newline = True
                    reported._digests.add(_digest(url))
                    reported.complete_bytes += len(line)
                    break
                reported._digests.add(_digest(url))
                reported.complete_bytes += len(line)
        return reported


def _reported_url(line: bytes) -> str | None:
    try:
        target = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(target, dict) or not isinstance(target.get("url"), str):
        return None
    url: str = target["url"]
    return url
