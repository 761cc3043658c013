"""Load a realistic data set at scale, fast: `manage.py load_scale_data --tickets 100000`.

Organizations with members of every role, entitlements of every class (with orders, licenses and
contracts), environments, services, and service requests across statuses, priorities and SLA
states, with their conversations and history. Everything is written with PostgreSQL COPY in one
transaction; ids come from each table's own sequence (reserved under a table lock) and the gapless
counters of django-sequences (`ticket.{YYYY}`, `entitlement.{CLASS}.{YYYYMM}`) are advanced to the
last number used, so creations after the load continue the numbering.

The rows tell a consistent story: each ticket is simulated along a timeline (first staff reply,
a wait for the client, resolution, closing or cancellation) and what has happened by now decides
its status, SLA times, replies and one history row per transition; the SLA status then follows
from the stored times exactly as for tickets made through the actions. Organizations are
isolated: members belong to one organization, and a ticket's requester, entitlement, environment
and service all belong to the ticket's organization.

The benchmark's client is the member `client@scale-0001.example` of the largest organization
(`scale-0001`, 2 % of the tickets); staff is `agent01@middag-scale.example`; every scale user's
password is `scale-password`. Idempotent: when scale organizations exist, nothing is loaded.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import ALL_SCOPES, Membership, Organization, User
from config.numbering import business_time
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
from tickets.models import Reply, SlaTarget, Ticket, TicketCategory, TicketStatusChange

SLUG_PREFIX = "scale-"
PASSWORD = "scale-password"  # noqa: S105  (benchmark data only, printed by the command)
CLIENT_EMAIL = "client@scale-0001.example"
STAFF_EMAIL = "agent01@middag-scale.example"
CLIENT_SHARE = 0.02  # the benchmark's organization holds 2 % of the tickets at every scale
AGENTS = 25
CHUNK = 25_000  # tickets generated and copied per round

H = timedelta(hours=1)
DAY = timedelta(days=1)

TS = Ticket.Status
TITLES = [
    "Cannot log in with SSO",
    "Course backup fails to restore",
    "Gradebook export is very slow",
    "SSL certificate renewal",
    "Upgrade to the latest release",
    "Quiz timer ends early",
    "Enrolment sync from the ERP stopped",
    "Scheduled task is stuck",
    "Increase the upload size limit",
    "Certificate PDF shows wrong dates",
    "Add a staging copy of production",
    "Theme broken on mobile",
    "Reports take minutes to load",
    "Email notifications not delivered",
    "Plugin update request",
    "Disk usage alert",
    "Restore a deleted course",
    "Payment gateway returns an error",
    "New administrator account",
    "Video playback stutters",
]
PLACES = ["production", "staging", "the main campus", "the portal", "the mobile app", "the LMS"]
DESCRIPTIONS = [
    "Since this morning several users report the problem; screenshots attached.",
    "It worked last week. Nothing changed on our side as far as we know.",
    "Please schedule it outside class hours (after 22:00 local time).",
    "The error message says to contact the site administrator.",
    "This blocks the start of the semester; please treat it as a priority.",
]
STAFF_REPLIES = [
    "Thanks for the report, we are looking into it.",
    "We reproduced the problem and are working on a fix.",
    "Could you send us the exact time it happened and a screenshot?",
]
CLIENT_REPLIES = ["Thanks!", "Here is the screenshot you asked for.", "It happens again today."]
NOTES = ["Slow query on the logstore table; index candidate.", "Escalated to the hosting team."]
FIXES = ["Fixed: the configuration was corrected.", "Done; please confirm on your side."]
PRIORITIES = (["low"] * 20) + (["normal"] * 50) + (["high"] * 22) + (["urgent"] * 8)
TIERS = (["enterprise"] * 10) + (["government"] * 5) + (["business"] * 30)
TIERS += (["flex"] * 20) + (["basic"] * 30) + (["free"] * 5)
SOURCES = (["account"] * 80) + (["admin"] * 8) + (["isp"] * 6) + (["helpdesk"] * 6)
PRODUCTS = {
    "ENV": ["Moodle Hosting Business", "Moodle Hosting Enterprise", "WordPress Hosting"],
    "SVC": ["Theme Development", "Migration Project", "Support Retainer"],
    "PLG": ["Campus EAD Plugin", "Attendance Pro", "Certificates Plus"],
    "ORD": ["Setup Fee", "Consulting Hours"],
    "AFL": ["Affiliate Program"],
    "EDU": ["Instructor Training"],
}


class Progress:
    """A one-line progress bar on stderr (a line per 10 % when stderr is not a terminal)."""

    def __init__(self, label: str, total: int, stream=None) -> None:
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self._last_decile = -1

    def advance(self, n: int) -> None:
        self.done += n
        share = min(self.done / self.total, 1.0)
        elapsed = time.monotonic() - self.started
        if self.tty:
            bar = "#" * int(share * 30)
            self.stream.write(
                f"\r{self.label:<9} [{bar:<30}] {share:4.0%} {self.done:,}/{self.total:,} "
                f"{elapsed:5.1f}s"
            )
            if self.done >= self.total:
                self.stream.write("\n")
            self.stream.flush()
        elif int(share * 10) > self._last_decile:
            self._last_decile = int(share * 10)
            self.stream.write(f"{self.label}: {share:4.0%} {self.done:,}/{self.total:,}\n")


class Table:
    """COPY rows into a model's table: the listed attnames in order, defaults for the rest."""

    def __init__(self, model: type[models.Model], attnames: list[str], now: datetime) -> None:
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(attnames) - set(fields)
        if unknown:
            raise CommandError(f"{model.__name__} has no field(s) {sorted(unknown)}.")
        # Columns not listed take Django's default; an id not listed comes from the table.
        rest = [
            f
            for name, f in fields.items()
            if name not in attnames and not (f.primary_key and isinstance(f, models.AutoField))
        ]
        self.tail = tuple(_default(f, now) for f in rest)
        columns = [fields[a].column for a in attnames] + [f.column for f in rest]
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        self.sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({quoted}) FROM STDIN"
        self.rows = 0

    def copy(self, rows: Iterable[tuple]) -> None:
        tail = self.tail
        with connection.cursor() as cursor, cursor.cursor.copy(self.sql) as copy:
            for row in rows:
                copy.write_row(row + tail)
                self.rows += 1


