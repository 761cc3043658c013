"""The request workspace (issue 13, problems 2, 3, 4, 9 and item 5): one form for the composer,
the fields and the transitions, posted once through the actions; nothing typed is lost."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import EnvironmentFactory
from tests.tickets.conftest import move
from tests.tickets.test_admin import form_data
from tickets import actions
from tickets.models import CannedReply, Reply, Ticket, TicketStatusChange

pytestmark = pytest.mark.django_db


def url(ticket: Ticket) -> str:
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def post(client: Client, ticket: Ticket, **fields):
    """What the browser posts: the page's form as it is, plus what the person typed/clicked."""
    data = form_data(client.get(url(ticket)))
    data.update(fields)
    return client.post(url(ticket), data)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def test_send_and_wait_replies_mails_the_requester_and_waits(
    staff_admin, ticket, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(staff_admin, ticket, message="Which plugin version?", send="wait")
    assert response.status_code == 302
    assert response["Location"] == url(ticket)  # back to the workspace, not the list
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING  # open -> in progress -> waiting
    reply = Reply.objects.get(ticket=ticket)
    assert (reply.message, reply.internal) == ("Which plugin version?", False)
    assert [m.to for m in mail.outbox if "Which plugin version?" in m.body] == [[member.email]]
    said = messages_of(response)
    assert any("Reply sent to" in m for m in said)
    assert not any("changed successfully" in m for m in said)


def test_send_and_resolve(staff_admin, ticket):
    response = post(staff_admin, ticket, message="Renewed the certificate.", send="resolve")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    assert ticket.first_response_at is not None


def test_internal_note_is_not_mailed_and_is_marked_in_the_thread(
    staff_admin, ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(staff_admin, ticket, message="Check the cron logs first.", send="note")
    assert Reply.objects.get(ticket=ticket).internal is True
    assert not [m for m in mail.outbox if "cron logs" in m.body]
    html = staff_admin.get(url(ticket)).text
    assert "Internal note — not visible to the client" in html
    assert 'class="bo-msg bo-msg-note"' in html


def test_typed_text_survives_a_transition_and_a_field_change(staff_admin, ticket):
    """Problem 2: a typed reply plus a priority change, then "Start work": both kept."""
    response = post(
        staff_admin, ticket, message="Half-written answer", priority="high", transition="start"
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == (Ticket.Status.IN_PROGRESS, "high")
    assert not Reply.objects.exists()  # not sent without asking
    assert any("still in the composer" in m for m in messages_of(response))
    page = staff_admin.get(url(ticket))
    assert "Half-written answer</textarea>" in page.text
    # Sending it clears the draft.
    post(staff_admin, ticket, message="Half-written answer, finished", send="reply")
    assert "Half-written answer</textarea>" not in staff_admin.get(url(ticket)).text


def test_a_refused_move_keeps_the_text_and_changes_nothing(staff_admin, ticket):
    response = post(
        staff_admin,
        ticket,
        message="Typed before the refusal",
        priority="urgent",
        transition="reopen",
        reason="Asked again",
    )
    assert response.status_code == 200  # the page again, with the error and the text
    assert "Typed before the refusal</textarea>" in response.text
    assert "Cannot reopen" in response.text
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == (Ticket.Status.OPEN, "normal")
    assert not Reply.objects.exists()


def test_an_empty_send_is_a_form_error(staff_admin, ticket):
    response = post(staff_admin, ticket, message="  ", send="reply")
    assert response.status_code == 200
    assert "Type the reply or the note first." in response.text
    assert not Reply.objects.exists()


def test_cancel_asks_first(staff_admin, ticket):
    """Problem 3: a final move runs only once confirmed (the script, or its own page)."""
    html = staff_admin.get(url(ticket)).text
    assert 'value="cancel"' in html
    assert "data-confirm=" in html  # the script asks before posting
    response = post(staff_admin, ticket, transition="cancel", reason="Duplicate")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/{ticket.pk}/transition/cancel/")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    response = post(staff_admin, ticket, transition="cancel", reason="Duplicate", confirmed="1")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CANCELLED
    row = TicketStatusChange.objects.filter(subject=ticket).last()
    assert row.reason == "Duplicate"


def test_reason_box_says_the_client_reads_it(staff_admin, ticket):
    html = staff_admin.get(url(ticket)).text
    assert "Reason — the client reads it in the request's history" in html


def test_assign_to_me(staff_admin, ticket, superuser):
    response = post(staff_admin, ticket, assign_to_me="on")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == superuser


def test_thread_names_authors_roles_and_status_changes(staff_admin, ticket, member, staff):
    actions.ticket_reply(ticket=ticket, author=member, message="Any news?")
    move(ticket, staff, "start", reason="On it")
    actions.ticket_reply(ticket=ticket, author=staff, message="Looking now.")
    html = staff_admin.get(url(ticket)).text
    assert member.get_full_name() in html
    assert "Requester" in html
    assert "MIDDAG staff" in html
    assert "moved it from Open to In progress" in html
    assert "in_progress" not in html.split('id="bo-thread"')[1].split("</ol>")[0]
    assert "ago" in html
    assert "Reply 1 on" not in html


def test_side_panel(staff_admin, make_ticket, env_entitlement, org):
    environment = EnvironmentFactory(
        entitlement=env_entitlement, organization=org, url="https://campus.acme.example"
    )
    ticket = make_ticket(environment=environment)
    other = make_ticket(title="Another open one")
    html = staff_admin.get(url(ticket)).text
    panel = html.split('id="bo-side-panel"')[1]
    for text in (
        org.name,
        env_entitlement.code,
        "https://campus.acme.example",
        "SLA clock",
        other.number,
    ):
        assert text in panel, text


def test_canned_reply_filled_and_applied(staff_admin, ticket, member, staff2):
    canned = CannedReply.objects.create(
        title="Need details",
        body="Hello {requester_name}, about {request_number} at {organization}: {unknown}.",
        transition="wait",
        assignee=staff2,
    )
    page = staff_admin.get(url(ticket))
    filled = f"Hello {member.get_full_name()}, about {ticket.number} at {ticket.organization.name}"
    assert filled in page.text  # the composer's data, placeholders filled
    assert "{unknown}" in page.text  # an unknown placeholder stays as written
    response = post(staff_admin, ticket, message=filled, send="reply", canned_reply=str(canned.pk))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == (Ticket.Status.WAITING, staff2)
    assert Reply.objects.get().message == filled


def test_inactive_canned_reply_is_not_offered(staff_admin, ticket):
    CannedReply.objects.create(title="Old macro", body="Bye", is_active=False)
    assert "Old macro" not in staff_admin.get(url(ticket)).text


def test_closed_request_has_no_composer(staff_admin, make_ticket, staff):
    ticket = move(make_ticket(), staff, "resolve", "close")
    html = staff_admin.get(url(ticket)).text
    assert 'id="bo-composer"' not in html
    response = staff_admin.post(url(ticket), {"message": "late", "send": "reply"})
    assert response.status_code in (302, 403)
    assert not Reply.objects.exists()


def test_keyboard_script_is_static(staff_admin, ticket):
    """Shortcuts and confirmations come from a static file: CSP allows no inline handlers."""
    response = staff_admin.get(url(ticket))
    assert "/static/backoffice/workspace.js" in response.text
    assert " onclick=" not in response.text
    assert 'id="bo-help"' in response.text
    assert "script-src" in response["Content-Security-Policy"]


def test_j_and_k_follow_the_queue_page(staff_admin, make_ticket):
    first, second = make_ticket(title="A"), make_ticket(title="B")
    staff_admin.get("/admin/tickets/ticket/")
    html = staff_admin.get(url(first)).text
    neighbours = {first.pk: second, second.pk: first}
    assert url(neighbours[first.pk]) in html


def test_non_staff_and_unknown_requests(member, staff_admin):
    client = Client()
    client.force_login(member)
    assert client.get(reverse("admin:tickets_ticket_change", args=[1])).status_code == 302
    missing = staff_admin.get(reverse("admin:tickets_ticket_change", args=[999999]))
    assert missing.status_code in (302, 404)


def test_workspace_queries_do_not_grow_with_the_conversation(
    staff_admin, make_ticket, member, staff, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = make_ticket()
    actions.ticket_reply(ticket=small, author=member, message="one")
    with CaptureQueriesContext(connection) as one:
        assert staff_admin.get(url(small)).status_code == 200
    big = make_ticket()
    for i in range(15):
        actions.ticket_reply(ticket=big, author=member if i % 2 else staff, message=f"m{i}")
        actions.ticket_reply(ticket=big, author=staff, message=f"note {i}", internal=True)
    from tests.tickets.attachment_samples import LOG, upload

    for i in range(3):  # files on replies: listed from one query, whatever their number
        actions.ticket_reply(
            ticket=big, author=staff, message=f"f{i}", files=[upload(f"{i}.log", LOG)]
        )
    move(big, staff, "start", "wait", "start")
    CannedReply.objects.bulk_create(
        [CannedReply(title=f"Macro {i}", body="Hi {requester_name}") for i in range(10)]
    )
    with django_assert_max_num_queries(len(one)):
        assert staff_admin.get(url(big)).status_code == 200


def test_queue_queries_do_not_grow_with_the_rows(
    staff_admin, make_ticket, staff, member, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_ticket()
    with CaptureQueriesContext(connection) as one:
        assert staff_admin.get("/admin/tickets/ticket/").status_code == 200
    for i in range(30):
        ticket = make_ticket(title=f"Request {i}", priority=["low", "normal", "high"][i % 3])
        if i % 4 == 0:
            actions.ticket_assign(ticket=ticket, actor=staff, assignee=staff)
    with django_assert_max_num_queries(len(one)):
        assert staff_admin.get("/admin/tickets/ticket/").status_code == 200
    for queue in ("mine", "unassigned", "breaching", "waiting", "open"):
        with django_assert_max_num_queries(len(one)):
            assert staff_admin.get(f"/admin/tickets/ticket/?queue={queue}").status_code == 200


def test_old_requests_show_overdue_in_the_workspace(staff_admin, make_ticket):
    from tests.tickets.conftest import backdate

    ticket = backdate(make_ticket(), timedelta(days=3))
    html = staff_admin.get(url(ticket)).text
    assert "overdue" in html
    assert "Breached" in html


def test_a_forged_button_or_canned_reply_is_a_message_not_a_500(staff_admin, ticket):
    response = post(staff_admin, ticket, message="Hi", send="shout", transition="explode")
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    response = post(staff_admin, ticket, message="Hi", send="reply", canned_reply="999999")
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Reply.objects.exists()


# Attachments in the workspace (issue 14, item 5): shown by name, type icon and size, sent with a
# reply or a note through ticket_reply (same limits and types as the API).


def test_a_note_with_files_keeps_them_internal_and_lists_them(staff_admin, ticket):
    from tests.tickets.attachment_samples import LOG, png_bytes, upload

    response = post(
        staff_admin,
        ticket,
        message="Logs and a screenshot.",
        send="note",
        files=[upload("error.log", LOG), upload("screen.png", png_bytes())],
    )
    assert response.status_code == 302, response.content[:500]
    reply = Reply.objects.get(ticket=ticket)
    files = list(reply.attachments.order_by("filename"))
    assert [(f.filename, f.content_type, f.internal) for f in files] == [
        ("error.log", "text/plain", True),
        ("screen.png", "image/png", True),
    ]
    html = staff_admin.get(url(ticket)).text
    link = reverse("attachment-admin-download", args=[files[1].pk])
    assert f'href="{link}"' in html
    assert "screen.png" in html
    assert ">image<" in html  # the type's icon
    download = staff_admin.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == png_bytes()


def test_a_refused_file_sends_nothing_and_keeps_the_text(staff_admin, ticket):
    from tests.tickets.attachment_samples import EXE, upload

    response = post(
        staff_admin,
        ticket,
        message="Here is the fix.",
        send="reply",
        files=[upload("fix.exe", EXE)],
    )
    assert response.status_code == 200  # the page again, with the refusal
    assert not Reply.objects.filter(ticket=ticket).exists()
    assert not ticket.attachments.exists()
    assert "Here is the fix." in response.text
    assert "bo-error" in response.text


def test_files_without_a_message_are_a_form_error(staff_admin, ticket):
    from tests.tickets.attachment_samples import LOG, upload

    response = post(staff_admin, ticket, files=[upload("error.log", LOG)])
    assert response.status_code == 200
    assert "Files go with a reply or a note" in response.text
    assert not ticket.attachments.exists()
