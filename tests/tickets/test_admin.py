"""The back office: list, filters, add through ticket_create, transition buttons, inline replies."""

from datetime import timedelta
from html.parser import HTMLParser

from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import EntitlementFactory
from tests.tickets.conftest import backdate, move
from tickets import actions
from tickets.models import (
    Reply,
    SlaTarget,
    Ticket,
    TicketCategory,
    TicketDeletion,
    TicketStatusChange,
)


class FormParser(HTMLParser):
    """Collects the fields of one <form id=...> as a browser would submit them."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside:
            return
        if tag == "option":
            if self._select and "selected" in a:
                self.data[self._select] = a.get("value", "")
            return
        name = a.get("name")
        if not name:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind == "checkbox":
                if "checked" in a:
                    self.data[name] = a.get("value", "on")
                return
            self.data[name] = a.get("value", "")
        elif tag == "select":
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def form_data(response, form_id="ticket_form") -> dict:
    parser = FormParser(form_id)
    parser.feed(response.content.decode())
    return parser.data


CHANGELIST = "/admin/tickets/ticket/"


def _change_url(ticket) -> str:
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def test_changelist_columns_and_filters(staff_admin, make_ticket, staff, staff2, other_ticket):
    on_track = make_ticket(title="Fresh")
    breached = backdate(make_ticket(title="Late"), timedelta(days=3))
    actions.ticket_assign(ticket=breached, actor=staff, assignee=staff2)
    response = staff_admin.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    for text in (on_track.number, breached.number, other_ticket.number, on_track.entitlement.code):
        assert text in html
    assert 'bo-label-danger">Breached<' in html  # the breached label, red
    assert 'bo-label-success">On track<' in html

    def listed(query):
        page = staff_admin.get(f"{CHANGELIST}?{query}")
        assert page.status_code == 200
        return {t.pk for t in page.context["cl"].result_list}

    assert listed("sla_status=breached") == {breached.pk}
    assert listed("overdue=yes") == {breached.pk}
    assert listed("overdue=no") == {on_track.pk, other_ticket.pk}
    assert listed(f"assignee={staff2.pk}") == {breached.pk}
    assert listed("assignee=none") == {on_track.pk, other_ticket.pk}
    assert listed(f"organization__id__exact={other_ticket.organization_id}") == {other_ticket.pk}
    assert listed("status__exact=open&priority__exact=normal") == {
        on_track.pk,
        breached.pk,
        other_ticket.pk,
    }
    assert listed(f"q={breached.number}") == {breached.pk}
    assert listed("q=Fresh") == {on_track.pk}
    assert listed(f"q={other_ticket.entitlement.code}") == {other_ticket.pk}
    assert staff_admin.get(f"{CHANGELIST}?o=7").status_code == 200  # sorted by SLA status


def test_non_staff_cannot_use_the_admin(member, ticket):
    client = Client()
    client.force_login(member)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_add_through_ticket_create(
    staff_admin, superuser, org, member, django_capture_on_commit_callbacks
):
    plg = EntitlementFactory(organization=org, entitlement_class="PLG")
    page = staff_admin.get(reverse("admin:tickets_ticket_add"))
    assert page.status_code == 200
    data = form_data(page)
    data.update(
        entitlement=str(plg.pk),
        requester=str(member.pk),
        title="Plugin licence transfer",
        description="Move the licence to the new domain.",
        priority="high",
        assignee=str(superuser.pk),
        category=str(TicketCategory.objects.get(slug="hosting").pk),
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_admin.post(reverse("admin:tickets_ticket_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert len(mail.outbox) == 1  # "created", once: the validation run mailed nobody
    ticket = Ticket.objects.get(title="Plugin licence transfer")
    assert ticket.number.startswith("SR-")
    assert (ticket.organization, ticket.requester, ticket.assignee) == (org, member, superuser)
    assert ticket.source == "admin"
    assert ticket.resolution_due_at is not None
    row = TicketStatusChange.objects.get(subject=ticket)
    assert (row.from_status, row.to_status, row.changed_by) == (None, "open", superuser)
    assert Ticket.objects.count() == 1  # the validation run was rolled back
    assert response["Location"].endswith(CHANGELIST) or str(ticket.pk) in response["Location"]


def test_add_against_a_service(staff_admin, service, member):
    data = form_data(staff_admin.get(reverse("admin:tickets_ticket_add")))
    data.update(service=str(service.pk), title="Sprint", description="Plan it", priority="normal")
    # The requester is required (issue 13, problem 1): never the staff member by default.
    response = staff_admin.post(reverse("admin:tickets_ticket_add"), data)
    assert response.status_code == 200
    assert "requester" in response.context["adminform"].form.errors
    data["requester"] = str(member.pk)
    response = staff_admin.post(reverse("admin:tickets_ticket_add"), data)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.service, ticket.entitlement, ticket.requester) == (
        service,
        service.entitlement,
        member,
    )


def test_add_form_errors_are_shown_not_500(staff_admin, org, other_owner):
    data = form_data(staff_admin.get(reverse("admin:tickets_ticket_add")))
    data.update(title="No target", description="d", priority="normal")
    response = staff_admin.post(reverse("admin:tickets_ticket_add"), data)
    assert response.status_code == 200
    assert "entitlement" in response.context["adminform"].form.errors
    entitlement = EntitlementFactory(organization=org)
    data.update(entitlement=str(entitlement.pk), requester=str(other_owner.pk))
    response = staff_admin.post(reverse("admin:tickets_ticket_add"), data)
    assert response.status_code == 200
    assert "requester" in response.context["adminform"].form.errors
    assert not Ticket.objects.exists()


def test_transition_buttons(staff_admin, ticket, superuser):
    page = staff_admin.get(_change_url(ticket))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="start"' in html
    assert 'value="close"' not in html  # not possible from open
    url = reverse("admin:tickets_ticket_transition", args=[ticket.pk])
    response = staff_admin.post(url, {"transition": "start"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    last = TicketStatusChange.objects.filter(subject=ticket).last()
    assert (last.to_status, last.changed_by) == ("in_progress", superuser)
    # A move the lifecycle refuses is a message, not a change.
    response = staff_admin.post(url, {"transition": "close"}, follow=True)
    assert "Cannot close" in response.content.decode()
    staff_admin.post(url, {"transition": "resolve"})
    response = staff_admin.post(url, {"transition": "reopen"}, follow=True)
    assert "reason is required" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    staff_admin.post(url, {"transition": "reopen", "reason": "Client says no"})
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert staff_admin.get(url).status_code == 302  # a GET goes back to the page, never a 405


def test_bulk_actions(staff_admin, make_ticket, staff):
    a, b = make_ticket(), move(make_ticket(), staff, "resolve", "close")
    response = staff_admin.post(
        CHANGELIST, {"action": "bulk_resolve", "_selected_action": [a.pk, b.pk]}, follow=True
    )
    assert response.status_code == 200
    assert Ticket.objects.get(pk=a.pk).status == "resolved"
    assert Ticket.objects.get(pk=b.pk).status == "closed"
    assert "Cannot resolve" in response.content.decode()


def test_composer_reply_and_internal_note_go_through_ticket_reply(
    staff_admin, ticket, superuser, member
):
    actions.ticket_reply(ticket=ticket, author=member, message="Existing client reply")
    page = staff_admin.get(_change_url(ticket))
    assert "Existing client reply" in page.content.decode()
    data = form_data(page)
    data.update(message="We are on it.", send="reply")
    response = staff_admin.post(_change_url(ticket), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    reply = Reply.objects.get(message="We are on it.")
    assert (reply.author, reply.internal) == (superuser, False)
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None

    data = form_data(staff_admin.get(_change_url(ticket)))
    data.update(message="Internal: check the logs.", send="note")
    assert staff_admin.post(_change_url(ticket), data).status_code == 302
    assert Reply.objects.get(message="Internal: check the logs.").internal is True
    assert Reply.objects.count() == 3


def test_change_form_updates_through_ticket_update(staff_admin, ticket, superuser):
    data = form_data(staff_admin.get(_change_url(ticket)))
    assert "status" not in data  # never a form field
    data.update(title="Renamed", priority="urgent", assignee=str(superuser.pk), status="closed")
    response = staff_admin.post(_change_url(ticket), data)
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.title, ticket.priority, ticket.assignee, ticket.status) == (
        "Renamed",
        "urgent",
        superuser,
        "open",
    )
    assert ticket.resolution_due_at - ticket.created_at == timedelta(hours=8)


def test_closed_ticket_is_read_only(staff_admin, make_ticket, staff):
    ticket = move(make_ticket(), staff, "resolve", "close")
    page = staff_admin.get(_change_url(ticket))
    assert page.status_code == 200
    data = form_data(page)
    assert "title" not in data
    assert "message" not in data  # no composer on a closed request


def test_delete_goes_through_ticket_delete(staff_admin, ticket, superuser):
    url = reverse("admin:tickets_ticket_delete", args=[ticket.pk])
    response = staff_admin.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Ticket.objects.exists()
    assert TicketDeletion.objects.get().deleted_by == superuser
    assert staff_admin.get("/admin/tickets/ticketdeletion/").status_code == 200


def test_sla_targets_editable(staff_admin):
    target = SlaTarget.objects.get(tier="business", priority="urgent")
    response = staff_admin.get(reverse("admin:tickets_slatarget_change", args=[target.pk]))
    assert response.status_code == 200
    data = form_data(response, "slatarget_form")
    data.update(first_response_minutes="45", resolution_minutes="300")
    assert (
        staff_admin.post(
            reverse("admin:tickets_slatarget_change", args=[target.pk]), data
        ).status_code
        == 302
    )
    target.refresh_from_db()
    assert (target.first_response_minutes, target.resolution_minutes) == (45, 300)
    assert staff_admin.get("/admin/tickets/slatarget/?tier__exact=business").status_code == 200


def test_categories_and_read_only_admins(staff_admin, ticket, staff):
    response = staff_admin.post(
        reverse("admin:tickets_ticketcategory_add"),
        {"name": "Security", "slug": "security", "is_active": "on"},
    )
    assert response.status_code == 302
    assert TicketCategory.objects.filter(slug="security").exists()
    actions.ticket_reply(ticket=ticket, author=staff, message="hello")
    for url in (
        "/admin/tickets/reply/?q=hello",
        "/admin/tickets/ticketstatuschange/",
        "/admin/tickets/slabreach/",
        "/admin/tickets/ticketcategory/?q=host",
    ):
        assert staff_admin.get(url).status_code == 200, url
    assert staff_admin.get("/admin/tickets/reply/add/").status_code == 403
