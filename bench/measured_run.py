"""Run a command and write its wall-clock seconds and peak memory (KiB) to a file:
`python measured_run.py OUT COMMAND...`, exiting with the command's status.

Run by path, importing nothing of the bench: Linux counts the memory of the process that
forked a child into the child's peak (ru_maxrss keeps the larger of the two at exec). Forked
from the bench itself, which may hold a million rows of baseline, an import would be charged
for them; forked from this small process, it is charged a few MB at most."""

from __future__ import annotations

import os
import sys
import time


def main() -> int:
    out, command = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(command[0], command)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    with open(out, "w") as file:
        file.write(f"{seconds} {usage.ru_maxrss}\n")
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
