"""Partner Center's resources as the JSON bodies it writes, built as plain dicts, or joined
from the JSON text the database wrote for their parts (user licenses, see queries.HELD).

The point lookups answer in about a millisecond, and building and validating a pydantic model
per service plan took a third of it; building and encoding a dict per plan still cost user
licenses more than its statements (bench/HISTORY.md). The models in schemas.py stay the
routes' `response_model`, so the OpenAPI document describes these bodies, and
tests/partner_center/test_resources.py holds the bodies to what the models write, byte for
byte, and their values to the catalog's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row

from licensehub.partner_center.guids import guid_text


def collection(
    items: list[dict[str, Any]], links: dict[str, Any] | None = None, *, total: int | None = None
) -> dict[str, Any]:
    """A collection of `total` items (default: all are here); `links` None leaves the key
    out, as Partner Center's license lists do."""
    body: dict[str, Any] = {
        "totalCount": len(items) if total is None else total,
        "items": items,
    }
    if links is not None:
        body["links"] = links
    body["attributes"] = {"objectType": "Collection"}
    return body


def link(uri: str) -> dict[str, Any]:
    return {"uri": uri, "method": "GET", "headers": []}


def customer(row: Row[Any]) -> dict[str, Any]:
    tenant_id = str(row.tenant_id)
    return {
        "id": tenant_id,
        "companyProfile": {
            "tenantId": tenant_id,
            "domain": row.default_domain,
            "companyName": row.name,
            "attributes": {"objectType": "CustomerCompanyProfile"},
        },
        "relationshipToPartner": row.channel,
        "links": {"self": link(f"/customers/{tenant_id}")},
        "attributes": {"objectType": "Customer"},
    }


def product_sku(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": guid_text(row.sku_id),
        "name": row.product_name,
        "skuPartNumber": row.sku_part_number,
        "targetType": row.target_type,
        "licenseGroupId": row.license_group,
    }


def service_plan(row: Row[Any], status: str) -> dict[str, Any]:
    return {
        "displayName": row.display_name,
        "serviceName": row.service_name,
        "id": guid_text(row.service_plan_id),
        "capabilityStatus": status,
        "targetType": row.target_type,
    }


def subscribed_sku(row: Row[Any], plans: Sequence[Row[Any]]) -> dict[str, Any]:
    """A SKU's seats: `row` from queries.SUBSCRIBED, `plans` the SKU's service plans."""
    total = row.enabled_units + row.warning_units
    return {
        "availableUnits": total - row.consumed,
        "activeUnits": row.enabled_units,
        "consumedUnits": row.consumed,
        "suspendedUnits": row.suspended_units,
        "totalUnits": total,
        "warningUnits": row.warning_units,
        "productSku": product_sku(row),
        "servicePlans": [service_plan(plan, "Enabled") for plan in plans],
        "capabilityStatus": row.capability_status,
        "attributes": {"objectType": "SubscribedSku"},
    }


def user_license_text(sku: str, plans: list[str]) -> str:
    """A license a user holds, as JSON text from its productSku and its servicePlans' JSON
    text (queries.user_licenses)."""
    return (
        f'{{"servicePlans":[{",".join(plans)}],"productSku":{sku},'
        '"attributes":{"objectType":"License"}}'
    )


def collection_text(items: list[str]) -> str:
    """collection() of items that are JSON text already, with no links."""
    return (
        f'{{"totalCount":{len(items)},"items":[{",".join(items)}],'
        '"attributes":{"objectType":"Collection"}}'
    )
