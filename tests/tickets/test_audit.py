"""The audit trail of service requests: every change that is not a transition is written by its
action, in its transaction, and read back through the history endpoint where clients may see it."""

import pytest

from audit.models import AuditEntry
from config.errors import Forbidden
from tests.conftest import API, client_for
from tests.tickets.conftest import move
from tickets import actions

pytestmark = pytest.mark.django_db


def _entries(ticket) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_id=ticket.pk, content_type__model="ticket"))


def test_an_edit_records_each_changed_field_with_old_and_new_values(ticket, staff):
    actions.ticket_update(ticket=ticket, actor=staff, priority="urgent", title=ticket.title)
    (entry,) = _entries(ticket)
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.changes == {"priority": ["normal", "urgent"]}  # the unchanged title is not
    assert entry.actor == staff
    assert entry.organization_id == ticket.organization_id


def test_an_edit_that_changes_nothing_records_nothing(ticket, staff):
    actions.ticket_update(ticket=ticket, actor=staff, title=ticket.title)
    assert _entries(ticket) == []


def test_assignment_rating_and_deletion_are_recorded(ticket, staff, member):
    actions.ticket_assign(ticket=ticket, actor=staff, assignee=staff)
    move(ticket, staff, "resolve")
    actions.ticket_rate(ticket=ticket, actor=member, rating=4, comment="Quick")
    number = ticket.number
    actions.ticket_delete(ticket=ticket, actor=staff)
    assign, rate, delete = _entries(ticket)
    assert (assign.action, assign.changes) == ("assign", {"assignee": [None, staff.pk]})
    assert (rate.action, rate.changes) == (
        "rate",
        {"rating": [None, 4], "rating_comment": ["", "Quick"]},
    )
    assert (delete.action, delete.object_label, delete.internal) == ("delete", number, True)


def test_a_refused_edit_records_nothing(ticket, member):
    with pytest.raises(Forbidden, match="staff"):
        actions.ticket_update(ticket=ticket, actor=member, priority="urgent")
    assert _entries(ticket) == []


def test_history_includes_changes_on_request_and_keeps_its_seed_shape_otherwise(
    ticket, staff, member, org
):
    actions.ticket_update(ticket=ticket, actor=staff, priority="high")
    api = client_for(member, org)
    plain = api.get(f"{API}/tickets/{ticket.pk}/history").json()["data"]
    assert [row["to_status"] for row in plain] == ["open"]
    assert "kind" not in plain[0]
    rows = api.get(f"{API}/tickets/{ticket.pk}/history?include=changes").json()["data"]
    assert [row["kind"] for row in rows] == ["status", "change"]
    assert rows[1]["changes"] == {"priority": ["normal", "high"]}
    assert rows[1]["changed_by"] == staff.pk
    bad = api.get(f"{API}/tickets/{ticket.pk}/history?include=everything")
    assert bad.status_code == 422


def test_internal_changes_are_for_staff_only(ticket, staff, member, org):
    AuditEntry.objects.create(
        organization=org,
        content_type_id=_content_type_id(),
        object_id=ticket.pk,
        action=AuditEntry.Action.UPDATE,
        changes={"category": [None, 1]},
        internal=True,
    )
    client_rows = client_for(member, org).get(f"{API}/tickets/{ticket.pk}/history?include=changes")
    staff_rows = client_for(staff, org).get(f"{API}/tickets/{ticket.pk}/history?include=changes")
    assert [r["kind"] for r in client_rows.json()["data"]] == ["status"]
    assert [r["kind"] for r in staff_rows.json()["data"]] == ["status", "change"]


def _content_type_id() -> int:
    from django.contrib.contenttypes.models import ContentType

    from tickets.models import Ticket

    return ContentType.objects.get_for_model(Ticket).pk
