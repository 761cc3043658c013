"""The organization's requests: list, open, read (htmx polls the conversation), reply, rate and
move through tickets.actions, and download their files."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_fsm import can_proceed, has_transition_perm
from django_htmx.http import HttpResponseClientRedirect

from config.errors import DomainError, NotFound
from environments.models import Environment
from environments.queries import access_environment_by_id
from portal import forms
from portal.base import portal_page, show
from portal.messages import refusal
from portal.views.common import (
    Status,
    api_filtered,
    current_org,
    page_of,
    query_without_page,
    sla_promise,
    with_promises,
)
from tickets import actions as ticket_actions
from tickets.api.filters import TicketFilter
from tickets.attachments import download_response
from tickets.models import Ticket, TicketStatusChange
from tickets.queries import (
    access_attachment_by_id,
    access_ticket_by_id,
    attachments_for,
    ticket_total,
    visible_replies,
)
from tickets.sla import sla_status

CLIENT_MOVES = ("resolve", "reopen", "close", "cancel")


# --- requests -----------------------------------------------------------------------------


def _environments(org: Any, *, active_only: bool = False) -> list[Environment]:
    qs = Environment.objects.for_org(org).order_by("name", "id")
    if active_only:
        qs = qs.filter(status=Environment.Status.ACTIVE)
    return list(qs)


@portal_page()
def request_list(request: HttpRequest) -> HttpResponse:
    """Filters (status, environment, priority), search, pages: the API's TicketFilter."""
    org = current_org(request)
    form = forms.RequestFilterForm(request.GET or None, environments=_environments(org))
    valid = form.filters()
    params = {
        "status": valid.get("status"),
        "priority": valid.get("priority"),
        "environment_id": valid.get("environment"),
        "search": valid.get("q"),
    }
    params = {k: v for k, v in params.items() if v}
    qs = api_filtered(
        TicketFilter, Ticket.objects.for_org(org).select_related("environment"), params
    )
    total = None if params else ticket_total(org)
    page = page_of(request, qs.order_by("-created_at", "-id"), total, one_scan="search" in params)
    with_promises(page.object_list)
    context = {"form": form, "page": page, "query": query_without_page(request)}
    return show(
        request, "portal/requests/list.html", context, fragment="portal/requests/_results.html"
    )


