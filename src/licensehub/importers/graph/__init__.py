"""Microsoft Graph exports of one tenant: ``subscribedSkus`` and ``users`` list responses.

``licensehub import graph FILE... [--tenant ID] [--partner ID]`` takes any number of page files
of both responses, in any order, told apart by ``@odata.context`` or else by their items' keys.
A user's ``licenseDetails`` list is refused: it holds one user, and an export replaces the
tenant's whole current state, so importing it would delete everyone else.

The rules:

- Tenant: --tenant, or the "{tenantId}_" prefix of the subscribedSku ids; both must agree.
  An unknown tenant is created under --partner, else under a partner principal's own partner,
  else refused; it is named by the tenant_name option, else by the most common domain of its
  users' UPNs, else by its GUID. A tenant outside the caller's scope is refused.
- An export replaces the tenant's current state and keeps history. Subscriptions (units and
  capability status per SKU) are versioned: a changed one is closed and a new version opened, a
  SKU the export no longer lists is closed. Only subscribedSkus files touch subscriptions and
  only users files touch users and assignments.
- Users are upserted by object id; one missing from the export gets deleted_at and its current
  assignments closed; one that comes back gets deleted_at cleared (counted as updated).
- Assignments, per user and SKU with its set of disabled plans: new, closed, or (disabled plans
  changed) closed and reopened, carrying assigned_at over. A new assignment's assigned_at is the
  earliest assignedDateTime of the user's non-Deleted assignedPlans among plans the catalog
  links to that SKU and to none of the user's other SKUs (plans shared by two SKUs say nothing
  about either); NULL when none match.
- SKUs and plans the catalog lacks are created, named by skuPartNumber / servicePlanName, or by
  their GUID when only a user's assignedLicenses names them. Missing sku_service_plans links are
  added from servicePlans; none are removed.
- Counts: read = items read; created / updated / removed = rows of users, subscriptions and
  assignments; nothing is skipped, so rejected is 0.

Memory grows with the tenant's users, never with the files: check() keeps a summary and spools
the users it parsed to a temporary file, which apply() reads back a batch at a time (check.py,
spool.py, users.py); new rows are bulk-loaded, COPY on PostgreSQL (ledger/bulk.py).
"""

from licensehub.importers.graph.importer import IMPORTER, KIND

__all__ = ["IMPORTER", "KIND"]
