"""Files in the portal: sent with a new request and with a reply, listed in the conversation,
downloaded; never an internal file, never another organization's."""

import pytest

from tests.tickets.attachment_samples import EXE, png_bytes, upload
from tickets import actions
from tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db


def test_new_request_with_a_screenshot(portal_client, member, environment):
    client = portal_client(member)
    response = client.post(
        "/portal/requests/new/",
        {
            "environment": environment.pk,
            "title": "Broken layout",
            "description": "See the screenshot.",
            "priority": "normal",
            "files": [upload("screen shot.png", png_bytes(), "image/png")],
        },
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.ticket == Ticket.objects.get()
    assert (attachment.filename, attachment.content_type) == ("screen shot.png", "image/png")
    detail = client.get(response["Location"]).content.decode()
    assert f"/portal/attachments/{attachment.pk}/" in detail
    download = client.get(f"/portal/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == png_bytes()
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_refused_file_is_the_actions_message_and_nothing_is_opened(
    portal_client, member, environment
):
    response = portal_client(member).post(
        "/portal/requests/new/",
        {
            "environment": environment.pk,
            "title": "Tool",
            "description": "Run this.",
            "priority": "normal",
            "files": [upload("tool.exe", EXE)],
        },
    )
    assert 400 <= response.status_code < 500
    assert 'class="problem"' in response.content.decode()
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


def test_reply_with_a_file_and_no_internal_file_shown(portal_client, member, staff, ticket):
    client = portal_client(member)
    client.post(
        f"/portal/requests/{ticket.pk}/reply/",
        {"message": "Log attached", "files": [upload("error.png", png_bytes(), "image/png")]},
    )
    mine = Attachment.objects.get(reply__isnull=False)
    actions.ticket_reply(
        ticket=ticket,
        author=staff,
        message="Staff only",
        internal=True,
        files=[upload("internal.png", png_bytes(), "image/png")],
    )
    internal = Attachment.objects.get(internal=True)
    body = client.get(f"/portal/requests/{ticket.pk}/").content.decode()
    assert "error.png" in body
    assert "internal.png" not in body
    assert client.get(f"/portal/attachments/{mine.pk}/").status_code == 200
    assert client.get(f"/portal/attachments/{internal.pk}/").status_code == 404


def test_another_organizations_file_is_a_404(portal_client, member, other_owner, other_ticket):
    actions.ticket_reply(
        ticket=other_ticket,
        author=other_owner,
        message="Ours",
        files=[upload("theirs.png", png_bytes(), "image/png")],
    )
    theirs = Attachment.objects.get()
    response = portal_client(member).get(f"/portal/attachments/{theirs.pk}/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()
