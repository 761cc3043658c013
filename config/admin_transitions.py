"""Lifecycles in the admin, one way for every app: buttons, reason box, bulk actions, history.

A lifecycle admin declares its transitions (the actions take the object under the model's name,
`environment=`, unless `subject_kwarg` says otherwise) and the statuses that end the lifecycle:

    transitions = {"suspend": Transition(actions.environment_suspend, "Suspend"), ...}
    final_statuses = (Environment.Status.DECOMMISSIONED,)

and gets, through `TransitionAdminMixin`:

- on the change page, a button per transition the status allows, inside the page's own form:
  pressing it saves what was typed in the form first (a form with errors comes back with the
  typed text and runs nothing), then runs the transition with the reason box, or, with
  `confirm=True` or for a terminal transition, opens `<id>/transition/<name>/`, a confirmation
  page with the transition's form (reason, notes, anything else the action takes) that works
  without JavaScript. `<id>/transition/` takes the same post from elsewhere; a GET on either URL
  is never an empty 405 (the first redirects to the change page, the second is the page);
- terminal transitions (`terminal=True`, or any whose target is one of `final_statuses`) are red
  and always confirmed, also as changelist actions (a page listing the rows first);
- reason boxes say who reads them: the reason is kept in the history that the client reads
  (`reason_is_public`, on by default), the notes are for staff only;
- a changelist action per transition (`bulk=True`), the reason taken from the action bar;
- the read-only status history (the model's `history` relation) and the object's audit entries;
- a read-only page once the status is final, and no delete unless `deletable` (the object ends by
  a transition and its history stays).

Every run calls `action(<subject_kwarg>=obj, actor=request.user, **form data)` once, in its own
transaction; a refusal (DomainError) is an error message, never a 500. The status is never a
form field (it is protected), and django-fsm's admin mixin is not used: it calls the model
transition directly and so skips the history and checks of the actions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from unfold.decorators import display
from unfold.widgets import INPUT_CLASSES, SELECT_CLASSES, TEXTAREA_CLASSES

from audit.actions import entries_for
from config.admin import STATUS_VARIANTS, ActionAdminMixin, ReadOnlyInline, status_variant
from config.errors import DomainError

PUBLIC_REASON = "Reason — the client reads it in the history"
PRIVATE_REASON = "Reason — staff only, never shown to the client"
NOTES_LABEL = "Internal notes — staff only, never shown to the client"


def reason_label(public: bool) -> str:
    """The reason box's label: whether the client will read what is typed."""
    return PUBLIC_REASON if public else PRIVATE_REASON


def style_form(form: forms.Form) -> None:
    """The theme's look for a plain form's text boxes, text areas and selects."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Textarea):
            classes = TEXTAREA_CLASSES
        elif isinstance(widget, forms.Select):
            classes = SELECT_CLASSES
        elif isinstance(widget, forms.TextInput | forms.NumberInput | forms.EmailInput):
            classes = INPUT_CLASSES
        else:
            continue
        widget.attrs["class"] = " ".join(classes)


class ReasonForm(forms.Form):
    """Why: recorded in the history row the action writes."""

    reason = forms.CharField(required=False, max_length=500, label=PUBLIC_REASON)


class TransitionForm(ReasonForm):
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label=NOTES_LABEL
    )


class TransitionActionForm(ActionForm):
    """The changelist's action bar, with the reason the transition actions record."""

    reason = forms.CharField(
        required=False,
        label="Reason",
        help_text="Kept in the history, which the client reads.",
    )


@dataclass(frozen=True)
class Transition:
    """One transition as the admin offers it."""

    action: Callable[..., Model]  # action(<subject_kwarg>=obj, actor=user, **form.cleaned_data)
    label: str
    confirm: bool = False  # the button opens a page with `form` first
    form: type[forms.Form] | None = None  # None: the admin's `transition_form`
    bulk: bool = True  # also a changelist action on the selected rows
    bulk_note: str = ""  # said after the changelist action's name, e.g. "(+1 year)"
    terminal: bool = False  # ends the lifecycle: confirmed first (also when `final_statuses` say)


