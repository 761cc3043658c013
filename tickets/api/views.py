"""Service requests (seed 000, seed 001, SPEC §4): thin views over tickets.actions.

Organization scoping happens once, in OrgScopedViewSet.get_queryset; scope `entitlements` for
everything, a role above guest for writes. The actions decide the rest (who may transition,
internal notes, rating, creation rules), so the compatibility APIs and the admin behave the same.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import COMPANY_HEADER, ORG_HEADER_PARAMETER, OrgScopedViewSet
from accounts.history import HistoryMixin, transition_action
from config.api import respond
from entitlements.api.filters import ListFilterBackend
from environments.models import Environment
from environments.queries import access_environment_by_id
from services.queries import access_service_by_id
from tickets import actions
from tickets.api import serializers as s
from tickets.api.filters import TicketFilter
from tickets.api.parsers import upload_parsers, uploaded_files
from tickets.attachments import download_response
from tickets.errors import TicketForbidden
from tickets.models import Attachment, Ticket
from tickets.queries import attachments_for, ticket_total, visible_replies

TRANSITION_MESSAGES = {
    "start": "Service request started",
    "wait": "Service request waiting",
    "resolve": "Service request resolved",
    "close": "Service request closed",
    "cancel": "Service request cancelled",
    "reopen": "Service request reopened",
}


def _transition(name: str, description: str) -> Callable:
    """`POST /tickets/{id}/<name>` through the one transition factory (accounts.history)."""
    return transition_action(
        name,
        run=partial(actions.ticket_transition, name=name),
        subject="ticket",
        output=s.TicketSerializer,
        message=TRANSITION_MESSAGES[name],
        input_class=s.TicketTransitionInput,
        description=description,
    )


LIST_PARAMETERS = [ORG_HEADER_PARAMETER]  # the filters come from TicketFilter, on lists only
JSON, MULTIPART = "application/json", "multipart/form-data"


class UploadMixin:
    """The actions in `upload_actions` also take multipart/form-data with `files` parts (issue
    14); every other action keeps the JSON parser alone."""

    upload_actions: tuple[str, ...] = ()

    def get_parsers(self) -> list:
        # Called before DRF sets self.action: read it from the route's method map.
        name = getattr(self, "action", None) or getattr(self, "action_map", {}).get(
            self.request.method.lower() if self.request else ""
        )
        return upload_parsers() if name in self.upload_actions else super().get_parsers()


class TicketQueryMixin:
    """What every ticket list and detail reads: one query, whatever the page size."""

    model = Ticket
    filter_backends = [ListFilterBackend]  # the list's filters, on the list action only
    filterset_class = TicketFilter

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        # The two values the serializer reads through relations come as columns of the same
        # query (no related objects to build). sla_status and priority_rank are annotated by
        # TicketFilter when a filter or the ordering needs them; otherwise the serializer
        # derives sla_status in Python.
        return qs.with_related_names()

    def _refuse_staff_only(self, request: Request, names: tuple[str, ...]) -> None:
        """Staff-only inputs sent by a client are refused (403), never silently honoured."""
        if self.is_staff or not isinstance(request.data, dict):
            return
        sent = [name for name in names if request.data.get(name) not in (None, "")]
        if sent:
            raise TicketForbidden(f"Only MIDDAG staff may set {', '.join(sent)}.")

    def _context(self) -> dict:
        return {"scoped": s.scoped_querysets(self.org, staff=self.is_staff)}


@extend_schema_view(
    list=extend_schema(parameters=LIST_PARAMETERS, responses={200: s.TicketSerializer(many=True)}),
    retrieve=extend_schema(parameters=[ORG_HEADER_PARAMETER]),
)
@extend_schema(tags=["tickets"])
class TicketViewSet(
    UploadMixin,
    TicketQueryMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    OrgScopedViewSet,
):
    """`/tickets`: list, detail, create, staff PATCH, history, replies, transitions, assign, rate."""

    serializer_class = s.TicketSerializer
    staff_only_actions = ("partial_update", "assign")
    upload_actions = ("create", "replies")

    def list_total(self, queryset: QuerySet) -> int | None:
        """EnvelopePagination's total for an unfiltered list: the organization's ticket count
        (every organization's for staff without the header), kept by triggers, rather than a
        count of rows that grows with the table. None (count the rows) when anything narrows
        the list."""
        if self.action != "list" or self.request.headers.get(COMPANY_HEADER):
            return None
        narrowing = set(TicketFilter.base_filters) - {"ordering"}
        if any(name in narrowing for name in self.request.query_params):
            return None
        return ticket_total(self.org)

    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(
        request={JSON: s.TicketCreateInput, MULTIPART: s.TicketCreateUpload},
        responses={201: s.TicketCreatedSerializer},
    )
    def create(self, request: Request) -> Response:
        """Open a service request (seed 000); clients against an active ENV entitlement.
        multipart/form-data adds `files` (the description's attachments)."""
        self._refuse_staff_only(request, s.TicketCreateInput.STAFF_ONLY)
        inp = s.TicketCreateInput(data=request.data, context=self._context())
        inp.is_valid(raise_exception=True)
        ticket = _create(request, self.org, inp.validated_data)
        return respond(
            s.TicketCreatedSerializer(ticket).data, status=201, message="Service request created"
        )

    @extend_schema(request=s.TicketUpdateInput, responses={200: s.TicketSerializer})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Staff: change title, description, priority (due times follow), due_at, assignee."""
        ticket = self.get_object()
        inp = s.TicketUpdateInput(data=request.data, context=self._context())
        inp.is_valid(raise_exception=True)
        ticket = actions.ticket_update(ticket=ticket, actor=request.user, **inp.to_action_kwargs())
        return respond(self._fresh(ticket), message="Service request updated")

    def _fresh(self, ticket: Ticket) -> dict:
        """The ticket as the list shows it (annotated), after a change."""
        return self.get_serializer(self.get_queryset().get(pk=ticket.pk)).data

    @extend_schema(
        methods=["get"], request=None, responses={200: s.TicketReplySerializer(many=True)}
    )
    @extend_schema(
        methods=["post"],
        request={JSON: s.TicketReplyInput, MULTIPART: s.TicketReplyUpload},
        responses={201: s.TicketReplySerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def replies(self, request: Request, pk: str | None = None) -> Response:
        """The conversation, oldest first (internal notes for staff only), each reply with its
        `attachments`; POST adds to it (multipart/form-data: with `files`)."""
        ticket = self.get_object()
        if request.method == "GET":
            replies = visible_replies(ticket, request.user).prefetch_related("attachments")
            page = self.paginate_queryset(replies)
            return self.get_paginated_response(s.TicketReplySerializer(page, many=True).data)
        inp = s.TicketReplyInput(data=request.data)
        inp.is_valid(raise_exception=True)
        reply = actions.ticket_reply(
            ticket=ticket,
            author=request.user,
            files=uploaded_files(request),
            **inp.validated_data,
        )
        return respond(s.TicketReplySerializer(reply).data, status=201, message="Reply added")

    @extend_schema(request=None, responses={200: s.AttachmentSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def attachments(self, request: Request, pk: str | None = None) -> Response:
        """The request's files, oldest first: its description's and its replies'; the files of
        internal notes for staff only."""
        ticket = self.get_object()
        page = self.paginate_queryset(attachments_for(ticket, include_internal=self.is_staff))
        return self.get_paginated_response(s.AttachmentSerializer(page, many=True).data)

    transition_output = _fresh  # accounts.history.transition_action answers with it

    start = _transition("start", "Staff: open or waiting → in_progress (the SLA clock resumes).")
    wait = _transition("wait", "Staff: in_progress → waiting (the SLA clock pauses).")
    resolve = _transition("resolve", "Staff: open, in_progress or waiting → resolved.")
    close = _transition("close", "Staff or client: resolved → closed (terminal).")
    cancel = _transition(
        "cancel", "Staff: any non-terminal → cancelled; clients until the request is resolved."
    )
    reopen = _transition("reopen", "Staff or client: resolved → open; `reason` is required.")

    @extend_schema(request=s.TicketAssignInput, responses={200: s.TicketSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        """Staff: assign to an active staff user (`assignee_id: null` unassigns)."""
        ticket = self.get_object()
        inp = s.TicketAssignInput(data=request.data, context=self._context())
        inp.is_valid(raise_exception=True)
        ticket = actions.ticket_assign(
            ticket=ticket, actor=request.user, assignee=inp.validated_data["assignee_id"]
        )
        return respond(self._fresh(ticket), message="Service request assigned")

    @extend_schema(request=s.TicketRateInput, responses={200: s.TicketSerializer})
    @action(detail=True, methods=["post"])
    def rate(self, request: Request, pk: str | None = None) -> Response:
        """Members: rate a resolved or closed request 1..5; a new rating replaces the old."""
        ticket = self.get_object()
        inp = s.TicketRateInput(data=request.data)
        inp.is_valid(raise_exception=True)
        ticket = actions.ticket_rate(ticket=ticket, actor=request.user, **inp.validated_data)
        return respond(self._fresh(ticket), message="Thank you for your rating")


def _create(request: Request, org, data: dict, **target) -> Ticket:
    """POST /tickets and POST /environments/{id}/tickets: create, then assign when staff asked."""
    ticket = actions.ticket_create(
        actor=request.user,
        title=data["title"],
        description=data["description"],
        priority=data["priority"],
        entitlement=data.get("entitlement_id"),
        environment=data.get("environment_id"),
        service=data.get("service_id"),
        requester=data.get("requester_id"),
        category=data.get("category_id"),
        org=org,
        files=uploaded_files(request),
        **target,
    )
    if data.get("assignee_id"):
        ticket = actions.ticket_assign(
            ticket=ticket, actor=request.user, assignee=data["assignee_id"]
        )
    return ticket


@extend_schema(tags=["tickets"])
class EnvironmentTicketViewSet(UploadMixin, TicketQueryMixin, OrgScopedViewSet):
    """`/environments/{id}/tickets` (seed 001): the environment's requests; POST raises one."""

    serializer_class = s.TicketSerializer
    upload_actions = ("create",)

    def _environment(self) -> Environment:
        return access_environment_by_id(
            self.org, self.kwargs["environment_pk"], staff=self.is_staff
        )

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return super().scope_queryset(qs).filter(environment_id=self.kwargs.get("environment_pk"))

    @extend_schema(parameters=LIST_PARAMETERS, responses={200: s.TicketSerializer(many=True)})
    def list(self, request: Request, environment_pk: str) -> Response:
        """Service requests linked to the environment (seed 001)."""
        self._environment()  # another organization's environment: 404
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request={
            JSON: s.EnvironmentTicketCreateInput,
            MULTIPART: s.EnvironmentTicketCreateUpload,
        },
        responses={201: s.EnvironmentTicketCreatedSerializer},
    )
    def create(self, request: Request, environment_pk: str) -> Response:
        """Open a service request for the environment (seed 001)."""
        environment = self._environment()
        self._refuse_staff_only(request, s.EnvironmentTicketCreateInput.STAFF_ONLY)
        inp = s.EnvironmentTicketCreateInput(data=request.data, context=self._context())
        inp.is_valid(raise_exception=True)
        ticket = _create(
            request,
            self.org,
            {**inp.validated_data, "environment_id": environment},
        )
        return respond(
            s.EnvironmentTicketCreatedSerializer(ticket).data,
            status=201,
            message="Service request created",
        )


@extend_schema(tags=["tickets"])
class ServiceTicketViewSet(TicketQueryMixin, OrgScopedViewSet):
    """`/services/{id}/tickets` (seed 000): the service's requests."""

    serializer_class = s.TicketSerializer

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return super().scope_queryset(qs).filter(service_id=self.kwargs.get("service_pk"))

    @extend_schema(parameters=LIST_PARAMETERS, responses={200: s.TicketSerializer(many=True)})
    def list(self, request: Request, service_pk: str) -> Response:
        """Service requests of the service (seed 000)."""
        access_service_by_id(self.org, service_pk, staff=self.is_staff)  # else 404
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class FirstRenderer(BaseContentNegotiation):
    """A download answers its file whatever the client accepts, and errors as the envelope:
    no 406 for `Accept: application/pdf`."""

    def select_parser(self, request: Request, parsers: list) -> object:
        return parsers[0]

    def select_renderer(self, request: Request, renderers: list, format_suffix=None) -> tuple:  # type: ignore[no-untyped-def]
        return renderers[0], renderers[0].media_type


@extend_schema(tags=["tickets"])
class AttachmentViewSet(mixins.RetrieveModelMixin, OrgScopedViewSet):
    """`/attachments/{id}` and its `/download`: another organization's file, and an internal
    one for a client, are a 404 like a missing one."""

    model = Attachment
    serializer_class = s.AttachmentSerializer
    http_method_names = ["get", "head", "options"]

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return qs if self.is_staff else qs.filter(internal=False)

    @extend_schema(parameters=[ORG_HEADER_PARAMETER])
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        """The attachment: name, size, detected type, SHA-256, its reply, uploader and time."""
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        parameters=[ORG_HEADER_PARAMETER],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file: its stored content type, Content-Disposition attachment, "
                "X-Content-Type-Options nosniff, Cache-Control private.",
            )
        },
    )
    @action(detail=True, methods=["get"], content_negotiation_class=FirstRenderer)
    def download(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The file's bytes, streamed after the access check (or handed to the web server)."""
        return download_response(self.get_object())
