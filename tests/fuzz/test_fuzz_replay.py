"""Replay the fuzz seeds and every saved crash through the harnesses' checks.

Runs in the default suite without atheris: each harness's `check(data)` is
plain Python. A file in tests/fuzz/crashes/ named `<harness>-crash-<sha1>` is a
regression test; the ones that reproduce a reported, still unfixed bug are
listed in KNOWN_BUGS and expected to fail (strictly, so the test says when the
fix lands).

The explicit examples below pin those bugs in their smallest form.
"""

from __future__ import annotations

from pathlib import Path

import fuzz_engine
import fuzz_origin
import fuzz_patterns
import fuzz_request_headers
import pytest

from crossorigin import ConfigError, Origin, OriginSyntaxError, Policy

HERE = Path(__file__).resolve().parent
CHECKS = {
    "origin": fuzz_origin.check,
    "patterns": fuzz_patterns.check,
    "request_headers": fuzz_request_headers.check,
    "engine": fuzz_engine.check,
}
IDNA_UNCHECKED = (
    "Origin.parse IDNA-encodes a non-ASCII host and returns it without the host checks "
    "the ASCII path applies (forbidden code points, empty labels)"
)
ZONE_ID = "Origin.parse_strict accepts IPv6 zone identifiers ('[::1%eth0]'), any bytes after '%'"
#: Crash files that reproduce a reported bug, with the bug.
KNOWN_BUGS = {
    "origin-crash-15d36bdbef7ea3a9e71f0d717deb44252589d93d": IDNA_UNCHECKED,
    "origin-crash-213e2ab28df6b9b38bad058d9c1a5b68e0637a35": IDNA_UNCHECKED,
    "origin-crash-0ea2a4bc728a9fbd8ff4e8813858d5679a29a224": IDNA_UNCHECKED,
    "origin-crash-da77d23f8ef03d38cef8f8c512a7fed91d5fdbec": ZONE_ID,
    "patterns-crash-347b58b7e48b26e30364bafa9c1a7ad9eae567d7": ZONE_ID,
}


def inputs(folder: str) -> list[object]:
    found: list[object] = []
    for path in sorted((HERE / folder).rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        harness = path.parent.name if folder == "seeds" else path.name.split("-crash-")[0]
        marks = []
        if path.name in KNOWN_BUGS:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[path.name]))
        found.append(pytest.param(harness, path, id=f"{harness}/{path.name}", marks=marks))
    return found


@pytest.mark.parametrize(("harness", "path"), inputs("seeds"))
def test_seed(harness: str, path: Path) -> None:
    CHECKS[harness](path.read_bytes())


@pytest.mark.parametrize(("harness", "path"), inputs("crashes"))
def test_saved_crash(harness: str, path: Path) -> None:
    # The fuzzer skips the known bugs so it can find others; replay without that.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fuzz_origin, "known_bug", lambda value, origin: False)
        patch.setattr(fuzz_origin, "known_zone_id_bug", lambda origin: False)
        patch.setattr(fuzz_patterns, "known_bug", lambda pattern_text: False)
        CHECKS[harness](path.read_bytes())


def test_every_harness_has_seeds() -> None:
    for name in CHECKS:
        assert any((HERE / "seeds" / name).iterdir()), name


@pytest.mark.xfail(strict=True, reason=IDNA_UNCHECKED)
@pytest.mark.parametrize("text", ["https://é\r\nx.com", "https://é .com", "https://é<x>.com"])
def test_lenient_parse_refuses_forbidden_host_code_points(text: str) -> None:
    # URL standard §3.5 host parsing: forbidden domain code points fail the parse.
    with pytest.raises(OriginSyntaxError):
        Origin.parse(text)


@pytest.mark.xfail(strict=True, reason=IDNA_UNCHECKED)
def test_lenient_parse_refuses_a_numeric_last_label_after_idna() -> None:
    # URL standard §3.5: a domain ending in a number is parsed as IPv4 and fails.
    with pytest.raises(OriginSyntaxError):
        Origin.parse("https://é.1")


@pytest.mark.xfail(strict=True, reason=IDNA_UNCHECKED)
def test_lenient_parse_round_trips_after_idna() -> None:
    origin = Origin.parse("https://é.")  # parsed to 'https://xn--9ca.', which it then refuses
    assert Origin.parse(origin.serialize()) == origin


@pytest.mark.xfail(strict=True, reason=ZONE_ID)
@pytest.mark.parametrize("text", ["http://[::1%eth0]", "http://[::1%\r\n]"])
def test_strict_parse_refuses_ipv6_zone_identifiers(text: str) -> None:
    # URL standard §3.5 IPv6 parser: '%' is a validation error; browsers never
    # send a zone identifier in Origin.
    with pytest.raises(OriginSyntaxError):
        Origin.parse_strict(text)


@pytest.mark.xfail(strict=True, reason=ZONE_ID + "; a non-ASCII one escapes as UnicodeEncodeError")
def test_policy_with_a_non_ascii_zone_identifier_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        Policy(origins=["http://[::1%é]"])
