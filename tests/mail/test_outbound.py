"""Every ticket mail: threaded, with the request's reply address, a plain-text and an HTML part."""

import pytest
from django.db import transaction

from tests.factories import StaffFactory
from tickets import actions, notifications
from tickets.models import Ticket
from tickets.reply_addresses import reply_address, reply_target, root_message_id, token_valid


def threaded(message, ticket: Ticket) -> None:
    root = root_message_id(ticket.pk, ticket.number)
    headers = message.message()
    assert headers["Message-ID"].startswith("<")
    assert headers["Message-ID"] != root
    assert headers["In-Reply-To"] == root
    assert headers["References"] == root
    assert headers["Reply-To"] == reply_address(ticket.pk, ticket.number)
    assert headers["Auto-Submitted"] == "auto-generated"
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    assert ticket.number in message.body
    assert ticket.number in html


def test_reply_address_names_the_request_and_is_signed(ticket, settings):
    address = reply_address(ticket.pk, ticket.number)

    local, _, domain = address.partition("@")
    assert domain == "middag.example"
    assert local.startswith(f"desk+{ticket.number}.")
    target = reply_target(address.upper())
    assert target.number == ticket.number
    assert token_valid(ticket.pk, target.token)
    assert not token_valid(ticket.pk + 1, target.token)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another-secret-key-another-secret-key-0123456789"
    assert not token_valid(ticket.pk, target.token)  # an HMAC under the secret key
    settings.SECRET_KEY_FALLBACKS = [old_key]  # a rotated key: addresses already sent still work
    assert token_valid(ticket.pk, target.token)


def test_reply_address_local_part_is_a_setting(ticket, settings):
    settings.MAIL_REPLY_LOCAL_PART = "support"

    assert reply_address(ticket.pk, ticket.number).startswith(f"support+{ticket.number}.")


def test_every_ticket_mail_is_threaded_with_both_parts(
    ticket, member, mailoutbox, django_capture_on_commit_callbacks
):
    staff = StaffFactory()
    mailoutbox.clear()
    notifications.ticket_created(ticket.pk)
    with django_capture_on_commit_callbacks(execute=True):
        actions.ticket_reply(ticket=ticket, author=staff, message="We are on it.")
        actions.ticket_reply(ticket=ticket, author=member, message="Thanks.")
        actions.ticket_transition(ticket=ticket, name="resolve", actor=staff)
    breach = ticket.breaches.create(kind="response", due_at=ticket.created_at)
    notifications.sla_breached(breach.pk)

    subjects = [m.subject for m in mailoutbox]
    assert subjects == [
        f"[{ticket.number}] New service request: {ticket.title}",
        f"[{ticket.number}] New reply: {ticket.title}",
        f"[{ticket.number}] Client reply: {ticket.title}",
        f"[{ticket.number}] Resolved: {ticket.title}",
        f"[{ticket.number}] SLA breach (first response): {ticket.title}",
    ]
    for message in mailoutbox:
        threaded(message, ticket)
    assert mailoutbox[1].to == [member.email]
    assert "We are on it." in mailoutbox[1].body
    assert "We are on it." in mailoutbox[1].alternatives[0][0]
    ids = {m.message()["Message-ID"] for m in mailoutbox}
    assert len(ids) == len(mailoutbox)  # one Message-ID per mail


@pytest.mark.parametrize(
    ("preference", "silenced"), [("mail_replies", "New reply"), ("mail_status", "Resolved")]
)
def test_the_requesters_profile_turns_client_mail_off(
    ticket, member, preference, silenced, mailoutbox, django_capture_on_commit_callbacks
):
    """The portal's profile choices (User.mail_replies, mail_status) are honoured."""
    setattr(member, preference, False)
    member.save(update_fields=[preference])
    staff = StaffFactory()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.ticket_reply(ticket=ticket, author=staff, message="We are on it.")
        actions.ticket_transition(ticket=ticket, name="resolve", actor=staff)

    to_member = [m.subject for m in mailoutbox if member.email in m.to]
    assert len(to_member) == 1
    assert silenced not in to_member[0]


def test_internal_note_mails_nobody(ticket, mailoutbox, django_capture_on_commit_callbacks):
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        actions.ticket_reply(ticket=ticket, author=StaffFactory(), message="Secret", internal=True)

    assert mailoutbox == []


def test_html_part_escapes_what_people_typed(
    ticket, member, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        actions.ticket_reply(ticket=ticket, author=member, message="<script>alert(1)</script>")

    html = mailoutbox[0].alternatives[0][0]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<script>alert(1)</script>" in mailoutbox[0].body  # plain text stays plain


@pytest.mark.parametrize(
    "title", ["Hi\r\nBcc: victim@evil.example", "Hi\nBcc: victim@evil.example"]
)
def test_no_header_injection_through_a_title_or_name(
    member, env_entitlement, title, mailoutbox, django_capture_on_commit_callbacks
):
    member.name = "Eve\r\nBcc: victim@evil.example"
    member.save()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = actions.ticket_create(
            actor=member, title=title, description="x", entitlement=env_entitlement
        )
        actions.ticket_reply(ticket=ticket, author=member, message="Hello")

    assert len(mailoutbox) == 2
    for message in mailoutbox:
        head = message.message().as_bytes().split(b"\n\n", 1)[0]
        assert not [line for line in head.split(b"\n") if line.lower().startswith(b"bcc")]
        assert message.message()["Bcc"] is None
        assert "\n" not in message.subject
        assert message.recipients() == message.to
    assert "victim@evil.example" not in mailoutbox[1].to


def test_outgoing_mail_is_sent_after_commit_only(
    member, env_entitlement, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()

    def create_then_fail() -> None:
        with transaction.atomic():
            actions.ticket_create(
                actor=member, title="Rolled back", description="x", entitlement=env_entitlement
            )
            raise RuntimeError

    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        create_then_fail()

    assert mailoutbox == []
