"""expire_entitlements and the entitlements part of load_demo."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts import demo as accounts_demo
from entitlements import demo
from entitlements.models import (
    Contract,
    Entitlement,
    EntitlementClass,
    EntitlementStatusChange,
    License,
    Order,
)
from tests.entitlements.conftest import reach

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("expire_entitlements", *args, stdout=out)
    return out.getvalue()


def snapshot() -> list[tuple]:
    return list(Entitlement.objects.order_by("pk").values_list("pk", "status", "updated_at"))


@pytest.fixture
def due(make_entitlement, other_org):
    """Two past expiry (one suspended, one in another org), and three that must stay."""
    past = timezone.now() - timedelta(days=1)

    def backdated(status: str, **fields) -> Entitlement:
        entitlement = make_entitlement(
            starts_at=past - timedelta(days=365), expires_at=past + timedelta(days=30), **fields
        )
        Entitlement.objects.filter(pk=entitlement.pk).update(expires_at=past)
        return reach(Entitlement.objects.get(pk=entitlement.pk), status)

    return {
        "active": backdated("active"),
        "suspended": backdated("suspended", organization=other_org),
        "cancelled": backdated("cancelled"),
        "already": backdated("expired"),
        "future": make_entitlement(expires_at=timezone.now() + timedelta(days=3)),
        "never": make_entitlement(),
    }


def test_dry_run_prints_and_changes_nothing(due):
    before = snapshot()
    history = EntitlementStatusChange.objects.count()
    out = run("--dry-run")
    assert f"would expire {due['active'].code}" in out
    assert f"would expire {due['suspended'].code}" in out
    for key in ("cancelled", "already", "future", "never"):
        assert due[key].code not in out
    assert "2 entitlement(s) would be expired." in out
    assert snapshot() == before
    assert EntitlementStatusChange.objects.count() == history


def test_expires_through_the_action_and_a_second_run_changes_nothing(due):
    out = run()
    assert f"expired {due['active'].code}" in out
    assert f"expired {due['suspended'].code}" in out
    assert "2 entitlement(s) expired." in out
    statuses = dict(Entitlement.objects.values_list("pk", "status"))
    assert statuses[due["active"].pk] == statuses[due["suspended"].pk] == "expired"
    assert statuses[due["cancelled"].pk] == "cancelled"
    assert statuses[due["future"].pk] == statuses[due["never"].pk] == "active"
    row = EntitlementStatusChange.objects.filter(subject=due["suspended"]).last()
    assert (row.from_status, row.to_status, row.changed_by, row.reason) == (
        "suspended",
        "expired",
        None,
        "expires_at passed",
    )
    before = snapshot()
    history = EntitlementStatusChange.objects.count()
    assert "0 entitlement(s) expired." in run()
    assert snapshot() == before
    assert EntitlementStatusChange.objects.count() == history


def test_org_option(due, org):
    out = run("--org", str(org.pk))
    assert due["active"].code in out
    assert due["suspended"].code not in out
    with pytest.raises(CommandError):
        run("--org", "999999")


def test_demo_is_idempotent_and_covers_every_class_and_status():
    lines: list[str] = []
    context = accounts_demo.load(lines.append, {})
    first = demo.load(lines.append, context)
    counts = [
        Entitlement.objects.count(),
        EntitlementStatusChange.objects.count(),
        Order.objects.count(),
        License.objects.count(),
        Contract.objects.count(),
    ]
    second = demo.load(lines.append, context)
    assert [
        Entitlement.objects.count(),
        EntitlementStatusChange.objects.count(),
        Order.objects.count(),
        License.objects.count(),
        Contract.objects.count(),
    ] == counts
    assert {k: v.pk for k, v in first["entitlements"].items()} == {
        k: v.pk for k, v in second["entitlements"].items()
    }
    assert set(Entitlement.objects.values_list("entitlement_class", flat=True)) == set(
        EntitlementClass.values
    )
    assert set(Entitlement.objects.values_list("status", flat=True)) == set(
        Entitlement.Status.values
    )
    assert Entitlement.objects.filter(organization__isnull=True).exists()
    assert all(o.links.exists() for o in Order.objects.all())
    # Seed 004's example, reproduced on demo data.
    example = first["entitlements"]["acme_plg"]
    example.refresh_from_db()
    assert (example.code, example.product_name, example.status, example.company) == (
        "PLG-2026040001",
        "Campus EAD",
        "active",
        "middag_br",
    )
    assert example.auto_created is True
    assert example.expires_at.isoformat() == "2027-04-01T00:00:00+00:00"
    assert example.created_at.isoformat() == "2026-04-01T10:00:00+00:00"
    assert example.licenses.get().activations.count() == 2
    env = first["entitlements"]["acme_env"]
    assert (env.entitlement_class, env.status) == ("ENV", "active")
