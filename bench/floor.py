"""The floor: bare Django views returning the ticket list's first page, with the same authentication.

No DRF, no serializer, no filter set: the bearer token is verified (RS256) and its user read by
the same authentication class (which reads the user with their live membership of the header's
organization in one query), then one `.values()` query fetches the same twenty rows (the
entitlement code and category name joined in), `sla_status` is derived from each row by the same
Python function, the total comes from the same trigger-kept counts (a `COUNT(*)` where there
are none), and `JsonResponse` returns the envelope. It is what
the cheapest honest Django implementation of that page costs on this machine, so every benchmark
figure is also given as a ratio to it. Served only when BENCH_FLOOR=1 (bench/urls.py).
"""

from __future__ import annotations

from types import SimpleNamespace

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from rest_framework.exceptions import APIException

from accounts.authentication import JWTAuthentication
from accounts.models import Organization
from accounts.tenancy import live_membership
from tickets.api.serializers import TicketSerializer
from tickets.models import Ticket
from tickets.queries import ticket_total
from tickets.sla import sla_status

# The API list's own columns (TicketSerializer), read as joined values; `sla_status` is derived.
_JOINED = {"entitlement_code": "entitlement__code", "type": "category__name"}
FIELDS = [
    *(_JOINED.get(name, name) for name in TicketSerializer.Meta.fields if name != "sla_status"),
    # read by sla_status() only
    "response_risk_at",
    "resolution_risk_at",
    "paused_at",
]
PER_PAGE = 20
_auth = JWTAuthentication()


def _error(status: int, detail: str) -> JsonResponse:
    body = {"success": False, "data": None, "meta": None, "message": detail, "errors": None}
    return JsonResponse(body, status=status)


@transaction.non_atomic_requests  # a read: no transaction, as the API's reads
def floor_tickets(request: HttpRequest) -> JsonResponse:
    """GET /bench/floor/tickets: the first page of the caller's tickets, bare Django."""
    try:
        found = _auth.authenticate(request)
    except APIException:
        found = None
    if found is None:
        return _error(401, "Authentication required")
    user = found[0]
    tickets = Ticket.objects.all()
    raw = request.headers.get("X-Middag-Organization")
    if raw:
        org = Organization(pk=int(raw))
        if not user.is_staff and live_membership(user, org.pk) is None:
            return _error(403, "Permission denied")
        tickets = tickets.filter(organization_id=org.pk)
    elif not user.is_staff:
        return _error(422, "The organization header is required.")
    else:
        org = None
    tickets = tickets.order_by("-created_at", "-id")
    now = timezone.now()
    rows = list(tickets.values(*FIELDS)[:PER_PAGE])
    for row in rows:
        row["sla_status"] = sla_status(SimpleNamespace(**row), now)
    total = ticket_total(org)
    if total is None:
        total = tickets.count()
    meta = {"page": 1, "per_page": PER_PAGE, "total": total, "pages": -(-total // PER_PAGE)}
    return JsonResponse(
        {"success": True, "data": rows, "meta": meta, "message": None, "errors": None}
    )
