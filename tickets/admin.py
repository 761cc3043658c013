"""The back office of service requests: staff-only, cross-organization, an agent's workspace.

- The queue (changelist): one-click views (?queue=mine|unassigned|breaching|waiting|open), urgency
  order by default, a due countdown, titles cut with an ellipsis, search by number, title,
  entitlement code, organization name and requester e-mail, bulk assign and transitions
  (tickets.admin_queue).
- The workspace (change page): the conversation as a thread and ONE form holding the composer,
  the fields and the transition buttons (tickets.admin_workspace).
- The add page: pickers and a required requester (tickets.admin_create).

Every write goes through tickets.actions, once, in the page's transaction: ticket_create and
ticket_assign on the add page, ticket_update / ticket_assign / ticket_reply / ticket_transition
on the workspace, ticket_transition for the bulk actions, ticket_delete for deletion.
"""

from __future__ import annotations

import re
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.contrib.filters.admin import AutocompleteSelectFilter

from accounts.models import Organization, User
from config.admin import ModelAdmin, staff_users
from config.admin_transitions import (
    ReasonForm,
    Transition,
    TransitionAdminMixin,
    history_inline,
)
from config.errors import DomainError
from entitlements.models import Entitlement
from tickets import actions
from tickets import admin_records as _records  # noqa: F401  (registers the tables of records)
from tickets.admin_create import CREATE_FIELDS, Picker, TicketAddForm, pick_view
from tickets.admin_queue import (
    PRIORITY_KINDS,
    SLA_KINDS,
    SLA_LABELS,
    STATUS_KINDS,
    CappedPaginator,
    QueueFilter,
    TicketActionForm,
    annotate_queue,
    due_html,
    label,
    sla_rank,
    staff_zone,
    urgency_order,
)
from tickets.admin_workspace import (
    DRAFT_KEY,
    TRANSITION_LABELS,
    TicketWorkspaceForm,
    workspace_context,
)
from tickets.expressions import nearest_due, priority_rank
from tickets.models import Reply, SlaBreach, Ticket, TicketCategory, TicketStatusChange
from tickets.sla import SLA_STATUSES, current_sla_status

# The changelist's bulk actions, said as a sentence.
BULK_LABELS = {
    "start": gettext_lazy("Start work on the selected requests"),
    "wait": gettext_lazy("Wait for the client on the selected requests"),
    "resolve": gettext_lazy("Resolve the selected requests"),
    "close": gettext_lazy("Close the selected requests"),
}
TRANSITIONS = {
    name: Transition(
        partial(actions.ticket_transition, name=name),
        str(label_),
        bulk=name in BULK_LABELS,
    )
    for name, label_ in TRANSITION_LABELS.items()
}
PICKERS = ("entitlement", "environment", "service", "requester")
NUMBER = re.compile(r"SR-\d{6,}", re.IGNORECASE)  # a whole request number


class TicketReasonForm(ReasonForm):
    reason = forms.CharField(required=False, max_length=2000)


class TicketHistoryInline(history_inline(Ticket)):
    """The status history in words ("In progress", "Start work"), not codes."""

    fields = ["changed_at", "from_label", "to_label", "move", "changed_by", "reason", "notes"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("From"))
    def from_label(self, row) -> str:
        return dict(Ticket.Status.choices).get(row.from_status, row.from_status or "—")

    @admin.display(description=gettext_lazy("To"))
    def to_label(self, row) -> str:
        return dict(Ticket.Status.choices).get(row.to_status, row.to_status)

    @admin.display(description=gettext_lazy("Transition"))
    def move(self, row) -> str:
        if row.transition == "create":
            return _("Opened")
        return str(TRANSITION_LABELS.get(row.transition, row.transition))


# --- list filters ----------------------------------------------------------------------------


class SlaStatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("SLA status")
    parameter_name = "sla_status"

    def lookups(self, request, model_admin):
        return [(s, SLA_LABELS[s]) for s in SLA_STATUSES]

    def queryset(self, request, queryset):
        if self.value() in SLA_STATUSES:
            return queryset.filter(sla_status=self.value())
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue(timezone.now())
        if self.value() == "no":
            overdue = Ticket.objects.overdue(timezone.now()).values("pk")
            return queryset.exclude(pk__in=overdue)
        return queryset


