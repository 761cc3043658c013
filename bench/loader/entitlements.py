"""Entitlements of every class with their environments, services, orders, licenses, contracts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bench.loader.bulk import reserve_ids
from bench.loader.context import Context, Org
from bench.loader.lifecycle import Lifecycle, Step
from bench.loader.shape import HISTORY_FIELDS, PRODUCTS, TIERS, H
from config.numbering import entitlement_counter, format_entitlement_code
from entitlements.models import (
    Contract,
    Entitlement,
    EntitlementStatusChange,
    License,
    Order,
    OrderEntitlement,
)
from environments.models import Environment, EnvironmentStatusChange
from services.models import Service, ServiceStatusChange

MODELS = [
    Entitlement,
    EntitlementStatusChange,
    Order,
    OrderEntitlement,
    License,
    Contract,
    Environment,
    EnvironmentStatusChange,
    Service,
    ServiceStatusChange,
]
ENTITLEMENT = Lifecycle(Entitlement)
ENVIRONMENT = Lifecycle(Environment)
SERVICE = Lifecycle(Service)
ACTIVE = Entitlement.Status.ACTIVE.value
CANCELLED = Entitlement.Status.CANCELLED.value
CANCEL_REASON = "Customer request"
# What became of an inactive entitlement's environment and service in the story.
ENVIRONMENT_OF = {"suspended": "suspended", "expired": "suspended", "cancelled": "decommissioned"}
SERVICE_OF = {"suspended": "on_hold", "cancelled": "cancelled"}


@dataclass
class Rows:
    """The rows of one load step, by table, and where the environment and service ids start."""

    env_start: int
    svc_start: int
    entitlements: list[tuple] = field(default_factory=list)
    environments: list[tuple] = field(default_factory=list)
    services: list[tuple] = field(default_factory=list)
    ent_history: list[tuple] = field(default_factory=list)
    env_history: list[tuple] = field(default_factory=list)
    svc_history: list[tuple] = field(default_factory=list)
    orders: list[tuple] = field(default_factory=list)
    licenses: list[tuple] = field(default_factory=list)
    contracts: list[tuple] = field(default_factory=list)


def load_entitlements(ctx: Context) -> None:
    """Each organization's entitlements in creation order (so codes increase with time)."""
    plan = _plan(ctx)
    ent_start = reserve_ids(Entitlement, len(plan))
    rows = Rows(
        env_start=reserve_ids(Environment, sum(1 for p in plan if p[1] == "ENV")),
        svc_start=reserve_ids(Service, sum(1 for p in plan if p[1] == "SVC")),
    )
    tables = _tables(ctx)
    for k, (org, cls, status, created) in enumerate(plan):
        _entitlement(ctx, rows, k, ent_start + k, org, cls, status, created)
    batches = (rows.entitlements, rows.environments, rows.services)
    for table, batch in zip(tables, batches, strict=True):
        table.copy(batch)
    ctx.table(EntitlementStatusChange, HISTORY_FIELDS).copy(rows.ent_history)
    ctx.table(EnvironmentStatusChange, HISTORY_FIELDS).copy(rows.env_history)
    ctx.table(ServiceStatusChange, HISTORY_FIELDS).copy(rows.svc_history)
    _load_commerce(ctx, rows)


def _plan(ctx: Context) -> list[tuple[Org, str, str, datetime]]:
    """(organization, class, status, created) of every entitlement, oldest first."""
    rng = ctx.rng
    plan: list[tuple[Org, str, str, datetime]] = []
    for org in ctx.orgs:
        scale = ctx.org_weights[org.index] * ctx.n_orgs  # 1.0 = an average organization
        count = {
            "ENV": 1 + min(4, int(scale)),
            "SVC": rng.choice([0, 1, 1, 2]),
            "PLG": rng.choice([0, 0, 1, 2, 3]),
            "ORD": rng.choice([0, 1]),
            "AFL": 1 if rng.random() < 0.1 else 0,
            "EDU": 1 if rng.random() < 0.15 else 0,
        }
        if org.index == 0:
            count.update(ENV=4, SVC=2, PLG=2, ORD=1, AFL=1, EDU=1)
        for cls, k in count.items():
            for j in range(k):
                if cls == "ENV" and j == 0:
                    status = ACTIVE  # every organization can raise service requests
                else:
                    status = rng.choices(
                        [ACTIVE, "suspended", "expired", CANCELLED], [85, 5, 5, 5]
                    )[0]
                span = (ctx.window_start - org.created).total_seconds()
                created = org.created + timedelta(seconds=rng.uniform(0, max(span, 1)) * 0.9)
                plan.append((org, cls, status, created))
    plan.sort(key=lambda p: p[3])
    return plan


