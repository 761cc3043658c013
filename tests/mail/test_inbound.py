"""Inbound mail through the one code path (mail.inbound.handle): real clients' messages, the rules."""

import pytest
from django.test import TestCase

from mail import inbound
from mail.models import InboundMessage
from tests.factories import EntitlementFactory, MembershipFactory, StaffFactory, UserFactory
from tests.mail.conftest import DESK, eml, message
from tickets import actions
from tickets.models import Reply, Ticket, TicketStatusChange
from tickets.reply_addresses import reply_address

Outcome = InboundMessage.Outcome


def ingest(raw: bytes) -> inbound.Result:
    """Handle the message as the pipe does; what it queues for after the commit runs."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return inbound.handle(raw, door=inbound.Door.PIPE)


def only_reply(ticket: Ticket) -> Reply:
    (reply,) = Reply.objects.filter(ticket=ticket)
    return reply


@pytest.mark.parametrize(
    ("name", "expected", "quoted"),
    [
        (
            "gmail_reply.eml",
            "Thanks! The new certificate works on www, but the API host still shows the old one.",
            "We renewed",
        ),
        (
            "outlook_reply.eml",
            "Hello, the \u201crenewal\u201d did not reach the mail server \u2013 it still serves "
            "the old certificate.",
            "We renewed",
        ),
        (
            "apple_mail_reply.eml",
            "Obrigada! Funcionou \u2014 \u00e7 \u00e3 \u00e9 \u2713",
            "wrote:",
        ),
        (
            "thunderbird_latin1.eml",
            "Ol\u00e1, a configura\u00e7\u00e3o do servidor est\u00e1 correta agora.",
            "escreveu",
        ),
        (
            "windows1252_8bit.eml",
            "The \u201cquick\u201d fix costs \u20ac 50 \u2013 is that OK? Caf\u00e9.",
            "\ufffd",
        ),
    ],
)
def test_real_clients_reply_lands_in_the_conversation(ticket, member, name, expected, quoted):
    raw = eml(name, sender=member, to=reply_address(ticket.pk, ticket.number))

    result = ingest(raw)

    assert result.outcome == Outcome.REPLY
    reply = only_reply(ticket)
    assert reply.author == member
    assert not reply.internal
    assert expected in reply.message
    assert quoted not in reply.message
    stored = InboundMessage.objects.get(reply=reply)
    assert bytes(stored.raw) == raw  # the full original, for staff
    assert stored.ticket == ticket


def test_quoted_history_and_signature_kept_for_staff_only(ticket, member):
    raw = eml("outlook_reply.eml", sender=member, to=reply_address(ticket.pk, ticket.number))

    ingest(raw)

    reply = only_reply(ticket)
    assert "Head of IT" not in reply.message
    assert "We renewed the certificate." in InboundMessage.objects.get(reply=reply).text


def test_html_only_mail_becomes_text_and_kept_html_is_sanitized(ticket, member):
    raw = eml("inline_image.eml", sender=member, to=reply_address(ticket.pk, ticket.number))

    assert ingest(raw).outcome == Outcome.REPLY

    reply = only_reply(ticket)
    assert reply.message.splitlines()[0] == "Here is the error page:"
    assert "It appears after login." in reply.message
    assert "alert" not in reply.message
    stored = InboundMessage.objects.get(reply=reply)
    assert "<b>after login</b>" in stored.html
    assert "script" not in stored.html
    assert "onerror" not in stored.html


def test_client_reply_mails_the_desk(ticket, member, mailoutbox):
    mailoutbox.clear()
    raw = message(
        sender=member.email, to=reply_address(ticket.pk, ticket.number), body="Still down"
    )

    ingest(raw)

    assert [m.subject for m in mailoutbox] == [f"[{ticket.number}] Client reply: {ticket.title}"]


@pytest.mark.parametrize("name", ["out_of_office.eml", "bounce.eml", "list_traffic.eml"])
def test_automatic_mail_writes_nothing(ticket, member, name, mailoutbox):
    mailoutbox.clear()
    raw = eml(name, sender=member, to=reply_address(ticket.pk, ticket.number))

    result = ingest(raw)

    assert result.outcome == Outcome.IGNORED
    assert result.reason.startswith("automatic mail")
    assert not Reply.objects.filter(ticket=ticket).exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: auto-generated\r\n",
        "Precedence: bulk\r\n",
        "Precedence: junk\r\n",
        "X-Autoreply: yes\r\n",
        "X-Auto-Response-Suppress: All\r\n",
        "Return-Path: <>\r\n",
    ],
)
def test_every_automatic_marker_writes_nothing(ticket, member, headers):
    raw = message(sender=member.email, to=reply_address(ticket.pk, ticket.number), headers=headers)

    assert ingest(raw).outcome == Outcome.IGNORED
    assert not Reply.objects.filter(ticket=ticket).exists()


def test_auto_submitted_no_is_a_person(ticket, member):
    raw = message(
        sender=member.email,
        to=reply_address(ticket.pk, ticket.number),
        headers="Auto-Submitted: no\r\n",
    )

    assert ingest(raw).outcome == Outcome.REPLY


def test_forged_token_writes_nothing(ticket, member, caplog):
    forged = f"desk+{ticket.number}.aaaaaaaaaa@middag.example"

    result = ingest(message(sender=member.email, to=forged))

    assert result.outcome == Outcome.IGNORED
    assert result.reason == "forged or stale reply address"
    assert not Reply.objects.filter(ticket=ticket).exists()
    assert "forged or stale reply address" in caplog.text


def test_another_requests_token_writes_nothing(ticket, member, env_entitlement):
    other = actions.ticket_create(
        actor=member, title="Other", description="Other", entitlement=env_entitlement
    )
    token = reply_address(other.pk, other.number).split(".")[1].split("@")[0]

    result = ingest(message(sender=member.email, to=f"desk+{ticket.number}.{token}@middag.example"))

    assert result.outcome == Outcome.IGNORED
    assert not Reply.objects.exists()


def test_reply_address_is_case_insensitive(ticket, member):
    address = reply_address(ticket.pk, ticket.number).upper()

    assert ingest(message(sender=member.email.upper(), to=address)).outcome == Outcome.REPLY


@pytest.mark.parametrize("who", ["stranger", "other_org_member", "guest", "no_scope"])
def test_only_the_request_s_writers_reply(ticket, other_org, org, who, caplog):
    sender = {
        "stranger": lambda: "nobody@elsewhere.example",
        "other_org_member": lambda: MembershipFactory(organization=other_org).user.email,
        "guest": lambda: MembershipFactory(organization=org, role="guest").user.email,
        "no_scope": lambda: MembershipFactory(organization=org, scopes=["finances"]).user.email,
    }[who]()

    result = ingest(message(sender=sender, to=reply_address(ticket.pk, ticket.number)))

    assert result.outcome == Outcome.IGNORED
    assert not Reply.objects.filter(ticket=ticket).exists()
    assert InboundMessage.objects.get().reason


def test_staff_reply_by_mail_is_public_and_the_first_response(ticket, member, mailoutbox):
    staff = StaffFactory()
    mailoutbox.clear()

    result = ingest(message(sender=staff.email, to=reply_address(ticket.pk, ticket.number)))

    assert result.outcome == Outcome.REPLY
    reply = only_reply(ticket)
    assert reply.author == staff
    assert not reply.internal
    ticket.refresh_from_db()
    assert ticket.first_response_at == reply.created_at
    assert [m.to for m in mailoutbox] == [[member.email]]


def test_reply_to_resolved_request_reopens_it(ticket, member):
    staff = StaffFactory()
    actions.ticket_transition(ticket=ticket, name="resolve", actor=staff)

    result = ingest(message(sender=member.email, to=reply_address(ticket.pk, ticket.number)))

    assert result.outcome == Outcome.REOPENED
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    change = TicketStatusChange.objects.filter(subject=ticket).order_by("-id").first()
    assert (change.from_status, change.to_status) == ("resolved", "open")
    assert change.reason == "The client answered by e-mail."
    assert only_reply(ticket).author == member


@pytest.mark.parametrize("ending", [("resolve", "close"), ("cancel",)])
def test_reply_to_closed_request_opens_a_new_one(ticket, member, ending):
    for name in ending:
        actions.ticket_transition(ticket=ticket, name=name, actor=member, reason="done")

    result = ingest(
        message(sender=member.email, to=reply_address(ticket.pk, ticket.number), body="Again!")
    )

    assert result.outcome == Outcome.FOLLOW_UP
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert new.description.startswith(f"Follow-up to {ticket.number}")
    assert "Again!" in new.description
    assert new.requester == member
    assert new.source == Ticket.Source.EMAIL
    assert new.entitlement_id == ticket.entitlement_id
    assert not Reply.objects.filter(ticket=ticket).exists()


def test_mail_to_the_desk_opens_a_request(member, env_entitlement):
    raw = eml("forwarded_new_request.eml", sender=member, to=DESK)

    result = ingest(raw)

    assert result.outcome == Outcome.CREATED
    ticket = Ticket.objects.get()
    assert ticket.title == "Disk almost full on moodle-prod"
    assert ticket.entitlement == env_entitlement
    assert ticket.requester == member
    assert ticket.source == Ticket.Source.EMAIL
    assert "/var is 97% full" in ticket.description  # a forward keeps what it forwards


@pytest.mark.parametrize("environments", [0, 2])
def test_mail_to_the_desk_with_no_single_environment_asks(org, member, environments, mailoutbox):
    codes = [
        EntitlementFactory(organization=org, entitlement_class="ENV").code
        for _ in range(environments)
    ]
    mailoutbox.clear()

    result = ingest(eml("forwarded_new_request.eml", sender=member, to=DESK))

    assert result.outcome == Outcome.ASKED
    assert not Ticket.objects.exists()
    (answer,) = mailoutbox
    assert answer.to == [member.email]
    assert answer.extra_headers["Auto-Submitted"] == "auto-replied"
    assert answer.extra_headers["In-Reply-To"] == "<fwd-0001@acme.example>"
    for code in codes:
        assert code in answer.body
    assert "Nothing was created" in answer.body
    assert answer.alternatives[0].mimetype == "text/html"


def test_mail_to_the_desk_from_a_stranger_writes_nothing(env_entitlement, mailoutbox):
    mailoutbox.clear()
    user = UserFactory()  # a user, but no member of any organization

    for sender in ("stranger@elsewhere.example", user.email):
        assert ingest(message(sender=sender, to=DESK)).outcome == Outcome.IGNORED
    assert not Ticket.objects.exists()
    assert mailoutbox == []


def test_mail_to_someone_else_writes_nothing(member, env_entitlement):
    result = ingest(message(sender=member.email, to="sales@middag.example"))

    assert result.outcome == Outcome.IGNORED
    assert not Ticket.objects.exists()


def test_a_redelivered_message_changes_nothing(ticket, member):
    raw = eml("gmail_reply.eml", sender=member, to=reply_address(ticket.pk, ticket.number))

    first, second = ingest(raw), ingest(raw)

    assert (first.outcome, second.duplicate) == (Outcome.REPLY, True)
    assert Reply.objects.filter(ticket=ticket).count() == 1
    assert InboundMessage.objects.count() == 1


def test_a_message_without_message_id_is_handled_once(ticket, member):
    raw = message(sender=member.email, to=reply_address(ticket.pk, ticket.number))
    raw = b"\r\n".join(line for line in raw.split(b"\r\n") if not line.startswith(b"Message-ID"))

    ingest(raw)
    ingest(raw)

    assert Reply.objects.filter(ticket=ticket).count() == 1


def test_per_sender_rate_limit_stops_loops(ticket, member, settings):
    settings.MAIL_INBOUND_RATE = "3/h"
    address = reply_address(ticket.pk, ticket.number)

    outcomes = [ingest(message(sender=member.email, to=address)).outcome for _ in range(5)]

    assert outcomes == [Outcome.REPLY] * 3 + [Outcome.IGNORED] * 2
    assert InboundMessage.objects.filter(reason="rate limit of the sender").count() == 2


def test_a_message_over_the_size_limit_is_refused_with_a_log_line(ticket, member, settings, caplog):
    settings.MAIL_INBOUND_MAX_BYTES = 10_000
    raw = message(
        sender=member.email, to=reply_address(ticket.pk, ticket.number), body="x" * 20_000
    )

    result = ingest(raw)

    assert (result.outcome, result.reason) == (Outcome.IGNORED, "too large")
    assert not Reply.objects.exists()
    assert "over MAIL_INBOUND_MAX_BYTES" in caplog.text


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage without headers",
        b"From: =?utf-8?b?broken\r\nTo: desk@middag.example\r\nContent-Type: multipart/mixed\r\n\r\nno boundary",
        b"From: a@b\r\nContent-Type: text/plain; charset=x-unknown-charset\r\nTo: desk@middag.example\r\n\r\n\xe9t\xe9",
    ],
)
def test_malformed_mail_never_crashes(raw, member, env_entitlement):
    result = ingest(raw)

    assert result.outcome in (Outcome.IGNORED, Outcome.ASKED, Outcome.CREATED)
    assert not Reply.objects.exists()


# --- attachments --------------------------------------------------------------------------------

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\xdac\xfc\xcf\xc0P\x0f\x00\x04\x85\x01\x80\x84\xa9\x8c"
    b"!\x00\x00\x00\x00IEND\xaeB`\x82"
)


def with_files(sender: str, to: str, files: list[tuple[str, str, bytes]]) -> bytes:
    """A message with attachments, as a mail client builds it."""
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, "Screenshot"
    msg["Message-ID"] = f"<files-{len(files)}-{abs(hash(tuple(f[0] for f in files)))}@client>"
    msg.set_content("See the attached screenshot.")
    for filename, content_type, content in files:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def test_attachments_are_stored_with_the_reply(ticket, member, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    raw = with_files(
        member.email,
        reply_address(ticket.pk, ticket.number),
        [("erro tela.png", "image/png", PNG), ("server.log", "text/plain", b"line 1\nline 2\n")],
    )

    assert ingest(raw).outcome == Outcome.REPLY

    reply = only_reply(ticket)
    files = {a.filename: a for a in reply.attachments.all()}
    assert set(files) == {"erro tela.png", "server.log"}
    assert files["erro tela.png"].content_type == "image/png"
    assert files["erro tela.png"].file.read() == PNG
    assert files["erro tela.png"].uploaded_by == member
    assert not files["server.log"].internal


def test_refused_attachments_are_named_in_an_internal_note(ticket, member, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    settings.ATTACHMENT_MAX_FILE_BYTES = 1000
    raw = with_files(
        member.email,
        reply_address(ticket.pk, ticket.number),
        [
            ("ok.png", "image/png", PNG),
            ("setup.exe", "application/octet-stream", b"MZ\x90\x00" + b"\x00" * 200),
            ("photo.png", "image/png", PNG + b"\x00" * 2000),
        ],
    )

    assert ingest(raw).outcome == Outcome.REPLY

    public = Reply.objects.get(ticket=ticket, internal=False)
    assert [a.filename for a in public.attachments.all()] == ["ok.png"]
    note = Reply.objects.get(ticket=ticket, internal=True)
    assert "setup.exe" in note.message
    assert "photo.png" in note.message
    assert note.author is None
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1  # ok.png only


def test_a_refused_sender_leaves_no_file_behind(ticket, other_org, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    stranger = MembershipFactory(organization=other_org).user
    raw = with_files(
        stranger.email, reply_address(ticket.pk, ticket.number), [("a.png", "image/png", PNG)]
    )

    assert ingest(raw).outcome == Outcome.IGNORED

    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_deleted_request_s_address_is_stale(ticket, member):
    address = reply_address(ticket.pk, ticket.number)
    actions.ticket_delete(ticket=ticket, actor=StaffFactory())

    result = ingest(message(sender=member.email, to=address))

    assert (result.outcome, result.reason) == (Outcome.IGNORED, "forged or stale reply address")
    assert not Reply.objects.exists()


def test_the_envelope_recipient_counts_when_the_headers_do_not_name_it(ticket, member):
    raw = message(sender=member.email, to="someone@acme.example", body="Bcc'd to the desk")

    result = inbound.handle(
        raw, door=inbound.Door.PIPE, envelope_to=[reply_address(ticket.pk, ticket.number)]
    )

    assert result.outcome == Outcome.REPLY
    assert only_reply(ticket).message == "Bcc'd to the desk"


def test_the_subject_may_name_the_environment(org, member):
    first, second = (
        EntitlementFactory(organization=org, entitlement_class="ENV") for _ in range(2)
    )
    raw = message(sender=member.email, to=DESK, body="Disk full").replace(
        b"Subject: Re: something", f"Subject: {second.code.lower()}: disk full".encode()
    )

    result = ingest(raw)

    assert result.outcome == Outcome.CREATED
    assert Ticket.objects.get().entitlement == second
    assert first != second
