"""Demo entitlements of every class and status, with orders, licenses and contracts.

Idempotent: each demo entitlement carries `metadata.demo_key` and is looked up by it, so a second
run creates nothing. Statuses are reached through the real actions, so the history is real too.
The first PLG entitlement reproduces seed 004's example (PLG-2026040001, "Campus EAD").

The active ENV and SVC entitlements carry the product names environments.demo and services.demo
look up (organization, class, product), so their environments and services attach to these
rows; those loaders then move some of them on (the portal's is suspended, the sandbox's cancelled).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from entitlements import actions
from entitlements.models import (
    Contract,
    Entitlement,
    EntitlementStatusChange,
    License,
    LicenseActivation,
    Order,
    OrderEntitlement,
)

Status = Entitlement.Status


def _at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


# key, organization index (None: standalone), class, product, target status, created, expires, sla
SPECS: list[dict[str, Any]] = [
    {
        "key": "acme_plg",
        "org": 0,
        "cls": "PLG",
        "product": "Campus EAD",
        "description": "Moodle plugin suite for distance learning campuses.",
        "status": Status.ACTIVE,
        "when": _at(2026, 4, 1),
        "expires_at": _at(2027, 4, 1, 0),
        "sla": "basic",
        "auto_created": True,
        "quote_id": 5012,
    },
    {
        "key": "acme_plg_suspended",
        "org": 0,
        "cls": "PLG",
        "product": "Quiz Pro",
        "status": Status.SUSPENDED,
        "when": _at(2026, 4, 15),
        "expires_at": _at(2027, 4, 15, 0),
        "sla": "basic",
        "reason": "Payment failed",
    },
    {
        "key": "acme_env",
        "org": 0,
        "cls": "ENV",
        "product": "Managed Moodle — Acme Production",
        "description": "Managed Moodle production environment.",
        "status": Status.ACTIVE,
        "when": _at(2026, 5, 10),
        "expires_at": _at(2027, 5, 10, 0),
        "sla": "business",
    },
    {
        "key": "acme_env_staging",
        "org": 0,
        "cls": "ENV",
        "product": "Managed Moodle — Acme Staging",
        "status": Status.ACTIVE,
        "when": _at(2026, 5, 12),
        "expires_at": _at(2027, 5, 12, 0),
        "sla": "flex",
    },
    {
        "key": "acme_env_website",
        "org": 0,
        "cls": "ENV",
        "product": "Managed WordPress — Acme Website",
        "status": Status.ACTIVE,
        "when": _at(2026, 6, 20),
        "expires_at": _at(2027, 6, 20, 0),
        "sla": "basic",
    },
    {
        "key": "acme_env_portal",
        "org": 0,
        "cls": "ENV",
        "product": "Managed hosting — Acme Custom Portal",
        "status": Status.ACTIVE,
        "when": _at(2026, 7, 7),
        "expires_at": _at(2027, 7, 7, 0),
        "sla": "basic",
    },
    {
        "key": "acme_env_sandbox",
        "org": 0,
        "cls": "ENV",
        "product": "Managed Moodle — Acme Sandbox",
        "status": Status.ACTIVE,
        "when": _at(2026, 1, 12),
        "expires_at": _at(2027, 1, 12, 0),
        "sla": "basic",
    },
    {
        "key": "acme_env_suspended",
        "org": 0,
        "cls": "ENV",
        "product": "Legacy Moodle Hosting",
        "status": Status.SUSPENDED,
        "when": _at(2026, 2, 3),
        "expires_at": _at(2027, 2, 3, 0),
        "sla": "basic",
        "reason": "Payment failed",
    },
    {
        "key": "acme_svc",
        "org": 0,
        "cls": "SVC",
        "product": "Professional services — Acme Learning",
        "status": Status.ACTIVE,
        "when": _at(2026, 3, 15),
        "expires_at": None,
        "sla": "business",
    },
    {
        "key": "acme_ord",
        "org": 0,
        "cls": "ORD",
        "product": "Annual support pack 2025",
        "status": Status.EXPIRED,
        "when": _at(2025, 1, 20),
        "expires_at": _at(2026, 1, 20, 0),
        "sla": "basic",
    },
    {
        "key": "acme_afl",
        "org": 0,
        "cls": "AFL",
        "product": "MIDDAG Partner Program",
        "status": Status.CANCELLED,
        "when": _at(2025, 9, 1),
        "expires_at": None,
        "sla": "free",
        "reason": "Partner left the program",
    },
    {
        "key": "acme_edu",
        "org": 0,
        "cls": "EDU",
        "product": "Moodle Admin Academy",
        "status": Status.ACTIVE,
        "when": _at(2026, 6, 2),
        "expires_at": _at(2027, 6, 2, 0),
        "sla": "basic",
    },
    {
        "key": "globex_env",
        "org": 1,
        "cls": "ENV",
        "product": "Managed WordPress — Globex Campus",
        "status": Status.ACTIVE,
        "when": _at(2026, 5, 20),
        "expires_at": _at(2027, 5, 20, 0),
        "sla": "enterprise",
    },
    {
        "key": "globex_svc",
        "org": 1,
        "cls": "SVC",
        "product": "Professional services — Globex University",
        "status": Status.ACTIVE,
        "when": _at(2026, 7, 1),
        "expires_at": None,
        "sla": "enterprise",
    },
    {
        "key": "globex_plg",
        "org": 1,
        "cls": "PLG",
        "product": "Campus EAD",
        "status": Status.EXPIRED,
        "when": _at(2025, 3, 5),
        "expires_at": _at(2026, 3, 5, 0),
        "sla": "basic",
    },
    {
        "key": "standalone_ord",
        "org": None,
        "cls": "ORD",
        "product": "Moodle Health Check",
        "status": Status.ACTIVE,
        "when": _at(2026, 8, 8),
        "expires_at": _at(2027, 8, 8, 0),
        "sla": "basic",
        "company": "middag_global",
    },
]

# number, organization index, status, total, currency, payment, date, [(entitlement key, kind)]
ORDERS: list[tuple[str, int | None, str, str, str, str, datetime, list[tuple[str, str]]]] = [
    ("1001", 0, "completed", "1250.00", "BRL", "credit_card", _at(2026, 4, 1, 9),
     [("acme_plg", "created")]),
    ("1002", 0, "completed", "18900.00", "BRL", "bank_transfer", _at(2026, 5, 10, 9),
     [("acme_env", "created"), ("acme_env_staging", "created")]),
    ("1003", 0, "completed", "42000.00", "BRL", "bank_transfer", _at(2026, 3, 15, 9),
     [("acme_svc", "created")]),
    ("1004", 0, "failed", "490.00", "BRL", "credit_card", _at(2026, 10, 15, 9),
     [("acme_plg_suspended", "renewal")]),
    ("1005", 0, "completed", "3600.00", "BRL", "pix", _at(2025, 1, 20, 9),
     [("acme_ord", "created")]),
    ("2001", 1, "completed", "9800.00", "USD", "stripe", _at(2026, 5, 20, 9),
     [("globex_env", "created")]),
    ("2002", 1, "completed", "300.00", "USD", "stripe", _at(2025, 3, 5, 9),
     [("globex_plg", "created")]),
]  # fmt: skip

# key, entitlement key, product, status, limit, expires, domains
LICENSES = [
    ("CAMPUS-EAD-ACME-0001", "acme_plg", "Campus EAD", "active", 3, _at(2027, 4, 1, 0),
     ["lms.acme.example", "staging.acme.example"]),
    ("QUIZ-PRO-ACME-0001", "acme_plg_suspended", "Quiz Pro", "inactive", 1, _at(2027, 4, 15, 0),
     ["lms.acme.example"]),
    ("CAMPUS-EAD-GLOBEX-0001", "globex_plg", "Campus EAD", "expired", 2, _at(2026, 3, 5, 0),
     ["learn.globex.example"]),
]  # fmt: skip

# entitlement key, title, status, start, end
CONTRACTS = [
    ("acme_env", "Managed hosting agreement", "active", date(2026, 5, 10), date(2027, 5, 9)),
    ("acme_svc", "Customization statement of work", "active", date(2026, 3, 15), None),
    ("acme_ord", "Support pack 2025", "expired", date(2025, 1, 20), date(2026, 1, 19)),
    (
        "globex_env",
        "Cloud hosting master agreement",
        "active",
        date(2026, 5, 20),
        date(2027, 5, 19),
    ),
]


def _reach(entitlement: Entitlement, spec: dict, staff: Any) -> Entitlement:
    """Walk the real lifecycle from active to the spec's status."""
    status, reason = spec["status"], spec.get("reason", "")
    if status == Status.SUSPENDED:
        return actions.entitlement_suspend(entitlement=entitlement, actor=None, reason=reason)
    if status == Status.EXPIRED:
        return actions.entitlement_expire(
            entitlement=entitlement, actor=None, reason=actions.EXPIRY_REASON
        )
    if status == Status.CANCELLED:
        return actions.entitlement_cancel(entitlement=entitlement, actor=staff, reason=reason)
    return entitlement