class StaffAssigneeFilter(admin.SimpleListFilter):
    title = gettext_lazy("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        staff = [(str(u.pk), u.get_full_name() or u.email) for u in staff_users()]
        return [("none", _("Unassigned")), *staff]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        if self.value() and self.value().isdigit():
            return queryset.filter(assignee_id=int(self.value()))
        return queryset


# --- the service request admin ---------------------------------------------------------------


@admin.register(Ticket)
class TicketAdmin(TransitionAdminMixin, ModelAdmin):
    transitions = TRANSITIONS
    transition_form = TicketReasonForm
    bulk_name = "bulk_{}"
    deletable = True  # through ticket_delete, which keeps a TicketDeletion record
    final_statuses = (Ticket.Status.CLOSED, Ticket.Status.CANCELLED)  # records from then on
    form = TicketWorkspaceForm
    add_form = TicketAddForm
    action_form = TicketActionForm
    change_form_template = "admin/tickets/ticket/change_form.html"
    list_before_template = "admin/tickets/ticket/queue_tabs.html"
    actions = ["assign_to_me", "assign_to"]
    list_display = [
        "number_link",
        "title_cell",
        "status_label",
        "priority_label",
        "sla",
        "due",
        "assignee_name",
    ]
    list_display_links = None
    list_filter = [
        QueueFilter,
        "status",
        "priority",
        SlaStatusFilter,
        StaffAssigneeFilter,
        ("organization", AutocompleteSelectFilter),  # thousands: typed, never listed
        OverdueFilter,
        "source",
        "category",
    ]
    search_fields = [
        "number",
        "title",
        "entitlement__code",
        "organization__name",
        "requester__email",
    ]
    search_help_text = gettext_lazy(
        "Number, title, entitlement code, organization name or requester e-mail."
    )
    list_select_related = ["organization", "entitlement", "assignee"]
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedPaginator
    list_fullwidth = True
    compressed_fields = False  # the workspace's side panel: labels above the fields
    fieldsets = [
        (
            gettext_lazy("Request"),
            {"fields": ["title", "priority", "assignee", "category", "due_at"]},
        ),
        (
            gettext_lazy("Edit the description"),
            {"classes": ["collapse"], "fields": ["description"]},
        ),
    ]

    class Media:
        css = {"all": ["backoffice/workspace.css"]}
        js = ["backoffice/workspace.js"]

    # The queue -------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return annotate_queue(super().get_queryset(request), timezone.now())

    def get_ordering(self, request: HttpRequest) -> list:
        return urgency_order()

    def get_search_results(self, request, queryset, search_term):
        """A request number finds that request by its unique index; other words search the
        title and, through their own (small) tables, entitlement codes, organization names and
        requester e-mails: id lists, not joins over every request."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if NUMBER.fullmatch(term):
            return queryset.filter(number=term.upper()), False
        entitlements = Entitlement.objects.filter(code__icontains=term).values("pk")
        organizations = Organization.objects.filter(name__icontains=term).values("pk")
        requesters = User.objects.filter(email__icontains=term).values("pk")
        found = (
            Q(number__icontains=term)
            | Q(title__icontains=term)
            | Q(entitlement_id__in=entitlements)
            | Q(organization_id__in=organizations)
            | Q(requester_id__in=requesters)
        )
        return queryset.filter(found), False

    def changelist_view(self, request, extra_context=None):
        with timezone.override(staff_zone(request.user)):  # due times in the reader's zone
            response = super().changelist_view(request, extra_context)
            context = getattr(response, "context_data", None) or {}
            if "cl" in context:  # j/k in the workspace walk this page of the queue
                request.session["workspace-queue"] = [t.pk for t in context["cl"].result_list]
            if hasattr(response, "render"):
                response.render()
        return response

    @admin.display(description=gettext_lazy("Number"), ordering="number")
    def number_link(self, obj: Ticket) -> str:
        url = reverse("admin:tickets_ticket_change", args=[obj.pk])
        return format_html('<a class="bo-number" href="{}">{}</a>', url, obj.number)

    @admin.display(description=gettext_lazy("Request"), ordering="title")
    def title_cell(self, obj: Ticket) -> str:
        url = reverse("admin:tickets_ticket_change", args=[obj.pk])
        return format_html(
            '<a class="bo-title" href="{}" title="{}">{}</a>'
            '<span class="bo-sub" title="{} · {}">{} · {}</span>',
            url,
            obj.title,
            obj.title,
            obj.organization.name,
            obj.entitlement.code,
            obj.organization.name,
            obj.entitlement.code,
        )

    @admin.display(description=gettext_lazy("Status"), ordering="status")
    def status_label(self, obj: Ticket) -> str:
        return label(obj.get_status_display(), STATUS_KINDS.get(obj.status, "default"))

    @admin.display(description=gettext_lazy("Priority"), ordering=priority_rank())
    def priority_label(self, obj: Ticket) -> str:
        return label(obj.get_priority_display(), PRIORITY_KINDS.get(obj.priority, "default"))

    @admin.display(description=gettext_lazy("SLA"), ordering=sla_rank())
    def sla(self, obj: Ticket) -> str:
        status = current_sla_status(obj)
        return label(SLA_LABELS.get(status, status), SLA_KINDS.get(status, "default"))

    @admin.display(description=gettext_lazy("Due"), ordering=nearest_due())
    def due(self, obj: Ticket) -> str:
        if obj.status not in (Ticket.Status.OPEN, Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING):
            return "—"
        return due_html(obj.nearest_due, timezone.now(), paused=obj.paused_at is not None)

    @admin.display(description=gettext_lazy("Assignee"), ordering="assignee__email")
    def assignee_name(self, obj: Ticket) -> str:
        if obj.assignee is None:
            return format_html('<span class="bo-muted">{}</span>', _("Unassigned"))
        user = obj.assignee
        return format_html(
            '<span class="bo-person" title="{}">{}</span>',
            user.email,
            user.get_full_name() or user.email,
        )

    # Bulk actions ------------------------------------------------------------------------------

    def _bulk_action(self, name: str, spec: Transition):
        bulk = super()._bulk_action(name, spec)
        bulk.short_description = BULK_LABELS.get(name, spec.label)
        return bulk

    def _assign_all(self, request: HttpRequest, queryset: QuerySet, assignee) -> None:
        done, refused = [], []
        for ticket in queryset.order_by("pk"):
            try:
                with transaction.atomic():
                    actions.ticket_assign(ticket=ticket, actor=request.user, assignee=assignee)
            except DomainError as exc:
                refused.append(f"{ticket.number}: {exc.detail}")
            else:
                done.append(ticket.number)
        if done:
            who = assignee.get_full_name() or assignee.email
            self.message_user(
                request,
                _("Assigned to %(who)s: %(numbers)s.") % {"who": who, "numbers": ", ".join(done)},
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description=gettext_lazy("Assign the selected requests to me"))
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._assign_all(request, queryset, request.user)

    @admin.action(description=gettext_lazy("Assign the selected requests to… (choose the person)"))
    def assign_to(self, request: HttpRequest, queryset: QuerySet) -> None:
        form = TicketActionForm(request.POST)
        form.fields["action"].choices = self.get_action_choices(request)
        assignee = form["assignee"].field.clean(request.POST.get("assignee") or None)
        if assignee is None:
            self.message_user(request, _("Choose the person in “Assign to” first."), messages.ERROR)
            return
        self._assign_all(request, queryset, assignee)

    # The workspace and the add page -------------------------------------------------------------

    def get_urls(self) -> list:
        pick = self.admin_site.admin_view(pick_view)
        return [path("pick/<str:kind>/", pick, name="tickets_ticket_pick"), *super().get_urls()]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": [*CREATE_FIELDS, "assignee"]}),
                (
                    _("Only for an inactive entitlement"),
                    {"fields": ["confirm_inactive", "inactive_reason"]},
                ),
            ]
        return self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status in actions.TERMINAL:  # a record now
            return TicketWorkspaceForm.Meta.fields
        return []

    def get_inlines(self, request, obj):
        return [] if obj is None else [TicketHistoryInline]

    def get_object(self, request, object_id, from_field=None):
        """The request with everything the workspace shows, in one query."""
        related = ("organization", "entitlement", "environment", "service", "requester")
        queryset = self.get_queryset(request).select_related(*related, "assignee")
        try:
            return queryset.get(pk=Ticket._meta.pk.to_python(object_id))
        except (Ticket.DoesNotExist, ValidationError, ValueError):
            return None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in PICKERS:
            kwargs["widget"] = Picker(db_field, self.admin_site, db_field.name)
        if db_field.name == "assignee":
            kwargs["queryset"] = staff_users()
        if db_field.name == "category":
            kwargs["queryset"] = TicketCategory.objects.filter(is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = {"show_save_and_add_another": False, **(extra_context or {})}
        if obj is not None:
            context.update(self.lifecycle_context(request, obj))
            context.update(workspace_context(request, obj))
        with timezone.override(staff_zone(request.user)):
            # Past TransitionAdminMixin.change_view: the context is complete already.
            response = super(TransitionAdminMixin, self).change_view(
                request, object_id, form_url, context
            )
            if hasattr(response, "render"):
                response.render()
        return response

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change:  # keep what was typed but not sent; forget it once sent
            key = DRAFT_KEY.format(obj.pk)
            message = (form.cleaned_data.get("message") or "").strip()
            if getattr(form, "sent", False) or not message:
                request.session.pop(key, None)
            else:
                request.session[key] = form.cleaned_data["message"]

    def response_change(self, request: HttpRequest, obj: Ticket) -> HttpResponse:
        """Back to the workspace, saying what happened (never "changed successfully")."""
        form_outcome = getattr(request, "_workspace_outcome", None)
        for line in form_outcome or [_("Saved.")]:
            self.message_user(request, line, messages.SUCCESS)
        if request.session.get(DRAFT_KEY.format(obj.pk)):
            self.message_user(
                request,
                _("Your text was not sent: it is still in the composer."),
                messages.WARNING,
            )
        confirm = getattr(request, "_workspace_confirm", "")
        if confirm:  # a final move without the script's confirmation: its own page asks
            return HttpResponseRedirect(self._url("transition", obj.pk, confirm))
        return HttpResponseRedirect(reverse("admin:tickets_ticket_change", args=[obj.pk]))

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        request._workspace_outcome = getattr(form, "outcome", None)
        request._workspace_confirm = getattr(form, "confirm_move", "")

    # Deleting -----------------------------------------------------------------------------------

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
