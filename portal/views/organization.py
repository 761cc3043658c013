"""The organization page: members with roles and scopes, invitations (accounts.actions decides)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.exceptions import Throttled

from accounts import actions as account_actions
from accounts.models import Invitation, Membership
from config.errors import DomainError
from portal import forms
from portal.base import portal_page, show
from portal.messages import refusal
from portal.views.common import current_org

# --- organization -------------------------------------------------------------------------


def _organization_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    org = current_org(request)
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
            org=current_org(request),
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
    return get_object_or_404(Membership, pk=membership_id, organization=current_org(request))


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
