"""Inbound e-mail, one code path for every door (ingest_email, fetch_email, webhooks).

`handle(raw, door=...)` records the message once by its Message-ID (a redelivery changes nothing)
and decides in the same transaction:

- automatic mail (auto-replies, bounces, lists) and senders over the rate limit: nothing;
- to a request's reply address with a valid token, from a user the actions let write: a public
  reply (a resolved request is reopened first; a closed or cancelled one gets a new request that
  names it); forged or stale tokens, unknown senders and refusals: nothing (logged);
- to the desk's main address from a member: a new request against the organization's only active
  ENV entitlement, or a polite answer asking which environment (nothing created).

The message is read by mail.parsing; the reply keeps only its new text (quotes and signatures
stripped by mail-parser-reply); the InboundMessage row keeps the whole decoded text, the
sanitized HTML and the raw message for staff.
Only a temporary failure (the database is away) raises, so the MTA or the next poll retries.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django_fsm import TransitionNotAllowed

from accounts import tenancy
from accounts.models import User
from config.errors import DomainError
from entitlements.models import Entitlement, EntitlementClass
from mail import notifications as mail_notifications
from mail.models import InboundMessage, Mailbox
from mail.parsing import ParsedMail, headers_only, latest_reply, parse
from tickets import actions, attachments, notifications
from tickets import reply_addresses as addresses
from tickets.errors import AttachmentScanUnavailable
from tickets.models import Ticket

logger = logging.getLogger("mail.inbound")

Outcome = InboundMessage.Outcome
Door = InboundMessage.Door
REFUSED = (DomainError, TransitionNotAllowed)
_FORWARDED = re.compile(
    r"^(-+ ?Forwarded message ?-+|Begin forwarded message:|-+ ?Mensagem encaminhada ?-+)",
    re.MULTILINE | re.IGNORECASE,
)
_SUBJECT_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|res|enc|sv|vs)\s*(\[\d+\])?\s*:\s*)+", re.I)


class TemporaryFailure(Exception):
    """The message could not be handled now; the MTA (or the next poll) should try again."""


@dataclass
class Result:
    """What handling a message did (the InboundMessage row, or why there is none)."""

    outcome: str
    reason: str = ""
    inbound: InboundMessage | None = None
    duplicate: bool = False


def _rate_limited(sender: str) -> bool:
    """Whether the sender passed MAIL_INBOUND_RATE (e.g. "20/h"): a loop stops here."""
    count, _, period = settings.MAIL_INBOUND_RATE.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(period[:1] or "h", 3600)
    key = f"mail:inbound:rate:{hashlib.sha256(sender.lower().encode()).hexdigest()}"
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key) > int(count)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return False


def _user(sender: str) -> User | None:
    return User.objects.filter(email__iexact=sender, is_active=True).first() if sender else None


def _title(subject: str, fallback: str) -> str:
    return (_SUBJECT_PREFIX.sub("", subject).strip() or fallback)[:200]


def _body(mail: ParsedMail, *, forwards: bool = False) -> str:
    """The text a reply or request keeps: the new text, or the whole text if stripping left none
    (a new request keeps a forwarded message whole: what it forwards is the point)."""
    if forwards and _FORWARDED.search(mail.text):
        text = mail.text.strip()
    else:
        text = latest_reply(mail.text) or mail.text.strip()
    if not text and mail.attachments:
        text = "(No text; see the attached files.)"
    return text


def _files(mail: ParsedMail) -> tuple[list[attachments.CheckedFile], list[str]]:
    """The message's files that pass the upload limits (tickets.attachments), checked one by one,
    and what was refused, named with the reason. A scanner that does not answer is temporary."""
    checked: list[attachments.CheckedFile] = []
    refused: list[str] = []
    for filename, content_type, content in mail.attachments:
        name = attachments.sanitize_filename(filename)
        if len(checked) >= settings.ATTACHMENT_MAX_FILES:
            refused.append(f"{name}: over {settings.ATTACHMENT_MAX_FILES} files a message")
            continue
        try:
            (file,) = attachments.check_files(
                [SimpleUploadedFile(name, content, content_type=content_type)]
            )
        except AttachmentScanUnavailable as exc:
            raise TemporaryFailure(str(exc)) from exc
        except DomainError as exc:
            refused.append(str(exc.detail))
            continue
        checked.append(file)
    return checked, refused


def _note_refused(ticket: Ticket, refused: list[str]) -> None:
    """An internal note naming each refused file: nothing is dropped silently."""
    if refused:
        lines = "\n".join(f"- {line}" for line in refused)
        actions.ticket_reply(
            ticket=ticket,
            author=None,
            message=f"Files of this e-mail were not stored:\n{lines}",
            internal=True,
        )


def _reply(mail: ParsedMail, inbound: InboundMessage, target: addresses.ReplyTarget) -> None:
    ticket = Ticket.objects.filter(number=target.number).first()
    if ticket is None or not addresses.token_valid(ticket.pk, target.token):
        logger.warning(
            "Inbound mail %s from %s: forged or stale reply address for %s; ignored",
            mail.message_id,
            mail.sender,
            target.number,
        )
        inbound.reason = "forged or stale reply address"
        return
    inbound.ticket = ticket
    user = _user(mail.sender)
    if user is None:
        inbound.reason = "the sender is no user"
        return
    text = _body(mail)
    if not text:
        inbound.reason = "no text"
        return
    if ticket.status in (Ticket.Status.CLOSED, Ticket.Status.CANCELLED):
        _follow_up(mail, inbound, ticket, user, text)
        return
    with transaction.atomic():
        if ticket.status == Ticket.Status.RESOLVED and not tenancy.is_staff(user):
            actions.ticket_transition(
                ticket=ticket, name="reopen", actor=user, reason="The client answered by e-mail."
            )
            inbound.outcome = Outcome.REOPENED
        files, refused = _files(mail)
        reply = actions.ticket_reply(ticket=ticket, author=user, message=text, files=files)
        _note_refused(ticket, refused)
        inbound.reply = reply
        if inbound.outcome != Outcome.REOPENED:
            inbound.outcome = Outcome.REPLY


def _follow_up(
    mail: ParsedMail, inbound: InboundMessage, old: Ticket, user: User, text: str
) -> None:
    """A new request for an answer to a closed or cancelled one; it names the old number."""
    staff = tenancy.is_staff(user)
    with transaction.atomic():
        ticket = actions.ticket_create(
            actor=user,
            title=_title(mail.subject, f"Follow-up to {old.number}"),
            description=f"Follow-up to {old.number} ({old.title}), which is {old.status}.\n\n{text}",
            entitlement=old.entitlement,
            environment=old.environment,
            service=old.service,
            requester=old.requester if staff else None,
            org=old.organization,
            files=(files := _files(mail))[0],
            source=Ticket.Source.EMAIL,
        )
        _note_refused(ticket, files[1])
        inbound.ticket, inbound.outcome = ticket, Outcome.FOLLOW_UP


def _open(mail: ParsedMail, inbound: InboundMessage) -> None:
    """A new request from a member to the desk's address, against the only active ENV entitlement
    of their organizations, or the one whose code the subject names."""
    user = _user(mail.sender)
    if user is None:
        inbound.reason = "the sender is no user"
        return
    org_ids = []
    for membership in tenancy.live_memberships().filter(user=user):
        try:
            tenancy.check_membership(membership, user=user, scope="entitlements", write=True)
        except DomainError:
            continue
        org_ids.append(membership.organization_id)
    if not org_ids:
        inbound.reason = "the sender may open no request (no writing membership)"
        return
    entitlements = list(
        Entitlement.objects.filter(
            Q(organization_id__in=org_ids),
            entitlement_class=EntitlementClass.ENV,
            status=Entitlement.Status.ACTIVE,
        ).order_by("code")
    )
    if len(entitlements) > 1:  # the subject may name one (the polite answer asks for that)
        subject = mail.subject.upper()
        named = [e for e in entitlements if re.search(rf"\b{re.escape(e.code)}\b", subject)]
        entitlements = named or entitlements
    if len(entitlements) != 1:
        inbound.outcome = Outcome.ASKED
        inbound.reason = "several active environments" if entitlements else "no active environment"
        notifications.schedule(mail_notifications.which_environment, inbound.pk)
        return
    text = _body(mail, forwards=True)
    if not text:
        inbound.reason = "no text"
        return
    with transaction.atomic():
        ticket = actions.ticket_create(
            actor=user,
            title=_title(mail.subject, "Request by e-mail"),
            description=text,
            entitlement=entitlements[0],
            files=(files := _files(mail))[0],
            source=Ticket.Source.EMAIL,
        )
        _note_refused(ticket, files[1])
        inbound.ticket, inbound.outcome = ticket, Outcome.CREATED


def _decide(mail: ParsedMail, inbound: InboundMessage, envelope_to: list[str]) -> None:
    if mail.automatic:
        inbound.reason = f"automatic mail: {mail.automatic}"
        return
    if not mail.sender:
        inbound.reason = "no sender"
        return
    if _rate_limited(mail.sender):
        inbound.reason = "rate limit of the sender"
        return
    recipients = [*envelope_to, *mail.recipients]
    targets = [t for t in map(addresses.reply_target, recipients) if t is not None]
    try:
        if targets:
            _reply(mail, inbound, targets[0])
        elif any(map(addresses.is_desk_address, recipients)):
            _open(mail, inbound)
        else:
            inbound.reason = "not addressed to the desk"
    except REFUSED as exc:  # the action said no: nothing written (its savepoint rolled back)
        inbound.outcome, inbound.reason = Outcome.IGNORED, f"refused: {exc}"[:255]


def _record(
    raw: bytes, mail: ParsedMail | None, message_id: str, door: str, mailbox: Mailbox | None
) -> InboundMessage | None:
    """Insert the message's row; None when its Message-ID was already handled."""
    try:
        with transaction.atomic():
            return InboundMessage.objects.create(
                message_id=message_id,
                door=door,
                mailbox=mailbox,
                sender=(mail.sender if mail else "")[:255],
                recipients=", ".join(mail.recipients) if mail else "",
                subject=(mail.subject if mail else "")[:255],
                outcome=Outcome.IGNORED,
                text=mail.text if mail else "",
                html=mail.html if mail else "",
                raw=raw,
                size=len(raw),
            )
    except IntegrityError:
        return None


