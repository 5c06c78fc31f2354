"""kit.large_buffers: an analytics page's buffers come from the heap, reused, not mapped anew
(and faulted in page by page) for every request."""

from __future__ import annotations

import sys

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


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's malloc")
def test_a_page_sized_buffer_is_reused_not_faulted_in_again() -> None:
    if not keep_large_buffers():
        pytest.skip("not glibc")
    buffers_like_a_page()  # the heap grows once
    # Mapped anew each time, the 15 buffers would fault in ~15,000 pages.
    assert buffers_like_a_page() < PAGE_BODY // PAGES
