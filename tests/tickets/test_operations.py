"""Numbers, notifications, management commands, deletion and demo data."""

import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.db.models import F

from config.numbering import next_ticket_number
from tests.conftest import API
from tests.tickets.conftest import backdate, move
from tickets import actions
from tickets.errors import TicketForbidden
from tickets.models import SlaBreach, Ticket, TicketDeletion, TicketStatusChange

# --- numbers ---------------------------------------------------------------------------------


def test_number_format_and_sequence(make_ticket):
    first, second = make_ticket(), make_ticket()
    assert re.fullmatch(r"SR-\d{8}", first.number)
    assert first.number[3:7] == f"{datetime.now(tz=UTC):%Y}"
    assert int(second.number[7:]) == int(first.number[7:]) + 1


def test_number_year_change(db):
    assert next_ticket_number(datetime(2031, 12, 31, 23, 59, tzinfo=UTC)) == "SR-20310001"
    assert next_ticket_number(datetime(2031, 12, 31, 23, 59, 59, tzinfo=UTC)) == "SR-20310002"
    assert next_ticket_number(datetime(2032, 1, 1, 0, 0, tzinfo=UTC)) == "SR-20320001"
    assert next_ticket_number(datetime(2031, 6, 1, tzinfo=UTC)) == "SR-20310003"


def test_number_year_follows_business_time_zone(db, settings):
    settings.BUSINESS_TIME_ZONE = "America/Sao_Paulo"
    # 01:30 UTC on Jan 1st is still Dec 31st in São Paulo.
    assert next_ticket_number(datetime(2033, 1, 1, 1, 30, tzinfo=UTC)) == "SR-20320001"


def test_number_past_9999_grows(db):
    from sequences.models import Sequence

    Sequence.objects.create(name="ticket.2034", last=9999)
    assert next_ticket_number(datetime(2034, 3, 1, tzinfo=UTC)) == "SR-203410000"


def test_rolled_back_creation_returns_the_number(make_ticket):
    first = make_ticket()

    def create_then_fail():
        with transaction.atomic():
            make_ticket()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert int(make_ticket().number[7:]) == int(first.number[7:]) + 1


# --- notifications ---------------------------------------------------------------------------


