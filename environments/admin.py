"""Back office for environments: search, filters, lifecycle buttons, history and a linked entitlement.

Adding goes through `environment_create` and editing through `environment_update`, so the admin
follows the API's rules; the status only moves through the transition buttons and bulk actions.
Decommission ends the lifecycle (a final status): it is confirmed on its own page first.
"""

from django import forms
from django.contrib import admin
from django.db import models
from unfold.decorators import display

from config.admin import ActionModelForm
from config.admin_transitions import transitions_from
from entitlements.admin import UnderEntitlementAdmin, open_entitlements
from entitlements.models import EntitlementClass
from environments import actions
from environments.models import Environment

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


class EnvironmentAddForm(ActionModelForm):
    """Only active ENV entitlements without an environment are offered; environment_create
    decides."""

    class Meta:
        model = Environment
        fields = ["entitlement", *DETAIL_FIELDS]
        formfield_callback = https_urls

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        entitlements = open_entitlements(EntitlementClass.ENV).filter(environment__isnull=True)
        self.fields["entitlement"].queryset = entitlements

    def perform(self) -> Environment:
        data = dict(self.cleaned_data)
        return actions.environment_create(
            actor=self.actor, entitlement=data.pop("entitlement"), **data
        )


class EnvironmentChangeForm(ActionModelForm):
    class Meta:
        model = Environment
        fields = DETAIL_FIELDS
        formfield_callback = https_urls

    def perform(self) -> Environment:
        data = {name: self.cleaned_data[name] for name in self.changed_data}
        return actions.environment_update(environment=self.instance, actor=self.actor, **data)


@admin.register(Environment)
class EnvironmentAdmin(UnderEntitlementAdmin):
    transitions = transitions_from(actions.TRANSITIONS, terminal=("decommission",))
    final_statuses = (Environment.Status.DECOMMISSIONED,)  # decommission, never delete
    requests_field = "environment"
    list_display = [
        "name",
        "organization",
        "entitlement_link",
        "platform",
        "environment_type",
        "status_label",
        "health_label",
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
    form = EnvironmentChangeForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    add_form = EnvironmentAddForm

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
            ("Service requests", {"fields": ["requests"]}),
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
            "requests",
            "created_at",
            "updated_at",
        ]

    @display(
        description="health",
        ordering="health",
        label={"healthy": "success", "degraded": "warning", "down": "danger"},
    )
    def health_label(self, obj: Environment) -> tuple[str, str]:
        return obj.health, obj.get_health_display()
