"""Run under the benchmark's settings (same database): pick ids, issue tokens, count SQL queries.

Prints one JSON object for bench/run.py: the ids and bearer tokens of the client and the staff
agent, the staff agent's back-office session cookie, the ticket count, the soak run's request targets, and for every scenario the number of
SQL queries one request makes, counted in-process with CaptureQueriesContext through Django's
test client (at the default page size and at per_page=100 for lists).
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any

import django

TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b", re.I)


def subjects() -> dict[str, Any]:
    """Who and what the scenarios use (Django set up): the largest organization's client, a staff
    agent, an active ENV entitlement and the organization's recent tickets, as `ids` for
    bench/scenarios.py, with the callers' bearer tokens and request headers."""
    from accounts.models import Organization, User
    from accounts.tokens import issue_pair
    from bench.loader import CLIENT_EMAIL, STAFF_EMAIL
    from entitlements.models import Entitlement

    org = Organization.objects.get(slug="scale-0001")
    client_user = User.objects.get(email=CLIENT_EMAIL)
    staff = User.objects.get(email=STAFF_EMAIL)
    entitlement = (
        Entitlement.objects.filter(
            organization=org,
            entitlement_class="ENV",
            status="active",
            environment__status="active",
        )
        .order_by("id")
        .first()
    )
    ids = {
        "org_id": org.pk,
        "client_id": client_user.pk,
        "staff_id": staff.pk,
        "entitlement_id": entitlement.pk,
        **_ticket_ids(org),
    }
    tokens = {
        "client": issue_pair(client_user, org)["access_token"],
        "staff": issue_pair(staff)["access_token"],
        "admin": "",  # the back office signs in with a session, not a token
        "portal": "",  # so does the client portal
    }
    cookies = {
        "admin": admin_session_cookie(staff),
        "portal": portal_session_cookie(client_user, org),
    }
    headers = {
        "client": {
            "Authorization": f"Bearer {tokens['client']}",
            "X-Middag-Organization": str(org.pk),
        },
        "staff": {"Authorization": f"Bearer {tokens['staff']}"},
        "admin": {"Cookie": cookies["admin"]},
        "portal": {"Cookie": cookies["portal"]},
    }
    return {
        "org": org,
        "client_user": client_user,
        "entitlement": entitlement,
        "ids": ids,
        "tokens": tokens,
        "cookies": cookies,
        "headers": headers,
    }


def admin_session_cookie(staff) -> str:
    """`sessionid=…` of a back-office session for `staff`, as after signing in with the password
    and the second factor (a bench-only authenticator, so the two-factor check passes with
    STAFF_MFA_REQUIRED on, as in production)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=staff, name="Benchmark authenticator", defaults={"confirmed": True}
    )
    session = SessionStore()
    session[SESSION_KEY] = str(staff.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = staff.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def portal_session_cookie(user, org) -> str:
    """`sessionid=…` of a client portal session for `user`, as after signing in at /portal/login/,
    with `org` chosen in the organization switcher (portal.tenancy)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from portal.tenancy import SESSION_KEY as PORTAL_ORG

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[PORTAL_ORG] = org.pk
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _ticket_ids(org) -> dict[str, Any]:
    """The organization's recent tickets, the one in their middle, and its open ones."""
    from tickets.models import Ticket

    recent = list(
        Ticket.objects.filter(organization=org)
        .order_by("-created_at", "-id")
        .values_list("id", flat=True)[:200]
    )
    open_ids = list(
        Ticket.objects.filter(organization=org, status__in=["open", "in_progress", "waiting"])
        .order_by("-created_at")
        .values_list("id", flat=True)[:50]
    )
    return {
        "ticket_id": recent[len(recent) // 2],
        "recent_ticket_ids": recent,
        "open_ticket_ids": open_ids or recent[:10],
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.scenarios import scenarios, with_page_size
    from tickets.models import Ticket

    cleanup_previous_runs()
    found = subjects()
    org, ids, tokens, headers = found["org"], found["ids"], found["tokens"], found["headers"]
    cookies = found["cookies"]
    ids["soak_ticket_ids"] = soak_targets(found["client_user"], found["entitlement"])

    def count(scenario: dict, path: str) -> int:
        http = Client()
        call = {"path": path, "headers": headers[scenario["caller"]]}
        if scenario["body"]:
            call.update(data=scenario["body"], content_type="application/json")
        method = getattr(http, scenario["method"].lower())
        method(**call)  # warm: the first request of a process fills caches
        with CaptureQueriesContext(connection) as ctx:
            response = method(**call)
        if response.status_code >= 400 or (
            scenario["kind"] in ("admin", "portal") and response.status_code != 200
        ):
            sys.exit(f"{scenario['name']}: HTTP {response.status_code} {response.content[:300]!r}")
        # SQL statements that read or write rows; transaction control (BEGIN, COMMIT,
        # SAVEPOINT, RELEASE) is left out, as in tests/performance.
        return sum(1 for q in ctx.captured_queries if not TRANSACTION.match(q["sql"]))

    items = scenarios(ids)
    for scenario in items:
        scenario["queries_per_request"] = count(scenario, scenario["path"])
        if scenario["kind"] in ("list", "compat"):
            scenario["queries_per_request_100"] = count(
                scenario, with_page_size(scenario["path"], 100)
            )
    print(
        json.dumps(
            {
                "ids": ids,
                "tokens": tokens,
                "cookies": cookies,
                "tickets": Ticket.objects.count(),
                "client_org_tickets": Ticket.objects.filter(organization=org).count(),
                "scenarios": items,
            }
        )
    )


BENCH_TITLES = ["Benchmark request", "Soak request", "Soak target"]


def cleanup_previous_runs(titles: list[str] = BENCH_TITLES) -> None:
    """Remove what earlier runs created, so every run measures the data set as it was loaded.

    The benchmark's tickets (with their replies and history) are the newest rows and hold the
    year's highest numbers, so after deleting them the counter goes back to the highest number
    left: the data set stays gapless and the next run's numbers can be checked exactly.
    """
    from django.db import connection, transaction

    from tickets.models import Ticket

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE sequences_sequence IN SHARE ROW EXCLUSIVE MODE")
        Ticket.objects.filter(title__in=titles).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE sequences_sequence s SET last = coalesce(("
                "  SELECT max(substring(t.number from 8)::bigint) FROM tickets_ticket t"
                "  WHERE t.number LIKE 'SR-' || substring(s.name from 8) || '%%'), 0)"
                " WHERE s.name LIKE 'ticket.%%'"
            )


def soak_targets(user, entitlement) -> list[int]:
    """Forty open requests of the client, through the action, for the soak's replies."""
    from tickets import actions, notifications

    with notifications.muted():
        return [
            actions.ticket_create(
                actor=user,
                entitlement=entitlement,
                title="Soak target",
                description="Soak reply target.",
            ).pk
            for _ in range(40)
        ]


def cleanup_created() -> None:
    """Between scenarios: remove the tickets a create scenario made and vacuum, so the next
    scenario reads the data set as it was loaded (not 2,000 fresh, not-yet-vacuumed rows)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection

    from tickets.models import Reply, Ticket, TicketStatusChange

    cleanup_previous_runs(["Benchmark request"])
    with connection.cursor() as cursor:
        for model in (Ticket, Reply, TicketStatusChange):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--cleanup"]:
        cleanup_created()
    else:
        main()