def test_created_mails_staff(
    member_api, env_entitlement, settings, django_capture_on_commit_callbacks
):
    settings.STAFF_NOTIFICATION_EMAIL = "desk@middag.example"
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(
            f"{API}/tickets",
            {"title": "Help", "description": "d", "entitlement_id": env_entitlement.pk},
            format="json",
        )
    number = response.json()["data"]["number"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["desk@middag.example"]
    assert number in mail.outbox[0].subject


def test_staff_reply_mails_requester_internal_note_mails_nobody(
    ticket, member, staff_api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        staff_api.post(
            f"{API}/tickets/{ticket.pk}/replies",
            {"message": "SECRET note", "internal": True},
            format="json",
        )
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        staff_api.post(f"{API}/tickets/{ticket.pk}/replies", {"message": "Hello"}, format="json")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.email]
    assert "Hello" in mail.outbox[0].body
    assert all("SECRET" not in m.body for m in mail.outbox)


def test_client_reply_mails_the_assignee(
    ticket, staff, staff2, member_api, django_capture_on_commit_callbacks
):
    actions.ticket_assign(ticket=ticket, actor=staff, assignee=staff2)
    with django_capture_on_commit_callbacks(execute=True):
        member_api.post(f"{API}/tickets/{ticket.pk}/replies", {"message": "Ping"}, format="json")
    assert [m.to for m in mail.outbox] == [[staff2.email]]


def test_resolved_mails_requester(ticket, member, staff_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        staff_api.post(f"{API}/tickets/{ticket.pk}/start")
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        staff_api.post(f"{API}/tickets/{ticket.pk}/resolve")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.email]
    assert "Resolved" in mail.outbox[0].subject


def test_failed_request_mails_nobody(ticket, member_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = member_api.post(f"{API}/tickets/{ticket.pk}/start")
    assert response.status_code == 403
    assert callbacks == []
    assert mail.outbox == []


def test_mail_failure_is_logged_not_raised(
    ticket, member_api, settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        response = member_api.post(
            f"{API}/tickets/{ticket.pk}/replies", {"message": "x"}, format="json"
        )
    assert response.status_code == 201
    assert "Could not send ticket mail" in caplog.text


# --- close_resolved_tickets ------------------------------------------------------------------


def _resolved_days_ago(ticket, staff, days):
    ticket = move(ticket, staff, "resolve")
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=F("resolved_at") - timedelta(days=days))
    return ticket


def test_close_resolved_tickets(make_ticket, staff):
    old = _resolved_days_ago(make_ticket(), staff, 8)
    recent = _resolved_days_ago(make_ticket(), staff, 3)
    still_open = make_ticket()
    out = StringIO()
    call_command("close_resolved_tickets", "--dry-run", stdout=out)
    assert f"would close {old.number}" in out.getvalue()
    assert recent.number not in out.getvalue()
    assert Ticket.objects.get(pk=old.pk).status == "resolved"

    out = StringIO()
    call_command("close_resolved_tickets", stdout=out)
    assert f"closed {old.number}" in out.getvalue()
    assert {t.pk: t.status for t in Ticket.objects.all()} == {
        old.pk: "closed",
        recent.pk: "resolved",
        still_open.pk: "open",
    }
    row = TicketStatusChange.objects.filter(subject=old).last()
    assert (row.from_status, row.to_status, row.changed_by) == ("resolved", "closed", None)
    assert "7 days" in row.reason

    out = StringIO()
    call_command("close_resolved_tickets", stdout=out)  # idempotent
    assert "closed 0 service request(s)" in out.getvalue()

    call_command("close_resolved_tickets", "--days", "2", stdout=StringIO())
    assert Ticket.objects.get(pk=recent.pk).status == "closed"


def test_close_resolved_tickets_setting_and_org(make_ticket, staff, settings, other_ticket):
    settings.TICKET_AUTO_CLOSE_DAYS = 1
    mine = _resolved_days_ago(make_ticket(), staff, 2)
    theirs = _resolved_days_ago(other_ticket, staff, 2)
    call_command("close_resolved_tickets", "--org", str(theirs.organization_id), stdout=StringIO())
    assert Ticket.objects.get(pk=theirs.pk).status == "closed"
    assert Ticket.objects.get(pk=mine.pk).status == "resolved"


# --- sla_sweep -------------------------------------------------------------------------------


def test_sla_sweep(make_ticket, staff, staff2, django_capture_on_commit_callbacks, settings):
    settings.STAFF_NOTIFICATION_EMAIL = "desk@middag.example"
    late = backdate(make_ticket(), timedelta(days=3))  # response and resolution breached
    actions.ticket_assign(ticket=late, actor=staff, assignee=staff2)
    slow = backdate(make_ticket(), timedelta(hours=9))  # response only
    fine = make_ticket()
    out = StringIO()
    call_command("sla_sweep", "--dry-run", stdout=out)
    assert "would record 3 new SLA breach(es)" in out.getvalue()
    assert not SlaBreach.objects.exists()

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sla_sweep", stdout=out)
    assert "recorded 3 new SLA breach(es)" in out.getvalue()
    assert sorted(SlaBreach.objects.values_list("ticket_id", "kind")) == sorted(
        [(late.pk, "response"), (late.pk, "resolution"), (slow.pk, "response")]
    )
    assert not SlaBreach.objects.filter(ticket=fine).exists()
    assert len(mail.outbox) == 3
    late_mails = [m for m in mail.outbox if late.number in m.subject]
    assert all(set(m.to) == {"desk@middag.example", staff2.email} for m in late_mails)

    mail.outbox.clear()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sla_sweep", stdout=out)  # idempotent
    assert "recorded 0 new SLA breach(es)" in out.getvalue()
    assert SlaBreach.objects.count() == 3
    assert mail.outbox == []

    # Later the slow one also misses its resolution: recorded once more.
    backdate(slow, timedelta(days=2))
    call_command("sla_sweep", stdout=StringIO())
    assert SlaBreach.objects.filter(ticket=slow).count() == 2


def test_sla_sweep_ignores_paused_and_cancelled(make_ticket, staff):
    backdate(move(make_ticket(), staff, "start", "wait"), timedelta(days=3))
    move(backdate(make_ticket(), timedelta(days=3)), staff, "cancel")
    call_command("sla_sweep", stdout=StringIO())
    assert not SlaBreach.objects.exists()


# --- deletion (used by the ISP compatibility API) --------------------------------------------


def test_ticket_delete_leaves_an_audit_record(ticket, staff, member):
    actions.ticket_reply(ticket=ticket, author=member, message="hi")
    number = ticket.number
    actions.ticket_delete(ticket=ticket, actor=staff)
    assert not Ticket.objects.filter(pk=ticket.pk).exists()
    record = TicketDeletion.objects.get()
    assert (record.number, record.deleted_by, record.replies_count) == (number, staff, 1)
    assert record.organization_id == ticket.organization_id
    assert record.entitlement_code == ticket.entitlement.code


def test_ticket_delete_staff_only(ticket, member):
    with pytest.raises(TicketForbidden):
        actions.ticket_delete(ticket=ticket, actor=member)
    assert Ticket.objects.filter(pk=ticket.pk).exists()


# --- close immediately (helpdesk API) --------------------------------------------------------


def test_close_immediately(env_entitlement, staff):
    ticket = actions.ticket_create(
        actor=staff,
        title="Phone call",
        description="Solved on the phone",
        entitlement=env_entitlement,
        close_immediately=True,
        resolution_type="Phone",
        resolution_subject="Password reset",
        source=Ticket.Source.HELPDESK,
    )
    assert ticket.status == "closed"
    assert ticket.resolution_type == "Phone"
    assert list(
        TicketStatusChange.objects.filter(subject=ticket).values_list("to_status", flat=True)
    ) == [
        "open",
        "resolved",
        "closed",
    ]


def test_close_immediately_needs_resolution_fields(env_entitlement, staff):
    from tickets.errors import TicketInvalid

    with pytest.raises(TicketInvalid) as exc:
        actions.ticket_create(
            actor=staff,
            title="t",
            description="d",
            entitlement=env_entitlement,
            close_immediately=True,
        )
    assert exc.value.fields == {"resolution_type": ["A resolution type is required."]}
    assert not Ticket.objects.exists()


# --- demo ------------------------------------------------------------------------------------


def test_demo_is_idempotent_and_covers_states(db):
    from accounts import demo as accounts_demo
    from tickets import demo
    from tickets.sla import sla_status

    lines: list[str] = []
    context = accounts_demo.load(lines.append, {})
    demo.load(lines.append, context)
    count = Ticket.objects.count()
    assert count >= 10
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == {"open", "in_progress", "waiting", "resolved", "closed", "cancelled"}
    assert set(Ticket.objects.values_list("priority", flat=True)) == {
        "low",
        "normal",
        "high",
        "urgent",
    }
    slas = {sla_status(t) for t in Ticket.objects.all()}
    assert {"on_track", "at_risk", "breached", "paused", "met", "none"} <= slas
    assert Ticket.objects.filter(replies__internal=True).exists()
    assert Ticket.objects.filter(rating__isnull=False).exists()
    assert mail.outbox == []
    demo.load(lines.append, context)
    assert Ticket.objects.count() == count
    call_command("close_resolved_tickets", stdout=StringIO())
    assert Ticket.objects.filter(
        title="Theme colours look wrong after the update", status="closed"
    ).exists()