def _default(f: models.Field, now: datetime):
    """The value Django would store for a field the loader does not set."""
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return now
    if f.has_default():
        value = f.get_default()
        return json.dumps(value) if isinstance(f, models.JSONField) else value
    if f.null:
        return None
    if f.empty_strings_allowed:
        return ""
    raise CommandError(f"{f.model.__name__}.{f.name} needs a value; teach load_scale_data it.")


def reserve_ids(model: type[models.Model], n: int) -> int:
    """The first of `n` consecutive ids taken from the table's sequence (the table is locked)."""
    if n <= 0:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        seq = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [seq])
        start = cursor.fetchone()[0]
        if n > 1:
            cursor.execute("SELECT setval(%s, %s)", [seq, start + n - 1])
    return start


class DeferredChecks:
    """Drop a table's foreign keys and secondary indexes for a bulk load, then restore them.

    Building an index once and validating a foreign key with one join are far cheaper than
    maintaining them row by row (and PostgreSQL would queue every deferred foreign-key check to
    the commit). Constraints and indexes come back with their exact definitions, under the same
    names, inside the same transaction; unique and primary keys stay in place throughout.
    """

    def __init__(self, models_: list[type[models.Model]]) -> None:
        self.tables = [m._meta.db_table for m in models_]
        self.foreign_keys: list[tuple[str, str, str]] = []
        self.indexes: list[tuple[str, str]] = []

    def __enter__(self) -> DeferredChecks:
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                    [table],
                )
                self.foreign_keys += [(table, name, sql) for name, sql in cursor.fetchall()]
                cursor.execute(
                    "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                    "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
                    " ORDER BY i.relname",
                    [table],
                )
                self.indexes += cursor.fetchall()
            for table, name, _sql in self.foreign_keys:
                cursor.execute(f"ALTER TABLE {_q(table)} DROP CONSTRAINT {_q(name)}")
            for name, _sql in self.indexes:
                cursor.execute(f"DROP INDEX {_q(name)}")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            return  # the transaction rolls back, and the drops with it
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, sql in self.indexes:
                cursor.execute(sql)
            for table, name, sql in self.foreign_keys:
                cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} {sql}")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


