"""Entitlements: what each organization bought, with a code, a lifecycle and linked records."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, transition

from accounts.models import (
    Company,
    LifecycleModel,
    Organization,
    OrgOwnedModel,
    list_indexes,
    status_history,
    status_move,
)

WIN_BACK_DAYS = 90


class EntitlementClass(models.TextChoices):
    PLG = "PLG", "Plugin"
    ENV = "ENV", "Environment"
    SVC = "SVC", "Service"
    ORD = "ORD", "Order"
    AFL = "AFL", "Affiliate"
    EDU = "EDU", "Education"


class SlaTier(models.TextChoices):
    FREE = "free", "Free"
    BASIC = "basic", "Basic"
    FLEX = "flex", "Flex"
    BUSINESS = "business", "Business"
    ENTERPRISE = "enterprise", "Enterprise"
    GOVERNMENT = "government", "Government"


class Priority(models.TextChoices):
    """How urgent a service request or a service is; SLA targets are set per tier and priority."""

    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


def within_win_back_window(entitlement: Entitlement) -> bool:
    """Win-back is allowed only within 90 days of the cancellation."""
    return (
        entitlement.cancelled_at is not None
        and timezone.now() - entitlement.cancelled_at <= timedelta(days=WIN_BACK_DAYS)
    )


def one_year_after(moment: datetime) -> datetime:
    """The same instant a year later (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:
        return moment.replace(year=moment.year + 1, day=28)


class Entitlement(LifecycleModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    code = models.CharField(max_length=20, unique=True, editable=False)
    entitlement_class = models.CharField("class", max_length=3, choices=EntitlementClass.choices)
    product_name = models.CharField(max_length=200)
    product_description = models.TextField(blank=True)
    status = FSMField(max_length=20, choices=Status.choices, default=Status.ACTIVE, protected=True)
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entitlements",
        help_text="Empty for a standalone entitlement.",
    )
    company = models.CharField(max_length=20, choices=Company.choices, default=Company.MIDDAG_BR)
    starts_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=200, blank=True)
    cancellation_notes = models.TextField(blank=True)
    quote_id = models.PositiveBigIntegerField("quote ID", null=True, blank=True)
    auto_created = models.BooleanField(default=False)
    metadata = models.JSONField(default=dict, blank=True)
    sla_tier = models.CharField(
        "SLA tier", max_length=20, choices=SlaTier.choices, default=SlaTier.BASIC
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )

    class Meta(LifecycleModel.Meta):
        indexes = [
            *list_indexes("ent", {"status": "status", "class": "entitlement_class"}),
            models.Index(fields=["status", "expires_at"], name="ent_status_expires"),
            models.Index(fields=["company"], name="ent_company"),
            models.Index(fields=["product_name"], name="ent_product"),
            # Staff list every organization at once: the same filters unprefixed.
            models.Index(fields=["entitlement_class"], name="ent_class"),
            models.Index(fields=["expires_at"], name="ent_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.product_name}"

    # Transitions touch this row only; actions lock, record history and run cascades.

    suspend = status_move(status, Status.ACTIVE, Status.SUSPENDED)
    reactivate = status_move(status, Status.SUSPENDED, Status.ACTIVE)
    expire = status_move(status, [Status.ACTIVE, Status.SUSPENDED], Status.EXPIRED)

    @transition(field=status, source=Status.EXPIRED, target=Status.ACTIVE)
    def renew(self, expires_at: datetime | None = None) -> None:
        """Move expires_at forward: to `expires_at`, or a year after max(now, old expiry)."""
        if expires_at is None:
            base = max(filter(None, [timezone.now(), self.expires_at]))
            expires_at = one_year_after(base)
        self.expires_at = expires_at

    @transition(
        field=status,
        source=[Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED],
        target=Status.CANCELLED,
    )
    def cancel(self) -> None:
        # The reason and notes are set by the action, which also records them in the history.
        self.cancelled_at = timezone.now()

    @transition(
        field=status,
        source=Status.CANCELLED,
        target=Status.ACTIVE,
        conditions=[within_win_back_window],
    )
    def win_back(self) -> None:
        # The cancellation stays in the history; the row describes the live entitlement.
        self.cancelled_at = None
        self.cancellation_reason = ""
        self.cancellation_notes = ""


EntitlementStatusChange = status_history(Entitlement, "ent_history_subject")


class EntitlementRecord(LifecycleModel):
    """A named record an organization holds under one of its entitlements: an environment, a
    service. The subclass adds its link to the entitlement, its status and its transitions."""

    name = models.CharField(max_length=200)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta(LifecycleModel.Meta):
        abstract = True

    def __str__(self) -> str:
        return self.name


class Order(OrgOwnedModel):
    """A WooCommerce order; one order can create several entitlements, a renewal links again."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        ON_HOLD = "on-hold", "On hold"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"
        FAILED = "failed", "Failed"

    number = models.CharField(max_length=40, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="BRL")
    date_created = models.DateTimeField(default=timezone.now)
    date_completed = models.DateTimeField(null=True, blank=True)
    payment_method = models.CharField(max_length=60, blank=True)
    items_count = models.PositiveIntegerField(default=1)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    entitlements = models.ManyToManyField(
        Entitlement, through="OrderEntitlement", related_name="orders", blank=True
    )

    class Meta:
        ordering = ["-date_created", "-id"]
        indexes = [models.Index(fields=["-date_created", "-id"], name="order_date_created")]

    def __str__(self) -> str:
        return self.number


class OrderEntitlement(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", "Created the entitlement"
        RENEWAL = "renewal", "Renewed the entitlement"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="links")
    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.CASCADE, related_name="order_links"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CREATED)
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["linked_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "entitlement"], name="order_entitlement_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.entitlement_id} ({self.kind})"


class License(models.Model):
    """A software license of a PLG entitlement, activated on a number of domains."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    license_key = models.CharField(max_length=64, unique=True)
    product_name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    entitlement = models.ForeignKey(Entitlement, on_delete=models.CASCADE, related_name="licenses")
    activations_limit = models.PositiveIntegerField(default=1)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["entitlement", "-created_at", "-id"], name="license_ent_created")
        ]

    def __str__(self) -> str:
        return self.license_key

    def clean(self) -> None:
        if self.entitlement_id and self.entitlement.entitlement_class != EntitlementClass.PLG:
            raise ValidationError(
                {"entitlement": "Licenses belong to PLG-class entitlements only."}
            )


class LicenseActivation(models.Model):
    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="activations")
    domain = models.CharField(max_length=253)
    activated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["activated_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["license", "domain"], name="license_domain_unique")
        ]

    def __str__(self) -> str:
        return self.domain


class Contract(OrgOwnedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        TERMINATED = "terminated", "Terminated"

    title = models.CharField(max_length=200)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    entitlement = models.ForeignKey(Entitlement, on_delete=models.CASCADE, related_name="contracts")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["entitlement", "-start_date", "-id"], name="contract_ent_start")
        ]

    def __str__(self) -> str:
        return self.title
