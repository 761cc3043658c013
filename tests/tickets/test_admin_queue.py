"""The queue (issue 13, problems 5, 6, 11, 12 and item 4), the add page (problems 1, 7, 8 and
item 6) and the SLA-breaches page: urgency order, one-click views, countdowns, search, bulk."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.factories import EntitlementFactory, EnvironmentFactory, MembershipFactory
from tests.tickets.conftest import backdate, move
from tests.tickets.test_admin import form_data
from tickets import actions
from tickets.models import SlaBreach, Ticket, TicketStatusChange

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/tickets/ticket/"


def listed(client, query: str = "") -> list[Ticket]:
    response = client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def due_in(ticket: Ticket, delta: timedelta) -> Ticket:
    """Set the ticket's clock so its nearest due time is `delta` from now (test data only)."""
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        response_due_at=now + delta, resolution_due_at=now + delta + timedelta(hours=8)
    )
    return Ticket.objects.get(pk=ticket.pk)


@pytest.mark.postgres
def test_default_order_is_urgency(staff_admin, make_ticket, staff):
    later = due_in(make_ticket(title="later"), timedelta(hours=6))
    soon = due_in(make_ticket(title="soon"), timedelta(minutes=30))
    breached = backdate(make_ticket(title="breached"), timedelta(days=3))
    waiting = move(make_ticket(title="waiting"), staff, "start", "wait")
    resolved = move(make_ticket(title="resolved"), staff, "resolve")
    order = [t.pk for t in listed(staff_admin)]
    assert order == [breached.pk, soon.pk, later.pk, waiting.pk, resolved.pk]
    html = staff_admin.get(CHANGELIST).text
    assert "overdue" in html
    assert "min left" in html
    assert "paused" in html


def test_priority_sorts_by_rank(staff_admin, make_ticket):
    made = {p: make_ticket(priority=p) for p in ("normal", "urgent", "low", "high")}
    column = 4  # action checkbox, number, request, status, priority
    ascending = [t.priority for t in listed(staff_admin, f"o={column}")]
    assert ascending == ["low", "normal", "high", "urgent"]
    descending = [t.priority for t in listed(staff_admin, f"o=-{column}")]
    assert descending == ["urgent", "high", "normal", "low"]
    assert len(made) == 4


def test_sla_column_sorts_by_urgency(staff_admin, make_ticket, staff):
    fresh = make_ticket()
    late = backdate(make_ticket(), timedelta(days=3))
    waiting = move(make_ticket(), staff, "start", "wait")
    order = [t.pk for t in listed(staff_admin, "o=5")]
    assert order == [late.pk, fresh.pk, waiting.pk]


def test_one_click_queues(staff_admin, make_ticket, superuser, staff):
    mine = make_ticket(title="mine")
    actions.ticket_assign(ticket=mine, actor=staff, assignee=superuser)
    theirs = make_ticket(title="theirs")
    actions.ticket_assign(ticket=theirs, actor=staff, assignee=staff)
    nobody = due_in(make_ticket(title="nobody"), timedelta(hours=10))
    late = backdate(make_ticket(title="late"), timedelta(days=3))
    soon = due_in(make_ticket(title="soon"), timedelta(hours=1))
    waiting = move(make_ticket(title="waiting"), staff, "start", "wait")
    done = move(make_ticket(title="done"), staff, "resolve")

    def queue(name):
        return {t.title for t in listed(staff_admin, f"queue={name}")}

    assert queue("mine") == {"mine"}
    assert queue("unassigned") == {"nobody", "late", "soon", "waiting"}
    assert "nobody" not in queue("breaching")
    assert {"late", "soon"} <= queue("breaching")
    assert queue("waiting") == {"waiting"}
    assert queue("open") == {"mine", "theirs", "nobody", "late", "soon", "waiting"}
    assert done.title not in queue("open")
    assert {nobody.pk, late.pk, soon.pk, waiting.pk}  # made for the queues above
    html = staff_admin.get(f"{CHANGELIST}?queue=mine").text
    assert 'class="bo-tab-active">Mine<' in html


