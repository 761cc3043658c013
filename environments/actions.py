"""Every write on environments: create, update, the lifecycle, and the entitlement cascade.

Lifecycle (SPEC §3): provisioning → active (`activate`); active ⇄ maintenance
(`start_maintenance`, `end_maintenance`); active/maintenance → suspended (`suspend`);
suspended → active (`reactivate`); any non-terminal → decommissioned (`decommission`, terminal).
An environment only becomes active (activate, end_maintenance, reactivate) while its entitlement
is active, so staff cannot re-open access the entitlement has closed.

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
from typing import Any

from django.db import transaction
from django_fsm import can_proceed

from accounts.models import User
from config.errors import Invalid
from config.fsm import record_change, run_transition
from entitlements.models import Entitlement, EntitlementClass
from environments import errors
from environments.models import Environment, EnvironmentStatusChange

Status = Environment.Status

# Fields staff may set on create and change later (not the entitlement, organization or status).
EDITABLE_FIELDS = frozenset(
    {
        "name",
        "platform",
        "environment_type",
        "url",
        "metadata",
        "platform_version",
        "admin_url",
        "hosting_provider",
        "region",
        "backup_schedule",
        "backup_retention_days",
        "health",
    }
)
_CHOICES = {
    "platform": Environment.Platform.values,
    "environment_type": Environment.Type.values,
    "health": Environment.Health.values,
}


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise Invalid(f"Unknown environment field(s): {', '.join(sorted(unknown))}.")
    for name, allowed in _CHOICES.items():
        if name in fields and fields[name] not in allowed:
            raise Invalid(f"{name} must be one of: {', '.join(allowed)}.", field=name)
    if "metadata" in fields and not isinstance(fields["metadata"], dict):
        raise Invalid("metadata must be a JSON object.", field="metadata")


def check_entitlement_for_environment(entitlement: Entitlement) -> None:
    """An environment needs an active ENV entitlement of an organization that has none yet."""
    if entitlement.entitlement_class != EntitlementClass.ENV:
        raise errors.NotAnEnvEntitlement(
            f"Environments belong to ENV-class entitlements; {entitlement.code} is "
            f"{entitlement.entitlement_class}.",
            field="entitlement_id",
        )
    if entitlement.organization_id is None:
        raise errors.StandaloneEntitlement(
            f"Entitlement {entitlement.code} has no organization; an environment takes its "
            "organization from its entitlement.",
            field="entitlement_id",
        )
    if Environment.objects.filter(entitlement_id=entitlement.pk).exists():
        raise errors.EnvironmentAlreadyExists(
            f"Entitlement {entitlement.code} already has an environment (one per entitlement)."
        )
    if entitlement.status != Entitlement.Status.ACTIVE:
        raise errors.EntitlementNotActive(
            f"Entitlement {entitlement.code} is '{entitlement.status}'; environments are created "
            "only for active entitlements.",
            reason=errors.Reason.ENTITLEMENT_NOT_ACTIVE,
        )


def check_environment_editable(environment: Environment) -> None:
    """A decommissioned environment is terminal: its details no longer change."""
    if environment.status == Status.DECOMMISSIONED:
        raise errors.EnvironmentDecommissioned(
            f"Environment {environment.pk} is '{environment.status}'; it can no longer change."
        )


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
    # The entitlement lock queues concurrent creations; the one-to-one column is the backstop.
    entitlement = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
    check_entitlement_for_environment(entitlement)
    fields = {"name": name, "platform": platform, "environment_type": environment_type, **details}
    _check_fields(fields)
    environment = Environment.objects.create(
        entitlement=entitlement, organization_id=entitlement.organization_id, **fields
    )
    record_change(
        EnvironmentStatusChange,
        environment,
        from_status=None,
        to_status=environment.status,
        actor=actor,
        transition="create",
        reason=reason,
    )
    return environment


@transaction.atomic
def environment_update(
    *, environment: Environment, actor: User | None, **fields: Any
) -> Environment:
    """Change an environment's details (never its status, entitlement or organization)."""
    _check_fields(fields)
    locked = Environment.objects.select_for_update().get(pk=environment.pk)
    check_environment_editable(locked)
    for name, value in fields.items():
        setattr(locked, name, value)
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    return locked


def _set_suspended_manually(value: bool) -> Callable[[Environment], None]:
    def apply(environment: Environment) -> None:
        environment.suspended_manually = value

    return apply


def _transition(
    environment: Environment,
    name: str,
    *,
    actor: User | None,
    reason: str = "",
    notes: str = "",
    suspended_manually: bool = False,
) -> Environment:
    return run_transition(
        environment,
        name,
        actor=actor,
        history_model=EnvironmentStatusChange,
        reasons=errors.Reason,
        reason=reason,
        notes=notes,
        before_save=_set_suspended_manually(suspended_manually),
    )


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


@transaction.atomic
def environment_activate(
    *, environment: Environment, actor: User | None, reason: str = "", notes: str = ""
) -> Environment:
    """Provisioning → active, once its entitlement is active."""
    return _checked_transition(environment, "activate", actor=actor, reason=reason, notes=notes)


@transaction.atomic
def environment_start_maintenance(
    *, environment: Environment, actor: User | None, reason: str = "", notes: str = ""
) -> Environment:
    """Active → maintenance."""
    return _transition(environment, "start_maintenance", actor=actor, reason=reason, notes=notes)


@transaction.atomic
def environment_end_maintenance(
    *, environment: Environment, actor: User | None, reason: str = "", notes: str = ""
) -> Environment:
    """Maintenance → active, while its entitlement is active."""
    return _checked_transition(
        environment, "end_maintenance", actor=actor, reason=reason, notes=notes
    )


@transaction.atomic
def environment_suspend(
    *, environment: Environment, actor: User | None, reason: str = "", notes: str = ""
) -> Environment:
    """Active/maintenance → suspended by staff; an entitlement coming back does not lift it."""
    return _transition(
        environment, "suspend", actor=actor, reason=reason, notes=notes, suspended_manually=True
    )


@transaction.atomic
def environment_reactivate(
    *, environment: Environment, actor: User | None, reason: str = "", notes: str = ""
) -> Environment:
    """Suspended → active, while its entitlement is active."""
    return _checked_transition(environment, "reactivate", actor=actor, reason=reason, notes=notes)


@transaction.atomic
def environment_decommission(
    *, environment: Environment, actor: User | None, reason: str = "", notes: str = ""
) -> Environment:
    """Any non-terminal status → decommissioned, for good."""
    return _transition(environment, "decommission", actor=actor, reason=reason, notes=notes)


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
