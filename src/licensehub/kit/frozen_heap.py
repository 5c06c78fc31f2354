"""The objects a process keeps for its whole life (modules, the tables' metadata, the app and
its routes), kept out of the cyclic garbage collector's way while the process works: every
full collection would walk all of them again.

A served request allocates a few hundred objects and frees most of them by reference count;
still, with the collector's default thresholds a full collection comes every few hundred
requests, and on the app's ~140,000 objects it took as long as dozens of point lookups. An
import allocates millions, and its collections walked the same objects again: a fifth of a
large Graph import's time (bench/HISTORY.md)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class FrozenHeap:
    """gc.freeze() for as long as any holder holds it. The heap is frozen when the first
    holder begins and given back to the collector when the last one ends: imports overlap
    (the server runs each in a thread of its own) and the served app holds it for its whole
    life, so one holder ending must not unfreeze the others'. Frozen objects left in cycles
    are collected only when the last holder ends (for the served app, at its shutdown); what
    is freed by reference counting always was."""

    def __init__(self) -> None:
        self.lock, self.holders = threading.Lock(), 0

    @contextmanager
    def held(self) -> Iterator[None]:
        with self.lock:
            self.holders += 1
            if self.holders == 1:
                gc.freeze()
        try:
            yield
        finally:
            with self.lock:
                self.holders -= 1
                if self.holders == 0:
                    gc.unfreeze()


heap_frozen = FrozenHeap().held
