"""Creating a service request in the back office: pickers by code, product and organization,
the requester among the organization's members (required: replies are mailed to them), and an
explicit confirmation, with a reason kept in the history, for an inactive entitlement."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.widgets import UnfoldAdminTextInputWidget

from accounts.models import Membership, User
from accounts.tenancy import live_memberships
from config.admin import ActionModelForm
from entitlements.models import Entitlement
from environments.models import Environment
from services.models import Service
from tickets import actions
from tickets.models import Ticket

PAGE = 20
CREATE_FIELDS = [
    "entitlement",
    "environment",
    "service",
    "requester",
    "title",
    "description",
    "priority",
    "category",
]


def _first(active: Q) -> Case:
    return Case(When(active, then=Value(0)), default=Value(1), output_field=IntegerField())


def _term(q: str, *fields: str) -> Q:
    found = Q()
    for name in fields:
        found |= Q(**{f"{name}__icontains": q})
    return found


def _inactive_note(status_display: str) -> str:
    return _(" — %(status)s (inactive)") % {"status": status_display.lower()}


def pick_entitlements(term: str) -> QuerySet[Entitlement]:
    """Entitlements by code, product or organization name; active ones first."""
    qs = Entitlement.objects.select_related("organization")
    if term:
        qs = qs.filter(_term(term, "code", "product_name", "organization__name"))
    return qs.annotate(inactive=_first(Q(status=Entitlement.Status.ACTIVE))).order_by(
        "inactive", "code"
    )


def pick_records(model: type[Environment] | type[Service], term: str) -> QuerySet:
    """Environments or services by name, entitlement code, product or organization; live first."""
    qs = model.objects.select_related("entitlement", "organization")
    if term:
        fields = ["name", "entitlement__code", "entitlement__product_name", "organization__name"]
        if model is Environment:
            fields.append("url")
        qs = qs.filter(_term(term, *fields))
    ended = [model.Status.CANCELLED] if model is Service else [model.Status.DECOMMISSIONED]
    if model is Service:
        ended.append(model.Status.CLOSED)
    return qs.annotate(inactive=_first(~Q(status__in=ended))).order_by("inactive", "name", "id")


def organization_of_target(params: Any) -> int | None:
    """The organization of the entitlement, environment or service the add form has picked."""
    for name, model in (("entitlement", Entitlement), ("environment", Environment)):
        value = params.get(name) or ""
        if value.isdigit():
            return (
                model.objects.filter(pk=int(value))
                .values_list("organization_id", flat=True)
                .first()
            )
    value = params.get("service") or ""
    if value.isdigit():
        return (
            Service.objects.filter(pk=int(value)).values_list("organization_id", flat=True).first()
        )
    return None


def pick_requesters(term: str, organization_id: int | None = None) -> QuerySet[Membership]:
    """Live members by name, e-mail or organization name (a person once per organization);
    only the picked entitlement's organization's once one is picked."""
    qs = live_memberships().select_related("user", "organization")
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    if term:
        qs = qs.filter(_term(term, "user__name", "user__email", "organization__name"))
    return qs.order_by("user__email", "organization__name")


def pick_label(kind: str, obj: Any) -> str:
    """How a picker names a choice: enough to tell two apart, inactive ones marked."""
    if kind == "entitlement":
        org = obj.organization.name if obj.organization_id else _("standalone")
        text = f"{obj.code} · {obj.product_name} · {org}"
        if obj.status != Entitlement.Status.ACTIVE:
            text += _inactive_note(obj.get_status_display())
        return text
    if kind in ("environment", "service"):
        org = obj.organization.name if obj.organization_id else ""
        text = f"{obj.name} · {obj.entitlement.code} · {org}"
        if getattr(obj, "inactive", 0):
            text += _inactive_note(obj.get_status_display())
        return text
    user = obj.user
    name = user.get_full_name().strip() or user.email
    return f"{name} <{user.email}> · {obj.organization.name}"


def pick_view(request: HttpRequest, kind: str) -> JsonResponse:
    """select2's answer for the add form's pickers (staff only, through admin_view)."""
    term = (request.GET.get("term") or "").strip()[:100]
    try:
        page = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page = 1
    if kind == "entitlement":
        qs = pick_entitlements(term)
    elif kind == "environment":
        qs = pick_records(Environment, term)
    elif kind == "service":
        qs = pick_records(Service, term)
    elif kind == "requester":
        qs = pick_requesters(term, organization_of_target(request.GET))
    else:
        return JsonResponse({"results": [], "pagination": {"more": False}}, status=404)
    rows = list(qs[(page - 1) * PAGE : page * PAGE + 1])
    results = [
        {"id": str(obj.user_id if kind == "requester" else obj.pk), "text": pick_label(kind, obj)}
        for obj in rows[:PAGE]
    ]
    return JsonResponse({"results": results, "pagination": {"more": len(rows) > PAGE}})


class Picker(AutocompleteSelect):
    """The admin's autocomplete box, asking our picker view (labels and order of our own)."""

    def __init__(self, field, admin_site, kind: str, attrs: dict | None = None) -> None:
        self.kind = kind
        super().__init__(field, admin_site, attrs=attrs)

    def get_url(self) -> str:
        return reverse("admin:tickets_ticket_pick", args=[self.kind])

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs=extra_attrs)
        attrs["data-placeholder"] = _("Type a code, product or organization")
        if self.kind == "requester":
            attrs["data-placeholder"] = _("Type a name, e-mail or organization")
        return attrs


