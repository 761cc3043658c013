"""What a person reads for each stored value (statuses, priorities, roles, scopes…), translated.

The models' choice labels are English only; the portal shows these instead. A value missing here
is shown as stored.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

LABELS = {
    # service requests
    "open": _("Open"),
    "in_progress": _("In progress"),
    "waiting": _("Waiting on you"),
    "resolved": _("Resolved"),
    "closed": _("Closed"),
    "cancelled": _("Cancelled"),
    # priorities
    "low": _("Low"),
    "normal": _("Normal"),
    "high": _("High"),
    "urgent": _("Urgent"),
    # SLA
    "on_track": _("On track"),
    "at_risk": _("At risk"),
    "breached": _("Late"),
    "paused": _("Paused"),
    "met": _("Met"),
    "none": _("No target"),
    # entitlements, environments, services
    "active": _("Active"),
    "suspended": _("Suspended"),
    "expired": _("Expired"),
    "provisioning": _("Provisioning"),
    "maintenance": _("Maintenance"),
    "decommissioned": _("Decommissioned"),
    "proposal": _("Proposal"),
    "approved": _("Approved"),
    "on_hold": _("On hold"),
    "delivered": _("Delivered"),
    "PLG": _("Plugin"),
    "ENV": _("Environment"),
    "SVC": _("Service"),
    "ORD": _("Order"),
    "AFL": _("Affiliate"),
    "EDU": _("Education"),
    "moodle": "Moodle",
    "wordpress": "WordPress",
    "custom": _("Custom"),
    "production": _("Production"),
    "staging": _("Staging"),
    "development": _("Development"),
    "sandbox": _("Sandbox"),
    "ongoing": _("Ongoing"),
    "project": _("Project"),
    # orders and licences
    "pending": _("Pending"),
    "processing": _("Processing"),
    "completed": _("Completed"),
    "refunded": _("Refunded"),
    "failed": _("Failed"),
    "on-hold": _("On hold"),
    "inactive": _("Inactive"),
    "revoked": _("Revoked"),
    "draft": _("Draft"),
    "terminated": _("Terminated"),
    # roles and scopes
    "owner": _("Owner"),
    "admin": _("Admin"),
    "member": _("Member"),
    "guest": _("Guest"),
    "organization": _("Organization"),
    "entitlements": _("Entitlements"),
    "tickets": _("Requests"),
    "licenses": _("Licenses"),
    "orders": _("Orders"),
    "contracts": _("Contracts"),
    "finances": _("Finances"),
    "quotes": _("Quotes"),
    "documents": _("Documents"),
    "downloads": _("Downloads"),
    # history
    "create": _("Created"),
}

TRANSITION_VERBS = {
    "resolve": _("Mark solved"),
    "close": _("Close"),
    "cancel": _("Cancel request"),
    "reopen": _("Reopen"),
}


def label(value: object) -> str:
    """The translated label of a stored value, or the value itself."""
    if value is None or value == "":
        return ""
    return str(LABELS.get(str(value), value))


def choices(values: list[str]) -> list[tuple[str, str]]:
    """(value, translated label) pairs for a select."""
    return [(value, label(value)) for value in values]
