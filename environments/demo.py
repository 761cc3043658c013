"""Demo environments: every status, platform and type, reached through the real actions.

Seed 001's example ("Acme Moodle Production", active, moodle, production, https://lms.example.com)
is the first one. The suspended one is suspended by its entitlement (the cascade), the
decommissioned one had its entitlement cancelled first. Idempotent: an environment that exists is
left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accounts.models import Organization, User
from entitlements import actions as entitlement_actions
from entitlements.models import Entitlement, EntitlementClass
from environments import actions
from environments.models import Environment

Status = Environment.Status

# (org index, entitlement product, environment fields, status to reach)
ENVIRONMENTS: list[tuple[int, str, dict[str, Any], str]] = [
    (
        0,
        "Managed Moodle — Acme Production",
        {
            "name": "Acme Moodle Production",
            "platform": "moodle",
            "environment_type": "production",
            "url": "https://lms.example.com",
            "admin_url": "https://lms.example.com/admin",
            "platform_version": "4.5.2",
            "hosting_provider": "AWS",
            "region": "sa-east-1",
            "backup_schedule": "daily 03:00 UTC",
            "backup_retention_days": 30,
            "health": "healthy",
        },
        Status.ACTIVE,
    ),
    (
        0,
        "Managed Moodle — Acme Staging",
        {
            "name": "Acme Moodle Staging",
            "platform": "moodle",
            "environment_type": "staging",
            "url": "https://staging.lms.example.com",
            "platform_version": "4.5.2",
            "hosting_provider": "AWS",
            "region": "sa-east-1",
            "backup_schedule": "weekly Sun 04:00 UTC",
            "backup_retention_days": 14,
            "health": "degraded",
        },
        Status.MAINTENANCE,
    ),
    (
        0,
        "Managed WordPress — Acme Website",
        {
            "name": "Acme WordPress Website",
            "platform": "wordpress",
            "environment_type": "production",
            "url": "https://www.acme.example.com",
            "hosting_provider": "DigitalOcean",
            "region": "nyc3",
        },
        Status.PROVISIONING,
    ),
    (
        0,
        "Managed hosting — Acme Custom Portal",
        {
            "name": "Acme Custom Portal",
            "platform": "custom",
            "environment_type": "development",
            "url": "https://dev.portal.acme.example.com",
            "hosting_provider": "Hetzner",
            "region": "fsn1",
            "health": "down",
        },
        Status.SUSPENDED,
    ),
    (
        0,
        "Managed Moodle — Acme Sandbox",
        {
            "name": "Acme Moodle Sandbox",
            "platform": "moodle",
            "environment_type": "sandbox",
            "url": "https://sandbox.lms.example.com",
            "platform_version": "4.3.8",
        },
        Status.DECOMMISSIONED,
    ),
    (
        1,
        "Managed WordPress — Globex Campus",
        {
            "name": "Globex WordPress Campus",
            "platform": "wordpress",
            "environment_type": "production",
            "url": "https://campus.globex.example.com",
            "platform_version": "6.7",
            "hosting_provider": "AWS",
            "region": "us-east-1",
            "backup_schedule": "daily 02:00 UTC",
            "health": "healthy",
        },
        Status.ACTIVE,
    ),
]


def demo_entitlement(
    org: Organization, entitlement_class: str, product_name: str, actor: User
) -> Entitlement:
    """The demo entitlement of `org` with this class and product, created once."""
    found = Entitlement.objects.filter(
        organization=org, entitlement_class=entitlement_class, product_name=product_name
    ).first()
    if found is not None:
        return found
    return entitlement_actions.entitlement_create(
        actor=actor,
        entitlement_class=entitlement_class,
        product_name=product_name,
        organization=org,
        sla_tier="business",
    )


def _reach(environment: Environment, target: str, staff: User) -> Environment:
    steps: list[Callable[[], Any]] = []
    if target != Status.PROVISIONING:
        steps.append(lambda: actions.environment_activate(environment=environment, actor=staff))
    if target == Status.MAINTENANCE:
        steps.append(
            lambda: actions.environment_start_maintenance(
                environment=environment, actor=staff, reason="Upgrade to Moodle 4.5"
            )
        )
    if target == Status.SUSPENDED:
        steps.append(
            lambda: entitlement_actions.entitlement_suspend(
                entitlement=environment.entitlement, actor=staff, reason="Payment failed"
            )
        )
    if target == Status.DECOMMISSIONED:
        steps.append(
            lambda: entitlement_actions.entitlement_cancel(
                entitlement=environment.entitlement, actor=staff, reason="Moved to another provider"
            )
        )
        steps.append(
            lambda: actions.environment_decommission(
                environment=environment, actor=staff, reason="Contract ended; data exported"
            )
        )
    for step in steps:
        step()
    environment.refresh_from_db()
    return environment


def load(log: Callable[[str], Any], context: dict) -> dict:
    """Idempotent: environments that exist are left as they are."""
    staff: User = context["staff"]
    orgs: list[Organization] = context["orgs"]
    environments = []
    created = 0
    for org_index, product, fields, target in ENVIRONMENTS:
        entitlement = demo_entitlement(orgs[org_index], EntitlementClass.ENV, product, staff)
        environment = Environment.objects.filter(entitlement=entitlement).first()
        if environment is None and entitlement.status == Entitlement.Status.ACTIVE:
            environment = actions.environment_create(
                actor=staff, entitlement=entitlement, reason="Demo data", **fields
            )
            environment = _reach(environment, target, staff)
            created += 1
        if environment is not None:
            environments.append(environment)
    log(f"environments: {created} created, {Environment.objects.count()} in all")
    return {"environments": environments}