def _tables(ctx: Context) -> list:
    return [
        ctx.table(
            Entitlement,
            ["id", "code", "entitlement_class", "product_name", "status", "organization_id",
             "company", "starts_at", "expires_at", "cancelled_at", "cancellation_reason",
             "sla_tier", "metadata", "created_at", "updated_at"],
        ),
        ctx.table(
            Environment,
            ["id", "name", "status", "platform", "environment_type", "url", "entitlement_id",
             "organization_id", "metadata", "platform_version", "region", "health",
             "created_at", "updated_at"],
        ),
        ctx.table(
            Service,
            ["id", "name", "status", "lifecycle", "description", "entitlement_id",
             "organization_id", "metadata", "category", "priority", "start_date",
             "assigned_staff_id", "created_at", "updated_at"],
        ),
    ]  # fmt: skip


def _history(
    rows: list,
    lifecycle: Lifecycle,
    subject: int,
    created: datetime,
    steps: list[Step],
    dates: list[datetime],
    by: int,
    reason: str = "",
) -> None:
    """The creation row, then a row per step (dated by `dates`), as the actions record them."""
    rows.append((None, lifecycle.initial, "create", created, None, "", subject))
    for (before, after, name), at in zip(steps, dates, strict=True):
        rows.append((before, after, name, at, by, reason if after == CANCELLED else "", subject))


def _entitlement(
    ctx: Context, rows: Rows, k: int, eid: int, org: Org, cls: str, status: str, created: datetime
) -> None:
    rng = ctx.rng
    period, counter = entitlement_counter(cls, created)
    code = format_entitlement_code(cls, period, ctx.counters.next(counter))
    tier = org.tier if rng.random() < 0.9 else rng.choice(TIERS)
    expires = created + timedelta(days=365 * rng.choice([1, 2, 3]))
    while status == ACTIVE and expires < ctx.now:
        expires += timedelta(days=365)
    if status == "expired":
        expires = ctx.now - timedelta(days=rng.uniform(1, 60))
    changed = ctx.now - timedelta(days=rng.uniform(1, 60))
    cancelled = changed if status == CANCELLED else None
    rows.entitlements.append(
        (eid, code, cls, rng.choice(PRODUCTS[cls]), status, org.id,
         "middag_br", created, expires, cancelled,
         CANCEL_REASON if cancelled else "", tier,
         json.dumps({"seats": rng.choice([100, 500, 2000])}), created,
         changed if status != ACTIVE else created)
    )  # fmt: skip
    steps = ENTITLEMENT.path(status)
    dates = [changed] * len(steps)
    _history(
        rows.ent_history, ENTITLEMENT, eid, created, steps, dates, ctx.agents[0], CANCEL_REASON
    )
    if cls == "ENV":
        _environment(ctx, rows, k, eid, org, status, created, changed, tier)
    elif cls == "SVC":
        _service(ctx, rows, k, eid, org, status, created, tier)
    elif status == ACTIVE:
        org.targets.append((eid, None, None, cls, tier))  # staff-raised requests only
    if cls in ("PLG", "ORD", "ENV") and rng.random() < 0.7:
        rows.orders.append((org.id, eid, created))
    if cls == "PLG":
        rows.licenses.append((eid, created, expires))
    if cls in ("ENV", "SVC") and rng.random() < 0.5:
        rows.contracts.append((org.id, eid, created, expires))


