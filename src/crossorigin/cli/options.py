"""Options several commands share, spelled once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

__all__ = ["output_format"]

_F = TypeVar("_F", bound=Callable[..., Any])


def output_format(*formats: str) -> Callable[[_F], _F]:
    """`--format` among `formats`, the first the default; the command gets it
    as `output_format`. The JSON formats are docs/output-formats.md."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(formats),
        default=formats[0],
        show_default=True,
        help=f"text for people; {' or '.join(formats[1:])} for programs (docs/output-formats.md).",
    )
