"""What both compatibility APIs share: the base view (auth, parsing, scoping, errors in the API's
own wire format) over the same tickets.

They are adapters: they read and write the same Ticket rows through tickets.actions, so numbers,
the SLA clock, history and notifications behave the same whatever door a ticket came through.
A view validates its input with one serializer (tickets.compat.serializers), reads tickets only
through its organization (tickets.queries.access_ticket_by_id: another organization's ticket is
answered like a missing one) and answers through its API's wire class (tickets.compat.render).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from accounts import tenancy
from accounts.idempotency import IdempotentMixin
from accounts.models import Organization
from config.api import ApiViewMixin, classify_exception, rollback_request
from config.errors import Invalid, NotFound
from config.parsers import SafeJSONParser
from entitlements.models import Entitlement
from entitlements.queries import sole_active_env_entitlement
from tickets.compat.render import HelpdeskWire, IspWire
from tickets.errors import TicketNotFound
from tickets.models import Reply, Ticket
from tickets.queries import access_ticket_by_id, visible_replies

LIST_PAGE, LIST_PAGE_MAX = 100, 500


def documented(tags: list[str], answer: Any) -> Callable[..., Callable]:
    """An API's `extend_schema`: its tag, and its usual 200 answer unless `responses` says."""

    def schema(summary: str, **kwargs: Any) -> Callable:
        kwargs.setdefault("responses", {200: answer})
        return extend_schema(tags=tags, summary=summary, **kwargs)

    return schema


class CompatView(ApiViewMixin, IdempotentMixin, APIView):
    """Base of the compatibility views: plain JSON in, the API's own JSON out, never HTML.

    POSTs honour `Idempotency-Key` as in the account API (accounts.idempotency).
    """

    tenancy = "compat"  # the organization comes from accounts.tenancy.resolve_org
    renderer_classes = [JSONRenderer]
    parser_classes = [SafeJSONParser, FormParser, MultiPartParser]
    permission_classes = [permissions.IsAuthenticated]
    wire: type[IspWire] | type[HelpdeskWire] = IspWire
    org: Organization | None = None

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        # The views read named fields: a JSON array or scalar body is a 422, not a crash.
        if request.method in ("POST", "PUT", "PATCH") and not hasattr(request.data, "get"):
            raise Invalid("The request body must be a JSON object or a form.")

    def get_exception_handler(self):
        return self.handle_compat_exception

    def handle_compat_exception(self, exc: Exception, context: dict) -> Response:
        status, _code, detail, fields, _reason = classify_exception(exc)
        if status == 422 and fields:
            first = next(iter(fields))
            messages = fields[first]
            message = str(messages[0] if isinstance(messages, list) and messages else messages)
            detail = message if first in message else f"{first}: {message}"
        rollback_request(self)
        response = Response(self.wire.error(status, detail, fields), status=status)
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            response["Retry-After"] = str(math.ceil(exc.wait))
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    # --- input -----------------------------------------------------------------------------

    def validated(self, input_class: type[Serializer], data: Any) -> dict:
        """The operation's input, or a 422 naming its first bad field."""
        serializer = input_class(data=data, context={"view": self, "request": self.request})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @staticmethod
    def page(qs: QuerySet, values: dict) -> QuerySet:
        """The requested page of an ordered list (100 rows unless asked, 500 at most)."""
        per_page = min(values["per_page"] or LIST_PAGE, LIST_PAGE_MAX)
        start = ((values["page"] or 1) - 1) * per_page
        return qs.order_by("-created_at", "-id")[start : start + per_page]

    # --- reads, always through the organization ----------------------------------------------

    def ticket(self, pk: int, *related: str) -> Ticket:
        """The organization's ticket (any organization's for staff without one); another
        organization's is answered exactly like a missing one."""
        staff = tenancy.is_staff(self.request.user)
        try:
            return access_ticket_by_id(self.org, pk, staff=staff, related=related)
        except TicketNotFound:
            raise NotFound(self.wire.ticket_not_found(pk)) from None

    def replies(self, ticket: Ticket) -> QuerySet[Reply]:
        """The conversation the caller may read (internal notes for staff only)."""
        return visible_replies(ticket, self.request.user)

    def sole_entitlement(self) -> Entitlement:
        """The organization's only active ENV entitlement, for a ticket that names none."""
        try:
            return sole_active_env_entitlement(self.org)
        except Entitlement.DoesNotExist:
            how_many = "no"
        except Entitlement.MultipleObjectsReturned:
            how_many = "several"
        raise Invalid(self.wire.no_sole_entitlement(how_many), field=self.wire.ENTITLEMENT_FIELD)
