"""The ISP back office's ticket API (seed 002), staff only, over the same tickets.

`isp_id` is the organization id, `branch_id` an environment of it (0 = all), `user_id` the acting
staff user (it must be the authenticated one), `subscriber_id` the requester.
"""

from __future__ import annotations

from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import tenancy
from accounts.models import User
from config.errors import Conflict, Forbidden, NotFound
from environments.models import Environment
from tickets import actions
from tickets.compat import serializers as inputs
from tickets.compat.common import CompatView, documented
from tickets.compat.mapping import (
    ISP_CODE_TO_PRIORITIES,
    ISP_CODE_TO_PRIORITY,
    ISP_CODE_TO_STATUSES,
    ISP_STATUS_PATHS,
    ISP_STATUS_TO_CODE,
)
from tickets.compat.render import IspWire
from tickets.models import Ticket

doc = documented(["compat: ISP ticket API (seed 002)"], IspWire.MESSAGE)


class IsStaff(permissions.BasePermission):
    message = "This API is for staff only."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and tenancy.is_staff(user))


class IspView(CompatView):
    permission_classes = [IsStaff]
    wire = IspWire

    def context(self, values: dict) -> Environment | None:
        """The organization `isp_id` names (self.org), the environment `branch_id` names in it,
        and `user_id` checked to be the caller; each only when sent."""
        isp_id = values["isp_id"]
        if isp_id is not None:
            try:
                self.org = tenancy.staff_org(self.request.user, isp_id)  # a staff-only API
            except NotFound:
                raise NotFound(f"ISP {isp_id} not found.") from None
        env = None
        if values["branch_id"]:
            env = Environment.objects.for_org(self.org).filter(pk=values["branch_id"]).first()
            if env is None:
                raise NotFound(f"Branch {values['branch_id']} not found for this ISP.")
        if values["user_id"] is not None and values["user_id"] != self.request.user.pk:
            raise Forbidden("user_id must be the authenticated user.")
        return env

    def scoped_ticket(self, pk: str, data, op_input: type | None = None) -> tuple[Ticket, dict]:
        """The ticket of the path, in the organization and branch of the context, which is
        checked first (as the account API checks its organization header before the body);
        then the operation's input."""
        env = self.context(self.validated(inputs.IspContextInput, data))
        ticket = self.ticket(int(pk), "requester")
        if env is not None and ticket.environment_id != env.pk:
            raise NotFound(self.wire.ticket_not_found(ticket.pk))
        return ticket, self.validated(op_input, data) if op_input else {}

    def subscriber(self, subscriber_id: int | None) -> User:
        """The requester: the caller, or `subscriber_id`, a live member of the organization (as
        tickets.actions.ticket_create requires)."""
        if subscriber_id is None:
            return self.request.user
        live = tenancy.live_memberships().filter(user_id=subscriber_id, organization=self.org)
        membership = live.select_related("user").first()
        if membership is None:
            raise NotFound(f"Subscriber {subscriber_id} is not a member of this ISP.")
        return membership.user


class IspTicketsView(IspView):
    @doc(
        "Fetch all tickets",
        operation_id="isp_tickets_list",
        parameters=[inputs.IspTicketListInput],
        responses={200: IspWire.LIST},
    )
    def get(self, request: Request) -> Response:
        env = self.context(self.validated(inputs.IspRequiredContextInput, request.query_params))
        values = self.validated(inputs.IspTicketListInput, request.query_params)
        qs = Ticket.objects.for_org(self.org).select_related("requester").only(*IspWire.ROW_FIELDS)
        if env is not None:
            qs = qs.filter(environment=env)
        if values["status"] is not None:
            qs = qs.filter(status__in=ISP_CODE_TO_STATUSES[values["status"]])
        if values["priority"] is not None:
            qs = qs.filter(priority__in=ISP_CODE_TO_PRIORITIES[values["priority"]])
        return IspWire.rows(self.page(qs, values))

    @doc(
        "Create ticket",
        operation_id="isp_tickets_create",
        request=inputs.IspTicketCreateInput,
        responses={201: IspWire.MESSAGE},
    )
    def post(self, request: Request) -> Response:
        values = self.validated(inputs.IspTicketCreateInput, request.data)
        env = self.context(values)
        ticket = actions.ticket_create(
            actor=request.user,
            org=self.org,
            environment=env,
            entitlement=None if env else self.sole_entitlement(),
            title=values["title"],
            description=values["description"],
            priority=ISP_CODE_TO_PRIORITY[values["priority"]],
            requester=self.subscriber(values["subscriber_id"]),
            source=Ticket.Source.ISP,
        )
        return IspWire.created(ticket)


class IspTicketView(IspView):
    @doc(
        "Fetch ticket",
        operation_id="isp_ticket_retrieve",
        parameters=[inputs.IspContextInput],
        responses={200: IspWire.DETAIL},
    )
    def get(self, request: Request, pk: str) -> Response:
        ticket, _ = self.scoped_ticket(pk, request.query_params)
        return IspWire.ticket(ticket, self.replies(ticket))

    @doc("Update ticket", operation_id="isp_ticket_update", request=inputs.IspTicketUpdateInput)
    def put(self, request: Request, pk: str) -> Response:
        ticket, values = self.scoped_ticket(pk, request.data, inputs.IspTicketUpdateInput)
        fields = {name: values[name] for name in ("title", "description") if values[name]}
        if values["priority"] is not None:
            fields["priority"] = ISP_CODE_TO_PRIORITY[values["priority"]]
        actions.ticket_update(ticket=ticket, actor=request.user, **fields)
        return IspWire.updated()

    @doc("Delete ticket", operation_id="isp_ticket_delete", parameters=[inputs.IspContextInput])
    def delete(self, request: Request, pk: str) -> Response:
        ticket, _ = self.scoped_ticket(pk, request.query_params)
        actions.ticket_delete(ticket=ticket, actor=request.user)
        return IspWire.deleted()


class IspReplyView(IspView):
    @doc(
        "Reply to ticket",
        operation_id="isp_ticket_reply",
        request=inputs.IspReplyInput,
        responses={201: IspWire.MESSAGE},
    )
    def post(self, request: Request, pk: str) -> Response:
        ticket, values = self.scoped_ticket(pk, request.data, inputs.IspReplyInput)
        actions.ticket_reply(ticket=ticket, author=request.user, message=values["message"])
        return IspWire.replied()


class IspStatusView(IspView):
    @doc("Change ticket status", operation_id="isp_ticket_status", request=inputs.IspStatusInput)
    def put(self, request: Request, pk: str) -> Response:
        ticket, values = self.scoped_ticket(pk, request.data, inputs.IspStatusInput)
        status = values["status"]
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
        return IspWire.status_changed()
