"""Load from wrk: C, event-driven, so that the load generator is not what limits a Python
server. Installed from Debian's packages when missing (as root); a Lua script spreads the
requests over many paths and reports its figures as one line we parse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

RESULT_MARK = "BENCH_RESULT"

# Each wrk thread runs this in a Lua state of its own: requests are formatted once, up front,
# so that the generator spends its time on the network, not on building strings.
SCRIPT = """\
local paths = {paths}
wrk.headers["Authorization"] = {authorization}
local requests = {{}}
local count = 0

function setup(thread)
  thread:set("seed", count)
  count = count + 1
end

function init(args)
  math.randomseed(1000 + (seed or 0))
  for i, path in ipairs(paths) do
    requests[i] = wrk.format("GET", path)
  end
end

function request()
  return requests[math.random(#requests)]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("{mark} %d %d %d %d %d %d %d %d %d\\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


class WrkUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]
    stalled: bool = False  # the server answered nothing more once the load was over

    @property
    def answered(self) -> int:
        """Requests answered with a success: wrk counts the others among its requests too."""
        return self.requests - self.errors["status"]

    @property
    def per_second(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    @property
    def failed(self) -> bool:
        return self.answered == 0 or any(self.errors.values())


def median_round(rounds: Sequence[LoadResult]) -> LoadResult:
    """Rounds of one load as one: the round of the median rate, with its latencies, every
    round's errors, and stalled if any round stalled. A noisy moment on the machine slows
    one round, and moves the median little."""
    ranked = sorted(rounds, key=lambda result: result.per_second)
    middle = ranked[len(ranked) // 2]
    errors = {kind: sum(result.errors[kind] for result in rounds) for kind in middle.errors}
    return replace(middle, errors=errors, stalled=any(result.stalled for result in rounds))


def wrk_binary() -> str:
    """wrk's path; installed with apt-get when missing and we may (root on Debian)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise WrkUnavailable(
            "wrk is not installed and cannot be installed here (needs root and apt-get); "
            "install it, e.g. `sudo apt-get install wrk`"
        )
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise WrkUnavailable(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")
    found = shutil.which("wrk")
    if found is None:
        raise WrkUnavailable("apt-get installed wrk but it is not on PATH")
    return found


def lua_string(value: str) -> str:
    # A JSON string of ASCII text is a valid Lua string literal.
    return json.dumps(value, ensure_ascii=True)


def script_text(paths: Sequence[str], authorization: str) -> str:
    table = "{" + ",".join(lua_string(path) for path in paths) + "}"
    return SCRIPT.format(paths=table, authorization=lua_string(authorization), mark=RESULT_MARK)


def parse(output: str) -> LoadResult:
    line = next((line for line in output.splitlines() if line.startswith(RESULT_MARK)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    values = [int(v) for v in line.split()[1:]]
    requests, duration_us, connect, read, write, status, timeout, p50_us, p99_us = values
    return LoadResult(
        requests=requests,
        seconds=duration_us / 1e6,
        p50_ms=p50_us / 1000,
        p99_ms=p99_us / 1000,
        errors={"connect": connect, "read": read, "write": write, "status": status,
                "timeout": timeout},
    )  # fmt: skip


def run_load(
    base: str, paths: Sequence[str], authorization: str, connections: int, seconds: int
) -> LoadResult:
    """`connections` keep-alive connections sending GETs of randomly picked `paths` for
    `seconds`. Failures (errors, or nothing answered at all) are reported, not raised:
    a server that stalls under load is a finding."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(script_text(paths, authorization))
    try:
        threads = min(connections, 2)  # the machine's cores; the server needs one
        command = [wrk_binary(), "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                   "--timeout", "30s", "-s", script.name, base]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    finally:
        Path(script.name).unlink()
    return parse(done.stdout)
