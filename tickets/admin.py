"""The back office of service requests: staff-only, cross-organization.

Every write goes through tickets.actions, as in the API: the add form calls ticket_create (number,
SLA times, history), the change form ticket_update, transitions are buttons and bulk actions
calling ticket_transition, new inline replies and internal notes go through ticket_reply, and
deleting calls ticket_delete (which leaves a TicketDeletion record). Forms validate by running the
action inside a savepoint that is rolled back, so a rule broken shows as a form error, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django_fsm import can_proceed

from config.errors import DomainError
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
# Action error fields (API names) → admin form fields.
FIELD_MAP = {
    "entitlement_id": "entitlement",
    "environment_id": "environment",
    "service_id": "service",
    "requester_id": "requester",
    "assignee_id": "assignee",
    "organization_id": "entitlement",
}


class _DryRun(Exception):
    """Raised to roll back a savepoint after a successful validation run."""


def validate_by_running(form: forms.Form, run: Callable[[], Any]) -> None:
    """Run an action in a savepoint that is always rolled back; its errors become form errors."""
    try:
        with transaction.atomic():
            run()
            raise _DryRun
    except _DryRun:
        pass
    except DomainError as exc:
        field = next(iter(getattr(exc, "fields", None) or {}), None)
        field = FIELD_MAP.get(field, field)
        form.add_error(field if field in form.fields else None, exc.detail)


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
        from accounts.models import User

        staff = User.objects.filter(is_staff=True, is_active=True).order_by("email")
        return [("none", "Unassigned"), *[(str(u.pk), u.get_full_name()) for u in staff]]

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
        return obj is not None and obj.status not in actions.TERMINAL and request.user.is_staff


class HistoryInline(admin.TabularInline):
    model = TicketStatusChange
    fields = ["from_status", "to_status", "transition", "changed_at", "changed_by", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "status history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# --- forms -----------------------------------------------------------------------------------


class TicketAddForm(forms.ModelForm):
    """Create against any entitlement, or an environment or service (which implies it)."""

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
        self.actor = kwargs.pop("actor", None)
        super().__init__(*args, **kwargs)
        for name in ("entitlement", "requester"):
            self.fields[name].required = False

    def _post_clean(self) -> None:
        pass  # the action validates and builds the row, not construct_instance/full_clean

    def create_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "actor": self.actor,
            "title": data.get("title"),
            "description": data.get("description"),
            "priority": data.get("priority"),
            "entitlement": data.get("entitlement"),
            "environment": data.get("environment"),
            "service": data.get("service"),
            "requester": data.get("requester"),
            "category": data.get("category"),
            "source": Ticket.Source.ADMIN,
        }

    def create(self) -> Ticket:
        ticket = actions.ticket_create(**self.create_kwargs())
        if self.cleaned_data.get("assignee"):
            ticket = actions.ticket_assign(
                ticket=ticket, actor=self.actor, assignee=self.cleaned_data["assignee"]
            )
        return ticket

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors:
            validate_by_running(self, self.create)
        return data


class TicketChangeForm(forms.ModelForm):
    class Meta:
        model = Ticket
        fields = ["title", "description", "priority", "due_at", "assignee", "category"]

    def __init__(self, *args, **kwargs) -> None:
        self.actor = kwargs.pop("actor", None)
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in actions.UPDATABLE_FIELDS and name in self.cleaned_data
        }

    def update(self) -> Ticket:
        return actions.ticket_update(ticket=self.instance, actor=self.actor, **self.changes())

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and self.changes():
            validate_by_running(self, self.update)
        return data


def _with_actor(form_class: type[forms.ModelForm], actor) -> type[forms.ModelForm]:
    class WithActor(form_class):
        def __init__(self, *args, **kwargs) -> None:
            kwargs["actor"] = actor
            super().__init__(*args, **kwargs)

    WithActor.__name__ = form_class.__name__
    return WithActor


# --- the ticket admin ------------------------------------------------------------------------


def _bulk_transition(name: str):
    def run(modeladmin: TicketAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        done, failed = 0, []
        for ticket in queryset:
            try:
                with transaction.atomic():
                    actions.ticket_transition(ticket=ticket, name=name, actor=request.user)
                done += 1
            except DomainError as exc:
                failed.append(f"{ticket.number}: {exc.detail}")
        if done:
            modeladmin.message_user(request, f"{TRANSITION_LABELS[name]}: {done} request(s).")
        for line in failed:
            modeladmin.message_user(request, line, level=messages.WARNING)

    run.__name__ = f"bulk_{name}"
    run.short_description = f"{TRANSITION_LABELS[name]} the selected requests"
    return run


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
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
    inlines = [ReplyInline, HistoryInline]
    actions = [_bulk_transition("start"), _bulk_transition("resolve"), _bulk_transition("close")]
    change_form_template = "admin/tickets/ticket/change_form.html"
    readonly_fields = [
        "number",
        "status",
        "sla",
        "organization",
        "entitlement",
        "environment",
        "service",
        "requester",
        "source",
        "response_due_at",
        "resolution_due_at",
        "first_response_at",
        "paused_at",
        "paused_seconds",
        "resolved_at",
        "closed_at",
        "resolution_type",
        "resolution_subject",
        "rating",
        "rating_comment",
        "rated_by",
        "created_at",
        "updated_at",
    ]
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
        return [] if obj is None else self.inlines

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = _with_actor(
            TicketAddForm if obj is None else TicketChangeForm, request.user
        )
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            from accounts.models import User

            kwargs["queryset"] = User.objects.filter(is_staff=True, is_active=True)
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

    def save_model(self, request, obj, form, change) -> None:
        ticket = form.update() if change else form.create()
        # The admin continues with `obj` (log entry, redirect, inlines): make it the saved row.
        obj.__dict__.update({k: v for k, v in ticket.__dict__.items() if k != "_state"})
        obj._state.adding, obj._state.db = False, ticket._state.db

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

    # Transition buttons on the change form.

    def get_urls(self):
        return [
            path(
                "<int:pk>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="tickets_ticket_transition",
            ),
            *super().get_urls(),
        ]

    def transition_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        ticket = get_object_or_404(Ticket, pk=pk)
        if not self.has_change_permission(request, ticket):
            return HttpResponse(status=403)
        name = request.POST.get("transition", "")
        try:
            ticket = actions.ticket_transition(
                ticket=ticket, name=name, actor=request.user, reason=request.POST.get("reason", "")
            )
        except DomainError as exc:
            self.message_user(request, exc.detail, level=messages.ERROR)
        else:
            self.message_user(request, f"{ticket.number} is now {ticket.get_status_display()}.")
        return HttpResponseRedirect(reverse("admin:tickets_ticket_change", args=[pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        ticket = Ticket.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if ticket is not None:
            extra_context["transitions"] = [
                (name, TRANSITION_LABELS[name])
                for name in actions.TRANSITIONS
                if can_proceed(getattr(ticket, name))
            ]
            extra_context["transition_url"] = reverse(
                "admin:tickets_ticket_transition", args=[ticket.pk]
            )
        return super().change_view(request, object_id, form_url, extra_context)


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


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Reply)
class ReplyAdmin(ReadOnlyAdmin):
    """Every reply across tickets; replies are written on the ticket (through ticket_reply)."""

    list_display = ["ticket", "author", "internal", "created_at"]
    list_filter = ["internal", ("ticket__organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["message", "ticket__number", "author__email"]
    list_select_related = ["ticket", "author"]


@admin.register(TicketStatusChange)
class TicketStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["subject", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["to_status", "transition"]
    search_fields = ["subject__number", "reason"]
    list_select_related = ["subject", "changed_by"]


@admin.register(SlaBreach)
class SlaBreachAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "due_at", "recorded_at"]
    list_filter = ["kind", ("ticket__organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket"]


@admin.register(TicketDeletion)
class TicketDeletionAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "organization_id", "status", "deleted_by", "deleted_at"]
    list_filter = ["status"]
    search_fields = ["number", "title", "entitlement_code"]
    list_select_related = ["deleted_by"]
