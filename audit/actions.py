"""Writing the audit trail: called by the domain actions, inside their own transaction."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from audit.models import AuditEntry

Action = AuditEntry.Action


def _plain(value: Any) -> Any:
    """A value as JSON: a model as its id, times as ISO strings."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj: models.Model, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The current values of `fields` (relations by id), to compare after a change."""
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        values[name] = _plain(getattr(obj, field.attname, getattr(obj, name, None)))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value changed."""
    return {
        name: [before.get(name), _plain(value)]
        for name, value in after.items()
        if _plain(value) != before.get(name)
    }


def record(
    *,
    actor: Any,
    subject: models.Model,
    action: str,
    changes: dict[str, list[Any]] | None = None,
    internal: bool = False,
    organization_id: int | None = None,
    label: str = "",
) -> AuditEntry | None:
    """Write one audit row for `subject`; an update that changed nothing writes none."""
    if action == Action.UPDATE and not changes:
        return None
    if organization_id is None:
        organization_id = getattr(subject, "organization_id", None)
    return AuditEntry.objects.create(
        organization_id=organization_id,
        content_type=ContentType.objects.get_for_model(type(subject)),
        object_id=subject.pk,
        object_label=(label or str(subject))[:200],
        action=action,
        changes=changes or {},
        internal=internal,
        actor=actor if getattr(actor, "pk", None) else None,
    )


def record_update(
    *,
    actor: Any,
    subject: models.Model,
    before: dict[str, Any],
    internal: bool = False,
    action: str = Action.UPDATE,
    organization_id: int | None = None,
) -> AuditEntry | None:
    """Audit the fields of `before` (a snapshot()) that `subject` now holds differently."""
    after = snapshot(subject, list(before))
    return record(
        actor=actor,
        subject=subject,
        action=action,
        changes=diff(before, after),
        internal=internal,
        organization_id=organization_id,
    )


def entries_for(subject: models.Model, *, staff: bool) -> models.QuerySet[AuditEntry]:
    """The subject's audit rows, oldest first; internal ones only for staff."""
    qs = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(subject)), object_id=subject.pk
    )
    return qs if staff else qs.filter(internal=False)
