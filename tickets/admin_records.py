"""The admin's tables of service-request records: SLA targets and categories staff edit, and the
read-only records (replies, status changes, SLA breaches, deletions). The queue and the workspace
are tickets.admin."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin import ModelAdmin, ReadOnlyAdminMixin
from entitlements.models import SlaTier
from tickets import actions
from tickets.expressions import priority_rank
from tickets.models import (
    Reply,
    SlaBreach,
    SlaTarget,
    Ticket,
    TicketCategory,
    TicketDeletion,
    TicketStatusChange,
)
from tickets.queries import breach_candidates

LIVE_CAP = 1000  # the SLA-breaches page counts live breaches up to this


def minutes_text(minutes: int | None) -> str:
    """14400 -> "10 d", 90 -> "1 h 30 min"; None -> "no target"."""
    if minutes is None:
        return _("no target")
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [
        f"{days} d" if days else "",
        f"{hours} h" if hours else "",
        f"{mins} min" if mins else "",
    ]
    return " ".join(p for p in parts if p) or "0 min"


@admin.register(SlaTarget)
class SlaTargetAdmin(ModelAdmin):
    list_display = ["tier", "priority", "first_response", "resolution"]
    list_filter = ["tier", "priority"]
    search_fields = ["tier", "priority"]
    fields = ["tier", "priority", "first_response_minutes", "resolution_minutes"]

    def get_ordering(self, request):
        tiers = [value for value, _label in SlaTier.choices]
        tier_rank = Case(
            *[When(tier=t, then=Value(i)) for i, t in enumerate(tiers)],
            default=Value(len(tiers)),
            output_field=IntegerField(),
        )
        return [tier_rank.asc(), priority_rank().asc()]

    @admin.display(description=gettext_lazy("First response"), ordering="first_response_minutes")
    def first_response(self, obj: SlaTarget) -> str:
        return minutes_text(obj.first_response_minutes)

    @admin.display(description=gettext_lazy("Resolution"), ordering="resolution_minutes")
    def resolution(self, obj: SlaTarget) -> str:
        return minutes_text(obj.resolution_minutes)


@admin.register(TicketCategory)
class TicketCategoryAdmin(ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Reply)
class ReplyAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Every reply across requests; replies are written in the workspace (through ticket_reply)."""

    list_display = ["ticket", "author", "internal", "created_at"]
    list_filter = ["internal", ("ticket__organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["message", "ticket__number", "author__email"]
    list_select_related = ["ticket", "author"]


@admin.register(TicketStatusChange)
class TicketStatusChangeAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ["subject", "from_label", "to_label", "changed_by", "changed_at"]
    list_filter = ["to_status", "transition"]
    search_fields = ["subject__number", "reason"]
    list_select_related = ["subject", "changed_by"]

    @admin.display(description=gettext_lazy("From"), ordering="from_status")
    def from_label(self, obj) -> str:
        return dict(Ticket.Status.choices).get(obj.from_status, obj.from_status or "—")

    @admin.display(description=gettext_lazy("To"), ordering="to_status")
    def to_label(self, obj) -> str:
        return dict(Ticket.Status.choices).get(obj.to_status, obj.to_status)


@admin.register(SlaBreach)
class SlaBreachAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Recorded breaches; the page also counts requests in breach now, before the sweep records
    them, and can run the sweep (ticket_record_breaches) on the spot."""

    list_display = ["ticket", "kind", "due_at", "recorded_at"]
    list_filter = ["kind", ("ticket__organization", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["ticket__number"]
    list_select_related = ["ticket"]
    list_before_template = "admin/tickets/slabreach/live_breaches.html"

    class Media:
        css = {"all": ["backoffice/workspace.css"]}

    def get_urls(self) -> list:
        sweep = self.admin_site.admin_view(self.sweep_view)
        return [path("sweep/", sweep, name="tickets_slabreach_sweep"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        # Unresolved requests only (an index narrows them), each count capped: a page view
        # never scans the whole history.
        live = Ticket.objects.unresolved().with_sla_status(timezone.now())
        live = live.filter(sla_status="breached").order_by()
        unrecorded = live.exclude(pk__in=SlaBreach.objects.values("ticket_id"))
        context = {
            **(extra_context or {}),
            "breached_now": live[:LIVE_CAP].count(),
            "unrecorded": unrecorded[:LIVE_CAP].count(),
        }
        return super().changelist_view(request, context)

    def sweep_view(self, request: HttpRequest) -> HttpResponse:
        """Record the breaches now (what `manage.py sla_sweep` does from cron)."""
        back = reverse("admin:tickets_slabreach_changelist")
        if request.method != "POST":
            return HttpResponseRedirect(back)
        now, recorded = timezone.now(), 0
        for ticket in breach_candidates(now):
            recorded += len(actions.ticket_record_breaches(ticket=ticket, now=now))
        self.message_user(
            request, _("%(n)s new SLA breach(es) recorded.") % {"n": recorded}, messages.SUCCESS
        )
        return HttpResponseRedirect(back)


@admin.register(TicketDeletion)
class TicketDeletionAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ["number", "title", "organization_id", "status", "deleted_by", "deleted_at"]
    list_filter = ["status"]
    search_fields = ["number", "title", "entitlement_code"]
    list_select_related = ["deleted_by"]
