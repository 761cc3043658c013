"""Staff back office for entitlements, orders, licenses and contracts.

Status never changes through a form: creation, edits and every transition (change-form buttons and
changelist actions) call the functions of entitlements.actions, exactly as the API does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from config.errors import DomainError
from entitlements import actions
from entitlements.models import (
    Contract,
    Entitlement,
    EntitlementStatusChange,
    License,
    LicenseActivation,
    Order,
    OrderEntitlement,
)

TRANSITION_LABELS = {
    "suspend": "Suspend",
    "reactivate": "Reactivate",
    "expire": "Expire",
    "renew": "Renew",
    "cancel": "Cancel",
    "win_back": "Win back",
}


# --- forms --------------------------------------------------------------------------------


class EntitlementActionForm(ActionForm):
    """The changelist's action bar, with the reason the transition actions record."""

    reason = forms.CharField(
        required=False,
        max_length=actions.REASON_MAX_LENGTH,
        label="Reason",
        help_text="Recorded in the history; required to cancel.",
    )


class TransitionForm(forms.Form):
    reason = forms.CharField(required=False, max_length=actions.REASON_MAX_LENGTH)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CancelForm(TransitionForm):
    reason = forms.CharField(max_length=actions.REASON_MAX_LENGTH)


class RenewForm(TransitionForm):
    expires_at = forms.SplitDateTimeField(
        required=False,
        widget=AdminSplitDateTime,
        help_text="Empty: one year after the later of now and the old expiry.",
    )


TRANSITION_FORMS: dict[str, type[TransitionForm]] = {"cancel": CancelForm, "renew": RenewForm}


