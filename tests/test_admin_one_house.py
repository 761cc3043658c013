"""One house (issue 12), the admin: transitions, memberships and the audit trail go through the
actions, once; a refusal is a message or a form error, never a 500, and leaves nothing saved."""

from collections.abc import Callable
from functools import wraps

import pytest
from django import forms
from django.contrib.messages import constants
from django.test import Client
from django.urls import reverse

from accounts import actions as account_actions
from accounts.models import Membership
from audit.actions import entries_for
from audit.models import AuditEntry
from entitlements import actions as entitlement_actions
from tests.factories import (
    EntitlementFactory,
    EnvironmentFactory,
    MembershipFactory,
    ServiceFactory,
    UserFactory,
)
from tickets import actions as ticket_actions
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def back_office(staff) -> Client:
    """The admin as a plain staff user (not a superuser): the back office is theirs."""
    client = Client()
    client.force_login(staff)
    return client


def messages_of(response, level: int | None = None) -> list[str]:
    return [str(m) for m in response.context["messages"] if level is None or m.level == level]


def spy(monkeypatch, module, name: str) -> list[dict]:
    """Record the keyword arguments of each call of module.name, still calling it."""
    calls: list[dict] = []
    original = getattr(module, name)

    @wraps(original)
    def recording(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(module, name, recording)
    return calls


def _post_value(form: forms.Form, name: str, data: dict) -> None:
    key, value, widget = form.add_prefix(name), form[name].value(), form.fields[name].widget
    if isinstance(widget, forms.MultiWidget):
        parts = widget.decompress(value) if value else [None] * len(widget.widgets)
        for i, (part, sub) in enumerate(zip(parts, widget.widgets, strict=True)):
            data[f"{key}_{i}"] = sub.format_value(part) or ""
    elif isinstance(value, bool):
        if value:
            data[key] = "on"
    elif isinstance(value, list | tuple):
        data[key] = [str(v) for v in value]
    else:
        data[key] = "" if value is None else str(value)


def page_payload(response) -> dict:
    """What a browser posts back for an admin add/change page left as it is."""
    data: dict = {}
    main = response.context["adminform"].form
    for name in main.fields:
        _post_value(main, name, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[formset.management_form.add_prefix(name)] = formset.management_form[name].value()
        for form in formset.forms:
            for name in form.fields:
                _post_value(form, name, data)
    return data


# --- one object of each lifecycle, reached through its action -----------------------------


def _entitlement(org, staff):
    return entitlement_actions.entitlement_create(
        actor=staff, entitlement_class="PLG", product_name="Campus EAD", organization=org
    )


def _environment(org, staff):
    return EnvironmentFactory(entitlement__organization=org)


def _service(org, staff):
    return ServiceFactory(entitlement__organization=org)


def _ticket(org, staff):
    entitlement = EntitlementFactory(organization=org, entitlement_class="ENV")
    return ticket_actions.ticket_create(
        actor=staff, entitlement=entitlement, title="Slow site", description="Since Monday."
    )


# (make, app_label, model_name, allowed transition → status, refused transition)
LIFECYCLES = {
    "entitlement": (_entitlement, "entitlements", "suspend", "suspended", "renew"),
    "environment": (_environment, "environments", "suspend", "suspended", "activate"),
    "service": (_service, "services", "hold", "on_hold", "resume"),
    "ticket": (_ticket, "tickets", "start", "in_progress", "close"),
}


def _transition_url(obj, app_label: str, model: str) -> str:
    return reverse(f"admin:{app_label}_{model}_transition", args=[obj.pk])


@pytest.mark.parametrize("model", LIFECYCLES)
def test_transition_button_runs_the_action_and_writes_one_history_row(
    model, back_office, org, staff
):
    make, app_label, name, target, _ = LIFECYCLES[model]
    obj = make(org, staff)
    rows = obj.history.count()
    change = back_office.get(reverse(f"admin:{app_label}_{model}_change", args=[obj.pk]))
    assert change.status_code == 200
    assert f'value="{name}"' in change.text or f"/transition/{name}/" in change.text
    response = back_office.post(
        _transition_url(obj, app_label, model),
        {"transition": name, "reason": "asked by the client"},
        follow=True,
    )
    assert response.status_code == 200
    assert messages_of(response, constants.SUCCESS)
    obj.refresh_from_db()
    assert obj.status == target
    assert obj.history.count() == rows + 1
    row = obj.history.order_by("changed_at", "id").last()
    assert (row.transition, row.to_status, row.changed_by, row.reason) == (
        name,
        target,
        staff,
        "asked by the client",
    )


@pytest.mark.parametrize("model", LIFECYCLES)
def test_refused_transition_is_an_error_message_not_a_500(model, back_office, org, staff):
    make, app_label, _, _, refused = LIFECYCLES[model]
    obj = make(org, staff)
    status, rows = obj.status, obj.history.count()
    response = back_office.post(
        _transition_url(obj, app_label, model), {"transition": refused}, follow=True
    )
    assert response.status_code == 200
    assert messages_of(response, constants.ERROR)
    obj.refresh_from_db()
    assert (obj.status, obj.history.count()) == (status, rows)


def test_bulk_transition_runs_the_action_per_row(back_office, org, staff):
    running = _ticket(org, staff)
    response = back_office.post(
        reverse("admin:tickets_ticket_changelist"),
        {"action": "bulk_start", "_selected_action": [running.pk], "reason": "triaged"},
        follow=True,
    )
    assert response.status_code == 200
    running.refresh_from_db()
    assert running.status == "in_progress"
    assert running.history.last().reason == "triaged"


# --- tickets: the add and change forms run their action once ------------------------------


def _ticket_add_data(back_office, **fields) -> dict:
    data = page_payload(back_office.get(reverse("admin:tickets_ticket_add")))
    data.update(title="Backups", description="Check them.", priority="normal", **fields)
    return data


def test_ticket_add_runs_ticket_create_once(back_office, org, staff, member, monkeypatch):
    calls = spy(monkeypatch, ticket_actions, "ticket_create")
    entitlement = EntitlementFactory(organization=org)
    data = _ticket_add_data(back_office, entitlement=str(entitlement.pk), requester=str(member.pk))
    response = back_office.post(reverse("admin:tickets_ticket_add"), data)
    assert response.status_code == 302
    assert len(calls) == 1
    assert calls[0]["actor"] == staff
    assert Ticket.objects.get().requester == member


@pytest.mark.parametrize(
    ("requester", "runs"),
    [
        ("member of another organization", 1),  # ticket_create refuses, once
        ("member of no organization", 0),  # not among the choices (live memberships)
    ],
)
def test_ticket_add_refusal_is_a_form_error(
    requester, runs, back_office, org, other_owner, monkeypatch
):
    calls = spy(monkeypatch, ticket_actions, "ticket_create")
    person = other_owner if runs else UserFactory()
    entitlement = EntitlementFactory(organization=org)
    data = _ticket_add_data(back_office, entitlement=str(entitlement.pk), requester=str(person.pk))
    response = back_office.post(reverse("admin:tickets_ticket_add"), data)
    assert response.status_code == 200
    assert "requester" in response.context["adminform"].form.errors
    assert len(calls) == runs
    assert not Ticket.objects.exists()


def test_a_page_shown_again_with_errors_keeps_nothing(back_office, org, staff):
    ticket = _ticket(org, staff)
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    data = page_payload(back_office.get(url))
    data["title"] = "Renamed"
    data["send"] = "note"  # a note without its text: the composer refuses it
    response = back_office.post(url, data)
    assert response.status_code == 200
    assert response.context["errors"]
    ticket.refresh_from_db()
    assert ticket.title == "Slow site"  # ticket_update ran while validating, then rolled back
    assert not entries_for(ticket, staff=True).filter(action="update").exists()


# --- memberships go through the collaborator actions ---------------------------------------


def test_membership_admin_adds_through_collaborator_add(back_office, org, staff, monkeypatch):
    calls = spy(monkeypatch, account_actions, "collaborator_add")
    person = UserFactory(email="new.member@example.com")
    response = back_office.post(
        reverse("admin:accounts_membership_add"),
        {"organization": org.pk, "user": person.pk, "role": "member", "scopes": '["tickets"]'},
    )
    assert response.status_code == 302
    assert len(calls) == 1
    assert (calls[0]["org"], calls[0]["actor"], calls[0]["email"]) == (org, staff, person.email)
    membership = Membership.objects.get(user=person, organization=org)
    assert (membership.role, membership.scopes) == ("member", ["tickets"])


def test_membership_admin_refuses_a_member_twice_with_a_form_error(back_office, org, member):
    response = back_office.post(
        reverse("admin:accounts_membership_add"),
        {"organization": org.pk, "user": member.pk, "role": "guest", "scopes": "[]"},
    )
    assert response.status_code == 200
    assert "already a member" in str(response.context["adminform"].form.errors)
    assert Membership.objects.filter(user=member, organization=org).count() == 1


def test_membership_admin_refuses_to_remove_the_owner(back_office, org, owner):
    membership = Membership.objects.get(user=owner, organization=org)
    url = reverse("admin:accounts_membership_delete", args=[membership.pk])
    response = back_office.post(url, {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert "The owner cannot be removed." in messages_of(response, constants.ERROR)
    assert Membership.objects.filter(pk=membership.pk, role="owner").exists()


def test_membership_bulk_removal_goes_row_by_row(back_office, org, owner, member):
    ids = list(Membership.objects.filter(organization=org).values_list("pk", flat=True))
    response = back_office.post(
        reverse("admin:accounts_membership_changelist"),
        {"action": "remove_selected", "_selected_action": ids},
        follow=True,
    )
    assert any("owner cannot be removed" in m for m in messages_of(response, constants.ERROR))
    assert list(Membership.objects.filter(organization=org).values_list("user", flat=True)) == [
        owner.pk
    ]


def test_removing_the_owner_in_an_inline_saves_nothing_of_the_page(back_office, org, owner):
    MembershipFactory(organization=org)
    url = reverse("admin:accounts_organization_change", args=[org.pk])
    page = back_office.get(url)
    data = page_payload(page)
    formset = page.context["inline_admin_formsets"][0].formset
    index = next(i for i, f in enumerate(formset.forms) if f.instance.user_id == owner.pk)
    data.update({"name": "Renamed Org", f"{formset.prefix}-{index}-DELETE": "on"})
    response = back_office.post(url, data, follow=True)
    assert response.status_code == 200
    assert "The owner cannot be removed." in messages_of(response, constants.ERROR)
    org.refresh_from_db()
    assert org.name != "Renamed Org"
    assert Membership.objects.filter(organization=org, user=owner, role="owner").exists()


# --- the audit trail -----------------------------------------------------------------------


@pytest.fixture
def audited(org, staff):
    """An entitlement whose product name changed: one audit entry, written by the action."""
    entitlement = _entitlement(org, staff)
    entitlement_actions.entitlement_update(
        entitlement=entitlement, actor=staff, product_name="Campus EAD Pro"
    )
    return entitlement


def test_audit_admin_lists_entries_and_refuses_writes(back_office, audited):
    entry = entries_for(audited, staff=True).get(action="update")
    changelist = reverse("admin:audit_auditentry_changelist")
    response = back_office.get(changelist)
    assert response.status_code == 200
    assert entry in response.context["cl"].result_list
    assert audited.code in response.text
    for query in ("q=Campus", "action__exact=update", "internal__exact=0"):
        assert entry in back_office.get(f"{changelist}?{query}").context["cl"].result_list
    assert back_office.get(reverse("admin:audit_auditentry_add")).status_code == 403
    change = back_office.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))
    assert change.status_code == 200
    assert "Campus EAD Pro" in change.text
    delete = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert back_office.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_change_page_shows_the_objects_changes(back_office, audited):
    response = back_office.get(reverse("admin:entitlements_entitlement_change", args=[audited.pk]))
    assert response.status_code == 200
    assert list(response.context["audit_entries"]) == list(entries_for(audited, staff=True))
    assert 'id="audit-changes"' in response.text
    assert "Campus EAD Pro" in response.text


@pytest.mark.parametrize("model", LIFECYCLES)
def test_every_lifecycle_page_has_history_and_changes(model, back_office, org, staff):
    make: Callable = LIFECYCLES[model][0]
    obj = make(org, staff)
    app_label = LIFECYCLES[model][1]
    response = back_office.get(reverse(f"admin:{app_label}_{model}_change", args=[obj.pk]))
    assert response.status_code == 200
    assert 'id="audit-changes"' in response.text
    prefixes = [i.formset.prefix for i in response.context["inline_admin_formsets"]]
    assert "history" in prefixes
