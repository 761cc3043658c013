"""Back office for services: search, filters, lifecycle buttons, history and a linked entitlement.

Adding goes through `service_create` and editing through `service_update`, so the admin follows
the API's rules; the status only moves through the transition buttons and bulk actions.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from accounts.models import User
from config.errors import DomainError
from entitlements.models import Entitlement, EntitlementClass
from environments.admin_transitions import (
    ReadOnlyHistoryInline,
    TransitionAdminMixin,
    admin_link,
)
from services import actions
from services.models import Service, ServiceStatusChange

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


def _staff_only(form: forms.ModelForm) -> None:
    if "assigned_staff" in form.fields:  # absent when the page is read-only
        form.fields["assigned_staff"].queryset = User.objects.filter(is_staff=True, is_active=True)


class ServiceAddForm(forms.ModelForm):
    """Only active SVC entitlements of an organization are offered; the action re-checks."""

    class Meta:
        model = Service
        fields = ["entitlement", *DETAIL_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entitlement"].queryset = (
            Entitlement.objects.filter(
                entitlement_class=EntitlementClass.SVC,
                status=Entitlement.Status.ACTIVE,
                organization__isnull=False,
            )
            .select_related("organization")
            .order_by("code")
        )
        _staff_only(self)

    def clean_entitlement(self):
        entitlement = self.cleaned_data["entitlement"]
        try:
            actions.check_entitlement_for_service(entitlement)
        except DomainError as exc:
            raise ValidationError(exc.detail) from exc
        return entitlement


class ServiceChangeForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = DETAIL_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _staff_only(self)

    def clean(self):
        cleaned = super().clean()
        changes = {name: cleaned[name] for name in self.changed_data if name in cleaned}
        if not self.instance.pk:
            return cleaned
        try:
            # The instance already holds the new values; check against the stored row.
            actions.check_service_update(Service.objects.get(pk=self.instance.pk), changes)
        except DomainError as exc:
            raise ValidationError(exc.detail) from exc
        return cleaned


class ServiceHistoryInline(ReadOnlyHistoryInline):
    model = ServiceStatusChange


@admin.register(Service)
class ServiceAdmin(TransitionAdminMixin, admin.ModelAdmin):
    transitions = actions.TRANSITIONS
    subject_kwarg = "service"
    list_display = [
        "name",
        "organization",
        "entitlement_link",
        "lifecycle",
        "status",
        "priority",
        "category",
        "assigned_staff",
        "start_date",
        "created_at",
    ]
    list_filter = ["status", "lifecycle", "priority", "category", "organization"]
    search_fields = ["name", "description", "category", "entitlement__code", "organization__name"]
    list_select_related = ["organization", "entitlement", "assigned_staff"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    inlines = [ServiceHistoryInline]
    form = ServiceChangeForm
    add_form = ServiceAddForm

    @admin.display(description="entitlement", ordering="entitlement__code")
    def entitlement_link(self, obj: Service) -> str:
        return admin_link(obj.entitlement, obj.entitlement.code)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = self.add_form if obj is None else self.form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["entitlement", *DETAIL_FIELDS]})]
        return [
            (None, {"fields": ["entitlement_link", "organization", "status", *DETAIL_FIELDS]}),
            ("Dates", {"fields": ["created_at", "updated_at"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["entitlement_link", "organization", "status", "created_at", "updated_at"]

    def get_inlines(self, request, obj=None):
        return self.inlines if obj is not None else []

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status in actions.TERMINAL:
            return False  # terminal: the page is read-only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # cancel instead: the history stays

    def save_model(self, request, obj, form, change):
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data}
            saved = actions.service_update(service=obj, actor=request.user, **data)
        else:
            data = {k: v for k, v in form.cleaned_data.items() if k != "entitlement"}
            saved = actions.service_create(
                actor=request.user, entitlement=form.cleaned_data["entitlement"], **data
            )
        obj.pk = saved.pk
        obj._state.adding = False
