"""check(): read every file once, keep a summary of the export (its SKUs, the ids seen) and
spool its users, parsed, for apply() (spool.py): nothing is parsed twice, and the users are
never all in memory."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

from licensehub.importers.base import (
    ImportRefused,
    ImportRequest,
    InvalidImport,
    Progress,
    SourceFile,
)
from licensehub.importers.graph.fields import Fields
from licensehub.importers.graph.formats import (
    SKUS_FILE,
    SubscribedSku,
    file_kind,
    parse_sku,
    parse_user,
)
from licensehub.importers.graph.spool import UserSpool
from licensehub.importers.graph.usual_users import UsualUsers
from licensehub.importers.reading import json_items


@dataclass
class Checked:
    tenant: uuid.UUID
    skus: list[SubscribedSku] | None  # None: the export has no subscribedSkus file
    user_files: list[SourceFile]
    users: UserSpool  # the users files' users, parsed, in order
    held_skus: set[uuid.UUID]  # every skuId of the users' assignedLicenses
    disabled_plans: set[uuid.UUID]
    domain: str | None  # the most common UPN domain
    read: int

    def close(self) -> None:
        self.users.close()


@dataclass
class Scan:
    """What check() gathers while it reads."""

    tenant: uuid.UUID | None
    skus: dict[uuid.UUID, SubscribedSku] | None = None
    user_files: list[SourceFile] = field(default_factory=list)
    users: UserSpool = field(default_factory=UserSpool)
    user_ids: set[int] = field(default_factory=set)  # uuid.int, for duplicates across pages
    domains: Counter[str] = field(default_factory=Counter)
    read: int = 0

    def __post_init__(self) -> None:
        self.usual = UsualUsers(self.users)

    def read_skus(self, source: SourceFile, progress: Progress) -> None:
        self.skus = {} if self.skus is None else self.skus
        for path, item in json_items(source, progress, "value.item"):
            fields = Fields(item, source.name, path)
            tenant, sku = parse_sku(fields)
            if self.tenant is None:
                self.tenant = tenant
            elif tenant != self.tenant:
                fields.fail("id", f"belongs to tenant {tenant}, not {self.tenant}")
            if sku.sku_id in self.skus:
                fields.fail("skuId", f"SKU {sku.sku_id} is listed twice")
            self.skus[sku.sku_id] = sku
            self.read += 1

    def read_users(self, source: SourceFile, progress: Progress) -> None:
        self.user_files.append(source)
        read_usual, user_ids, domains = self.usual.read, self.user_ids, self.domains
        for path, item in json_items(source, self.users.counting(progress), "value.item"):
            user = read_usual(item)
            if user is None:  # not a usual one: read it member by member
                user = self.users.numbered(parse_user(Fields(item, source.name, path)))
            object_id, upn = user[0], user[1]
            if object_id in user_ids:
                raise InvalidImport(
                    source.name, f"{path}.id", f"user {uuid.UUID(int=object_id)} twice"
                )
            user_ids.add(object_id)
            domains[upn.rpartition("@")[2].lower()] += 1
            self.users.add(user)
            self.read += 1

    def checked(self, first_file: str) -> Checked:
        if self.tenant is None:
            raise InvalidImport(
                first_file,
                None,
                "cannot tell which tenant this is: give --tenant or its subscribedSkus response",
            )
        top = [domain for domain, _ in self.domains.most_common(1) if domain]
        return Checked(
            tenant=self.tenant,
            skus=None if self.skus is None else list(self.skus.values()),
            user_files=self.user_files,
            users=self.users,
            held_skus=set(self.users.skus.values),
            disabled_plans=set().union(*self.users.plan_sets.values),
            domain=top[0][:256] if top else None,
            read=self.read,
        )


def check_files(request: ImportRequest, progress: Progress) -> Checked:
    if not request.files:
        raise ImportRefused("no files to import")
    kinds = [(source, file_kind(source)) for source in request.files]
    scan = Scan(tenant=request.tenant)
    try:
        # SKU files first: their ids name the tenant, so a mismatch is reported where it is.
        for source, kind in sorted(kinds, key=lambda pair: pair[1] != SKUS_FILE):
            if kind == SKUS_FILE:
                scan.read_skus(source, progress)
            else:
                scan.read_users(source, progress)
        return scan.checked(request.files[0].name)
    except BaseException:
        scan.users.close()
        raise
