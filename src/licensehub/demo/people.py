"""Who works at the demo's tenants: names, sizes and the licensing profile of each tenant."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

FIRST_NAMES = [
    "Adele",
    "Alex",
    "Allan",
    "Ana",
    "Ben",
    "Carla",
    "Chen",
    "Dana",
    "Diego",
    "Emily",
    "Erik",
    "Fatima",
    "Grace",
    "Hana",
    "Isaac",
    "Ivan",
    "Jamal",
    "Joni",
    "Kai",
    "Lara",
    "Lee",
    "Lidia",
    "Lynne",
    "Maya",
    "Megan",
    "Miriam",
    "Nestor",
    "Nora",
    "Omar",
    "Patti",
    "Priya",
    "Raul",
    "Sara",
    "Sofia",
    "Tariq",
    "Tomas",
    "Uma",
    "Victor",
    "Wei",
    "Yara",
    "Zoe",
]
LAST_NAMES = [
    "Adams",
    "Baker",
    "Brown",
    "Chen",
    "Cruz",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Gupta",
    "Hansen",
    "Ito",
    "Jensen",
    "Kim",
    "Kowalski",
    "Larsen",
    "Lopez",
    "Martin",
    "Meyer",
    "Moreau",
    "Nakamura",
    "Novak",
    "Okafor",
    "Patel",
    "Petrov",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Smith",
    "Sorensen",
    "Tanaka",
    "Vargas",
    "Weber",
    "Wilson",
    "Yilmaz",
    "Zhang",
]


@dataclass(frozen=True)
class TenantProfile:
    name: str
    domain: str
    users: int
    kind: str  # business, enterprise or education: which SKUs its users hold
    partner: int  # index into PARTNERS


@dataclass(frozen=True)
class PartnerProfile:
    name: str
    partner_tenant_id: uuid.UUID


PARTNERS = (
    PartnerProfile("Contoso Cloud Partners", uuid.UUID("5c1b0e3a-3f3e-4f0e-9d0a-6d2f4c1e7a01")),
    PartnerProfile("Fabrikam Managed Services", uuid.UUID("8e2d4b6a-1c3f-4a5e-8b7d-9f0a1b2c3d02")),
)

TENANTS = (
    TenantProfile("Northwind Traders", "northwindtraders", 240, "enterprise", 0),
    TenantProfile("Adventure Works Cycles", "adventureworks", 420, "enterprise", 0),
    TenantProfile("Woodgrove Bank", "woodgrovebank", 160, "enterprise", 0),
    TenantProfile("Litware Inc", "litware", 60, "business", 0),
    TenantProfile("Tailspin Toys", "tailspintoys", 35, "business", 0),
    TenantProfile("Wide World Importers", "wideworldimporters", 900, "enterprise", 0),
    TenantProfile("Alpine Ski House", "alpineskihouse", 18, "business", 0),
    TenantProfile("Blue Yonder Airlines", "blueyonderairlines", 650, "enterprise", 0),
    TenantProfile("Coho Winery", "cohowinery", 12, "business", 0),
    TenantProfile("Fourth Coffee", "fourthcoffee", 45, "business", 0),
    TenantProfile("Bellows College", "bellowscollege", 300, "education", 0),
    TenantProfile("Humongous Insurance", "humongousinsurance", 380, "enterprise", 0),
    TenantProfile("Lucerne Publishing", "lucernepublishing", 70, "business", 0),
    TenantProfile("Margie's Travel", "margiestravel", 25, "business", 0),
    TenantProfile("Trey Research", "treyresearch", 130, "enterprise", 1),
    TenantProfile("Relecloud", "relecloud", 210, "enterprise", 1),
    TenantProfile("School of Fine Art", "schooloffineart", 90, "education", 1),
    TenantProfile("Southridge Video", "southridgevideo", 55, "business", 1),
    TenantProfile("VanArsdel Ltd", "vanarsdel", 1200, "enterprise", 1),
    TenantProfile("Wingtip Toys", "wingtiptoys", 8, "business", 1),
    TenantProfile("Consolidated Messenger", "consolidatedmessenger", 140, "business", 1),
    TenantProfile("City Power & Light", "citypowerlight", 520, "enterprise", 1),
    TenantProfile("Graphic Design Institute", "graphicdesigninstitute", 110, "education", 1),
    TenantProfile("Lamna Healthcare", "lamnahealthcare", 310, "enterprise", 1),
    TenantProfile("Proseware Inc", "proseware", 28, "business", 1),
    TenantProfile("Best For You Organics", "bestforyouorganics", 15, "business", 1),
    TenantProfile("A. Datum Corporation", "adatum", 180, "enterprise", 1),
    TenantProfile("Munson's Pickles and Preserves", "munsonspickles", 6, "business", 1),
)


def person_names(count: int, offset: int) -> list[tuple[str, str]]:
    """Distinct (display name, mail nickname) pairs, the same for the same arguments."""
    names = []
    seen: dict[str, int] = {}
    for i in range(count):
        n = i + offset
        first = FIRST_NAMES[n % len(FIRST_NAMES)]
        last = LAST_NAMES[(n * 7 + n // len(FIRST_NAMES)) % len(LAST_NAMES)]
        nickname = f"{first}.{last}".lower()
        seen[nickname] = seen.get(nickname, 0) + 1
        if seen[nickname] > 1:
            nickname += str(seen[nickname])
        names.append((f"{first} {last}", nickname))
    return names
