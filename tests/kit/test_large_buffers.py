"""kit.large_buffers: an analytics page's buffers come from the heap, reused, not mapped anew
(and faulted in page by page) for every request."""

from __future__ import annotations

import sys
import threading

import pytest

from licensehub.kit.large_buffers import keep_large_buffers

resource = pytest.importorskip("resource")
PAGE_BODY = 4 << 20  # a full page of 10,000 rows
PAGES = 4096


def page_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def buffers_like_a_page() -> int:
    """Page faults while three page-sized buffers are made, written and freed, five times."""
    before = page_faults()
    for _ in range(5):
        text = "x" * PAGE_BODY
        body = text.encode()
        whole = b"".join([b"[", body, b"]"])
        del text, body, whole
    return page_faults() - before


def in_a_worker_thread() -> int:
    """buffers_like_a_page() in a thread of its own, as the served app builds pages."""
    faults: list[int] = []

    def work() -> None:
        buffers_like_a_page()  # the thread's heap grows once
        faults.append(buffers_like_a_page())

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    return faults[0]


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's malloc")
@pytest.mark.parametrize("where", ["main thread", "worker thread"])
def test_a_page_sized_buffer_is_reused_not_faulted_in_again(where: str) -> None:
    if not keep_large_buffers():
        pytest.skip("not glibc")
    if where == "main thread":
        buffers_like_a_page()  # the heap grows once
        faults = buffers_like_a_page()
    else:
        faults = in_a_worker_thread()
    # Mapped anew each time, the 15 buffers would fault in ~15,000 pages.
    assert faults < PAGE_BODY // PAGES
