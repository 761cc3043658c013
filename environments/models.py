"""Managed hosting environments, one per ENV-class entitlement."""

from __future__ import annotations

from django.db import models
from django_fsm import FSMField

from accounts.models import Organization, list_indexes, status_history, status_move
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
    url = models.URLField("URL", blank=True)
    entitlement = models.OneToOneField(
        Entitlement, on_delete=models.PROTECT, related_name="environment"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="environments"
    )
    platform_version = models.CharField(max_length=40, blank=True)
    admin_url = models.URLField("admin URL", blank=True)
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

    activate = status_move(status, Status.PROVISIONING, Status.ACTIVE)
    start_maintenance = status_move(status, Status.ACTIVE, Status.MAINTENANCE)
    end_maintenance = status_move(status, Status.MAINTENANCE, Status.ACTIVE)
    suspend = status_move(status, [Status.ACTIVE, Status.MAINTENANCE], Status.SUSPENDED)
    reactivate = status_move(status, Status.SUSPENDED, Status.ACTIVE)
    decommission = status_move(status, NON_TERMINAL, Status.DECOMMISSIONED)


EnvironmentStatusChange = status_history(Environment, "env_history_subject")
