"""The permission matrix: every operation of every API by every kind of caller → the HTTP status.

`MATRIX` is the table (one line per operation, as the OpenAPI schema names it; one column per
caller). `RECIPES` says how to build each request: the objects in its path, its body or query,
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

Every path id names an object of organization A. For `other`, 404 means "no such object here"
and the test also checks that the body names nothing of it (title, number, code, name, url).
Staff-only operations answer 403 to every client before any object is looked up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.tokens import issue_pair
from entitlements import actions as entitlement_actions
from environments.models import Environment
from services.models import Service
from tests.factories import PASSWORD, EntitlementFactory
from tickets import actions as ticket_actions

A = "/wp-json/middag-account/v1"
C = "/api/v1"

MATRIX = f"""
# method  path                                                   anon guest noscope member admin owner other staff inactive
POST    {A}/auth/login                                           200  200   200     200    200   200   200   200   200
POST    {A}/auth/logout                                          401  200   200     200    200   200   200   200   401
GET     {A}/auth/me                                              401  200   200     200    200   200   200   200   401
POST    {A}/auth/refresh                                         200  200   200     200    200   200   200   200   200
POST    {A}/auth/register                                        201  201   201     201    201   201   201   201   201

GET     {A}/organizations                                        401  200   200     200    200   200   200   200   401
POST    {A}/organizations                                        401  201   201     201    201   201   201   201   401
GET     {A}/organizations/{{id}}                                 401  403   403     403    200   200   404   200   401
PUT     {A}/organizations/{{id}}                                 401  403   403     403    200   200   404   200   401
PATCH   {A}/organizations/{{id}}                                 401  403   403     403    200   200   404   200   401
DELETE  {A}/organizations/{{id}}                                 401  403   403     403    403   409   404   409   401
GET     {A}/organizations/{{id}}/collaborators                   401  403   403     403    200   200   404   200   401
POST    {A}/organizations/{{id}}/collaborators                   401  403   403     403    201   201   404   201   401
PATCH   {A}/organizations/{{id}}/collaborators/{{membership_id}} 401  403   403     403    200   200   404   200   401
DELETE  {A}/organizations/{{id}}/collaborators/{{membership_id}} 401  403   403     403    200   200   404   200   401

GET     {A}/entitlements                                         401  200   403     200    200   200   200   200   401
POST    {A}/entitlements                                         401  403   403     403    403   403   403   201   401
GET     {A}/entitlements/{{id}}                                  401  200   403     200    200   200   404   200   401
PATCH   {A}/entitlements/{{id}}                                  401  403   403     403    403   403   403   200   401
GET     {A}/entitlements/code/{{code}}                           401  200   403     200    200   200   404   200   401
GET     {A}/entitlements/{{id}}/history                          401  200   403     200    200   200   404   200   401
GET     {A}/entitlements/{{id}}/orders                           401  200   403     200    200   200   404   200   401
GET     {A}/entitlements/{{id}}/licenses                         401  200   403     200    200   200   404   200   401
GET     {A}/entitlements/{{id}}/contracts                        401  200   403     200    200   200   404   200   401
POST    {A}/entitlements/{{id}}/suspend                          401  403   403     403    403   403   403   200   401
POST    {A}/entitlements/{{id}}/reactivate                       401  403   403     403    403   403   403   200   401
POST    {A}/entitlements/{{id}}/expire                           401  403   403     403    403   403   403   200   401
POST    {A}/entitlements/{{id}}/renew                            401  403   403     403    403   403   403   200   401
POST    {A}/entitlements/{{id}}/cancel                           401  403   403     403    403   403   403   200   401
POST    {A}/entitlements/{{id}}/win-back                         401  403   403     403    403   403   403   200   401

