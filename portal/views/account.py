"""The signed-in person's own pages: the organization switcher, answering an invitation, the
profile and the password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import actions as account_actions
from accounts.models import Invitation
from config.errors import DomainError, NotFound
from portal import forms
from portal.actions import profile_update
from portal.base import error_page, portal_page, show
from portal.messages import refusal
from portal.tenancy import choose_org

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
