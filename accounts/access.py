"""Organization context, roles and scopes: done once, used by every organization-owned viewset.

A request names its organization with `X-Middag-Organization`. `OrgAccess` (a DRF permission)
resolves it through accounts.tenancy (a live membership, or staff) on every request and stores
`view.org` and `view.membership`; `OrgScopedViewSet.get_queryset()` then scopes rows with `for_org(view.org)`,
so another organization's object is a 404 like a missing one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request

from accounts import tenancy
from accounts.idempotency import IdempotentMixin
from accounts.models import Company, Membership, Organization, User
from config.api import ApiViewMixin
from config.conditional import ConditionalMixin
from config.errors import Invalid

ORG_HEADER = "X-Middag-Organization"
_ORG_ID = re.compile(r"[0-9]{1,19}")
MAX_ID = 2**63 - 1  # a bigint primary key
COMPANY_HEADER = "X-Middag-Company"

ORG_HEADER_PARAMETER = OpenApiParameter(
    ORG_HEADER,
    {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID},
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


def parse_org_header(request: Request) -> int | None:
    """The header's organization id; None when absent; 422 when it is not an integer from 1 to
    2^63-1 (what the schema declares)."""
    raw = request.headers.get(ORG_HEADER)
    if raw is None or raw == "":
        return None
    raw = raw.strip()
    # ASCII digits only: str.isdigit() also accepts "²" (which int() refuses) and other scripts.
    if not _ORG_ID.fullmatch(raw) or not 1 <= int(raw) <= MAX_ID:
        raise Invalid(
            f"{ORG_HEADER} must be an organization id (a positive integer).", field=ORG_HEADER
        )
    return int(raw)


def resolve_request_org(
    request: Request, *, header_optional_for_staff: bool = True
) -> tuple[Organization | None, Membership | None]:
    """(organization, membership) the request's header names, through accounts.tenancy: 422 bad
    header, 403 not a member; staff may leave the header out (None, None)."""
    user: User = request.user
    org_id = parse_org_header(request)
    if org_id is None:
        if user.is_staff and header_optional_for_staff:
            return None, None
        raise Invalid(f"The {ORG_HEADER} header is required.", field=ORG_HEADER)
    return tenancy.resolve_org(user, org_id)


class OrgAccess(permissions.BasePermission):
    """Authenticated, a live membership of the header's organization, the view's scope and role.

    Views declare `required_scope`, `staff_only_actions` (names of actions only staff may run)
    and `min_write_role`; reads need the scope, writes also a role above guest.
    """

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        view.org, view.membership = resolve_request_org(request)
        action = getattr(view, "action", None)
        if action in getattr(view, "staff_only_actions", ()):
            tenancy.require_staff(user)
        tenancy.check_membership(
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
    tenancy = "organization"  # tests/test_route_tenancy.py holds every route to a declared kind

    def __init_subclass__(cls, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: extend scope_queryset(), never get_queryset()")

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
        return tenancy.is_staff(self.request.user)  # an anonymous user is not staff


@extend_schema_field(OpenApiTypes.INT)
class ScopedIdField(serializers.PrimaryKeyRelatedField):
    """Every id input of the API: an id looked up only among the rows the request may name.

    `scope` is either a function of the request's organization (`context["org"]`, None for staff
    without one) returning that queryset, e.g. `Model.objects.for_org`, or the name of a queryset
    the view built (`context["scoped"][name]`). Another organization's row is answered like a
    missing one: "Invalid pk … object does not exist" (422).
    """

    def __init__(self, *, scope: Callable[[Organization | None], QuerySet] | str, **kwargs) -> None:
        self.scope = scope
        kwargs.setdefault("queryset", None)  # decided per request, in get_queryset()
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        if isinstance(self.scope, str):
            return self.context["scoped"][self.scope]
        return self.scope(self.context.get("org"))

    def use_pk_only_optimization(self) -> bool:
        return False  # the action reads the object: fetch it whole, once
