"""The helpdesk's ticket API (seed 003) over the same tickets.

Every answer is `{"status": "success"|"error", "errorCode": <HTTP status>, "message": ...}` (the
seed's `"errorCode" = 200` is read as the JSON key it was meant to be). The organization comes
from `X-Middag-Organization` or the token's `org` claim; clients are scoped to it exactly as in
the account API, staff may work across organizations.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import tenancy
from accounts.access import parse_org_header
from accounts.models import Membership, Organization, User
from config.errors import Conflict, Forbidden, Invalid, NotFound
from entitlements.models import Entitlement, EntitlementClass
from tickets import actions
from tickets.compat.common import (
    CompatView,
    bool_param,
    helpdesk_error,
    int_param,
    page_params,
    str_param,
)
from tickets.compat.mapping import (
    DONE,
    HELPDESK_FILTERS,
    HELPDESK_PRIORITY_IN,
    HELPDESK_PRIORITY_OUT,
    helpdesk_status,
    helpdesk_time,
    parse_helpdesk_date,
)
from tickets.models import Reply, Ticket, TicketCategory

TAGS = ["compat: helpdesk ticket API (seed 003)"]
ANSWER = inline_serializer(
    "HelpdeskAnswer",
    {
        "status": serializers.ChoiceField(choices=["success", "error"]),
        "errorCode": serializers.IntegerField(),
        "message": serializers.JSONField(),
    },
)


TICKET_LIST = inline_serializer(
    "HelpdeskTicketList",
    {
        "status": serializers.ChoiceField(choices=["success"]),
        "errorCode": serializers.IntegerField(),
        "data": serializers.ListField(child=serializers.DictField()),
    },
)


def ok(message, **extra) -> Response:
    return Response({"status": "success", "errorCode": 200, "message": message, **extra})


def _display(user: User | None) -> str:
    return "NULL" if user is None else user.email


class HelpdeskView(CompatView):
    error_body = staticmethod(helpdesk_error)
    org: Organization | None = None
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
            if user.is_staff:
                return None, None
            raise Invalid(
                "Choose an organization: send X-Middag-Organization or log in with organization_id."
            )
        return tenancy.resolve_org(user, org_id)

    def check(self, *, write: bool) -> None:
        tenancy.check_membership(
            self.membership, user=self.request.user, scope="entitlements", write=write
        )

    def tickets(self) -> QuerySet:
        return Ticket.objects.for_org(self.org)

    def ticket(self, raw) -> Ticket:
        ticket_id = int_param({"ticketId": raw}, "ticketId", minimum=1)
        ticket = self.tickets().select_related("assignee", "requester").filter(pk=ticket_id).first()
        if ticket is None:
            raise NotFound(f"Ticket {ticket_id} not found.")
        return ticket

    def acting_user(self, data, name: str = "userId") -> User:
        """`userId` must be the caller, unless staff act for a member of the organization."""
        user_id = int_param(data, name, minimum=1)
        user = self.request.user
        if user_id == user.pk:
            return user
        if not user.is_staff:
            raise Forbidden(f"{name} must be your own user id.")
        target = User.objects.filter(pk=user_id, is_active=True).first()
        if target is None:
            raise NotFound(f"User {user_id} not found.")
        return target


def _entitlement_for(view: HelpdeskView, code: str) -> Entitlement:
    """The entitlement named by `entitlementCode`, else the organization's only active ENV one."""
    if code:
        qs = Entitlement.objects.for_org(view.org) if view.org else Entitlement.objects.all()
        entitlement = qs.filter(code__iexact=code).first()
        if entitlement is None:
            raise NotFound(f"No entitlement with the code {code} in this organization.")
        return entitlement
    if view.org is None:
        raise Invalid("Send entitlementCode (or choose an organization).", field="entitlementCode")
    candidates = list(
        Entitlement.objects.filter(
            organization=view.org,
            entitlement_class=EntitlementClass.ENV,
            status=Entitlement.Status.ACTIVE,
        )[:2]
    )
    if len(candidates) != 1:
        how_many = "no" if not candidates else "several"
        raise Invalid(
            f"This organization has {how_many} active hosting entitlements; send entitlementCode.",
            field="entitlementCode",
        )
    return candidates[0]