def transitions_from(
    functions: Mapping[str, Callable[..., Model]],
    labels: Mapping[str, str] | None = None,
    *,
    terminal: tuple[str, ...] = (),
) -> dict[str, Transition]:
    """{name: Transition} for an app's TRANSITIONS, labelled "Start maintenance" unless named;
    the names in `terminal` end the lifecycle and are confirmed first."""
    labels = labels or {}
    return {
        name: Transition(
            action,
            labels.get(name) or name.replace("_", " ").capitalize(),
            terminal=name in terminal,
        )
        for name, action in functions.items()
    }


class HistoryInline(ReadOnlyInline):
    """The object's transitions, oldest first; written by actions only."""

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
    verbose_name_plural = "status history"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("changed_by")


@cache
def history_inline(model: type[Model]) -> type[HistoryInline]:
    """The history inline of a model whose history rows point at it as `history`."""
    history = model._meta.get_field("history").related_model
    return type(f"{history.__name__}Inline", (HistoryInline,), {"model": history})


class TransitionAdminMixin(ActionAdminMixin):
    """The lifecycle of a ModelAdmin's objects, declared by `transitions` (see the module)."""

    transitions: Mapping[str, Transition] = {}
    subject_kwarg: str = ""  # "": the model's name
    final_statuses: tuple[str, ...] = ()
    deletable = False
    transition_form: type[forms.Form] = TransitionForm
    reason_is_public = True  # the history's reasons are shown to the client (API, portal)
    bulk_name = "transition_{}"  # the changelist action's name for a transition
    change_form_template = "admin/lifecycle_change_form.html"
    action_form = TransitionActionForm

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is not None and obj.status in self.final_statuses:
            return False  # the lifecycle ended: the page is a record
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.deletable and super().has_delete_permission(request, obj)

    def form_for(self, spec: Transition) -> type[forms.Form]:
        return spec.form or self.transition_form

    def transition_form_instance(self, spec: Transition, data: Any = None) -> forms.Form:
        """The transition's form, its reason box labelled with who reads it."""
        form = self.form_for(spec)(data)
        style_form(form)
        if "reason" in form.fields:
            form.fields["reason"].label = reason_label(self.reason_is_public)
        if "notes" in form.fields:
            form.fields["notes"].label = NOTES_LABEL
        return form

    def terminal_names(self) -> set[str]:
        """Transitions that end the lifecycle: declared so, or leading to a final status."""
        names = {name for name, spec in self.transitions.items() if spec.terminal}
        if self.final_statuses:
            field = self.model._meta.get_field("status")
            names |= {
                t.name
                for t in field.get_all_transitions(self.model)
                if t.target in self.final_statuses and t.name in self.transitions
            }
        return names

    def needs_page(self, name: str) -> bool:
        """Whether the transition opens its confirmation page instead of running at once."""
        return self.transitions[name].confirm or name in self.terminal_names()

    def _url(self, view: str, *args: Any) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)

    def get_urls(self) -> list:
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_transition"
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/transition/", view(self.transition_view), name=name),
            path(
                "<path:object_id>/transition/<str:transition>/",
                view(self.transition_page_view),
                name=name,
            ),
            *super().get_urls(),
        ]

    @display(description="status", ordering="status", label=STATUS_VARIANTS)
    def status_label(self, obj: Model) -> tuple[str, str]:
        """The status as a coloured label (list_display: "status_label")."""
        return obj.status, obj.get_status_display()

    def get_inlines(self, request: HttpRequest, obj: Model | None) -> list:
        inlines = list(super().get_inlines(request, obj))
        return inlines if obj is None else [*inlines, history_inline(self.model)]

    # Running a transition -----------------------------------------------------------------

    def apply_transition(self, request: HttpRequest, obj: Model, spec: Transition, data: dict):
        """The app's action, once, in its own transaction (a refusal undoes this one only)."""
        subject = self.subject_kwarg or self.model._meta.model_name
        with transaction.atomic():
            return spec.action(**{subject: obj}, actor=request.user, **data)

    def run_transition(self, request: HttpRequest, obj: Model, name: str, data: dict) -> bool:
        spec = self.transitions[name]
        try:
            obj = self.apply_transition(request, obj, spec, data)
        except DomainError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
            return False
        status = obj.get_status_display()
        self.message_user(request, f"{spec.label}: {obj} is now {status}.", messages.SUCCESS)
        return True

    def message_form_errors(self, request: HttpRequest, form: forms.Form) -> None:
        for field, errors in form.errors.items():
            label = (form.fields[field].label or field.capitalize()) if field in form.fields else ""
            for error in errors:
                self.message_user(request, f"{label}: {error}" if label else error, messages.ERROR)

    def _subject(self, request: HttpRequest, object_id: str, name: str) -> Model:
        if name not in self.transitions:
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def transition_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A transition posted with its reason (a form of its own, a script): run, back to the
        change page with a message. A GET (a bookmark, a reload) goes back to the change page."""
        if request.method != "POST":
            return redirect(self._url("change", unquote(object_id)))
        name = request.POST.get("transition", "")
        obj = self._subject(request, object_id, name)
        form = self.transition_form_instance(self.transitions[name], request.POST)
        if form.is_valid():
            self.run_transition(request, obj, name, form.cleaned_data)
        else:
            self.message_form_errors(request, form)
        return redirect(self._url("change", obj.pk))

    def transition_page_view(
        self, request: HttpRequest, object_id: str, transition: str
    ) -> HttpResponse:
        """A transition's own page: its form, then the action; a refusal shows the form again."""
        obj = self._subject(request, object_id, transition)
        spec = self.transitions[transition]
        posted = request.method == "POST"  # a post runs: the action says why it refuses
        available = {t.name for t in obj.get_available_status_transitions()}
        if not posted and transition not in available:
            status = obj.get_status_display()
            self.message_user(request, f"{spec.label}: not possible from {status}.", messages.ERROR)
            return redirect(self._url("change", obj.pk))
        form = self.transition_form_instance(spec, request.POST if posted else None)
        if not posted:
            form.initial = {"reason": request.GET.get("reason", "")}
        ran = posted and form.is_valid()
        if ran and self.run_transition(request, obj, transition, form.cleaned_data):
            return redirect(self._url("change", obj.pk))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{spec.label}: {obj}",
            "original": obj,
            "form": form,
            "label": spec.label,
            "terminal": transition in self.terminal_names(),
            "status_variant": status_variant(obj.status),
            "change_url": self._url("change", obj.pk),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/transition_form.html", context)

    # The change page --------------------------------------------------------------------------

    def lifecycle_context(self, request: HttpRequest, obj: Model) -> dict[str, Any]:
        """The buttons the status allows, the reason box, and the object's audit entries."""
        offered = []
        if self.has_change_permission(request, obj):
            available = {t.name for t in obj.get_available_status_transitions()}
            terminal = self.terminal_names()
            offered = [
                {
                    "name": name,
                    "label": spec.label,
                    "url": self._url("transition", obj.pk, name) if self.needs_page(name) else "",
                    "terminal": name in terminal,
                }
                for name, spec in self.transitions.items()
                if name in available
            ]
        return {
            "status_variant": status_variant(obj.status),
            "available_transitions": offered,
            f"{self.model._meta.model_name}_transitions": offered,  # e.g. entitlement_transitions
            "reason_box": any(not t["url"] for t in offered),
            "reason_label": reason_label(self.reason_is_public),
            "reason_max_length": self.transition_form.base_fields["reason"].max_length,
            "reason_typed": request.POST.get("reason", "") if request.method == "POST" else "",
            "transition_url": self._url("transition", obj.pk),
            "audit_entries": entries_for(obj, staff=True).select_related("actor"),
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        context = dict(extra_context or {})
        if obj is not None:
            context.update(self.lifecycle_context(request, obj))
        return super().change_view(request, object_id, form_url, context)

    def response_change(self, request: HttpRequest, obj: Model) -> HttpResponse:
        """The page's form was saved; a transition button pressed with it runs now (or opens
        its confirmation page), so nothing typed before pressing it is lost."""
        name = request.POST.get("transition", "")
        if name not in self.transitions:
            return super().response_change(request, obj)
        obj.refresh_from_db()
        available = {t.name for t in obj.get_available_status_transitions()}
        if name not in available or not self.has_change_permission(request, obj):
            label = self.transitions[name].label
            status = obj.get_status_display()
            self.message_user(request, f"{label}: not possible from {status}.", messages.ERROR)
            return HttpResponseRedirect(self._url("change", obj.pk))
        if self.needs_page(name):
            page = self._url("transition", obj.pk, name)
            reason = request.POST.get("reason", "")
            return HttpResponseRedirect(
                f"{page}?{urlencode({'reason': reason})}" if reason else page
            )
        form = self.transition_form_instance(self.transitions[name], request.POST)
        if form.is_valid():
            self.run_transition(request, obj, name, form.cleaned_data)
        else:
            self.message_form_errors(request, form)
        return HttpResponseRedirect(self._url("change", obj.pk))

    # Changelist actions -------------------------------------------------------------------

    def get_actions(self, request: HttpRequest) -> dict:
        found = super().get_actions(request)
        if self.actions is None or IS_POPUP_VAR in request.GET:
            return found
        if self.has_change_permission(request):
            for name, spec in self.transitions.items():
                if spec.bulk:
                    bulk = self._bulk_action(name, spec)
                    found[bulk.__name__] = (bulk, bulk.__name__, bulk.short_description)
        return found

    def run_bulk(
        self, request: HttpRequest, queryset: QuerySet, spec: Transition, name: str = ""
    ) -> HttpResponse | None:
        """Each selected row in its own transaction: a refused row does not undo the others.
        A terminal transition first shows the rows it will end, and runs once confirmed."""
        form = self.transition_form_instance(spec, {"reason": request.POST.get("reason", "")})
        if not form.is_valid():
            self.message_form_errors(request, form)
            return None
        if name in self.terminal_names() and "confirmed" not in request.POST:
            return self.bulk_confirmation(request, queryset, spec)
        done, refused = [], []
        for obj in queryset.order_by("pk"):
            try:
                self.apply_transition(request, obj, spec, form.cleaned_data)
            except DomainError as exc:
                refused.append(f"{obj}: {exc.detail}")
            else:
                done.append(str(obj))
        if done:
            names = ", ".join(done[:10]) + (f" and {len(done) - 10} more" if len(done) > 10 else "")
            self.message_user(request, f"{spec.label}: done for {names}.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)
        return None

    def bulk_confirmation(
        self, request: HttpRequest, queryset: QuerySet, spec: Transition
    ) -> HttpResponse:
        """The rows a terminal changelist action will end, and a button to go on."""
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": f"{spec.label}: {queryset.count()} {opts.verbose_name_plural}",
            "label": spec.label,
            "objects": queryset.order_by("pk")[:100],
            "count": queryset.count(),
            "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
            "action": request.POST.get("action", ""),
            "reason": request.POST.get("reason", ""),
            "reason_label": reason_label(self.reason_is_public),
            "changelist_url": self._url("changelist"),
        }
        return TemplateResponse(request, "admin/transition_bulk_confirm.html", context)

    def _bulk_action(self, name: str, spec: Transition) -> Callable:
        def bulk(
            modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet
        ) -> HttpResponse | None:
            return modeladmin.run_bulk(request, queryset, spec, name)

        bulk.__name__ = self.bulk_name.format(name)
        plural = self.model._meta.verbose_name_plural
        bulk.short_description = f"{spec.label} selected {plural} {spec.bulk_note}".strip()
        return bulk
