"""The admin of mailboxes (password write-only) and of inbound mail (read-only, original kept)."""

from django.urls import reverse

from mail import inbound
from mail.models import InboundMessage, Mailbox
from tests.mail.conftest import message
from tickets.reply_addresses import reply_address

FIELDS = {
    "name": "Support",
    "host": "imap.example.com",
    "port": "993",
    "security": "ssl",
    "folder": "INBOX",
    "processed_folder": "",
    "username": "desk@example.com",
    "is_active": "on",
}


def test_mailbox_password_is_write_only(staff_admin):
    add = reverse("admin:mail_mailbox_add")

    refused = staff_admin.post(add, {**FIELDS, "password": ""})
    assert refused.status_code == 200
    assert "A new mailbox needs its password." in refused.content.decode()

    response = staff_admin.post(add, {**FIELDS, "password": "s3cret-imap-pw"})
    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert mailbox.password == "s3cret-imap-pw"

    change = reverse("admin:mail_mailbox_change", args=[mailbox.pk])
    page = staff_admin.get(change).content.decode()
    assert "s3cret-imap-pw" not in page
    assert "Write-only" in page
    assert (
        "s3cret-imap-pw"
        not in staff_admin.get(reverse("admin:mail_mailbox_changelist")).content.decode()
    )

    staff_admin.post(change, {**FIELDS, "folder": "Support", "password": ""})
    mailbox.refresh_from_db()
    assert (mailbox.folder, mailbox.password) == ("Support", "s3cret-imap-pw")  # blank keeps it

    staff_admin.post(change, {**FIELDS, "password": "new-pw"})
    mailbox.refresh_from_db()
    assert mailbox.password == "new-pw"


def test_inbound_mail_shows_the_original_to_staff_and_is_read_only(staff_admin, ticket, member):
    raw = message(
        sender=member.email, to=reply_address(ticket.pk, ticket.number), body="Original <b>text</b>"
    )
    inbound.handle(raw, door=inbound.Door.PIPE)
    row = InboundMessage.objects.get()

    listing = staff_admin.get(reverse("admin:mail_inboundmessage_changelist"))
    page = staff_admin.get(reverse("admin:mail_inboundmessage_change", args=[row.pk]))

    assert listing.status_code == 200
    assert ticket.number in listing.content.decode()
    assert "Original &lt;b&gt;text&lt;/b&gt;" in page.content.decode()
    assert (
        staff_admin.post(
            reverse("admin:mail_inboundmessage_delete", args=[row.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert InboundMessage.objects.filter(pk=row.pk).exists()


def test_client_cannot_open_the_mail_admin(client, member):
    client.force_login(member)

    response = client.get(reverse("admin:mail_mailbox_changelist"))

    assert response.status_code == 302
    assert "/login/" in response["Location"]
