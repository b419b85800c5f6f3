"""`make browser-diff`: a large seeded batch in a real browser, and a report.

    python tests/oracles/browsers/browser_diff.py --count 5000 --seed 1 \
        --report reports/browser-diff.md
    python tests/oracles/browsers/browser_diff.py --browser firefox --count 2000 --seed 1

`--browser` picks the engine (chromium, firefox, webkit; `make browser-diff
BROWSER=firefox`): its oracle (chromium_harness, firefox_harness,
webkit_harness) against `simulate(..., browser=...)`. WebKit's oracle cannot
see console lines, so its reason, console and network error are not compared.
Comparison 2 (policies) runs in Chromium only.

Runs `--count` generated scenarios (scenario_generator.generate_scenario) in
Chromium and through the browser model (comparison 1), and `--policies`
random policies served by our ASGI middleware under uvicorn (comparison 2).
Every disagreement is grouped by what differs; the first of each group is
shrunk (request headers, read headers, response header lines, credentials and
mode dropped one at a time while the same disagreement remains, each attempt
re-run in Chromium) and written to the report with both outcomes, so the
report's scenarios are minimal and can be pasted into corpus.json.

Exit status: 0 when everything agreed, 1 when anything disagreed.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
# tests/support (servers.processes), as pytest's pythonpath has it.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "support"))

from chromium_harness import (
    Oracle,
    Outcome,
    Scenario,
    chromium_unavailable,
    differences,
    oracle_view,
)
from scenario_generator import generate_scenario


@dataclass
class Group:
    """Disagreements with the same signature (what differs, and both reasons)."""

    signature: str
    names: list[str] = field(default_factory=list)
    example: Scenario | None = None
    chromium: Outcome | None = None
    model: Outcome | None = None
    minimal: Scenario | None = None
    minimal_chromium: Outcome | None = None
    minimal_model: Outcome | None = None


#: The engine being compared (set by `main`).
BROWSER = "chromium"
#: Fields each engine's oracle cannot observe.
_UNMEASURED = {"webkit": ("network_error",)}


def _model() -> Any:
    from crossorigin.browser import simulate

    def run(scenario: Scenario) -> Outcome:
        return simulate(scenario, browser=BROWSER)

    return run


def _engine_differences(engine: Outcome, model: Outcome) -> dict[str, tuple[Any, Any]]:
    observed = dict(engine)
    for key in _UNMEASURED.get(BROWSER, ()):
        observed[key] = model.get(key)
    return differences(observed, model)


def _signature(chromium: Outcome, model: Outcome | None, error: str | None) -> str | None:
    if error is not None:
        return f"model raised {error.split(':')[0]}"
    assert model is not None
    differing = _engine_differences(chromium, model)
    if not differing:
        return None
    return (
        f"{'+'.join(sorted(differing))}: {BROWSER} {chromium.get('reason')}"
        f" / model {model.get('reason')}"
    )


def _compare(oracle: Oracle, scenario: Scenario) -> tuple[Outcome, Outcome | None, str | None]:
    sid = oracle.new_sid()
    concrete = oracle.concretize(scenario, sid)
    chromium = oracle.run(concrete, sid=sid)
    try:
        model = _model()(concrete)
    except Exception as error:
        return chromium, None, f"{type(error).__name__}: {error}"
    return chromium, model, None


def _smaller(scenario: Scenario) -> Iterator[Scenario]:
    """Scenarios one step simpler than `scenario`."""
    request = scenario["request"]
    for index in range(len(request.get("headers", []))):
        candidate = copy.deepcopy(scenario)
        del candidate["request"]["headers"][index]
        yield candidate
    for index in range(len(scenario.get("read_headers", []))):
        candidate = copy.deepcopy(scenario)
        del candidate["read_headers"][index]
        yield candidate
    for key, value in (("credentials", "same-origin"), ("mode", "cors"), ("method", "GET")):
        if request.get(key, value) != value:
            candidate = copy.deepcopy(scenario)
            candidate["request"][key] = value
            yield candidate
    responses = scenario["responses"]
    answers: list[tuple[str, int | None]] = [("preflight", None)]
    if isinstance(responses.get("actual"), list):
        answers += [("actual", i) for i in range(len(responses["actual"]))]
    else:
        answers.append(("actual", None))
    for key, hop in answers:
        answer = responses.get(key) if hop is None else responses[key][hop]
        if answer is None:
            continue
        for index, (name, _) in enumerate(answer.get("headers", [])):
            if name.lower() == "location":
                continue
            candidate = copy.deepcopy(scenario)
            target = candidate["responses"][key]
            target = target if hop is None else target[hop]
            del target["headers"][index]
            yield candidate


def shrink(oracle: Oracle, scenario: Scenario, signature: str) -> tuple[Scenario, Outcome, Outcome]:
    """The smallest scenario found that still disagrees with the same signature."""
    current = scenario
    chromium, model, _ = _compare(oracle, current)
    progress = True
    while progress:
        progress = False
        for candidate in _smaller(current):
            candidate_chromium, candidate_model, error = _compare(oracle, candidate)
            if _signature(candidate_chromium, candidate_model, error) == signature:
                current, chromium, model = candidate, candidate_chromium, candidate_model
                progress = True
                break
    return current, chromium, model or {}


def run_scenarios(
    oracle: Oracle, seed: int, count: int, minimize: bool
) -> tuple[int, dict[str, Group], float]:
    groups: dict[str, Group] = {}
    started = time.perf_counter()
    agreed = 0
    for index in range(count):
        scenario = generate_scenario(seed, index)
        chromium, model, error = _compare(oracle, scenario)
        signature = _signature(chromium, model, error)
        if signature is None:
            agreed += 1
        else:
            group = groups.setdefault(signature, Group(signature))
            group.names.append(f"random-{seed}-{index}")
            if group.example is None:
                group.example, group.chromium, group.model = scenario, chromium, model
        if (index + 1) % 500 == 0:
            rate = (index + 1) / (time.perf_counter() - started)
            print(f"  {index + 1}/{count} scenarios, {rate:.0f}/s, {len(groups)} groups")
    elapsed = time.perf_counter() - started
    if minimize:
        for group in groups.values():
            if group.example is not None and not group.signature.startswith("model raised"):
                minimal, chromium, model = shrink(oracle, group.example, group.signature)
                group.minimal, group.minimal_chromium, group.minimal_model = (
                    minimal,
                    chromium,
                    model,
                )
    return agreed, groups, elapsed


def run_policies(oracle: Oracle, seed: int, count: int) -> tuple[int, list[str], float]:
    from asgi_api import PolicyDispatcher, UvicornThread
    from policy_comparison import check_policy_case
    from policy_scenarios import generate_policy_case

    dispatcher = PolicyDispatcher(oracle.registry)
    server = UvicornThread(dispatcher).start()
    dispatcher.port = server.port
    oracle.ports["asgi_port"] = server.port
    failures: list[str] = []
    started = time.perf_counter()
    try:
        for index in range(count):
            case = generate_policy_case(seed, index)
            mismatches = check_policy_case(oracle, dispatcher, case)
            if mismatches:
                failures.append(
                    f"- `{case.name}`: policy `{json.dumps(case.policy_fields)}`, "
                    f"{case.method} {json.dumps(case.headers)} credentials={case.credentials} "
                    f"from `{case.page_origin}`: (Chromium, policy) {mismatches}"
                )
    finally:
        server.stop()
    return count - len(failures), failures, time.perf_counter() - started


def _block(value: Any) -> str:
    return "```json\n" + json.dumps(value, indent=1) + "\n```"


def write_report(
    path: Path,
    *,
    version: str,
    seed: int,
    count: int,
    agreed: int,
    groups: dict[str, Group],
    elapsed: float,
    policy_count: int,
    policy_agreed: int,
    policy_failures: list[str],
    policy_elapsed: float,
) -> None:
    lines = [
        f"# {BROWSER} vs crossorigin: browser-diff report",
        "",
        f"- {BROWSER} {version}, seed {seed}, generated {time.strftime('%Y-%m-%d %H:%M:%S')}",
        f"- Comparison 1 ({BROWSER} vs `crossorigin simulate --browser {BROWSER}`): "
        f"**{agreed}/{count}** scenarios "
        f"agree ({100 * agreed / max(count, 1):.2f} %), {elapsed:.1f} s "
        f"({count / max(elapsed, 1e-9):.0f} scenarios/s)",
        f"- Comparison 2 (Chromium vs the policy, ASGI middleware under uvicorn): "
        f"**{policy_agreed}/{policy_count}** agree, {policy_elapsed:.1f} s",
        f"- Disagreement groups: {len(groups)}",
        "",
        "Reproduce one scenario: `generate_scenario(seed, index)` in "
        "tests/oracles/browsers/scenario_generator.py (names are `random-<seed>-<index>`).",
        "",
    ]
    for number, group in enumerate(sorted(groups.values(), key=lambda g: -len(g.names)), 1):
        lines += [
            f"## {number}. {group.signature}",
            "",
            f"{len(group.names)} scenarios, {', '.join(group.names[:200])}",
            "",
        ]
        scenario, chromium, model = group.example, group.chromium, group.model
        if group.minimal is not None:
            scenario, chromium, model = group.minimal, group.minimal_chromium, group.minimal_model
            lines.append("Minimal scenario (placeholders as in corpus.json):")
        else:
            lines.append("Scenario:")
        lines += ["", _block(scenario), "", "Chromium:", "", _block(oracle_view(chromium or {}))]
        if model is not None:
            lines += ["", "Model:", "", _block(oracle_view(model))]
        lines.append("")
    if policy_failures:
        lines += ["## Comparison 2 mismatches", "", *policy_failures, ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def _unavailable(browser: str) -> str | None:
    if browser == "firefox":
        from firefox_harness import firefox_unavailable

        return firefox_unavailable()
    if browser == "webkit":
        from webkit_harness import webkit_unavailable

        return webkit_unavailable()
    return chromium_unavailable()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Chromium vs the crossorigin browser model")
    parser.add_argument("--count", type=int, default=5000, help="generated scenarios")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report", type=Path, default=Path("reports/browser-diff.md"))
    parser.add_argument(
        "--policies", type=int, default=None, help="random policies (default: count / 10)"
    )
    parser.add_argument("--no-minimize", action="store_true", help="skip shrinking")
    parser.add_argument("--browser", choices=("chromium", "firefox", "webkit"), default="chromium")
    arguments = parser.parse_args(argv)
    global BROWSER
    BROWSER = arguments.browser
    reason = _unavailable(BROWSER)
    if reason is not None:
        print(f"browser-diff: {reason}", file=sys.stderr)
        return 2
    policy_count = arguments.policies if arguments.policies is not None else arguments.count // 10
    if BROWSER != "chromium":
        policy_count = 0
    from record_cases import open_oracle

    with open_oracle(BROWSER) as oracle:
        print(f"{BROWSER} {oracle.version}: {arguments.count} scenarios, seed {arguments.seed}")
        agreed, groups, elapsed = run_scenarios(
            oracle, arguments.seed, arguments.count, not arguments.no_minimize
        )
        print(f"comparison 1: {agreed}/{arguments.count} agree in {elapsed:.1f} s")
        policy_agreed, policy_failures, policy_elapsed = (
            run_policies(oracle, arguments.seed, policy_count) if policy_count else (0, [], 0.0)
        )
        print(f"comparison 2: {policy_agreed}/{policy_count} agree in {policy_elapsed:.1f} s")
        write_report(
            arguments.report,
            version=oracle.version,
            seed=arguments.seed,
            count=arguments.count,
            agreed=agreed,
            groups=groups,
            elapsed=elapsed,
            policy_count=policy_count,
            policy_agreed=policy_agreed,
            policy_failures=policy_failures,
            policy_elapsed=policy_elapsed,
        )
    print(f"report: {arguments.report}")
    return 0 if not groups and not policy_failures else 1


if __name__ == "__main__":
    sys.exit(main())
