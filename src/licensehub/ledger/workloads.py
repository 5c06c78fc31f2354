"""The Microsoft 365 workloads that Partner Center's license usage reports on, and which
service plans give a license for each.

A SKU qualifies a user for a workload when it includes one of the workload's service plans.
These are the six workloads of Microsoft 365's active user report; Partner Center reports
them under the service "o365".
"""

from __future__ import annotations

from dataclasses import dataclass

SERVICE_CODE = "o365"
SERVICE_NAME = "Microsoft Office 365"


@dataclass(frozen=True)
class Workload:
    code: str
    name: str
    service_plans: frozenset[str]


WORKLOADS = (
    Workload(
        "EXO",
        "Exchange",
        frozenset(
            {
                "EXCHANGE_S_ENTERPRISE",
                "EXCHANGE_S_STANDARD",
                "EXCHANGE_S_DESKLESS",
                "EXCHANGE_S_ESSENTIALS",
                "EXCHANGE_S_STANDARD_GOV",
                "EXCHANGE_S_ENTERPRISE_GOV",
                "EOP_ENTERPRISE",
            }
        ),
    ),
    Workload(
        "ODB",
        "OneDrive",
        frozenset(
            {
                "SHAREPOINTENTERPRISE",
                "SHAREPOINTSTANDARD",
                "SHAREPOINTDESKLESS",
                "ONEDRIVESTANDARD",
                "ONEDRIVE_BASIC",
                "ONEDRIVE_BASIC_P2",
            }
        ),
    ),
    Workload(
        "SPO",
        "SharePoint",
        frozenset({"SHAREPOINTENTERPRISE", "SHAREPOINTSTANDARD", "SHAREPOINTDESKLESS"}),
    ),
    Workload("SFB", "Skype for Business", frozenset({"MCOSTANDARD", "MCOIMP", "MCOLITE"})),
    Workload("YAM", "Yammer", frozenset({"YAMMER_ENTERPRISE", "YAMMER_MIDSIZE"})),
    Workload("TEAMS", "Teams", frozenset({"TEAMS1", "TEAMS_FREE", "TEAMS_AR_DOD", "TEAMS_GOV"})),
)

BY_CODE = {workload.code: workload for workload in WORKLOADS}


def workloads_of(service_plan_names: set[str] | frozenset[str]) -> list[Workload]:
    """The workloads a SKU with these service plans licenses, in report order."""
    return [w for w in WORKLOADS if w.service_plans & service_plan_names]
