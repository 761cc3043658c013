"""What the benchmark measures: one list of scenarios, shared by bench/prepare.py and bench/run.py.

Each scenario is one request repeated by wrk: a client of one organization (the member
`client@scale-0001.example` of the largest organization, with the organization header), a staff
agent (no header: every organization), the same agent in the back office ("admin": a signed-in
session cookie, two-factor verified, instead of a bearer token), or the client in the portal
("portal": a signed-in session cookie).
"""

from __future__ import annotations

import json
from typing import Any

API = "/wp-json/middag-account/v1"
FLOOR = "/bench/floor/tickets"
PORTAL = "/portal/"
DEEP_PAGE = 100  # rows 1,981-2,000: the client's last page at 100,000 tickets
FILTER = "status=open,in_progress,waiting&priority=high,urgent"
CREATE_BODY = {
    "title": "Benchmark request",
    "description": "Created by make bench.",
    "priority": "normal",
}


def scenarios(ids: dict[str, Any]) -> list[dict[str, Any]]:
    """The scenarios for the ids bench/prepare.py found (organization, ticket, entitlement, staff)."""
    create = json.dumps({**CREATE_BODY, "entitlement_id": ids["entitlement_id"]})
    items: list[dict[str, Any]] = []
    for caller in ("client", "staff"):
        compat = (
            "/api/v1/get_tickets/0"
            if caller == "client"
            else f"/api/v1/tickets?isp_id={ids['org_id']}&branch_id=0&user_id={ids['staff_id']}"
        )
        items += [
            _s(caller, "floor: ticket list, first page", "floor", FLOOR),
            _s(caller, "ticket list, first page", "list", f"{API}/tickets"),
            _s(caller, "ticket list, filtered", "list", f"{API}/tickets?{FILTER}"),
            _s(caller, f"ticket list, page {DEEP_PAGE}", "list", f"{API}/tickets?page={DEEP_PAGE}"),
            _s(caller, "ticket detail", "detail", f"{API}/tickets/{ids['ticket_id']}"),
            _s(caller, "ticket create", "create", f"{API}/tickets", method="POST", body=create),
            _s(caller, "entitlement list", "list", f"{API}/entitlements"),
            _s(caller, "environment list", "list", f"{API}/environments"),
            _s(
                caller,
                "compat list (helpdesk get_tickets)"
                if caller == "client"
                else "compat list (ISP tickets)",
                "compat",
                compat,
            ),
            # The floor again: the ratios use the mean of both, so a drift of the machine during
            # the group shows instead of skewing every ratio.
            _s(caller, "floor: ticket list, first page (again)", "floor", FLOOR),
        ]
    # The back office (issue 13, item 8): the dashboard, the queue in its default (urgency)
    # order, a request's workspace, as the staff agent signed in (no floor of their own: the
    # floor route takes a bearer token; the staff caller's floor is the same server's).
    items += [
        _s("admin", "back office: dashboard", "admin", "/admin/"),
        _s("admin", "back office: queue, default order", "admin", "/admin/tickets/ticket/"),
        _s(
            "admin",
            "back office: request workspace",
            "admin",
            f"/admin/tickets/ticket/{ids['ticket_id']}/change/",
        ),
    ]
    # The client portal (issue 15, item 5): the same client signed in by session at /portal/.
    items += [
        _s("portal", label, "portal", f"{PORTAL}{path}")
        for label, path in (
            ("home", ""),
            ("requests, first page", "requests/"),
            ("requests, filtered", "requests/?status=open&priority=high"),
            ("requests, search", "requests/?q=backup"),
            (f"requests, page {DEEP_PAGE}", f"requests/?page={DEEP_PAGE}"),
            ("request detail", f"requests/{ids['ticket_id']}/"),
            ("environments", "environments/"),
            ("entitlements", "entitlements/"),
            ("new request form", "requests/new/"),
        )
    ]
    return items


def _s(
    caller: str, label: str, kind: str, path: str, *, method: str = "GET", body: str | None = None
) -> dict[str, Any]:
    return {
        "name": f"{caller}: {label}",
        "caller": caller,
        "kind": kind,
        "method": method,
        "path": path,
        "body": body,
    }


def with_page_size(path: str, per_page: int) -> str:
    """The same request with `per_page` (both APIs accept it), to show queries do not grow.

    A deep page keeps its place: page 100 of 20 rows becomes page 20 of 100 rows.
    """
    base, _, query = path.partition("?")
    params = [p for p in query.split("&") if p]
    pages = [p for p in params if p.startswith("page=")]
    params = [p for p in params if not p.startswith("page=")]
    if pages:
        first_row = (int(pages[0].removeprefix("page=")) - 1) * 20
        params.append(f"page={first_row // per_page + 1}")
    params.append(f"per_page={per_page}")
    return f"{base}?{'&'.join(params)}"
