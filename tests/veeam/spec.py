"""Veeam's v6 OpenAPI document, as JSON Schema the jsonschema library checks responses with.

The document is read from ../shared when this checkout has it; a fresh clone falls back to a
copy of the few schemas and operations licensehub serves (a test keeps the copy true to the
document). OpenAPI 3.0's `nullable` becomes a JSON Schema null type, and objects allow no
property their schema does not name, so that licensehub invents no field.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from functools import cache
from typing import Any

import httpx
from jsonschema import Draft202012Validator, FormatChecker

from tests.shared import SHARED

SPEC_PATH = SHARED / "specs" / "veeam" / "vb365_rest_v6.json"
REF = "#/components/schemas/"

# The operations licensehub serves: GET only, their 200 schema and the default error.
OPERATIONS = {
    "/v6/Organizations": {"type": "array", "items": {"$ref": REF + "RestOrganizationComposed"}},
    "/v6/Organizations/{organizationId}": {"$ref": REF + "RestOrganizationComposed"},
    "/v6/Organizations/{organizationId}/LicensingInformation": {
        "$ref": REF + "RESTOrganizationLicensingInformation"
    },
    "/v6/LicensedUsers": {"$ref": REF + "PageOfRESTLicensedUser"},
}

DATE_TIME = {"type": "string", "format": "date-time"}
NULLABLE_DATE_TIME = {**DATE_TIME, "nullable": True}
NULLABLE_BOOL = {"type": "boolean", "nullable": True}
NULLABLE_UUID = {"type": "string", "format": "uuid", "nullable": True}
INT32 = {"type": "integer", "format": "int32"}
LINKS = {"$ref": REF + "RESTLinkHALDictionary"}

# The schemas of vb365_rest_v6.json these tests need (RestOrganizationComposed: the properties
# licensehub serves), for a checkout without ../shared.
FALLBACK_SCHEMAS: dict[str, Any] = {
    "RESTExceptionInfo": {"type": "object", "properties": {"message": {"type": "string"}}},
    "RESTLinkHAL": {"type": "object", "properties": {"href": {"type": "string"}}},
    "RESTLinkHALDictionary": {
        "type": "object",
        "additionalProperties": {"$ref": REF + "RESTLinkHAL"},
    },
    "RESTOrganizationLicensingInformation": {
        "type": "object",
        "properties": {"licensedUsers": INT32, "newUsers": INT32},
    },
    "RestOrganizationType": {
        "enum": ["Office365", "OnPremises", "Hybrid"],
        "type": "string",
        "nullable": True,
    },
    "RestOrganizationComposed": {
        "type": "object",
        "properties": {
            "isTeamsOnline": NULLABLE_BOOL,
            "isExchangeOnline": NULLABLE_BOOL,
            "isSharePointOnline": NULLABLE_BOOL,
            "type": {"$ref": REF + "RestOrganizationType"},
            "id": {**NULLABLE_UUID, "readOnly": True},
            "name": {"type": "string"},
            "officeName": {"type": "string"},
            "isBackedup": NULLABLE_BOOL,
            "firstBackuptime": NULLABLE_DATE_TIME,
            "lastBackuptime": NULLABLE_DATE_TIME,
            "_links": {
                "type": "object",
                "additionalProperties": {"$ref": REF + "RESTLinkHAL"},
                "readOnly": True,
            },
        },
    },
    "RESTLicensedUser": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "isBackedUp": {"type": "boolean"},
            "lastBackupDate": DATE_TIME,
            "licenseState": {
                "enum": ["Licensed", "New", "TemporarilyAssigned", "Exceeded"],
                "type": "string",
            },
            "organizationId": NULLABLE_UUID,
            "backedUpOrganizationId": {"type": "string"},
            "organizationName": {"type": "string"},
            "_links": LINKS,
        },
    },
    "PageOfRESTLicensedUser": {
        "required": ["offset", "limit", "results"],
        "type": "object",
        "properties": {
            "offset": INT32,
            "limit": INT32,
            "setId": {"type": "string", "format": "uuid"},
            "results": {"type": "array", "items": {"$ref": REF + "RESTLicensedUser"}},
            "_links": LINKS,
            "totalCount": {**INT32, "nullable": True},
        },
    },
    "RESTLicense": {
        "type": "object",
        "properties": {
            "licenseID": NULLABLE_UUID,
            "email": {"type": "string"},
            "status": {"enum": ["Valid", "Expired"], "type": "string"},
            "expirationDate": NULLABLE_DATE_TIME,
            "type": {
                "enum": [
                    "Subscription",
                    "Evaluation",
                    "NFR",
                    "Rental",
                    "Community",
                    "AwsPrivateOffer",
                ],
                "type": "string",
            },
            "licensedTo": {"type": "string"},
            "contactPerson": {"type": "string"},
            "totalNumber": INT32,
            "usedNumber": INT32,
            "newNumber": INT32,
            "supportID": {"type": "string"},
            "supportExpirationDate": NULLABLE_DATE_TIME,
        },
    },
}


@cache
def document() -> dict[str, Any] | None:
    if not SPEC_PATH.exists():
        return None
    loaded: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


def spec_schemas() -> dict[str, Any] | None:
    spec = document()
    return None if spec is None else dict(spec["components"]["schemas"])


def spec_operation(path: str) -> tuple[Any, Any]:
    """The 200 and default response schemas of GET `path` in the document."""
    spec = document()
    assert spec is not None
    responses = spec["paths"][path]["get"]["responses"]
    pick = [responses[code]["content"]["application/json"]["schema"] for code in ("200", "default")]
    return pick[0], pick[1]


def schemas() -> dict[str, Any]:
    return spec_schemas() or FALLBACK_SCHEMAS


DROPPED = ("nullable", "example", "readOnly", "writeOnly", "description")


def json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema to JSON Schema 2020-12, strict about unnamed properties."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: json_schema(member) for name, member in value.items()}
        elif key == "$ref":
            out[key] = value.replace(REF, "#/$defs/")
        elif key not in DROPPED and not key.startswith("x-"):
            out[key] = json_schema(value)
    if node.get("type") == "object" and "properties" in node:
        out.setdefault("additionalProperties", False)
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value):
        raise ValueError(f"{value!r} is not an RFC 3339 date-time")
    datetime.fromisoformat(value)
    return True


def is_uuid(value: object) -> bool:
    if isinstance(value, str) and str(uuid.UUID(value)) != value.lower():
        raise ValueError(f"{value!r} is not a GUID in its 8-4-4-4-12 form")
    return True


FORMATS = FormatChecker()
FORMATS.checks("date-time", raises=ValueError)(is_date_time)
FORMATS.checks("uuid", raises=ValueError)(is_uuid)


@cache
def definitions() -> dict[str, Any]:
    return {name: json_schema(schema) for name, schema in schemas().items()}


def validate(instance: Any, schema: Any) -> None:
    """Raise jsonschema.ValidationError unless `instance` matches the OpenAPI `schema`."""
    root = {**json_schema(schema), "$defs": definitions()}
    Draft202012Validator(root, format_checker=FORMATS).validate(instance)


def named(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def template_of(path: str) -> str | None:
    """The served operation a request path is for, matched as the app does: case-insensitively."""
    for template in OPERATIONS:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path, flags=re.IGNORECASE):
            return template
    return None


def validate_response(response: httpx.Response) -> None:
    """A response of a served operation: its 200 schema, or RESTExceptionInfo otherwise."""
    template = template_of(response.request.url.path)
    assert template is not None, response.request.url
    ok, default = OPERATIONS[template], named("RESTExceptionInfo")
    if spec_schemas() is not None:
        ok, default = spec_operation(template)
    validate(response.json(), ok if response.status_code == 200 else default)
