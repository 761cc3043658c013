"""Demo services: both lifecycles and every status, reached through the real actions.

Seed 000's example ("Moodle Customization Project", a project in progress) is the first one.
Idempotent: a service that exists (same entitlement and name) is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accounts.models import Organization, User
from entitlements.models import Entitlement, EntitlementClass
from environments.demo import demo_entitlement
from services import actions
from services.models import Service

Status = Service.Status

# The transitions that lead from proposal to each status, per lifecycle.
PATHS: dict[tuple[str, str], list[str]] = {
    ("project", Status.PROPOSAL): [],
    ("project", Status.APPROVED): ["approve"],
    ("project", Status.IN_PROGRESS): ["approve", "start"],
    ("project", Status.DELIVERED): ["approve", "start", "deliver"],
    ("project", Status.CLOSED): ["approve", "start", "deliver", "close"],
    ("project", Status.CANCELLED): ["approve", "cancel"],
    ("ongoing", Status.IN_PROGRESS): ["approve", "start"],
    ("ongoing", Status.ON_HOLD): ["approve", "start", "hold"],
    ("ongoing", Status.CLOSED): ["approve", "start", "close"],
}

# (org index, service fields, status to reach)
SERVICES: list[tuple[int, dict[str, Any], str]] = [
    (
        0,
        {
            "name": "Moodle Customization Project",
            "lifecycle": "project",
            "description": "Custom theme, course formats and SSO for Acme's Moodle.",
            "category": "Customization",
            "priority": "high",
        },
        Status.IN_PROGRESS,
    ),
    (
        0,
        {
            "name": "Managed Support Retainer",
            "lifecycle": "ongoing",
            "description": "Monthly hours for small changes and questions.",
            "category": "Support",
        },
        Status.IN_PROGRESS,
    ),
    (
        0,
        {
            "name": "Theme Redesign",
            "lifecycle": "project",
            "description": "A new visual identity for the course pages.",
            "category": "Design",
        },
        Status.DELIVERED,
    ),
    (
        0,
        {
            "name": "Data Migration Assessment",
            "lifecycle": "project",
            "description": "Scope the move of 12 years of courses from the old LMS.",
            "category": "Migration",
            "priority": "low",
        },
        Status.PROPOSAL,
    ),
    (
        0,
        {
            "name": "Analytics Dashboard",
            "lifecycle": "project",
            "description": "Completion and engagement reports for coordinators.",
            "category": "Reporting",
        },
        Status.APPROVED,
    ),
    (
        0,
        {
            "name": "Course Import Project",
            "lifecycle": "project",
            "description": "Import of 40 courses from spreadsheets.",
            "category": "Migration",
        },
        Status.CLOSED,
    ),
    (
        1,
        {
            "name": "LMS Training Program",
            "lifecycle": "ongoing",
            "description": "Monthly training sessions for Globex's teachers.",
            "category": "Training",
        },
        Status.ON_HOLD,
    ),
    (
        1,
        {
            "name": "Mobile App Integration",
            "lifecycle": "project",
            "description": "Branded mobile app for the campus.",
            "category": "Integration",
            "priority": "urgent",
        },
        Status.CANCELLED,
    ),
]


def load(log: Callable[[str], Any], context: dict) -> dict:
    """Idempotent: services that exist are left as they are."""
    staff: User = context["staff"]
    orgs: list[Organization] = context["orgs"]
    services = []
    created = 0
    for org_index, fields, target in SERVICES:
        org = orgs[org_index]
        entitlement = demo_entitlement(
            org, EntitlementClass.SVC, f"Professional services — {org.name}", staff
        )
        service = Service.objects.filter(entitlement=entitlement, name=fields["name"]).first()
        if service is None and entitlement.status == Entitlement.Status.ACTIVE:
            service = actions.service_create(
                actor=staff, entitlement=entitlement, assigned_staff=staff, **fields
            )
            for name in PATHS[(fields["lifecycle"], target)]:
                service = actions.TRANSITIONS[name](service=service, actor=staff)
            created += 1
        if service is not None:
            services.append(service)
    log(f"services: {created} created, {Service.objects.count()} in all")
    return {"services": services}
