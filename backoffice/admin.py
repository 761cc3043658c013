"""Canned replies in the back office: staff write them once, agents insert them in the workspace."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin import ModelAdmin, staff_users
from tickets.models import CannedReply


@admin.register(CannedReply)
class CannedReplyAdmin(ModelAdmin):
    list_display = ["title", "transition", "assignee", "is_active", "updated_at"]
    list_filter = ["is_active", "transition"]
    search_fields = ["title", "body"]
    fields = ["title", "body", "transition", "assignee", "is_active"]
    ordering = ["title"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            kwargs["queryset"] = staff_users()
            kwargs["empty_label"] = _("Keep the current assignee")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
