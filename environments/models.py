"""Managed hosting environments, one per ENV-class entitlement."""

from __future__ import annotations

from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.models import Organization, OrgOwnedModel
from config.fsm import StatusChange
from entitlements.models import Entitlement


class Environment(ConcurrentTransitionMixin, OrgOwnedModel):
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

    name = models.CharField(max_length=200)
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
    metadata = models.JSONField(default=dict, blank=True)
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="env_org_created"),
            models.Index(fields=["organization", "status"], name="env_org_status"),
            models.Index(fields=["organization", "platform"], name="env_org_platform"),
            models.Index(fields=["organization", "environment_type"], name="env_org_type"),
            # Staff list every organization at once (no header): sorted and filtered without org.
            models.Index(fields=["-created_at", "-id"], name="env_created"),
            models.Index(fields=["status", "-created_at"], name="env_status"),
        ]

    def __str__(self) -> str:
        return self.name

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