class EntitlementForm(forms.ModelForm):
    """Runs the action's field rules, so a broken rule is a form error rather than a crash."""

    class Meta:
        model = Entitlement
        fields = [
            "entitlement_class",
            "product_name",
            "product_description",
            "organization",
            "company",
            "sla_tier",
            "starts_at",
            "expires_at",
            "quote_id",
            "auto_created",
            "parent",
            "metadata",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        instance = self.instance if self.instance.pk else None
        organization = data.get("organization", getattr(instance, "organization", None))
        try:
            actions.entitlement_check(
                starts_at=data.get("starts_at"),
                expires_at=data.get("expires_at"),
                parent=data.get("parent"),
                organization_id=organization.pk if organization else None,
                child=instance,
            )
        except DomainError as exc:
            raise forms.ValidationError(exc.detail) from exc
        return data


# --- inlines ------------------------------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class HistoryInline(ReadOnlyInline):
    model = EntitlementStatusChange
    verbose_name_plural = "History"
    fields = [
        "changed_at",
        "from_status",
        "to_status",
        "transition",
        "changed_by",
        "reason",
        "notes",
    ]
    readonly_fields = fields
    ordering = ["changed_at", "id"]


class OrderLinkInline(admin.TabularInline):
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
class EntitlementAdmin(admin.ModelAdmin):
    form = EntitlementForm
    change_form_template = "admin/entitlements/entitlement/change_form.html"
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
    inlines = [HistoryInline, OrderLinkInline, LicenseInline, ContractInline]
    action_form = EntitlementActionForm
    actions = [
        "suspend_selected",
        "reactivate_selected",
        "expire_selected",
        "renew_selected",
        "cancel_selected",
        "win_back_selected",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    "entitlement_class",
                    "status",
                    "product_name",
                    "product_description",
                    "organization",
                    "company",
                ]
            },
        ),
        (
            "Terms",
            {
                "fields": [
                    "sla_tier",
                    "starts_at",
                    "expires_at",
                    "quote_id",
                    "auto_created",
                    "parent",
                    "metadata",
                ]
            },
        ),
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

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an entitlement ends by cancellation, and its history stays

    def save_model(
        self, request: HttpRequest, obj: Entitlement, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            changes = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in actions.UPDATABLE_FIELDS
            }
            actions.entitlement_update(entitlement=obj, actor=request.user, **changes)
            return
        data = {
            name: form.cleaned_data[name]
            for name in EntitlementForm.Meta.fields
            if name in form.cleaned_data
        }
        created = actions.entitlement_create(actor=request.user, **data)
        # The admin goes on with `obj` (inlines, redirect): make it the row the action created.
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False

    # Change-form buttons ------------------------------------------------------------------

    def get_urls(self) -> list:
        urls = [
            path(
                "<path:object_id>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name="entitlements_entitlement_transition",
            )
        ]
        return urls + super().get_urls()

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        if obj is not None and self.has_change_permission(request, obj):
            available = {t.name for t in obj.get_available_status_transitions()}
            extra_context["entitlement_transitions"] = [
                {
                    "label": label,
                    "url": reverse(
                        "admin:entitlements_entitlement_transition", args=[obj.pk, name]
                    ),
                }
                for name, label in TRANSITION_LABELS.items()
                if name in available
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def transition_view(self, request: HttpRequest, object_id: str, name: str) -> HttpResponse:
        if name not in actions.TRANSITIONS:
            raise PermissionDenied
        entitlement = get_object_or_404(Entitlement, pk=object_id)
        if not self.has_change_permission(request, entitlement):
            raise PermissionDenied
        form_class = TRANSITION_FORMS.get(name, TransitionForm)
        form = form_class(request.POST) if request.method == "POST" else form_class()
        if request.method == "POST" and form.is_valid():
            try:
                actions.TRANSITIONS[name](
                    entitlement=entitlement, actor=request.user, **form.cleaned_data
                )
            except DomainError as exc:  # the action's own transaction is already rolled back
                self.message_user(request, exc.detail, messages.ERROR)
            else:
                self.message_user(
                    request, f"{entitlement.code}: {TRANSITION_LABELS[name].lower()} done."
                )
                return HttpResponseRedirect(
                    reverse("admin:entitlements_entitlement_change", args=[entitlement.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{TRANSITION_LABELS[name]} {entitlement.code}",
            "entitlement": entitlement,
            "form": form,
            "label": TRANSITION_LABELS[name],
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/entitlements/entitlement/transition.html", context)

    # Changelist actions -------------------------------------------------------------------

    def _run_bulk(self, request: HttpRequest, queryset: QuerySet, name: str) -> None:
        reason = (request.POST.get("reason") or "").strip()
        done: list[str] = []
        refused: list[str] = []
        for entitlement in queryset.order_by("pk"):
            try:  # each action is its own transaction: a refused row does not undo the others
                actions.TRANSITIONS[name](
                    entitlement=entitlement, actor=request.user, reason=reason
                )
            except DomainError as exc:
                refused.append(f"{entitlement.code}: {exc.detail}")
            else:
                done.append(entitlement.code)
        label = TRANSITION_LABELS[name].lower()
        if done:
            self.message_user(request, f"{label} done for {', '.join(done)}.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description="Suspend selected entitlements")
    def suspend_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_bulk(request, queryset, "suspend")

    @admin.action(description="Reactivate selected entitlements")
    def reactivate_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_bulk(request, queryset, "reactivate")

    @admin.action(description="Expire selected entitlements")
    def expire_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_bulk(request, queryset, "expire")

    @admin.action(description="Renew selected entitlements (+1 year)")
    def renew_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_bulk(request, queryset, "renew")

    @admin.action(description="Cancel selected entitlements (reason required)")
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_bulk(request, queryset, "cancel")

    @admin.action(description="Win back selected entitlements (within 90 days)")
    def win_back_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_bulk(request, queryset, "win_back")


# --- orders, licenses, contracts ----------------------------------------------------------


class OrderEntitlementInline(admin.TabularInline):
    model = OrderEntitlement
    verbose_name_plural = "Entitlements"
    extra = 0
    autocomplete_fields = ["entitlement"]
    fields = ["entitlement", "kind", "linked_at"]
    readonly_fields = ["linked_at"]


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
        url = reverse("admin:entitlements_entitlement_change", args=[obj.entitlement_id])
        return format_html('<a href="{}">{}</a>', url, obj.entitlement.code)


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