class RaiseTicketView(HelpdeskView):
    @extend_schema(
        tags=TAGS,
        request=inline_serializer(
            "HelpdeskRaiseTicket",
            {
                "type": serializers.CharField(),
                "subject": serializers.CharField(),
                "priority": serializers.ChoiceField(
                    choices=["low", "medium", "high", "urgent"], required=False
                ),
                "userId": serializers.IntegerField(),
                "comments": serializers.CharField(),
                "closeTicketImmediately": serializers.ChoiceField(
                    choices=["true", "false"], required=False
                ),
                "resolutionType": serializers.CharField(required=False),
                "resolutionSubject": serializers.CharField(required=False),
                "entitlementCode": serializers.CharField(required=False),
            },
        ),
        responses={200: ANSWER},
        summary="Raise ticket",
    )
    def post(self, request: Request) -> Response:
        self.check(write=True)
        data = request.data
        type_name = str_param(data, "type", max_length=80)
        subject = str_param(data, "subject", max_length=200)
        comments = str_param(data, "comments")
        requester = self.acting_user(data)
        priority_raw = str_param(data, "priority", required=False).lower() or "medium"
        if priority_raw not in HELPDESK_PRIORITY_IN:
            raise Invalid("priority must be low, medium, high or urgent.", field="priority")
        close_now = bool_param(data, "closeTicketImmediately", default=False)
        resolution_type = str_param(data, "resolutionType", required=close_now, max_length=80)
        resolution_subject = str_param(
            data, "resolutionSubject", required=close_now, max_length=200
        )
        category = TicketCategory.objects.filter(
            Q(name__iexact=type_name) | Q(slug__iexact=type_name), is_active=True
        ).first()
        if category is None:
            names = ", ".join(
                TicketCategory.objects.filter(is_active=True).values_list("name", flat=True)
            )
            raise Invalid(f"Unknown ticket type '{type_name}'. Known types: {names}.", field="type")
        entitlement = _entitlement_for(
            self, str_param(data, "entitlementCode", required=False, max_length=20)
        )
        ticket = actions.ticket_create(
            actor=request.user,
            org=self.org,
            entitlement=entitlement,
            title=subject,
            description=comments,
            priority=HELPDESK_PRIORITY_IN[priority_raw],
            requester=requester,
            category=category,
            source=Ticket.Source.HELPDESK,
            close_immediately=close_now,
            resolution_type=resolution_type,
            resolution_subject=resolution_subject,
        )
        return ok(
            f"Your ticket with the ID {ticket.pk} has been raised. Please wait for the response "
            "and note the ticket Id for future reference.",
            ticketId=str(ticket.pk),
        )


# What _ticket_row reads: a list page of 100 rows builds nothing else (the status is read so
# the FSM's initial-state bookkeeping finds it loaded).
ROW_FIELDS = (
    "id",
    "number",
    "organization__slug",
    "requester_id",
    "title",
    "category__name",
    "priority",
    "resolution_due_at",
    "status",
    "assignee__email",
    "created_at",
)


def _ticket_row(ticket: Ticket) -> dict:
    return {
        "Ticket": {
            "id": str(ticket.pk),
            "number": ticket.number,
            "account_id": ticket.organization.slug,
            "user": str(ticket.requester_id),
            "subject": ticket.title,
            "type": ticket.category.name if ticket.category else "NULL",
            "priority": HELPDESK_PRIORITY_OUT[ticket.priority],
            "due": helpdesk_time(ticket.resolution_due_at) or "NULL",
            "status": helpdesk_status(ticket),
            "assigned_to": _display(ticket.assignee),
            "group_name": ticket.category.name if ticket.category else "NULL",
            "created": helpdesk_time(ticket.created_at),
        }
    }