def test_search_by_number_title_code_organization_and_requester(
    staff_admin, make_ticket, other_ticket, other_owner, org, member
):
    ours = make_ticket(title="Backup restore")

    def found(term):
        return {t.pk for t in listed(staff_admin, f"q={term}")}

    assert found(ours.number) == {ours.pk}
    assert found(ours.number.lower()) == {ours.pk}  # a whole number, any case
    assert found(ours.number[3:9]) >= {ours.pk}  # part of a number
    assert found("Backup") == {ours.pk}
    assert found(other_ticket.entitlement.code) == {other_ticket.pk}
    assert found("Other Org") == {other_ticket.pk}  # organization name (problem 11)
    assert found(other_owner.email) == {other_ticket.pk}  # requester e-mail (problem 11)
    assert found(member.email) == {ours.pk}


def test_long_title_is_cut_with_the_full_text_on_hover(staff_admin, make_ticket):
    title = "x" * 200
    make_ticket(title=title)
    html = staff_admin.get(CHANGELIST).text
    assert 'class="bo-title" href' in html
    assert f'title="{title}"' in html
    assert "/static/backoffice/workspace.css" in html


def test_bulk_labels_are_sentences(staff_admin, ticket):
    html = staff_admin.get(CHANGELIST).text
    for label in (
        "Start work on the selected requests",
        "Resolve the selected requests",
        "Assign the selected requests to me",
    ):
        assert label in html
    assert "Start work selected" not in html


def test_bulk_assign_to_me_and_to_someone(staff_admin, make_ticket, superuser, staff2):
    a, b = make_ticket(), make_ticket()
    staff_admin.post(CHANGELIST, {"action": "assign_to_me", "_selected_action": [a.pk, b.pk]})
    assert {t.assignee for t in Ticket.objects.all()} == {superuser}
    response = staff_admin.post(
        CHANGELIST, {"action": "assign_to", "_selected_action": [a.pk]}, follow=True
    )
    assert "Choose the person" in response.text
    staff_admin.post(
        CHANGELIST,
        {"action": "assign_to", "_selected_action": [a.pk], "assignee": str(staff2.pk)},
    )
    assert Ticket.objects.get(pk=a.pk).assignee == staff2
    assert Ticket.objects.get(pk=b.pk).assignee == superuser


def test_the_list_never_counts_the_whole_table(staff_admin, make_ticket):
    from django.test.utils import CaptureQueriesContext

    make_ticket()
    with CaptureQueriesContext(connection) as queries:
        staff_admin.get(CHANGELIST)
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"] and "tickets_ticket" in q["sql"]]
    assert counts, "the paginator counts"
    assert all("LIMIT" in sql for sql in counts)  # capped, never a full COUNT(*)


# --- the add page ------------------------------------------------------------------------------


def add(client, **fields):
    data = form_data(client.get(reverse("admin:tickets_ticket_add")))
    data.update(title="Site slow", description="Since Monday.", priority="normal", **fields)
    return client.post(reverse("admin:tickets_ticket_add"), data)


def test_staff_created_request_mails_its_requester(
    staff_admin, env_entitlement, member, django_capture_on_commit_callbacks
):
    """Problem 1: the first public reply reaches the client, not the staff member."""
    response = add(staff_admin, entitlement=str(env_entitlement.pk), requester=str(member.pk))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.requester == member
    change = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    data = form_data(staff_admin.get(change))
    data.update(message="We are looking into it.", send="reply")
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_admin.post(change, data).status_code == 302
    sent = [m for m in mail.outbox if "We are looking into it." in m.body]
    assert [m.to for m in sent] == [[member.email]]