def _entitlement(spec: dict, orgs: list, staff: Any, log: Callable[[str], Any]) -> Entitlement:
    existing = Entitlement.objects.filter(metadata__demo_key=spec["key"]).first()
    if existing is not None:
        return existing
    org = orgs[spec["org"]] if spec["org"] is not None else None
    entitlement = actions.entitlement_create(
        actor=staff,
        entitlement_class=spec["cls"],
        product_name=spec["product"],
        product_description=spec.get("description", ""),
        organization=org,
        company=spec.get("company"),
        expires_at=spec["expires_at"],
        quote_id=spec.get("quote_id"),
        auto_created=spec.get("auto_created", False),
        metadata={"demo_key": spec["key"]},
        sla_tier=spec["sla"],
        when=spec["when"],
    )
    # Demo only: date the row and its creation history like the seed's example.
    Entitlement.objects.filter(pk=entitlement.pk).update(
        created_at=spec["when"], updated_at=spec["when"]
    )
    entitlement.history.filter(from_status__isnull=True).update(changed_at=spec["when"])
    entitlement = _reach(Entitlement.objects.get(pk=entitlement.pk), spec, staff)
    log(
        f"  entitlement {entitlement.code} {entitlement.product_name} "
        f"({org or 'standalone'}): {entitlement.status}"
    )
    return entitlement


