"""The writes shared by the records an organization holds under an entitlement.

Environments and services are created by staff under an active entitlement of their class (whose
organization they take), edited field by field by staff, and moved through their lifecycle by
staff. `RecordKind` holds what differs between the two (model, history, reason codes, editable
fields, wording); each app's actions module declares one and builds its actions on it, so who
may act, the locks, the history rows and the audit rows are written once:

- every create, update and transition first requires staff (`actor=None` is the system), so the
  API, the admin and the commands get the same answer;
- a create locks the entitlement (concurrent creations queue) and writes the creation history row;
- an update locks the record and audits the changed fields with their old and new values
  (a change of the `assignment` field as an assignment), in the same transaction;
- a transition goes through `config.fsm.run_transition` (lock, 409, history row).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import transaction

from accounts.models import User
from accounts.tenancy import require_staff
from audit import actions as audit
from audit.models import AuditEntry
from config.errors import Conflict, Invalid
from config.fsm import StatusChange, record_change, run_transition
from entitlements.errors import EntitlementNotActive
from entitlements.models import Entitlement, EntitlementRecord


class RecordReasons(Protocol):
    """The reason codes a record app answers with (each app's `Reason` enum has these)."""

    NO_ORGANIZATION: str
    ENTITLEMENT_NOT_ACTIVE: str
    TRANSITION_NOT_ALLOWED: str
    CONDITION_NOT_MET: str


# A transition runner: (record, transition name, actor=, reason=, notes=) -> the moved record.
Runner = Callable[..., Any]


def with_article(noun: str) -> str:
    """The noun with its article: "an environment", "a service"."""
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


@dataclass(frozen=True)
class RecordKind:
    """One kind of record under an entitlement (an environment, a service)."""

    model: type[EntitlementRecord]
    reasons: RecordReasons
    entitlement_class: str  # the class of entitlement the record belongs to
    not_of_class: type[Invalid]  # the app's 422 for an entitlement of another class
    standalone: type[Invalid]  # the 422 for an entitlement without an organization
    editable: tuple[str, ...]  # fields staff set on create and change later, in the API's order
    active_rule: str  # why the entitlement must be active: "services are opened only under ..."
    # The app's 409 when the entitlement already has its record: one record per entitlement.
    one_per_entitlement: type[Conflict] | None = None
    # More rules on one field's value, e.g. the assignee must be staff: {field: check(value)}.
    field_checks: Mapping[str, Callable[[Any], None]] = field(default_factory=dict)
    assignment: str | None = None  # the field whose change is audited as an assignment

    @property
    def noun(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def history_model(self) -> type[StatusChange]:
        """The model of the record's status history (its `history` relation)."""
        return self.model._meta.get_field("history").related_model

    def check_fields(self, fields: dict[str, Any]) -> None:
        """Only editable fields, choice fields within their choices, metadata a JSON object,
        and each of `field_checks`."""
        unknown = set(fields) - set(self.editable)
        if unknown:
            raise Invalid(f"Unknown {self.noun} field(s): {', '.join(sorted(unknown))}.")
        for name in self.editable:
            allowed = [value for value, _ in self.model._meta.get_field(name).choices or ()]
            if allowed and name in fields and fields[name] not in allowed:
                raise Invalid(f"{name} must be one of: {', '.join(allowed)}.", field=name)
        if "metadata" in fields and not isinstance(fields["metadata"], dict):
            raise Invalid("metadata must be a JSON object.", field="metadata")
        for name, check in self.field_checks.items():
            if name in fields:
                check(fields[name])

    def check_entitlement(self, entitlement: Entitlement) -> None:
        """The entitlement is of the record's class, belongs to an organization, has no record
        yet when it holds only one, and is active."""
        self.check_owner(entitlement)
        taken = self.one_per_entitlement
        if taken and self.model.objects.filter(entitlement_id=entitlement.pk).exists():
            raise taken(
                f"Entitlement {entitlement.code} already has {with_article(self.noun)} "
                "(one per entitlement)."
            )
        self.check_active(entitlement)

    def check_owner(self, entitlement: Entitlement) -> None:
        """The entitlement is of the record's class and belongs to an organization."""
        if entitlement.entitlement_class != self.entitlement_class:
            raise self.not_of_class(
                f"{self.noun.capitalize()}s belong to {self.entitlement_class}-class "
                f"entitlements; {entitlement.code} is {entitlement.entitlement_class}.",
                field="entitlement_id",
            )
        if entitlement.organization_id is None:
            raise self.standalone(
                f"Entitlement {entitlement.code} has no organization; {with_article(self.noun)} "
                "takes its organization from its entitlement.",
                field="entitlement_id",
                reason=self.reasons.NO_ORGANIZATION,
            )

    def check_active(self, entitlement: Entitlement) -> None:
        if entitlement.status != Entitlement.Status.ACTIVE:
            raise EntitlementNotActive(
                f"Entitlement {entitlement.code} is '{entitlement.status}'; {self.active_rule}.",
                reason=self.reasons.ENTITLEMENT_NOT_ACTIVE,
            )

    def create(
        self,
        *,
        actor: User | None,
        entitlement: Entitlement,
        fields: dict[str, Any],
        reason: str = "",
    ) -> Any:
        """Staff create a record under `entitlement` (checked once locked); the record takes
        its organization and gets its creation history row."""
        require_staff(actor)
        # The entitlement lock queues concurrent creations under one entitlement.
        entitlement = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
        self.check_entitlement(entitlement)
        self.check_fields(fields)
        record = self.model.objects.create(
            entitlement=entitlement, organization_id=entitlement.organization_id, **fields
        )
        record_change(
            self.history_model,
            record,
            from_status=None,
            to_status=record.status,
            actor=actor,
            transition="create",
            reason=reason,
        )
        return record

    def update(
        self,
        record: EntitlementRecord,
        *,
        actor: User | None,
        fields: dict[str, Any],
        check: Callable[[Any, dict[str, Any]], None],
    ) -> Any:
        """Staff change a record's fields once `check(locked, fields)` passes; the audit row
        lists the changed fields with their old and new values (none when nothing changed)."""
        require_staff(actor)
        locked = self.model.objects.select_for_update().get(pk=record.pk)
        check(locked, fields)
        before = audit.snapshot(locked, list(fields))
        for name, value in fields.items():
            setattr(locked, name, value)
        if fields:
            locked.save(update_fields=[*fields, "updated_at"])
            self._audit(actor, locked, before)
        return locked

    def _audit(self, actor: User | None, record: EntitlementRecord, before: dict) -> None:
        """One row for the changed fields, and one more when the assignee changed."""
        assigned = (
            {self.assignment: before.pop(self.assignment)} if self.assignment in before else {}
        )
        audit.record_update(actor=actor, subject=record, before=before)
        # record_update skips an update that changed nothing, not an assignment: check here.
        if assigned and audit.diff(assigned, audit.snapshot(record, list(assigned))):
            audit.record_update(
                actor=actor, subject=record, before=assigned, action=AuditEntry.Action.ASSIGN
            )

    def run(
        self,
        record: EntitlementRecord,
        name: str,
        *,
        actor: User | None,
        reason: str = "",
        notes: str = "",
        before_save: Callable[[Any], None] | None = None,
    ) -> Any:
        """Move the record by transition `name`: lock, lifecycle check (409), history row."""
        return run_transition(
            record,
            name,
            actor=actor,
            history_model=self.history_model,
            reasons=self.reasons,
            reason=reason,
            notes=notes,
            before_save=before_save,
        )

    def transition(self, name: str, summary: str, run: Runner | None = None) -> Callable[..., Any]:
        """The action `<noun>_<name>(*, <noun>, actor, reason="", notes="")`: staff (or the
        system) move the record by transition `name` through `run` (default: `self.run`)."""
        move = run or self.run
        noun = self.noun

        @transaction.atomic
        def action(*, actor: User | None, reason: str = "", notes: str = "", **subject: Any):
            if set(subject) != {noun}:
                raise TypeError(f"{noun}_{name}() takes the {noun} as its keyword '{noun}'")
            require_staff(actor)
            return move(subject[noun], name, actor=actor, reason=reason, notes=notes)

        action.__name__ = action.__qualname__ = f"{noun}_{name}"
        action.__doc__ = summary
        return action
