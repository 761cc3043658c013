"""HEAD and OPTIONS never change anything (issue 18, items 1 to 3).

Every route of the OpenAPI schema of the three APIs (the account API, the helpdesk and ISP
compatibility APIs) gets a HEAD without and with a JSON body, and an OPTIONS without `If-Match`,
with a tag that matches nothing and with the object's current ETag, as an organization's owner
and as staff, on real objects of the caller's organization. After each request the database is
exactly as before it (row count of every model of the project's apps, and the latest
`updated_at` of every table that has one), and no answer is a server error.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import QuerySet
from drf_spectacular.generators import SchemaGenerator

from accounts.invitations import expiry
from accounts.models import Invitation
from config.conditional import current_etag
from tests.conftest import API
from tickets import actions as ticket_actions
from tickets.models import Attachment, Ticket, TicketStatusChange

PREFIXES = (f"{API}/", "/api/v1/")
# Besides the project's own apps, the third-party ones the API writes to (SR numbers, logout).
WRITTEN_THIRD_PARTY_APPS = ("sequences", "token_blacklist")
CALLERS = ("owner", "staff")
CLOSE_TICKET = "/api/v1/close_ticket/{ticket_id}/"


def _routes() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(path for path in schema["paths"] if path.startswith(PREFIXES))


def _is_watched(config) -> bool:
    own = Path(config.path).is_relative_to(settings.BASE_DIR) and ".venv" not in config.path
    return own or config.label in WRITTEN_THIRD_PARTY_APPS


def _snapshot_sql() -> str:
    """One statement reading every table's row count and latest `updated_at` (one query per
    model would be some 50,000 queries for the walk). The names are the models' own tables."""
    columns = []
    for config in apps.get_app_configs():
        if not _is_watched(config):
            continue
        for model in config.get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            columns.append(f"(SELECT COUNT(*) FROM {table})")  # noqa: S608
            if any(f.name == "updated_at" for f in model._meta.concrete_fields):
                columns.append(f"(SELECT MAX(updated_at) FROM {table})")  # noqa: S608
    return "SELECT " + ", ".join(columns)


