"""One mechanism for every lifecycle: lock the row, check the FSM, transition, save, record history.

Entitlements, environments, services and tickets each have a concrete history model built on
`StatusChange`; their actions call `run_transition()`, so the rules (409 with the current status,
row lock, one history row in the same transaction) are written once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import models, transaction
from django_fsm import can_proceed

from config.errors import Conflict


class StatusChange(models.Model):
    """A recorded transition: from, to, when, who, why. Subclasses add the FK named `subject`."""

    # null is the creation row ("from nothing"), as in seed 000; not the same as "".
    from_status = models.CharField(max_length=20, null=True, blank=True)  # noqa: DJ001
    to_status = models.CharField(max_length=20)
    transition = models.CharField(max_length=30, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class TransitionConflict(Conflict):
    """A move the lifecycle does not allow from the current status (409)."""


def record_change(
    history_model: type[StatusChange],
    subject: models.Model,
    *,
    from_status: str | None,
    to_status: str,
    actor: Any,
    transition: str = "",
    reason: str = "",
    notes: str = "",
) -> StatusChange:
    """Write one history row for `subject` (used for creation and for data fixes too)."""
    return history_model.objects.create(
        subject=subject,
        from_status=from_status,
        to_status=to_status,
        transition=transition,
        changed_by=actor if getattr(actor, "pk", None) else None,
        reason=reason or "",
        notes=notes or "",
    )


class TransitionReasons(Protocol):
    """The reason codes of a domain's refused transitions (each app's `Reason` enum has both)."""

    TRANSITION_NOT_ALLOWED: str
    CONDITION_NOT_MET: str


@dataclass(frozen=True)
class Refusal:
    """TransitionReasons worked out for one call (e.g. an entitlement's ALREADY_CANCELLED)."""

    TRANSITION_NOT_ALLOWED: str
    CONDITION_NOT_MET: str


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"


@transaction.atomic
def run_transition(
    obj: models.Model,
    name: str,
    *,
    actor: Any,
    history_model: type[StatusChange],
    reasons: TransitionReasons,
    reason: str = "",
    notes: str = "",
    check: Callable[[Any], None] | None = None,
    before_save: Callable[[Any], None] | None = None,
    conflict: type[TransitionConflict] | None = None,
    **kwargs: Any,
) -> Any:
    """Lock `obj`, run transition `name` if the lifecycle allows it (else 409), save, record it.

    `check(locked)` runs on the locked row once the lifecycle allows the move and before it is
    made: the caller's permission and business checks (403, 409), so nothing is locked or checked
    twice. The row lock makes concurrent transitions on one row queue up: the second one sees the
    new status and gets a 409. `ConcurrentTransitionMixin` on the models is the second line of
    defence for a caller that did not lock.
    """
    conflict = conflict or TransitionConflict
    locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    method = getattr(locked, name)
    label = name.replace("_", "-")
    noun = getattr(locked, "transition_noun", "") or locked._meta.verbose_name
    if not can_proceed(method, check_conditions=False):
        raise conflict(
            f"Cannot {label} {_article(noun)} {noun} whose status is '{locked.status}'.",
            reason=reasons.TRANSITION_NOT_ALLOWED,
        )
    if not can_proceed(method):
        raise conflict(
            f"Cannot {label} this {noun} now (status '{locked.status}'): "
            "a condition of the transition is not met.",
            reason=reasons.CONDITION_NOT_MET,
        )
    if check is not None:
        check(locked)
    before = locked.status
    method(**kwargs)
    if before_save is not None:
        before_save(locked)
    locked.save()
    record_change(
        history_model,
        locked,
        from_status=before,
        to_status=locked.status,
        actor=actor,
        transition=name,
        reason=reason,
        notes=notes,
    )
    return locked
