"""Managed hosting environments, one per ENV-class entitlement."""

from __future__ import annotations

from django.db import models
from django_fsm import FSMField, transition

from accounts.models import Organization, list_indexes
from config.fsm import StatusChange
from entitlements.models import Entitlement, EntitlementRecord


class Environment(EntitlementRecord):
    class Status(models.TextChoices):
        PROVISIONING = "provisioning", "Provisioning"
        ACTIVE = "active", "Active"
        MAINTENANCE = "maintenance", "Maintenance"
        SUSPENDED = "suspended", "Suspended"
        DECOMMISSIONED = "decommissioned", "Decommissioned"

    class Platform(models.TextChoices):
        MOODLE = "moodle", "Moodle"
        WORDPRESS = "wordpress", "WordPress"
        CUSTOM = "custom", "Custom"

    class Type(models.TextChoices):
        PRODUCTION = "production", "Production"
        STAGING = "staging", "Staging"
        DEVELOPMENT = "development", "Development"
        SANDBOX = "sandbox", "Sandbox"

    class Health(models.TextChoices):
        UNKNOWN = "unknown", "Unknown"
        HEALTHY = "healthy", "Healthy"
        DEGRADED = "degraded", "Degraded"
        DOWN = "down", "Down"

    NON_TERMINAL = [Status.PROVISIONING, Status.ACTIVE, Status.MAINTENANCE, Status.SUSPENDED]

    status = FSMField(
        max_length=20, choices=Status.choices, default=Status.PROVISIONING, protected=True
    )
    platform = models.CharField(max_length=20, choices=Platform.choices)
    environment_type = models.CharField(
        max_length=20, choices=Type.choices, default=Type.PRODUCTION
    )
    url = models.URLField(blank=True)
    entitlement = models.OneToOneField(
        Entitlement, on_delete=models.PROTECT, related_name="environment"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="environments"
    )
    platform_version = models.CharField(max_length=40, blank=True)
    admin_url = models.URLField(blank=True)
    hosting_provider = models.CharField(max_length=80, blank=True)
    region = models.CharField(max_length=60, blank=True)
    backup_schedule = models.CharField(max_length=60, blank=True, help_text="e.g. daily 03:00 UTC")
    backup_retention_days = models.PositiveIntegerField(default=30)
    health = models.CharField(max_length=10, choices=Health.choices, default=Health.UNKNOWN)
    # True when staff suspended the environment by hand: an entitlement coming back to active
    # does not undo that (see environments.actions.entitlement_changed).
    suspended_manually = models.BooleanField(default=False, editable=False)

    class Meta(EntitlementRecord.Meta):
        indexes = [
            *list_indexes(
                "env", {"status": "status", "platform": "platform", "type": "environment_type"}
            ),
            # Staff list every organization at once (no header): filtered without org.
            models.Index(fields=["status", "-created_at"], name="env_status"),
        ]

    @transition(field=status, source=Status.PROVISIONING, target=Status.ACTIVE)
    def activate(self) -> None:
        pass

    @transition(field=status, source=Status.ACTIVE, target=Status.MAINTENANCE)
    def start_maintenance(self) -> None:
        pass

    @transition(field=status, source=Status.MAINTENANCE, target=Status.ACTIVE)
    def end_maintenance(self) -> None:
        pass

    @transition(field=status, source=[Status.ACTIVE, Status.MAINTENANCE], target=Status.SUSPENDED)
    def suspend(self) -> None:
        pass

    @transition(field=status, source=Status.SUSPENDED, target=Status.ACTIVE)
    def reactivate(self) -> None:
        pass

    @transition(field=status, source=NON_TERMINAL, target=Status.DECOMMISSIONED)
    def decommission(self) -> None:
        pass


class EnvironmentStatusChange(StatusChange):
    subject = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="history")

    class Meta(StatusChange.Meta):
        indexes = [models.Index(fields=["subject", "changed_at"], name="env_history_subject")]
