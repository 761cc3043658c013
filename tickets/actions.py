"""Every write on service requests, each in one transaction with its history row and mail.

The account API, the compatibility APIs, the admin and the commands all call these functions and
nothing else. `actor=None` means the system (a management command): it may do what staff may.

Who may do what (SPEC §4, decided here where the spec is silent):
- create: staff against any entitlement, environment or service, in any status; clients (role above
  guest, scope `entitlements`) against an active ENV entitlement of their organization only;
- start, wait: staff; resolve ("mark as solved"), close and reopen: staff and clients;
  cancel: staff from any non-terminal status, clients until the request is resolved;
- reply: staff and clients; internal notes staff only; nothing on closed or cancelled tickets;
- assign, update, delete: staff; rate: members of the ticket's organization (not staff as such).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django_fsm import has_transition_perm

from accounts import tenancy
from accounts.models import Membership, Organization, User
from audit import actions as audit
from audit.models import AuditEntry
from config.fsm import record_change, run_transition
from config.numbering import next_ticket_number
from entitlements.models import Entitlement
from environments.models import Environment
from services.models import Service
from tickets import attachments, notifications
from tickets.attachments import CheckedFile
from tickets.errors import (
    Reason,
    TicketClosed,
    TicketForbidden,
    TicketInvalid,
    TicketNotRateable,
    TicketTransitionNotAllowed,
)
from tickets.intake import (
    check_client_may_open,
    clean_priority,
    clean_text,
    environment_of,
    organization_of,
    requester_for,
    require_writer,
    resolution_fields,
    resolve_target,
)
from tickets.models import (
    Priority,
    Reply,
    SlaBreach,
    Ticket,
    TicketCategory,
    TicketDeletion,
    TicketStatusChange,
)
from tickets.sla import apply_targets, breaches, targets_for

Status = Ticket.Status
TRANSITIONS = ("start", "wait", "resolve", "close", "cancel", "reopen")
TERMINAL = (Status.CLOSED, Status.CANCELLED)
UPDATABLE_FIELDS = ("title", "description", "priority", "due_at", "assignee", "category")

_FORBIDDEN = {
    "start": "Only MIDDAG staff may start work on a service request.",
    "wait": "Only MIDDAG staff may put a service request on hold.",
    "cancel": "A resolved service request is closed or reopened, not cancelled.",
}


_is_staff = tenancy.is_staff


def _require_staff(actor: User | None) -> None:
    tenancy.require_staff(actor, error=TicketForbidden)


def _check_assignee(assignee: User | None) -> None:
    if assignee is not None and not (assignee.is_staff and assignee.is_active):
        raise TicketInvalid(
            "The assignee must be an active MIDDAG staff user.", field="assignee_id"
        )


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _save_new(ticket: Ticket, *, actor: User | None, reason: str = "") -> Ticket:
    """Give the new ticket its SLA due times and number, save it with its creation history row."""
    apply_targets(ticket, targets_for(ticket.entitlement.sla_tier, ticket.priority))
    # The year's counter row stays locked from here to the commit, queueing every other
    # creation: take the number last, when only the inserts are left.
    ticket.number = next_ticket_number(ticket.created_at)
    ticket.save()
    record_change(
        TicketStatusChange,
        ticket,
        from_status=None,
        to_status=ticket.status,
        actor=actor,
        transition="create",
        reason=reason,
    )
    notifications.schedule(notifications.ticket_created, ticket.pk)
    return ticket


@transaction.atomic
def ticket_create(
    *,
    actor: User | None,
    title: str,
    description: str,
    priority: str = Priority.NORMAL,
    entitlement: Entitlement | None = None,
    environment: Environment | None = None,
    service: Service | None = None,
    requester: User | None = None,
    category: TicketCategory | None = None,
    source: str = Ticket.Source.ACCOUNT,
    org: Organization | None = None,
    close_immediately: bool = False,
    resolution_type: str = "",
    resolution_subject: str = "",
    files: Sequence[UploadedFile | CheckedFile] | None = None,
    reason: str = "",
) -> Ticket:
    """Open a service request: clients only against an active ENV entitlement of their org;
    `files` come with the description (checked before anything is written)."""
    title = clean_text(title, "title", "A title", 200)
    description = clean_text(description, "description", "A description")
    priority = clean_priority(priority)
    entitlement = resolve_target(entitlement, environment, service)
    organization = organization_of(entitlement, org)
    resolution_type, resolution_subject = resolution_fields(
        close_immediately, resolution_type, resolution_subject
    )
    if environment is None and service is None and entitlement.entitlement_class == "ENV":
        environment = environment_of(entitlement)
    if not _is_staff(actor):
        check_client_may_open(actor, organization, entitlement, environment, service, requester)
    checked = attachments.prepare(files)  # after the rules: a refused request reads no file
    ticket = _save_new(
        Ticket(
            title=title,
            description=description,
            priority=priority,
            category=category,
            organization=organization,
            entitlement=entitlement,
            environment=environment,
            service=service,
            requester=requester_for(actor, requester, organization),
            source=source,
            created_at=timezone.now(),
            resolution_type=resolution_type,
            resolution_subject=resolution_subject,
        ),
        actor=actor,
        reason=(reason or "").strip()[:500],  # why staff opened it (e.g. inactive entitlement)
    )
    attachments.store(ticket=ticket, files=checked, uploader=actor)
    return _close_at_once(ticket, actor=actor) if close_immediately else ticket


def _close_at_once(ticket: Ticket, *, actor: User | None) -> Ticket:
    """A request recorded as already done (the helpdesk API's `close_immediately`): resolved, then
    closed, both in its history with the resolution subject as the reason."""
    for name in ("resolve", "close"):
        ticket = run_transition(
            ticket,
            name,
            actor=actor,
            history_model=TicketStatusChange,
            reasons=Reason,
            reason=ticket.resolution_subject,
        )
    return ticket


@transaction.atomic
def ticket_transition(*, ticket: Ticket, name: str, actor: User | None, reason: str = "") -> Ticket:
    """Move a ticket through its lifecycle (409 from a wrong status, 403 for a client's wrong move)."""
    if name not in TRANSITIONS:
        raise TicketInvalid(f"Unknown transition '{name}'.", field="transition")
    reason = (reason or "").strip()
    if name == "reopen" and not reason:
        raise TicketInvalid("A reason is required to reopen a service request.", field="reason")
    require_writer(actor, ticket.organization_id)

    def may(locked: Ticket) -> None:  # the lifecycle allows the move; may this actor make it?
        if actor is not None and not has_transition_perm(getattr(locked, name), actor):
            raise TicketForbidden(_FORBIDDEN.get(name, "You may not do this."))

    locked = run_transition(
        ticket,
        name,
        actor=actor,
        history_model=TicketStatusChange,
        reasons=Reason,
        reason=reason,
        check=may,
        conflict=TicketTransitionNotAllowed,
    )
    if locked.status == Status.RESOLVED:
        notifications.schedule(notifications.ticket_resolved, locked.pk)
    return locked


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    author: User,
    message: str,
    internal: bool = False,
    files: Sequence[UploadedFile | CheckedFile] | None = None,
) -> Reply:
    """Add to the conversation: internal notes are staff-only; a client answer resumes waiting.
    `files` belong to the reply (an internal note's are internal)."""
    message = clean_text(message, "message", "A message")
    locked = _lock(ticket)
    staff = _is_staff(author)
    if not staff:
        require_writer(author, locked.organization_id)
        if internal:
            raise TicketForbidden("Only MIDDAG staff may write internal notes.")
    if locked.status in TERMINAL:
        raise TicketClosed(f"Cannot reply to a service request whose status is '{locked.status}'.")
    now = timezone.now()
    checked = attachments.prepare(files)  # after the rules: a refused reply reads no file
    reply = Reply.objects.create(
        ticket=locked, author=author, message=message, internal=bool(internal), created_at=now
    )
    attachments.store(ticket=locked, files=checked, uploader=author, reply=reply)
    if staff and not internal:
        # The first public staff reply stops the response clock (not after resolution).
        if locked.first_response_at is None and locked.status not in (Status.RESOLVED, *TERMINAL):
            locked.first_response_at = now
            locked.save(update_fields=["first_response_at", "updated_at"])
        notifications.schedule(notifications.staff_replied, reply.pk)
    elif not staff:
        if locked.status == Status.WAITING:
            run_transition(
                locked,
                "start",
                actor=author,
                history_model=TicketStatusChange,
                reasons=Reason,
                reason="The client replied.",
            )
        notifications.schedule(notifications.client_replied, reply.pk)
    return reply


@transaction.atomic
def ticket_assign(*, ticket: Ticket, actor: User | None, assignee: User | None) -> Ticket:
    """Staff assign a ticket to an active staff user; None unassigns."""
    _require_staff(actor)
    _check_assignee(assignee)
    locked = _lock(ticket)
    if locked.status in TERMINAL:
        raise TicketClosed(f"Cannot assign a service request whose status is '{locked.status}'.")
    before = audit.snapshot(locked, ["assignee"])
    locked.assignee = assignee
    locked.save(update_fields=["assignee", "updated_at"])
    audit.record_update(actor=actor, subject=locked, before=before, action=AuditEntry.Action.ASSIGN)
    return locked


@transaction.atomic
def ticket_rate(*, ticket: Ticket, actor: User, rating: int, comment: str = "") -> Ticket:
    """Members of the ticket's organization rate it 1..5 once resolved or closed; re-rating replaces."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise TicketInvalid("The rating is an integer from 1 to 5.", field="rating")
    locked = _lock(ticket)
    membership = tenancy.live_membership(actor, locked.organization_id)
    if membership is None:  # staff as such do not rate: only the organization's members
        raise TicketForbidden("Only members of the request's organization may rate it.")
    tenancy.check_membership(membership, user=actor, scope="entitlements", write=True)
    if membership.role == Membership.Role.GUEST:  # staff members pass check_membership
        raise TicketForbidden("Guests have read-only access.")
    if locked.status not in (Status.RESOLVED, Status.CLOSED):
        raise TicketNotRateable(
            f"Only resolved or closed requests are rated; this one is '{locked.status}'."
        )
    before = audit.snapshot(locked, ["rating", "rating_comment"])
    locked.rating = rating
    locked.rating_comment = (comment or "").strip()
    locked.rated_at = timezone.now()
    locked.rated_by = actor
    locked.save(update_fields=["rating", "rating_comment", "rated_at", "rated_by", "updated_at"])
    audit.record(
        actor=actor,
        subject=locked,
        action=AuditEntry.Action.RATE,
        changes=audit.diff(before, {"rating": rating, "rating_comment": locked.rating_comment}),
    )
    return locked


@transaction.atomic
def ticket_update(*, ticket: Ticket, actor: User | None, **fields: Any) -> Ticket:
    """Staff edit title, description, priority (due times follow), due_at, assignee, category."""
    _require_staff(actor)
    unknown = sorted(set(fields) - set(UPDATABLE_FIELDS))
    if unknown:
        raise TicketInvalid(
            f"Cannot change {', '.join(unknown)} here; status changes go through transitions.",
            field=unknown[0],
        )
    locked = _lock(ticket)
    if locked.status in TERMINAL:
        raise TicketClosed(f"Cannot change a service request whose status is '{locked.status}'.")
    before = audit.snapshot(locked, list(fields))
    changed: list[str] = []
    if "title" in fields:
        locked.title = clean_text(fields["title"], "title", "A title", 200)
        changed.append("title")
    if "description" in fields:
        locked.description = clean_text(fields["description"], "description", "A description")
        changed.append("description")
    if "due_at" in fields:
        locked.due_at = fields["due_at"]
        changed.append("due_at")
    if "assignee" in fields:
        _check_assignee(fields["assignee"])
        locked.assignee = fields["assignee"]
        changed.append("assignee")
    if "category" in fields:
        locked.category = fields["category"]
        changed.append("category")
    if "priority" in fields and clean_priority(fields["priority"]) != locked.priority:
        locked.priority = fields["priority"]
        tier = Entitlement.objects.values_list("sla_tier", flat=True).get(pk=locked.entitlement_id)
        # From created_at + target + paused time; a response already given keeps its due time.
        apply_targets(
            locked, targets_for(tier, locked.priority), response=locked.first_response_at is None
        )
        changed += [
            "priority",
            "response_due_at",
            "response_risk_at",
            "resolution_due_at",
            "resolution_risk_at",
        ]
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
        audit.record_update(actor=actor, subject=locked, before=before)
    return locked


@transaction.atomic
def ticket_delete(*, ticket: Ticket, actor: User | None) -> None:
    """Staff delete a ticket with its replies, history and files (from storage once the
    deletion commits), leaving a TicketDeletion record."""
    _require_staff(actor)
    locked = _lock(ticket)
    attachments.delete_files_on_commit(locked.attachments.values_list("file", flat=True))
    TicketDeletion.objects.create(
        number=locked.number,
        title=locked.title,
        organization_id=locked.organization_id,
        entitlement_code=Entitlement.objects.values_list("code", flat=True).get(
            pk=locked.entitlement_id
        ),
        status=locked.status,
        replies_count=locked.replies.count(),
        deleted_by=actor,
    )
    audit.record(
        actor=actor,
        subject=locked,
        action=AuditEntry.Action.DELETE,
        changes={"status": [locked.status, None]},
        internal=True,
        label=locked.number,
    )
    locked.delete()


@transaction.atomic
def ticket_record_breaches(*, ticket: Ticket, now: Any = None) -> list[SlaBreach]:
    """Record each SLA clock the ticket broke, once per kind; staff are mailed after commit."""
    recorded = []
    for kind, due_at in breaches(ticket, now):
        breach, created = SlaBreach.objects.get_or_create(
            ticket=ticket, kind=kind, defaults={"due_at": due_at}
        )
        if created:
            recorded.append(breach)
            notifications.schedule(notifications.sla_breached, breach.pk)
    return recorded
