"""The back office of service requests: staff-only, cross-organization.

Every write goes through tickets.actions, as in the API, and runs once: the add form calls
ticket_create (number, SLA times, history) and ticket_assign, the change form ticket_update, each
while the form validates, so a broken rule is a form error (config.admin.ActionModelForm);
transitions are buttons and bulk actions calling ticket_transition (config.admin_transitions);
new inline replies and internal notes go through ticket_reply, and deleting calls ticket_delete
(which leaves a TicketDeletion record).
"""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from accounts.models import User
from accounts.tenancy import is_staff, live_memberships
from config.admin import ActionModelForm, ReadOnlyAdminMixin, staff_users
from config.admin_transitions import ReasonForm, Transition, TransitionAdminMixin
from tickets import actions
from tickets.models import (
    Reply,
    SlaBreach,
    SlaTarget,
    Ticket,
    TicketCategory,
    TicketDeletion,
    TicketStatusChange,
)
from tickets.sla import SLA_STATUSES, current_sla_status

SLA_COLOURS = {
    "on_track": "#2e7d32",
    "at_risk": "#ef6c00",
    "breached": "#c62828",
    "paused": "#546e7a",
    "met": "#00796b",
    "none": "#9e9e9e",
}
TRANSITION_LABELS = {
    "start": "Start work",
    "wait": "Wait for client",
    "resolve": "Resolve",
    "close": "Close",
    "cancel": "Cancel request",
    "reopen": "Reopen",
}
TRANSITIONS = {
    name: Transition(
        partial(actions.ticket_transition, name=name),
        label,
        bulk=name in ("start", "resolve", "close"),
    )
    for name, label in TRANSITION_LABELS.items()
}


class TicketReasonForm(ReasonForm):
    reason = forms.CharField(required=False, max_length=2000)


# --- list filters ----------------------------------------------------------------------------


class SlaStatusFilter(admin.SimpleListFilter):
    title = "SLA status"
    parameter_name = "sla_status"

    def lookups(self, request, model_admin):
        return [(s, s.replace("_", " ")) for s in SLA_STATUSES]

    def queryset(self, request, queryset):
        if self.value() in SLA_STATUSES:
            return queryset.filter(sla_status=self.value())
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue(timezone.now())
        if self.value() == "no":
            overdue = Ticket.objects.overdue(timezone.now()).values("pk")
            return queryset.exclude(pk__in=overdue)
        return queryset


class StaffAssigneeFilter(admin.SimpleListFilter):
    title = "assignee"
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        staff = [(str(u.pk), u.get_full_name()) for u in staff_users()]
        return [("none", "Unassigned"), *staff]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        if self.value() and self.value().isdigit():
            return queryset.filter(assignee_id=int(self.value()))
        return queryset


# --- inlines ---------------------------------------------------------------------------------


class ReplyFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        new = [f for f in self.forms if f.instance.pk is None and f.has_changed()]
        if new and self.instance.status in actions.TERMINAL:
            raise forms.ValidationError(
                f"A {self.instance.status} service request takes no more replies."
            )


class ReplyInline(admin.StackedInline):
    """The conversation, oldest first; new replies (public or internal notes) via ticket_reply."""

    model = Reply
    formset = ReplyFormSet
    fields = ["message", "internal", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    extra = 1
    can_delete = False
    verbose_name = "reply or internal note"
    verbose_name_plural = "conversation (internal notes are never shown to clients)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author").order_by("created_at", "id")

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # what was said stays said

    def has_add_permission(self, request, obj=None) -> bool:
        return obj is not None and obj.status not in actions.TERMINAL and is_staff(request.user)


# --- forms -----------------------------------------------------------------------------------