def test_inactive_entitlement_needs_confirmation_and_a_reason(staff_admin, org, member):
    """Problem 8: a cancelled entitlement is not accepted silently."""
    cancelled = EntitlementFactory(organization=org, entitlement_class="PLG", status="cancelled")
    response = add(staff_admin, entitlement=str(cancelled.pk), requester=str(member.pk))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "is cancelled" in str(errors["confirm_inactive"])
    response = add(
        staff_admin,
        entitlement=str(cancelled.pk),
        requester=str(member.pk),
        confirm_inactive="on",
    )
    assert response.status_code == 200  # a reason too
    assert not Ticket.objects.exists()
    response = add(
        staff_admin,
        entitlement=str(cancelled.pk),
        requester=str(member.pk),
        confirm_inactive="on",
        inactive_reason="Renewal is being signed",
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    row = TicketStatusChange.objects.get(subject=ticket)
    assert (row.transition, row.reason) == ("create", "Renewal is being signed")


def test_no_target_says_so_in_words(staff_admin, member):
    response = add(staff_admin, requester=str(member.pk))
    assert response.status_code == 200
    error = str(response.context["adminform"].form.errors["entitlement"])
    assert "Pick the entitlement" in error
    assert "entitlement_id" not in response.text


def test_pickers_search_by_code_product_and_organization(staff_admin, org, other_org):
    active = EntitlementFactory(organization=org, product_name="Campus EAD", status="active")
    gone = EntitlementFactory(organization=org, product_name="Campus Old", status="cancelled")
    EntitlementFactory(organization=other_org, product_name="Elsewhere")
    pick = reverse("admin:tickets_ticket_pick", args=["entitlement"])
    by_org = staff_admin.get(pick, {"term": org.name}).json()["results"]
    assert [r["id"] for r in by_org] == [str(active.pk), str(gone.pk)]  # active first
    assert "cancelled" in by_org[1]["text"]
    assert org.name in by_org[0]["text"]
    assert active.code in by_org[0]["text"]
    by_code = staff_admin.get(pick, {"term": active.code}).json()["results"]
    assert [r["id"] for r in by_code] == [str(active.pk)]
    by_product = staff_admin.get(pick, {"term": "Campus"}).json()["results"]
    assert {r["id"] for r in by_product} == {str(active.pk), str(gone.pk)}
    page = staff_admin.get(reverse("admin:tickets_ticket_add")).text
    assert f'data-ajax--url="{pick}"' in page


def test_environment_and_requester_pickers(staff_admin, org, member, env_entitlement):
    live = EnvironmentFactory(entitlement=env_entitlement, organization=org, name="prod")
    old = EnvironmentFactory(
        entitlement=EntitlementFactory(organization=org, entitlement_class="ENV"),
        organization=org,
        name="prod-old",
        status="decommissioned",
    )
    pick = reverse("admin:tickets_ticket_pick", args=["environment"])
    results = staff_admin.get(pick, {"term": "prod"}).json()["results"]
    assert [r["id"] for r in results] == [str(live.pk), str(old.pk)]
    assert "decommissioned" in results[1]["text"]
    outsider = MembershipFactory(organization=org, is_active=False).user
    people = staff_admin.get(
        reverse("admin:tickets_ticket_pick", args=["requester"]), {"term": org.name}
    ).json()["results"]
    ids = {r["id"] for r in people}
    assert str(member.pk) in ids
    assert str(outsider.pk) not in ids
    assert staff_admin.get(reverse("admin:tickets_ticket_pick", args=["nope"])).status_code == 404


def test_requester_picker_follows_the_picked_entitlement(
    staff_admin, org, member, other_org, other_owner, env_entitlement
):
    """Item 6: the requester is chosen among the organization's members."""
    pick = reverse("admin:tickets_ticket_pick", args=["requester"])
    everyone = {r["id"] for r in staff_admin.get(pick).json()["results"]}
    assert {str(member.pk), str(other_owner.pk)} <= everyone
    ours = staff_admin.get(pick, {"entitlement": env_entitlement.pk}).json()["results"]
    assert str(member.pk) in {r["id"] for r in ours}
    assert str(other_owner.pk) not in {r["id"] for r in ours}
    theirs_env = EnvironmentFactory(
        entitlement=EntitlementFactory(organization=other_org, entitlement_class="ENV"),
        organization=other_org,
    )
    theirs = staff_admin.get(pick, {"environment": theirs_env.pk}).json()["results"]
    assert [r["id"] for r in theirs] == [str(other_owner.pk)]


# --- SLA breaches: live, before the sweep -----------------------------------------------------


def test_breaches_page_shows_live_breaches_and_runs_the_sweep(staff_admin, make_ticket):
    backdate(make_ticket(), timedelta(days=3))
    page = staff_admin.get("/admin/tickets/slabreach/")
    assert "1 open request is in breach right now" in page.text
    assert "Record breaches now" in page.text
    assert not SlaBreach.objects.exists()
    response = staff_admin.post(reverse("admin:tickets_slabreach_sweep"))
    assert response.status_code == 302
    assert SlaBreach.objects.count() >= 1
    assert "Record breaches now" not in staff_admin.get("/admin/tickets/slabreach/").text


def test_sla_targets_read_as_durations(staff_admin):
    html = staff_admin.get("/admin/tickets/slatarget/").text
    assert "14400" not in html
    assert " d" in html or " h" in html
