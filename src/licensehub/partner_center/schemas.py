"""Partner Center wire formats: resources with `attributes.objectType`, collections with
`totalCount` and `items`, camelCase names."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Attributes(BaseModel):
    objectType: str


class Link(BaseModel):
    uri: str
    method: str = "GET"
    headers: list[dict[str, Any]] = Field(default_factory=list)


class CompanyProfile(BaseModel):
    tenantId: str
    domain: str | None
    companyName: str
    attributes: Attributes = Attributes(objectType="CustomerCompanyProfile")


class Customer(BaseModel):
    id: str
    companyProfile: CompanyProfile
    relationshipToPartner: str
    links: dict[str, Link]
    attributes: Attributes = Attributes(objectType="Customer")


class Collection(BaseModel, Generic[T]):
    totalCount: int
    items: list[T]
    links: dict[str, Link] = Field(default_factory=dict)
    attributes: Attributes = Attributes(objectType="Collection")


class PartnerCenterError(BaseModel):
    code: int
    description: str
    data: list[str]
    source: str


class ProductSku(BaseModel):
    id: str
    name: str
    skuPartNumber: str
    targetType: str
    licenseGroupId: str


class ServicePlan(BaseModel):
    displayName: str
    serviceName: str
    id: str
    capabilityStatus: str
    targetType: str


class License(BaseModel):
    servicePlans: list[ServicePlan]
    productSku: ProductSku
    attributes: Attributes = Attributes(objectType="License")


class SubscribedSku(BaseModel):
    availableUnits: int
    activeUnits: int
    consumedUnits: int
    suspendedUnits: int
    totalUnits: int
    warningUnits: int
    productSku: ProductSku
    servicePlans: list[ServicePlan]
    capabilityStatus: str
    attributes: Attributes = Attributes(objectType="SubscribedSku")
