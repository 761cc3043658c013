"""The permission matrix: every operation of every API by every kind of caller → the HTTP status.

`MATRIX` is the table, kept as data in permission_matrix.txt (one line per operation, as the
OpenAPI schema names it; one column per caller). `RECIPES` says how to build each request: the objects in its path, its body or query,
and the state the object must be in for the operation to be possible (so an allowed caller gets
a 2xx, not a 409). tests/reliability/test_permission_matrix.py runs every cell against real
requests and fails when an operation of the schema has no line here.

Callers (all but `other` and `staff` are members of organization A, with its header):
  anon      no token
  guest     role guest, scopes entitlements+tickets (read-only)
  noscope   role member without scopes
  member    role member, scopes entitlements+tickets
  admin     role admin (every scope)
  owner     role owner (every scope)
  other     the owner of organization B, with B's header, aiming at A's objects
  staff     a MIDDAG operator (is_staff), with A's header
  inactive  a member of A whose account was deactivated after the token was issued

Every path id names an object of organization A (an invitation of A is addressed to `other`:
only its addressee may answer it, everyone else gets a 404). For `other`, 404 means "no such object here"
and the test also checks that the body names nothing of it (title, number, code, name, url).
Staff-only operations answer 403 to every client before any object is looked up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts import actions as account_actions
from accounts.tokens import issue_pair
from entitlements import actions as entitlement_actions
from environments.models import Environment
from services.models import Service
from tests.factories import PASSWORD, EntitlementFactory
from tickets import actions as ticket_actions

A = "/wp-json/middag-account/v1"
C = "/api/v1"

# The table itself is data: permission_matrix.txt, one line per operation, `{A}` and `{C}` for the
# two API prefixes.
_TABLE = Path(__file__).with_name("permission_matrix.txt").read_text()
MATRIX = _TABLE.replace("{A}", A).replace("{C}", C)

CALLERS = ("anon", "guest", "noscope", "member", "admin", "owner", "other", "staff", "inactive")


def parse_matrix(text: str = MATRIX) -> dict[tuple[str, str], dict[str, int]]:
    """{(METHOD, schema path): {caller: status}} from the table."""
    table: dict[tuple[str, str], dict[str, int]] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        method, path, *codes = line.split()
        if len(codes) != len(CALLERS):
            raise ValueError(f"{method} {path}: {len(codes)} columns, not {len(CALLERS)}")
        key = (method, path)
        if key in table:
            raise ValueError(f"{method} {path} appears twice")
        table[key] = {caller: int(code) for caller, code in zip(CALLERS, codes, strict=True)}
    return table


# --- how to build each request ------------------------------------------------------------

Body = Callable[[Any, str], dict]
Prepare = Callable[[Any], None]


@dataclass
class Recipe:
    """Path parameters (name → attribute of the world), body/query builders, a state to set up."""

    path: dict[str, str] = field(default_factory=dict)
    body: Body | None = None
    query: Body | None = None
    prepare: Prepare | None = None


def _caller_id(world, caller: str) -> int:
    user = world.user(caller)
    return user.pk if user is not None else 0


def _suspend(world) -> None:
    entitlement_actions.entitlement_suspend(
        entitlement=world.env_entitlement, actor=world.user("staff"), reason="unpaid"
    )


def _expire(world) -> None:
    entitlement_actions.entitlement_expire(
        entitlement=world.env_entitlement, actor=world.user("staff"), reason="ended"
    )


def _cancel(world) -> None:
    entitlement_actions.entitlement_cancel(
        entitlement=world.env_entitlement, actor=world.user("staff"), reason="churned"
    )


def _env_status(status: str) -> Prepare:
    def prepare(world) -> None:
        Environment.objects.filter(pk=world.environment.pk).update(status=status)

    return prepare


def _svc_status(status: str) -> Prepare:
    def prepare(world) -> None:
        Service.objects.filter(pk=world.service.pk).update(status=status)

    return prepare


def _ticket_moves(*names: str) -> Prepare:
    def prepare(world) -> None:
        ticket = world.ticket
        for name in names:
            ticket = ticket_actions.ticket_transition(
                ticket=ticket, name=name, actor=world.user("staff"), reason="set up"
            )

    return prepare


def _attach(world) -> None:
    """A file on the world's ticket (a member's reply), as world.attachment."""
    reply = ticket_actions.ticket_reply(
        ticket=world.ticket,
        author=world.member,
        message="Log attached",
        files=[SimpleUploadedFile("secret-server.log", b"Private log line\n")],
    )
    world.objects["attachment"] = reply.attachments.get()


def _new_env_entitlement(world) -> None:
    world.objects["spare_env_entitlement"] = EntitlementFactory(
        organization=world.org, entitlement_class="ENV"
    )


def _refresh_of_member(world, caller: str) -> dict:
    return {"refresh_token": world.objects["member_refresh"]}


def _invite_other(world) -> None:
    """An invitation of organization A to the owner of B: only its addressee may answer it."""
    world.objects["invitation"] = account_actions.collaborator_add(
        org=world.org, actor=world.owner, email=world.user("other").email, role="member", scopes=[]
    )


def _member_refresh(world) -> None:
    world.objects["member_refresh"] = issue_pair(world.member, None)["refresh_token"]


def _own_refresh(world, caller: str) -> dict:
    user = world.user(caller)
    if user is None:
        return {"refresh_token": "not-a-token"}
    return {"refresh_token": issue_pair(user, None)["refresh_token"]}


def _isp_context(world, caller: str) -> dict:
    return {"isp_id": world.org.pk, "branch_id": 0, "user_id": _caller_id(world, caller)}


def _isp_branch(world, caller: str) -> dict:
    return {
        "isp_id": world.org.pk,
        "branch_id": world.environment.pk,
        "user_id": _caller_id(world, caller),
    }


# Each lifecycle move of the API, with the state it needs first (None: the world as built);
# an entitlement's renewal also needs a date, so its recipe stands alone.
ENTITLEMENT_MOVES: dict[str, Prepare | None] = {
    "suspend": None,
    "reactivate": _suspend,
    "expire": None,
    "cancel": None,
    "win-back": _cancel,
}
ENVIRONMENT_MOVES: dict[str, Prepare | None] = {
    "activate": _env_status("provisioning"),
    "start-maintenance": None,
    "end-maintenance": _env_status("maintenance"),
    "suspend": None,
    "reactivate": _env_status("suspended"),
    "decommission": None,
}
SERVICE_MOVES: dict[str, Prepare | None] = {
    "approve": _svc_status("proposal"),
    "start": _svc_status("approved"),
    "hold": None,
    "resume": _svc_status("on_hold"),
    "deliver": None,
    "rework": _svc_status("delivered"),
    "close": _svc_status("delivered"),
    "cancel": None,
}
TICKET_MOVES: dict[str, Prepare | None] = {
    "start": None,
    "wait": _ticket_moves("start"),
    "resolve": None,
    "close": _ticket_moves("resolve"),
    "cancel": None,
    "reopen": _ticket_moves("resolve"),
}

ID = {"id": "ticket"}
ENT = {"id": "env_entitlement"}
ENV = {"id": "environment"}
SVC = {"id": "service"}
ORG = {"id": "org"}
REASON = {"reason": "matrix"}
LISTS = ("organizations", "entitlements", "environments", "services", "tickets")


def _reason(world, caller: str) -> dict:
    return REASON


def _reads(prefix: str, path: dict[str, str], suffixes: tuple[str, ...]) -> dict:
    """GET {prefix}/{id}<suffix>, for each suffix."""
    return {("GET", f"{prefix}/{{id}}{suffix}"): Recipe(path=path) for suffix in suffixes}


def _moves(prefix: str, path: dict[str, str], moves: dict[str, Prepare | None]) -> dict:
    """POST {prefix}/{id}/<move> with a reason, after the state the move needs (None: as built)."""
    return {
        ("POST", f"{prefix}/{{id}}/{move}"): Recipe(path=path, body=_reason, prepare=prepare)
        for move, prepare in moves.items()
    }


def _on_resolved_ticket(**fields: str) -> Recipe:
    """A helpdesk POST about the world's ticket by the caller, once the ticket is resolved."""
    return Recipe(
        body=lambda w, c: {"ticketId": w.ticket.pk, "userId": _caller_id(w, c), **fields},
        prepare=_ticket_moves("resolve"),
    )


