"""Every write on environments: create, update, the lifecycle, and the entitlement cascade.

Lifecycle (SPEC §3): provisioning → active (`activate`); active ⇄ maintenance
(`start_maintenance`, `end_maintenance`); active/maintenance → suspended (`suspend`);
suspended → active (`reactivate`); any non-terminal → decommissioned (`decommission`, terminal).
An environment only becomes active (activate, end_maintenance, reactivate) while its entitlement
is active, so staff cannot re-open access the entitlement has closed. Only staff (or the system,
`actor=None`) create, edit and move environments; edits are audited (entitlements.records).

Cascade rules, `entitlement_changed()`, run by entitlements.actions inside the entitlement's own
transaction, after its history row:
- suspend, expire, cancel → an active or maintenance environment is suspended: the customer's
  access stops. A provisioning environment stays provisioning (it cannot be activated until the
  entitlement is active again); suspended and decommissioned ones are left as they are.
- reactivate, renew, win_back → a suspended environment is reactivated, unless staff suspended it
  by hand (`suspended_manually`): only staff lift their own suspension.
- Nothing is ever decommissioned by a cascade; decommissioning stays a deliberate staff action.
  New service requests stop anyway because the entitlement is not active (tickets enforce it).
- Other classes, entitlements without an environment and other transitions: nothing happens.
Each step writes the environment's own history row, with a reason such as
"entitlement ENV-2026040002 suspended".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction
from django_fsm import can_proceed

from accounts.models import User
from entitlements.models import Entitlement, EntitlementClass
from entitlements.records import RecordKind
from environments import errors
from environments.models import Environment

Status = Environment.Status

# What a hosting team keeps up to date about an environment (the API's detail shows them last).
OPERATIONAL_FIELDS = (
    "platform_version",
    "admin_url",
    "hosting_provider",
    "region",
    "backup_schedule",
    "backup_retention_days",
    "health",
)
KIND = RecordKind(
    model=Environment,
    reasons=errors.Reason,
    entitlement_class=EntitlementClass.ENV,
    not_of_class=errors.NotAnEnvEntitlement,
    standalone=errors.StandaloneEntitlement,
    # Set on create and changed later (never the entitlement, organization or status).
    editable=("name", "platform", "environment_type", "url", "metadata", *OPERATIONAL_FIELDS),
    active_rule="environments are created only for active entitlements",
    one_per_entitlement=errors.EnvironmentAlreadyExists,
)
EDITABLE_FIELDS = frozenset(KIND.editable)


def check_entitlement_for_environment(entitlement: Entitlement) -> None:
    """An environment needs an active ENV entitlement of an organization that has none yet."""
    KIND.check_entitlement(entitlement)


def check_environment_editable(environment: Environment) -> None:
    """A decommissioned environment is terminal: its details no longer change."""
    if environment.status == Status.DECOMMISSIONED:
        raise errors.EnvironmentDecommissioned(
            f"Environment {environment.pk} is '{environment.status}'; it can no longer change."
        )


def check_environment_update(environment: Environment, fields: dict[str, Any]) -> None:
    """Editable fields with valid values, on an environment that is not decommissioned."""
    KIND.check_fields(fields)
    check_environment_editable(environment)


@transaction.atomic
def environment_create(
    *,
    actor: User | None,
    entitlement: Entitlement,
    name: str,
    platform: str,
    environment_type: str = Environment.Type.PRODUCTION,
    reason: str = "",
    **details: Any,
) -> Environment:
    """Provision the one environment of an active ENV entitlement, in its organization."""
    # The one-to-one column backs up the entitlement lock KIND.create takes.
    fields = {"name": name, "platform": platform, "environment_type": environment_type, **details}
    return KIND.create(actor=actor, entitlement=entitlement, fields=fields, reason=reason)


@transaction.atomic
def environment_update(
    *, environment: Environment, actor: User | None, **fields: Any
) -> Environment:
    """Change an environment's details (never its status, entitlement or organization)."""
    return KIND.update(environment, actor=actor, fields=fields, check=check_environment_update)


