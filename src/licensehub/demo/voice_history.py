"""Ninety days of Live Platform license-info records, as the demo's services would have
written them: a number counts from the day it was last changed, an interface user from the
day of its update. Today's record is left to the first read, as in real life."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select

from licensehub.demo.context import DemoContext
from licensehub.ledger.tables import (
    tenants,
    voice_license_factors,
    voice_license_info_days,
    voice_monitored_users,
    voice_phone_numbers,
    voice_services,
)
from licensehub.live_platform.queries import day_record
from licensehub.live_platform.rules import FACTOR_NAMES, Monitored, Number, count, effective_factors

DAYS = 90
# A number's columns in rules.Number's order.
NUMBER_COLUMNS = (
    voice_phone_numbers.c.number_type,
    voice_phone_numbers.c.assignment_status,
    voice_phone_numbers.c.target_type,
    voice_phone_numbers.c.user_id,
    voice_phone_numbers.c.voice_routing_policy,
    voice_phone_numbers.c.target_id,
)


def settings(rows: list[Any], column: str, key: int) -> dict[str, bool | None] | None:
    for row in rows:
        if row._mapping[column] == key:
            return {field: row._mapping[field] for field in FACTOR_NAMES}
    return None


def build_voice_history(ctx: DemoContext) -> None:
    connection = ctx.connection
    factor_rows = list(connection.execute(select(voice_license_factors)))
    services = connection.execute(
        select(voice_services, tenants.c.partner_id)
        .join(tenants, tenants.c.id == voice_services.c.tenant_id)
        .where(voice_services.c.ump_customer_guid.is_not(None))
    ).all()
    records = []
    for service in services:
        numbers = connection.execute(
            select(voice_phone_numbers.c.updated_at, *NUMBER_COLUMNS).where(
                voice_phone_numbers.c.service_id == service.id
            )
        ).all()
        monitored = connection.execute(
            select(voice_monitored_users).where(voice_monitored_users.c.service_id == service.id)
        ).all()
        factors = effective_factors(
            settings(factor_rows, "partner_id", service.partner_id),
            settings(factor_rows, "service_id", service.id),
        )
        for days_back in range(DAYS, 0, -1):
            day = ctx.as_of - timedelta(days=days_back)
            end = datetime.combine(day, time.max, tzinfo=UTC)
            present = [n for n in numbers if n.updated_at <= end]
            counts = count(
                [Number(*number) for _updated_at, *number in present],
                [
                    Monitored(
                        m.user_id,
                        m.lifecycle_template,
                        m.ui_updated_at is not None and m.ui_updated_at <= end,
                    )
                    for m in monitored
                ],
                factors,
            )
            changes = [n.updated_at for n in present] + [
                m.ui_updated_at for m in monitored if m.ui_updated_at and m.ui_updated_at <= end
            ]
            last_update = max(changes, default=service.created_at)
            records.append(day_record(service, day, counts, factors, last_update))
    if records:
        connection.execute(insert(voice_license_info_days), records)
