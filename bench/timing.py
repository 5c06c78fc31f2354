"""Timing two ways of doing the same work, alternated so that a noisy machine slows both."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def paired(
    licensehub: Callable[[], object], baseline: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Median seconds of each, after one warm-up of each, run turn about."""
    licensehub()
    baseline()
    ours, theirs = [], []
    for _ in range(repeats):
        ours.append(timed(licensehub))
        theirs.append(timed(baseline))
    return statistics.median(ours), statistics.median(theirs)


def median_seconds(work: Callable[[], object], repeats: int) -> float:
    """Median seconds of `work`, after one warm-up."""
    work()
    return statistics.median(timed(work) for _ in range(repeats))
