"""The bench's replay routes (bench/replay_routes.py) restate each benchmarked endpoint's
signature, so that the bound parses what the endpoint parses: they take the same path, query
and header parameters and the same dependencies, besides the size of their constant body."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.constant_app import CORE_REPLAY_PATHS, REPLAY_PATHS, create_bench_app
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from licensehub.settings import Settings


def signature(dependant: Dependant) -> dict[str, list[str]]:
    """The route's parameters by where they come from, its own and its dependencies', and
    the dependencies it calls."""
    found: dict[str, list[str]] = {"path": [], "query": [], "header": [], "calls": []}
    pending = [dependant]
    while pending:
        current = pending.pop()
        found["path"] += [p.alias for p in current.path_params]
        found["query"] += [f"{p.alias} {p.field_info.metadata}" for p in current.query_params]
        found["header"] += [p.alias for p in current.header_params]
        for inner in current.dependencies:
            found["calls"].append(getattr(inner.call, "__qualname__", repr(inner.call)))
            pending.append(inner)
    return {kind: sorted(set(names)) for kind, names in found.items()}


@pytest.mark.parametrize("replays", [REPLAY_PATHS, CORE_REPLAY_PATHS], ids=["raw", "core"])
@pytest.mark.parametrize("real_path", sorted(REPLAY_PATHS))
def test_a_replay_route_takes_its_endpoints_parameters(
    tmp_path: Path, real_path: str, replays: dict[str, str]
) -> None:
    app = create_bench_app(Settings(database_url=f"sqlite:///{tmp_path}/x.db", data_dir=tmp_path))
    served = {r.path: r for r in app.router.routes if isinstance(r, APIRoute)}
    real, replay = served[real_path], served[replays[real_path]]
    wanted = signature(real.dependant)
    got = signature(replay.dependant)
    got["path"].remove("size")
    assert got == wanted
