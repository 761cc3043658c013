"""Organizations, their members (every role) and the staff agents."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password

from accounts.models import ALL_SCOPES, Membership, Organization, User
from bench.loader.bulk import reserve_ids
from bench.loader.context import Context, Org
from bench.loader.shape import AGENTS, CLIENT_SHARE, PASSWORD, SLUG_PREFIX, TIERS

MODELS = [User, Organization, Membership]
Role = Membership.Role
SCOPES = {
    "all": json.dumps(list(ALL_SCOPES)),
    "none": json.dumps([]),
    "member": json.dumps(["entitlements", "tickets"]),
    "guest": json.dumps(["entitlements"]),
}


def load_people(ctx: Context) -> None:
    """Organizations sized by lognormal weights, their members and the agents."""
    ctx.org_weights = org_weights(ctx)
    members_per_org = [min(30, 3 + int(w * ctx.n_tickets / 400)) for w in ctx.org_weights]
    members_per_org[0] = 30
    org_start = reserve_ids(Organization, ctx.n_orgs)
    user_start = reserve_ids(User, AGENTS + sum(members_per_org))
    membership_start = reserve_ids(Membership, sum(members_per_org))
    hashed = make_password(PASSWORD)
    joined = ctx.window_start - timedelta(days=400)
    ctx.agents = list(range(user_start, user_start + AGENTS))
    user_rows = [
        (uid, hashed, f"agent{i + 1:02d}@middag-scale.example", f"Agent {i + 1:02d}", True,
         True, joined)
        for i, uid in enumerate(ctx.agents)
    ]  # fmt: skip
    org_rows, membership_rows = [], []
    uid, mid = user_start + AGENTS, membership_start
    for i in range(ctx.n_orgs):
        org = _org(ctx, org_start + i, i, joined, org_rows)
        for k in range(members_per_org[i]):
            role, scopes, local = _member(i, k, members_per_org[i])
            user_rows.append(
                (uid, hashed, f"{local}@{_slug(i)}.example", f"{local.title()} {i + 1:04d}",
                 False, True, org.created)
            )  # fmt: skip
            membership_rows.append((mid, uid, org.id, role, scopes, True, org.created, org.created))
            if role != Role.GUEST:
                org.requesters.append(uid)
            uid, mid = uid + 1, mid + 1
    ctx.table(
        User, ["id", "password", "email", "name", "is_staff", "is_active", "date_joined"]
    ).copy(user_rows)
    ctx.table(
        Organization,
        ["id", "name", "slug", "legal_name", "email", "type", "country", "company",
         "status", "created_at", "updated_at"],
    ).copy(org_rows)  # fmt: skip
    ctx.table(
        Membership,
        ["id", "user_id", "organization_id", "role", "scopes", "is_active", "created_at",
         "updated_at"],
    ).copy(membership_rows)  # fmt: skip


def org_weights(ctx: Context) -> list[float]:
    """Each organization's share of the tickets, largest first.

    The first organization, the benchmark's client, holds CLIENT_SHARE of the tickets and is the
    largest; the others share the rest by lognormal weights, capped below it.
    """
    rng = ctx.rng
    weights = sorted((rng.lognormvariate(0, 1.0) for _ in range(ctx.n_orgs)), reverse=True)
    share = max(CLIENT_SHARE, 1.5 / ctx.n_orgs)  # few organizations: a bigger client
    others = weights[1:]
    for _ in range(50):
        total = sum(others) or 1.0
        others = [min(w / total * (1 - share), share * 0.9) for w in others]
    total = sum(others) or 1.0
    if ctx.n_orgs == 1:
        return [1.0]
    return [share] + [w / total * (1 - share) for w in others]


def _slug(index: int) -> str:
    return f"{SLUG_PREFIX}{index + 1:04d}"


def _org(ctx: Context, oid: int, i: int, joined: datetime, org_rows: list) -> Org:
    rng, slug = ctx.rng, _slug(i)
    created = joined + timedelta(days=rng.uniform(0, 300))
    org = Org(id=oid, index=i, tier=rng.choice(TIERS), created=created)
    if i == 0:
        org.tier = "business"
    ctx.orgs.append(org)
    org_rows.append(
        (oid, f"Scale Org {i + 1:04d}", slug, f"Scale Org {i + 1:04d} Ltda",
         f"contact@{slug}.example", rng.choice(["company", "university", "school"]),
         "BR", "middag_br" if rng.random() < 0.7 else "middag_global", "active",
         created, created)
    )  # fmt: skip
    return org


def _member(org_index: int, k: int, members: int) -> tuple[str, str, str]:
    """(role, scopes, e-mail local part) of an organization's k-th member."""
    if k == 0:
        return Role.OWNER, SCOPES["all"], "owner"
    if k == 1:
        return Role.ADMIN, SCOPES["none"], "admin"
    if k == 2 and org_index == 0:
        return Role.MEMBER, SCOPES["member"], "client"  # the benchmark's client
    if k == members - 1 and k > 2:
        return Role.GUEST, SCOPES["guest"], "guest"
    return Role.MEMBER, SCOPES["member"], f"member{k}"
