"""The request workspace (the ticket's change page): one form for everything an agent does.

The composer, the fields (priority, assignee, …), the canned replies and the transition buttons
are ONE form, posted once: whatever was typed travels with every button, so a transition never
throws a reply away. The page runs, in one transaction, through the actions only:
ticket_update (changed fields), ticket_assign ("assign to me", a canned reply's assignee),
ticket_reply (Send…, Add internal note) and ticket_transition (the button's move). A refusal
undoes the whole post and shows the page again with the typed text and the error. Text typed but
not sent (Save, or a transition button) is kept as the request's draft for the next page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from config.admin import ActionModelForm
from tickets import actions
from tickets.admin_queue import SLA_KINDS, SLA_LABELS, STATUS_KINDS, due_html
from tickets.canned import canned_for
from tickets.expressions import nearest_due, queue_rank
from tickets.models import Attachment, CannedReply, Reply, Ticket, TicketStatusChange
from tickets.sla import current_sla_status

Status = Ticket.Status

# Sending a reply may also move the request: button value -> (internal, transition).
SENDS = {
    "reply": (False, ""),
    "wait": (False, "wait"),
    "resolve": (False, "resolve"),
    "note": (True, ""),
}
SEND_LABELS = {
    "reply": gettext_lazy("Send"),
    "wait": gettext_lazy("Send and wait for client"),
    "resolve": gettext_lazy("Send and resolve"),
    "note": gettext_lazy("Add internal note"),
}
TRANSITION_LABELS = {
    "start": gettext_lazy("Start work"),
    "wait": gettext_lazy("Wait for client"),
    "resolve": gettext_lazy("Resolve"),
    "close": gettext_lazy("Close"),
    "reopen": gettext_lazy("Reopen"),
    "cancel": gettext_lazy("Cancel request"),
}
# Moves that end the request: the page asks first.
TERMINAL_MOVES = {
    "close": gettext_lazy("Close this request? It cannot be reopened or answered afterwards."),
    "cancel": gettext_lazy("Cancel this request? It ends here: no more replies or changes."),
}
DRAFT_KEY = "workspace-draft-{}"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); each is checked by the action
    (tickets.attachments: size, count, type), not here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class TicketWorkspaceForm(ActionModelForm):
    """The change page: fields, composer and transitions, saved through the actions in one go."""

    message = forms.CharField(
        label=gettext_lazy("Reply"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "bo-composer-text"}),
    )
    send = forms.ChoiceField(choices=[("", ""), *list(SEND_LABELS.items())], required=False)
    transition = forms.ChoiceField(
        choices=[("", ""), *list(TRANSITION_LABELS.items())], required=False
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason — the client reads it in the request's history"),
        required=False,
        max_length=2000,
    )
    assign_to_me = forms.BooleanField(required=False)
    confirmed = forms.BooleanField(required=False)  # the script's "yes" to a final move
    files = MultipleFileField(label=gettext_lazy("Attach files"), required=False)
    canned_reply = forms.ModelChoiceField(
        queryset=CannedReply.objects.filter(is_active=True),
        required=False,
        label=gettext_lazy("Canned reply"),
    )

    class Meta:
        model = Ticket
        fields = ["title", "description", "priority", "due_at", "assignee", "category"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("send") and not (data.get("message") or "").strip():
            self.add_error("message", _("Type the reply or the note first."))
        if data.get("files") and not data.get("send"):
            self.add_error("files", _("Files go with a reply or a note: type it and send it."))
        return data

    def perform(self) -> Ticket:
        """Fields, then assignment, then the reply, then the move: each through its action."""
        data, ticket, actor = self.cleaned_data, self.instance, self.actor
        self.outcome: list[str] = []
        changes = {
            name: data[name]
            for name in self.changed_data
            if name in actions.UPDATABLE_FIELDS and name in data
        }
        canned = data.get("canned_reply")
        send = data.get("send") or ""
        if changes:
            ticket = actions.ticket_update(ticket=ticket, actor=actor, **changes)
            self.outcome.append(_("Changes saved."))
        assignee = None
        if data.get("assign_to_me"):
            assignee = actor
        elif canned and canned.assignee_id and send and "assignee" not in changes:
            assignee = canned.assignee
        if assignee is not None and assignee.pk != ticket.assignee_id:
            ticket = actions.ticket_assign(ticket=ticket, actor=actor, assignee=assignee)
            self.outcome.append(_("Assigned to %(name)s.") % {"name": _person(assignee)})
        move = data.get("transition") or ""
        self.confirm_move = ""
        if move in TERMINAL_MOVES and not data.get("confirmed"):
            self.confirm_move, move = move, ""  # asked on its confirmation page first
        if send:
            internal, move_after = SENDS[send]
            actions.ticket_reply(
                ticket=ticket,
                author=actor,
                message=data["message"],
                internal=internal,
                files=data.get("files") or None,  # a note's files are internal, as the note
            )
            self.outcome.append(
                _("Internal note added.")
                if internal
                else _("Reply sent to %(name)s.") % {"name": _person(ticket.requester)}
            )
            if not move_after and canned and canned.transition and not internal:
                move_after = canned.transition
            move = move or move_after
        if move:
            ticket = self._move(ticket, move, data.get("reason") or "")
        self.sent = bool(send)
        return ticket

    def _move(self, ticket: Ticket, name: str, reason: str) -> Ticket:
        ticket.refresh_from_db()
        if name == "wait" and ticket.status == Status.OPEN:  # waiting follows work started
            ticket = actions.ticket_transition(ticket=ticket, name="start", actor=self.actor)
        ticket = actions.ticket_transition(
            ticket=ticket, name=name, actor=self.actor, reason=reason
        )
        self.outcome.append(
            _("%(request)s is now %(status)s.")
            % {"request": ticket.number, "status": ticket.get_status_display().lower()}
        )
        return ticket


def _person(user: User | None) -> str:
    if user is None:
        return "—"
    return user.get_full_name().strip() or user.email


def role_of(user: User | None, ticket: Ticket) -> str:
    """How the conversation names an author's side."""
    if user is None:
        return _("System")
    if user.is_staff:
        return _("MIDDAG staff")
    if user.pk == ticket.requester_id:
        return _("Requester")
    return _("Client")


