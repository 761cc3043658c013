"""What the portal's pages share: the organization shown, the API's filter sets over a page of
rows, and the desk's SLA promise in words."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization
from tickets.models import Ticket

PER_PAGE = 20
Status = Ticket.Status


def current_org(request: HttpRequest) -> Organization:
    """The organization the portal shows (portal.base resolved it through accounts.tenancy)."""
    return request.portal.org


def api_filtered(filterset_class: type, qs: QuerySet, params: dict[str, Any]) -> QuerySet:
    """The API's own filter set over `qs`, fed the portal form's valid values."""
    if not params:
        return qs
    data = QueryDict(mutable=True)
    for name, value in params.items():
        data[name] = str(value)
    return filterset_class(data, queryset=qs).qs


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 7 else 1


def page_of(
    request: HttpRequest, qs: QuerySet, total: int | None = None, *, one_scan: bool = False
) -> Page:
    """One page of `qs`. The total is the one given (the tickets' trigger count), else counted;
    with `one_scan` (a search, which no index serves) it is read with the page's own rows
    (`COUNT(*) OVER ()`): one pass over the matching rows instead of two. An index-served
    filter keeps its separate count, which reads the index only."""
    number = _page_number(request)
    paginator = Paginator(qs, PER_PAGE)
    if total is not None:
        paginator.__dict__["count"] = total  # Paginator.count is a cached property
    elif one_scan:
        start = (number - 1) * PER_PAGE
        rows = list(qs.annotate(_total=Window(Count("pk")))[start : start + PER_PAGE])
        if rows:
            paginator.__dict__["count"] = rows[0]._total
            return Page(rows, number, paginator)
        # Past the last page, or nothing matches: the paginator counts and picks the last one.
    return paginator.get_page(number)


def query_without_page(request: HttpRequest) -> str:
    """The page's query string without its page number (the pager's links add their own)."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _local(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")  # the reader's time zone


def sla_promise(ticket: Ticket) -> str:
    """What the desk promised, in words: the next due time of a running clock, if any."""
    if ticket.status in (Status.RESOLVED, Status.CLOSED, Status.CANCELLED):
        return ""
    if ticket.status == Status.WAITING:
        return _("We are waiting for your answer; the clock is paused.")
    if ticket.first_response_at is None and ticket.response_due_at:
        return _("We will answer by %(when)s.") % {"when": _local(ticket.response_due_at)}
    if ticket.resolution_due_at:
        return _("We aim to solve it by %(when)s.") % {"when": _local(ticket.resolution_due_at)}
    return ""


def with_promises(tickets: list[Ticket]) -> list[Ticket]:
    """The tickets, each with its SLA promise in words (`promise`)."""
    for ticket in tickets:
        ticket.promise = sla_promise(ticket)
    return tickets
