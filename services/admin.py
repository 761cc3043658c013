"""Back office for services: search, filters, lifecycle buttons, history and a linked entitlement.

Adding goes through `service_create` and editing through `service_update`, so the admin follows
the API's rules; the status only moves through the transition buttons and bulk actions.
"""

from django.contrib import admin

from config.admin import ActionModelForm, staff_users
from config.admin_transitions import transitions_from
from entitlements.admin import UnderEntitlementAdmin, open_entitlements
from entitlements.models import EntitlementClass
from services import actions
from services.models import Service

DETAIL_FIELDS = [
    "name",
    "lifecycle",
    "description",
    "category",
    "priority",
    "start_date",
    "assigned_staff",
    "metadata",
]


class ServiceForm(ActionModelForm):
    """Staff only in assigned_staff; service_create / service_update decide the rest."""

    class Meta:
        model = Service
        fields = DETAIL_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "assigned_staff" in self.fields:  # absent when the page is read-only
            self.fields["assigned_staff"].queryset = staff_users()

    def perform(self) -> Service:
        data = {name: self.cleaned_data[name] for name in self.changed_data}
        return actions.service_update(service=self.instance, actor=self.actor, **data)


class ServiceAddForm(ServiceForm):
    """Only active SVC entitlements of an organization are offered."""

    class Meta:
        model = Service
        fields = ["entitlement", *DETAIL_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entitlement"].queryset = open_entitlements(EntitlementClass.SVC)

    def perform(self) -> Service:
        data = dict(self.cleaned_data)
        return actions.service_create(actor=self.actor, entitlement=data.pop("entitlement"), **data)


@admin.register(Service)
class ServiceAdmin(UnderEntitlementAdmin):
    transitions = transitions_from(actions.TRANSITIONS, terminal=("close", "cancel"))
    final_statuses = actions.TERMINAL  # closed or cancelled, never deleted
    requests_field = "service"
    list_display = [
        "name",
        "organization",
        "entitlement_link",
        "lifecycle",
        "status_label",
        "priority",
        "category",
        "assigned_staff",
        "start_date",
        "created_at",
    ]
    list_filter = ["status", "lifecycle", "priority", "category", "organization"]
    search_fields = ["name", "description", "category", "entitlement__code", "organization__name"]
    list_select_related = ["organization", "entitlement", "assigned_staff"]
    form = ServiceForm
    add_form = ServiceAddForm

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["entitlement", *DETAIL_FIELDS]})]
        return [
            (None, {"fields": ["entitlement_link", "organization", "status", *DETAIL_FIELDS]}),
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
            "requests",
            "created_at",
            "updated_at",
        ]