class GetTicketsView(HelpdeskView):
    """`get_tickets/<userId>[/<status>[/<assigned_admin>]]`; POST adds fromDate/toDate."""

    @extend_schema(tags=TAGS, responses={200: TICKET_LIST}, summary="Get tickets by status")
    def get(
        self, request: Request, user_id: str, status: str = "", assigned_admin: str = ""
    ) -> Response:
        return self.listing(request, user_id, status, assigned_admin, {})

    @extend_schema(
        tags=TAGS,
        request=inline_serializer(
            "HelpdeskTicketDates",
            {
                "fromDate": serializers.CharField(required=False, help_text="dd-mm-yyyy H:m"),
                "toDate": serializers.CharField(required=False, help_text="dd-mm-yyyy H:m"),
            },
        ),
        responses={200: TICKET_LIST},
        summary="Get tickets by status and dates",
    )
    def post(
        self, request: Request, user_id: str, status: str = "", assigned_admin: str = ""
    ) -> Response:
        return self.listing(request, user_id, status, assigned_admin, request.data)

    def listing(
        self, request: Request, user_id: str, status: str, assigned_admin: str, data
    ) -> Response:
        self.check(write=False)
        requester_id = int_param({"userId": user_id}, "userId")
        qs = self.tickets().select_related("organization", "category", "assignee").only(*ROW_FIELDS)
        if requester_id:
            qs = qs.filter(requester_id=requester_id)
        status = status.strip().lower()
        if status and status != "all":
            if status not in HELPDESK_FILTERS:
                raise Invalid(
                    f"Unknown status '{status}'. Use one of: {', '.join(HELPDESK_FILTERS)}.",
                    field="status",
                )
            qs = qs.filter(HELPDESK_FILTERS[status](timezone.now()))
        if assigned_admin:
            qs = qs.filter(
                Q(assignee__email__iexact=assigned_admin)
                | Q(assignee__email__istartswith=f"{assigned_admin}@")
            )
        for name, lookup in (("fromDate", "created_at__gte"), ("toDate", "created_at__lte")):
            raw = str_param(data, name, required=False, max_length=40)
            if raw:
                try:
                    qs = qs.filter(**{lookup: parse_helpdesk_date(raw)})
                except ValueError:
                    raise Invalid(
                        f"{name} must be a date as dd-mm-yyyy H:m (e.g. 21-11-2016 17:01).",
                        field=name,
                    ) from None
        page, per_page = page_params(request)
        rows = qs.order_by("-created_at", "-id")[(page - 1) * per_page : page * per_page]
        return Response(
            {"status": "success", "errorCode": 200, "data": [_ticket_row(t) for t in rows]}
        )


class SendMessageView(HelpdeskView):
    @extend_schema(
        tags=TAGS,
        request=inline_serializer(
            "HelpdeskSendMessage",
            {
                "ticketId": serializers.IntegerField(),
                "ticketMessage": serializers.CharField(),
                "sender": serializers.ChoiceField(choices=["admin", "user"]),
                "sender_name": serializers.CharField(),
                "showToUser": serializers.ChoiceField(choices=["true", "false"]),
            },
        ),
        responses={200: ANSWER},
        summary="Send message",
    )
    def post(self, request: Request) -> Response:
        self.check(write=True)
        data = request.data
        ticket = self.ticket(data.get("ticketId"))
        message = str_param(data, "ticketMessage")
        sender = str_param(data, "sender", max_length=10).lower()
        str_param(data, "sender_name", max_length=254)
        show_to_user = bool_param(data, "showToUser", default=True)
        if sender not in ("admin", "user"):
            raise Invalid("sender must be admin or user.", field="sender")
        if sender == "user" and not show_to_user:
            raise Invalid(
                "A user's message is always shown to the user (showToUser=true).",
                field="showToUser",
            )
        if (sender == "admin") != request.user.is_staff:
            raise Forbidden(f"You cannot send messages as {sender}.")
        actions.ticket_reply(
            ticket=ticket, author=request.user, message=message, internal=not show_to_user
        )
        recipient = "user" if sender == "admin" else "admin"
        return ok(f"The message has been sent to the {recipient}")


class TicketDetailsView(HelpdeskView):
    @extend_schema(tags=TAGS, responses={200: ANSWER}, summary="Get ticket details")
    def get(self, request: Request, ticket_id: str) -> Response:
        self.check(write=False)
        ticket = self.ticket(ticket_id)
        replies = (
            Reply.objects.filter(ticket=ticket)
            .select_related("author")
            .order_by("created_at", "id")
        )
        if not request.user.is_staff:
            replies = replies.filter(internal=False)
        conversation = [
            {
                "sender": "user",
                "sender_name": ticket.requester.name or ticket.requester.email,
                "ticket_message": ticket.description,
                "created": helpdesk_time(ticket.created_at),
                "show_to_user": "1",
            }
        ]
        for reply in replies:
            author = reply.author
            conversation.append(
                {
                    "sender": "admin" if author is not None and author.is_staff else "user",
                    "sender_name": (
                        author.email if author.is_staff else (author.name or author.email)
                    )
                    if author
                    else "",
                    "ticket_message": reply.message,
                    "created": helpdesk_time(reply.created_at),
                    "show_to_user": "0" if reply.internal else "1",
                }
            )
        details = {
            "id": str(ticket.pk),
            "number": ticket.number,
            "subject": ticket.title,
            "priority": HELPDESK_PRIORITY_OUT[ticket.priority],
            "status": helpdesk_status(ticket),
            "assigned_to": _display(ticket.assignee),
            "rating": ticket.rating,
            "created": helpdesk_time(ticket.created_at),
        }
        return ok({"ticket_conversation": conversation, "ticket_details": details})


