"""origin_regex.py: which regex shapes can backtrack exponentially, and which
origins a regex matches (its samples)."""

from __future__ import annotations

import random
import re
import time

import pytest

from crossorigin.origin_regex import backtracking_problem, sample_origins

SAFE = [
    r"https://[a-z0-9-]+\.example\.com",
    r"https://([a-z0-9-]+\.)*example\.com",
    r"https://[a-z0-9]+(-[a-z0-9]+)*\.example\.com",
    r"https://(app|admin|api)\.example\.com",
    r"https?://localhost(:[0-9]+)?",
    r"https://.*\.example\.com",
    r"https://[a-z]+[0-9]*\.example\.com",
    r"https://(ab){1,5}\.example\.com",
    r"https://(?:[a-z]{1,10}\.){0,3}example\.com",
    r"https://(?=a)[a-z]+\.example\.com",
]

EXPONENTIAL = [
    r"(a+)+",
    r"(a*)*",
    r"(a?)+",
    r"(a|aa)*",
    r"(a|a?)+",
    r"((ab)+)+",
    r"([a-z]+\.[a-z]+)*",
    r"(x+x+)+y",
    r"(.*a){12}",
    r"(\w+\d+)+",
    r"(?i)(a|Ab)+",
    r"(a)\1*",
]

POLYNOMIAL = [r".*.*", r"[a-z]+[a-z0-9]*", r"https://.*-.*\.example\.com", r"a+a+"]


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_shapes_pass(pattern: str) -> None:
    assert backtracking_problem(pattern) is None


@pytest.mark.parametrize("pattern", EXPONENTIAL + POLYNOMIAL)
def test_backtracking_shapes_are_explained(pattern: str) -> None:
    problem = backtracking_problem(pattern)
    assert problem is not None and "backtrack" in problem


def _random_regex(rng: random.Random, depth: int = 0) -> str:
    atoms = ["a", "b", "[ab]", ".", "[a-z]", r"\."]
    parts = []
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.25 and depth < 3:
            inner = _random_regex(rng, depth + 1)
            if rng.random() < 0.3:
                inner += "|" + _random_regex(rng, depth + 1)
            atom = f"({inner})"
        else:
            atom = rng.choice(atoms)
        parts.append(atom + rng.choice(["", "", "*", "+", "?", "{1,3}", "{2}"]))
    return "".join(parts)


def test_no_accepted_random_regex_backtracks_on_hostile_input() -> None:
    """About half of these random regexes are refused, and among the refused
    ones some take minutes on 15 characters; every accepted one must stay fast
    on inputs built to make it backtrack."""
    rng = random.Random(1)
    hostile = ["a" * 28 + "!", "ab" * 14 + "!", "a." * 14 + "!", "a" * 300 + "!"]
    accepted = refused = 0
    started = time.perf_counter()
    while accepted + refused < 1500:
        pattern = _random_regex(rng)
        try:
            compiled = re.compile(pattern)
        except re.error:
            continue
        if backtracking_problem(pattern) is not None:
            refused += 1
            continue
        accepted += 1
        for text in hostile:
            compiled.fullmatch(text)
    # About 10 ms here; one exponential regex alone would take seconds on 29
    # characters, so the bound is generous and still cannot pass by accident.
    assert time.perf_counter() - started < 5.0
    assert accepted > 500 and refused > 500, (accepted, refused)


def test_samples_cover_alternatives_and_optional_parts() -> None:
    assert sample_origins(r"https?://localhost(:[0-9]+)?") == [
        "http://localhost",
        "http://localhost:1",
        "https://localhost",
        "https://localhost:1",
    ]
    assert sample_origins(r"https://(app|admin)\.example\.com") == [
        "https://app.example.com",
        "https://admin.example.com",
    ]


def test_samples_look_like_hosts_and_all_match() -> None:
    for pattern in SAFE:
        compiled = re.compile(pattern)
        samples = sample_origins(pattern)
        assert samples, pattern
        assert all(compiled.fullmatch(sample) for sample in samples)
    assert sample_origins(r"https://[^.]+\.github\.io") == ["https://a.github.io"]
    assert sample_origins(r"https://\d+\.example\.com") == ["https://1.example.com"]


def test_samples_are_bounded() -> None:
    pattern = "https://" + "(a|b)" * 20 + r"\.example\.com"
    assert 0 < len(sample_origins(pattern)) <= 64
