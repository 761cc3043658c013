"""The ISP back office's ticket API (seed 002), staff only, over the same tickets.

`isp_id` is the organization id, `branch_id` an environment of it (0 = all), `user_id` the acting
staff user (it must be the authenticated one), `subscriber_id` the requester.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Organization, User
from config.errors import Conflict, Forbidden, Invalid, NotFound
from entitlements.models import Entitlement, EntitlementClass
from environments.models import Environment
from tickets import actions
from tickets.compat.common import CompatView, int_param, isp_error, page_params, str_param
from tickets.compat.mapping import (
    ISP_CODE_TO_PRIORITIES,
    ISP_CODE_TO_PRIORITY,
    ISP_CODE_TO_STATUSES,
    ISP_PRIORITY_TO_CODE,
    ISP_STATUS_PATHS,
    ISP_STATUS_TO_CODE,
    isp_time,
)
from tickets.models import Reply, Ticket

TAGS = ["compat: ISP ticket API (seed 002)"]
MESSAGE = inline_serializer(
    "IspMessage", {"success": serializers.BooleanField(), "message": serializers.CharField()}
)


class IsStaff(permissions.BasePermission):
    message = "This API is for staff only."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class IspView(CompatView):
    permission_classes = [IsStaff]
    error_body = staticmethod(isp_error)

    def context(self, data) -> tuple[Organization | None, Environment | None]:
        """Check isp_id / branch_id / user_id when sent (required ones are checked by callers)."""
        org = env = None
        isp_id = int_param(data, "isp_id", required=False, minimum=1)
        if isp_id is not None:
            org = Organization.objects.filter(pk=isp_id).first()
            if org is None:
                raise NotFound(f"ISP {isp_id} not found.")
        branch_id = int_param(data, "branch_id", required=False)
        if branch_id:
            env = Environment.objects.filter(pk=branch_id).first()
            if env is None or (org is not None and env.organization_id != org.pk):
                raise NotFound(f"Branch {branch_id} not found for this ISP.")
        user_id = int_param(data, "user_id", required=False, minimum=1)
        if user_id is not None and user_id != self.request.user.pk:
            raise Forbidden("user_id must be the authenticated user.")
        return org, env

    def ticket(self, pk: str, data=None) -> Ticket:
        ticket = Ticket.objects.select_related("requester").filter(pk=int(pk)).first()
        if ticket is None:
            raise NotFound("Ticket not found.")
        if data is not None:
            org, env = self.context(data)
            if (org and ticket.organization_id != org.pk) or (
                env and ticket.environment_id != env.pk
            ):
                raise NotFound("Ticket not found.")
        return ticket


# What a list row reads; a page of 100 builds nothing else (status loaded for the FSM).
ROW_FIELDS = (
    "id",
    "title",
    "requester_id",
    "requester__name",
    "requester__email",
    "priority",
    "status",
    "created_at",
)


def _ticket_row(ticket: Ticket) -> dict:
    requester = ticket.requester
    return {
        "id": ticket.pk,
        "title": ticket.title,
        "subscriber_id": ticket.requester_id,
        "subscriber_name": requester.name or requester.email,
        "priority": ISP_PRIORITY_TO_CODE[ticket.priority],
        "status": ISP_STATUS_TO_CODE[ticket.status],
        "created_at": isp_time(ticket.created_at),
    }


def _default_entitlement(org: Organization) -> Entitlement:
    """With branch_id 0, the organization's only active ENV entitlement."""
    candidates = list(
        Entitlement.objects.filter(
            organization=org,
            entitlement_class=EntitlementClass.ENV,
            status=Entitlement.Status.ACTIVE,
        )[:2]
    )
    if len(candidates) != 1:
        reason = "no" if not candidates else "several"
        raise Invalid(
            f"This ISP has {reason} active hosting entitlements; send the branch_id of the environment.",
            field="branch_id",
        )
    return candidates[0]


