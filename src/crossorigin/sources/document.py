"""The policy document a fleet shares: one TOML text holding the default
policy, per-route policies and a version label, identified by its digest.

Theory of operation: a `PolicyDocument` is built only from bytes that pass
every check here, so anything holding one holds a valid configuration; a
source that reads bytes which fail refuses them and keeps what it had. The
format is today's policy file plus two keys:

    version = "2026-11-30.1"          # optional label, shown in status and logs
    origins = ["https://app.example.com"]   # the default policy's fields ...
    credentials = true

    [[routes]]                        # ... and routes, first match wins
    prefix = "/public"
    origins = "*"

A `[report_only]` table (top level: for the default policy; inside a
`[[routes]]` entry: for that route) holds a candidate policy that the
adapters evaluate beside the live one and whose changed verdicts they log
(`crossorigin.observe`); it never changes an answer.

    [report_only]                     # candidate for the default policy
    origins = ["https://app.example.com"]

    [[routes]]
    prefix = "/api"
    origins = "*"
    report_only = { origins = ["https://app.example.com"] }

The default policy is optional when routes are given (requests outside every
route are then left alone, as with `routes=` alone in the adapters). An empty
document is refused: it would silently turn CORS off everywhere.

The digest is the SHA-256 of the bytes exactly as stored (`sha256:<hex>`).
`crossorigin publish` stores a file's bytes unchanged, so the digest it prints,
`sha256sum policy.toml`, and the digest every process reports agree, and a
refused document has a digest too, which is what an operator needs to find
the bad write. The digest identifies bytes, not meaning: reformatting changes
it; `crossorigin diff` compares meaning.

Rule: what a fleet document may contain is decided here; what a policy may
contain stays in policy.py (every policy field is checked by `Policy`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from crossorigin.policy import (
    MAX_POLICY_FILE_BYTES,
    ConfigError,
    Issue,
    IssueCode,
    Policy,
    parse_toml,
    policy_or_issues,
)

__all__ = [
    "DOCUMENT_EMPTY",
    "DOCUMENT_VERSION_INVALID",
    "MAX_DOCUMENT_BYTES",
    "REPORT_ONLY_INVALID",
    "ROUTES_INVALID",
    "ROUTE_PREFIX_DUPLICATE",
    "PolicyDocument",
    "digest_of",
]

#: A document larger than this is refused unread (the policy file limit).
MAX_DOCUMENT_BYTES: Final = MAX_POLICY_FILE_BYTES
#: Longest version label; it is shown in logs and status pages.
MAX_VERSION_LENGTH: Final = 200

#: Issue codes of the document's own structure (a policy's fields keep
#: `IssueCode`'s).
DOCUMENT_EMPTY: Final = "document-empty"
DOCUMENT_VERSION_INVALID: Final = "document-version-invalid"
ROUTES_INVALID: Final = "routes-invalid"
ROUTE_PREFIX_DUPLICATE: Final = "route-prefix-duplicate"
REPORT_ONLY_INVALID: Final = "report-only-invalid"

Route = tuple[str, Policy]


def digest_of(data: bytes) -> str:
    """`sha256:<hex>` of the bytes as stored."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """A validated fleet policy: `default` (None when only routes decide),
    `routes` as `(prefix, Policy)` pairs in order, the author's `version`
    label (None when the document has none), the `digest` of its bytes, and
    the report-only candidates by route prefix (None: the default policy)."""

    default: Policy | None
    routes: tuple[Route, ...]
    version: str | None
    digest: str
    report_only: tuple[tuple[str | None, Policy], ...] = ()

    @classmethod
    def from_bytes(cls, data: bytes, *, name: str = "policy document") -> PolicyDocument:
        """Validate a document; every problem is raised at once in a
        ConfigError (route problems name their prefix)."""
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ConfigError(
                [
                    Issue(
                        IssueCode.POLICY_FILE_TOO_LARGE,
                        len(data),
                        f"{name}: {len(data)} bytes, more than the {MAX_DOCUMENT_BYTES} a "
                        "policy document may have",
                    )
                ]
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ConfigError(
                [
                    Issue(
                        IssueCode.POLICY_FILE_NOT_UTF8,
                        name,
                        f"{name} is not UTF-8 text: byte 0x{data[error.start]:02x} at offset "
                        f"{error.start}",
                    )
                ]
            ) from None
        return cls.from_mapping(parse_toml(text, name, name), digest=digest_of(data))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> PolicyDocument:
        """Read and validate a document file; an unreadable file is a
        ConfigError with code `policy-file-unreadable`."""
        name = os.fspath(path)
        try:
            with open(path, "rb") as file:
                data = file.read(MAX_DOCUMENT_BYTES + 1)
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise ConfigError(
                [Issue(IssueCode.POLICY_FILE_UNREADABLE, name, f"cannot read {name!r}: {reason}")]
            ) from None
        return cls.from_bytes(data, name=repr(name))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, digest: str) -> PolicyDocument:
        issues: list[Issue] = []
        fields = dict(data)
        version = _check_version(fields.pop("version", None), issues)
        raw_routes = fields.pop("routes", [])
        report_only: list[tuple[str | None, Policy]] = []
        _check_report_only(None, fields.pop("report_only", None), report_only, issues)
        default = policy_or_issues(fields, issues) if fields else None
        routes = _check_routes(raw_routes, issues, report_only)
        if default is None and not routes and not issues:
            issues.append(
                Issue(
                    DOCUMENT_EMPTY,
                    "",
                    "the document holds no policy and no routes, which would turn CORS off "
                    "everywhere; write the policy's fields (origins = [...]) or [[routes]]",
                )
            )
        if issues:
            raise ConfigError(issues)
        return cls(
            default=default,
            routes=tuple(routes),
            version=version,
            digest=digest,
            report_only=tuple(report_only),
        )

    @property
    def notes(self) -> list[Issue]:
        """Every policy's remarks (what `crossorigin lint` would note)."""
        notes = list(self.default.notes) if self.default is not None else []
        for prefix, policy in self.routes:
            notes.extend(
                Issue(note.code, note.value, f"route {prefix!r}: {note.message}")
                for note in policy.notes
            )
        return notes

    def describe(self) -> str:
        """`version V (sha256:...)`, for log lines."""
        label = self.version if self.version is not None else "(no version)"
        return f"version {label} ({self.digest})"


