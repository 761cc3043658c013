"""The back office: lists, filters, search, and transitions through the same actions as the API."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from entitlements.models import Entitlement, EntitlementStatusChange
from tests.factories import ContractFactory, LicenseFactory, OrderFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:entitlements_entitlement_changelist")


def change_url(entitlement: Entitlement) -> str:
    return reverse("admin:entitlements_entitlement_change", args=[entitlement.pk])


def transition_url(entitlement: Entitlement, name: str) -> str:
    return reverse("admin:entitlements_entitlement_transition", args=[entitlement.pk, name])


def management_data(response) -> dict[str, str]:
    """The inline formsets' management forms of an add/change page, as POST data."""
    data: dict[str, str] = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(
            {
                f"{formset.prefix}-TOTAL_FORMS": str(formset.total_form_count()),
                f"{formset.prefix}-INITIAL_FORMS": str(formset.initial_form_count()),
            }
        )
        for index, form in enumerate(formset.forms):
            for name, field in form.fields.items():
                value = form.initial.get(name, field.initial)
                if value is not None:
                    data[f"{formset.prefix}-{index}-{name}"] = str(getattr(value, "pk", value))
    return data


def test_changelist_columns_filters_and_search(staff_admin, make_entitlement, other_org):
    plg = make_entitlement(entitlement_class="PLG", product_name="Campus EAD")
    other = make_entitlement(organization=other_org, product_name="Globex Hosting")
    standalone = make_entitlement(organization=None, product_name="Standalone")
    response = staff_admin.get(CHANGELIST)
    assert response.status_code == 200
    content = response.content.decode()
    for text in (plg.code, other.code, standalone.code, "Campus EAD", "Acme Learning"):
        assert text in content
    cases = {
        "q=Campus": {plg},
        f"q={other.code}": {other},
        "entitlement_class__exact=PLG": {plg},
        "status__exact=active": {plg, other, standalone},
        f"organization__id__exact={other_org.pk}": {other},
        "organization__isnull=True": {standalone},
        "company__exact=middag_br": {plg, other, standalone},
        "expiry=none": {plg, other, standalone},
        "expiry=past": set(),
    }
    for query, expected in cases.items():
        response = staff_admin.get(f"{CHANGELIST}?{query}")
        assert response.status_code == 200, query
        assert set(response.context["cl"].result_list) == expected, query


def test_expiry_range_filter(staff_admin, make_entitlement):
    soon = make_entitlement(expires_at=timezone.now() + timedelta(days=5))
    later = make_entitlement(expires_at=timezone.now() + timedelta(days=200))
    assert set(staff_admin.get(f"{CHANGELIST}?expiry=7d").context["cl"].result_list) == {soon}
    assert set(staff_admin.get(f"{CHANGELIST}?expiry=later").context["cl"].result_list) == {later}


def test_change_page_shows_buttons_history_and_linked_records(staff_admin, entitlement):
    LicenseFactory(entitlement=entitlement, license_key="LIC-SHOWN")
    ContractFactory(entitlement=entitlement, title="Contract shown")
    order = OrderFactory(number="ORDER-SHOWN")
    entitlement.order_links.create(order=order)
    response = staff_admin.get(change_url(entitlement))
    assert response.status_code == 200
    content = response.content.decode()
    labels = [t["label"] for t in response.context["entitlement_transitions"]]
    assert labels == ["Suspend", "Expire", "Cancel"]
    # Buttons of the page's own form (typed edits are saved first), each opening its page.
    for name in ("suspend", "expire", "cancel"):
        assert f'name="transition" value="{name}"' in content
    assert 'value="renew"' not in content
    assert [t["url"] for t in response.context["entitlement_transitions"]] == [
        transition_url(entitlement, name) for name in ("suspend", "expire", "cancel")
    ]
    for text in ("LIC-SHOWN", "Contract shown", "ORDER-SHOWN", "History"):
        assert text in content
    assert 'name="status"' not in content  # status is never a form field


def test_transition_button_runs_the_action(staff_admin, entitlement, superuser):
    url = transition_url(entitlement, "suspend")
    assert staff_admin.get(url).status_code == 200
    response = staff_admin.post(url, {"reason": "Payment failed", "notes": "card declined"})
    assert response.status_code == 302
    entitlement.refresh_from_db()
    assert entitlement.status == "suspended"
    row = EntitlementStatusChange.objects.filter(subject=entitlement).last()
    assert (row.from_status, row.to_status, row.changed_by, row.reason, row.notes) == (
        "active",
        "suspended",
        superuser,
        "Payment failed",
        "card declined",
    )