def _environment(
    ctx: Context,
    rows: Rows,
    k: int,
    eid: int,
    org: Org,
    status: str,
    created: datetime,
    changed: datetime,
    tier: str,
) -> None:
    rng = ctx.rng
    env_id = rows.env_start + len(rows.environments)
    drawn = rng.choices(["active", "maintenance", "provisioning"], [90, 5, 5])[0]
    env_status = drawn if status == ACTIVE else ENVIRONMENT_OF[status]
    if status == ACTIVE and not any(t[1] for t in org.targets):
        env_status = "active"  # the organization's first environment takes requests
    platform = rng.choices(["moodle", "wordpress", "custom"], [70, 20, 10])[0]
    rows.environments.append(
        (env_id, f"{platform.title()} {org.index + 1:04d}-{k}", env_status,
         platform, "production" if rng.random() < 0.8 else "staging",
         f"https://lms{env_id}.example.com", eid, org.id, "{}", "4.5",
         rng.choice(["sa-east-1", "us-east-1"]), "healthy", created, created)
    )  # fmt: skip
    # Provisioned, activated an hour later, then whatever happened to it since.
    steps = [] if env_status == ENVIRONMENT.initial else ENVIRONMENT.path("active", env_status)
    dates = [created + H if i == 0 else changed for i in range(len(steps))]
    _history(rows.env_history, ENVIRONMENT, env_id, created, steps, dates, ctx.agents[0])
    if status == ACTIVE and env_status != "decommissioned":
        org.targets.append((eid, env_id, None, "ENV", tier))


def _service(
    ctx: Context, rows: Rows, k: int, eid: int, org: Org, status: str, created: datetime, tier: str
) -> None:
    rng = ctx.rng
    svc_id = rows.svc_start + len(rows.services)
    lifecycle = rng.choice([Service.Lifecycle.PROJECT.value, Service.Lifecycle.ONGOING.value])
    drawn = rng.choice(["approved", "in_progress", "in_progress", "on_hold"])
    if status == "expired":  # an ongoing service closes; a project never delivered is cancelled
        svc_status = "closed" if lifecycle == Service.Lifecycle.ONGOING else "cancelled"
    else:
        svc_status = drawn if status == ACTIVE else SERVICE_OF[status]
    rows.services.append(
        (svc_id, f"{rng.choice(PRODUCTS['SVC'])} {org.index + 1:04d}-{k}", svc_status,
         lifecycle, "Scope agreed with the client.", eid, org.id, "{}",
         "development", rng.choice(["low", "normal", "high"]), created.date(),
         rng.choice(ctx.agents), created, created)
    )  # fmt: skip
    # Approved first, then the shortest way its lifecycle (and its conditions) allows.
    steps = SERVICE.path("approved", svc_status, subject=Service(lifecycle=lifecycle))
    dates = [created + H * (i + 1) for i in range(len(steps))]
    _history(rows.svc_history, SERVICE, svc_id, created, steps, dates, ctx.agents[0])
    if status == ACTIVE:
        org.targets.append((eid, None, svc_id, "SVC", tier))


def _load_commerce(ctx: Context, rows: Rows) -> None:
    orders, licenses = rows.orders, rows.licenses
    order_start = reserve_ids(Order, len(orders))
    ctx.table(
        Order,
        ["id", "number", "status", "total", "currency", "date_created", "date_completed",
         "payment_method", "organization_id"],
    ).copy(
        (order_start + i, f"SCALE-{order_start + i}", "completed",
         f"{ctx.rng.choice([490, 1250, 4800])}.00", "BRL", at, at + H, "credit_card", oid)
        for i, (oid, _eid, at) in enumerate(orders)
    )  # fmt: skip
    ctx.table(OrderEntitlement, ["order_id", "entitlement_id", "kind", "linked_at"]).copy(
        (order_start + i, eid, "created", at) for i, (_oid, eid, at) in enumerate(orders)
    )
    lic_start = reserve_ids(License, len(licenses))
    ctx.table(
        License,
        ["id", "license_key", "product_name", "status", "entitlement_id", "activations_limit",
         "expires_at", "created_at"],
    ).copy(
        (lic_start + i, f"SCALE-LIC-{lic_start + i:09d}", "Campus EAD Plugin", "active", eid,
         3, expires, at)
        for i, (eid, at, expires) in enumerate(licenses)
    )  # fmt: skip
    ctx.table(
        Contract,
        ["title", "status", "start_date", "end_date", "organization_id", "entitlement_id",
         "created_at"],
    ).copy(
        (f"Service agreement {eid}", "active", at.date(), expires.date(), oid, eid, at)
        for oid, eid, at, expires in rows.contracts
    )  # fmt: skip
