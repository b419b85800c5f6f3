"""`crossorigin export --format apache` run in a real Apache httpd 2.4 on
loopback: for each policy and every probe request, httpd answers as the engine
decides. Vary is compared as its list of names: httpd re-joins Vary without
spaces (the same header to every cache)."""

from __future__ import annotations

import shutil

import pytest

from crossorigin import Policy
from crossorigin.export import ExportPlan, render
from servers.apache import running_apache
from servers.parity import POLICIES, compare_server

pytestmark = [
    pytest.mark.skipif(shutil.which("apache2") is None, reason="apache2 is not installed"),
    pytest.mark.timeout(120),
]


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_apache_answers_as_the_engine(name: str) -> None:
    policy = Policy(**POLICIES[name])  # type: ignore[arg-type]
    exported = render(ExportPlan.from_policy(policy), "apache")
    with running_apache(exported) as base_url:
        checked, mismatches = compare_server(base_url, policy, vary_as_tokens=True)
    assert checked > 100
    assert not mismatches, "\n".join(mismatches[:10])