GET     {A}/environments                                         401  200   403     200    200   200   200   200   401
POST    {A}/environments                                         401  403   403     403    403   403   403   201   401
GET     {A}/environments/{{id}}                                  401  200   403     200    200   200   404   200   401
PATCH   {A}/environments/{{id}}                                  401  403   403     403    403   403   403   200   401
GET     {A}/environments/{{id}}/history                          401  200   403     200    200   200   404   200   401
POST    {A}/environments/{{id}}/activate                         401  403   403     403    403   403   403   200   401
POST    {A}/environments/{{id}}/start-maintenance                401  403   403     403    403   403   403   200   401
POST    {A}/environments/{{id}}/end-maintenance                  401  403   403     403    403   403   403   200   401
POST    {A}/environments/{{id}}/suspend                          401  403   403     403    403   403   403   200   401
POST    {A}/environments/{{id}}/reactivate                       401  403   403     403    403   403   403   200   401
POST    {A}/environments/{{id}}/decommission                     401  403   403     403    403   403   403   200   401
GET     {A}/environments/{{environment_pk}}/tickets              401  200   403     200    200   200   404   200   401
POST    {A}/environments/{{environment_pk}}/tickets              401  403   403     201    201   201   404   201   401

GET     {A}/services                                             401  200   403     200    200   200   200   200   401
POST    {A}/services                                             401  403   403     403    403   403   403   201   401
GET     {A}/services/{{id}}                                      401  200   403     200    200   200   404   200   401
PATCH   {A}/services/{{id}}                                      401  403   403     403    403   403   403   200   401
GET     {A}/services/{{id}}/history                              401  200   403     200    200   200   404   200   401
POST    {A}/services/{{id}}/approve                              401  403   403     403    403   403   403   200   401
POST    {A}/services/{{id}}/start                                401  403   403     403    403   403   403   200   401
POST    {A}/services/{{id}}/hold                                 401  403   403     403    403   403   403   200   401
POST    {A}/services/{{id}}/resume                               401  403   403     403    403   403   403   200   401
POST    {A}/services/{{id}}/deliver                              401  403   403     403    403   403   403   200   401
POST    {A}/services/{{id}}/rework                               401  403   403     403    403   403   403   200   401
POST    {A}/services/{{id}}/close                                401  403   403     403    403   403   403   200   401
POST    {A}/services/{{id}}/cancel                               401  403   403     403    403   403   403   200   401
GET     {A}/services/{{service_pk}}/tickets                      401  200   403     200    200   200   404   200   401

GET     {A}/tickets                                              401  200   403     200    200   200   200   200   401
POST    {A}/tickets                                              401  403   403     201    201   201   422   201   401
GET     {A}/tickets/{{id}}                                       401  200   403     200    200   200   404   200   401
PATCH   {A}/tickets/{{id}}                                       401  403   403     403    403   403   403   200   401
GET     {A}/tickets/{{id}}/history                               401  200   403     200    200   200   404   200   401
GET     {A}/tickets/{{id}}/replies                               401  200   403     200    200   200   404   200   401
POST    {A}/tickets/{{id}}/replies                               401  403   403     201    201   201   404   201   401
POST    {A}/tickets/{{id}}/start                                 401  403   403     403    403   403   404   200   401
POST    {A}/tickets/{{id}}/wait                                  401  403   403     403    403   403   404   200   401
POST    {A}/tickets/{{id}}/resolve                               401  403   403     200    200   200   404   200   401
POST    {A}/tickets/{{id}}/close                                 401  403   403     200    200   200   404   200   401
POST    {A}/tickets/{{id}}/cancel                                401  403   403     200    200   200   404   200   401
POST    {A}/tickets/{{id}}/reopen                                401  403   403     200    200   200   404   200   401
POST    {A}/tickets/{{id}}/assign                                401  403   403     403    403   403   403   200   401
POST    {A}/tickets/{{id}}/rate                                  401  403   403     200    200   200   404   403   401

GET     {C}/tickets/                                             401  403   403     403    403   403   403   200   401
POST    {C}/tickets/                                             401  403   403     403    403   403   403   201   401
GET     {C}/tickets/{{id}}/                                      401  403   403     403    403   403   403   200   401
PUT     {C}/tickets/{{id}}/                                      401  403   403     403    403   403   403   200   401
DELETE  {C}/tickets/{{id}}/                                      401  403   403     403    403   403   403   200   401
POST    {C}/tickets/{{id}}/reply/                                401  403   403     403    403   403   403   201   401
PUT     {C}/tickets/{{id}}/status/                               401  403   403     403    403   403   403   200   401