class CloseTicketView(HelpdeskView):
    """`close_ticket` resolves the ticket, so `reopen_ticket` can reopen it (SPEC §5)."""

    atomic_reads = True  # the seed's GET writes

    @extend_schema(
        tags=TAGS,
        responses={200: ANSWER},
        summary="Close ticket",
        operation_id="helpdesk_close_ticket",
    )
    def get(self, request: Request, ticket_id: str) -> Response:
        return self.close(request, ticket_id)

    @extend_schema(
        tags=TAGS,
        request=None,
        responses={200: ANSWER},
        summary="Close ticket (POST)",
        operation_id="helpdesk_close_ticket_post",
    )
    def post(self, request: Request, ticket_id: str) -> Response:
        return self.close(request, ticket_id)

    def close(self, request: Request, ticket_id: str) -> Response:
        self.check(write=True)
        ticket = self.ticket(ticket_id)
        if ticket.status in DONE:
            raise Conflict(f"The ticket is already closed (status '{ticket.status}').")
        actions.ticket_transition(
            ticket=ticket,
            name="resolve",
            actor=request.user,
            reason="Closed through the helpdesk API",
        )
        return ok("The ticket has been closed")


class AssignTicketView(HelpdeskView):
    @extend_schema(
        tags=TAGS,
        request=inline_serializer(
            "HelpdeskAssign",
            {"ticketId": serializers.IntegerField(), "admin": serializers.CharField()},
        ),
        responses={200: ANSWER},
        summary="Assign ticket to admin",
    )
    def post(self, request: Request) -> Response:
        self.check(write=True)
        if not request.user.is_staff:
            raise Forbidden("Only staff assign tickets.")
        ticket = self.ticket(request.data.get("ticketId"))
        name = str_param(request.data, "admin", max_length=254)
        staff = User.objects.filter(is_staff=True, is_active=True)
        admin = staff.filter(email__iexact=name).first()
        if admin is None:
            matches = list(staff.filter(email__istartswith=f"{name}@")[:2])
            admin = matches[0] if len(matches) == 1 else None
        if admin is None:
            raise NotFound(f"No staff user with the username or email '{name}'.")
        actions.ticket_assign(ticket=ticket, actor=request.user, assignee=admin)
        return ok("Admin assigned to the ticket successfully")


class ReopenTicketView(HelpdeskView):
    @extend_schema(
        tags=TAGS,
        request=inline_serializer(
            "HelpdeskReopen",
            {
                "ticketId": serializers.IntegerField(),
                "userId": serializers.IntegerField(),
                "comments": serializers.CharField(),
            },
        ),
        responses={200: ANSWER},
        summary="Reopen ticket",
    )
    def post(self, request: Request) -> Response:
        self.check(write=True)
        data = request.data
        ticket = self.ticket(data.get("ticketId"))
        self.acting_user(data)
        reason = str_param(data, "comments")
        actions.ticket_transition(ticket=ticket, name="reopen", actor=request.user, reason=reason)
        return Response(
            {
                "status": "success",
                "message": "Ticket has been reopened successfully",
                "errorCode": 200,
            }
        )


class TicketRatingView(HelpdeskView):
    @extend_schema(
        tags=TAGS,
        request=inline_serializer(
            "HelpdeskRating",
            {
                "ticketId": serializers.IntegerField(),
                "userId": serializers.IntegerField(),
                "ratingValue": serializers.ChoiceField(choices=["1", "2", "3", "4", "5"]),
            },
        ),
        responses={200: ANSWER},
        summary="Ticket rating",
    )
    def post(self, request: Request) -> Response:
        self.check(write=True)
        data = request.data
        ticket = self.ticket(data.get("ticketId"))
        rater = self.acting_user(data)  # staff may record a member's rating on their behalf
        rating = int_param(data, "ratingValue", minimum=1)
        if rating > 5:
            raise Invalid("ratingValue must be 1, 2, 3, 4 or 5.", field="ratingValue")
        actions.ticket_rate(ticket=ticket, actor=rater, rating=rating)
        return Response(
            {
                "status": "success",
                "message": f"Thanks for your feedback, your rating has been saved for the ticket ID{ticket.pk}",
                "errorCode": 200,
            }
        )