class TicketAddForm(ActionModelForm):
    """Create against an entitlement, or an environment or service (which implies it)."""

    validate_model = False  # ticket_create validates and builds the row
    error_fields = {"organization_id": "entitlement"}

    confirm_inactive = forms.BooleanField(
        required=False,
        label=gettext_lazy("Open it although the entitlement is not active"),
    )
    inactive_reason = forms.CharField(
        required=False,
        max_length=500,
        widget=UnfoldAdminTextInputWidget(),
        label=gettext_lazy("Why (kept in the request's history; the client can read it)"),
    )

    class Meta:
        model = Ticket
        fields = [*CREATE_FIELDS, "assignee"]
        help_texts = {
            "entitlement": gettext_lazy("Or leave empty and pick an environment or a service."),
            "requester": gettext_lazy(
                "The client who asked: replies and updates are mailed to this person."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entitlement"].required = False
        self.fields["requester"].required = True
        self.fields["requester"].error_messages["required"] = _(
            "Choose the client who asked: replies are mailed to the requester."
        )
        # Live members only; ticket_create checks the organization is the ticket's.
        members = live_memberships().values("user_id")
        self.fields["requester"].queryset = User.objects.filter(pk__in=members)

    def inactive_target(self) -> str:
        """Why the chosen entitlement (or its environment/service) takes no client requests."""
        data = self.cleaned_data
        environment, service = data.get("environment"), data.get("service")
        entitlement = data.get("entitlement") or (environment or service or None)
        if entitlement is not None and not isinstance(entitlement, Entitlement):
            entitlement = entitlement.entitlement
        if entitlement is not None and entitlement.status != Entitlement.Status.ACTIVE:
            return _("Entitlement %(code)s is %(status)s.") % {
                "code": entitlement.code,
                "status": entitlement.get_status_display().lower(),
            }
        if environment is not None and environment.status == Environment.Status.DECOMMISSIONED:
            return _("Environment %(name)s is decommissioned.") % {"name": environment.name}
        if service is not None and service.status == Service.Status.CANCELLED:
            return _("Service %(name)s is cancelled.") % {"name": service.name}
        return ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(name) for name in ("entitlement", "environment", "service")):
            self.add_error(
                "entitlement", _("Pick the entitlement, or an environment or a service.")
            )
            return data
        problem = self.inactive_target()
        if problem and not (data.get("confirm_inactive") and data.get("inactive_reason")):
            self.add_error(
                "confirm_inactive",
                _("%(problem)s Tick the box and say why to open the request anyway.")
                % {"problem": problem},
            )
        return data

    def perform(self) -> Ticket:
        data = self.cleaned_data
        created = {name: data.get(name) for name in CREATE_FIELDS}
        reason = data.get("inactive_reason", "") if self.inactive_target() else ""
        ticket = actions.ticket_create(
            actor=self.actor, source=Ticket.Source.ADMIN, reason=reason, **created
        )
        if data.get("assignee"):
            ticket = actions.ticket_assign(
                ticket=ticket, actor=self.actor, assignee=data["assignee"]
            )
        return ticket
