"""Who acts in which organization, decided once for every door (API, admin, portal, e-mail, commands).

No DRF here: the account API (accounts.access), both compatibility APIs, the admin, the actions
and the commands all ask these functions, so one rule answers everywhere:

- a **live membership** is an active membership of an active organization (one query, the
  organization's status included);
- `resolve_org(user, org_id)` turns the organization a request names into `(org, membership)`:
  a member gets their membership, staff any organization (member or not, active or not, 404 if
  it does not exist), anyone else a 403;
- `require_staff(actor)` and `require_member(actor, org_id, scope=, write=)` are the checks the
  actions call: `actor=None` is the system (a management command) and may do what staff may.

The membership a request resolved is kept for that request (config.request_scope), so an action
that checks the same user and organization again reads no row twice and nobody threads a
`membership=` parameter through.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db.models import QuerySet

from accounts.models import Membership, Organization, OrgOwnedModel, User
from config.errors import Forbidden, NotFound
from config.request_scope import memo

STAFF_ONLY = "Only MIDDAG staff may do this."
Owned = TypeVar("Owned", bound=OrgOwnedModel)


def remember(user_id: int, org_id: int, membership: Membership | None) -> None:
    """Keep a membership read for this request (e.g. by the authentication, with the user)."""
    known = memo()
    if known is not None:
        known[("membership", int(user_id), int(org_id))] = membership


def live_memberships() -> QuerySet[Membership]:
    """Active memberships of active organizations, with the organization (unique per user and
    organization, so unordered)."""
    return (
        Membership.objects.filter(is_active=True, organization__status=Organization.Status.ACTIVE)
        .select_related("organization")
        .order_by()
    )


def live_membership(user: User, org_id: int) -> Membership | None:
    """The user's live membership of the organization: the one this request resolved, or read now."""
    known = memo()
    key = ("membership", user.pk, int(org_id))
    if known is not None and key in known:
        return known[key]
    membership = next(iter(live_memberships().filter(user=user, organization_id=org_id)[:1]), None)
    remember(user.pk, org_id, membership)
    return membership


def live_membership_with_user(user_id: int, org_id: int) -> Membership | None:
    """live_membership() of an active user, with the user: a bearer and the organization it
    names resolved in one query (accounts.authentication)."""
    found = (
        live_memberships()
        .select_related("user")
        .filter(user_id=user_id, user__is_active=True, organization_id=org_id)[:1]
    )
    membership = next(iter(found), None)
    remember(user_id, org_id, membership)
    return membership


def live_members(org_id: int) -> QuerySet[User]:
    """The active users holding a live membership of the organization (e.g. requester choices)."""
    return User.objects.filter(
        is_active=True, memberships__in=live_memberships().filter(organization_id=org_id)
    )


def is_live_member(user: User, org_id: int) -> bool:
    """Whether the user holds a live membership of the organization."""
    return live_membership(user, org_id) is not None


def resolve_org(user: User, org_id: int) -> tuple[Organization, Membership | None]:
    """The organization `org_id` names for `user`: through a live membership, or for staff any
    organization (active or not, member or not); 404 for staff if it does not exist, 403 for
    anyone else who is not a member."""
    membership = live_membership(user, org_id)
    if membership is not None:
        return membership.organization, membership
    if user.is_staff:
        return staff_org(user, org_id), None
    raise Forbidden(f"You are not a member of organization {org_id}.")


def staff_org(user: User | None, org_id: int) -> Organization:
    """Any organization, active or not, for staff (and the system), in one query: the door of a
    staff-only API, where a membership changes nothing; 404 if it does not exist, 403 for others."""
    require_staff(user)
    org = Organization.objects.filter(pk=org_id).first()
    if org is None:
        raise NotFound(f"Organization {org_id} does not exist.")
    return org


def is_staff(actor: User | None) -> bool:
    """Staff, or the system itself (`None`: a management command)."""
    return actor is None or bool(actor.is_staff)


def require_staff(
    actor: User | None, message: str = STAFF_ONLY, *, error: type[Forbidden] = Forbidden
) -> None:
    """403 unless the actor is staff (or the system); `error` names the domain's own 403."""
    if not is_staff(actor):
        raise error(message)


def check_membership(
    membership: Membership | None,
    *,
    user: User | None,
    scope: str | None,
    write: bool,
    min_write_role: str = Membership.Role.MEMBER,
) -> None:
    """403 unless the membership holds `scope` (and, for writes, a role of at least
    min_write_role). Staff and the system pass."""
    if is_staff(user):
        return
    if membership is None:
        raise Forbidden("You are not a member of this organization.")
    if not membership.has_scope(scope):
        raise Forbidden(f"Your membership lacks the '{scope}' scope.")
    if write and membership.rank < Membership.RANK[min_write_role]:
        if membership.role == Membership.Role.GUEST:
            raise Forbidden("Guests have read-only access.")
        raise Forbidden(f"This action needs the {min_write_role} role or above.")


def require_member(
    actor: User | None,
    org_id: int,
    *,
    scope: str | None = "entitlements",
    write: bool = True,
    min_write_role: str = Membership.Role.MEMBER,
    not_member: str = "You are not a member of this organization.",
    error: type[Forbidden] = Forbidden,
) -> Membership | None:
    """Staff (None returned), or the actor's live membership of the organization holding `scope`
    and, for writes, the role; 403 otherwise (`error` for a non-member)."""
    if is_staff(actor):
        return None
    membership = live_membership(actor, org_id)
    if membership is None:
        raise error(not_member)
    check_membership(
        membership, user=actor, scope=scope, write=write, min_write_role=min_write_role
    )
    return membership


def access_by_id(
    model: type[Owned],
    org: Organization | None,
    pk: Any,
    *,
    staff: bool = False,
    related: Sequence[str] = (),
    error: type[NotFound] = NotFound,
) -> Owned:
    """The organization's `model` row `pk`, or `error` (404): another organization's row does not
    exist for the caller. Staff without an organization (`org` None) reach every organization's.
    The apps' `access_<thing>_by_id(org, pk)` helpers are this, with their own noun and error."""
    noun = model._meta.verbose_name
    if org is None and not staff:
        raise error(f"{noun[:1].upper()}{noun[1:]} {pk} not found.")
    qs = model.objects.for_org(org)
    if related:  # select_related() without names would follow every foreign key
        qs = qs.select_related(*related)
    try:
        return qs.get(pk=pk)
    except model.DoesNotExist:
        raise error(f"{noun[:1].upper()}{noun[1:]} {pk} not found.") from None
