"""What an `origin_regex` can match, derived before the policy accepts it.

Theory of operation: a regular expression is the one place where a policy can
say more than the structured patterns of patterns.py allow, so it is also the
one place where the policy's refusals could be walked around. This module reads
the regex's syntax tree (the standard library's own parser, the one `re.compile`
uses) and answers two questions for policy.py, which owns the rules:

1. **Can matching it take more than polynomial time?** (`backtracking_problem`)
   Python's `re` backtracks. A run of variable length that can give characters
   to a neighbouring run, inside a repetition (`(a+)+`, `([a-z]+\\.[a-z]+)*`,
   `(a|aa)*`), makes the number of ways to split an input grow exponentially
   with its length: 35 bytes took 1.5 s, and each byte doubles it. We refuse
   such shapes when the policy is built instead of bounding the time of each
   match, because Python cannot interrupt a running `re` match and a per-request
   timeout would need a thread per request. The rule is a sufficient condition,
   checked in one pass: two variable-length parts that can match the same
   character must be separated by a required character that only one of them
   can match, also across the boundary between two iterations of a repetition
   (the body is scanned twice in a row to see that boundary). Two overlapping
   runs side by side (`.*-.*`) are refused too: they are only quadratic, but
   they are never needed in an origin and refusing them keeps the rule simple.
   The matcher also never runs the regex on more than the 326 bytes an origin
   may have (patterns.py), so what remains is at worst a small polynomial.

2. **Which origins can it match?** (`sample_origins`) The tree is walked to
   build strings the regex accepts (each alternative, each optional part present
   and absent, each class as its first host character), verified with
   `fullmatch`. policy.py probes variations of those samples (another scheme,
   another registrable label) to apply the same refusals as to patterns:
   `http://` origins with credentials, wildcards over a public suffix. Sampling
   is not a proof that no other origin matches; it finds the shapes people
   write (a class or `.*` where a label goes, `https?`), which is what the
   refusals are for. Prefer patterns: they cannot surprise.
"""

from __future__ import annotations

import importlib
import itertools
import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any, Final

__all__ = ["backtracking_problem", "sample_origins"]

# The standard library's regex parser (`sre_parse` before 3.11). Private, but
# it is the parser `re.compile` itself runs, so the tree we read is exactly what
# will match; typeshed has no stubs for it, hence `Any`.
_parser: Any = importlib.import_module("re._parser")

#: Origins are ASCII (patterns.py decodes them as such before matching), so
#: character sets are compared over ASCII only.
_UNIVERSE: Final = frozenset(chr(code) for code in range(128))

#: The character a sample uses for a class: the first of these it contains, so
#: samples look like host names.
_PREFERRED: Final = "abcdefghijklmnopqrstuvwxyz1234567890-."

_CATEGORIES: Final = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}

#: At most this many samples are built; enough for every alternative of the
#: regexes people write, small enough to keep validation instant.
MAX_SAMPLES: Final = 64

_Node = tuple[Any, Any]


class _Backtracking(Exception):
    """Raised inside the scan with the sentence that explains the shape."""


@cache
def _category(name: str) -> frozenset[str]:
    source = _CATEGORIES.get(name)
    if source is None:
        return _UNIVERSE
    return frozenset(char for char in _UNIVERSE if re.fullmatch(source, char))


class _Tree:
    """One parsed regex, with the case-folding it was written with."""

    def __init__(self, parsed: Any) -> None:
        self.root: Any = parsed
        self.ignore_case = bool(parsed.state.flags & re.IGNORECASE) or _any_inline_ignorecase(
            parsed.data
        )

    def charset(self, node: _Node) -> frozenset[str] | None:
        """The characters a one-character node matches; None for other nodes."""
        op, av = str(node[0]), node[1]
        if op == "LITERAL":
            chars = frozenset({chr(av)})
        elif op == "NOT_LITERAL":
            chars = _UNIVERSE - {chr(av)}
        elif op == "ANY":
            chars = _UNIVERSE - {"\n"}
        elif op == "IN":
            chars = self._in(av)
        else:
            return None
        if self.ignore_case:
            chars = chars | {char.swapcase() for char in chars}
        return chars & _UNIVERSE

    @staticmethod
    def _in(items: Iterable[_Node]) -> frozenset[str]:
        chars: set[str] = set()
        negate = False
        for op_, av in items:
            op = str(op_)
            if op == "NEGATE":
                negate = True
            elif op == "LITERAL":
                chars.add(chr(av))
            elif op == "RANGE":
                low, high = av
                chars.update(chr(code) for code in range(low, min(high, 127) + 1))
            elif op == "CATEGORY":
                chars |= _category(str(av))
            else:  # a class this scan does not model: assume it matches anything
                chars |= _UNIVERSE
        return _UNIVERSE - chars if negate else frozenset(chars)


def _any_inline_ignorecase(data: Sequence[_Node]) -> bool:
    for op_, av in data:
        op = str(op_)
        if op == "SUBPATTERN" and av[1] & re.IGNORECASE:
            return True
        for child in _children(op, av):
            if _any_inline_ignorecase(child.data):
                return True
    return False


def _children(op: str, av: Any) -> list[Any]:
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        return [av[2]]
    if op == "SUBPATTERN":
        return [av[3]]
    if op == "BRANCH":
        return list(av[1])
    if op in ("ASSERT", "ASSERT_NOT"):
        return [av[1]]
    if op == "ATOMIC_GROUP":
        return [av]
    if op == "GROUPREF_EXISTS":
        return [branch for branch in av[1:] if branch is not None]
    return []


# --- 1. backtracking -----------------------------------------------------------------


