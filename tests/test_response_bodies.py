"""Every GET that declares a response_model answers a body its model reads back as it is.

Most of these endpoints serialize their models themselves (kit/responses.py): FastAPI then
validates nothing they return, and `response_model` only documents the body. This walk asks
each of them, over the demo ledger with real path values, and reads the body back with the
declared model — strictly, then checking that nothing was added or left out — so that a body
written by hand cannot drift from what the OpenAPI document promises. The answer of
POST /imports/{kind}, written by hand too, is read back the same way.

Keys the models write under a serialization alias only (Veeam's `_links`) are read back under
their field's name: the model reads what the document shows, as a client would.

A GET route without a declared model, or whose body differs from its model's own on purpose,
is listed below with the reason; a new GET route that is neither fails here.
"""

from __future__ import annotations

import json
import re
import types
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import Engine

from licensehub.app import ROUTERS
from licensehub.kit.clock import now
from tests.auth.world import writer_operator_token
from tests.conftest import DEMO_AS_OF, ClientFactory
from tests.fuzz_entities import known_path_parameters

# The demo's day at noon: daily records and 31-day windows then hold rows on every run.
DEMO_NOON = datetime.combine(DEMO_AS_OF, time(12), tzinfo=UTC)

CATALOG = Path(__file__).parents[1] / "src" / "licensehub" / "demo" / "catalog.csv"

# GET routes that declare no response_model, and why.
UNDECLARED = {
    "/health": "a probe's status, not a resource: monitoring reads `status` and the code",
    "/partner/v1/analytics/commercial/usage/license": (
        "a page streamed from each row's stored JSON (partner_center/analytics.py), never "
        "built as models; tests/partner_center/test_usage_analytics.py checks its shape"
    ),
}

# GET routes whose JSON body the model reads, but which differs from the model's own dump on
# purpose: the keys the body leaves out, and why.
LEFT_OUT = {
    "/v1/customers/{customer_id}/users/{user_id}/licenses": (
        {"links"},
        "Partner Center's examples of this collection have no links",
    ),
}


def routes() -> list[APIRoute]:
    return [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]


def get_routes() -> list[APIRoute]:
    return [route for route in routes() if "GET" in (route.methods or ())]


def modelled_routes() -> list[APIRoute]:
    return [route for route in get_routes() if route.path not in UNDECLARED]


def test_every_get_route_declares_its_model_or_says_why_not() -> None:
    paths = {route.path for route in get_routes()}
    assert UNDECLARED.keys() <= paths, "an exemption names a route that no longer exists"
    assert LEFT_OUT.keys() <= paths, "an exemption names a route that no longer exists"
    for route in get_routes():
        if route.path in UNDECLARED:
            assert route.response_model is None, f"{route.path} declares a model: check it"
        else:
            assert route.response_model is not None, (
                f"GET {route.path}: declare response_model, or list it in UNDECLARED with why"
            )


def concrete(path: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"no real value for {{{name}}}: add one to the walk's values"
        return values[name]

    return re.sub(r"\{([^}]+)\}", value, path)


def by_field_name(annotation: Any, data: Any) -> Any:
    """The body with each key a model writes under its serialization alias renamed to the
    field's name, which is what the model reads; every other key is left as it is."""
    origin, args = get_origin(annotation), get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if not isinstance(data, dict):
            return data
        renamed = dict(data)
        for name, field in annotation.model_fields.items():
            written = field.serialization_alias or field.alias or name
            read = field.validation_alias if isinstance(field.validation_alias, str) else name
            if written in data:
                value = renamed.pop(written)
                renamed[read] = by_field_name(field.annotation, value)
        return renamed
    if origin is Annotated:
        return by_field_name(args[0], data)
    if origin in (Union, types.UnionType):
        members = [arg for arg in args if arg is not type(None)]
        return by_field_name(members[0], data) if len(members) == 1 and data is not None else data
    if origin is list and isinstance(data, list):
        return [by_field_name(args[0], item) for item in data]
    if origin is dict and isinstance(data, dict):
        return {key: by_field_name(args[1], value) for key, value in data.items()}
    return data


def empty_lists(body: Any) -> bool:
    """Whether the body, or a list at its top level (a page's items), is an empty list."""
    if isinstance(body, dict):
        return any(value == [] for value in body.values())
    return isinstance(body, list) and not body


def without(body: Any, keys: set[str]) -> Any:
    if isinstance(body, dict):
        return {key: value for key, value in body.items() if key not in keys}
    return body


def assert_reads_back(route: APIRoute, content_type: str, content: bytes) -> None:
    """The body is JSON, the route's model reads it strictly, and the model's own dump
    gives it back, but for the keys it leaves out on purpose."""
    assert content_type.split(";")[0] == "application/json", content_type
    adapter: TypeAdapter[Any] = TypeAdapter(route.response_model)
    body = json.loads(content)
    readable = by_field_name(route.response_model, body)
    model = adapter.validate_json(json.dumps(readable), strict=True)
    assert not empty_lists(body), f"{route.path}: no rows to read, nothing proved"
    left_out, _ = LEFT_OUT.get(route.path, (set(), ""))
    dumped = json.loads(
        adapter.dump_json(
            model,
            by_alias=route.response_model_by_alias,
            exclude_none=route.response_model_exclude_none,
        )
    )
    assert body == without(dumped, left_out), route.path


def test_every_declared_body_reads_back_as_its_model(
    make_client: ClientFactory,
    demo_url: str,
    demo_engine: Engine,
    subtests: pytest.Subtests,
) -> None:
    token = writer_operator_token(demo_engine, "bodies")
    values = known_path_parameters(demo_engine)[0]
    with make_client(demo_url) as client:
        client.app.dependency_overrides[now] = lambda: DEMO_NOON  # type: ignore[attr-defined]
        client.headers["Authorization"] = f"Bearer {token}"
        # The demo holds no import records (nor the audit events an import leaves): one import
        # gives /imports, /imports/{import_id} and /audit something to answer; its own answer
        # is written by hand too, and read back first.
        landed = client.post(
            "/imports/catalog", params={"filename": CATALOG.name}, content=CATALOG.read_bytes()
        )
        assert landed.status_code == 201, landed.text
        values["import_id"] = str(landed.json()["id"])

        with subtests.test("POST /imports/{kind}"):
            (post_import,) = [
                route
                for route in routes()
                if route.path == "/imports/{kind}" and "POST" in (route.methods or ())
            ]
            assert landed.status_code == post_import.status_code
            assert_reads_back(post_import, landed.headers["content-type"], landed.content)

        for route in modelled_routes():
            with subtests.test(route.path):
                response = client.get(concrete(route.path, values))
                assert response.status_code == 200, response.text
                assert_reads_back(route, response.headers["content-type"], response.content)
