"""licensehub served as users run it (`licensehub serve`), in a process of its own."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
PROJECT = Path(__file__).resolve().parent.parent  # where `python -m bench...` imports from


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(
    url: str, workers_env: dict[str, str] | None = None, *, bench_app: bool = False
) -> Iterator[str]:
    """The base URL of a licensehub serving the database at `url`; its logs go nowhere (they
    are still rendered: a real deployment pays for them too). With `bench_app`, the app is
    bench.constant_app's (the product's plus constant-body routes), served the same way."""
    port = free_port()
    env = os.environ | {"LICENSEHUB_DATABASE_URL": url, "LICENSEHUB_LOG_FORMAT": "json"}
    env |= workers_env or {}
    command = (
        [sys.executable, "-m", "bench.constant_app", "--port", str(port)]
        if bench_app
        else [str(BIN / "licensehub"), "serve", "--port", str(port)]
    )
    process = subprocess.Popen(
        command,
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None:
                raise RuntimeError("licensehub serve exited at start")
            time.sleep(0.1)
        else:
            raise RuntimeError("licensehub serve did not answer /health")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # stalled (a load test can leave it so): no grace
            process.kill()
            process.wait()