POST    {C}/raise_ticket/                                        401  403   403     200    200   200   200   200   401
GET     {C}/get_tickets/{{user_id}}/                             401  200   403     200    200   200   200   200   401
POST    {C}/get_tickets/{{user_id}}/                             401  200   403     200    200   200   200   200   401
GET     {C}/get_ticket_details/{{ticket_id}}/                    401  200   403     200    200   200   404   200   401
POST    {C}/send_message/                                        401  403   403     200    200   200   404   200   401
GET     {C}/close_ticket/{{ticket_id}}/                          401  403   403     200    200   200   404   200   401
POST    {C}/close_ticket/{{ticket_id}}/                          401  403   403     200    200   200   404   200   401
POST    {C}/assign_ticket_to_admin/                              401  403   403     403    403   403   403   200   401
POST    {C}/reopen_ticket/                                       401  403   403     200    200   200   404   200   401
POST    {C}/ticket_rating/                                       401  403   403     200    200   200   404   403   401
"""

CALLERS = ("anon", "guest", "noscope", "member", "admin", "owner", "other", "staff", "inactive")


def parse_matrix(text: str = MATRIX) -> dict[tuple[str, str], dict[str, int]]:
    """{(METHOD, schema path): {caller: status}} from the table above."""
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


@dataclass
class Recipe:
    """Path parameters (name → attribute of the world), body/query builders, a state to set up."""

    path: dict[str, str] = field(default_factory=dict)
    body: Body | None = None
    query: Body | None = None
    prepare: Callable[[Any], None] | None = None


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


def _env_status(status: str) -> Callable[[Any], None]:
    def prepare(world) -> None:
        Environment.objects.filter(pk=world.environment.pk).update(status=status)

    return prepare


def _svc_status(status: str) -> Callable[[Any], None]:
    def prepare(world) -> None:
        Service.objects.filter(pk=world.service.pk).update(status=status)

    return prepare


def _ticket_moves(*names: str) -> Callable[[Any], None]:
    def prepare(world) -> None:
        ticket = world.ticket
        for name in names:
            ticket = ticket_actions.ticket_transition(
                ticket=ticket, name=name, actor=world.user("staff"), reason="set up"
            )

    return prepare


def _new_env_entitlement(world) -> None:
    world.objects["spare_env_entitlement"] = EntitlementFactory(
        organization=world.org, entitlement_class="ENV"
    )


def _refresh_of_member(world, caller: str) -> dict:
    return {"refresh_token": world.objects["member_refresh"]}


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


ID = {"id": "ticket"}
ENT = {"id": "env_entitlement"}
ENV = {"id": "environment"}
SVC = {"id": "service"}
ORG = {"id": "org"}
REASON = {"reason": "matrix"}

RECIPES: dict[tuple[str, str], Recipe] = {
    ("POST", f"{A}/auth/login"): Recipe(
        body=lambda w, c: {"email": w.member.email, "password": PASSWORD}
    ),
    ("POST", f"{A}/auth/logout"): Recipe(body=_own_refresh),
    ("GET", f"{A}/auth/me"): Recipe(),
    ("POST", f"{A}/auth/refresh"): Recipe(body=_refresh_of_member, prepare=_member_refresh),
    ("POST", f"{A}/auth/register"): Recipe(
        body=lambda w, c: {
            "email": "newcomer@example.com",
            "password": "a-long-unusual-pass-42",
            "name": "Newcomer",
        }
    ),
    # organizations
    ("GET", f"{A}/organizations"): Recipe(),
    ("POST", f"{A}/organizations"): Recipe(body=lambda w, c: {"name": "Brand New Org"}),
    ("GET", f"{A}/organizations/{{id}}"): Recipe(path=ORG),
    ("PUT", f"{A}/organizations/{{id}}"): Recipe(path=ORG, body=lambda w, c: {"phone": "123"}),
    ("PATCH", f"{A}/organizations/{{id}}"): Recipe(path=ORG, body=lambda w, c: {"phone": "123"}),
    ("DELETE", f"{A}/organizations/{{id}}"): Recipe(path=ORG),
    ("GET", f"{A}/organizations/{{id}}/collaborators"): Recipe(path=ORG),
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
    ("GET", f"{A}/entitlements"): Recipe(),
    ("POST", f"{A}/entitlements"): Recipe(
        body=lambda w, c: {
            "class": "PLG",
            "product_name": "Campus Plugin",
            "organization_id": w.org.pk,
        }
    ),
    ("GET", f"{A}/entitlements/{{id}}"): Recipe(path=ENT),
    ("PATCH", f"{A}/entitlements/{{id}}"): Recipe(
        path=ENT, body=lambda w, c: {"product_name": "Renamed"}
    ),
    ("GET", f"{A}/entitlements/code/{{code}}"): Recipe(path={"code": "env_entitlement.code"}),
    ("GET", f"{A}/entitlements/{{id}}/history"): Recipe(path=ENT),
    ("GET", f"{A}/entitlements/{{id}}/orders"): Recipe(path=ENT),
    ("GET", f"{A}/entitlements/{{id}}/licenses"): Recipe(path=ENT),
    ("GET", f"{A}/entitlements/{{id}}/contracts"): Recipe(path=ENT),
    ("POST", f"{A}/entitlements/{{id}}/suspend"): Recipe(path=ENT, body=lambda w, c: REASON),
    ("POST", f"{A}/entitlements/{{id}}/reactivate"): Recipe(
        path=ENT, body=lambda w, c: REASON, prepare=_suspend
    ),
    ("POST", f"{A}/entitlements/{{id}}/expire"): Recipe(path=ENT, body=lambda w, c: REASON),
    ("POST", f"{A}/entitlements/{{id}}/renew"): Recipe(
        path=ENT,
        body=lambda w, c: {"expires_at": (timezone.now() + timedelta(days=400)).isoformat()},
        prepare=_expire,
    ),
    ("POST", f"{A}/entitlements/{{id}}/cancel"): Recipe(path=ENT, body=lambda w, c: REASON),
    ("POST", f"{A}/entitlements/{{id}}/win-back"): Recipe(
        path=ENT, body=lambda w, c: REASON, prepare=_cancel
    ),
    # environments
    ("GET", f"{A}/environments"): Recipe(),
    ("POST", f"{A}/environments"): Recipe(
        body=lambda w, c: {
            "entitlement_id": w.spare_env_entitlement.pk,
            "name": "Second Moodle",
            "platform": "moodle",
            "environment_type": "production",
            "url": "https://second.example.com",
        },
        prepare=_new_env_entitlement,
    ),
    ("GET", f"{A}/environments/{{id}}"): Recipe(path=ENV),
    ("PATCH", f"{A}/environments/{{id}}"): Recipe(path=ENV, body=lambda w, c: {"name": "New"}),
    ("GET", f"{A}/environments/{{id}}/history"): Recipe(path=ENV),
    ("POST", f"{A}/environments/{{id}}/activate"): Recipe(
        path=ENV, body=lambda w, c: REASON, prepare=_env_status("provisioning")
    ),
    ("POST", f"{A}/environments/{{id}}/start-maintenance"): Recipe(
        path=ENV, body=lambda w, c: REASON
    ),
    ("POST", f"{A}/environments/{{id}}/end-maintenance"): Recipe(
        path=ENV, body=lambda w, c: REASON, prepare=_env_status("maintenance")
    ),
    ("POST", f"{A}/environments/{{id}}/suspend"): Recipe(path=ENV, body=lambda w, c: REASON),
    ("POST", f"{A}/environments/{{id}}/reactivate"): Recipe(
        path=ENV, body=lambda w, c: REASON, prepare=_env_status("suspended")
    ),
    ("POST", f"{A}/environments/{{id}}/decommission"): Recipe(path=ENV, body=lambda w, c: REASON),
    ("GET", f"{A}/environments/{{environment_pk}}/tickets"): Recipe(
        path={"environment_pk": "environment"}
    ),
    ("POST", f"{A}/environments/{{environment_pk}}/tickets"): Recipe(
        path={"environment_pk": "environment"},
        body=lambda w, c: {"title": "Slow site", "description": "Pages take 10 s."},
    ),
    # services
    ("GET", f"{A}/services"): Recipe(),
    ("POST", f"{A}/services"): Recipe(
        body=lambda w, c: {
            "entitlement_id": w.svc_entitlement.pk,
            "name": "Theme project",
            "lifecycle": "project",
        }
    ),
    ("GET", f"{A}/services/{{id}}"): Recipe(path=SVC),
    ("PATCH", f"{A}/services/{{id}}"): Recipe(path=SVC, body=lambda w, c: {"name": "New"}),
    ("GET", f"{A}/services/{{id}}/history"): Recipe(path=SVC),
    ("POST", f"{A}/services/{{id}}/approve"): Recipe(
        path=SVC, body=lambda w, c: REASON, prepare=_svc_status("proposal")
    ),
    ("POST", f"{A}/services/{{id}}/start"): Recipe(
        path=SVC, body=lambda w, c: REASON, prepare=_svc_status("approved")
    ),
    ("POST", f"{A}/services/{{id}}/hold"): Recipe(path=SVC, body=lambda w, c: REASON),
    ("POST", f"{A}/services/{{id}}/resume"): Recipe(
        path=SVC, body=lambda w, c: REASON, prepare=_svc_status("on_hold")
    ),
    ("POST", f"{A}/services/{{id}}/deliver"): Recipe(path=SVC, body=lambda w, c: REASON),
    ("POST", f"{A}/services/{{id}}/rework"): Recipe(
        path=SVC, body=lambda w, c: REASON, prepare=_svc_status("delivered")
    ),
    ("POST", f"{A}/services/{{id}}/close"): Recipe(
        path=SVC, body=lambda w, c: REASON, prepare=_svc_status("delivered")
    ),
    ("POST", f"{A}/services/{{id}}/cancel"): Recipe(path=SVC, body=lambda w, c: REASON),
    ("GET", f"{A}/services/{{service_pk}}/tickets"): Recipe(path={"service_pk": "service"}),
    # tickets
    ("GET", f"{A}/tickets"): Recipe(),
    ("POST", f"{A}/tickets"): Recipe(
        body=lambda w, c: {
            "entitlement_id": w.env_entitlement.pk,
            "title": "Backups failing",
            "description": "Since Monday.",
            "priority": "high",
        }
    ),
    ("GET", f"{A}/tickets/{{id}}"): Recipe(path=ID),
    ("PATCH", f"{A}/tickets/{{id}}"): Recipe(path=ID, body=lambda w, c: {"priority": "urgent"}),
    ("GET", f"{A}/tickets/{{id}}/history"): Recipe(path=ID),
    ("GET", f"{A}/tickets/{{id}}/replies"): Recipe(path=ID),
    ("POST", f"{A}/tickets/{{id}}/replies"): Recipe(
        path=ID, body=lambda w, c: {"message": "Any news?"}
    ),
    ("POST", f"{A}/tickets/{{id}}/start"): Recipe(path=ID, body=lambda w, c: REASON),
    ("POST", f"{A}/tickets/{{id}}/wait"): Recipe(
        path=ID, body=lambda w, c: REASON, prepare=_ticket_moves("start")
    ),
    ("POST", f"{A}/tickets/{{id}}/resolve"): Recipe(path=ID, body=lambda w, c: REASON),
    ("POST", f"{A}/tickets/{{id}}/close"): Recipe(
        path=ID, body=lambda w, c: REASON, prepare=_ticket_moves("resolve")
    ),
    ("POST", f"{A}/tickets/{{id}}/cancel"): Recipe(path=ID, body=lambda w, c: REASON),
    ("POST", f"{A}/tickets/{{id}}/reopen"): Recipe(
        path=ID, body=lambda w, c: REASON, prepare=_ticket_moves("resolve")
    ),
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
    ("POST", f"{C}/reopen_ticket/"): Recipe(
        body=lambda w, c: {
            "ticketId": w.ticket.pk,
            "userId": _caller_id(w, c),
            "comments": "Still broken.",
        },
        prepare=_ticket_moves("resolve"),
    ),
    ("POST", f"{C}/ticket_rating/"): Recipe(
        body=lambda w, c: {
            "ticketId": w.ticket.pk,
            "userId": _caller_id(w, c),
            "ratingValue": "5",
        },
        prepare=_ticket_moves("resolve"),
    ),
}