def load(log: Callable[[str], Any], context: dict) -> dict:
    """Idempotent: running it again changes nothing."""
    staff, orgs = context["staff"], context["orgs"]
    ents = {spec["key"]: _entitlement(spec, orgs, staff, log) for spec in SPECS}
    _load_orders(ents, orgs, log)
    _load_licenses(ents, log)
    _load_contracts(ents, log)
    log(
        f"entitlements: {Entitlement.objects.count()} entitlements, "
        f"{EntitlementStatusChange.objects.count()} history rows, {Order.objects.count()} orders, "
        f"{License.objects.count()} licenses, {Contract.objects.count()} contracts"
    )
    return {"entitlements": ents}


def _load_orders(ents: dict, orgs: list, log: Callable[[str], Any]) -> None:
    for number, org_index, status, total, currency, payment, created, links in ORDERS:
        order, made = Order.objects.get_or_create(
            number=number,
            defaults={
                "organization": orgs[org_index] if org_index is not None else None,
                "status": status,
                "total": Decimal(total),
                "currency": currency,
                "payment_method": payment,
                "date_created": created,
                "date_completed": created + timedelta(minutes=5) if status == "completed" else None,
                "items_count": len(links),
            },
        )
        for key, kind in links:
            OrderEntitlement.objects.get_or_create(
                order=order, entitlement=ents[key], defaults={"kind": kind}
            )
        if made:
            log(f"  order {number}: {status} {total} {currency}")


def _load_licenses(ents: dict, log: Callable[[str], Any]) -> None:
    for key, ent_key, product, status, limit, expires, domains in LICENSES:
        license_, made = License.objects.get_or_create(
            license_key=key,
            defaults={
                "entitlement": ents[ent_key],
                "product_name": product,
                "status": status,
                "activations_limit": limit,
                "expires_at": expires,
            },
        )
        for domain in domains:
            LicenseActivation.objects.get_or_create(license=license_, domain=domain)
        if made:
            log(f"  license {key} ({len(domains)} activation(s))")


def _load_contracts(ents: dict, log: Callable[[str], Any]) -> None:
    for ent_key, title, status, start, end in CONTRACTS:
        entitlement = ents[ent_key]
        _, made = Contract.objects.get_or_create(
            entitlement=entitlement,
            title=title,
            defaults={
                "organization": entitlement.organization,
                "status": status,
                "start_date": start,
                "end_date": end,
            },
        )
        if made:
            log(f"  contract {title} ({entitlement.code})")
