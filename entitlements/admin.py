"""Staff back office for entitlements, orders, licenses and contracts.

Status never changes through a form: creation, edits and every transition (change-form buttons and
changelist actions) call the functions of entitlements.actions, exactly as the API does. Statuses
are coloured labels, expiries within 30 days or past are flagged, and an entitlement's page (and
those of its environment and services) lists the service requests raised under it.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.db.models import Case, Count, IntegerField, Model, QuerySet, Value, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince, timeuntil
from unfold.decorators import display
from unfold.widgets import UnfoldAdminSplitDateTimeWidget

from config.admin import (
    STATUS_VARIANTS,
    ActionModelForm,
    ModelAdmin,
    ReadOnlyInline,
    TabularInline,
    admin_link,
    status_variant,
)
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
        widget=UnfoldAdminSplitDateTimeWidget,
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


class OrderLinkInline(TabularInline):
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


# --- expiry and linked requests -------------------------------------------------------------

EXPIRY_WARNING_DAYS = 30


def expiry_label(expires_at, status: str = "") -> str:
    """The expiry as a label: red once passed, orange within 30 days, plain otherwise."""
    if expires_at is None:
        return "—"
    now = timezone.now()
    when = timezone.localtime(expires_at).strftime("%Y-%m-%d")
    if expires_at <= now:
        text, variant = f"{when} · expired {timesince(expires_at, now)} ago", "danger"
    elif expires_at - now <= timedelta(days=EXPIRY_WARNING_DAYS):
        text, variant = f"{when} · in {timeuntil(expires_at, now)}", "warning"
    else:
        return when
    if status in ("cancelled",):  # a cancelled entitlement's expiry no longer matters
        variant = "default"
    return format_html(
        '<span class="expiry-{} inline-block font-semibold px-2 rounded-default text-[11px] '
        '{}">{}</span>',
        variant,
        {
            "danger": "bg-red-100 text-red-700 dark:bg-red-500/20 dark:text-red-400",
            "warning": "bg-orange-100 text-orange-700 dark:bg-orange-500/20 dark:text-orange-400",
        }.get(variant, "bg-base-500/8 text-base-700 dark:bg-base-500/20 dark:text-base-200"),
        text,
    )


LINKED_REQUESTS_SHOWN = 10


def linked_requests(obj: Model, field: str) -> str:
    """The newest service requests raised under `obj` (a link each, its status as a label) and
    a link to all of them in the request list."""
    # Through the reverse relation (`tickets`): this app sits below tickets and imports nothing of it.
    tickets = list(
        obj.tickets.order_by("-created_at", "-id").only("pk", "number", "title", "status")[
            : LINKED_REQUESTS_SHOWN + 1
        ]
    )
    if not tickets:
        return "No service requests."
    rows = format_html_join(
        "",
        '<li class="py-0.5"><a class="text-primary-600 dark:text-primary-500" href="{}">{}</a> '
        '{} <span class="inline-block font-semibold px-1.5 rounded-default text-[11px] '
        'uppercase {}">{}</span></li>',
        (
            (
                reverse("admin:tickets_ticket_change", args=[t.pk]),
                t.number,
                t.title,
                LABEL_CLASSES[status_variant(t.status)],
                t.get_status_display(),
            )
            for t in tickets[:LINKED_REQUESTS_SHOWN]
        ),
    )
    everything = reverse("admin:tickets_ticket_changelist") + f"?{field}__id__exact={obj.pk}"
    more = "See all" if len(tickets) > LINKED_REQUESTS_SHOWN else "Open in the request list"
    return format_html(
        '<ul class="linked-requests">{}</ul><a class="text-primary-600 dark:text-primary-500" '
        'href="{}">{}</a>',
        rows,
        everything,
        more,
    )


LABEL_CLASSES = {
    "success": "bg-green-100 text-green-700 dark:bg-green-500/20 dark:text-green-400",
    "info": "bg-blue-100 text-blue-700 dark:bg-blue-500/20 dark:text-blue-400",
    "primary": "bg-primary-100 text-primary-700 dark:bg-primary-500/20 dark:text-primary-400",
    "warning": "bg-orange-100 text-orange-700 dark:bg-orange-500/20 dark:text-orange-400",
    "danger": "bg-red-100 text-red-700 dark:bg-red-500/20 dark:text-red-400",
    "default": "bg-base-500/8 text-base-700 dark:bg-base-500/20 dark:text-base-200",
}


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
class EntitlementAdmin(TransitionAdminMixin, ModelAdmin):
    transitions = TRANSITIONS
    transition_form = EntitlementTransitionForm
    bulk_name = "{}_selected"
    form = EntitlementForm
    list_display = [
        "code",
        "entitlement_class",
        "product_name",
        "organization",
        "status_label",
        "expiry",
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
    search_fields = ["code", "product_name", "organization__name"]
    list_select_related = ["organization"]
    date_hierarchy = "expires_at"
    autocomplete_fields = ["organization", "parent"]
    inlines = [OrderLinkInline, LicenseInline, ContractInline]
    readonly_fields = [
        "code",
        "status",
        "expiry",
        "requests",
        "cancelled_at",
        "cancellation_reason",
        "cancellation_notes",
        "created_at",
        "updated_at",
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Entitlement | None = None) -> list:
        if obj is None:
            return [(None, {"fields": DESCRIPTION}), ("Terms", {"fields": TERMS})]
        return [
            (None, {"fields": ["code", "entitlement_class", "status", *DESCRIPTION[1:]]}),
            ("Terms", {"fields": [*TERMS[:2], "expiry", *TERMS[2:]]}),
            ("Service requests", {"fields": ["requests"]}),
            (
                "Cancellation",
                {"fields": ["cancelled_at", "cancellation_reason", "cancellation_notes"]},
            ),
            ("Record", {"fields": ["created_at", "updated_at"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Entitlement | None = None) -> list:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:  # fixed at creation (see actions.UPDATABLE_FIELDS)
            fields += ["entitlement_class", "organization", "auto_created"]
        return fields

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        """Autocomplete pickers list active entitlements first (then by code)."""
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/"):
            active_first = Case(
                When(status=Entitlement.Status.ACTIVE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
            queryset = queryset.order_by(active_first, "code")
        return queryset, duplicates

    @display(description="expires", ordering="expires_at")
    def expiry(self, obj: Entitlement) -> str:
        return expiry_label(obj.expires_at, obj.status)

    @display(description="service requests")
    def requests(self, obj: Entitlement) -> str:
        return linked_requests(obj, "entitlement")


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


class UnderEntitlementAdmin(TransitionAdminMixin, ModelAdmin):
    """The admin of an object that belongs to one entitlement and takes its organization."""

    list_select_related = ["organization", "entitlement"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    requests_field = ""  # the Ticket field pointing here ("environment", "service")

    @admin.display(description="entitlement", ordering="entitlement__code")
    def entitlement_link(self, obj: Model) -> str:
        entitlement = obj.entitlement
        return format_html(
            "{} {}",
            admin_link(entitlement, entitlement.code),
            expiry_label(entitlement.expires_at, entitlement.status)
            if entitlement.expires_at
            and entitlement.expires_at - timezone.now() <= timedelta(days=EXPIRY_WARNING_DAYS)
            else "",
        )

    @display(description="service requests")
    def requests(self, obj: Model) -> str:
        return linked_requests(obj, self.requests_field)


# --- orders, licenses, contracts ----------------------------------------------------------


class OrderEntitlementInline(OrderLinkInline):
    """The same links on the order's page: its entitlements."""

    verbose_name_plural = "Entitlements"
    autocomplete_fields = ["entitlement"]
    fields = ["entitlement", "kind", "linked_at"]


class StatusLabelMixin:
    """`status_label` for list_display: the status as a coloured label."""

    @display(description="status", ordering="status", label=STATUS_VARIANTS)
    def status_label(self, obj: Model) -> tuple[str, str]:
        return obj.status, obj.get_status_display()


@admin.register(Order)
class OrderAdmin(StatusLabelMixin, ModelAdmin):
    list_display = [
        "number",
        "organization",
        "status_label",
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


class LicenseActivationInline(TabularInline):
    model = LicenseActivation
    extra = 0
    fields = ["domain", "activated_at"]
    readonly_fields = ["activated_at"]


@admin.register(License)
class LicenseAdmin(StatusLabelMixin, ModelAdmin):
    list_display = [
        "license_key",
        "product_name",
        "entitlement_link",
        "status_label",
        "activations_limit",
        "activations",
        "expiry",
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

    @display(description="expires", ordering="expires_at")
    def expiry(self, obj: License) -> str:
        return expiry_label(obj.expires_at, obj.status)


@admin.register(Contract)
class ContractAdmin(StatusLabelMixin, ModelAdmin):
    list_display = [
        "title",
        "entitlement",
        "organization",
        "status_label",
        "start_date",
        "end_date",
    ]
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
