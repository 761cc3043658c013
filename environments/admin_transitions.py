"""Lifecycle buttons and bulk actions for the admin, running the same action functions as the API.

Never a free edit of the status field (it is protected) and never django-fsm's admin mixin, which
calls the model transition directly and so skips the history our actions write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html

from config.errors import DomainError


def admin_link(obj: Model | None, text: Any = None) -> str:
    """A link to `obj`'s admin change page, or plain text when its model has no admin."""
    if obj is None:
        return "—"
    try:
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return str(text or obj)
    return format_html('<a href="{}">{}</a>', url, text or obj)


class TransitionAdminMixin:
    """Set `transitions` ({name: action}) and `subject_kwarg` (the actions' keyword for the object)."""

    transitions: dict[str, Callable[..., Model]] = {}
    subject_kwarg: str = ""
    change_form_template = "admin/transitions_change_form.html"

    @staticmethod
    def transition_label(name: str) -> str:
        return name.replace("_", " ").capitalize()

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            *super().get_urls(),
        ]

    def run_transition_action(self, request: HttpRequest, obj: Model, name: str, reason: str):
        action = self.transitions[name]
        with transaction.atomic():  # a refusal rolls back this block only
            return action(**{self.subject_kwarg: obj}, actor=request.user, reason=reason)

    def transition_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        name = request.POST.get("transition", "")
        if name not in self.transitions:
            self.message_user(request, f"Unknown transition '{name}'.", messages.ERROR)
        else:
            try:
                obj = self.run_transition_action(
                    request, obj, name, request.POST.get("reason", "").strip()[:500]
                )
            except DomainError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{self.transition_label(name)}: {obj} is now {obj.get_status_display()}.",
                    messages.SUCCESS,
                )
        info = self.model._meta.app_label, self.model._meta.model_name
        return redirect(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if obj is not None:
            extra_context["available_transitions"] = [
                {"name": t.name, "label": self.transition_label(t.name)}
                for t in obj.get_available_status_transitions()
                if t.name in self.transitions
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def get_actions(self, request):
        found = super().get_actions(request)
        for name in self.transitions:
            bulk = self._bulk_action(name)
            found[bulk.__name__] = (bulk, bulk.__name__, bulk.short_description)
        return found

    def _bulk_action(self, name: str) -> Callable:
        mixin = self

        def bulk(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
            done, refused = 0, []
            for obj in queryset:
                try:
                    mixin.run_transition_action(request, obj, name, "")
                    done += 1
                except DomainError as exc:
                    refused.append(f"{obj}: {exc.detail}")
            if done:
                modeladmin.message_user(
                    request, f"{mixin.transition_label(name)}: {done} done.", messages.SUCCESS
                )
            for line in refused:
                modeladmin.message_user(request, line, messages.WARNING)

        bulk.__name__ = f"transition_{name}"
        bulk.short_description = (
            f"{self.transition_label(name)} selected {self.model._meta.verbose_name_plural}"
        )
        bulk.allowed_permissions = ("change",)
        return bulk


class ReadOnlyHistoryInline(admin.TabularInline):
    """The transitions of the object, oldest first; written by actions only, so never edited here."""

    extra = 0
    can_delete = False
    fields = [
        "changed_at",
        "from_status",
        "to_status",
        "transition",
        "changed_by",
        "reason",
        "notes",
    ]
    readonly_fields = fields
    ordering = ["changed_at", "id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")
