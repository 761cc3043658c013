"""Staff back office for entitlements, orders, licenses and contracts.

Status never changes through a form: creation, edits and every transition (change-form buttons and
changelist actions) call the functions of entitlements.actions, exactly as the API does.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db.models import Count, Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from config.admin import ActionModelForm, ReadOnlyInline, admin_link
from config.admin_transitions import Transition, TransitionAdminMixin, TransitionForm
from entitlements import actions
from entitlements.models import (
    Contract,
    Entitlement,
    License,
    LicenseActivation,
    Order,
    OrderEntitlement,
)

# --- forms --------------------------------------------------------------------------------


class EntitlementTransitionForm(TransitionForm):
    reason = forms.CharField(required=False, max_length=actions.REASON_MAX_LENGTH)


class CancelForm(EntitlementTransitionForm):
    reason = forms.CharField(max_length=actions.REASON_MAX_LENGTH)


class RenewForm(EntitlementTransitionForm):
    expires_at = forms.SplitDateTimeField(
        required=False,
        widget=AdminSplitDateTime,
        help_text="Empty: one year after the later of now and the old expiry.",
    )


# Every button opens the transition's page (reason and notes, the expiry for a renewal).
TRANSITIONS = {
    "suspend": Transition(actions.entitlement_suspend, "Suspend", confirm=True),
    "reactivate": Transition(actions.entitlement_reactivate, "Reactivate", confirm=True),
    "expire": Transition(actions.entitlement_expire, "Expire", confirm=True),
    "renew": Transition(
        actions.entitlement_renew, "Renew", confirm=True, form=RenewForm, bulk_note="(+1 year)"
    ),
    "cancel": Transition(
        actions.entitlement_cancel,
        "Cancel",
        confirm=True,
        form=CancelForm,
        bulk_note="(reason required)",
    ),
    "win_back": Transition(
        actions.entitlement_win_back, "Win back", confirm=True, bulk_note="(within 90 days)"
    ),
}


# Set at creation (see actions.UPDATABLE_FIELDS for what may change later), then the terms.
DESCRIPTION = [
    "entitlement_class",
    "product_name",
    "product_description",
    "organization",
    "company",
]
TERMS = ["sla_tier", "starts_at", "expires_at", "quote_id", "auto_created", "parent", "metadata"]


class EntitlementForm(ActionModelForm):
    """Saved by entitlement_create or entitlement_update: a broken rule is a form error."""

    error_fields = {"class": "entitlement_class"}

    class Meta:
        model = Entitlement
        fields = [*DESCRIPTION, *TERMS]

    def perform(self) -> Entitlement:
        data = self.cleaned_data
        if self.instance.pk is not None:
            changes = {n: data[n] for n in self.changed_data if n in actions.UPDATABLE_FIELDS}
            return actions.entitlement_update(
                entitlement=self.instance, actor=self.actor, **changes
            )
        fields = {n: data[n] for n in self.Meta.fields if n in data}
        return actions.entitlement_create(actor=self.actor, **fields)


# --- inlines ------------------------------------------------------------------------------


class OrderLinkInline(admin.TabularInline):
    """The order ↔ entitlement links, on the entitlement's page: its orders."""

    model = OrderEntitlement
    verbose_name_plural = "Orders"
    extra = 0
    autocomplete_fields = ["order"]
    fields = ["order", "kind", "linked_at"]
    readonly_fields = ["linked_at"]


class LicenseInline(ReadOnlyInline):
    model = License
    show_change_link = True
    fields = ["license_key", "product_name", "status", "activations_limit", "expires_at"]
    readonly_fields = fields


class ContractInline(ReadOnlyInline):
    model = Contract
    show_change_link = True
    fields = ["title", "status", "start_date", "end_date"]
    readonly_fields = fields


# --- entitlements -------------------------------------------------------------------------


class ExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [
            ("past", "Already passed"),
            ("7d", "Within 7 days"),
            ("30d", "Within 30 days"),
            ("90d", "Within 90 days"),
            ("later", "More than 90 days away"),
            ("none", "No expiry"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        value = self.value()
        if value == "past":
            return queryset.filter(expires_at__lte=now)
        if value in ("7d", "30d", "90d"):
            days = int(value[:-1])
            return queryset.filter(expires_at__gt=now, expires_at__lte=now + timedelta(days=days))
        if value == "later":
            return queryset.filter(expires_at__gt=now + timedelta(days=90))
        if value == "none":
            return queryset.filter(expires_at__isnull=True)
        return queryset


@admin.register(Entitlement)
class EntitlementAdmin(TransitionAdminMixin, admin.ModelAdmin):
    transitions = TRANSITIONS
    transition_form = EntitlementTransitionForm
    bulk_name = "{}_selected"
    form = EntitlementForm
    list_display = [
        "code",
        "entitlement_class",
        "product_name",
        "organization",
        "status",
        "expires_at",
        "company",
    ]
    list_filter = [
        "entitlement_class",
        "status",
        "company",
        "organization",
        ExpiryFilter,
        "sla_tier",
        "auto_created",
    ]
    search_fields = ["code", "product_name"]
    list_select_related = ["organization"]
    date_hierarchy = "expires_at"
    autocomplete_fields = ["organization", "parent"]
    inlines = [OrderLinkInline, LicenseInline, ContractInline]
    fieldsets = [
        (None, {"fields": ["code", "entitlement_class", "status", *DESCRIPTION[1:]]}),
        ("Terms", {"fields": TERMS}),
        ("Cancellation", {"fields": ["cancelled_at", "cancellation_reason", "cancellation_notes"]}),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]
    readonly_fields = [
        "code",
        "status",
        "cancelled_at",
        "cancellation_reason",
        "cancellation_notes",
        "created_at",
        "updated_at",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Entitlement | None = None) -> list:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:  # fixed at creation (see actions.UPDATABLE_FIELDS)
            fields += ["entitlement_class", "organization", "auto_created"]
        return fields


# --- what lives under an entitlement (environments, services) -----------------------------


def open_entitlements(entitlement_class: str) -> QuerySet[Entitlement]:
    """Active entitlements of an organization, of one class: what a new environment or service
    is offered to hang under (its action checks again)."""
    return (
        Entitlement.objects.filter(
            entitlement_class=entitlement_class,
            status=Entitlement.Status.ACTIVE,
            organization__isnull=False,
        )
        .select_related("organization")
        .order_by("code")
    )


class UnderEntitlementAdmin(TransitionAdminMixin, admin.ModelAdmin):
    """The admin of an object that belongs to one entitlement and takes its organization."""

    list_select_related = ["organization", "entitlement"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]

    @admin.display(description="entitlement", ordering="entitlement__code")
    def entitlement_link(self, obj: Model) -> str:
        return admin_link(obj.entitlement, obj.entitlement.code)


# --- orders, licenses, contracts ----------------------------------------------------------


class OrderEntitlementInline(OrderLinkInline):
    """The same links on the order's page: its entitlements."""

    verbose_name_plural = "Entitlements"
    autocomplete_fields = ["entitlement"]
    fields = ["entitlement", "kind", "linked_at"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "organization",
        "status",
        "total",
        "currency",
        "payment_method",
        "date_created",
        "date_completed",
    ]
    list_filter = ["status", "currency", "organization__company", "organization"]
    search_fields = ["number", "organization__name", "entitlements__code"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]
    date_hierarchy = "date_created"
    inlines = [OrderEntitlementInline]


class LicenseActivationInline(admin.TabularInline):
    model = LicenseActivation
    extra = 0
    fields = ["domain", "activated_at"]
    readonly_fields = ["activated_at"]


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    list_display = [
        "license_key",
        "product_name",
        "entitlement_link",
        "status",
        "activations_limit",
        "activations",
        "expires_at",
    ]
    list_filter = ["status", "entitlement__organization"]
    search_fields = ["license_key", "product_name", "entitlement__code", "activations__domain"]
    list_select_related = ["entitlement"]
    autocomplete_fields = ["entitlement"]
    inlines = [LicenseActivationInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(activation_count=Count("activations"))

    @admin.display(description="activations", ordering="activation_count")
    def activations(self, obj: License) -> int:
        return obj.activation_count

    @admin.display(description="entitlement", ordering="entitlement__code")
    def entitlement_link(self, obj: License) -> str:
        return admin_link(obj.entitlement, obj.entitlement.code)


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["title", "entitlement", "organization", "status", "start_date", "end_date"]
    list_filter = ["status", "organization"]
    search_fields = ["title", "entitlement__code", "organization__name"]
    list_select_related = ["entitlement", "organization"]
    autocomplete_fields = ["entitlement"]
    readonly_fields = ["organization", "created_at"]
    date_hierarchy = "start_date"

    def save_model(
        self, request: HttpRequest, obj: Contract, form: forms.ModelForm, change: bool
    ) -> None:
        obj.organization_id = obj.entitlement.organization_id  # a contract follows its entitlement
        super().save_model(request, obj, form, change)
