"""The portal's organization: the switcher's choice, kept in the session and checked on every
request through accounts.tenancy (a live membership; staff any organization). No rule of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest

from accounts import tenancy
from accounts.models import Membership, Organization, User
from config.errors import DomainError

SESSION_KEY = "portal_org_id"


@dataclass(frozen=True)
class PortalOrg:
    """The organization a portal request acts in, the membership it holds there (None for staff
    who are not members) and the user's live memberships, for the switcher."""

    org: Organization
    membership: Membership | None
    choices: list[Membership] = field(default_factory=list)


def live_memberships_of(user: User) -> list[Membership]:
    """The user's live memberships, by organization name; each is remembered for this request,
    so the resolver and the actions read no membership twice."""
    memberships = list(
        tenancy.live_memberships().filter(user=user).order_by("organization__name", "id")
    )
    for membership in memberships:
        tenancy.remember(user.pk, membership.organization_id, membership)
    return memberships


def portal_org(request: HttpRequest) -> PortalOrg | None:
    """The organization the session chose, while accounts.tenancy still grants it; else the
    user's first live membership; None when the user has neither."""
    user = request.user
    choices = live_memberships_of(user)
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        try:
            org, membership = tenancy.resolve_org(user, int(chosen))
        except (DomainError, TypeError, ValueError):
            del request.session[SESSION_KEY]  # the membership ended: fall back to another
        else:
            return PortalOrg(org, membership, choices)
    if not choices:
        return None
    return PortalOrg(choices[0].organization, choices[0], choices)


def choose_org(request: HttpRequest, org_id: int) -> Organization:
    """Keep `org_id` as the session's organization once accounts.tenancy grants it (403 else)."""
    org, _membership = tenancy.resolve_org(request.user, org_id)
    request.session[SESSION_KEY] = org.pk
    return org
