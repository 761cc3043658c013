"""The back office's sidebar (django-unfold's SIDEBAR settings): human labels, the queues first.

Each link shows only to people whose permissions open its page; the tables the product runs on
without people editing them (sequences, token blacklist, groups, idempotency keys) are not in the
navigation, and the "all applications" list that would show them is for superusers only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# The ticket list's one-click views: ?queue=<key> (the ticket admin implements the parameter).
QUEUES = [
    ("mine", "Mine", "person"),
    ("unassigned", "Unassigned", "person_off"),
    ("breaching", "Breaching soon", "alarm"),
    ("waiting", "Waiting on client", "hourglass_top"),
    ("open", "All open", "inbox"),
]


def show_all_applications(request: HttpRequest) -> bool:
    """The list of every registered table is for superusers only."""
    return bool(getattr(request.user, "is_superuser", False))


def _can_view(label: str) -> Callable[[HttpRequest], bool]:
    app_label, model_name = label.split(".")

    def allowed(request: HttpRequest) -> bool:
        user = request.user
        return user.has_perm(f"{app_label}.view_{model_name}") or user.has_perm(
            f"{app_label}.change_{model_name}"
        )

    return allowed


def _changelist(label: str) -> str | None:
    app_label, model_name = label.split(".")
    try:
        return reverse(f"admin:{app_label}_{model_name}_changelist")
    except NoReverseMatch:
        return None


def model_item(title: str, label: str, icon: str, **extra: Any) -> dict[str, Any] | None:
    """A sidebar link to a model's list, shown to those who may view it (None: no admin)."""
    link = _changelist(label)
    if link is None:
        return None
    return {"title": title, "icon": icon, "link": link, "permission": _can_view(label), **extra}


def _queue_active(key: str) -> Callable[[HttpRequest], bool]:
    def active(request: HttpRequest) -> bool:
        return request.path == _changelist("tickets.ticket") and request.GET.get("queue") == key

    return active


def queue_items() -> list[dict[str, Any]]:
    """The ticket queues, each a link to the request list with `?queue=<key>`."""
    base = _changelist("tickets.ticket")
    if base is None:
        return []
    return [
        {
            "title": title,
            "icon": icon,
            "link": f"{base}?queue={key}",
            "permission": _can_view("tickets.ticket"),
            "active": _queue_active(key),
        }
        for key, title, icon in QUEUES
    ]


def _all_requests_active(request: HttpRequest) -> bool:
    path = _changelist("tickets.ticket") or ""
    return request.path.startswith(path) and not request.GET.get("queue")


def _group(title: str, *items: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    return {"title": title, "items": [item for item in items if item], **extra}


def navigation(request: HttpRequest) -> list[dict[str, Any]]:
    """The sidebar: dashboard, queues, then the records staff work with, by subject."""
    groups = [
        _group("Home", {"title": "Dashboard", "icon": "dashboard", "link": reverse("admin:index")}),
        _group(
            "Service requests",
            *queue_items(),
            model_item("All requests", "tickets.ticket", "list_alt", active=_all_requests_active),
            model_item("SLA breaches", "tickets.slabreach", "running_with_errors"),
            model_item("Canned replies", "tickets.cannedreply", "quickreply"),
        ),
        _group(
            "Customers",
            model_item("Organizations", "accounts.organization", "corporate_fare"),
            model_item("Memberships", "accounts.membership", "badge"),
            model_item("People", "accounts.user", "group"),
        ),
        _group(
            "Entitlements",
            model_item("Entitlements", "entitlements.entitlement", "verified"),
            model_item("Orders", "entitlements.order", "receipt_long"),
            model_item("Licenses", "entitlements.license", "key"),
            model_item("Contracts", "entitlements.contract", "contract"),
        ),
        _group(
            "Hosting",
            model_item("Environments", "environments.environment", "dns"),
            model_item("Services", "services.service", "build"),
        ),
        _group(
            "Settings",
            model_item("SLA targets", "tickets.slatarget", "timer"),
            model_item("Request categories", "tickets.ticketcategory", "category"),
        ),
        _group(
            "E-mail and operations",
            model_item("Mailboxes", "mail.mailbox", "inbox"),
            model_item("Inbound messages", "mail.inboundmessage", "move_to_inbox"),
            model_item("Mail deliveries", "ops.delivery", "outgoing_mail"),
            model_item("Failed tasks", "ops.failedtask", "error"),
        ),
        _group(
            "Records",
            model_item("Audit log", "audit.auditentry", "history"),
            model_item("Status changes", "tickets.ticketstatuschange", "swap_horiz"),
            model_item("Replies", "tickets.reply", "forum"),
            model_item("Deleted requests", "tickets.ticketdeletion", "delete_history"),
            collapsible=True,
        ),
    ]
    return [group for group in groups if group["items"]]