class IspTicketsView(IspView):
    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter("isp_id", int, required=True),
            OpenApiParameter("branch_id", int, required=True, description="0 = all branches"),
            OpenApiParameter("user_id", int, required=True),
            OpenApiParameter("status", int, enum=[0, 1, 2, 3]),
            OpenApiParameter("priority", int, enum=[1, 2, 3]),
        ],
        responses={
            200: inline_serializer(
                "IspTicketList",
                {
                    "success": serializers.BooleanField(),
                    "data": serializers.ListField(child=serializers.DictField()),
                },
            )
        },
        summary="Fetch all tickets",
        operation_id="isp_tickets_list",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        for name in ("isp_id", "branch_id", "user_id"):
            int_param(params, name)
        org, env = self.context(params)
        qs: QuerySet = Ticket.objects.for_org(org).select_related("requester").only(*ROW_FIELDS)
        if env is not None:
            qs = qs.filter(environment=env)
        status = int_param(params, "status", required=False)
        if status is not None:
            if status not in ISP_CODE_TO_STATUSES:
                raise Invalid("status must be 0, 1, 2 or 3.", field="status")
            qs = qs.filter(status__in=ISP_CODE_TO_STATUSES[status])
        priority = int_param(params, "priority", required=False)
        if priority is not None:
            if priority not in ISP_CODE_TO_PRIORITIES:
                raise Invalid("priority must be 1, 2 or 3.", field="priority")
            qs = qs.filter(priority__in=ISP_CODE_TO_PRIORITIES[priority])
        page, per_page = page_params(request)
        rows = qs.order_by("-created_at", "-id")[(page - 1) * per_page : page * per_page]
        return Response({"success": True, "data": [_ticket_row(t) for t in rows]})

    @extend_schema(
        tags=TAGS,
        request=inline_serializer(
            "IspTicketCreate",
            {
                "isp_id": serializers.IntegerField(),
                "branch_id": serializers.IntegerField(),
                "user_id": serializers.IntegerField(),
                "subscriber_id": serializers.IntegerField(required=False),
                "title": serializers.CharField(),
                "description": serializers.CharField(),
                "priority": serializers.ChoiceField(choices=[1, 2, 3]),
            },
        ),
        responses={201: MESSAGE},
        summary="Create ticket",
        operation_id="isp_tickets_create",
    )
    def post(self, request: Request) -> Response:
        data = request.data
        for name in ("isp_id", "branch_id", "user_id"):
            int_param(data, name)
        title = str_param(data, "title", max_length=200)
        description = str_param(data, "description")
        priority = int_param(data, "priority")
        if priority not in ISP_CODE_TO_PRIORITY:
            raise Invalid("priority must be 1, 2 or 3.", field="priority")
        org, env = self.context(data)
        requester = request.user
        subscriber_id = int_param(data, "subscriber_id", required=False, minimum=1)
        if subscriber_id is not None:
            requester = User.objects.filter(
                pk=subscriber_id,
                memberships__organization=org,
                memberships__is_active=True,
            ).first()
            if requester is None:
                raise NotFound(f"Subscriber {subscriber_id} is not a member of this ISP.")
        ticket = actions.ticket_create(
            actor=request.user,
            org=org,
            environment=env,
            entitlement=None if env else _default_entitlement(org),
            title=title,
            description=description,
            priority=ISP_CODE_TO_PRIORITY[priority],
            requester=requester,
            source=Ticket.Source.ISP,
        )
        return Response(
            {"success": True, "message": "Ticket created successfully", "data": {"id": ticket.pk}},
            status=201,
        )


