"""A small, fast version of `make fuzz`'s export harness in the normal suite:
generated policies (hostile but valid tokens, odd origins, regexes built from
quoting characters, file names with line breaks) through every exporter,
real `nginx -t` on the nginx output (and `caddy validate`, `apache2 -t` for
some), and for some a served comparison with the engine
(tests/oracles/fuzz/fuzz_export.py states the invariants)."""

from __future__ import annotations

import random
import shutil
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "oracles" / "fuzz"))
import fuzz_export

SEPARATOR = b"\x1f"
REGEX_PIECES = [
    "https://", "[a-z]+", "\\.", "example", "\\.org", '"', "'", "`", "#", "$", "%t", "{2}",
    "(?:a|b)", "${X}", "%{HOST}", "\\\\", '[^"#]', "|", "(?=a)", "\\Z", " ",
]  # fmt: skip
# The pieces a policy accepts in a regex (quotes, spaces, `#` and `%` are refused
# when the policy is built, so most regexes are drawn from these to reach the servers).
SAFE_REGEX_PIECES = [piece for piece in REGEX_PIECES if not set(piece) & set("\"'`# %")]
FILE_NAMES = ["p.toml", "p\nadd_header X yes;\n.toml", "p\u2028x=1<!--.toml", "p{$HOME}\\"]
INPUTS = 30
BYTES = [byte for byte in range(256) if byte != SEPARATOR[0]]


def generated(rng: random.Random) -> bytes:
    def some(size: int) -> bytes:  # never the field separator
        return bytes(rng.choice(BYTES) for _ in range(rng.randint(1, size)))

    # Shapes 0-5: the ones a policy accepts without a dangerously_ option.
    origins = b",".join(bytes([rng.randrange(6)]) + some(6) for _ in range(rng.randint(1, 3)))
    token_lists = [b",".join(some(8) for _ in range(rng.randint(0, 3))) for _ in range(3)]
    pieces = REGEX_PIECES if rng.random() < 0.3 else SAFE_REGEX_PIECES
    regex = (
        b"\x00" + "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))).encode()
        if rng.random() < 0.5
        else b""
    )
    name = b"\x00" + rng.choice(FILE_NAMES).encode()
    flags = rng.randrange(256) | (0x40 if rng.random() < 0.3 else 0)
    if flags & 0x02:  # any origin: no credentials, which the policy would refuse
        flags &= ~0x01
    return SEPARATOR.join([bytes([flags]), origins, *token_lists, regex, name, some(10)])


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
@pytest.mark.timeout(300)
def test_generated_policies_export_to_what_real_servers_accept_and_serve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reached: Counter[str] = Counter()

    def counting(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*arguments: Any) -> Any:
            reached[name] += 1
            return function(*arguments)

        return wrapper

    for name in ("nginx_accepts", "caddy_accepts", "apache_accepts", "compare_served"):
        monkeypatch.setattr(fuzz_export, name, counting(name, getattr(fuzz_export, name)))
    rng = random.Random(20261130)
    for _ in range(INPUTS):
        fuzz_export.check(generated(rng))
    # Not vacuous: most inputs reach real nginx, some are served.
    assert reached["nginx_accepts"] >= INPUTS // 2, reached
    assert reached["compare_served"] >= 3, reached