def _detail_context(request: HttpRequest, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    user = request.user
    moves = [
        name
        for name in CLIENT_MOVES
        if can_proceed(getattr(ticket, name)) and has_transition_perm(getattr(ticket, name), user)
    ]
    # Never an internal note or an internal file, even for staff looking at the portal.
    replies = list(visible_replies(ticket, None))
    files = list(attachments_for(ticket, include_internal=False))
    for reply in replies:
        reply.files = [f for f in files if f.reply_id == reply.pk]
    context = {
        "ticket": ticket,
        "replies": replies,
        "description_files": [f for f in files if f.reply_id is None],
        "history": list(
            TicketStatusChange.objects.filter(subject=ticket)
            .select_related("changed_by")
            .order_by("changed_at", "id")
        ),
        "sla": sla_status(ticket),
        "poll_seconds": getattr(settings, "PORTAL_POLL_SECONDS", 20),
        "promise": sla_promise(ticket),
        "moves": moves,
        "can_reply": ticket.status not in ticket_actions.TERMINAL,
        "can_rate": ticket.status in (Status.RESOLVED, Status.CLOSED),
        "reply_form": forms.ReplyForm(),
        "reason_form": forms.ReasonForm(),
        "rating_form": forms.RatingForm(
            initial={"rating": ticket.rating, "comment": ticket.rating_comment}
        ),
    }
    context.update(extra)
    return context


def _ticket(request: HttpRequest, pk: int) -> Ticket:
    return access_ticket_by_id(
        current_org(request), pk, related=("environment", "entitlement", "requester")
    )


@portal_page()
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The request; htmx polls its conversation, so a staff answer appears without a reload."""
    ticket = _ticket(request, pk)
    if request.htmx and request.htmx.target == "conversation":
        return show(request, "portal/requests/_conversation.html", _detail_context(request, ticket))
    return show(
        request,
        "portal/requests/detail.html",
        _detail_context(request, ticket),
        fragment="portal/requests/_main.html",
    )


def _run_request_action(request: HttpRequest, ticket: Ticket, name: str) -> tuple[str, Any]:
    """Run the action `name` asks for; ('', form) on success, (message, form) when refused."""
    user = request.user
    if name == "reply":
        form = forms.ReplyForm(request.POST)
        if not form.is_valid():
            return _("Write a message first."), form
        ticket_actions.ticket_reply(
            ticket=ticket,
            author=user,
            message=form.cleaned_data["message"],
            files=request.FILES.getlist("files"),
        )
        return "", form
    if name == "rate":
        form = forms.RatingForm(request.POST)
        if not form.is_valid():
            return _("Choose a rating from 1 to 5."), form
        ticket_actions.ticket_rate(
            ticket=ticket,
            actor=user,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
        return "", form
    form = forms.ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    ticket_actions.ticket_transition(ticket=ticket, name=name, actor=user, reason=reason)
    return "", form


@require_safe
@portal_page()
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A file of the organization's requests; an internal one does not exist here (404)."""
    return download_response(access_attachment_by_id(current_org(request), pk, staff=False))


@require_POST
@portal_page()
def request_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Reply, mark solved, reopen, close, cancel or rate through tickets.actions; a refusal is
    the action's message (4xx), the page stays as it was."""
    ticket = _ticket(request, pk)
    forms_by_name = {"reply": "reply_form", "rate": "rating_form"}
    try:
        problem, form = _run_request_action(request, ticket, name)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        problem, form, status = refusal(exc), None, exc.status_code
    else:
        status = 422 if problem else 200
    if not problem:
        notice = {
            "reply": _("Reply sent."),
            "rate": _("Thank you for your rating."),
            "resolve": _("Marked as solved."),
            "reopen": _("Request reopened."),
            "close": _("Request closed."),
            "cancel": _("Request cancelled."),
        }[name]
        if not request.htmx:
            messages.success(request, notice)
            return redirect("portal:request_detail", pk=ticket.pk)
        ticket = _ticket(request, pk)  # as the action left it
        context = _detail_context(request, ticket, notice=notice)
        return show(request, "portal/requests/_main.html", context)
    extra: dict[str, Any] = {"problem": problem}
    if form is not None and name in forms_by_name:
        extra[forms_by_name[name]] = form
    context = _detail_context(request, ticket, **extra)
    return show(
        request,
        "portal/requests/detail.html",
        context,
        fragment="portal/requests/_main.html",
        status=status,
    )


@require_http_methods(["GET", "POST"])
@portal_page()
def request_new(request: HttpRequest) -> HttpResponse:
    """Open a request on one of the organization's active environments (tickets.ticket_create)."""
    org = current_org(request)
    environments = _environments(org, active_only=True)
    form = forms.NewRequestForm(
        request.POST or None,
        environments=environments,
        initial={"environment": request.GET.get("environment")},
    )
    problem, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                environment = access_environment_by_id(org, data["environment"])
                ticket = ticket_actions.ticket_create(
                    actor=request.user,
                    org=org,
                    environment=environment,
                    title=data["title"],
                    description=data["description"],
                    priority=data["priority"],
                    files=request.FILES.getlist("files"),
                    source=Ticket.Source.PORTAL,
                )
            except DomainError as exc:
                problem, status = refusal(exc), exc.status_code
            else:
                messages.success(
                    request, _("Request %(number)s opened.") % {"number": ticket.number}
                )
                url = reverse("portal:request_detail", args=[ticket.pk])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        else:
            status = 422
    context = {"form": form, "problem": problem, "environments": environments}
    return show(request, "portal/requests/new.html", context, status=status)
