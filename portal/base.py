"""What every portal page does before and after its own work: sign-in, language and time zone, the
organization (portal.tenancy), the scope the API would ask for, and friendly 403/404 pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django_htmx.middleware import HtmxDetails

from accounts import tenancy
from accounts.models import Invitation, Membership
from config.errors import DomainError, Forbidden, NotFound
from portal.i18n import localized
from portal.messages import refusal
from portal.tenancy import PortalOrg, portal_org

View = Callable[..., HttpResponse]


def may(where: PortalOrg, user: Any, *, scope: str | None, write: bool) -> bool:
    """Whether accounts.tenancy lets the user read (or write) with `scope` here."""
    try:
        tenancy.check_membership(where.membership, user=user, scope=scope, write=write)
    except Forbidden:
        return False
    return True


NAV = {
    "request": "requests",
    "entitlement": "entitlements",
    "environment": "environments",
    "service": "services",
    "organization": "organization",
    "invite": "organization",
    "member": "organization",
    "profile": "profile",
    "password": "profile",
}


def page_context(request: HttpRequest, **context: Any) -> dict[str, Any]:
    """What every page's layout reads: the organization, the switcher, what the user may do."""
    match = request.resolver_match
    url_name = match.url_name if match else ""
    context.setdefault("nav", NAV.get((url_name or "").split("_")[0], url_name))
    where: PortalOrg | None = getattr(request, "portal", None)
    if where is not None:
        user = request.user
        context.setdefault("where", where)
        context.setdefault("sees_entitlements", may(where, user, scope="entitlements", write=False))
        context.setdefault("sees_organization", may(where, user, scope="organization", write=False))
        context.setdefault("can_write", may(where, user, scope="entitlements", write=True))
        rank = where.membership.rank if where.membership else 0
        context.setdefault(
            "manages_members",
            user.is_staff or rank >= Membership.RANK[Membership.Role.ADMIN],
        )
    return context


def show(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    fragment: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the page, or only `fragment` when htmx asked for a part of it."""
    htmx = getattr(request, "htmx", None)
    name = fragment if fragment and htmx and not htmx.boosted else template
    return render(request, name, page_context(request, **(context or {})), status=status)


def error_page(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """A friendly page for a refusal (403) or something that is not there for you (404)."""
    titles = {403: _("You may not do this"), 404: _("Not found")}
    return show(
        request,
        "portal/error.html",
        {"title": titles.get(status, _("Something went wrong")), "message": message},
        status=status,
    )


def open_invitations(user: Any) -> list[Invitation]:
    """The invitations the user may still answer (as the API's /invitations lists them)."""
    return list(
        Invitation.objects.addressed_to(user)
        .open()
        .select_related("organization", "invited_by")
        .order_by("-created_at", "-id")
    )


def portal_page(scope: str | None = "entitlements", *, needs_org: bool = True) -> Callable:
    """Decorate a portal view: signed in, localized, an organization resolved (or the "no
    organization" page), the API's read scope checked; NotFound/Forbidden become friendly pages."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            with localized(request):
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path(), reverse("portal:login"))
                request.htmx = HtmxDetails(request)
                try:
                    request.portal = portal_org(request)
                    if request.portal is None and needs_org:
                        return show(
                            request,
                            "portal/no_org.html",
                            {"invitations": open_invitations(request.user)},
                        )
                    if request.portal is not None and scope is not None:
                        tenancy.check_membership(
                            request.portal.membership, user=request.user, scope=scope, write=False
                        )
                    response = view(request, *args, **kwargs)
                except (NotFound, Http404) as exc:
                    detail = refusal(exc) if isinstance(exc, DomainError) else ""
                    response = error_page(
                        request, 404, detail or _("This page does not exist, or not for you.")
                    )
                except Forbidden as exc:
                    response = error_page(request, 403, refusal(exc))
                if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                    response.render()  # inside the request's language and time zone
                response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
                patch_vary_headers(response, ("Accept-Language",))
                return response

        return wrapped

    return decorate
