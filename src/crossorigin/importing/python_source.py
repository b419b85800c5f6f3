"""Python source read with `ast`, never executed: the literal values of
keyword arguments and module-level assignments.

Theory of operation: configuration values are usually literals (strings,
numbers, booleans, lists, tuples, sets), sometimes built from a library's
named defaults (`(*default_headers, "x-token")`, `list(default_methods) +
[...]`). `literal(node, names)` evaluates exactly those forms, with `names`
the defaults the caller knows; anything else (a call, an environment
variable, a name it does not know) raises `NotLiteral` with the source text,
which the importer reports as a warning. Evaluation is bounded by the tree's
size (each node once), and `parse` turns a syntax error or a tree too deep
for the parser into `ImportFailed`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from typing import Any

from crossorigin.importing import ImportFailed

__all__ = ["NotLiteral", "call_name", "calls", "literal", "parse"]


class NotLiteral(ValueError):
    """A value that only running the program would give."""


def parse(text: str) -> ast.Module:
    try:
        return ast.parse(text)
    except SyntaxError as error:
        raise ImportFailed(f"not Python: line {error.lineno}: {error.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ImportFailed("Python source nested too deeply to read") from None


def call_name(node: ast.expr) -> str:
    """`CORSMiddleware` for `CORSMiddleware` and `starlette.middleware.cors.CORSMiddleware`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def calls(tree: ast.AST) -> Iterator[ast.Call]:
    """Every call in source order."""
    found = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    yield from sorted(found, key=lambda n: (n.lineno, n.col_offset))


def literal(node: ast.expr, names: Mapping[str, Any] | None = None) -> Any:
    known = names or {}

    def value_of(item: ast.expr) -> Any:
        if isinstance(item, ast.Constant):
            return item.value
        if isinstance(item, ast.Name) and item.id in known:
            return known[item.id]
        if isinstance(item, ast.Attribute) and item.attr in known:
            return known[item.attr]
        if isinstance(item, ast.UnaryOp) and isinstance(item.op, ast.USub):
            inner = value_of(item.operand)
            if isinstance(inner, int | float):
                return -inner
        if isinstance(item, ast.List | ast.Tuple | ast.Set):
            out: list[Any] = []
            for element in item.elts:
                if isinstance(element, ast.Starred):
                    out.extend(_iterable(value_of(element.value), element))
                else:
                    out.append(value_of(element))
            return out
        if isinstance(item, ast.Dict):
            result: dict[Any, Any] = {}
            for key, entry in zip(item.keys, item.values, strict=True):
                if key is None:
                    result.update(value_of(entry))
                else:
                    result[value_of(key)] = value_of(entry)
            return result
        if isinstance(item, ast.BinOp) and isinstance(item.op, ast.Add):
            left, right = value_of(item.left), value_of(item.right)
            if isinstance(left, list) and isinstance(right, list):
                return left + right
            if isinstance(left, str) and isinstance(right, str):
                return left + right
        if (
            isinstance(item, ast.Call)
            and call_name(item.func) in ("list", "tuple", "set", "frozenset")
            and len(item.args) == 1
            and not item.keywords
        ):
            return list(_iterable(value_of(item.args[0]), item))
        if isinstance(item, ast.JoinedStr):
            raise NotLiteral("an f-string")
        raise NotLiteral(ast.unparse(item)[:120])

    return value_of(node)


def _iterable(value: Any, node: ast.AST) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    raise NotLiteral(ast.unparse(node)[:120])
