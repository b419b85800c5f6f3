"""`FileSource`: a policy document in a file, watched by polling.

Theory of operation: every `interval` seconds the thread `stat()`s the path,
following symlinks, and re-reads the file when its device, inode, size or
mtime changed (and every `reread_every` polls regardless, for an edit that
keeps size and mtime). A changed digest is offered for validation. No inotify:
polling works on every filesystem, in every container, and sees through the
Kubernetes ConfigMap volume layout, where `policy.toml` is a symlink to
`..data/policy.toml` and `..data` a symlink to a timestamped directory that
the kubelet replaces by renaming a new `..data` link over the old one. The
swap is atomic, so a read sees the old file or the new one; a following
`stat()` sees a new inode. An editor that truncates and rewrites in place may
be read half-written: that text fails validation, is refused and logged, and
the next poll reads the complete file.
"""

from __future__ import annotations

import os
from typing import Final

from crossorigin.sources.base import PolicySource, StoreError
from crossorigin.sources.document import MAX_DOCUMENT_BYTES

__all__ = ["FileSource"]

_Signature = tuple[int, int, int, int]

#: Polls between unconditional re-reads.
REREAD_EVERY: Final = 30


class FileSource(PolicySource):
    """A policy document in a file (a ConfigMap volume, a file your deploy
    tool writes). `interval` is the polling period in seconds. At start-up the
    file is read once (`startup_timeout=0`): a missing or invalid file falls
    back to `cache_path` if given, else raises `SourceUnavailable`."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        interval: float = 1.0,
        reread_every: int = REREAD_EVERY,
        cache_path: str | os.PathLike[str] | None = None,
        startup_timeout: float = 0.0,
    ) -> None:
        self.path = os.fspath(path)
        self.interval = interval
        self.reread_every = max(1, reread_every)
        super().__init__(cache_path=cache_path, startup_timeout=startup_timeout)

    def describe(self) -> str:
        return f"file {self.path!r}"

    def _stat(self) -> _Signature | None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StoreError(error.strerror or type(error).__name__) from None
        return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)

    def _read(self) -> tuple[bytes | None, str | None]:
        try:
            with open(self.path, "rb") as file:
                data = file.read(MAX_DOCUMENT_BYTES + 1)
                mtime = os.fstat(file.fileno()).st_mtime_ns
        except FileNotFoundError:
            return None, None
        except OSError as error:
            raise StoreError(error.strerror or type(error).__name__) from None
        return data, str(mtime)

    def _watch(self) -> None:
        # None: the first poll re-reads, catching a change since start-up.
        seen: _Signature | None = None
        polls = 0
        while not self._wait(self.interval):
            polls += 1
            try:
                signature = self._stat()
                if signature is None:
                    seen = None
                    self._missing()
                    continue
                if signature == seen and polls % self.reread_every:
                    continue
                data, revision = self._read()
            except StoreError as error:
                self._unreachable(error)
                continue
            seen = signature
            if data is None:
                self._missing()
            else:
                self._offer(data, revision)
