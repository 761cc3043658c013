"""Demo service requests across statuses, priorities and SLA states, with conversations.

Everything goes through tickets.actions (numbers, SLA times, history, replies, an internal note,
a rating); afterwards each ticket is moved into the past as a whole (its times, replies and
history shifted by the same amount), which is what puts it on track, at risk, breached or met.
Idempotent: a demo ticket is looked up by organization and title and left alone when it exists.
Mail is muted while loading.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db.models import F

from accounts.models import Membership, Organization, User
from config.fsm import record_change
from config.numbering import next_entitlement_code
from entitlements.models import Entitlement, EntitlementStatusChange
from environments.models import Environment
from services.models import Service
from tickets import actions, notifications
from tickets.models import Reply, Ticket, TicketCategory, TicketStatusChange

# Each step: (verb, who, *args). who: client | member | staff.
DEMO: list[dict[str, Any]] = [
    {
        "title": "SSL Certificate Renewal",
        "description": "The SSL certificate for lms.example.com expires soon. Please renew.",
        "priority": "high",
        "by": "client",
        "category": "hosting",
        "steps": [],
        "age": ("hours", 0.2),
    },
    {
        "title": "Upgrade Moodle to 4.5",
        "description": "Please upgrade our production instance to version 4.5.",
        "priority": "normal",
        "by": "member",
        "category": "upgrade",
        "steps": [
            ("assign", "staff"),
            ("start", "staff"),
            ("reply", "staff", "We scheduled the upgrade for Saturday 03:00 UTC."),
            ("note", "staff", "Check the custom theme against 4.5 on staging first."),
            ("reply", "member", "Saturday works for us, thanks!"),
        ],
        "age": ("hours", 1),
    },
    {
        "title": "Course backups fail to restore",
        "description": "Restoring any course backup stops at 40% with an error.",
        "priority": "urgent",
        "by": "client",
        "category": "incident",
        "steps": [],
        "age": ("breach_response",),
    },
    {
        "title": "Gradebook export is very slow",
        "description": "Exporting the gradebook of large courses takes more than 10 minutes.",
        "priority": "high",
        "by": "member",
        "category": "incident",
        "steps": [
            ("assign", "staff"),
            ("start", "staff"),
            ("reply", "staff", "We can reproduce it and are profiling the export."),
            ("note", "staff", "Slow query on grade_grades_history; index candidate."),
        ],
        "age": ("at_risk",),
    },
    {
        "title": "Students cannot log in with SSO",
        "description": "Since this morning the SSO button returns an error for some students.",
        "priority": "high",
        "by": "client",
        "category": "access",
        "steps": [
            ("start", "staff"),
            ("reply", "staff", "Could you send us the exact error and an affected username?"),
            ("wait", "staff"),
        ],
        "age": ("hours", 3),
    },
    {
        "title": "Install the attendance plugin",
        "description": "Please install mod_attendance on production.",
        "priority": "low",
        "by": "member",
        "category": "upgrade",
        "steps": [
            ("start", "staff"),
            ("reply", "staff", "Installed and enabled; it is under Site administration."),
            ("resolve", "staff"),
        ],
        "age": ("hours", 30),
    },
    {
        "title": "Increase the storage quota",
        "description": "We are close to the 200 GB limit; please raise it to 300 GB.",
        "priority": "normal",
        "by": "client",
        "category": "hosting",
        "steps": [
            ("start", "staff"),
            ("reply", "staff", "Done: the quota is now 300 GB."),
            ("resolve", "staff"),
            ("close", "client"),
            ("rate", "client", 5, "Fast and friendly, thank you."),
        ],
        "age": ("days", 10),
    },
    {
        "title": "Theme colours look wrong after the update",
        "description": "The header turned grey after last night's update.",
        "priority": "normal",
        "by": "member",
        "category": "incident",
        "steps": [
            ("start", "staff"),
            ("reply", "staff", "We restored the theme settings; please check."),
            ("resolve", "staff"),
        ],
        "age": ("days", 9),  # close_resolved_tickets closes this one
    },
    {
        "title": "Duplicate: upgrade request",
        "description": "Opened twice by mistake.",
        "priority": "low",
        "by": "client",
        "category": "other",
        "steps": [("cancel", "client", "Duplicate of the upgrade request.")],
        "age": ("days", 1),
    },
    {
        "title": "Reset the admin password",
        "description": "The site administrator account is locked.",
        "priority": "urgent",
        "by": "client",
        "category": "access",
        "steps": [
            ("start", "staff"),
            ("resolve", "staff"),
            ("reopen", "client", "Still locked after the reset."),
            ("reply", "staff", "Unlocked again and removed the stale lockout record."),
        ],
        "age": ("hours", 2),
    },
]
SERVICE_DEMO: dict[str, Any] = {
    "title": "Plan the customization sprint",
    "description": "Agree the scope of the second customization sprint.",
    "priority": "high",
    "by": "staff",
    "category": "other",
    "steps": [("assign", "staff"), ("start", "staff"), ("reply", "staff", "Draft scope attached.")],
    "age": ("hours", 5),
}
TIME_FIELDS = [
    "created_at",
    "response_due_at",
    "response_risk_at",
    "resolution_due_at",
    "resolution_risk_at",
    "first_response_at",
    "paused_at",
    "resolved_at",
    "closed_at",
    "rated_at",
]


def _env_entitlement(org: Organization, staff: User, log: Callable[[str], Any]) -> Entitlement:
    """An active ENV entitlement of `org` (with its environment when there is one)."""
    env = (
        Environment.objects.filter(
            organization=org, status=Environment.Status.ACTIVE, entitlement__status="active"
        )
        .select_related("entitlement")
        .order_by("id")
        .first()
    )
    if env is not None:
        return env.entitlement
    found = (
        Entitlement.objects.filter(organization=org, entitlement_class="ENV", status="active")
        .order_by("id")
        .first()
    )
    if found is not None:
        return found
    entitlement = Entitlement.objects.create(
        code=next_entitlement_code("ENV"),
        entitlement_class="ENV",
        product_name=f"Managed Moodle — {org.name} (ticket demo)",
        organization=org,
        company=org.company,
        sla_tier="business",
        metadata={"demo_key": f"tickets_env_{org.pk}"},
    )
    record_change(
        EntitlementStatusChange, entitlement, from_status=None, to_status="active", actor=staff
    )
    log(f"  entitlement {entitlement.code} (for the ticket demo)")
    return entitlement


def backdate(ticket: Ticket, delta: timedelta) -> Ticket:
    """Move a ticket, its replies and history `delta` into the past, as if time had passed."""
    Ticket.objects.filter(pk=ticket.pk).update(**{name: F(name) - delta for name in TIME_FIELDS})
    Reply.objects.filter(ticket=ticket).update(created_at=F("created_at") - delta)
    TicketStatusChange.objects.filter(subject=ticket).update(changed_at=F("changed_at") - delta)
    return Ticket.objects.get(pk=ticket.pk)


def _shift(ticket: Ticket, age: tuple) -> Ticket:
    """Move the ticket, its replies and its history into the past by the age asked for."""
    kind = age[0]
    response = (
        ticket.response_due_at - ticket.created_at if ticket.response_due_at else timedelta(hours=1)
    )
    resolution = (
        ticket.resolution_due_at - ticket.created_at
        if ticket.resolution_due_at
        else timedelta(hours=8)
    )
    if kind == "hours":
        delta = timedelta(hours=age[1])
    elif kind == "days":
        delta = timedelta(days=age[1])
    elif kind == "breach_response":
        delta = response + timedelta(minutes=30)
    else:  # at_risk: 85 % of the resolution target gone
        delta = resolution * 0.85
    return backdate(ticket, delta)


def _make(spec: dict, people: dict[str, User], target: dict[str, Any]) -> Ticket:
    ticket = actions.ticket_create(
        actor=people[spec["by"]],
        title=spec["title"],
        description=spec["description"],
        priority=spec["priority"],
        category=TicketCategory.objects.filter(slug=spec.get("category")).first(),
        requester=people["client"] if spec["by"] == "staff" else None,
        **target,
    )
    for verb, who, *args in spec["steps"]:
        actor = people[who]
        if verb == "reply":
            actions.ticket_reply(ticket=ticket, author=actor, message=args[0])
        elif verb == "note":
            actions.ticket_reply(ticket=ticket, author=actor, message=args[0], internal=True)
        elif verb == "assign":
            actions.ticket_assign(ticket=ticket, actor=actor, assignee=people["staff"])
        elif verb == "rate":
            actions.ticket_rate(ticket=ticket, actor=actor, rating=args[0], comment=args[1])
        else:
            actions.ticket_transition(
                ticket=ticket, name=verb, actor=actor, reason=args[0] if args else ""
            )
        ticket.refresh_from_db()
    return _shift(ticket, spec["age"])


def load(log: Callable[[str], Any], context: dict) -> dict:
    """Idempotent: demo tickets that exist (same organization and title) are left as they are."""
    staff: User = context["staff"]
    orgs: list[Organization] = context["orgs"]
    acme = orgs[0]
    people = {"staff": staff, "client": context["client"], "member": context["member"]}
    entitlement = _env_entitlement(acme, staff, log)
    created = []
    with notifications.muted():
        for spec in DEMO:
            if Ticket.objects.filter(organization=acme, title=spec["title"]).exists():
                continue
            created.append(_make(spec, people, {"entitlement": entitlement}))
        service = (
            Service.objects.filter(organization=acme)
            .exclude(status__in=[Service.Status.CLOSED, Service.Status.CANCELLED])
            .order_by("id")
            .first()
        )
        if (
            service is not None
            and not Ticket.objects.filter(organization=acme, title=SERVICE_DEMO["title"]).exists()
        ):
            created.append(_make(SERVICE_DEMO, people, {"service": service}))
        for org in orgs[1:]:
            owner = Membership.objects.filter(organization=org, role="owner").first()
            title = "Enable the mobile app"
            if owner is None or Ticket.objects.filter(organization=org, title=title).exists():
                continue
            spec = {
                "title": title,
                "description": "Please enable the Moodle mobile app for our site.",
                "priority": "normal",
                "by": "client",
                "steps": [("start", "staff"), ("reply", "staff", "Enabling it this afternoon.")],
                "age": ("hours", 1),
            }
            org_people = {**people, "client": owner.user}
            created.append(
                _make(spec, org_people, {"entitlement": _env_entitlement(org, staff, log)})
            )
    for ticket in created:
        log(f"  ticket {ticket.number} {ticket.title} ({ticket.status})")
    log(f"tickets: {len(created)} created, {Ticket.objects.count()} in all")
    return {"tickets": created}