def _transition(
    environment: Environment,
    name: str,
    *,
    actor: User | None,
    reason: str = "",
    notes: str = "",
    suspended_manually: bool = False,
) -> Environment:
    """Every move records whether staff suspended the environment by hand (only `suspend`)."""

    def mark(locked: Environment) -> None:
        locked.suspended_manually = suspended_manually

    return KIND.run(environment, name, actor=actor, reason=reason, notes=notes, before_save=mark)


def _checked_transition(
    environment: Environment, name: str, *, actor: User | None, reason: str, notes: str
) -> Environment:
    """A transition to active: allowed only while the entitlement is active."""
    # The entitlement is locked before the environment, in the cascade's order: no deadlock.
    entitlement = Entitlement.objects.select_for_update().get(pk=environment.entitlement_id)
    current = Environment.objects.select_for_update().get(pk=environment.pk)
    # When the lifecycle refuses, run_transition answers the 409 with the environment's status.
    if can_proceed(getattr(current, name)) and entitlement.status != Entitlement.Status.ACTIVE:
        raise errors.EntitlementNotActive(
            f"Cannot {name.replace('_', ' ')} environment {current.pk}: its entitlement "
            f"{entitlement.code} is '{entitlement.status}'.",
            reason=errors.Reason.ENTITLEMENT_NOT_ACTIVE,
        )
    return _transition(current, name, actor=actor, reason=reason, notes=notes)


environment_activate = KIND.transition(
    "activate", "Provisioning → active, once its entitlement is active.", _checked_transition
)
environment_start_maintenance = KIND.transition(
    "start_maintenance", "Active → maintenance.", _transition
)
environment_end_maintenance = KIND.transition(
    "end_maintenance", "Maintenance → active, while its entitlement is active.", _checked_transition
)
environment_suspend = KIND.transition(
    "suspend",
    "Active/maintenance → suspended by staff; an entitlement coming back does not lift it.",
    partial(_transition, suspended_manually=True),
)
environment_reactivate = KIND.transition(
    "reactivate", "Suspended → active, while its entitlement is active.", _checked_transition
)
environment_decommission = KIND.transition(
    "decommission", "Any non-terminal status → decommissioned, for good.", _transition
)

# The API's and the admin's transition names (hyphenated in URLs) → the action that runs them.
TRANSITIONS: dict[str, Callable[..., Environment]] = {
    "activate": environment_activate,
    "start_maintenance": environment_start_maintenance,
    "end_maintenance": environment_end_maintenance,
    "suspend": environment_suspend,
    "reactivate": environment_reactivate,
    "decommission": environment_decommission,
}

# Entitlement transition → the past tense used in the environment's history reason.
CASCADE_SUSPENDS = {"suspend": "suspended", "expire": "expired", "cancel": "cancelled"}
CASCADE_RESTORES = {"reactivate": "reactivated", "renew": "renewed", "win_back": "won back"}


@transaction.atomic
def entitlement_changed(
    *, entitlement: Entitlement, actor: User | None, transition: str
) -> Environment | None:
    """Carry an ENV entitlement's transition to its environment (rules in the module docstring)."""
    name = transition.replace("-", "_")
    if entitlement.entitlement_class != EntitlementClass.ENV:
        return None
    if name not in CASCADE_SUSPENDS and name not in CASCADE_RESTORES:
        return None
    environment = Environment.objects.select_for_update().filter(entitlement_id=entitlement.pk)
    environment = environment.first()
    if environment is None:
        return None
    past = CASCADE_SUSPENDS.get(name) or CASCADE_RESTORES[name]
    reason = f"entitlement {entitlement.code} {past}"
    notes = "Automatic: follows the entitlement."
    if name in CASCADE_SUSPENDS and environment.status in (Status.ACTIVE, Status.MAINTENANCE):
        return _transition(environment, "suspend", actor=actor, reason=reason, notes=notes)
    if (
        name in CASCADE_RESTORES
        and environment.status == Status.SUSPENDED
        and not environment.suspended_manually
    ):
        return _transition(environment, "reactivate", actor=actor, reason=reason, notes=notes)
    return None