def backtracking_problem(pattern: str) -> str | None:
    """Why matching `pattern` could take exponential time, or None. `pattern`
    must compile."""
    tree = _Tree(_parser.parse(pattern))
    try:
        _scan(tree, tree.root.data, frozenset())
    except _Backtracking as problem:
        return str(problem)
    return None


def _scan(tree: _Tree, data: Sequence[_Node], pending: frozenset[str]) -> frozenset[str]:
    """Walk a sequence; `pending` holds the characters a preceding
    variable-length part could still take. Returns it after the sequence."""
    for node in data:
        op, av = str(node[0]), node[1]
        chars = tree.charset(node)
        if chars is not None:
            # A required character only one side can match ends the contest.
            pending = pending if chars & pending else frozenset()
        elif op in ("MAX_REPEAT", "MIN_REPEAT"):
            pending = _scan_repeat(tree, av[0], av[1], av[2], pending)
        elif op == "SUBPATTERN":
            pending = _scan(tree, av[3].data, pending)
        elif op == "BRANCH":
            outs = [_scan(tree, branch.data, pending) for branch in av[1]]
            pending = frozenset().union(*outs)
        elif op in ("ASSERT", "ASSERT_NOT"):
            _scan(tree, av[1].data, frozenset())
        elif op in ("GROUPREF", "GROUPREF_EXISTS"):
            raise _Backtracking("a back-reference can make matching backtrack in exponential time")
        elif op in ("POSSESSIVE_REPEAT", "ATOMIC_GROUP"):
            # Never gives characters back: nothing to backtrack into.
            pending = frozenset()
        # AT (^, $, \b) matches no character.
    return pending


def _scan_repeat(
    tree: _Tree, low: int, high: int, body: Any, pending: frozenset[str]
) -> frozenset[str]:
    variable = low != high
    first = _first(tree, body.data)
    if variable and first & pending:
        raise _Backtracking(
            "two variable-length parts can match the same characters with nothing "
            "between them that only one can match (as in '(a+)+', '(a|aa)*' or "
            "'[a-z]+[a-z0-9]*'), so matching can backtrack: in exponential time inside "
            "a repetition"
        )
    single = tree.charset(body.data[0]) if len(body.data) == 1 else None
    if single is not None:
        if not variable:
            return pending if (low == 0 or single & pending) else frozenset()
        return pending | single
    out = _scan(tree, body.data, pending)
    if high > 1:
        _check_alternatives(tree, body.data)
        # The second pass sees where one iteration meets the next.
        out = _scan(tree, body.data, out)
    if variable:
        out |= first
    if low == 0:
        out |= pending
    return out


def _check_alternatives(tree: _Tree, data: Sequence[_Node]) -> None:
    """A repeated alternation must tell its branches apart by their first
    character, or each iteration can split the input in several ways."""
    for op_, av in data:
        op = str(op_)
        if op == "SUBPATTERN":
            _check_alternatives(tree, av[3].data)
        elif op == "BRANCH":
            seen: set[str] = set()
            for branch in av[1]:
                first = _first(tree, branch.data)
                if first & seen or branch.getwidth()[0] == 0:
                    raise _Backtracking(
                        "a repeated alternation whose branches can start with the same "
                        "character (as in '(a|aa)*') can backtrack in exponential time"
                    )
                seen |= first


def _first(tree: _Tree, data: Sequence[_Node]) -> frozenset[str]:
    """Characters that can start a non-empty match of the sequence."""
    result: set[str] = set()
    for node in data:
        op, av = str(node[0]), node[1]
        chars = tree.charset(node)
        nullable = False
        if chars is not None:
            result |= chars
        elif op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            result |= _first(tree, av[2].data)
            nullable = av[0] == 0 or av[2].getwidth()[0] == 0
        elif op in ("SUBPATTERN", "BRANCH", "ATOMIC_GROUP", "GROUPREF_EXISTS"):
            for child in _children(op, av):
                result |= _first(tree, child.data)
                nullable = nullable or child.getwidth()[0] == 0
        elif op in ("AT", "ASSERT", "ASSERT_NOT"):
            nullable = True
        else:  # a back-reference: could start with anything
            result |= _UNIVERSE
        if not nullable:
            break
    return frozenset(result)


# --- 2. samples ---------------------------------------------------------------------


def sample_origins(pattern: str) -> list[str]:
    """Strings `pattern` fully matches, one per alternative and optional part
    (at most MAX_SAMPLES), built from its syntax tree. `pattern` must compile
    and have passed `backtracking_problem`."""
    tree = _Tree(_parser.parse(pattern))
    compiled = re.compile(pattern)
    candidates = _samples(tree, tree.root.data)
    return [text for text in dict.fromkeys(candidates) if compiled.fullmatch(text)]


def _samples(tree: _Tree, data: Sequence[_Node]) -> list[str]:
    results = [""]
    for node in data:
        options = _node_samples(tree, node)
        results = [
            head + tail
            for head, tail in itertools.islice(itertools.product(results, options), MAX_SAMPLES)
        ]
    return results


def _node_samples(tree: _Tree, node: _Node) -> list[str]:
    op, av = str(node[0]), node[1]
    chars = tree.charset(node)
    if chars is not None:
        if op == "LITERAL" and not tree.ignore_case:
            return [chr(av)]
        preferred = [char for char in _PREFERRED if char in chars]
        return [preferred[0] if preferred else min(chars, default="a")]
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, body = av
        inner = _samples(tree, body.data)
        # Enough repetitions to be present, few enough to stay an origin's length.
        count = min(max(low, 1), 64) if high >= 1 else 0
        present = [text * count for text in inner]
        return ([""] if low == 0 else []) + present
    if op in ("SUBPATTERN", "ATOMIC_GROUP"):
        return _samples(tree, _children(op, av)[0].data)
    if op == "BRANCH":
        return [text for branch in av[1] for text in _samples(tree, branch.data)]
    return [""]
