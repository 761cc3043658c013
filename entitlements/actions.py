"""Every write on entitlements: creation with a code, updates, and one function per transition.

The API, the admin and the management commands all call these, so the rules live here once:
only staff (or the system, `actor=None`) write entitlements. Transitions go through
`config.fsm.run_transition` (row lock, 409 with the current status, one history row in the same
transaction) and then run every registered cascade (`CASCADES`: the environments app registers
its own when it loads), in that transaction too, so this app never imports the ones built on it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from accounts.models import Company, Organization, User
from accounts.tenancy import require_staff
from audit import actions as audit
from config.fsm import Refusal, record_change, run_transition
from config.numbering import next_entitlement_code
from entitlements.errors import EntitlementInvalid, Reason, WinBackWindowClosed
from entitlements.models import (
    WIN_BACK_DAYS,
    Entitlement,
    EntitlementClass,
    EntitlementStatusChange,
    SlaTier,
    within_win_back_window,
)

Status = Entitlement.Status

# Where each transition leads, to name the reason of a refused one ("ALREADY_CANCELLED").
TRANSITION_TARGETS = {
    "suspend": Status.SUSPENDED,
    "reactivate": Status.ACTIVE,
    "expire": Status.EXPIRED,
    "renew": Status.ACTIVE,
    "cancel": Status.CANCELLED,
    "win_back": Status.ACTIVE,
}

# Fields PATCH may change. Code and class are the identity; organization and status are not
# "fields" (the first is fixed at creation because linked rows copy it, the second moves by
# transitions only).
UPDATABLE_FIELDS = frozenset(
    {
        "product_name",
        "product_description",
        "company",
        "starts_at",
        "expires_at",
        "quote_id",
        "metadata",
        "sla_tier",
        "parent",
    }
)
REASON_MAX_LENGTH = Entitlement._meta.get_field("cancellation_reason").max_length

# Called as cascade(entitlement=..., actor=..., transition=name) after every transition, inside
# its transaction: apps built on entitlements (environments) register here in AppConfig.ready().
CASCADES: list[Callable[..., Any]] = []


def entitlement_check(
    *,
    starts_at: datetime | None,
    expires_at: datetime | None,
    parent: Entitlement | None,
    organization_id: int | None,
    child: Entitlement | None = None,
) -> None:
    """Field rules: expiry after start; a parent of the same organization, never a loop (422)."""
    if starts_at and expires_at and expires_at <= starts_at:
        raise EntitlementInvalid("expires_at must be later than starts_at.", field="expires_at")
    if parent is None:
        return
    if parent.organization_id != organization_id:
        raise EntitlementInvalid(
            "The parent entitlement must belong to the same organization.", field="parent_id"
        )
    node: Entitlement | None = parent
    while child is not None and node is not None:  # a parent chain never loops back
        if node.pk == child.pk:
            raise EntitlementInvalid(
                "An entitlement cannot be its own ancestor.", field="parent_id"
            )
        node = node.parent


def _check_reason(reason: str) -> None:
    if len(reason) > REASON_MAX_LENGTH:
        raise EntitlementInvalid(
            f"The reason is limited to {REASON_MAX_LENGTH} characters.", field="reason"
        )


@transaction.atomic
def entitlement_create(
    *,
    actor: User | None,
    entitlement_class: str,
    product_name: str,
    organization: Organization | None = None,
    company: str | None = None,
    product_description: str = "",
    starts_at: datetime | None = None,
    expires_at: datetime | None = None,
    quote_id: int | None = None,
    auto_created: bool = False,
    metadata: dict | None = None,
    sla_tier: str = SlaTier.BASIC,
    parent: Entitlement | None = None,
    when: datetime | None = None,
) -> Entitlement:
    """Create an active entitlement with the next code of its class and month (of `when`)."""
    require_staff(actor)
    if entitlement_class not in EntitlementClass.values:
        raise EntitlementInvalid(
            f"class must be one of: {', '.join(EntitlementClass.values)}.", field="class"
        )
    if not product_name or not product_name.strip():
        raise EntitlementInvalid("product_name is required.", field="product_name")
    when = when or timezone.now()
    starts_at = starts_at or when
    entitlement_check(
        starts_at=starts_at,
        expires_at=expires_at,
        parent=parent,
        organization_id=organization.pk if organization else None,
    )
    entitlement = Entitlement.objects.create(
        # Allocated inside this transaction: a rollback gives the number back (no gap).
        code=next_entitlement_code(entitlement_class, when),
        entitlement_class=entitlement_class,
        product_name=product_name.strip(),
        product_description=product_description,
        organization=organization,
        company=company or (organization.company if organization else Company.MIDDAG_BR),
        starts_at=starts_at,
        expires_at=expires_at,
        quote_id=quote_id,
        auto_created=auto_created,
        metadata=metadata or {},
        sla_tier=sla_tier,
        parent=parent,
    )
    record_change(
        EntitlementStatusChange,
        entitlement,
        from_status=None,
        to_status=entitlement.status,
        actor=actor,
        transition="create",
    )
    return entitlement


@transaction.atomic
def entitlement_update(
    *, entitlement: Entitlement, actor: User | None, **changes: Any
) -> Entitlement:
    """Change non-status fields; code, class, organization and status never change here."""
    require_staff(actor)
    refused = sorted(set(changes) - UPDATABLE_FIELDS)
    if refused:
        name = "class" if refused[0] == "entitlement_class" else refused[0]
        raise EntitlementInvalid(f"{name} cannot be changed.", field=name)
    locked = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
    if "product_name" in changes and not (changes["product_name"] or "").strip():
        raise EntitlementInvalid("product_name cannot be blank.", field="product_name")
    if "metadata" in changes and changes["metadata"] is None:
        changes["metadata"] = {}
    before = audit.snapshot(locked, list(changes))
    for name, value in changes.items():
        setattr(locked, name, value)
    entitlement_check(
        starts_at=locked.starts_at,
        expires_at=locked.expires_at,
        parent=locked.parent,
        organization_id=locked.organization_id,
        child=locked,
    )
    if changes:
        locked.save(update_fields=[*changes, "updated_at"])
        audit.record_update(actor=actor, subject=locked, before=before)
    return locked


def _refusal(locked: Entitlement, name: str) -> Refusal:
    """The reasons of a refused transition, e.g. MIDDAG-ENT-ALREADY_CANCELLED."""
    already = locked.status == TRANSITION_TARGETS[name]
    moved = Reason.already(locked.status) if already else Reason.INVALID_TRANSITION
    return Refusal(TRANSITION_NOT_ALLOWED=moved, CONDITION_NOT_MET=Reason.CONDITION_NOT_MET)


def _transition(
    entitlement: Entitlement,
    name: str,
    *,
    actor: User | None,
    reason: str = "",
    notes: str = "",
    before_save: Callable[[Entitlement], None] | None = None,
    locked: Entitlement | None = None,
    **kwargs: Any,
) -> Entitlement:
    """Staff: run transition `name` with history, then its cascades (same transaction)."""
    require_staff(actor)
    # Lock first so the refusal reason is computed from the status run_transition will see.
    locked = locked or Entitlement.objects.select_for_update().get(pk=entitlement.pk)
    changed = run_transition(
        locked,
        name,
        actor=actor,
        history_model=EntitlementStatusChange,
        reason=reason,
        notes=notes,
        reasons=_refusal(locked, name),
        before_save=before_save,
        **kwargs,
    )
    for cascade in CASCADES:
        cascade(entitlement=changed, actor=actor, transition=name)
    return changed


@transaction.atomic
def entitlement_suspend(
    *, entitlement: Entitlement, actor: User | None, reason: str = "", notes: str = ""
) -> Entitlement:
    """Suspend an active entitlement (e.g. a payment failed)."""
    return _transition(entitlement, "suspend", actor=actor, reason=reason, notes=notes)


@transaction.atomic
def entitlement_reactivate(
    *, entitlement: Entitlement, actor: User | None, reason: str = "", notes: str = ""
) -> Entitlement:
    """Reactivate a suspended entitlement (e.g. the payment recovered)."""
    return _transition(entitlement, "reactivate", actor=actor, reason=reason, notes=notes)


@transaction.atomic
def entitlement_expire(
    *, entitlement: Entitlement, actor: User | None, reason: str = "", notes: str = ""
) -> Entitlement:
    """Expire an active or suspended entitlement (expires_at passed, or staff decided)."""
    return _transition(entitlement, "expire", actor=actor, reason=reason, notes=notes)


EXPIRY_REASON = "expires_at passed"


@transaction.atomic
def entitlement_expire_if_due(
    *, entitlement: Entitlement, now: datetime | None = None
) -> Entitlement | None:
    """System expiry: expire it if, under the row lock, it is still active or suspended and past
    expires_at; otherwise (renewed, cancelled, already expired meanwhile) change nothing."""
    now = now or timezone.now()
    locked = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
    if locked.status not in (Status.ACTIVE, Status.SUSPENDED):
        return None
    if locked.expires_at is None or locked.expires_at > now:
        return None
    return _transition(locked, "expire", actor=None, reason=EXPIRY_REASON, locked=locked)


@transaction.atomic
def entitlement_renew(
    *,
    entitlement: Entitlement,
    actor: User | None,
    expires_at: datetime | None = None,
    reason: str = "",
    notes: str = "",
) -> Entitlement:
    """Renew an expired entitlement; expires_at moves forward (default: +1 year from max(now, expiry))."""
    locked = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
    if expires_at is not None and can_proceed(locked.renew):
        floor = max(filter(None, [timezone.now(), locked.expires_at]))
        if expires_at <= floor:
            raise EntitlementInvalid(
                "A renewal must move expires_at forward, past now and past the old expiry "
                f"({floor:%Y-%m-%dT%H:%M:%SZ}).",
                field="expires_at",
            )
    return _transition(
        entitlement,
        "renew",
        actor=actor,
        reason=reason,
        notes=notes,
        locked=locked,
        expires_at=expires_at,
    )


@transaction.atomic
def entitlement_cancel(
    *, entitlement: Entitlement, actor: User | None, reason: str, notes: str = ""
) -> Entitlement:
    """Cancel an active, suspended or expired entitlement; a reason is required."""
    reason = (reason or "").strip()
    if not reason:
        raise EntitlementInvalid("A reason is required to cancel an entitlement.", field="reason")
    _check_reason(reason)

    def keep_reason(locked: Entitlement) -> None:
        locked.cancellation_reason = reason
        locked.cancellation_notes = notes or ""

    return _transition(
        entitlement, "cancel", actor=actor, reason=reason, notes=notes, before_save=keep_reason
    )


@transaction.atomic
def entitlement_win_back(
    *, entitlement: Entitlement, actor: User | None, reason: str = "", notes: str = ""
) -> Entitlement:
    """Reactivate a cancelled entitlement, only within 90 days of its cancellation."""
    locked = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
    if locked.status == Status.CANCELLED and not within_win_back_window(locked):
        cancelled = f"{locked.cancelled_at:%Y-%m-%d}" if locked.cancelled_at else "an unknown date"
        raise WinBackWindowClosed(
            f"Cannot win back this entitlement (status '{locked.status}'): it was cancelled on "
            f"{cancelled}, more than {WIN_BACK_DAYS} days ago."
        )
    return _transition(
        entitlement, "win_back", actor=actor, reason=reason, notes=notes, locked=locked
    )


TRANSITIONS: dict[str, Callable[..., Entitlement]] = {
    "suspend": entitlement_suspend,
    "reactivate": entitlement_reactivate,
    "expire": entitlement_expire,
    "renew": entitlement_renew,
    "cancel": entitlement_cancel,
    "win_back": entitlement_win_back,
}