def test_cancel_button_needs_a_reason(staff_admin, entitlement):
    response = staff_admin.post(transition_url(entitlement, "cancel"), {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    entitlement.refresh_from_db()
    assert entitlement.status == "active"


def test_refused_transition_button_shows_the_conflict(staff_admin, entitlement):
    response = staff_admin.post(transition_url(entitlement, "renew"), {}, follow=True)
    assert response.status_code == 200
    assert any("'active'" in str(m) for m in response.context["messages"])
    entitlement.refresh_from_db()
    assert entitlement.status == "active"
    assert entitlement.history.count() == 1


def test_unknown_transition_is_refused(staff_admin, entitlement):
    assert staff_admin.get(transition_url(entitlement, "delete")).status_code == 403


def test_bulk_actions(staff_admin, make_entitlement):
    active = make_entitlement()
    suspended = make_entitlement("suspended")
    response = staff_admin.post(
        CHANGELIST,
        {"action": "expire_selected", "_selected_action": [active.pk, suspended.pk], "reason": ""},
    )
    assert response.status_code == 302
    assert set(Entitlement.objects.values_list("status", flat=True)) == {"expired"}
    # Cancel needs the reason from the action bar; without it nothing changes.
    staff_admin.post(CHANGELIST, {"action": "cancel_selected", "_selected_action": [active.pk]})
    active.refresh_from_db()
    assert active.status == "expired"
    staff_admin.post(
        CHANGELIST,
        {"action": "cancel_selected", "_selected_action": [active.pk], "reason": "Churned"},
    )
    active.refresh_from_db()
    assert (active.status, active.cancellation_reason) == ("cancelled", "Churned")


def test_bulk_action_reports_refusals_and_keeps_the_others(staff_admin, make_entitlement):
    active = make_entitlement()
    expired = make_entitlement("expired")
    response = staff_admin.post(
        CHANGELIST,
        {"action": "suspend_selected", "_selected_action": [active.pk, expired.pk]},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any(active.code in m for m in messages)
    assert any(expired.code in m and "'expired'" in m for m in messages)
    active.refresh_from_db()
    expired.refresh_from_db()
    assert (active.status, expired.status) == ("suspended", "expired")


def test_add_through_the_admin_allocates_a_code_and_history(staff_admin, org, superuser):
    add_url = reverse("admin:entitlements_entitlement_add")
    page = staff_admin.get(add_url)
    data = {
        **management_data(page),
        "entitlement_class": "EDU",
        "product_name": "Moodle Academy",
        "organization": org.pk,
        "company": "middag_br",
        "sla_tier": "basic",
        "starts_at_0": "2026-01-10",
        "starts_at_1": "10:00:00",
        "metadata": "{}",
    }
    response = staff_admin.post(add_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entitlement = Entitlement.objects.get(product_name="Moodle Academy")
    assert entitlement.code.startswith("EDU-")
    assert entitlement.status == "active"
    assert list(entitlement.history.values_list("from_status", "to_status", "changed_by")) == [
        (None, "active", superuser.pk)
    ]


def test_edit_through_the_admin_uses_the_update_action(staff_admin, entitlement):
    page = staff_admin.get(change_url(entitlement))
    data = {
        **management_data(page),
        "product_name": "Campus EAD Pro",
        "product_description": "",
        "company": entitlement.company,
        "sla_tier": entitlement.sla_tier,
        "starts_at_0": entitlement.starts_at.strftime("%Y-%m-%d"),
        "starts_at_1": entitlement.starts_at.strftime("%H:%M:%S"),
        "metadata": "{}",
    }
    response = staff_admin.post(change_url(entitlement), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    refreshed = Entitlement.objects.get(pk=entitlement.pk)
    assert (refreshed.product_name, refreshed.code, refreshed.status) == (
        "Campus EAD Pro",
        entitlement.code,
        "active",
    )


def test_entitlements_cannot_be_deleted_in_the_admin(staff_admin, entitlement):
    url = reverse("admin:entitlements_entitlement_delete", args=[entitlement.pk])
    assert staff_admin.get(url).status_code == 403


def test_order_license_contract_admins(staff_admin, entitlement):
    license_ = LicenseFactory(entitlement=entitlement, license_key="LIC-ADMIN")
    license_.activations.create(domain="lms.acme.example")
    contract = ContractFactory(entitlement=entitlement)
    order = OrderFactory(number="ORD-ADMIN")
    entitlement.order_links.create(order=order)
    for name, obj, text in [
        ("license", license_, "lms.acme.example"),
        ("contract", contract, contract.title),
        ("order", order, entitlement.code),
    ]:
        changelist = staff_admin.get(reverse(f"admin:entitlements_{name}_changelist"))
        assert changelist.status_code == 200, name
        change = staff_admin.get(reverse(f"admin:entitlements_{name}_change", args=[obj.pk]))
        assert change.status_code == 200, name
        assert text in change.content.decode(), name
    searched = staff_admin.get(
        reverse("admin:entitlements_license_changelist") + "?q=lms.acme.example"
    )
    assert list(searched.context["cl"].result_list) == [license_]


def test_non_staff_cannot_use_the_admin(client, member):
    client.force_login(member)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