class Counters:
    """The django-sequences counters, read under a lock and advanced once at the end."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def next(self, name: str) -> int:
        if name not in self.last:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT last FROM sequences_sequence WHERE name = %s FOR UPDATE", [name]
                )
                row = cursor.fetchone()
            self.last[name] = row[0] if row else 0
        self.last[name] += 1
        return self.last[name]

    def save(self) -> None:
        with connection.cursor() as cursor:
            for name, last in sorted(self.last.items()):
                cursor.execute(
                    "INSERT INTO sequences_sequence (name, last) VALUES (%s, %s) "
                    "ON CONFLICT (name) DO UPDATE SET last = EXCLUDED.last",
                    [name, last],
                )


@dataclass
class Org:
    id: int
    index: int
    tier: str
    created: datetime
    requesters: list[int] = field(default_factory=list)
    # (entitlement id, environment id | None, service id | None, class, tier)
    targets: list[tuple[int, int | None, int | None, str, str]] = field(default_factory=list)


class Command(BaseCommand):
    help = (
        "Load organizations, members, entitlements of every class, environments, services and "
        "--tickets service requests with replies and history, fast (PostgreSQL COPY)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, default=100_000, help="default %(default)s")
        parser.add_argument(
            "--orgs", type=int, default=None, help="organizations (default: tickets / 250)"
        )
        parser.add_argument(
            "--days", type=int, default=730, help="tickets spread over the last N days"
        )
        parser.add_argument("--seed", type=int, default=7, help="random seed (same data again)")
        parser.add_argument(
            "--no-vacuum", action="store_true", help="skip VACUUM ANALYZE after the load"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="load, report, then roll everything back"
        )

    def handle(self, *args, **opts) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("load_scale_data needs PostgreSQL (it loads with COPY).")
        n = opts["tickets"]
        if n < 1:
            raise CommandError("--tickets must be at least 1.")
        existing = Organization.objects.filter(slug__startswith=SLUG_PREFIX)
        if existing.exists():
            count = Ticket.objects.filter(organization__in=existing).count()
            self.stdout.write(
                f"Scale data already loaded ({existing.count():,} organizations, "
                f"{count:,} tickets); nothing to do."
            )
            return
        started = time.monotonic()
        loader = Loader(
            tickets=n,
            orgs=opts["orgs"] or max(3, round(n / 250)),
            days=max(opts["days"], 1),
            seed=opts["seed"],
            progress_stream=self.stderr._out,
        )
        try:
            with transaction.atomic():
                loader.run()
                if opts["dry_run"]:
                    raise _DryRun
        except _DryRun:
            self.stdout.write(self._summary(loader, started))
            self.stdout.write(self.style.WARNING("Dry run: everything was rolled back."))
            return
        if not opts["no_vacuum"]:
            vacuum_started = time.monotonic()
            with connection.cursor() as cursor:
                for model in loader.models:
                    cursor.execute(
                        f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}"
                    )
            loader.timings["vacuum analyze"] = time.monotonic() - vacuum_started
        self.stdout.write(self._summary(loader, started))
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded in {time.monotonic() - started:.1f}s. Client: {CLIENT_EMAIL}, "
                f"staff: {STAFF_EMAIL}, password: {PASSWORD}"
            )
        )

    def _summary(self, loader: Loader, started: float) -> str:
        lines = [f"{t.model._meta.label:<40} {t.rows:>12,} rows" for t in loader.tables.values()]
        lines += [f"{name:<40} {secs:>11.1f}s" for name, secs in loader.timings.items()]
        return "\n".join(lines)


class _DryRun(Exception):
    pass


class Loader:
    """Generates the data set and COPYs it, table by table, tickets in chunks."""

    def __init__(self, *, tickets: int, orgs: int, days: int, seed: int, progress_stream) -> None:
        self.n_tickets, self.n_orgs, self.days = tickets, orgs, days
        self.rng = random.Random(seed)  # noqa: S311  (reproducible data, not secrets)
        self.now = timezone.now().replace(microsecond=0)
        self.window_start = self.now - timedelta(days=days)
        self.progress_stream = progress_stream
        self.counters = Counters()
        self.timings: dict[str, float] = {}
        self.tables: dict[str, Table] = {}
        self.models = [
            User,
            Organization,
            Membership,
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
            Ticket,
            Reply,
            TicketStatusChange,
        ]

    # --- plumbing ------------------------------------------------------------------------

    def table(self, model: type[models.Model], attnames: list[str]) -> Table:
        key = model._meta.label
        if key not in self.tables:
            self.tables[key] = Table(model, attnames, self.now)
        return self.tables[key]

    def _timed(self, name: str, started: float) -> None:
        self.timings[name] = time.monotonic() - started

    def run(self) -> None:
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in [*self.models])
        with connection.cursor() as cursor:
            # Nobody else inserts (or takes a number) while ids and counters are reserved.
            cursor.execute(f"LOCK TABLE {tables}, sequences_sequence IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SET LOCAL synchronous_commit = off")
            # Check foreign keys as rows arrive rather than queueing every check to the commit
            # (a queued check also keeps a table from being altered, see DeferredChecks).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.targets = {
            (t.tier, t.priority): (t.first_response_minutes, t.resolution_minutes)
            for t in SlaTarget.objects.all()
        }
        self.categories = [*TicketCategory.objects.values_list("id", flat=True), None]
        started = time.monotonic()
        self.load_people()
        self._timed("organizations and members", started)
        started = time.monotonic()
        self.load_entitlements()
        self._timed("entitlements, environments, services", started)
        started = time.monotonic()
        with DeferredChecks([Ticket, Reply, TicketStatusChange]):
            self.load_tickets()
            self._timed("tickets, replies, history", started)
            started = time.monotonic()
        self._timed("indexes and foreign keys", started)
        self.counters.save()

    # --- organizations, users, memberships -----------------------------------------------

    def load_people(self) -> None:
        rng = self.rng
        weights = sorted((rng.lognormvariate(0, 1.0) for _ in range(self.n_orgs)), reverse=True)
        # The first organization, the benchmark's client, holds CLIENT_SHARE of the tickets and
        # is the largest; the others share the rest by lognormal weights, capped below it.
        share = max(CLIENT_SHARE, 1.5 / self.n_orgs)  # few organizations: a bigger client
        others = weights[1:]
        for _ in range(50):
            total = sum(others) or 1.0
            others = [min(w / total * (1 - share), share * 0.9) for w in others]
        total = sum(others) or 1.0
        self.org_weights = [share] + [w / total * (1 - share) for w in others]
        if self.n_orgs == 1:
            self.org_weights = [1.0]
        hashed = make_password(PASSWORD)
        org_start = reserve_ids(Organization, self.n_orgs)
        members_per_org = [min(30, 3 + int(w * self.n_tickets / 400)) for w in self.org_weights]
        members_per_org[0] = 30
        n_users = AGENTS + sum(members_per_org)
        user_start = reserve_ids(User, n_users)
        membership_start = reserve_ids(Membership, sum(members_per_org))
        users = self.table(
            User, ["id", "password", "email", "name", "is_staff", "is_active", "date_joined"]
        )
        orgs = self.table(
            Organization,
            ["id", "name", "slug", "legal_name", "email", "type", "country", "company",
             "status", "created_at", "updated_at"],
        )  # fmt: skip
        memberships = self.table(
            Membership,
            ["id", "user_id", "organization_id", "role", "scopes", "is_active", "created_at",
             "updated_at"],
        )  # fmt: skip
        joined = self.window_start - timedelta(days=400)
        self.agents = list(range(user_start, user_start + AGENTS))
        user_rows = [
            (uid, hashed, f"agent{i + 1:02d}@middag-scale.example", f"Agent {i + 1:02d}", True,
             True, joined)
            for i, uid in enumerate(self.agents)
        ]  # fmt: skip
        org_rows, membership_rows = [], []
        self.orgs: list[Org] = []
        uid, mid = user_start + AGENTS, membership_start
        scopes_member = json.dumps(["entitlements", "tickets"])
        scopes_guest = json.dumps(["entitlements"])
        scopes_all, scopes_none = json.dumps(list(ALL_SCOPES)), json.dumps([])
        for i in range(self.n_orgs):
            oid = org_start + i
            slug = f"{SLUG_PREFIX}{i + 1:04d}"
            created = joined + timedelta(days=rng.uniform(0, 300))
            org = Org(id=oid, index=i, tier=rng.choice(TIERS), created=created)
            if i == 0:
                org.tier = "business"
            self.orgs.append(org)
            org_rows.append(
                (oid, f"Scale Org {i + 1:04d}", slug, f"Scale Org {i + 1:04d} Ltda",
                 f"contact@{slug}.example", rng.choice(["company", "university", "school"]),
                 "BR", "middag_br" if rng.random() < 0.7 else "middag_global", "active",
                 created, created)
            )  # fmt: skip
            for k in range(members_per_org[i]):
                if k == 0:
                    role, scopes, local = "owner", scopes_all, "owner"
                elif k == 1:
                    role, scopes, local = "admin", scopes_none, "admin"
                elif k == 2 and i == 0:
                    role, scopes, local = "member", scopes_member, "client"
                elif k == members_per_org[i] - 1 and k > 2:
                    role, scopes, local = "guest", scopes_guest, "guest"
                else:
                    role, scopes, local = "member", scopes_member, f"member{k}"
                user_rows.append(
                    (uid, hashed, f"{local}@{slug}.example", f"{local.title()} {i + 1:04d}",
                     False, True, created)
                )  # fmt: skip
                membership_rows.append((mid, uid, oid, role, scopes, True, created, created))
                if role != "guest":
                    org.requesters.append(uid)
                uid, mid = uid + 1, mid + 1
        users.copy(user_rows)
        orgs.copy(org_rows)
        memberships.copy(membership_rows)

    # --- entitlements, environments, services, orders, licenses, contracts ---------------

    def load_entitlements(self) -> None:
        rng = self.rng
        plan: list[tuple[Org, str, str, datetime]] = []  # (org, class, status, created)
        for org in self.orgs:
            scale = self.org_weights[org.index] * self.n_orgs  # 1.0 = an average organization
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
                        status = "active"  # every organization can raise service requests
                    else:
                        status = rng.choices(
                            ["active", "suspended", "expired", "cancelled"], [85, 5, 5, 5]
                        )[0]
                    span = (self.window_start - org.created).total_seconds()
                    created = org.created + timedelta(seconds=rng.uniform(0, max(span, 1)) * 0.9)
                    plan.append((org, cls, status, created))
        plan.sort(key=lambda p: p[3])
        ent_start = reserve_ids(Entitlement, len(plan))
        envs = [p for p in plan if p[1] == "ENV"]
        svcs = [p for p in plan if p[1] == "SVC"]
        env_start = reserve_ids(Environment, len(envs))
        svc_start = reserve_ids(Service, len(svcs))
        ent_table = self.table(
            Entitlement,
            ["id", "code", "entitlement_class", "product_name", "status", "organization_id",
             "company", "starts_at", "expires_at", "cancelled_at", "cancellation_reason",
             "sla_tier", "metadata", "created_at", "updated_at"],
        )  # fmt: skip
        env_table = self.table(
            Environment,
            ["id", "name", "status", "platform", "environment_type", "url", "entitlement_id",
             "organization_id", "metadata", "platform_version", "region", "health",
             "created_at", "updated_at"],
        )  # fmt: skip
        svc_table = self.table(
            Service,
            ["id", "name", "status", "lifecycle", "description", "entitlement_id",
             "organization_id", "metadata", "category", "priority", "start_date",
             "assigned_staff_id", "created_at", "updated_at"],
        )  # fmt: skip
        ent_rows, env_rows, svc_rows = [], [], []
        ent_history, env_history, svc_history = [], [], []
        orders, licenses, contracts = [], [], []
        env_id, svc_id = env_start, svc_start
        for k, (org, cls, status, created) in enumerate(plan):
            eid = ent_start + k
            code = f"{cls}-{business_time(created):%Y%m}"
            code += f"{self.counters.next(f'entitlement.{cls}.{business_time(created):%Y%m}'):04d}"
            tier = org.tier if rng.random() < 0.9 else rng.choice(TIERS)
            expires = created + timedelta(days=365 * rng.choice([1, 2, 3]))
            while status == "active" and expires < self.now:
                expires += timedelta(days=365)
            if status == "expired":
                expires = self.now - timedelta(days=rng.uniform(1, 60))
            changed = self.now - timedelta(days=rng.uniform(1, 60))
            cancelled = changed if status == "cancelled" else None
            ent_rows.append(
                (eid, code, cls, rng.choice(PRODUCTS[cls]), status, org.id,
                 "middag_br", created, expires, cancelled,
                 "Customer request" if cancelled else "", tier,
                 json.dumps({"seats": rng.choice([100, 500, 2000])}), created,
                 changed if status != "active" else created)
            )  # fmt: skip
            ent_history.append((None, "active", "create", created, None, "", eid))
            if status != "active":
                verb = {"suspended": "suspend", "expired": "expire", "cancelled": "cancel"}[status]
                reason = "Customer request" if status == "cancelled" else ""
                ent_history.append(("active", status, verb, changed, self.agents[0], reason, eid))
            if cls == "ENV":
                env_status = {
                    "active": rng.choices(["active", "maintenance", "provisioning"], [90, 5, 5])[0],
                    "suspended": "suspended",
                    "expired": "suspended",
                    "cancelled": "decommissioned",
                }[status]
                if status == "active" and not any(t[1] for t in org.targets):
                    env_status = "active"
                platform = rng.choices(["moodle", "wordpress", "custom"], [70, 20, 10])[0]
                env_rows.append(
                    (env_id, f"{platform.title()} {org.index + 1:04d}-{k}", env_status,
                     platform, "production" if rng.random() < 0.8 else "staging",
                     f"https://lms{env_id}.example.com", eid, org.id, "{}", "4.5",
                     rng.choice(["sa-east-1", "us-east-1"]), "healthy", created, created)
                )  # fmt: skip
                env_history.append((None, "provisioning", "create", created, None, "", env_id))
                path = {
                    "active": ["activate"],
                    "maintenance": ["activate", "start_maintenance"],
                    "suspended": ["activate", "suspend"],
                    "decommissioned": ["activate", "decommission"],
                    "provisioning": [],
                }[env_status]
                before = "provisioning"
                for i, verb in enumerate(path):
                    after = _ENV_AFTER[verb]
                    at = created + H * (i + 1) if i == 0 else changed
                    env_history.append((before, after, verb, at, self.agents[0], "", env_id))
                    before = after
                if status == "active" and env_status != "decommissioned":
                    org.targets.append((eid, env_id, None, cls, tier))
                env_id += 1
            elif cls == "SVC":
                lifecycle = rng.choice(["project", "ongoing"])
                svc_status = {
                    "active": rng.choice(["approved", "in_progress", "in_progress", "on_hold"]),
                    "suspended": "on_hold",
                    "expired": "closed" if lifecycle == "ongoing" else "cancelled",
                    "cancelled": "cancelled",
                }[status]
                svc_rows.append(
                    (svc_id, f"{rng.choice(PRODUCTS['SVC'])} {org.index + 1:04d}-{k}", svc_status,
                     lifecycle, "Scope agreed with the client.", eid, org.id, "{}",
                     "development", rng.choice(["low", "normal", "high"]), created.date(),
                     rng.choice(self.agents), created, created)
                )  # fmt: skip
                svc_history.append((None, "proposal", "create", created, None, "", svc_id))
                before = "proposal"
                for i, verb in enumerate(_SVC_PATHS[svc_status]):
                    after = _SVC_AFTER[verb]
                    at = created + H * (i + 1)
                    svc_history.append((before, after, verb, at, self.agents[0], "", svc_id))
                    before = after
                if status == "active":
                    org.targets.append((eid, None, svc_id, cls, tier))
                svc_id += 1
            elif status == "active":
                org.targets.append((eid, None, None, cls, tier))  # staff-raised requests only
            if cls in ("PLG", "ORD", "ENV") and rng.random() < 0.7:
                orders.append((org.id, eid, created))
            if cls == "PLG":
                licenses.append((eid, created, expires))
            if cls in ("ENV", "SVC") and rng.random() < 0.5:
                contracts.append((org.id, eid, created, expires))
        ent_table.copy(ent_rows)
        env_table.copy(env_rows)
        svc_table.copy(svc_rows)
        history = ["from_status", "to_status", "transition", "changed_at", "changed_by_id",
                   "reason", "subject_id"]  # fmt: skip
        self.table(EntitlementStatusChange, history).copy(ent_history)
        self.table(EnvironmentStatusChange, history).copy(env_history)
        self.table(ServiceStatusChange, history).copy(svc_history)
        self._load_commerce(orders, licenses, contracts)

    def _load_commerce(self, orders: list, licenses: list, contracts: list) -> None:
        order_start = reserve_ids(Order, len(orders))
        order_table = self.table(
            Order,
            ["id", "number", "status", "total", "currency", "date_created", "date_completed",
             "payment_method", "organization_id"],
        )  # fmt: skip
        order_table.copy(
            (order_start + i, f"SCALE-{order_start + i}", "completed",
             f"{self.rng.choice([490, 1250, 4800])}.00", "BRL", at, at + H, "credit_card", oid)
            for i, (oid, _eid, at) in enumerate(orders)
        )  # fmt: skip
        self.table(OrderEntitlement, ["order_id", "entitlement_id", "kind", "linked_at"]).copy(
            (order_start + i, eid, "created", at) for i, (_oid, eid, at) in enumerate(orders)
        )
        lic_start = reserve_ids(License, len(licenses))
        self.table(
            License,
            ["id", "license_key", "product_name", "status", "entitlement_id", "activations_limit",
             "expires_at", "created_at"],
        ).copy(
            (lic_start + i, f"SCALE-LIC-{lic_start + i:09d}", "Campus EAD Plugin", "active", eid,
             3, expires, at)
            for i, (eid, at, expires) in enumerate(licenses)
        )  # fmt: skip
        self.table(
            Contract,
            ["title", "status", "start_date", "end_date", "organization_id", "entitlement_id",
             "created_at"],
        ).copy(
            (f"Service agreement {eid}", "active", at.date(), expires.date(), oid, eid, at)
            for oid, eid, at, expires in contracts
        )  # fmt: skip

    # --- tickets, replies, history -------------------------------------------------------

    def load_tickets(self) -> None:
        rng, n = self.rng, self.n_tickets
        span = (self.now - self.window_start).total_seconds()
        # Volume grows over time (sqrt skews creation times towards now); sorted, so ids and
        # numbers increase with creation time as they do in production.
        offsets = sorted(span * math.sqrt(rng.random()) for _ in range(n))
        # Exactly each organization's share of the tickets (largest remainders), in random order.
        exact = [w * n for w in self.org_weights]
        counts = [int(x) for x in exact]
        by_remainder = sorted(range(self.n_orgs), key=lambda i: exact[i] - counts[i], reverse=True)
        for i in by_remainder[: n - sum(counts)]:
            counts[i] += 1
        owners = [i for i, k in enumerate(counts) for _ in range(k)]
        rng.shuffle(owners)
        ticket_start = reserve_ids(Ticket, n)
        tickets = self.table(Ticket, _TICKET_FIELDS)
        replies = self.table(Reply, ["ticket_id", "author_id", "message", "internal", "created_at"])
        history = self.table(
            TicketStatusChange,
            ["from_status", "to_status", "transition", "changed_at", "changed_by_id", "reason",
             "subject_id"],
        )  # fmt: skip
        progress = Progress("tickets", n, self.progress_stream)
        year_of: dict[int, str] = {}
        for lo in range(0, n, CHUNK):
            t_rows, r_rows, h_rows = [], [], []
            for k in range(lo, min(lo + CHUNK, n)):
                created = self.window_start + timedelta(seconds=int(offsets[k]))
                day = created.toordinal()
                if day not in year_of:
                    year_of[day] = f"{business_time(created):%Y}"
                year = year_of[day]
                number = f"SR-{year}{self.counters.next(f'ticket.{year}'):04d}"
                self._ticket(
                    ticket_start + k, number, created, self.orgs[owners[k]], t_rows, r_rows, h_rows
                )
            tickets.copy(t_rows)
            replies.copy(r_rows)
            history.copy(h_rows)
            progress.advance(len(t_rows))

    def _ticket(
        self, tid: int, number: str, created: datetime, org: Org, t_rows, r_rows, h_rows
    ) -> None:
        rng, now = self.rng, self.now
        ent_id, env_id, svc_id, _cls, tier = rng.choice(org.targets)
        priority = rng.choice(PRIORITIES)
        requester = rng.choice(org.requesters)
        agent = rng.choice(self.agents)
        resp_min, res_min = self.targets.get((tier, priority), (None, None))
        resp_target = timedelta(minutes=resp_min or 8 * 60)
        res_target = timedelta(minutes=res_min or 3 * 24 * 60)
        # The timeline as it would unfold; what has happened by `now` decides the status.
        late = rng.random()
        fr_delay = resp_target * (rng.uniform(0.05, 0.9) if late < 0.88 else rng.uniform(1.05, 3))
        tail = rng.random()
        # Most requests are resolved in time, some late, a few linger for weeks (the backlog).
        if tail < 0.82:
            res_delay = res_target * rng.uniform(0.1, 0.95)
        elif tail < 0.97:
            res_delay = res_target * rng.uniform(1.05, 2.0)
        else:
            res_delay = res_target * rng.uniform(2.0, 20.0)
        res_delay = max(res_delay, fr_delay * 1.2)
        first = created + fr_delay
        waits = rng.random() < 0.3
        wait_from = first + (res_delay - fr_delay) * rng.uniform(0.1, 0.5)
        wait_len = timedelta(seconds=rng.uniform(3600, 3 * 86400)) if waits else timedelta(0)
        wait_to = wait_from + wait_len
        resolved = created + res_delay + wait_len
        closed = resolved + timedelta(seconds=rng.uniform(3600, 7 * 86400))
        cancel = created + (resolved - created) * rng.uniform(0.05, 0.95)
        cancels = rng.random() < 0.05

        def happened(at: datetime) -> bool:
            return at <= now and not (cancels and at > cancel)

        events: list[tuple[str, str, str, datetime, int | None, str]] = [
            ("", TS.OPEN, "create", created, requester, "")
        ]
        if happened(first):
            events.append((TS.OPEN, TS.IN_PROGRESS, "start", first, agent, ""))
        if waits and happened(first) and happened(wait_from):
            events.append((TS.IN_PROGRESS, TS.WAITING, "wait", wait_from, agent, ""))
            if happened(wait_to):
                events.append(
                    (TS.WAITING, TS.IN_PROGRESS, "start", wait_to, requester, "The client replied.")
                )
        if happened(resolved):
            events.append((events[-1][1], TS.RESOLVED, "resolve", resolved, agent, ""))
            if happened(closed):
                events.append((TS.RESOLVED, TS.CLOSED, "close", closed, None, ""))
        if cancels and cancel <= now:
            events.append((events[-1][1], TS.CANCELLED, "cancel", cancel, requester, ""))
        status = events[-1][1]
        paused_at = wait_from if status == TS.WAITING else None
        paused_seconds = int(wait_len.total_seconds()) if waits and happened(wait_to) else 0
        first_response_at = first if happened(first) else None
        resolved_at = resolved if status in (TS.RESOLVED, TS.CLOSED) else None
        closed_at = closed if status == TS.CLOSED else (cancel if status == TS.CANCELLED else None)
        # Due times as apply_targets() sets them, plus the paused time credited on resuming.
        response_due = response_risk = resolution_due = resolution_risk = None
        if resp_min is not None:
            response_due = created + resp_target
            response_risk = created + resp_target * 0.75
        if res_min is not None:
            pause = timedelta(seconds=paused_seconds)
            resolution_due = created + res_target + pause
            resolution_risk = created + res_target * 0.75 + pause
        assignee = agent if first_response_at or rng.random() < 0.25 else None
        rating = rated_at = rated_by = None
        if resolved_at and rng.random() < 0.35:
            rating = rng.choices([1, 2, 3, 4, 5], [5, 5, 15, 35, 40])[0]
            rated_at = min(resolved_at + H, now)
            rated_by = requester
        updated = max(events[-1][3], rated_at or created)
        t_rows.append(
            (tid, number, f"{rng.choice(TITLES)} on {rng.choice(PLACES)}",
             rng.choice(DESCRIPTIONS), status, priority, rng.choice(SOURCES),
             now + 7 * DAY if rng.random() < 0.03 else None,
             response_due, resolution_due, first_response_at, paused_at, paused_seconds,
             resolved_at, closed_at, rating, rated_at, created, updated, assignee, ent_id,
             env_id, org.id, rated_by, requester, svc_id, rng.choice(self.categories),
             resolution_risk, response_risk)
        )  # fmt: skip
        for before, after, verb, at, who, reason in events:
            h_rows.append((before or None, after, verb, at, who, reason, tid))
        # The conversation: the first public staff reply is the first response.
        if rng.random() < 0.4 and happened(created + 10 * 60 * _S):
            r_rows.append((tid, requester, rng.choice(CLIENT_REPLIES), False, created + 600 * _S))
        if first_response_at:
            r_rows.append((tid, agent, rng.choice(STAFF_REPLIES), False, first))
            if rng.random() < 0.3 and happened(first + H) and first + H < resolved:
                r_rows.append((tid, agent, rng.choice(NOTES), True, first + H))
        if waits and happened(first) and happened(wait_from):
            r_rows.append((tid, agent, STAFF_REPLIES[2], False, wait_from))
            if happened(wait_to):
                r_rows.append((tid, requester, CLIENT_REPLIES[1], False, wait_to))
        if resolved_at:
            r_rows.append((tid, agent, rng.choice(FIXES), False, resolved))


_S = timedelta(seconds=1)
_ENV_AFTER = {
    "activate": "active",
    "start_maintenance": "maintenance",
    "suspend": "suspended",
    "decommission": "decommissioned",
}
_SVC_AFTER = {
    "approve": "approved",
    "start": "in_progress",
    "hold": "on_hold",
    "deliver": "delivered",
    "close": "closed",
    "cancel": "cancelled",
}
_SVC_PATHS: dict[str, list[str]] = defaultdict(list)
_SVC_PATHS.update(
    {
        "approved": ["approve"],
        "in_progress": ["approve", "start"],
        "on_hold": ["approve", "start", "hold"],
        "closed": ["approve", "start", "close"],
        "cancelled": ["approve", "cancel"],
    }
)
_TICKET_FIELDS = [
    "id", "number", "title", "description", "status", "priority", "source", "due_at",
    "response_due_at", "resolution_due_at", "first_response_at", "paused_at", "paused_seconds",
    "resolved_at", "closed_at", "rating", "rated_at", "created_at", "updated_at", "assignee_id",
    "entitlement_id", "environment_id", "organization_id", "rated_by_id", "requester_id",
    "service_id", "category_id", "resolution_risk_at", "response_risk_at",
]  # fmt: skip
