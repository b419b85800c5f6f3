"""`--shard I/N` and `--resume FILE`: shards split a list by a stable hash of
the registrable domain (a 4-shard run merged equals the single run), and a
resumed run skips what a cut-off JSONL output already reported."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from audit_zoo.server import RunningZoo, running_zoo
from crossorigin.audit.selection import ReportedTargets, ResumeError, Shard, shard_key, shard_of
from crossorigin.cli import main

SITE = "https://www.example.com"
HOSTS = [
    "www.alpha.test",
    "api.alpha.test",
    "beta.example.co.uk",
    "api.beta.example.co.uk",
    "gamma.example.org",
    "delta.example.net",
    "alice.github.io",
    "bob.github.io",
    "epsilon.example.com",
    "zeta.example.com",
    "eta.example.io",
    "theta.example.dev",
]
FIXTURES = ["null", "prefix", "wildcard", "engine-allowlist"]


@pytest.fixture(scope="module")
def zoo() -> Iterator[RunningZoo]:
    with running_zoo(SITE) as running:
        yield running


def _urls(zoo: RunningZoo) -> list[str]:
    port = zoo.base_url.rsplit(":", 1)[1]
    return [
        f"http://{host}:{port}/{fixture}/api?h={index}"
        for index, host in enumerate(HOSTS)
        for fixture in FIXTURES
    ]


def _audit(zoo: RunningZoo, targets: Path, output: Path, *args: str) -> int:
    port = zoo.base_url.rsplit(":", 1)[1]
    command = ["audit", "--no-progress", "--seed", "5", "--site", SITE, "--format", "jsonl"]
    command += ["--resolve", f"*:{port}:127.0.0.1", "--targets", str(targets)]
    return main([*command, "-o", str(output), "--fail-on", "never", *args])


def _lines(path: Path) -> list[dict[str, object]]:
    return sorted(
        (json.loads(line) for line in path.read_text().splitlines()),
        key=lambda target: str(target["url"]),
    )


# -- the shard key -------------------------------------------------------------------


def test_the_key_is_the_registrable_domain() -> None:
    assert shard_key("https://api.beta.example.co.uk/x") == "example.co.uk"
    assert shard_key("https://www.example.com:8443/") == "example.com"
    assert shard_key("https://alice.github.io/") == "alice.github.io"  # a public suffix below
    assert shard_key("http://127.0.0.1:8000/") == "127.0.0.1"
    assert shard_key("http://[::1]:8000/") == "::1"
    assert shard_key("http://localhost:3000/") == "localhost"
    assert shard_key("not a url") == "not a url"


def test_the_hash_is_sha256_of_the_key_and_reproducible_anywhere() -> None:
    """Pinned: another tool (or a later version) must split the same way."""
    digest = hashlib.sha256(b"example.com").digest()
    expected = int.from_bytes(digest[:8], "big") % 7
    assert shard_of("https://api.example.com/v1", 7) == expected
    assert [shard_of(f"https://{host}/", 4) for host in HOSTS[:6]] == [
        shard_of(f"https://x.{shard_key('https://' + host)}/", 4) for host in HOSTS[:6]
    ]


def test_every_url_is_in_exactly_one_shard_and_a_site_stays_together() -> None:
    urls = [f"https://{sub}.site{n}.co.uk/p" for n in range(200) for sub in ("a", "b")]
    shards = [Shard(index, 4) for index in range(4)]
    for url in urls:
        assert sum(shard.selects(url) for shard in shards) == 1
    for n in range(200):
        assert shard_of(f"https://a.site{n}.co.uk/", 4) == shard_of(f"https://b.site{n}.co.uk/x", 4)
    sizes = [sum(shard.selects(url) for url in urls) for shard in shards]
    assert min(sizes) > 50  # spread, not all in one


@pytest.mark.parametrize("text", ["4/4", "1", "a/4", "-1/4", "0/0", "1/2/3", ""])
def test_bad_shards_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="I"):
        Shard.parse(text)


def test_a_bad_shard_is_exit_2_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--shard", "4/4", "http://127.0.0.1:9/"]) == 2
    error = capsys.readouterr().err
    assert "--shard" in error and "Traceback" not in error


# -- four shards merged equal one run -----------------------------------------------------


def test_four_shards_merged_equal_the_single_run(zoo: RunningZoo, tmp_path: Path) -> None:
    targets = tmp_path / "targets.txt"
    targets.write_text("\n".join(_urls(zoo)) + "\n")
    single = tmp_path / "single.jsonl"
    assert _audit(zoo, targets, single) == 0
    merged: list[dict[str, object]] = []
    per_shard = []
    for index in range(4):
        output = tmp_path / f"shard-{index}.jsonl"
        assert _audit(zoo, targets, output, "--shard", f"{index}/4") == 0
        lines = _lines(output)
        per_shard.append({shard_key(str(line["url"])) for line in lines})
        merged.extend(lines)
    whole = _lines(single)
    assert len(whole) == len(HOSTS) * len(FIXTURES)
    assert sorted(merged, key=lambda target: str(target["url"])) == whole
    assert sum(1 for domains in per_shard if domains) >= 2  # really split
    # A domain in one shard only.
    assert sum(len(domains) for domains in per_shard) == len(set().union(*per_shard))


# -- resume ----------------------------------------------------------------------------


def test_a_cut_off_run_resumes_into_the_same_file(
    zoo: RunningZoo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = _urls(zoo)[:8]
    targets = tmp_path / "targets.txt"
    targets.write_text("\n".join(urls[:5]) + "\n")
    output = tmp_path / "run.jsonl"
    assert _audit(zoo, targets, output) == 0
    text = output.read_text()
    lines = text.splitlines(keepends=True)
    assert len(lines) == 5
    # Cut off in the middle of its last line, as a killed run leaves it.
    cut = "".join(lines[:4]) + lines[4][: len(lines[4]) // 2]
    output.write_text(cut)
    capsys.readouterr()
    targets.write_text("\n".join(urls) + "\n")
    assert _audit(zoo, targets, output, "--resume", str(output)) == 0
    assert "4 targets already reported" in capsys.readouterr().err
    resumed = [json.loads(line) for line in output.read_text().splitlines()]
    assert sorted(target["url"] for target in resumed) == sorted(urls)  # each once
    assert output.read_text().startswith("".join(lines[:4]))  # the old lines kept


def test_a_whole_last_line_without_newline_counts_and_gets_one(tmp_path: Path) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text('{"url": "http://a.test/", "findings": []}\n{"url": "http://b.test/"}')
    reported = ReportedTargets.load(path)
    assert "http://a.test/" in reported and "http://b.test/" in reported
    assert reported.needs_newline and not reported.truncated
    assert reported.complete_bytes == len(path.read_bytes())


def test_a_malformed_line_before_the_last_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "run.jsonl"
    path.write_text('{"url": "http://a.test/"}\nnot json\n{"url": "http://b.test/"}\n')
    with pytest.raises(ResumeError, match="line 2"):
        ReportedTargets.load(path)
    assert main(["audit", "--resume", str(path), "http://127.0.0.1:9/"]) == 2
    error = capsys.readouterr().err
    assert "line 2" in error and "Traceback" not in error


def test_resuming_from_a_file_not_written_yet_skips_nothing(
    zoo: RunningZoo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = tmp_path / "targets.txt"
    targets.write_text(_urls(zoo)[0] + "\n")
    output = tmp_path / "run.jsonl"
    assert _audit(zoo, targets, output, "--resume", str(output)) == 0
    assert len(output.read_text().splitlines()) == 1
    assert "does not exist yet" in capsys.readouterr().err
