"""Organization context, roles and scopes: done once, used by every organization-owned viewset.

A request names its organization with `X-Middag-Organization`. `OrgAccess` (a DRF permission)
checks it against a live membership on every request and stores `view.org` and
`view.membership`; `OrgScopedViewSet.get_queryset()` then scopes rows with `for_org(view.org)`,
so another organization's object is a 404 like a missing one.
"""

from __future__ import annotations

import re

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions, viewsets
from rest_framework.request import Request

from accounts.idempotency import IdempotentMixin
from accounts.models import Company, Membership, Organization, User
from config.api import ApiViewMixin
from config.conditional import ConditionalMixin
from config.errors import Forbidden, Invalid, NotFound

ORG_HEADER = "X-Middag-Organization"
_ORG_ID = re.compile(r"[0-9]{1,18}")
COMPANY_HEADER = "X-Middag-Company"

ORG_HEADER_PARAMETER = OpenApiParameter(
    ORG_HEADER,
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    description="Organization id. Required for clients; staff may omit it to see every organization.",
)
COMPANY_HEADER_PARAMETER = OpenApiParameter(
    COMPANY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    enum=[c.value for c in Company],
    description="Optionally narrows lists to one company.",
)


def _live_memberships() -> QuerySet[Membership]:
    """Active memberships of active organizations, with the organization (unique per user and
    organization, so unordered)."""
    return (
        Membership.objects.filter(is_active=True, organization__status="active")
        .select_related("organization")
        .order_by()
    )


def live_membership(user: User, org: Organization) -> Membership | None:
    """The user's active membership of an active organization, read from the database now."""
    return next(iter(_live_memberships().filter(user=user, organization=org)[:1]), None)


def live_membership_with_user(user_id: int, org_id: int) -> Membership | None:
    """live_membership() of an active user, with the user: the bearer and the organization
    header of one request resolved in one query (accounts.authentication)."""
    found = (
        _live_memberships()
        .select_related("user")
        .filter(user_id=user_id, user__is_active=True, organization_id=org_id)[:1]
    )
    return next(iter(found), None)


def parse_org_header(request: Request) -> int | None:
    """The header's organization id; None when absent; 422 when it is not a positive integer."""
    raw = request.headers.get(ORG_HEADER)
    if raw is None or raw == "":
        return None
    raw = raw.strip()
    # ASCII digits only: str.isdigit() also accepts "²" (which int() refuses) and other scripts.
    if not _ORG_ID.fullmatch(raw) or int(raw) < 1:
        raise Invalid(
            f"{ORG_HEADER} must be an organization id (a positive integer).", field=ORG_HEADER
        )
    return int(raw)


def request_membership(request: Request, user: User, org_id: int) -> Membership | None:
    """live_membership() for this request: the one the authentication read together with the
    user when the request named this organization, otherwise read now."""
    known = getattr(request, "org_membership", None)  # (org id, membership or None)
    if known is not None and known[0] == org_id:
        return known[1]
    return live_membership(user, Organization(pk=org_id))


def resolve_org(
    request: Request, *, header_optional_for_staff: bool = True
) -> tuple[Organization | None, Membership | None]:
    """(organization, membership) of this request, or an error: 422 bad header, 403 not a member."""
    user: User = request.user
    org_id = parse_org_header(request)
    if org_id is None:
        if user.is_staff and header_optional_for_staff:
            return None, None
        raise Invalid(f"The {ORG_HEADER} header is required.", field=ORG_HEADER)
    return org_and_membership(request, user, org_id)


def org_and_membership(
    request: Request, user: User, org_id: int
) -> tuple[Organization, Membership | None]:
    """The organization `org_id` names for `user`: through a live membership, or for staff any
    organization (active or not, member or not); 404 for staff if it does not exist, 403 for
    anyone else who is not a member."""
    membership = request_membership(request, user, org_id)
    if membership is not None:
        return membership.organization, membership
    if user.is_staff:  # staff see any organization, active or not, member or not
        org = Organization.objects.filter(pk=org_id).first()
        if org is None:
            raise NotFound(f"Organization {org_id} does not exist.")
        return org, None
    raise Forbidden(f"You are not a member of organization {org_id}.")


def check_membership(
    membership: Membership | None,
    *,
    user: User,
    scope: str | None,
    write: bool,
    min_write_role: str = Membership.Role.MEMBER,
) -> None:
    """403 unless the membership holds `scope` (and, for writes, a role of at least min_write_role)."""
    if user.is_staff:
        return
    if membership is None:
        raise Forbidden("You are not a member of this organization.")
    if not membership.has_scope(scope):
        raise Forbidden(f"Your membership lacks the '{scope}' scope.")
    if write and membership.rank < Membership.RANK[min_write_role]:
        if membership.role == Membership.Role.GUEST:
            raise Forbidden("Guests have read-only access.")
        raise Forbidden(f"This action needs the {min_write_role} role or above.")


class OrgAccess(permissions.BasePermission):
    """Authenticated, a live membership of the header's organization, the view's scope and role.

    Views declare `required_scope`, `staff_only_actions` (names of actions only staff may run)
    and `min_write_role`; reads need the scope, writes also a role above guest.
    """

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        view.org, view.membership = resolve_org(request)
        action = getattr(view, "action", None)
        if action in getattr(view, "staff_only_actions", ()) and not user.is_staff:
            raise Forbidden("Only MIDDAG staff may do this.")
        check_membership(
            view.membership,
            user=user,
            scope=getattr(view, "required_scope", None),
            write=request.method not in permissions.SAFE_METHODS,
            min_write_role=getattr(view, "min_write_role", Membership.Role.MEMBER),
        )
        return True


class OrgScopedViewSet(ApiViewMixin, IdempotentMixin, ConditionalMixin, viewsets.GenericViewSet):
    """Base of every organization-owned API: set `model`, extend `scope_queryset()`.

    Never override get_queryset: it is where organization scoping happens, once. The same goes
    for the write guarantees: `Idempotency-Key` on POST (accounts.idempotency) and ETag /
    `If-Match` on single objects (config.conditional) come with the base class.
    """

    model: type | None = None
    required_scope: str | None = "entitlements"
    staff_only_actions: tuple[str, ...] = ()
    min_write_role: str = Membership.Role.MEMBER
    company_field: str | None = "organization__company"
    permission_classes = [OrgAccess]
    org: Organization | None = None
    membership: Membership | None = None
    uses_org_header = True

    def get_queryset(self) -> QuerySet:
        qs = self.model.objects.for_org(self.org)
        company = self.request.headers.get(COMPANY_HEADER) if self.request else None
        if company and self.company_field:
            if company not in Company.values:
                raise Invalid(
                    f"{COMPANY_HEADER} must be one of: {', '.join(Company.values)}.",
                    field=COMPANY_HEADER,
                )
            qs = qs.filter(**{self.company_field: company})
        return self.scope_queryset(qs)

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return qs

    def get_object(self):  # type: ignore[override]
        obj = super().get_object()  # scoped by get_queryset: another org's object is a 404
        self.check_preconditions(obj)  # If-Match, after the access checks of OrgAccess
        return obj

    @property
    def is_staff(self) -> bool:
        return bool(self.request.user and self.request.user.is_staff)