@dataclass
class ThreadItem:
    """One entry of the conversation: a reply, an internal note or a status change."""

    kind: str  # "reply", "note", "event"
    at: Any
    author: str = ""
    role: str = ""
    text: str = ""
    reply: Reply | None = None
    extra: dict = field(default_factory=dict)
    files: list = field(default_factory=list)


def thread(
    ticket: Ticket,
    replies: list[Reply],
    history: list[TicketStatusChange],
    files: list[Attachment] = (),  # type: ignore[assignment]
) -> list:
    """Replies, notes and status changes, oldest first, with names and roles; each message with
    its files (the description's with the opening)."""
    labels = dict(Status.choices)
    by_reply: dict[int | None, list[Attachment]] = {}
    for attachment in files:
        by_reply.setdefault(attachment.reply_id, []).append(attachment)
    items = [
        ThreadItem(
            kind="opened",
            at=ticket.created_at,
            author=_person(ticket.requester),
            role=role_of(ticket.requester, ticket),
            text=ticket.description,
            files=by_reply.get(None, []),
        )
    ]
    for reply in replies:
        items.append(
            ThreadItem(
                kind="note" if reply.internal else "reply",
                at=reply.created_at,
                author=_person(reply.author),
                role=role_of(reply.author, ticket),
                text=reply.message,
                reply=reply,
                files=by_reply.get(reply.pk, []),
            )
        )
    for row in history:
        if row.from_status is None:
            continue  # the creation: shown as "opened"
        items.append(
            ThreadItem(
                kind="event",
                at=row.changed_at,
                author=_person(row.changed_by),
                role=role_of(row.changed_by, ticket),
                text=row.reason,
                extra={
                    "from": labels.get(row.from_status, row.from_status),
                    "to": labels.get(row.to_status, row.to_status),
                },
            )
        )
    items.sort(key=lambda item: item.at)
    return items


def other_open_requests(ticket: Ticket) -> QuerySet[Ticket]:
    """The requester's other unresolved requests, most urgent first (at most 5)."""
    return (
        Ticket.objects.filter(
            requester_id=ticket.requester_id,
            status__in=[Status.OPEN, Status.IN_PROGRESS, Status.WAITING],
        )
        .exclude(pk=ticket.pk)
        .order_by(queue_rank().asc(), nearest_due().asc(), "id")
        .only("id", "number", "title", "status")[:5]
    )


def neighbours(request: HttpRequest, pk: int) -> tuple[int | None, int | None]:
    """The previous and next request of the queue page the agent came from (kept in the session
    when the queue was shown): j/k move along it without another query."""
    ids = request.session.get("workspace-queue") or []
    if pk not in ids:
        return None, None
    i = ids.index(pk)
    return (ids[i - 1] if i > 0 else None), (ids[i + 1] if i + 1 < len(ids) else None)


def workspace_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """Everything the workspace shows besides the form: a constant number of queries."""
    now = timezone.now()
    replies = list(
        Reply.objects.filter(ticket=ticket).select_related("author").order_by("created_at", "id")
    )
    history = list(
        TicketStatusChange.objects.filter(subject=ticket)
        .select_related("changed_by")
        .order_by("changed_at", "id")
    )
    files = list(  # staff see every file, internal ones too; one query for the whole thread
        Attachment.objects.filter(ticket=ticket).order_by("created_at", "id")
    )
    sla = current_sla_status(ticket, now)
    due = [d for d in _due_times(ticket) if d is not None]
    previous, following = neighbours(request, ticket.pk)
    entitlement = ticket.entitlement
    expiring = entitlement.expires_at is not None and entitlement.expires_at - now < timedelta(
        days=30
    )
    return {
        "thread": thread(ticket, replies, history, files),
        "canned_replies": canned_for(ticket, request.user),
        "other_requests": list(other_open_requests(ticket)),
        "sla_status": sla,
        "sla_label": SLA_LABELS.get(sla, sla),
        "sla_kind": SLA_KINDS.get(sla, "default"),
        "status_kind": STATUS_KINDS.get(ticket.status, "default"),
        "due_html": due_html(min(due) if due else None, now, paused=ticket.paused_at is not None),
        "entitlement_expiring": expiring,
        "previous_id": previous,
        "next_id": following,
        "send_labels": SEND_LABELS,
        "terminal_moves": TERMINAL_MOVES,
        "composer_open": ticket.status not in actions.TERMINAL,
        "draft": request.session.get(DRAFT_KEY.format(ticket.pk), ""),
    }


def _due_times(ticket: Ticket) -> list:
    response = ticket.response_due_at
    if ticket.first_response_at is not None and response and ticket.first_response_at <= response:
        response = None
    if ticket.status not in (Status.OPEN, Status.IN_PROGRESS, Status.WAITING):
        return []
    return [response, ticket.resolution_due_at, ticket.due_at]