RECIPES: dict[tuple[str, str], Recipe] = {
    ("POST", f"{A}/auth/login"): Recipe(
        body=lambda w, c: {"email": w.member.email, "password": PASSWORD}
    ),
    ("POST", f"{A}/auth/logout"): Recipe(body=_own_refresh),
    ("POST", f"{A}/auth/logout-all"): Recipe(),
    ("GET", f"{A}/auth/me"): Recipe(),
    ("POST", f"{A}/auth/password"): Recipe(
        body=lambda w, c: {"current_password": PASSWORD, "new_password": "a-new-unusual-pass-42"}
    ),
    ("POST", f"{A}/auth/refresh"): Recipe(body=_refresh_of_member, prepare=_member_refresh),
    ("POST", f"{A}/auth/register"): Recipe(
        body=lambda w, c: {
            "email": "newcomer@example.com",
            "password": "a-long-unusual-pass-42",
            "name": "Newcomer",
        }
    ),
    # invitations: A's, addressed to `other`
    ("GET", f"{A}/invitations"): Recipe(prepare=_invite_other),
    ("POST", f"{A}/invitations/{{id}}/accept"): Recipe(
        path={"id": "invitation"}, prepare=_invite_other
    ),
    ("POST", f"{A}/invitations/{{id}}/reject"): Recipe(
        path={"id": "invitation"}, prepare=_invite_other
    ),
    # every list, read as built
    **{("GET", f"{A}/{name}"): Recipe() for name in LISTS},
    # organizations
    ("POST", f"{A}/organizations"): Recipe(body=lambda w, c: {"name": "Brand New Org"}),
    **_reads(f"{A}/organizations", ORG, ("", "/collaborators")),
    ("PUT", f"{A}/organizations/{{id}}"): Recipe(path=ORG, body=lambda w, c: {"phone": "123"}),
    ("PATCH", f"{A}/organizations/{{id}}"): Recipe(path=ORG, body=lambda w, c: {"phone": "123"}),
    ("DELETE", f"{A}/organizations/{{id}}"): Recipe(path=ORG),
    ("POST", f"{A}/organizations/{{id}}/collaborators"): Recipe(
        path=ORG,
        body=lambda w, c: {"email": w.outsider.email, "role": "member", "scopes": ["tickets"]},
    ),
    ("PATCH", f"{A}/organizations/{{id}}/collaborators/{{membership_id}}"): Recipe(
        path={"id": "org", "membership_id": "member_membership"},
        body=lambda w, c: {"role": "guest"},
    ),
    ("DELETE", f"{A}/organizations/{{id}}/collaborators/{{membership_id}}"): Recipe(
        path={"id": "org", "membership_id": "member_membership"}
    ),
    # entitlements
    ("POST", f"{A}/entitlements"): Recipe(
        body=lambda w, c: {
            "class": "PLG",
            "product_name": "Campus Plugin",
            "organization_id": w.org.pk,
        }
    ),
    **_reads(f"{A}/entitlements", ENT, ("", "/history", "/orders", "/licenses", "/contracts")),
    ("PATCH", f"{A}/entitlements/{{id}}"): Recipe(
        path=ENT, body=lambda w, c: {"product_name": "Renamed"}
    ),
    ("GET", f"{A}/entitlements/code/{{code}}"): Recipe(path={"code": "env_entitlement.code"}),
    **_moves(f"{A}/entitlements", ENT, ENTITLEMENT_MOVES),
    ("POST", f"{A}/entitlements/{{id}}/renew"): Recipe(
        path=ENT,
        body=lambda w, c: {"expires_at": (timezone.now() + timedelta(days=400)).isoformat()},
        prepare=_expire,
    ),
    # environments
    ("POST", f"{A}/environments"): Recipe(
        prepare=_new_env_entitlement,
        body=lambda w, c: {
            "entitlement_id": w.spare_env_entitlement.pk,
            "name": "Second Moodle",
            "platform": "moodle",
            "environment_type": "production",
            "url": "https://second.example.com",
        },
    ),
    **_reads(f"{A}/environments", ENV, ("", "/history")),
    ("PATCH", f"{A}/environments/{{id}}"): Recipe(path=ENV, body=lambda w, c: {"name": "New"}),
    **_moves(f"{A}/environments", ENV, ENVIRONMENT_MOVES),
    ("GET", f"{A}/environments/{{environment_pk}}/tickets"): Recipe(
        path={"environment_pk": "environment"}
    ),
    ("POST", f"{A}/environments/{{environment_pk}}/tickets"): Recipe(
        path={"environment_pk": "environment"},
        body=lambda w, c: {"title": "Slow site", "description": "Pages take 10 s."},
    ),
    # services
    ("POST", f"{A}/services"): Recipe(
        body=lambda w, c: {
            "entitlement_id": w.svc_entitlement.pk,
            "name": "Theme project",
            "lifecycle": "project",
        }
    ),
    **_reads(f"{A}/services", SVC, ("", "/history")),
    ("PATCH", f"{A}/services/{{id}}"): Recipe(path=SVC, body=lambda w, c: {"name": "New"}),
    **_moves(f"{A}/services", SVC, SERVICE_MOVES),
    ("GET", f"{A}/services/{{service_pk}}/tickets"): Recipe(path={"service_pk": "service"}),
    # tickets
    ("POST", f"{A}/tickets"): Recipe(
        body=lambda w, c: {
            "entitlement_id": w.env_entitlement.pk,
            "title": "Backups failing",
            "description": "Since Monday.",
            "priority": "high",
        }
    ),
    **_reads(f"{A}/tickets", ID, ("", "/history", "/replies", "/attachments")),
    **{
        ("GET", f"{A}/attachments/{{id}}{suffix}"): Recipe(
            path={"id": "attachment"}, prepare=_attach
        )
        for suffix in ("", "/download")
    },
    ("PATCH", f"{A}/tickets/{{id}}"): Recipe(path=ID, body=lambda w, c: {"priority": "urgent"}),
    ("POST", f"{A}/tickets/{{id}}/replies"): Recipe(
        path=ID, body=lambda w, c: {"message": "Any news?"}
    ),
    **_moves(f"{A}/tickets", ID, TICKET_MOVES),
    ("POST", f"{A}/tickets/{{id}}/assign"): Recipe(
        path=ID, body=lambda w, c: {"assignee_id": w.user("staff").pk}
    ),
    ("POST", f"{A}/tickets/{{id}}/rate"): Recipe(
        path=ID, body=lambda w, c: {"rating": 5}, prepare=_ticket_moves("resolve")
    ),
    # compatibility API of seed 002 (ISP back office, staff only)
    ("GET", f"{C}/tickets/"): Recipe(query=_isp_context),
    ("POST", f"{C}/tickets/"): Recipe(
        body=lambda w, c: {
            **_isp_branch(w, c),
            "title": "No internet",
            "description": "Since 9 am.",
            "priority": 2,
        }
    ),
    ("GET", f"{C}/tickets/{{id}}/"): Recipe(path=ID, query=_isp_context),
    ("PUT", f"{C}/tickets/{{id}}/"): Recipe(
        path=ID, body=lambda w, c: {**_isp_context(w, c), "priority": 3}
    ),
    ("DELETE", f"{C}/tickets/{{id}}/"): Recipe(path=ID, query=_isp_context),
    ("POST", f"{C}/tickets/{{id}}/reply/"): Recipe(
        path=ID, body=lambda w, c: {**_isp_context(w, c), "message": "On it."}
    ),
    ("PUT", f"{C}/tickets/{{id}}/status/"): Recipe(
        path=ID, body=lambda w, c: {**_isp_context(w, c), "status": 1}
    ),
    # compatibility API of seed 003 (helpdesk)
    ("POST", f"{C}/raise_ticket/"): Recipe(
        body=lambda w, c: {
            "type": "Hosting",
            "subject": "Mail bounces",
            "comments": "Every message to gmail.",
            "priority": "medium",
            "userId": _caller_id(w, c),
        }
    ),
    ("GET", f"{C}/get_tickets/{{user_id}}/"): Recipe(path={"user_id": "caller"}),
    ("POST", f"{C}/get_tickets/{{user_id}}/"): Recipe(
        path={"user_id": "caller"}, body=lambda w, c: {}
    ),
    # Its optional segments: a status word and an assignee (literal path values, "=...").
    ("GET", f"{C}/get_tickets/{{user_id}}/{{status}}/"): Recipe(
        path={"user_id": "caller", "status": "=all"}
    ),
    ("POST", f"{C}/get_tickets/{{user_id}}/{{status}}/"): Recipe(
        path={"user_id": "caller", "status": "=all"}, body=lambda w, c: {}
    ),
    ("GET", f"{C}/get_tickets/{{user_id}}/{{status}}/{{assigned_admin}}/"): Recipe(
        path={"user_id": "caller", "status": "=all", "assigned_admin": "=nobody"}
    ),
    ("POST", f"{C}/get_tickets/{{user_id}}/{{status}}/{{assigned_admin}}/"): Recipe(
        path={"user_id": "caller", "status": "=all", "assigned_admin": "=nobody"},
        body=lambda w, c: {},
    ),
    ("GET", f"{C}/get_ticket_details/{{ticket_id}}/"): Recipe(path={"ticket_id": "ticket"}),
    ("POST", f"{C}/send_message/"): Recipe(
        body=lambda w, c: {
            "ticketId": w.ticket.pk,
            "ticketMessage": "Any news?",
            "sender": "admin" if c == "staff" else "user",
            "sender_name": "someone",
            "showToUser": "true",
        }
    ),
    ("GET", f"{C}/close_ticket/{{ticket_id}}/"): Recipe(path={"ticket_id": "ticket"}),
    ("POST", f"{C}/close_ticket/{{ticket_id}}/"): Recipe(path={"ticket_id": "ticket"}),
    ("POST", f"{C}/assign_ticket_to_admin/"): Recipe(
        body=lambda w, c: {"ticketId": w.ticket.pk, "admin": w.user("staff").email}
    ),
    ("POST", f"{C}/reopen_ticket/"): _on_resolved_ticket(comments="Still broken."),
    ("POST", f"{C}/ticket_rating/"): _on_resolved_ticket(ratingValue="5"),
}
