"""Every line of `--format jsonl` is an `AuditTarget` (tests/tools/test_output_formats.py
checks the JSON document and the docs of every type)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from audit_zoo.server import RunningZoo, running_zoo
from crossorigin.audit.json_format import AuditTarget
from crossorigin.cli import main
from test_output_formats import assert_conforms

SITE = "https://www.example.com"


@pytest.fixture(scope="module")
def zoo() -> Iterator[RunningZoo]:
    with running_zoo(SITE) as running:
        yield running


def test_every_jsonl_line_is_an_audit_target(
    zoo: RunningZoo, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = [zoo.url(name) for name in ("substring-contains", "localhost", "wildcard")]
    code = main(
        ["audit", "--no-progress", "--seed", "1", "--site", SITE, "--format", "jsonl", *urls]
    )
    assert code == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    targets = [json.loads(line) for line in lines]
    for target in targets:
        assert_conforms(target, AuditTarget)
    assert any(finding["also"] for target in targets for finding in target["findings"])
