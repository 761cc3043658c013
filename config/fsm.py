"""One mechanism for every lifecycle: lock the row, check the FSM, transition, save, record history.

Entitlements, environments, services and tickets each have a concrete history model built on
`StatusChange`; their actions call `run_transition()`, so the rules (409 with the current status,
row lock, one history row in the same transaction) are written once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


@transaction.atomic
def run_transition(
    obj: models.Model,
    name: str,
    *,
    actor: Any,
    history_model: type[StatusChange],
    reason: str = "",
    notes: str = "",
    reason_code: str | None = None,
    before_save: Callable[[Any], None] | None = None,
    **kwargs: Any,
) -> Any:
    """Lock `obj`, run transition `name` if the lifecycle allows it (else 409), save, record it.

    The row lock makes concurrent transitions on one row queue up: the second one sees the new
    status and gets a 409. `ConcurrentTransitionMixin` on the models is the second line of defence
    for a caller that did not lock.
    """
    locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    method = getattr(locked, name)
    label = name.replace("_", "-")
    noun = locked._meta.verbose_name
    article = "an" if noun[0] in "aeiou" else "a"
    if not can_proceed(method, check_conditions=False):
        raise TransitionConflict(
            f"Cannot {label} {article} {noun} whose status is '{locked.status}'.",
            reason=reason_code or f"MIDDAG-{type(obj).__name__.upper()}-TRANSITION_NOT_ALLOWED",
        )
    if not can_proceed(method):
        raise TransitionConflict(
            f"Cannot {label} this {noun} now (status '{locked.status}'): "
            "a condition of the transition is not met.",
            reason=reason_code or f"MIDDAG-{type(obj).__name__.upper()}-CONDITION_NOT_MET",
        )
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