def _snapshot(sql: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def _with_reply(world) -> None:
    """The world's ticket gets a conversation, so replies routes have something to read."""
    ticket_actions.ticket_reply(ticket=world.ticket, author=world.member, message="A first answer")


def _invitation(world, caller: str) -> Invitation:
    """A pending invitation to the caller (made before the snapshot): HEAD must not accept it."""
    email = world.user(caller).email
    defaults = {"expires_at": expiry()}
    return Invitation.objects.get_or_create(
        organization=world.other_org, email=email, defaults=defaults
    )[0]


def _attachment(world) -> Attachment:
    """A file on the world's ticket (made once, before the snapshot)."""
    if "attachment" not in world.objects:
        reply = ticket_actions.ticket_reply(
            ticket=world.ticket,
            author=world.member,
            message="Log attached",
            files=[SimpleUploadedFile("server.log", b"A log line\n")],
        )
        world.objects["attachment"] = reply.attachments.get()
    return world.objects["attachment"]


def _objects(world, caller: str) -> dict[str, object]:
    """Path parameter (or resource segment for `{id}`) → a real object of the caller's org."""
    return {
        "entitlements": world.env_entitlement,
        "environments": world.environment,
        "services": world.service,
        "tickets": world.ticket,
        "attachments": _attachment(world),
        "organizations": world.org,
        "environment_pk": world.environment,
        "service_pk": world.service,
        "ticket_id": world.ticket,
        "membership_id": world.member_membership,
        "invitations": _invitation(world, caller),
        "user_id": world.user(caller),
    }


WORDS = {"status": "all", "assigned_admin": "nobody"}


def _fill(route: str, world, caller: str) -> tuple[str, object]:
    """The route with real ids, and the object it addresses (the organization for a list)."""
    objects = _objects(world, caller)
    segments = route.split("/")
    target: object = world.org
    for i, segment in enumerate(segments):
        name = segment[1:-1] if segment.startswith("{") else None
        if name is None:
            continue
        if name in WORDS:  # get_tickets' optional segments: a filter, not an object
            segments[i] = WORDS[name]
            continue
        if name == "code":
            segments[i] = world.env_entitlement.code
            target = world.env_entitlement
            continue
        obj = objects[segments[i - 1] if name == "id" else name]
        segments[i] = str(obj.pk)
        if hasattr(obj, "updated_at"):  # a user has no ETag; keep the organization's
            target = obj
    return "/".join(segments), target


def _body(world) -> str:
    """A JSON body that would be a valid write for the routes that read on GET."""
    return json.dumps(
        {
            "name": "Written by HEAD",
            "email": world.outsider.email,
            "role": "member",
            "scopes": ["entitlements"],
            "message": "Written by HEAD",
            "title": "Written by HEAD",
            "description": "A HEAD request must not create this.",
            "entitlement_id": world.env_entitlement.pk,
            "environment_id": world.environment.pk,
            "ticketId": world.ticket.pk,
            "userId": world.member.pk,
        }
    )


ROUTES = _routes()


def test_the_walk_covers_the_three_apis():
    assert any(r.startswith(f"{API}/") for r in ROUTES)
    assert any(re.match(r"/api/v1/(raise|close)_ticket", r) for r in ROUTES)  # helpdesk
    assert "/api/v1/tickets/{id}/" in ROUTES  # ISP
    assert CLOSE_TICKET in ROUTES


@pytest.mark.parametrize("caller", CALLERS)
def test_head_and_options_change_nothing_on_any_route(world, caller):
    _with_reply(world)
    client = world.clients[caller]
    sql = _snapshot_sql()
    body = _body(world)
    problems: list[str] = []
    for route in ROUTES:
        url, target = _fill(route, world, caller)
        tag = current_etag(target)
        requests = {
            "HEAD": {},
            "HEAD with a body": {"data": body, "content_type": "application/json"},
            "OPTIONS": {},
            'OPTIONS If-Match "x"': {"HTTP_IF_MATCH": '"x"'},
            "OPTIONS If-Match <current ETag>": {"HTTP_IF_MATCH": tag},
        }
        statuses: dict[str, int] = {}
        for label, kwargs in requests.items():
            cache.clear()  # throttle counters: every request is judged on its own
            before = _snapshot(sql)
            response = client.generic(label.split()[0], url, **kwargs)
            statuses[label] = response.status_code
            if _snapshot(sql) != before:
                problems.append(f"{label} {url} ({response.status_code}) changed the database")
            if response.status_code >= 500:
                problems.append(f"{label} {url} answered {response.status_code}")
        for label in ('OPTIONS If-Match "x"', "OPTIONS If-Match <current ETag>"):
            if statuses[label] != statuses["OPTIONS"]:  # OPTIONS checks no precondition
                problems.append(f"{label} {url}: {statuses[label]}, not {statuses['OPTIONS']}")
    assert not problems, "\n".join(problems)


def test_head_close_ticket_leaves_the_ticket_open_and_get_still_closes_it(world):
    client = world.clients["member"]
    url = CLOSE_TICKET.format(ticket_id=world.ticket.pk)
    history = TicketStatusChange.objects.filter(subject=world.ticket).count()

    for kwargs in ({}, {"data": "{}", "content_type": "application/json"}):
        head = client.generic("HEAD", url, **kwargs)
        assert head.status_code == 405  # the seed's GET writes: HEAD is not served
        assert "HEAD" not in head["Allow"]
        assert "GET" in head["Allow"]
        assert Ticket.objects.get(pk=world.ticket.pk).status == Ticket.Status.OPEN
        assert TicketStatusChange.objects.filter(subject=world.ticket).count() == history

    get = client.get(url)
    assert get.status_code == 200, get.content
    assert Ticket.objects.get(pk=world.ticket.pk).status == Ticket.Status.RESOLVED


def test_head_with_a_body_adds_no_reply_and_no_collaborator(world):
    _with_reply(world)
    owner = world.clients["owner"]
    replies = f"{API}/tickets/{world.ticket.pk}/replies"
    collaborators = f"{API}/organizations/{world.org.pk}/collaborators"
    count = world.ticket.replies.count()
    members = world.org.memberships.count()
    body = _body(world)

    for url in (replies, collaborators):
        response = owner.generic("HEAD", url, data=body, content_type="application/json")
        assert response.status_code == 200, (url, response.status_code)
        assert response.content == b""
    assert world.ticket.replies.count() == count
    assert world.org.memberships.count() == members


@pytest.fixture
def locks(monkeypatch) -> list[str]:
    """Every `select_for_update()` the request asks for (SQLite drops FOR UPDATE silently)."""
    taken: list[str] = []
    original = QuerySet.select_for_update

    def spy(self, *args, **kwargs):
        taken.append(self.model.__name__)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", spy)
    return taken


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["stale", "current"])
def test_options_with_if_match_is_answered_without_a_check_or_a_lock(committed_world, locks, kind):
    """DRF's OPTIONS simulates a PUT and reads the object; the If-Match check used to lock the
    row outside any transaction (TransactionManagementError on PostgreSQL, answered as 503)."""
    from tests.conftest import client_for

    world = committed_world
    client = client_for(world.owner, world.org)
    for url, obj in (
        (f"{API}/organizations/{world.org.pk}", world.org),
        (f"{API}/tickets/{world.ticket.pk}", world.ticket),
        (f"{API}/entitlements/{world.env_entitlement.pk}", world.env_entitlement),
    ):
        tag = '"x"' if kind == "stale" else current_etag(obj)
        response = client.options(url, HTTP_IF_MATCH=tag)
        assert response.status_code == 200, (url, response.content)
        assert response.json()["success"] is True
        assert locks == [], url
