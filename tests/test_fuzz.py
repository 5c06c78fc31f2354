"""Every operation of the OpenAPI document, fuzzed with schemathesis over the demo ledger.

Whatever a client sends, no request may answer 500, and every response must match the schema
the document declares for its status. The run is bounded and derandomized: it adds about a
minute per store to the suite and finds the same cases on every machine.

Each operation is a test of its own, on a fresh demo ledger: no operation's writes change what
another one finds, whatever order xdist runs them in. (schemathesis' own pytest integration,
`from_fixture`, does not run on pytest 9.2: it reads the removed `Node._nodeid`.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine

from licensehub.app import create_app
from licensehub.kit.clock import now
from licensehub.settings import Settings
from tests.auth.world import writer_operator_token
from tests.fuzz_entities import known_path_parameters

# Noon of the demo's as-of day (tests/conftest.py): the fuzzed app's "now", so that its daily
# records and 31-day windows are the same on every run.
DEMO_NOON = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

# Per operation and generation mode; the whole document at this bound takes about a minute
# per store on 2 cores.
EXAMPLES_PER_OPERATION = 20

# No 500, and every answer as the document declares it: a declared status, a declared media
# type, and a body that matches the schema declared for both.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def documented_operations() -> list[tuple[str, str, GenerationMode]]:
    """(method, path, mode) of every operation; building the document connects to nothing.

    An operation without parameters, body or security has nothing to get wrong: no negative
    mode for it.
    """
    app = create_app(Settings(database_url="sqlite://", data_dir=Path("unused")))
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            negatable = any(key in operation for key in ("parameters", "requestBody", "security"))
            for mode in GenerationMode:
                if mode.is_positive or negatable:
                    found.append((method.upper(), path, mode))
    return found


def cases(
    operation: APIOperation, mode: GenerationMode, known: list[dict[str, str]]
) -> st.SearchStrategy[schemathesis.Case]:
    """Generated path parameters, or real ones from the demo with everything else generated."""
    names = {parameter.name for parameter in operation.path_parameters}
    generated = operation.as_strategy(mode)
    if not names:
        return generated
    real = [{name: values[name] for name in names} for values in known if names <= values.keys()]
    if not real:
        return generated
    return generated | st.sampled_from(real).flatmap(
        lambda values: operation.as_strategy(mode, path_parameters=values)
    )


@pytest.fixture
def fuzzed_app(demo_url: str, tmp_path: Path) -> Iterator[FastAPI]:
    app = create_app(Settings(database_url=demo_url, data_dir=tmp_path))
    app.dependency_overrides[now] = lambda: DEMO_NOON
    yield app
    # schemathesis keeps an app's lifespan running until the process ends; it must end here,
    # before the test's database is dropped under the app's engine.
    asgi.shutdown_lifespans()


@pytest.mark.parametrize(("method", "path", "mode"), documented_operations())
def test_no_request_breaks_the_document(
    fuzzed_app: FastAPI,
    demo_engine: Engine,
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    token = writer_operator_token(demo_engine, "fuzz")
    known = known_path_parameters(demo_engine)
    operation = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)[path][method]

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases(operation, mode, known))
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    call()
