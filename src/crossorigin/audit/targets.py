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

import asyncio
import queue
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Final, Generic, TypeVar

from crossorigin.terminal import safe

__all__ = [
    "MAX_TARGET_LENGTH",
    "Targets",
    "bounded_lines",
    "clipped",
    "iter_targets",
    "parse_targets",
    "read_in_background",
    "read_targets",
]

#: A target line longer than this is refused (browsers and servers draw the
#: line at a few KiB; a longer one is junk, not a URL to audit).
MAX_TARGET_LENGTH: Final = 8192
#: How much of a refused line an error message quotes.
_QUOTED: Final = 60
_COMMENT: Final = re.compile(r"(?:^|\s)#.*")
#: Lines read ahead of the audit by `read_in_background`.
READ_AHEAD: Final = 1024

_T = TypeVar("_T")


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
    targets.urls.extend(
        iter_targets(
            lines,
            source,
            on_error=targets.errors.append,
            on_assumed_https=targets.assumed_https.append,
        )
    )
    return targets


def iter_targets(
    lines: Iterable[str | bytes],
    source: str = "argument",
    *,
    on_error: Callable[[str], None],
    on_assumed_https: Callable[[str], None],
) -> Iterator[str]:
    """`parse_targets` one line at a time: each URL as soon as its line is
    read; a refused line goes to `on_error`, a bare host to `on_assumed_https`."""
    for number, raw in enumerate(lines, 1):
        where = f"{source} line {number}" if source != "argument" else "argument"
        if isinstance(raw, bytes):
            if len(raw) > MAX_TARGET_LENGTH * 4:  # no decoding of megabytes of junk
                quoted = clipped(raw[:_QUOTED].decode("utf-8", "replace"))
                on_error(f"{where}: longer than {MAX_TARGET_LENGTH:,} characters: {quoted}...")
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                quoted = clipped(raw.rstrip(b"\r\n").decode("utf-8", "replace"))
                on_error(f"{where}: not UTF-8: {quoted}")
                continue
        else:
            text = raw
        line = _COMMENT.sub("", text).strip()
        if not line:
            continue
        if len(line) > MAX_TARGET_LENGTH:
            on_error(f"{where}: longer than {MAX_TARGET_LENGTH:,} characters: {clipped(line)}")
            continue
        if "://" not in line:
            on_assumed_https(line)
            line = f"https://{line}"
        yield line


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


class _Ended:
    """The end of a background read, with the error that ended it if any."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class _BackgroundReader(Generic[_T]):
    """Items of a blocking iterable, read on a daemon thread into a bounded
    queue and handed to the event loop. The thread wakes the loop only when
    the loop waits for an item (`waiting`): one wake-up per idle spell, not
    one per line."""

    def __init__(self, items: Iterable[_T], buffer: int) -> None:
        self._items = items
        self._queue: queue.Queue[_T | _Ended] = queue.Queue(maxsize=buffer)
        self._stop = threading.Event()
        self._wakeup = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self.waiting = False

    def start(self) -> None:
        threading.Thread(target=self._produce, name="audit-targets", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _put(self, item: _T | _Ended) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
            except queue.Full:
                continue
            if self.waiting:
                try:
                    self._loop.call_soon_threadsafe(self._wakeup.set)
                except RuntimeError:  # the loop is closed: nobody reads any more
                    return False
            return True
        return False

    def _produce(self) -> None:
        try:
            for item in self._items:
                if not self._put(item):
                    return
        except BaseException as error:  # handed to the reader, raised there
            self._put(_Ended(error))
            return
        self._put(_Ended())

    async def get(self) -> _T | _Ended:
        while True:
            try:
                return self._queue.get_nowait()
            except queue.Empty:
                pass
            self._wakeup.clear()
            self.waiting = True
            try:
                # Checked again once `waiting` is visible to the thread: an
                # item put in between would otherwise wake nobody.
                return self._queue.get_nowait()
            except queue.Empty:
                await self._wakeup.wait()
            finally:
                self.waiting = False


async def read_in_background(items: Iterable[_T], buffer: int = READ_AHEAD) -> AsyncIterator[_T]:
    """`items` (a file's lines, a generator over them), read on a thread of
    its own at most `buffer` ahead of the consumer; an error while reading is
    raised here."""
    reader = _BackgroundReader(items, buffer)
    reader.start()
    try:
        while True:
            item = await reader.get()
            if isinstance(item, _Ended):
                if item.error is not None:
                    raise item.error
                return
            yield item
    finally:
        reader.stop()
