"""The audit trail in the back office: read-only, across organizations.

The actions write every entry (audit.actions); here staff read them. Each lifecycle object's own
entries also show on its change page, under "Changes" (config.admin_transitions).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html_join

from accounts.tenancy import is_staff
from audit.models import AuditEntry
from config.admin import ReadOnlyAdminMixin, change_link

# Entries whose object no longer exists: no link.
GONE = (AuditEntry.Action.DELETE, AuditEntry.Action.MEMBER_REMOVE)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "organization", "subject", "action", "actor", "internal"]
    list_filter = [
        "action",
        "internal",
        ("content_type", admin.RelatedOnlyFieldListFilter),
        ("organization", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["object_label"]
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

    # Staff read the trail, like the rest of the back office; nobody writes it here.
    def has_view_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return is_staff(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_staff(request.user)

    @admin.display(description="object", ordering="object_label")
    def subject(self, entry: AuditEntry) -> str:
        kind = entry.content_type
        label = f"{kind.name}: {entry.object_label or entry.object_id}"
        if entry.action in GONE:
            return label
        return change_link(kind.app_label, kind.model, entry.object_id, label)

    @admin.display(description="changes (old → new)")
    def field_changes(self, entry: AuditEntry) -> str:
        return format_html_join(
            "",
            "<div>{}: {} → {}</div>",
            ((name, values[0], values[1]) for name, values in entry.changes.items()),
        )