class TicketAddForm(ActionModelForm):
    """Create against any entitlement, or an environment or service (which implies it)."""

    validate_model = False  # ticket_create validates and builds the row
    error_fields = {"organization_id": "entitlement"}

    class Meta:
        model = Ticket
        fields = [
            "entitlement",
            "environment",
            "service",
            "requester",
            "title",
            "description",
            "priority",
            "category",
            "assignee",
        ]
        help_texts = {
            "entitlement": "Or leave empty and name an environment or a service.",
            "requester": "Defaults to you; otherwise a member of the organization.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("entitlement", "requester"):
            self.fields[name].required = False
        # Live members only; ticket_create checks the organization is the ticket's.
        members = live_memberships().values("user_id")
        self.fields["requester"].queryset = User.objects.filter(pk__in=members)

    def perform(self) -> Ticket:
        data = self.cleaned_data
        created = {name: data.get(name) for name in self.Meta.fields if name != "assignee"}
        ticket = actions.ticket_create(actor=self.actor, source=Ticket.Source.ADMIN, **created)
        if data.get("assignee"):
            ticket = actions.ticket_assign(
                ticket=ticket, actor=self.actor, assignee=data["assignee"]
            )
        return ticket


class TicketChangeForm(ActionModelForm):
    class Meta:
        model = Ticket
        fields = ["title", "description", "priority", "due_at", "assignee", "category"]

    def perform(self) -> Ticket:
        changes = {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in actions.UPDATABLE_FIELDS and name in self.cleaned_data
        }
        return actions.ticket_update(ticket=self.instance, actor=self.actor, **changes)


# --- the ticket admin ------------------------------------------------------------------------


@admin.register(Ticket)
class TicketAdmin(TransitionAdminMixin, admin.ModelAdmin):
    transitions = TRANSITIONS
    transition_form = TicketReasonForm
    bulk_name = "bulk_{}"
    deletable = True  # through ticket_delete, which keeps a TicketDeletion record
    form = TicketChangeForm
    add_form = TicketAddForm
    list_display = [
        "number",
        "title",
        "organization",
        "entitlement_code",
        "status",
        "priority",
        "sla",
        "assignee",
        "age",
    ]
    list_filter = [
        "status",
        "priority",
        SlaStatusFilter,
        StaffAssigneeFilter,
        ("organization", admin.RelatedOnlyFieldListFilter),
        OverdueFilter,
        "source",
        "category",
    ]
    search_fields = ["number", "title", "entitlement__code"]
    list_select_related = ["organization", "entitlement", "assignee"]
    list_per_page = 50
    date_hierarchy = "created_at"
    raw_id_fields = ["entitlement", "environment", "service", "requester"]
    inlines = [ReplyInline]
    change_fieldsets = [
        (None, {"fields": ["number", "status", "sla", "title", "description", "priority"]}),
        (
            "Ownership",
            {
                "fields": [
                    "organization",
                    "entitlement",
                    "environment",
                    "service",
                    "requester",
                    "assignee",
                    "category",
                    "source",
                ]
            },
        ),
        (
            "SLA clock",
            {
                "fields": [
                    "due_at",
                    "response_due_at",
                    "first_response_at",
                    "resolution_due_at",
                    "resolved_at",
                    "closed_at",
                    "paused_at",
                    "paused_seconds",
                ]
            },
        ),
        (
            "Resolution and rating",
            {
                "classes": ["collapse"],
                "fields": [
                    "resolution_type",
                    "resolution_subject",
                    "rating",
                    "rating_comment",
                    "rated_by",
                    "created_at",
                    "updated_at",
                ],
            },
        ),
    ]
    # Everything the change page shows but the change form does not edit.
    readonly_fields = [
        name
        for _title, group in change_fieldsets
        for name in group["fields"]
        if name not in TicketChangeForm.Meta.fields
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_sla_status(timezone.now())

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": TicketAddForm.Meta.fields})]
        return self.change_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.status in actions.TERMINAL:  # a closed or cancelled request is a record
            return [*self.readonly_fields, *TicketChangeForm.Meta.fields]
        return self.readonly_fields

    def get_inlines(self, request, obj):
        return [] if obj is None else super().get_inlines(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            kwargs["queryset"] = staff_users()
        if db_field.name == "category":
            kwargs["queryset"] = TicketCategory.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Entitlement", ordering="entitlement__code")
    def entitlement_code(self, obj: Ticket) -> str:
        return obj.entitlement.code

    @admin.display(description="SLA", ordering="sla_status")
    def sla(self, obj: Ticket) -> str:
        status = current_sla_status(obj)
        return format_html(
            '<span style="color:#fff;background:{};padding:1px 7px;border-radius:9px;'
            'white-space:nowrap">{}</span>',
            SLA_COLOURS.get(status, "#9e9e9e"),
            status.replace("_", " "),
        )

    @admin.display(description="Age", ordering="created_at")
    def age(self, obj: Ticket) -> str:
        seconds = int((timezone.now() - obj.created_at).total_seconds())
        days, rest = divmod(max(seconds, 0), 86400)
        if days:
            return f"{days}d {rest // 3600}h"
        return f"{rest // 3600}h {rest % 3600 // 60}m"

    # Writes: always through the actions.

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not Reply:
            return super().save_formset(request, form, formset, change)
        created = []
        for reply_form in formset.forms:
            if reply_form.instance.pk is not None or not reply_form.has_changed():
                continue
            created.append(
                actions.ticket_reply(
                    ticket=form.instance,
                    author=request.user,
                    message=reply_form.cleaned_data["message"],
                    internal=reply_form.cleaned_data.get("internal", False),
                )
            )
        formset.new_objects, formset.changed_objects, formset.deleted_objects = created, [], []
        return None

    def get_deleted_objects(self, objs, request):
        # Replies, history and breaches go with their ticket (ticket_delete); their own admins
        # are read-only, which must not block deleting the ticket.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        owned = {m._meta.verbose_name for m in (Reply, TicketStatusChange, SlaBreach)}
        return deleted, counts, perms_needed - owned, protected

    def delete_model(self, request, obj) -> None:
        actions.ticket_delete(ticket=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for ticket in queryset:
            actions.ticket_delete(ticket=ticket, actor=request.user)


# --- tables staff edit and read-only records ---------------------------------------------------


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    list_display = ["tier", "priority", "first_response_minutes", "resolution_minutes"]
    list_editable = ["first_response_minutes", "resolution_minutes"]
    list_filter = ["tier", "priority"]
    search_fields = ["tier", "priority"]
    ordering = ["tier", "priority"]


@admin.register(TicketCategory)
class TicketCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Reply)
class ReplyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every reply across tickets; replies are written on the ticket (through ticket_reply)."""

    list_display = ["ticket", "author", "internal", "created_at"]
    list_filter = ["internal", ("ticket__organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["message", "ticket__number", "author__email"]
    list_select_related = ["ticket", "author"]


@admin.register(TicketStatusChange)
class TicketStatusChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["subject", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["to_status", "transition"]
    search_fields = ["subject__number", "reason"]
    list_select_related = ["subject", "changed_by"]


@admin.register(SlaBreach)
class SlaBreachAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["ticket", "kind", "due_at", "recorded_at"]
    list_filter = ["kind", ("ticket__organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket"]


@admin.register(TicketDeletion)
class TicketDeletionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "title", "organization_id", "status", "deleted_by", "deleted_at"]
    list_filter = ["status"]
    search_fields = ["number", "title", "entitlement_code"]
    list_select_related = ["deleted_by"]
