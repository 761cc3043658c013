"""Back office for environments: search, filters, lifecycle buttons, history and a linked entitlement.

Adding goes through `environment_create` and editing through `environment_update`, so the admin
follows the API's rules; the status only moves through the transition buttons and bulk actions.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models

from config.errors import DomainError
from entitlements.models import Entitlement, EntitlementClass
from environments import actions
from environments.admin_transitions import (
    ReadOnlyHistoryInline,
    TransitionAdminMixin,
    admin_link,
)
from environments.models import Environment, EnvironmentStatusChange

DETAIL_FIELDS = [
    "name",
    "platform",
    "environment_type",
    "url",
    "admin_url",
    "platform_version",
    "hosting_provider",
    "region",
    "backup_schedule",
    "backup_retention_days",
    "health",
    "metadata",
]


def https_urls(field: models.Field, **kwargs) -> forms.Field | None:
    """Form fields as Django builds them, with URLs assumed to be https (Django 6's default)."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class EnvironmentAddForm(forms.ModelForm):
    """Only active ENV entitlements without an environment are offered; the action re-checks."""

    class Meta:
        model = Environment
        fields = ["entitlement", *DETAIL_FIELDS]
        formfield_callback = https_urls

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entitlement"].queryset = (
            Entitlement.objects.filter(
                entitlement_class=EntitlementClass.ENV,
                status=Entitlement.Status.ACTIVE,
                organization__isnull=False,
                environment__isnull=True,
            )
            .select_related("organization")
            .order_by("code")
        )

    def clean_entitlement(self):
        entitlement = self.cleaned_data["entitlement"]
        try:
            actions.check_entitlement_for_environment(entitlement)
        except DomainError as exc:
            raise ValidationError(exc.detail) from exc
        return entitlement


class EnvironmentChangeForm(forms.ModelForm):
    class Meta:
        model = Environment
        fields = DETAIL_FIELDS
        formfield_callback = https_urls


class EnvironmentHistoryInline(ReadOnlyHistoryInline):
    model = EnvironmentStatusChange


@admin.register(Environment)
class EnvironmentAdmin(TransitionAdminMixin, admin.ModelAdmin):
    transitions = actions.TRANSITIONS
    subject_kwarg = "environment"
    list_display = [
        "name",
        "organization",
        "entitlement_link",
        "platform",
        "environment_type",
        "status",
        "health",
        "url",
        "created_at",
    ]
    list_filter = ["status", "platform", "environment_type", "health", "organization"]
    search_fields = [
        "name",
        "url",
        "admin_url",
        "entitlement__code",
        "organization__name",
        "hosting_provider",
        "region",
    ]
    list_select_related = ["organization", "entitlement"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    inlines = [EnvironmentHistoryInline]
    form = EnvironmentChangeForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    add_form = EnvironmentAddForm

    @admin.display(description="entitlement", ordering="entitlement__code")
    def entitlement_link(self, obj: Environment) -> str:
        return admin_link(obj.entitlement, obj.entitlement.code)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = self.add_form if obj is None else self.form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": ["entitlement", "name", "platform", "environment_type", "url"]}),
                ("Operations", {"fields": DETAIL_FIELDS[4:]}),
            ]
        return [
            (
                None,
                {
                    "fields": [
                        "entitlement_link",
                        "organization",
                        "status",
                        "suspended_manually",
                        "name",
                        "platform",
                        "environment_type",
                        "url",
                    ]
                },
            ),
            ("Operations", {"fields": DETAIL_FIELDS[4:]}),
            ("Dates", {"fields": ["created_at", "updated_at"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "entitlement_link",
            "organization",
            "status",
            "suspended_manually",
            "created_at",
            "updated_at",
        ]

    def get_inlines(self, request, obj=None):
        return self.inlines if obj is not None else []

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status == Environment.Status.DECOMMISSIONED:
            return False  # terminal: the page is read-only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # decommission instead: the history stays

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            saved = actions.environment_update(environment=obj, actor=request.user, **data)
        else:
            data = {k: v for k, v in form.cleaned_data.items() if k != "entitlement"}
            saved = actions.environment_create(
                actor=request.user, entitlement=form.cleaned_data["entitlement"], **data
            )
        obj.pk = saved.pk
        obj._state.adding = False
