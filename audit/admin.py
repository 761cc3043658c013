"""The audit trail in the back office: read-only, across organizations.

The actions write every entry (audit.actions); here staff read them. The audit app sits below
every other app (it imports none of them), so this page needs nothing but Django. Each lifecycle object's own
entries also show on its change page, under "Changes" (config.admin_transitions).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from unfold.admin import ModelAdmin
from unfold.decorators import display

from audit.models import AuditEntry

# Entries whose object no longer exists: no link.
GONE = (AuditEntry.Action.DELETE, AuditEntry.Action.MEMBER_REMOVE)


@admin.register(AuditEntry)
class AuditEntryAdmin(ModelAdmin):
    list_display = ["created_at", "organization", "subject", "action", "actor", "visibility"]
    list_filter = [
        "action",
        "internal",
        ("content_type", admin.RelatedOnlyFieldListFilter),
        ("organization", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["object_label", "organization__name", "actor__email"]
    list_select_related = ["organization", "content_type", "actor"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    fields = [
        "created_at",
        "organization",
        "subject",
        "action",
        "actor",
        "internal",
        "field_changes",
    ]
    readonly_fields = fields

    # Staff read the trail (accounts.backends lets them, like the rest of the back office);
    # nobody writes it here: the actions do.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    @admin.display(description="object", ordering="object_label")
    def subject(self, entry: AuditEntry) -> str:
        kind = entry.content_type
        label = f"{kind.name}: {entry.object_label or entry.object_id}"
        if entry.action in GONE:
            return label
        try:
            url = reverse(f"admin:{kind.app_label}_{kind.model}_change", args=[entry.object_id])
        except NoReverseMatch:  # a model without an admin page
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    @display(
        description="seen by",
        ordering="internal",
        label={"staff": "warning", "client": "info"},
    )
    def visibility(self, entry: AuditEntry) -> tuple[str, str]:
        return ("staff", "Staff only") if entry.internal else ("client", "Client too")

    @admin.display(description="changes (old → new)")
    def field_changes(self, entry: AuditEntry) -> str:
        return format_html_join(
            "",
            "<div>{}: {} → {}</div>",
            ((name, values[0], values[1]) for name, values in entry.changes.items()),
        )
