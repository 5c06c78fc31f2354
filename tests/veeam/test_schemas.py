"""Every answer of the Veeam organization routes matches Veeam's v6 document (the `api`
fixture checks each response it gets; here, one of each kind on purpose), the check itself
is strict, and the fallback copy of the schemas is true to the document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import ValidationError

from tests.auth.world import World
from tests.veeam import serving, spec
from tests.veeam.serving import HUMONGOUS, WOODGROVE
from tests.veeam.spec import (
    FALLBACK_SCHEMAS,
    OPERATIONS,
    json_schema,
    named,
    spec_operation,
    spec_schemas,
    template_of,
    validate,
    validate_response,
)


def test_one_answer_of_each_kind_matches_the_document(api: TestClient, world: World) -> None:
    missing = world.missing
    answers = [
        api.get("/v6/Organizations"),
        api.get(f"/v6/Organizations/{WOODGROVE}"),
        api.get(f"/v6/Organizations/{WOODGROVE}/LicensingInformation"),
        api.get("/v6/LicensedUsers", params={"organizationId": str(HUMONGOUS), "limit": 300}),
        api.get(f"/v6/Organizations/{missing}"),
        api.get(f"/v6/Organizations/{missing}/LicensingInformation"),
        api.get("/v6/LicensedUsers", params={"organizationId": str(missing)}),
        api.get("/v6/Organizations/x/LicensingInformation"),
        api.get("/v6/LicensedUsers", params={"limit": "many"}),
        api.get("/v6/Organizations", headers={"Authorization": "Bearer nope"}),
    ]
    assert [a.status_code for a in answers] == [200] * 4 + [404] * 3 + [400] * 2 + [401]
    for answer in answers:
        validate_response(answer)  # the fixture's hook did too; this names the check


def test_licensing_information_has_exactly_the_pages_keys(api: TestClient) -> None:
    body = api.get(f"/v6/Organizations/{WOODGROVE}/LicensingInformation").json()
    assert set(body) == {"licensedUsers", "newUsers"}


GOOD_USER = {
    "id": "93089cfa-81d6-4551-8a7b-a7290868d6f9",
    "name": "User ABC",
    "isBackedUp": True,
    "lastBackupDate": "2017-11-05T17:50:35Z",
    "licenseState": "Licensed",
    "organizationId": "feccc769-5f39-4797-8918-96df38908a90",
    "backedUpOrganizationId": "5a905bb5-9071-433c-9d2f-f805d4da2cf4",
    "organizationName": "organization ABC",
    "_links": {"organization": {"href": "https://x/v6/Organizations/1"}},
}


@pytest.mark.parametrize(
    "change",
    [
        {"licenseState": "licensed"},  # the enum's spelling
        {"lastBackupDate": "2017-11-05T17:50:35"},  # no offset: not RFC 3339
        {"organizationId": "feccc769"},  # not a GUID
        {"isBackedUp": "true"},  # a string, as Veeam's own v3 example has it
        {"invented": 1},  # a property the schema does not name
        {"_links": {"organization": {"url": "https://x"}}},
    ],
)
def test_the_check_is_strict(change: dict[str, Any]) -> None:
    validate(GOOD_USER, named("RESTLicensedUser"))
    with pytest.raises(ValidationError):
        validate(GOOD_USER | change, named("RESTLicensedUser"))


def test_nullable_is_understood() -> None:
    organization = {"id": None, "firstBackuptime": None, "type": None, "isBackedup": None}
    validate(organization, named("RestOrganizationComposed"))
    with pytest.raises(ValidationError):
        validate({"name": None}, named("RestOrganizationComposed"))


def test_the_operations_are_recognised_as_the_app_routes_them() -> None:
    assert template_of("/v6/organizations/abc/licensinginformation") == (
        "/v6/Organizations/{organizationId}/LicensingInformation"
    )
    assert template_of("/v6/LicensedUsers") == "/v6/LicensedUsers"
    assert template_of("/v6/Organizations/abc/Users") is None


def document_schemas() -> dict[str, Any]:
    found = spec_schemas()
    if found is None:
        pytest.skip("../shared/specs/veeam/vb365_rest_v6.json is not beside this checkout")
    return found


@pytest.mark.parametrize("name", sorted(FALLBACK_SCHEMAS))
def test_the_fallback_copy_is_true_to_the_document(name: str) -> None:
    """Equal once descriptions and examples are dropped; RestOrganizationComposed's copy holds
    only the properties licensehub serves."""
    document = json_schema(document_schemas()[name])
    copy = json_schema(FALLBACK_SCHEMAS[name])
    for key, value in copy.items():
        if key == "properties":
            for prop, schema in value.items():
                assert schema == document["properties"][prop], (name, prop)
        else:
            assert value == document[key], (name, key)


@pytest.mark.parametrize("path", sorted(OPERATIONS))
def test_the_fallback_operations_are_the_documents(path: str) -> None:
    document_schemas()
    ok, default = spec_operation(path)
    assert ok == OPERATIONS[path]
    assert default == named("RESTExceptionInfo")


@pytest.fixture
def without_shared(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """As in a fresh clone: no ../shared beside the checkout."""
    monkeypatch.setattr(spec, "SPEC_PATH", tmp_path / "absent.json")
    spec.document.cache_clear()
    spec.definitions.cache_clear()
    yield
    spec.document.cache_clear()
    spec.definitions.cache_clear()


@pytest.mark.usefixtures("without_shared")
def test_without_the_document_the_fallback_checks_the_answers(api: TestClient) -> None:
    assert spec.spec_schemas() is None
    answers = [
        api.get("/v6/Organizations"),
        api.get(f"/v6/Organizations/{WOODGROVE}/LicensingInformation"),
        api.get("/v6/LicensedUsers", params={"limit": 5}),
        api.get("/v6/Organizations/x"),
    ]
    for answer in answers:
        validate_response(answer)
    with pytest.raises(ValidationError):
        validate(GOOD_USER | {"licenseState": "Gone"}, named("RESTLicensedUser"))


def test_the_fixture_checks_every_answer_of_the_routes(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    monkeypatch.setattr(serving, "validate_response", lambda r: checked.append(r.url.path))
    api.get("/v6/Organizations")
    api.get("/v6/licensedusers", params={"limit": "x"})
    api.get("/openapi.json")
    assert checked == ["/v6/Organizations", "/v6/licensedusers"]