def handle(
    raw: bytes,
    *,
    door: str,
    mailbox: Mailbox | None = None,
    envelope_to: list[str] | None = None,
) -> Result:
    """Handle one RFC 822 message once; raises TemporaryFailure only when a retry may help."""
    try:
        return _handle(raw, door=door, mailbox=mailbox, envelope_to=envelope_to or [])
    except TemporaryFailure:
        raise
    except Exception as exc:  # the database is away, or a bug: keep the message, retry later
        logger.exception("Inbound mail: temporary failure, to be retried")
        raise TemporaryFailure(str(exc)) from exc
    finally:  # files written in a transaction that rolled back are deleted again
        attachments.sweep_rolled_back_files()


def _handle(raw: bytes, *, door: str, mailbox: Mailbox | None, envelope_to: list[str]) -> Result:
    if len(raw) > settings.MAIL_INBOUND_MAX_BYTES:
        message_id, sender, subject = headers_only(raw[:65536])
        logger.error(
            "Inbound mail %s from %s (%r) rejected: %d bytes, over MAIL_INBOUND_MAX_BYTES (%d)",
            message_id,
            sender,
            subject,
            len(raw),
            settings.MAIL_INBOUND_MAX_BYTES,
        )
        return Result(Outcome.IGNORED, "too large")
    try:
        mail: ParsedMail | None = parse(raw)
        message_id = mail.message_id
    except Exception:  # a malformed message is logged and dropped, never a crash or a retry
        logger.exception("Inbound mail rejected: the message cannot be parsed")
        mail, message_id = None, f"sha256:{hashlib.sha256(raw).hexdigest()}"
    with transaction.atomic():
        inbound = _record(raw, mail, message_id, door, mailbox)
        if inbound is None:
            logger.info("Inbound mail %s: already handled; nothing changed", message_id)
            return Result(Outcome.IGNORED, "already handled", duplicate=True)
        if mail is None:
            inbound.reason = "malformed message"
        else:
            _decide(mail, inbound, envelope_to)
        inbound.save(update_fields=["outcome", "reason", "ticket", "reply"])
    log = logger.info if inbound.outcome != Outcome.IGNORED else logger.warning
    log(
        "Inbound mail %s from %s via %s: %s%s",
        message_id,
        inbound.sender,
        door,
        inbound.outcome,
        f" ({inbound.reason})" if inbound.reason else "",
    )
    return Result(inbound.outcome, inbound.reason, inbound)
