"""Polling the IMAP mailboxes staff configure: each new message handled once, then flagged.

Idempotent: the message's row (inbound.handle, unique Message-ID) commits before the message is
flagged (\\Seen and the keyword $MiddagHandled) or moved, so a crash between the two only means the
next run finds it again, sees the Message-ID already handled and just flags it.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
from dataclasses import dataclass, field

from django.utils import timezone

from mail import inbound
from mail.models import Mailbox

logger = logging.getLogger("mail.fetching")
TIMEOUT = 60
HANDLED = "$MiddagHandled"  # the IMAP keyword set on handled mail


@dataclass
class FetchReport:
    """What one run did in one mailbox."""

    mailbox: str
    handled: list[str] = field(default_factory=list)
    error: str = ""


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    if mailbox.security == Mailbox.Security.SSL:
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT
        )
    else:
        client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT)
        if mailbox.security == Mailbox.Security.STARTTLS:
            client.starttls(ssl.create_default_context())
    client.login(mailbox.username, mailbox.password)
    return client


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _keywords_allowed(client: imaplib.IMAP4) -> bool:
    """Whether the folder takes keywords of our own (PERMANENTFLAGS lists \\*)."""
    _, data = client.response("PERMANENTFLAGS")
    return any(b"\\*" in (d or b"") for d in data or [])


def _done(client: imaplib.IMAP4, mailbox: Mailbox, uid: bytes, keyword: bool) -> None:
    """Flag the handled message (\\Seen, and our keyword where the server takes keywords), or
    move it to the processed folder."""
    client.uid("STORE", uid, "+FLAGS", f"(\\Seen {HANDLED})" if keyword else "(\\Seen)")
    if mailbox.processed_folder:
        status, _ = client.uid("COPY", uid, _quote(mailbox.processed_folder))
        if status == "OK":
            client.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
            client.expunge()


def fetch_mailbox(mailbox: Mailbox, *, limit: int = 200, dry_run: bool = False) -> FetchReport:
    """Handle up to `limit` unseen messages of the mailbox's folder, oldest first."""
    report = FetchReport(mailbox.name)
    try:
        client = _connect(mailbox)
    except (OSError, imaplib.IMAP4.error) as exc:
        report.error = f"cannot connect: {exc}"
        logger.error("Mailbox %s: %s", mailbox.name, report.error)
        _note(mailbox, report.error)
        return report
    try:
        status, _ = client.select(_quote(mailbox.folder), readonly=dry_run)
        if status != "OK":
            report.error = f"no folder {mailbox.folder!r}"
            _note(mailbox, report.error)
            return report
        # Our own keyword marks handled mail, so a message a person already read in a mail client
        # is still handled; servers without keywords fall back to \\Seen.
        keyword = _keywords_allowed(client)
        _, data = client.uid("SEARCH", None, f"UNKEYWORD {HANDLED}" if keyword else "UNSEEN")
        for uid in (data[0] or b"").split()[:limit]:
            # BODY.PEEK: fetching leaves the message unseen until it is handled.
            status, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts or [] if isinstance(p, tuple)), None)
            if status != "OK" or raw is None:
                continue
            if dry_run:
                report.handled.append(f"{uid.decode()}: would handle {len(raw)} bytes")
                continue
            try:
                result = inbound.handle(raw, door=inbound.Door.IMAP, mailbox=mailbox)
            except inbound.TemporaryFailure as exc:
                # Left unflagged for the next run; the others still go (one bad message must not
                # hold up the mailbox).
                report.error = f"temporary failure, left for the next run: {exc}"[:2000]
                continue
            _done(client, mailbox, uid, keyword)
            report.handled.append(f"{uid.decode()}: {result.outcome} {result.reason}".strip())
        _note(mailbox, report.error)
        return report
    except (OSError, imaplib.IMAP4.error) as exc:
        report.error = f"IMAP error: {exc}"
        logger.error("Mailbox %s: %s", mailbox.name, report.error)
        _note(mailbox, report.error)
        return report
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()


def _note(mailbox: Mailbox, error: str) -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(last_fetched_at=timezone.now(), last_error=error)


def fetch_all(*, names: list[str] | None = None, dry_run: bool = False) -> list[FetchReport]:
    """Poll every active mailbox (or the named ones)."""
    mailboxes = Mailbox.objects.filter(is_active=True)
    if names:
        mailboxes = mailboxes.filter(name__in=names)
    return [fetch_mailbox(m, dry_run=dry_run) for m in mailboxes]
