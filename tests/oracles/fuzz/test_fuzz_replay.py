"""Replay the fuzz seeds and every saved crash through the harnesses' checks.

Runs in the default suite without atheris: each harness's `check(data)` is
plain Python. A file in tests/oracles/fuzz/crashes/ named `<harness>-crash-<sha1>` is a
regression test; the ones that reproduce a reported, still unfixed bug are
listed in KNOWN_BUGS and expected to fail (strictly, so the test says when the
fix lands).

The explicit examples below pin those bugs in their smallest form.
"""

from __future__ import annotations

from pathlib import Path

import fuzz_engine
import fuzz_export
import fuzz_origin
import fuzz_patterns
import fuzz_proxy_request
import fuzz_request_headers
import pytest

from crossorigin import ConfigError, Origin, OriginSyntaxError, Policy

HERE = Path(__file__).resolve().parent
CHECKS = {
    "origin": fuzz_origin.check,
    "patterns": fuzz_patterns.check,
    "request_headers": fuzz_request_headers.check,
    "engine": fuzz_engine.check,
    "proxy_request": fuzz_proxy_request.check,
    "export": fuzz_export.check,
}


def inputs(folder: str) -> list[object]:
    found: list[object] = []
    for path in sorted((HERE / folder).rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        harness = path.parent.name if folder == "seeds" else path.name.split("-crash-")[0]
        found.append(pytest.param(harness, path, id=f"{harness}/{path.name}"))
    return found


@pytest.mark.parametrize(("harness", "path"), inputs("seeds"))
def test_seed(harness: str, path: Path) -> None:
    CHECKS[harness](path.read_bytes())


@pytest.mark.parametrize(("harness", "path"), inputs("crashes"))
def test_saved_crash(harness: str, path: Path) -> None:
    CHECKS[harness](path.read_bytes())


def test_every_harness_has_seeds() -> None:
    for name in CHECKS:
        assert any((HERE / "seeds" / name).iterdir()), name


@pytest.mark.parametrize("text", ["https://é\r\nx.com", "https://é .com", "https://é<x>.com"])
def test_lenient_parse_refuses_forbidden_host_code_points(text: str) -> None:
    # URL standard §3.5 host parsing: forbidden domain code points fail the parse.
    with pytest.raises(OriginSyntaxError):
        Origin.parse(text)


def test_lenient_parse_refuses_a_numeric_last_label_after_idna() -> None:
    # URL standard §3.5: a domain ending in a number is parsed as IPv4 and fails.
    with pytest.raises(OriginSyntaxError):
        Origin.parse("https://é.1")


def test_lenient_parse_round_trips_after_idna() -> None:
    for text in ("https://é.example", "https://faß.de", "https://Bücher.example:8443/x"):
        origin = Origin.parse(text)
        assert Origin.parse(origin.serialize()) == origin
    assert Origin.parse("https://faß.de").host == "xn--fa-hia.de"  # UTS #46, as browsers


@pytest.mark.parametrize("text", ["http://[::1%eth0]", "http://[::1%\r\n]"])
def test_strict_parse_refuses_ipv6_zone_identifiers(text: str) -> None:
    # URL standard §3.5 IPv6 parser: '%' is a validation error; browsers never
    # send a zone identifier in Origin.
    with pytest.raises(OriginSyntaxError):
        Origin.parse_strict(text)


def test_policy_with_a_non_ascii_zone_identifier_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        Policy(origins=["http://[::1%é]"])
