"""Staff see the tasks that failed for good, and queue them again from here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from config.admin import ModelAdmin, ReadOnlyAdminMixin
from config.celery import app
from ops.models import Delivery, FailedTask


@admin.register(FailedTask)
class FailedTaskAdmin(ModelAdmin):
    list_display = ("failed_at", "task", "args", "exception", "request_id")
    list_filter = ("task",)
    search_fields = ("task", "exception", "request_id", "task_id")
    readonly_fields = [f.name for f in FailedTask._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: FailedTask | None = None) -> bool:
        return False

    @admin.action(description="Queue again (and remove from this list)")
    def retry(self, request: HttpRequest, queryset: QuerySet[FailedTask]) -> None:
        """Queue each task again with its arguments; the tasks are idempotent, so a task that
        succeeded meanwhile does nothing more."""
        count = 0
        for failed in queryset:
            app.signature(failed.task, args=failed.args, kwargs=failed.kwargs).delay()
            failed.delete()
            count += 1
        self.message_user(request, f"Queued {count} task(s) again.", messages.SUCCESS)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("queued_at", "name", "object_id", "sent_at", "failed_at", "request_id")
    list_filter = (
        "name",
        ("sent_at", admin.EmptyFieldListFilter),
        ("failed_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("name", "=object_id", "request_id")
    readonly_fields = [f.name for f in Delivery._meta.fields]