class IspTicketView(IspView):
    @extend_schema(
        tags=TAGS,
        responses={
            200: inline_serializer(
                "IspTicket",
                {"success": serializers.BooleanField(), "data": serializers.DictField()},
            )
        },
        summary="Fetch ticket",
        operation_id="isp_ticket_retrieve",
    )
    def get(self, request: Request, pk: str) -> Response:
        ticket = self.ticket(pk, request.query_params)
        replies = (
            Reply.objects.filter(ticket=ticket)
            .select_related("author")
            .order_by("created_at", "id")
        )
        row = _ticket_row(ticket)
        body = {
            **{k: row[k] for k in ("id", "title")},
            "description": ticket.description,
            **{k: row[k] for k in ("subscriber_id", "subscriber_name", "priority", "status")},
            "replies": [
                {
                    "id": reply.pk,
                    "message": reply.message,
                    "user_name": (reply.author.name or reply.author.email) if reply.author else "",
                    "internal": reply.internal,
                    "created_at": isp_time(reply.created_at),
                }
                for reply in replies
            ],
            "created_at": row["created_at"],
        }
        return Response({"success": True, "data": body})

    @extend_schema(
        tags=TAGS,
        request=inline_serializer(
            "IspTicketUpdate",
            {
                "title": serializers.CharField(required=False),
                "description": serializers.CharField(required=False),
                "priority": serializers.ChoiceField(choices=[1, 2, 3], required=False),
            },
        ),
        responses={200: MESSAGE},
        summary="Update ticket",
        operation_id="isp_ticket_update",
    )
    def put(self, request: Request, pk: str) -> Response:
        ticket = self.ticket(pk, request.data)
        fields: dict = {}
        if request.data.get("title") not in (None, ""):
            fields["title"] = str_param(request.data, "title", max_length=200)
        if request.data.get("description") not in (None, ""):
            fields["description"] = str_param(request.data, "description")
        priority = int_param(request.data, "priority", required=False)
        if priority is not None:
            if priority not in ISP_CODE_TO_PRIORITY:
                raise Invalid("priority must be 1, 2 or 3.", field="priority")
            fields["priority"] = ISP_CODE_TO_PRIORITY[priority]
        if not fields:
            raise Invalid("Send at least one of title, description, priority.", field="title")
        actions.ticket_update(ticket=ticket, actor=request.user, **fields)
        return Response({"success": True, "message": "Ticket updated successfully"})

    @extend_schema(
        tags=TAGS,
        responses={200: MESSAGE},
        summary="Delete ticket",
        operation_id="isp_ticket_delete",
    )
    def delete(self, request: Request, pk: str) -> Response:
        ticket = self.ticket(pk, request.query_params)
        actions.ticket_delete(ticket=ticket, actor=request.user)
        return Response({"success": True, "message": "Ticket deleted successfully"})


class IspReplyView(IspView):
    @extend_schema(
        tags=TAGS,
        request=inline_serializer(
            "IspReply",
            {
                "isp_id": serializers.IntegerField(),
                "branch_id": serializers.IntegerField(),
                "user_id": serializers.IntegerField(),
                "message": serializers.CharField(),
            },
        ),
        responses={201: MESSAGE},
        summary="Reply to ticket",
        operation_id="isp_ticket_reply",
    )
    def post(self, request: Request, pk: str) -> Response:
        ticket = self.ticket(pk, request.data)
        message = str_param(request.data, "message")
        actions.ticket_reply(ticket=ticket, author=request.user, message=message)
        return Response({"success": True, "message": "Reply added successfully"}, status=201)


class IspStatusView(IspView):
    @extend_schema(
        tags=TAGS,
        request=inline_serializer(
            "IspStatus",
            {
                "isp_id": serializers.IntegerField(),
                "branch_id": serializers.IntegerField(),
                "user_id": serializers.IntegerField(),
                "status": serializers.ChoiceField(choices=[0, 1, 2, 3]),
            },
        ),
        responses={200: MESSAGE},
        summary="Change ticket status",
        operation_id="isp_ticket_status",
    )
    def put(self, request: Request, pk: str) -> Response:
        ticket = self.ticket(pk, request.data)
        status = int_param(request.data, "status")
        if status not in ISP_CODE_TO_STATUSES:
            raise Invalid("status must be 0, 1, 2 or 3.", field="status")
        if ISP_STATUS_TO_CODE[ticket.status] != status:
            path = ISP_STATUS_PATHS.get((ticket.status, status))
            if path is None:
                raise Conflict(
                    f"A ticket whose status is {ISP_STATUS_TO_CODE[ticket.status]} "
                    f"({ticket.status}) cannot be moved to {status}."
                )
            for name in path:
                ticket = actions.ticket_transition(
                    ticket=ticket,
                    name=name,
                    actor=request.user,
                    reason="Status changed through the ISP ticket API",
                )
        return Response({"success": True, "message": "Ticket status updated successfully"})
