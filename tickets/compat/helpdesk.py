"""The helpdesk's ticket API (seed 003) over the same tickets.

Every answer is `{"status": "success"|"error", "errorCode": <HTTP status>, "message": ...}`
(tickets.compat.render.HelpdeskWire). The organization comes from `X-Middag-Organization` or the
token's `org` claim; clients are scoped to it exactly as in the account API, staff may work
across organizations.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import tenancy
from accounts.access import parse_org_header
from accounts.models import Membership, Organization, User
from config.errors import Conflict, Forbidden, Invalid, NotFound
from entitlements.models import Entitlement
from tickets import actions
from tickets.compat import serializers as inputs
from tickets.compat.common import CompatView, documented
from tickets.compat.mapping import DONE, HELPDESK_FILTERS, HELPDESK_PRIORITY_IN
from tickets.compat.render import HelpdeskWire
from tickets.models import Ticket, TicketCategory

doc = documented(["compat: helpdesk ticket API (seed 003)"], HelpdeskWire.ANSWER)


class HelpdeskView(CompatView):
    wire = HelpdeskWire
    membership: Membership | None = None

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        self.org, self.membership = self._resolve_org(request)

    def _resolve_org(self, request: Request) -> tuple[Organization | None, Membership | None]:
        user = request.user
        org_id = parse_org_header(request)
        if org_id is None and request.auth is not None:
            org_id = request.auth.get("org")
        if org_id is None:
            if tenancy.is_staff(user):
                return None, None
            raise Invalid(
                "Choose an organization: send X-Middag-Organization or log in with organization_id."
            )
        return tenancy.resolve_org(user, org_id)

    def check(self, *, write: bool) -> None:
        tenancy.check_membership(
            self.membership, user=self.request.user, scope="entitlements", write=write
        )

    def acting_user(self, user_id: int) -> User:
        """`userId` must be the caller, unless staff act for another user."""
        user = self.request.user
        if user_id == user.pk:
            return user
        if not tenancy.is_staff(user):
            raise Forbidden("userId must be your own user id.")
        target = User.objects.filter(pk=user_id, is_active=True).first()
        if target is None:
            raise NotFound(f"User {user_id} not found.")
        return target

    def entitlement(self, code: str) -> Entitlement:
        """The entitlement named by `entitlementCode`, else the organization's only active ENV one."""
        if code:
            entitlement = Entitlement.objects.for_org(self.org).filter(code__iexact=code).first()
            if entitlement is None:
                raise NotFound(f"No entitlement with the code {code} in this organization.")
            return entitlement
        if self.org is None:
            raise Invalid(
                "Send entitlementCode (or choose an organization).", field="entitlementCode"
            )
        return self.sole_entitlement()


def _category(type_name: str) -> TicketCategory:
    """The active category named (or slugged) `type`."""
    categories = TicketCategory.objects.filter(is_active=True)
    category = categories.filter(Q(name__iexact=type_name) | Q(slug__iexact=type_name)).first()
    if category is None:
        names = ", ".join(categories.values_list("name", flat=True))
        raise Invalid(f"Unknown ticket type '{type_name}'. Known types: {names}.", field="type")
    return category


class RaiseTicketView(HelpdeskView):
    @doc("Raise ticket", request=inputs.RaiseTicketInput)
    def post(self, request: Request) -> Response:
        self.check(write=True)
        values = self.validated(inputs.RaiseTicketInput, request.data)
        category = _category(values["type"])
        ticket = actions.ticket_create(
            actor=request.user,
            org=self.org,
            entitlement=self.entitlement(values["entitlementCode"]),
            title=values["subject"],
            description=values["comments"],
            priority=HELPDESK_PRIORITY_IN[values["priority"]],
            requester=values["userId"],
            category=category,
            source=Ticket.Source.HELPDESK,
            close_immediately=values["closeTicketImmediately"],
            resolution_type=values["resolutionType"],
            resolution_subject=values["resolutionSubject"],
        )
        return HelpdeskWire.raised(ticket)


class GetTicketsView(HelpdeskView):
    """`get_tickets/<userId>[/<status>[/<assigned_admin>]]`; POST adds fromDate/toDate."""

    @doc("Get tickets by status", responses={200: HelpdeskWire.LIST})
    def get(
        self, request: Request, user_id: str, status: str = "", assigned_admin: str = ""
    ) -> Response:
        return self.listing(request, user_id, status, assigned_admin, {})

    @doc(
        "Get tickets by status and dates",
        request=inputs.GetTicketsInput,
        responses={200: HelpdeskWire.LIST},
    )
    def post(
        self, request: Request, user_id: str, status: str = "", assigned_admin: str = ""
    ) -> Response:
        return self.listing(request, user_id, status, assigned_admin, request.data)

    def listing(
        self, request: Request, user_id: str, status: str, assigned_admin: str, body
    ) -> Response:
        self.check(write=False)
        query = request.query_params
        values = self.validated(
            inputs.GetTicketsInput,
            {
                "userId": user_id,
                "status": status,
                "fromDate": body.get("fromDate"),
                "toDate": body.get("toDate"),
                "page": query.get("page"),
                "per_page": query.get("per_page"),
            },
        )
        qs = Ticket.objects.for_org(self.org).select_related("organization", "category", "assignee")
        qs = qs.only(*HelpdeskWire.ROW_FIELDS)
        if values["userId"]:
            qs = qs.filter(requester_id=values["userId"])
        if values["status"] not in ("", "all"):
            qs = qs.filter(HELPDESK_FILTERS[values["status"]](timezone.now()))
        if assigned_admin:
            qs = qs.filter(
                Q(assignee__email__iexact=assigned_admin)
                | Q(assignee__email__istartswith=f"{assigned_admin}@")
            )
        if values["fromDate"]:
            qs = qs.filter(created_at__gte=values["fromDate"])
        if values["toDate"]:
            qs = qs.filter(created_at__lte=values["toDate"])
        return HelpdeskWire.rows(self.page(qs, values))


