"""The portal's pages: resolve the organization (portal.base), read through the apps' queries and
the API's filter sets, write through the apps' actions, render a template (or an htmx fragment).

No page decides who may do what: a refusal is the action's, shown as a message.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_fsm import can_proceed, has_transition_perm
from django_htmx.http import HttpResponseClientRedirect
from rest_framework.exceptions import Throttled

from accounts import actions as account_actions
from accounts.models import Invitation, Membership
from config.errors import DomainError, NotFound
from entitlements.api.filters import EntitlementFilter
from entitlements.models import Entitlement, EntitlementClass, EntitlementStatusChange, Order
from entitlements.queries import access_entitlement_by_id
from environments.api.filters import EnvironmentFilter
from environments.models import Environment, EnvironmentStatusChange
from environments.queries import access_environment_by_id
from portal import forms
from portal.actions import profile_update
from portal.base import error_page, may, open_invitations, portal_page, show
from portal.messages import refusal
from portal.tenancy import choose_org
from services.api.filters import ServiceFilter
from services.models import Service, ServiceStatusChange
from services.queries import access_service_by_id
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

PER_PAGE = 20
CLIENT_MOVES = ("resolve", "reopen", "close", "cancel")
Status = Ticket.Status


# --- helpers ------------------------------------------------------------------------------


def _org(request: HttpRequest):  # type: ignore[no-untyped-def]
    return request.portal.org


def _api_filtered(filterset_class: type, qs: QuerySet, params: dict[str, Any]) -> QuerySet:
    """The API's own filter set over `qs`, fed the portal form's valid values."""
    if not params:
        return qs
    data = QueryDict(mutable=True)
    for name, value in params.items():
        data[name] = str(value)
    return filterset_class(data, queryset=qs).qs


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 7 else 1


def _page(
    request: HttpRequest, qs: QuerySet, total: int | None = None, *, one_scan: bool = False
) -> Page:
    """One page of `qs`. The total is the one given (the tickets' trigger count), else counted;
    with `one_scan` (a search, which no index serves) it is read with the page's own rows
    (`COUNT(*) OVER ()`): one pass over the matching rows instead of two. An index-served
    filter keeps its separate count, which reads the index only."""
    number = _page_number(request)
    paginator = Paginator(qs, PER_PAGE)
    if total is not None:
        paginator.__dict__["count"] = total  # Paginator.count is a cached property
    elif one_scan:
        start = (number - 1) * PER_PAGE
        rows = list(qs.annotate(_total=Window(Count("pk")))[start : start + PER_PAGE])
        if rows:
            paginator.__dict__["count"] = rows[0]._total
            return Page(rows, number, paginator)
        # Past the last page, or nothing matches: the paginator counts and picks the last one.
    return paginator.get_page(number)


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _local(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")  # the reader's time zone


def sla_promise(ticket: Ticket) -> str:
    """What the desk promised, in words: the next due time of a running clock, if any."""
    if ticket.status in (Status.RESOLVED, Status.CLOSED, Status.CANCELLED):
        return ""
    if ticket.status == Status.WAITING:
        return _("We are waiting for your answer; the clock is paused.")
    if ticket.first_response_at is None and ticket.response_due_at:
        return _("We will answer by %(when)s.") % {"when": _local(ticket.response_due_at)}
    if ticket.resolution_due_at:
        return _("We aim to solve it by %(when)s.") % {"when": _local(ticket.resolution_due_at)}
    return ""


def _with_promises(tickets: list[Ticket]) -> list[Ticket]:
    for ticket in tickets:
        ticket.promise = sla_promise(ticket)
    return tickets


# --- switcher, invitations ----------------------------------------------------------------


@require_POST
@portal_page(scope=None, needs_org=False)
def switch(request: HttpRequest) -> HttpResponse:
    """Choose the organization the portal shows (kept in the session; accounts.tenancy decides)."""
    raw = request.POST.get("org", "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return error_page(request, 400, _("Choose an organization."))
    choose_org(request, int(raw))
    return redirect("portal:home")


@require_POST
@portal_page(scope=None, needs_org=False)
def invitation_answer(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """Accept or reject an invitation addressed to me (accounts.actions decides)."""
    answer = {
        "accept": account_actions.invitation_accept,
        "reject": account_actions.invitation_reject,
    }[verb]
    try:
        invitation = answer(invitation_id=pk, user=request.user)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, refusal(exc))
        return redirect("portal:home")
    if invitation.status == Invitation.Status.ACCEPTED:
        choose_org(request, invitation.organization_id)
        messages.success(request, _("Welcome to %(org)s.") % {"org": invitation.organization.name})
    else:
        messages.info(request, _("Invitation rejected."))
    return redirect("portal:home")


# --- home ---------------------------------------------------------------------------------


@portal_page(scope=None)
def home(request: HttpRequest) -> HttpResponse:
    """Open requests with their SLA promise, environments, entitlements expiring within 30
    days, recent activity (for members holding the `entitlements` scope, as the API allows)."""
    org = _org(request)
    context: dict[str, Any] = {"invitations": open_invitations(request.user)}
    if may(request.portal, request.user, scope="entitlements", write=False):
        now = timezone.now()
        tickets = Ticket.objects.for_org(org)
        context.update(
            open_requests=_with_promises(
                list(
                    tickets.unresolved()
                    .select_related("environment")
                    .order_by("-created_at", "-id")[:10]
                )
            ),
            environments=list(
                Environment.objects.for_org(org)
                .exclude(status=Environment.Status.DECOMMISSIONED)
                .order_by("name", "id")[:10]
            ),
            expiring=list(
                Entitlement.objects.for_org(org)
                .filter(
                    status=Entitlement.Status.ACTIVE,
                    expires_at__gte=now,
                    expires_at__lte=now + timedelta(days=30),
                )
                .order_by("expires_at", "id")[:10]
            ),
            recent=list(tickets.order_by("-updated_at")[:8]),
        )
    return show(request, "portal/home.html", context)


# --- entitlements, environments, services -------------------------------------------------


@portal_page()
def entitlement_list(request: HttpRequest) -> HttpResponse:
    form = forms.EntitlementFilterForm(request.GET or None)
    valid = form.filters()
    params = {
        "class": valid.get("entitlement_class"),
        "status": valid.get("status"),
        "search": valid.get("q"),
    }
    qs = _api_filtered(
        EntitlementFilter,
        Entitlement.objects.for_org(_org(request)),
        {k: v for k, v in params.items() if v},
    )
    page = _page(request, qs, one_scan=bool(params["search"]))
    context = {"form": form, "page": page, "query": _query_without_page(request)}
    return show(
        request,
        "portal/entitlements/list.html",
        context,
        fragment="portal/entitlements/_results.html",
    )


@portal_page()
def entitlement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entitlement = access_entitlement_by_id(_org(request), pk)
    licenses = (
        list(entitlement.licenses.order_by("-created_at", "-id")[:50])
        if entitlement.entitlement_class == EntitlementClass.PLG
        else []
    )
    context = {
        "entitlement": entitlement,
        "orders": list(
            Order.objects.filter(links__entitlement=entitlement).order_by("-date_created", "-id")[
                :50
            ]
        ),
        "licenses": licenses,
        "contracts": list(entitlement.contracts.order_by("-start_date", "-id")[:50]),
        "history": list(
            EntitlementStatusChange.objects.filter(subject=entitlement)
            .select_related("changed_by")
            .order_by("changed_at", "id")
        ),
    }
    return show(request, "portal/entitlements/detail.html", context)


@portal_page()
def environment_list(request: HttpRequest) -> HttpResponse:
    form = forms.EnvironmentFilterForm(request.GET or None)
    valid = form.filters()
    valid.pop("q", None)
    qs = _api_filtered(
        EnvironmentFilter, Environment.objects.for_org(_org(request)).order_by("name", "id"), valid
    )
    context = {"form": form, "page": _page(request, qs), "query": _query_without_page(request)}
    return show(
        request,
        "portal/environments/list.html",
        context,
        fragment="portal/environments/_results.html",
    )


def _record_tickets(field: str, record: Any) -> list[Ticket]:
    return _with_promises(
        list(
            Ticket.objects.filter(**{field: record})
            .select_related("environment")
            .order_by("-created_at", "-id")[:PER_PAGE]
        )
    )


@portal_page()
def environment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    environment = access_environment_by_id(_org(request), pk)
    context = {
        "environment": environment,
        "history": list(
            EnvironmentStatusChange.objects.filter(subject=environment)
            .select_related("changed_by")
            .order_by("changed_at", "id")
        ),
        "tickets": _record_tickets("environment", environment),
    }
    return show(request, "portal/environments/detail.html", context)


@portal_page()
def service_list(request: HttpRequest) -> HttpResponse:
    form = forms.ServiceFilterForm(request.GET or None)
    valid = form.filters()
    valid.pop("q", None)
    qs = _api_filtered(
        ServiceFilter, Service.objects.for_org(_org(request)).order_by("name", "id"), valid
    )
    context = {"form": form, "page": _page(request, qs), "query": _query_without_page(request)}
    return show(
        request, "portal/services/list.html", context, fragment="portal/services/_results.html"
    )


@portal_page()
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service = access_service_by_id(_org(request), pk)
    context = {
        "service": service,
        "history": list(
            ServiceStatusChange.objects.filter(subject=service)
            .select_related("changed_by")
            .order_by("changed_at", "id")
        ),
        "tickets": _record_tickets("service", service),
    }
    return show(request, "portal/services/detail.html", context)


# --- requests -----------------------------------------------------------------------------


def _environments(org: Any, *, active_only: bool = False) -> list[Environment]:
    qs = Environment.objects.for_org(org).order_by("name", "id")
    if active_only:
        qs = qs.filter(status=Environment.Status.ACTIVE)
    return list(qs)


@portal_page()
def request_list(request: HttpRequest) -> HttpResponse:
    """Filters (status, environment, priority), search, pages: the API's TicketFilter."""
    org = _org(request)
    form = forms.RequestFilterForm(request.GET or None, environments=_environments(org))
    valid = form.filters()
    params = {
        "status": valid.get("status"),
        "priority": valid.get("priority"),
        "environment_id": valid.get("environment"),
        "search": valid.get("q"),
    }
    params = {k: v for k, v in params.items() if v}
    qs = _api_filtered(
        TicketFilter, Ticket.objects.for_org(org).select_related("environment"), params
    )
    total = None if params else ticket_total(org)
    page = _page(request, qs.order_by("-created_at", "-id"), total, one_scan="search" in params)
    _with_promises(page.object_list)
    context = {"form": form, "page": page, "query": _query_without_page(request)}
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
        _org(request), pk, related=("environment", "entitlement", "requester")
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
    return download_response(access_attachment_by_id(_org(request), pk, staff=False))


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
    org = _org(request)
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


# --- organization -------------------------------------------------------------------------


def _organization_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    org = _org(request)
    members = list(
        Membership.objects.filter(organization=org, is_active=True)
        .select_related("user")
        .order_by("id")
    )
    for member in members:
        member.form = forms.MemberForm(
            initial={"role": member.role, "scopes": member.scopes}, prefix=f"m{member.pk}"
        )
    context = {
        "members": members,
        "invitations": list(
            Invitation.objects.filter(organization=org).open().order_by("-created_at", "-id")
        ),
        "invite_form": forms.InviteForm(),
    }
    context.update(extra)
    return context


@portal_page(scope="organization")
def organization(request: HttpRequest) -> HttpResponse:
    """Members with roles and scopes, open invitations, the invite form (the API's GET needs the
    `organization` scope)."""
    return show(request, "portal/organization.html", _organization_context(request))


def _organization_refusal(request: HttpRequest, message: str, status: int, **extra: Any):  # type: ignore[no-untyped-def]
    return show(
        request,
        "portal/organization.html",
        _organization_context(request, problem=message, **extra),
        status=status,
    )


@require_POST
@portal_page(scope="organization")
def invite(request: HttpRequest) -> HttpResponse:
    """Invite an e-mail address (accounts.actions.collaborator_add: owners and admins)."""
    form = forms.InviteForm(request.POST)
    if not form.is_valid():
        return _organization_refusal(request, _("Check the invitation."), 422, invite_form=form)
    try:
        account_actions.collaborator_add(
            org=_org(request),
            actor=request.user,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            scopes=account_actions.validate_scopes(form.cleaned_data["scopes"]),
        )
    except DomainError as exc:
        return _organization_refusal(request, refusal(exc), exc.status_code, invite_form=form)
    except Throttled:
        return _organization_refusal(
            request, _("Too many invitations; try again later."), 429, invite_form=form
        )
    messages.success(
        request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
    )
    return redirect("portal:organization")


def _member(request: HttpRequest, membership_id: int) -> Membership:
    """A membership of the portal's organization; another organization's is a 404."""
    return get_object_or_404(Membership, pk=membership_id, organization=_org(request))


@require_POST
@portal_page(scope="organization")
def member_change(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Change a member's role or scopes; making someone owner transfers ownership (the action)."""
    member = _member(request, membership_id)
    form = forms.MemberForm(request.POST, prefix=f"m{member.pk}")
    if not form.is_valid():
        return _organization_refusal(request, _("Choose a role."), 422)
    try:
        account_actions.collaborator_update(
            membership=member,
            actor=request.user,
            role=form.cleaned_data["role"],
            scopes=account_actions.validate_scopes(form.cleaned_data["scopes"]),
        )
    except DomainError as exc:
        return _organization_refusal(request, refusal(exc), exc.status_code)
    messages.success(request, _("%(email)s updated.") % {"email": member.user.email})
    return redirect("portal:organization")


@require_POST
@portal_page(scope="organization")
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Remove a member (never the owner: the action refuses)."""
    member = _member(request, membership_id)
    try:
        account_actions.collaborator_remove(membership=member, actor=request.user)
    except DomainError as exc:
        return _organization_refusal(request, refusal(exc), exc.status_code)
    messages.success(request, _("%(email)s removed.") % {"email": member.user.email})
    if member.user_id == request.user.pk:
        return redirect("portal:home")
    return redirect("portal:organization")


# --- profile ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@portal_page(scope=None, needs_org=False)
def profile(request: HttpRequest) -> HttpResponse:
    """Name, language, time zone and e-mail choices (portal.actions.profile_update)."""
    user = request.user
    form = forms.ProfileForm(request.POST or None, instance=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            profile_update(user=user, **{f: form.cleaned_data[f] for f in form.Meta.fields})
            messages.success(request, _("Profile saved."))
            return redirect("portal:profile")
        status = 422
    context = {"form": form, "password_form": forms.PasswordForm(user=user)}
    return show(request, "portal/profile.html", context, status=status)


@require_POST
@portal_page(scope=None, needs_org=False)
def password_change(request: HttpRequest) -> HttpResponse:
    """A new password, proving the current one (accounts.actions: every API token is revoked)."""
    user = request.user
    form = forms.PasswordForm(request.POST, user=user)
    problem, status = "", 422
    if form.is_valid():
        try:
            account_actions.user_password_change(
                user=user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except DomainError as exc:
            problem, status = refusal(exc), exc.status_code
        else:
            update_session_auth_hash(request, user)  # this session stays signed in
            messages.success(request, _("Password changed."))
            return redirect("portal:profile")
    user.refresh_from_db()
    context = {
        "form": forms.ProfileForm(instance=user),
        "password_form": form,
        "password_problem": problem,
    }
    return show(request, "portal/profile.html", context, status=status)
