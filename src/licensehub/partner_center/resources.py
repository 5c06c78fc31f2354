"""Partner Center's resources as the JSON bodies it writes: built as plain dicts, or, for the
license lookups, joined from the JSON text the database wrote for their parts.

The point lookups answer in about a millisecond, and building and validating a pydantic model
per service plan took a third of it; building and encoding a dict per plan still cost the
license lookups more than their statements (bench/HISTORY.md). The models in schemas.py stay the
routes' `response_model`, so the OpenAPI document describes these bodies, and
tests/partner_center/test_resources.py holds the bodies to what the models write, byte for
byte, and their values to the catalog's rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row


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


# The license lookups' bodies, joined from the JSON text the database wrote for their SKUs
# and plans (licenses.py).


def subscribed_sku_text(row: Row[Any]) -> str:
    """A SKU's seats: `row` from licenses.subscribed_statement, with its service plans."""
    total = row.enabled_units + row.warning_units
    return (
        f'{{"availableUnits":{total - row.consumed},"activeUnits":{row.enabled_units},'
        f'"consumedUnits":{row.consumed},"suspendedUnits":{row.suspended_units},'
        f'"totalUnits":{total},"warningUnits":{row.warning_units},"productSku":{row.sku},'
        f'"servicePlans":[{row.plans or ""}],'
        f'"capabilityStatus":{json.dumps(row.capability_status)},'
        '"attributes":{"objectType":"SubscribedSku"}}'
    )


def user_license_text(sku: str, plans: str | None) -> str:
    """A license a user holds: its productSku and its servicePlans, joined already
    (licenses.held_statement)."""
    return (
        f'{{"servicePlans":[{plans or ""}],"productSku":{sku},'
        '"attributes":{"objectType":"License"}}'
    )


def collection_text(items: Sequence[str], *, links: bool = False) -> str:
    """collection() of items that are JSON text already; `links` an empty object, or none."""
    return (
        f'{{"totalCount":{len(items)},"items":[{",".join(items)}],'
        + ('"links":{},' if links else "")
        + '"attributes":{"objectType":"Collection"}}'
    )