class SendMessageView(HelpdeskView):
    @doc("Send message", request=inputs.SendMessageInput)
    def post(self, request: Request) -> Response:
        self.check(write=True)
        values = self.validated(inputs.SendMessageInput, request.data)
        ticket = values["ticketId"]
        sender = values["sender"]
        if (sender == "admin") != tenancy.is_staff(request.user):
            raise Forbidden(f"You cannot send messages as {sender}.")
        actions.ticket_reply(
            ticket=ticket,
            author=request.user,
            message=values["ticketMessage"],
            internal=not values["showToUser"],
        )
        return HelpdeskWire.message_sent(sender)


class TicketDetailsView(HelpdeskView):
    @doc("Get ticket details")
    def get(self, request: Request, ticket_id: str) -> Response:
        self.check(write=False)
        values = self.validated(inputs.TicketIdInput, {"ticketId": ticket_id})
        ticket = values["ticketId"]
        return HelpdeskWire.details(ticket, self.replies(ticket))


class CloseTicketView(HelpdeskView):
    """`close_ticket` resolves the ticket, so `reopen_ticket` can reopen it (SPEC §5)."""

    atomic_reads = True  # the seed's GET writes; so HEAD is a 405 (config.api.ApiViewMixin)

    @doc("Close ticket", operation_id="helpdesk_close_ticket")
    def get(self, request: Request, ticket_id: str) -> Response:
        return self.close(request, ticket_id)

    @doc("Close ticket (POST)", request=None, operation_id="helpdesk_close_ticket_post")
    def post(self, request: Request, ticket_id: str) -> Response:
        return self.close(request, ticket_id)

    def close(self, request: Request, ticket_id: str) -> Response:
        self.check(write=True)
        values = self.validated(inputs.TicketIdInput, {"ticketId": ticket_id})
        ticket = values["ticketId"]
        if ticket.status in DONE:
            raise Conflict(f"The ticket is already closed (status '{ticket.status}').")
        actions.ticket_transition(
            ticket=ticket,
            name="resolve",
            actor=request.user,
            reason="Closed through the helpdesk API",
        )
        return HelpdeskWire.closed()


def _staff_user(name: str) -> User:
    """The active staff user with that e-mail address, or the only one whose address starts
    with `name@` (a username)."""
    staff = User.objects.filter(is_staff=True, is_active=True)
    admin = staff.filter(email__iexact=name).first()
    if admin is None:
        matches = list(staff.filter(email__istartswith=f"{name}@")[:2])
        admin = matches[0] if len(matches) == 1 else None
    if admin is None:
        raise NotFound(f"No staff user with the username or email '{name}'.")
    return admin


class AssignTicketView(HelpdeskView):
    @doc("Assign ticket to admin", request=inputs.AssignInput)
    def post(self, request: Request) -> Response:
        self.check(write=True)
        tenancy.require_staff(request.user, "Only staff assign tickets.")
        values = self.validated(inputs.AssignInput, request.data)
        ticket = values["ticketId"]
        admin = _staff_user(values["admin"])
        actions.ticket_assign(ticket=ticket, actor=request.user, assignee=admin)
        return HelpdeskWire.assigned()


class ReopenTicketView(HelpdeskView):
    @doc("Reopen ticket", request=inputs.ReopenInput)
    def post(self, request: Request) -> Response:
        self.check(write=True)
        values = self.validated(inputs.ReopenInput, request.data)
        ticket = values["ticketId"]
        actions.ticket_transition(
            ticket=ticket, name="reopen", actor=request.user, reason=values["comments"]
        )
        return HelpdeskWire.reopened()


class TicketRatingView(HelpdeskView):
    @doc("Ticket rating", request=inputs.RatingInput)
    def post(self, request: Request) -> Response:
        self.check(write=True)
        values = self.validated(inputs.RatingInput, request.data)
        ticket = values["ticketId"]
        # userId: staff may record a member's rating on their behalf
        actions.ticket_rate(ticket=ticket, actor=values["userId"], rating=values["ratingValue"])
        return HelpdeskWire.rated(ticket)
