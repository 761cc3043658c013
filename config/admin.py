"""What every back-office page shares: writes go through the actions, refusals are never a 500.

- `ActionModelForm`: a model form saved by an action. `perform()` runs once, in a savepoint, when
  the fields are valid; a refusal (DomainError) becomes a form error on the field it names.
- `ActionAdminMixin`: adopts the object the form's action saved, and turns a refusal raised later
  (an inline saved through an action, a delete) into an error message. Either way the page's
  transaction keeps nothing: a page that comes back with errors is rolled back too, so an action
  that ran in the form never outlives an inline that failed.
- `ReadOnlyAdminMixin` / `ReadOnlyInline`: records that only actions write.
- `ModelAdmin`, `TabularInline`, `StackedInline`: the theme's (django-unfold) base classes, which
  every admin of the product uses; FK selects without the add/change/delete icons.
- `admin_link()`, `staff_users()`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin as UnfoldModelAdmin
from unfold.admin import StackedInline as UnfoldStackedInline
from unfold.admin import TabularInline as UnfoldTabularInline

from config.errors import DomainError

if TYPE_CHECKING:  # config imports no app: the user model is named by settings
    from accounts.models import User


# Status → the colour of its label (unfold's label variants), for every lifecycle.
STATUS_VARIANTS = {
    "active": "success",
    "approved": "success",
    "in_progress": "primary",
    "open": "info",
    "requested": "info",
    "pending": "info",
    "provisioning": "info",
    "maintenance": "warning",
    "waiting": "warning",
    "on_hold": "warning",
    "on-hold": "warning",
    "processing": "info",
    "proposal": "info",
    "draft": "default",
    "refunded": "default",
    "failed": "danger",
    "terminated": "danger",
    "suspended": "warning",
    "delivered": "success",
    "resolved": "success",
    "completed": "success",
    "closed": "default",
    "expired": "danger",
    "cancelled": "danger",
    "decommissioned": "danger",
    "revoked": "danger",
    "inactive": "default",
}


def status_variant(status: str) -> str:
    """The label colour of a status ("default" when it has none)."""
    return STATUS_VARIANTS.get(status, "default")


def change_link(app_label: str, model_name: str, pk: Any, text: Any) -> str:
    """A link to a row's admin change page, or plain text when its model has no admin."""
    try:
        url = reverse(f"admin:{app_label}_{model_name}_change", args=[pk])
    except NoReverseMatch:
        return str(text)
    return format_html('<a href="{}">{}</a>', url, text)


def admin_link(obj: Model | None, text: Any = None) -> str:
    """A link to `obj`'s admin change page (see change_link); "—" for no object."""
    if obj is None:
        return "—"
    return change_link(obj._meta.app_label, obj._meta.model_name, obj.pk, text or obj)


def staff_users() -> QuerySet[User]:
    """The people work is assigned to: active MIDDAG staff."""
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by("email")


def adopt(obj: Model, saved: Model) -> None:
    """Make the admin's `obj` (log entry, redirect, inlines) the row an action saved."""
    obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
    obj._state.adding, obj._state.db = False, saved._state.db
    obj._state.fields_cache = dict(saved._state.fields_cache)  # not the relations before the edit


class ActionModelForm(forms.ModelForm):
    """A model form whose save is an action, run once: `perform()` returns the saved object.

    It runs at the end of validation, inside a savepoint, only when every field is valid and,
    for an existing object, something changed. Set `validate_model = False` when the action
    alone validates (no construct_instance/full_clean); `error_fields` maps the action's field
    names to the form's (`<name>_id` finds `<name>` without help).
    """

    actor: User | None = None  # set per request by ActionAdminMixin.get_form
    validate_model = True
    error_fields: dict[str, str] = {}
    saved: Model | None = None

    def perform(self) -> Model | None:
        raise NotImplementedError

    def _post_clean(self) -> None:
        if self.validate_model:
            super()._post_clean()
        if self._errors or (self.instance.pk is not None and not self.has_changed()):
            return
        try:
            with transaction.atomic():
                self.saved = self.perform()
        except DomainError as exc:
            self.add_error(self.error_field(exc), exc.detail)

    def error_field(self, exc: DomainError) -> str | None:
        """The form field a refusal is about, or None (the form as a whole)."""
        name = next(iter(getattr(exc, "fields", None) or {}), None) or ""
        for candidate in (self.error_fields.get(name), name, name.removesuffix("_id")):
            if candidate in self.fields:
                return candidate
        return None


