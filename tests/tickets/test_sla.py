"""The SLA clock: due times per tier and priority, pause credit, breach, met, priority change."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from tests.conftest import API
from tests.factories import EntitlementFactory
from tests.tickets.conftest import backdate, move
from tickets import actions
from tickets.models import SlaTarget, Ticket
from tickets.sla import sla_status

H = 60


def _sla(client, ticket) -> str:
    return client.get(f"{API}/tickets/{ticket.pk}").json()["data"]["sla_status"]


@pytest.mark.parametrize(
    ("tier", "priority", "response", "resolution"),
    [
        ("enterprise", "urgent", 30, 4 * H),
        ("enterprise", "low", 8 * H, 3 * 24 * H),
        ("business", "high", 2 * H, 24 * H),
        ("business", "normal", 8 * H, 2 * 24 * H),
        ("basic", "urgent", 4 * H, 24 * H),
        ("flex", "low", 2 * 24 * H, 7 * 24 * H),
        ("government", "high", 1 * H, 8 * H),
        ("free", "urgent", 24 * H, None),
        ("free", "low", None, None),
    ],
)
def test_due_times_per_tier_and_priority(member_api, org, tier, priority, response, resolution):
    entitlement = EntitlementFactory(organization=org, entitlement_class="ENV", sla_tier=tier)
    created = member_api.post(
        f"{API}/tickets",
        {"title": "t", "description": "d", "entitlement_id": entitlement.pk, "priority": priority},
        format="json",
    )
    ticket = Ticket.objects.get(pk=created.json()["data"]["id"])
    if response is None:
        assert ticket.response_due_at is None
    else:
        assert ticket.response_due_at - ticket.created_at == timedelta(minutes=response)
    if resolution is None:
        assert ticket.resolution_due_at is None
    else:
        assert ticket.resolution_due_at - ticket.created_at == timedelta(minutes=resolution)
    expected = "none" if response is None and resolution is None else "on_track"
    assert _sla(member_api, ticket) == expected


def test_edited_target_applies_to_new_tickets(make_ticket):
    SlaTarget.objects.filter(tier="business", priority="normal").update(
        first_response_minutes=15, resolution_minutes=45
    )
    ticket = make_ticket()
    assert ticket.response_due_at - ticket.created_at == timedelta(minutes=15)
    assert ticket.resolution_due_at - ticket.created_at == timedelta(minutes=45)


def test_missing_target_row_means_no_sla(make_ticket):
    SlaTarget.objects.filter(tier="business", priority="normal").delete()
    ticket = make_ticket()
    assert (ticket.response_due_at, ticket.resolution_due_at) == (None, None)
    assert sla_status(ticket) == "none"


def test_waiting_three_hours_is_due_three_hours_later(make_ticket, staff, staff_api):
    ticket = move(make_ticket(), staff, "start", "wait")
    response_due, resolution_due = ticket.response_due_at, ticket.resolution_due_at
    assert _sla(staff_api, ticket) == "paused"
    Ticket.objects.filter(pk=ticket.pk).update(paused_at=F("paused_at") - timedelta(hours=3))
    assert staff_api.post(f"{API}/tickets/{ticket.pk}/start").status_code == 200
    ticket.refresh_from_db()
    assert ticket.paused_at is None
    assert ticket.paused_seconds == pytest.approx(3 * 3600, abs=2)
    assert ticket.response_due_at - response_due == pytest.approx(
        timedelta(hours=3), abs=timedelta(seconds=2)
    )
    assert ticket.resolution_due_at - resolution_due == pytest.approx(
        timedelta(hours=3), abs=timedelta(seconds=2)
    )


def test_pause_credit_spares_an_answered_response_clock(make_ticket, staff):
    ticket = make_ticket()
    actions.ticket_reply(ticket=ticket, author=staff, message="On it")
    ticket = move(ticket, staff, "start", "wait")
    response_due, resolution_due = ticket.response_due_at, ticket.resolution_due_at
    Ticket.objects.filter(pk=ticket.pk).update(paused_at=F("paused_at") - timedelta(hours=2))
    ticket = move(ticket, staff, "resolve")
    assert ticket.response_due_at == response_due
    assert ticket.resolution_due_at - resolution_due >= timedelta(hours=2)


def test_client_reply_resumes_clock_with_credit(make_ticket, staff, member):
    ticket = move(make_ticket(), staff, "start", "wait")
    due = ticket.resolution_due_at
    Ticket.objects.filter(pk=ticket.pk).update(paused_at=F("paused_at") - timedelta(hours=1))
    actions.ticket_reply(ticket=ticket, author=member, message="Done, try again")
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert ticket.resolution_due_at - due >= timedelta(hours=1)


def test_reopen_credits_the_time_spent_resolved(make_ticket, staff, member):
    ticket = move(make_ticket(), staff, "resolve")
    due = ticket.resolution_due_at
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=F("resolved_at") - timedelta(days=3))
    ticket = actions.ticket_transition(ticket=ticket, name="reopen", actor=member, reason="Again")
    assert ticket.resolution_due_at - due >= timedelta(days=3)
    assert sla_status(ticket) == "on_track"


def test_response_breach(make_ticket, member_api):
    ticket = backdate(make_ticket(), timedelta(hours=8, minutes=1))  # business normal: 8 h
    assert _sla(member_api, ticket) == "breached"


def test_first_public_staff_reply_stops_the_response_clock(make_ticket, staff, member_api):
    ticket = make_ticket()
    actions.ticket_reply(ticket=ticket, author=staff, message="Looking")
    ticket = backdate(ticket, timedelta(hours=10))  # past response due, well within resolution
    assert _sla(member_api, ticket) == "on_track"


def test_internal_note_does_not_stop_the_response_clock(make_ticket, staff, member_api):
    ticket = make_ticket()
    actions.ticket_reply(ticket=ticket, author=staff, message="note", internal=True)
    ticket = backdate(ticket, timedelta(hours=10))
    assert _sla(member_api, ticket) == "breached"


def test_late_first_response_stays_breached(make_ticket, staff, member_api):
    ticket = backdate(make_ticket(), timedelta(hours=9))
    actions.ticket_reply(ticket=ticket, author=staff, message="Sorry for the delay")
    assert _sla(member_api, ticket) == "breached"


def test_resolution_breach(make_ticket, staff, member_api):
    ticket = make_ticket()
    actions.ticket_reply(ticket=ticket, author=staff, message="Looking")
    ticket = backdate(ticket, timedelta(days=2, minutes=1))  # business normal: 48 h
    assert _sla(member_api, ticket) == "breached"


def test_at_risk_with_less_than_a_quarter_left(make_ticket, staff, member_api):
    ticket = make_ticket()
    actions.ticket_reply(ticket=ticket, author=staff, message="Looking")
    almost = backdate(ticket, timedelta(hours=37))  # 11 of 48 h left
    assert _sla(member_api, almost) == "at_risk"
    fresh = make_ticket()
    actions.ticket_reply(ticket=fresh, author=staff, message="Looking")
    fresh = backdate(fresh, timedelta(hours=35))  # 13 of 48 h left
    assert _sla(member_api, fresh) == "on_track"
    unanswered = backdate(make_ticket(), timedelta(hours=6, minutes=30))  # 1.5 of 8 h left
    assert _sla(member_api, unanswered) == "at_risk"


def test_met_when_resolved_in_time(make_ticket, staff, member_api):
    ticket = make_ticket()
    actions.ticket_reply(ticket=ticket, author=staff, message="Fixed")
    ticket = move(ticket, staff, "resolve")
    assert _sla(member_api, ticket) == "met"
    ticket = move(ticket, staff, "close")
    ticket = backdate(ticket, timedelta(days=30))  # the clock stopped at resolution
    assert _sla(member_api, ticket) == "met"


def test_resolved_late_is_breached(make_ticket, staff, member_api):
    ticket = backdate(make_ticket(), timedelta(days=3))
    ticket = move(ticket, staff, "resolve")
    assert _sla(member_api, ticket) == "breached"


def test_resolution_without_reply_counts_as_response(make_ticket, staff, member_api):
    ticket = move(make_ticket(), staff, "resolve")
    assert _sla(member_api, ticket) == "met"


def test_paused_ticket(make_ticket, staff, member_api):
    ticket = move(make_ticket(), staff, "start", "wait")
    assert _sla(member_api, ticket) == "paused"
    # Waiting for 5 days: the due times passed while paused, which is credited on resume.
    ticket = backdate(ticket, timedelta(days=5))
    assert _sla(member_api, ticket) == "paused"
    ticket = move(ticket, staff, "start")
    assert _sla(member_api, ticket) == "on_track"


def test_breach_before_the_pause_stays_breached(make_ticket, staff, member_api):
    ticket = move(backdate(make_ticket(), timedelta(days=5)), staff, "start", "wait")
    assert _sla(member_api, ticket) == "breached"


def test_cancelled_is_none(make_ticket, staff, member_api):
    ticket = move(backdate(make_ticket(), timedelta(days=5)), staff, "cancel")
    assert _sla(member_api, ticket) == "none"


def test_priority_change_recomputes_due_times(make_ticket, staff, staff_api):
    ticket = move(make_ticket(), staff, "start", "wait")
    Ticket.objects.filter(pk=ticket.pk).update(paused_at=F("paused_at") - timedelta(hours=1))
    ticket = move(ticket, staff, "start")
    paused = timedelta(seconds=ticket.paused_seconds)
    response = staff_api.patch(f"{API}/tickets/{ticket.pk}", {"priority": "urgent"}, format="json")
    assert response.status_code == 200, response.content
    ticket.refresh_from_db()
    assert ticket.priority == "urgent"
    assert ticket.response_due_at == ticket.created_at + timedelta(hours=1) + paused
    assert ticket.resolution_due_at == ticket.created_at + timedelta(hours=8) + paused
    assert response.json()["data"]["resolution_due_at"] is not None


def test_priority_change_after_first_response_keeps_response_due(make_ticket, staff):
    ticket = make_ticket()
    actions.ticket_reply(ticket=ticket, author=staff, message="Hi")
    ticket.refresh_from_db()
    response_due = ticket.response_due_at
    ticket = actions.ticket_update(ticket=ticket, actor=staff, priority="low")
    assert ticket.response_due_at == response_due
    assert ticket.resolution_due_at == ticket.created_at + timedelta(days=5)


def test_priority_change_can_breach(make_ticket, staff, staff_api):
    ticket = backdate(make_ticket(priority="low"), timedelta(hours=3))
    assert _sla(staff_api, ticket) == "on_track"
    staff_api.patch(f"{API}/tickets/{ticket.pk}", {"priority": "urgent"}, format="json")
    assert _sla(staff_api, ticket) == "breached"


def test_sla_status_filter(make_ticket, staff, member_api):
    on_track = make_ticket()
    breached = backdate(make_ticket(), timedelta(hours=9))
    paused = move(make_ticket(), staff, "start", "wait")
    met = move(make_ticket(), staff, "resolve")
    cases = {
        "on_track": [on_track],
        "breached": [breached],
        "paused": [paused],
        "met": [met],
        "at_risk": [],
        "breached,paused": [paused, breached],
    }
    for value, tickets in cases.items():
        response = member_api.get(f"{API}/tickets?sla_status={value}")
        assert response.status_code == 200, response.content
        assert sorted(t["id"] for t in response.json()["data"]) == sorted(t.pk for t in tickets)
        assert {t["sla_status"] for t in response.json()["data"]} <= set(value.split(","))
    bad = member_api.get(f"{API}/tickets?sla_status=late")
    assert bad.status_code == 422
    assert "sla_status" in bad.json()["errors"]["fields"]


def test_python_and_sql_agree(make_ticket, staff, member):
    """sla_status() and the queryset annotation give the same answer in every state."""
    tickets = [
        make_ticket(),
        backdate(make_ticket(), timedelta(hours=7)),
        backdate(make_ticket(), timedelta(hours=9)),
        move(make_ticket(), staff, "start", "wait"),
        backdate(move(make_ticket(), staff, "start", "wait"), timedelta(days=4)),
        move(make_ticket(), staff, "resolve"),
        move(backdate(make_ticket(), timedelta(days=4)), staff, "resolve", "close"),
        move(make_ticket(), staff, "cancel"),
        make_ticket(
            priority="low",
            entitlement=EntitlementFactory(
                organization=member.memberships.first().organization, sla_tier="free"
            ),
        ),
    ]
    replied = make_ticket()
    actions.ticket_reply(ticket=replied, author=staff, message="x")
    tickets += [backdate(replied, timedelta(hours=40)), backdate(replied, timedelta(days=3))]
    now = timezone.now()
    annotated = {t.pk: t.sla_status for t in Ticket.objects.with_sla_status(now)}
    computed = {t.pk: sla_status(Ticket.objects.get(pk=t.pk), now) for t in tickets}
    assert annotated == computed
    assert set(computed.values()) == {"on_track", "at_risk", "breached", "paused", "met", "none"}
