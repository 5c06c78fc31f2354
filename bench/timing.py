"""Timing ways of doing the same work, alternated so that a noisy machine slows them all."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def paired(
    licensehub: Callable[[], object], baseline: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Median seconds of each, after one warm-up of each, run turn about."""
    ours, theirs = turn_about([licensehub, baseline], repeats)
    return ours, theirs


def turn_about(works: Sequence[Callable[[], object]], repeats: int) -> list[float]:
    """Median seconds of each work, after one warm-up of each, run one after the other in
    every round."""
    for work in works:
        work()
    times: list[list[float]] = [[] for _ in works]
    for _ in range(repeats):
        for work, taken in zip(works, times, strict=True):
            taken.append(timed(work))
    return [statistics.median(taken) for taken in times]