def _check_version(value: object, issues: list[Issue]) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        value = str(value)
    if (
        not isinstance(value, str)
        or not value
        or len(value) > MAX_VERSION_LENGTH
        or not value.isprintable()
    ):
        issues.append(
            Issue(
                DOCUMENT_VERSION_INVALID,
                value,
                f"version is a label of 1 to {MAX_VERSION_LENGTH} printable characters "
                '(e.g. "2026-11-30.1" or a commit hash) or a non-negative integer',
            )
        )
        return None
    return value


def _check_report_only(
    prefix: str | None,
    value: object,
    found: list[tuple[str | None, Policy]],
    issues: list[Issue],
) -> None:
    where = "report_only" if prefix is None else f"route {prefix!r}: report_only"
    if value is None:
        return
    if not isinstance(value, dict):
        issues.append(Issue(REPORT_ONLY_INVALID, value, f"{where} is a table of policy fields"))
        return
    candidate = policy_or_issues(value, issues, where)
    if candidate is not None:
        found.append((prefix, candidate))


def _check_routes(
    value: object, issues: list[Issue], report_only: list[tuple[str | None, Policy]]
) -> list[Route]:
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        issues.append(
            Issue(
                ROUTES_INVALID,
                value,
                'routes are [[routes]] tables, each with prefix = "/path" and policy fields',
            )
        )
        return []
    routes: list[Route] = []
    seen: set[str] = set()
    for position, entry in enumerate(value, start=1):
        fields = dict(entry)
        prefix = fields.pop("prefix", None)
        if not isinstance(prefix, str) or not prefix.startswith("/") or not prefix.isprintable():
            issues.append(
                Issue(
                    IssueCode.ROUTE_PREFIX_INVALID,
                    prefix,
                    f"route {position}: prefix is a path starting with '/', e.g. prefix = \"/api\"",
                )
            )
            continue
        # The adapters match whole segments and ignore a trailing '/'.
        stem = prefix.rstrip("/") or "/"
        if stem in seen:
            issues.append(
                Issue(
                    ROUTE_PREFIX_DUPLICATE,
                    prefix,
                    f"route {position}: prefix {prefix!r} repeats an earlier route's, which "
                    "always matches first; this route would never apply",
                )
            )
            continue
        seen.add(stem)
        _check_report_only(prefix, fields.pop("report_only", None), report_only, issues)
        route_policy = policy_or_issues(fields, issues, f"route {prefix!r}")
        if route_policy is not None:
            routes.append((prefix, route_policy))
    return routes