def _errors_shown(response: HttpResponse) -> bool:
    """Whether the admin answered with its form again, carrying errors."""
    context = getattr(response, "context_data", None) or {}
    return bool(context.get("errors"))


class ActionAdminMixin:
    """A ModelAdmin whose writes are actions; `add_form` (optional) is the add page's form."""

    def get_form(self, request: HttpRequest, obj: Model | None = None, change=False, **kwargs):
        add_form = getattr(self, "add_form", None)
        if obj is None and add_form is not None:
            kwargs["form"] = add_form
        form = super().get_form(request, obj, change=change, **kwargs)
        if issubclass(form, ActionModelForm):
            form.actor = request.user  # a class built for this request by modelform_factory
        return form

    def save_model(self, request: HttpRequest, obj: Model, form, change: bool) -> None:
        if not isinstance(form, ActionModelForm):
            super().save_model(request, obj, form, change)
        elif form.saved is not None:
            adopt(obj, form.saved)

    def refusals_as_messages(
        self, request: HttpRequest, view: Callable[[], HttpResponse], back: str
    ) -> HttpResponse:
        """Run an admin view in a savepoint: a refusal raised by an action rolls it all back and
        comes back as an error message (redirect to `back`); a form shown again with errors
        rolls back what its action did."""
        try:
            with transaction.atomic():
                response = view()
                if request.method == "POST" and _errors_shown(response):
                    transaction.set_rollback(True)
        except DomainError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
            return HttpResponseRedirect(back)
        return response

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self.refusals_as_messages(
            request,
            lambda: super(ActionAdminMixin, self).changeform_view(
                request, object_id, form_url, extra_context
            ),
            request.get_full_path(),
        )

    def delete_view(self, request, object_id, extra_context=None):
        opts = self.model._meta
        back = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
        return self.refusals_as_messages(
            request,
            lambda: super(ActionAdminMixin, self).delete_view(request, object_id, extra_context),
            back,
        )

    def changelist_view(self, request, extra_context=None):
        return self.refusals_as_messages(
            request,
            lambda: super(ActionAdminMixin, self).changelist_view(request, extra_context),
            request.get_full_path(),
        )


class ReadOnlyAdminMixin:
    """Nothing is added, changed or deleted here: actions write these rows."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RelatedWidgetsOffMixin:
    """Selects of related rows pick, never edit: no add/change/delete/view icons beside them
    (a category or a person must not be deleted from a request's page)."""

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(formfield, "widget", None)
        if isinstance(widget, admin.widgets.RelatedFieldWidgetWrapper):
            widget.can_add_related = widget.can_change_related = False
            widget.can_delete_related = widget.can_view_related = False
        return formfield


class ModelAdmin(RelatedWidgetsOffMixin, UnfoldModelAdmin):
    """The product's ModelAdmin: unfold's look, related-object icons off, wide lists."""

    list_filter_submit = True  # filters apply together, with one button
    warn_unsaved_form = True  # leaving a page with typed changes asks first


class TabularInline(RelatedWidgetsOffMixin, UnfoldTabularInline):
    pass


class StackedInline(RelatedWidgetsOffMixin, UnfoldStackedInline):
    pass


class ReadOnlyInline(ReadOnlyAdminMixin, TabularInline):
    extra = 0
    can_delete = False
