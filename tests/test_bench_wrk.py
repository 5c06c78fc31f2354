"""The bench's rounds of load (bench/wrk.median_round): one slow round moves a figure little."""

from __future__ import annotations

from bench.wrk import LoadResult, median_round

NO_ERRORS = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}


def load(requests: int, p50_ms: float, **errors: int) -> LoadResult:
    return LoadResult(requests, 3.0, p50_ms, p50_ms * 2, NO_ERRORS | errors)


def test_the_round_of_median_rate_stands_for_the_load() -> None:
    rounds = [load(3000, 1.0), load(900, 9.0), load(3300, 0.9), load(3100, 1.1), load(2900, 1.2)]
    combined = median_round(rounds)
    assert combined.per_second == 1000  # 3,000 in 3 s: the slow spell's 900 left out
    assert (combined.p50_ms, combined.p99_ms) == (1.0, 2.0)  # that round's latencies
    assert not combined.failed
    assert not combined.stalled


def test_every_rounds_errors_and_stalls_are_kept() -> None:
    stalled = LoadResult(10, 3.0, 5.0, 50.0, NO_ERRORS | {"timeout": 2}, stalled=True)
    combined = median_round([load(3000, 1.0, status=1), stalled, load(3100, 1.0, status=3)])
    assert combined.errors["status"] == 4
    assert combined.errors["timeout"] == 2
    assert combined.failed
    assert combined.stalled
