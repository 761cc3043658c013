"""The doors: `ingest_email` (an MTA pipe: stdin and exit codes, in a real subprocess) and
`fetch_email` against a real IMAP server (dovecot, started here on a loopback port)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from mail import inbound
from mail.models import InboundMessage, Mailbox
from tests.mail import imap_server
from tests.mail.conftest import DESK, eml, message
from tickets.models import Reply, Ticket
from tickets.reply_addresses import reply_address

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "imap-secret"


def subprocess_env(database_url: str | None = None) -> dict[str, str]:
    """The environment of a command run as cron or the MTA would, on the test database."""
    db = connection.settings_dict
    url = database_url or (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    return {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": url,
        "INBOUND_EMAIL_ADDRESS": DESK,
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "MAIL_INBOUND_RATE": "1000/h",
    }


def run_ingest(
    raw: bytes, database_url: str | None = None, *args: str
) -> subprocess.CompletedProcess:
    """`manage.py ingest_email` as an MTA runs it: the message on stdin, the exit status back."""
    return subprocess.run(  # noqa: S603 (our own command, fixed arguments)
        [sys.executable, "manage.py", "ingest_email", *args],
        input=raw,
        capture_output=True,
        cwd=ROOT,
        env=subprocess_env(database_url),
        timeout=120,
        check=False,
    )


@pytest.mark.postgres
def test_ingest_email_pipe_handles_and_exits_0(transactional_db, ticket, member):
    raw = eml("gmail_reply.eml", sender=member, to=reply_address(ticket.pk, ticket.number))

    first = run_ingest(raw)
    again = run_ingest(raw)  # the MTA delivers twice: nothing changes

    assert (first.returncode, again.returncode) == (0, 0), first.stderr
    assert first.stdout.decode().strip() == "reply"
    assert Reply.objects.filter(ticket=ticket, author=member).count() == 1


@pytest.mark.postgres
def test_ingest_email_takes_the_envelope_recipient(transactional_db, ticket, member):
    raw = message(sender=member.email, to="it@acme.example", body="Bcc'd")

    result = run_ingest(raw, None, "--recipient", reply_address(ticket.pk, ticket.number))

    assert result.returncode == 0, result.stderr
    assert Reply.objects.get(ticket=ticket).message == "Bcc'd"


@pytest.mark.postgres
def test_ingest_email_ignored_mail_exits_0(transactional_db, ticket, member):
    forged = f"desk+{ticket.number}.abcdefghij@middag.example"
    for raw in (
        eml("bounce.eml", sender=member, to=reply_address(ticket.pk, ticket.number)),
        message(sender=member.email, to=forged),
        b"\x00 not a message at all",
    ):
        result = run_ingest(raw)
        assert result.returncode == 0, result.stderr
        assert result.stdout.decode().startswith("ignored")
    assert not Reply.objects.exists()


@pytest.mark.postgres
def test_ingest_email_temporary_failure_exits_75(transactional_db, ticket, member):
    raw = message(sender=member.email, to=reply_address(ticket.pk, ticket.number))

    result = run_ingest(raw, database_url="postgres://postgres@127.0.0.1:1/nowhere")

    assert result.returncode == 75
    assert b"temporary failure" in result.stderr


# --- IMAP ---------------------------------------------------------------------------------------


ACCOUNTS = 40


@pytest.fixture(scope="session")
def imap():
    server = imap_server.start()
    for n in range(ACCOUNTS):  # all at once: dovecot rereads the file by its modification time
        server.add_user(f"desk{n}", PASSWORD)
    server.unused = iter(range(ACCOUNTS))
    yield server
    server.stop()


@pytest.fixture
def mailbox(imap, db, settings) -> Mailbox:
    """A fresh IMAP account on the test server, configured as staff would in the admin."""
    settings.MAIL_INBOUND_RATE = "1000/h"
    username = f"desk{next(imap.unused)}"
    return Mailbox.objects.create(
        name=username,
        host=imap.host,
        port=imap.port,
        security=Mailbox.Security.NONE,
        username=username,
        password=PASSWORD,
    )


def seen(imap, mailbox: Mailbox, folder: str = "INBOX") -> list[bool]:
    return ["\\Seen" in flags for flags in imap.flags(mailbox.username, PASSWORD, folder)]


def test_fetch_email_handles_each_message_once_and_flags_it(imap, mailbox, ticket, member):
    to = reply_address(ticket.pk, ticket.number)
    for raw in (
        eml("outlook_reply.eml", sender=member, to=to),
        eml("out_of_office.eml", sender=member, to=to),
        eml("thunderbird_latin1.eml", sender=member, to=to),
    ):
        imap.append(mailbox.username, PASSWORD, raw)

    call_command("fetch_email")

    assert seen(imap, mailbox) == [True, True, True]
    replies = list(Reply.objects.filter(ticket=ticket).values_list("message", flat=True))
    assert len(replies) == 2
    assert "renewal" in replies[0]
    assert replies[1].startswith("Olá")
    assert set(InboundMessage.objects.values_list("door", "mailbox")) == {("imap", mailbox.pk)}

    call_command("fetch_email")  # the scheduler runs it again: nothing new

    assert Reply.objects.filter(ticket=ticket).count() == 2
    assert InboundMessage.objects.count() == 3
    mailbox.refresh_from_db()
    assert mailbox.last_fetched_at is not None
    assert mailbox.last_error == ""


def test_fetch_email_after_a_crash_never_handles_a_message_twice(imap, mailbox, ticket, member):
    raw = eml("gmail_reply.eml", sender=member, to=reply_address(ticket.pk, ticket.number))
    imap.append(mailbox.username, PASSWORD, raw)
    # A run died after its transaction committed and before it flagged the message:
    inbound.handle(raw, door=inbound.Door.IMAP, mailbox=mailbox)
    assert seen(imap, mailbox) == [False]

    call_command("fetch_email")

    assert seen(imap, mailbox) == [True]
    assert Reply.objects.filter(ticket=ticket).count() == 1


def test_fetch_email_after_a_partial_run_handles_the_rest_once(imap, mailbox, ticket, member):
    to = reply_address(ticket.pk, ticket.number)
    raws = [
        message(sender=member.email, to=to, body=f"Message {n}", message_id=f"<part-{n}@x>")
        for n in range(3)
    ]
    for raw in raws:
        imap.append(mailbox.username, PASSWORD, raw)
    # The last run handled and flagged the first message, handled the second and died before
    # flagging it, never reached the third.
    inbound.handle(raws[0], door=inbound.Door.IMAP, mailbox=mailbox)
    client = imap.client(mailbox.username, PASSWORD)
    client.select("INBOX")
    client.store("1", "+FLAGS", "(\\Seen $MiddagHandled)")
    client.logout()
    inbound.handle(raws[1], door=inbound.Door.IMAP, mailbox=mailbox)

    call_command("fetch_email")

    assert seen(imap, mailbox) == [True, True, True]
    bodies = sorted(Reply.objects.filter(ticket=ticket).values_list("message", flat=True))
    assert bodies == ["Message 0", "Message 1", "Message 2"]


@pytest.mark.postgres
def test_fetch_email_killed_mid_run_never_handles_a_message_twice(
    transactional_db, imap, mailbox, ticket, member
):
    """A real crash: `fetch_email` runs in its own process and gets SIGKILL part-way; the next
    run handles what is left, each message exactly once, wherever the kill landed."""
    to = reply_address(ticket.pk, ticket.number)
    count = 40
    for n in range(count):
        raw = message(sender=member.email, to=to, body=f"Message {n:02}", message_id=f"<k{n}@x>")
        imap.append(mailbox.username, PASSWORD, raw)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "fetch_email"],
        cwd=ROOT,
        env=subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while InboundMessage.objects.count() < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    handled_before = InboundMessage.objects.count()
    assert 3 <= handled_before < count  # killed in the middle

    call_command("fetch_email")

    assert seen(imap, mailbox) == [True] * count
    bodies = sorted(Reply.objects.filter(ticket=ticket).values_list("message", flat=True))
    assert bodies == [f"Message {n:02}" for n in range(count)]
    assert InboundMessage.objects.count() == count


def test_fetch_email_handles_mail_a_person_already_read(imap, mailbox, ticket, member):
    imap.append(
        mailbox.username,
        PASSWORD,
        message(sender=member.email, to=reply_address(ticket.pk, ticket.number), body="Read"),
    )
    client = imap.client(mailbox.username, PASSWORD)
    client.select("INBOX")
    client.store("1", "+FLAGS", "(\\Seen)")  # someone opened the shared mailbox first
    client.logout()

    call_command("fetch_email")
    call_command("fetch_email")

    assert Reply.objects.get(ticket=ticket).message == "Read"
    assert "$MiddagHandled" in imap.flags(mailbox.username, PASSWORD)[0]


def test_fetch_email_moves_to_the_processed_folder(imap, mailbox, ticket, member):
    mailbox.processed_folder = "Processed"
    mailbox.save()
    client = imap.client(mailbox.username, PASSWORD)
    client.create("Processed")
    client.logout()
    imap.append(
        mailbox.username,
        PASSWORD,
        message(sender=member.email, to=reply_address(ticket.pk, ticket.number)),
    )

    call_command("fetch_email")

    assert seen(imap, mailbox) == []
    assert seen(imap, mailbox, "Processed") == [True]
    assert Reply.objects.filter(ticket=ticket).count() == 1


def test_fetch_email_opens_requests_sent_to_the_desk(imap, mailbox, member, env_entitlement):
    imap.append(
        mailbox.username, PASSWORD, eml("forwarded_new_request.eml", sender=member, to=DESK)
    )

    call_command("fetch_email")

    assert Ticket.objects.get().title == "Disk almost full on moodle-prod"


def test_fetch_email_dry_run_changes_nothing(imap, mailbox, ticket, member):
    imap.append(
        mailbox.username,
        PASSWORD,
        message(sender=member.email, to=reply_address(ticket.pk, ticket.number)),
    )

    call_command("fetch_email", "--dry-run")

    assert seen(imap, mailbox) == [False]
    assert not InboundMessage.objects.exists()


def test_fetch_email_reports_a_wrong_password(imap, mailbox):
    mailbox.password = "wrong"
    mailbox.save()

    with pytest.raises(Exception, match="Mailboxes with errors"):
        call_command("fetch_email")

    mailbox.refresh_from_db()
    assert mailbox.last_error.startswith("cannot connect")


def test_the_scheduler_fetches_email(imap, mailbox, ticket, member):
    from config.celery import app
    from mail.tasks import fetch_email

    imap.append(
        mailbox.username,
        PASSWORD,
        message(sender=member.email, to=reply_address(ticket.pk, ticket.number)),
    )
    entry = next(e for e in app.conf.beat_schedule.values() if e["task"] == fetch_email.name)

    assert entry["schedule"] <= 300
    assert fetch_email.apply().get() == 1
    assert Reply.objects.filter(ticket=ticket).count() == 1


def test_a_temporary_failure_leaves_that_message_for_the_next_run(
    imap, mailbox, ticket, member, settings, tmp_path
):
    """The virus scanner is configured but silent: that message waits, the others go through."""
    from email.message import EmailMessage

    to = reply_address(ticket.pk, ticket.number)
    with_file = EmailMessage()
    with_file["From"], with_file["To"], with_file["Subject"] = member.email, to, "Log"
    with_file["Message-ID"] = "<with-file@client>"
    with_file.set_content("The log.")
    with_file.add_attachment(b"line 1\n", maintype="text", subtype="plain", filename="app.log")
    imap.append(mailbox.username, PASSWORD, with_file.as_bytes())
    imap.append(mailbox.username, PASSWORD, message(sender=member.email, to=to, body="Plain"))
    settings.CLAMAV_SOCKET = str(tmp_path / "no-clamd.sock")
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }

    with pytest.raises(Exception, match="Mailboxes with errors"):
        call_command("fetch_email")

    assert seen(imap, mailbox) == [False, True]
    assert list(Reply.objects.values_list("message", flat=True)) == ["Plain"]
    mailbox.refresh_from_db()
    assert mailbox.last_error.startswith("temporary failure")

    settings.CLAMAV_SOCKET = ""
    call_command("fetch_email")

    assert seen(imap, mailbox) == [True, True]
    assert Reply.objects.get(message="The log.").attachments.get().filename == "app.log"
