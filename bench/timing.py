"""The timing method shared by the benchmarks: every cell is a callable running one request; each is
calibrated to about 25 ms per sample, warmed up, then sampled once per round
in a freshly shuffled order (interleaved, so drift and noise hit every cell
alike), with the garbage collector off during a sample. Results are ns per
request; compare cells by the median of per-round differences."""

from __future__ import annotations

import gc
import random
import statistics
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TypeVar

Cell = TypeVar("Cell", bound=Hashable)


def _sample(request: Callable[[], None], iterations: int) -> float:
    gc.disable()
    try:
        start = time.perf_counter_ns()
        for _ in range(iterations):
            request()
        return (time.perf_counter_ns() - start) / iterations
    finally:
        gc.enable()


def _calibrate(request: Callable[[], None], target_ns: float) -> int:
    iterations = 10
    while True:
        start = time.perf_counter_ns()
        for _ in range(iterations):
            request()
        elapsed = time.perf_counter_ns() - start
        if elapsed > target_ns / 4:
            return max(10, int(iterations * target_ns / elapsed))
        iterations *= 4


def interleaved(
    cells: Mapping[Cell, Callable[[], None]], rounds: int, target_ns: float = 25e6
) -> dict[Cell, list[float]]:
    """ns per request of every cell, one sample per round."""
    iterations = {cell: _calibrate(request, target_ns) for cell, request in cells.items()}
    for cell, request in cells.items():
        _sample(request, min(1000, iterations[cell]))
    results: dict[Cell, list[float]] = {cell: [] for cell in cells}
    order = list(cells)
    for _ in range(rounds):
        random.shuffle(order)
        for cell in order:
            results[cell].append(_sample(cells[cell], iterations[cell]))
    return results


def paired_difference(samples: Sequence[float], baseline: Sequence[float]) -> float:
    """Median over rounds of (sample - baseline) from the same round."""
    return statistics.median(a - b for a, b in zip(samples, baseline, strict=True))
