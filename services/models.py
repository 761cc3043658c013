"""Professional services and projects of SVC-class entitlements."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_fsm import FSMField, transition

from accounts.models import Organization, list_indexes, status_history, status_move
from entitlements.models import Entitlement, EntitlementRecord, Priority


def is_project(service: Service) -> bool:
    """Only projects are delivered; an ongoing service stays in progress until closed."""
    return service.lifecycle == Service.Lifecycle.PROJECT


def is_ongoing(service: Service) -> bool:
    return service.lifecycle == Service.Lifecycle.ONGOING


class Service(EntitlementRecord):
    class Status(models.TextChoices):
        PROPOSAL = "proposal", "Proposal"
        APPROVED = "approved", "Approved"
        IN_PROGRESS = "in_progress", "In progress"
        ON_HOLD = "on_hold", "On hold"
        DELIVERED = "delivered", "Delivered"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    class Lifecycle(models.TextChoices):
        ONGOING = "ongoing", "Ongoing"
        PROJECT = "project", "Project"

    Priority = Priority  # the service requests' scale (entitlements.models)

    NON_TERMINAL = [
        Status.PROPOSAL,
        Status.APPROVED,
        Status.IN_PROGRESS,
        Status.ON_HOLD,
        Status.DELIVERED,
    ]

    status = FSMField(
        max_length=20, choices=Status.choices, default=Status.PROPOSAL, protected=True
    )
    lifecycle = models.CharField(
        max_length=10, choices=Lifecycle.choices, default=Lifecycle.PROJECT
    )
    description = models.TextField(blank=True)
    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="services")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="services"
    )
    category = models.CharField(max_length=80, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    start_date = models.DateField(null=True, blank=True)
    assigned_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_services",
    )

    class Meta(EntitlementRecord.Meta):
        indexes = [
            *list_indexes("svc", {"status": "status", "lifecycle": "lifecycle"}),
            # Staff list every organization at once (no header): filtered without org.
            models.Index(fields=["status", "-created_at"], name="svc_status"),
        ]

    approve = status_move(status, Status.PROPOSAL, Status.APPROVED)
    start = status_move(status, Status.APPROVED, Status.IN_PROGRESS)
    hold = status_move(status, Status.IN_PROGRESS, Status.ON_HOLD)
    resume = status_move(status, Status.ON_HOLD, Status.IN_PROGRESS)
    deliver = status_move(status, Status.IN_PROGRESS, Status.DELIVERED, conditions=[is_project])
    rework = status_move(status, Status.DELIVERED, Status.IN_PROGRESS, conditions=[is_project])
    cancel = status_move(status, NON_TERMINAL, Status.CANCELLED)

    @transition(
        field=status, source=Status.DELIVERED, target=Status.CLOSED, conditions=[is_project]
    )
    @transition(
        field=status,
        source=[Status.IN_PROGRESS, Status.ON_HOLD],
        target=Status.CLOSED,
        conditions=[is_ongoing],
    )
    def close(self) -> None:
        """A project closes once delivered; an ongoing service from in progress or on hold."""


ServiceStatusChange = status_history(Service, "svc_history_subject")
