"""The fleet policy document: format, validation (every problem at once,
route problems named by prefix), digest of the stored bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from crossorigin import ConfigError, Policy
from crossorigin.sources import PolicyDocument
from crossorigin.sources.document import (
    DOCUMENT_EMPTY,
    DOCUMENT_VERSION_INVALID,
    MAX_DOCUMENT_BYTES,
    ROUTE_PREFIX_DUPLICATE,
    ROUTES_INVALID,
)

FLEET = b"""version = "2026-11-30.1"
origins = ["https://app.example.com"]
credentials = true

[[routes]]
prefix = "/public"
origins = "*"

[[routes]]
prefix = "/partners/"
origins = ["https://*.partner.example"]
methods = ["GET", "PUT"]
"""


def codes(error: pytest.ExceptionInfo[ConfigError]) -> list[str]:
    return [issue.code for issue in error.value.issues]


def test_a_fleet_document_holds_default_routes_version_and_the_digest_of_its_bytes() -> None:
    document = PolicyDocument.from_bytes(FLEET)
    assert document.version == "2026-11-30.1"
    assert document.default == Policy(origins=["https://app.example.com"], credentials=True)
    assert [prefix for prefix, _ in document.routes] == ["/public", "/partners/"]
    assert document.routes[1][1].methods == ("GET", "PUT")
    assert document.digest == "sha256:" + hashlib.sha256(FLEET).hexdigest()


def test_a_plain_policy_file_is_a_document_without_version_or_routes() -> None:
    document = PolicyDocument.from_bytes(b'origins = ["https://a.example"]\n')
    assert document.version is None and document.routes == ()
    assert document.default == Policy(origins=["https://a.example"])


def test_routes_alone_are_a_document() -> None:
    document = PolicyDocument.from_bytes(b'[[routes]]\nprefix = "/api"\norigins = "*"\n')
    assert document.default is None and len(document.routes) == 1


def test_an_empty_document_is_refused_rather_than_turning_cors_off() -> None:
    with pytest.raises(ConfigError) as error:
        PolicyDocument.from_bytes(b'version = "1"\n')
    assert codes(error) == [DOCUMENT_EMPTY]


def test_every_problem_is_reported_at_once_and_route_problems_name_the_prefix() -> None:
    text = b"""version = ""
origins = ["https://a.example/"]
[[routes]]
prefix = "api"
origins = "*"
[[routes]]
prefix = "/x"
origins = "*"
credentials = true
[[routes]]
prefix = "/x/"
origins = "*"
"""
    with pytest.raises(ConfigError) as error:
        PolicyDocument.from_bytes(text)
    found = codes(error)
    assert found[0] == DOCUMENT_VERSION_INVALID
    assert "route-prefix-invalid" in found
    assert ROUTE_PREFIX_DUPLICATE in found
    assert "wildcard-with-credentials" in found
    messages = [issue.message for issue in error.value.issues]
    assert any(message.startswith("route '/x': ") for message in messages)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (b"routes = 3\norigins = ['https://a.example']\n", ROUTES_INVALID),
        (b"version = true\norigins = ['https://a.example']\n", DOCUMENT_VERSION_INVALID),
        (b'version = "a\\u0007b"\norigins = ["https://a.example"]\n', DOCUMENT_VERSION_INVALID),
        (b"origins = [", "toml-invalid"),
        (b"\xff\xfe", "policy-file-not-utf8"),
        (b"x = " + b"[" * 5000 + b"]" * 5000, "toml-too-deep"),
        (b"max_age = " + b"9" * 5000, "toml-invalid"),
    ],
)
def test_malformed_documents_are_config_errors(text: bytes, code: str) -> None:
    with pytest.raises(ConfigError) as error:
        PolicyDocument.from_bytes(text)
    assert codes(error)[0] == code


def test_an_oversized_document_is_refused_before_parsing() -> None:
    with pytest.raises(ConfigError) as error:
        PolicyDocument.from_bytes(b"#" * (MAX_DOCUMENT_BYTES + 1))
    assert codes(error) == ["policy-file-too-large"]


def test_notes_of_routes_name_their_prefix(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_bytes(b'[[routes]]\nprefix = "/a"\norigins = "*"\nmax_age = 86400\n')
    notes = PolicyDocument.from_file(path).notes
    assert notes and all(note.message.startswith("route '/a': ") for note in notes)


def test_an_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        PolicyDocument.from_file(tmp_path / "missing.toml")
    assert codes(error) == ["policy-file-unreadable"]
