"""Large buffers taken from the heap and kept there once freed, not mapped anew each time.

An analytics page is one body of 1-4 MB, built in two or three such buffers (the rows'
joined text, its bytes, the body). glibc's malloc gives each buffer over its threshold a
fresh mapping and unmaps it when freed, or trims the heap's top back to the system: every
request then touches its pages for the first time again, ~250 page faults a megabyte. On
the first page of 2,740 rows (1.1 MB) that was 1.2 ms of the 1.3 ms spent joining and
encoding the rows (bench/HISTORY.md). Served from the heap and kept, the same buffers
cost 0.2 ms.

Process-wide and glibc's alone: elsewhere (musl, macOS, Windows) nothing changes. An
allocator preloaded in glibc's place (jemalloc, tcmalloc) keeps its own ways.
"""

from __future__ import annotations

import ctypes

# mallopt()'s parameters (glibc's malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
# A full page of 10,000 rows is ~4 MB; a streamed page's chunks are half that.
MMAP_THRESHOLD = 8 << 20
# Freed memory an arena keeps at its top before giving any back: a few pages' worth. Pages
# are built in the worker threads, which glibc spreads over up to 8 arenas a core, each
# keeping what its largest page used; a few arenas keep that bounded (4 x 32 MB at the very
# most, ~4 x 3 MB for the usual first page of 1.1 MB). Under the GIL, threads rarely
# allocate at the same moment, which is what more arenas are for.
TRIM_THRESHOLD = 32 << 20
ARENAS = 4


def keep_large_buffers() -> bool:
    """Set malloc's thresholds above an analytics page; False where there is no glibc."""
    try:
        process = ctypes.CDLL(None)
    except (OSError, TypeError):  # TypeError: Windows has no handle for the process itself
        return False
    mallopt = getattr(process, "mallopt", None)
    if mallopt is None:
        return False
    # Setting either threshold also ends glibc's own adjusting of both: set them together.
    settings = ((M_ARENA_MAX, ARENAS), (M_MMAP_THRESHOLD, MMAP_THRESHOLD),
                (M_TRIM_THRESHOLD, TRIM_THRESHOLD))  # fmt: skip
    return all(mallopt(parameter, value) == 1 for parameter, value in settings)
