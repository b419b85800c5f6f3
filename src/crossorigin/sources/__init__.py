"""Policy sources: one validated policy document shared by every process of
a fleet, kept current from a file, Redis or etcd.

    from crossorigin.asgi import CORSMiddleware
    from crossorigin.sources import RedisSource

    source = RedisSource("redis://127.0.0.1:6379/0", "cors:policy")
    app.add_middleware(CORSMiddleware, source=source)
    ...
    source.status.to_dict()   # version, digest, last error, ... for a health page

`FileSource` and `EtcdSource` use the standard library only; `RedisSource`
needs `pip install 'crossorigin[redis]'`. The document format, start-up and
refusal rules are in `crossorigin.sources.document` and
`crossorigin.sources.base`; docs/fleet.md has the whole picture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crossorigin.sources.base import PolicySource, SourceStatus, SourceUnavailable
from crossorigin.sources.document import PolicyDocument
from crossorigin.sources.etcd_source import EtcdSource
from crossorigin.sources.file_source import FileSource

if TYPE_CHECKING:
    from crossorigin.sources.redis_source import RedisSource

__all__ = [
    "EtcdSource",
    "FileSource",
    "PolicyDocument",
    "PolicySource",
    "RedisSource",
    "SourceStatus",
    "SourceUnavailable",
]


def __getattr__(name: str) -> Any:
    # redis_source imports nothing heavy itself, but keep `import
    # crossorigin.sources` free of the optional package's import path.
    if name == "RedisSource":
        from crossorigin.sources.redis_source import RedisSource

        return RedisSource
    raise AttributeError(f"module 'crossorigin.sources' has no attribute {name!r}")
