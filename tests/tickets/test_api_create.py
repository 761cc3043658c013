"""Creating service requests: seed 000 and 001 examples, the creation matrix, mass assignment."""

import re

import pytest

from accounts.models import Membership
from tests.conftest import API, assert_envelope, client_for
from tests.factories import (
    EntitlementFactory,
    EnvironmentFactory,
    MembershipFactory,
    ServiceFactory,
    UserFactory,
)
from tickets.models import Ticket, TicketStatusChange

NUMBER = re.compile(r"^SR-\d{4}\d{4,}$")
SEED_000_REQUEST = {
    "title": "SSL Certificate Renewal",
    "description": "The SSL certificate for lms.example.com expires soon. Please renew.",
    "priority": "high",
}


def test_seed_000_post_tickets(member_api, member, env_entitlement, org):
    body = {**SEED_000_REQUEST, "entitlement_id": env_entitlement.pk}
    response = member_api.post(f"{API}/tickets", body, format="json")
    assert response.status_code == 201, response.content
    payload = response.json()
    assert_envelope(payload, success=True)
    assert payload["message"] == "Service request created"
    assert payload["meta"] is None
    data = payload["data"]
    assert set(data) == {"id", "number", "status", "title", "entitlement_id"}
    assert data["status"] == "open"
    assert data["title"] == "SSL Certificate Renewal"
    assert data["entitlement_id"] == env_entitlement.pk
    assert NUMBER.match(data["number"])
    ticket = Ticket.objects.get(pk=data["id"])
    assert ticket.number == data["number"]
    assert ticket.priority == "high"
    assert ticket.organization == org
    assert ticket.requester == member
    assert ticket.source == "account"


def test_seed_000_history_shape(member_api, member, staff, staff_api, env_entitlement):
    created = member_api.post(
        f"{API}/tickets", {**SEED_000_REQUEST, "entitlement_id": env_entitlement.pk}, format="json"
    ).json()["data"]
    assert staff_api.post(f"{API}/tickets/{created['id']}/start").status_code == 200
    response = member_api.get(f"{API}/tickets/{created['id']}/history")
    assert response.status_code == 200
    payload = response.json()
    assert_envelope(payload, success=True)
    rows = payload["data"]
    assert [set(row) for row in rows] == [
        {"from_status", "to_status", "changed_at", "changed_by", "reason"}
    ] * 2
    assert rows[0]["from_status"] is None
    assert rows[0]["to_status"] == "open"
    assert rows[0]["changed_by"] == member.pk
    assert rows[1]["from_status"] == "open"
    assert rows[1]["to_status"] == "in_progress"
    assert rows[1]["changed_by"] == staff.pk
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", rows[0]["changed_at"])


def test_seed_001_post_environment_tickets(member_api, environment):
    body = {
        "title": "Upgrade Moodle to 4.5",
        "description": "Please upgrade our production instance to version 4.5.",
        "priority": "normal",
    }
    response = member_api.post(f"{API}/environments/{environment.pk}/tickets", body, format="json")
    assert response.status_code == 201, response.content
    payload = response.json()
    assert_envelope(payload, success=True)
    assert payload["message"] == "Service request created"
    assert set(payload["data"]) == {"id", "number", "status", "environment_id"}
    assert payload["data"]["status"] == "open"
    assert payload["data"]["environment_id"] == environment.pk
    ticket = Ticket.objects.get(pk=payload["data"]["id"])
    assert ticket.entitlement == environment.entitlement
    # Listed under the environment, with or without a trailing slash.
    for url in (
        f"{API}/environments/{environment.pk}/tickets",
        f"{API}/environments/{environment.pk}/tickets/",
    ):
        listed = member_api.get(url)
        assert listed.status_code == 200
        assert [t["id"] for t in listed.json()["data"]] == [ticket.pk]


def test_ticket_on_env_entitlement_links_its_environment(member_api, environment):
    response = member_api.post(
        f"{API}/tickets",
        {**SEED_000_REQUEST, "entitlement_id": environment.entitlement_id},
        format="json",
    )
    ticket = Ticket.objects.get(pk=response.json()["data"]["id"])
    assert ticket.environment == environment


def test_creation_writes_history_and_priority_default(member_api, env_entitlement, member):
    response = member_api.post(
        f"{API}/tickets",
        {"title": "T", "description": "D", "entitlement_id": env_entitlement.pk},
        format="json",
    )
    ticket = Ticket.objects.get(pk=response.json()["data"]["id"])
    assert ticket.priority == "normal"
    row = TicketStatusChange.objects.get(subject=ticket)
    assert (row.from_status, row.to_status, row.changed_by) == (None, "open", member)


# --- the creation matrix --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "scopes", "expected"),
    [
        ("owner", [], 201),
        ("admin", [], 201),
        ("member", ["entitlements"], 201),
        ("member", ["tickets"], 403),  # lacks scope `entitlements`
        ("guest", ["entitlements"], 403),  # read-only
    ],
)
def test_matrix_client_roles(org, owner, env_entitlement, role, scopes, expected):
    user = owner if role == "owner" else UserFactory()
    if role != "owner":
        MembershipFactory(user=user, organization=org, role=role, scopes=scopes)
    response = client_for(user, org).post(
        f"{API}/tickets", {**SEED_000_REQUEST, "entitlement_id": env_entitlement.pk}, format="json"
    )
    assert response.status_code == expected, response.content
    assert_envelope(response.json(), success=expected == 201)
    if expected == 403:
        assert response.json()["errors"]["code"] == "AUTHORIZATION_ERROR"
        assert not Ticket.objects.exists()


@pytest.mark.parametrize("cls", ["PLG", "SVC", "ORD", "AFL", "EDU"])
def test_matrix_client_other_classes_403(member_api, org, cls):
    entitlement = EntitlementFactory(organization=org, entitlement_class=cls)
    response = member_api.post(
        f"{API}/tickets", {**SEED_000_REQUEST, "entitlement_id": entitlement.pk}, format="json"
    )
    assert response.status_code == 403
    detail = response.json()["errors"]["detail"]
    assert "ENV" in detail
    assert cls in detail
    assert response.json()["errors"]["reason"] == "MIDDAG-SR-ENTITLEMENT_CLASS"


@pytest.mark.parametrize("cls", ["ENV", "PLG", "SVC", "ORD", "AFL", "EDU"])
@pytest.mark.parametrize("status", ["active", "suspended", "expired", "cancelled"])
def test_matrix_staff_any_class_and_status(staff_api, org, cls, status):
    entitlement = EntitlementFactory(organization=org, entitlement_class=cls, status=status)
    response = staff_api.post(
        f"{API}/tickets", {**SEED_000_REQUEST, "entitlement_id": entitlement.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["data"]["id"])
    assert ticket.organization == org


@pytest.mark.parametrize("status", ["suspended", "expired", "cancelled"])
def test_matrix_client_inactive_entitlement_409(member_api, org, status):
    entitlement = EntitlementFactory(organization=org, entitlement_class="ENV", status=status)
    response = member_api.post(
        f"{API}/tickets", {**SEED_000_REQUEST, "entitlement_id": entitlement.pk}, format="json"
    )
    assert response.status_code == 409
    assert status in response.json()["errors"]["detail"]
    assert entitlement.code in response.json()["errors"]["detail"]


@pytest.fixture
def decommissioned_environment(env_entitlement):
    return EnvironmentFactory(
        entitlement=env_entitlement,
        organization=env_entitlement.organization,
        status="decommissioned",
    )


def test_matrix_client_decommissioned_environment_409(
    member_api, env_entitlement, decommissioned_environment
):
    via_env = member_api.post(
        f"{API}/environments/{decommissioned_environment.pk}/tickets",
        SEED_000_REQUEST,
        format="json",
    )
    assert via_env.status_code == 409
    assert "decommissioned" in via_env.json()["errors"]["detail"]
    via_entitlement = member_api.post(
        f"{API}/tickets", {**SEED_000_REQUEST, "entitlement_id": env_entitlement.pk}, format="json"
    )
    assert via_entitlement.status_code == 409


def test_staff_creates_on_decommissioned_environment(staff_api, decommissioned_environment):
    response = staff_api.post(
        f"{API}/environments/{decommissioned_environment.pk}/tickets",
        SEED_000_REQUEST,
        format="json",
    )
    assert response.status_code == 201


def test_client_cannot_create_against_service(member_api, service):
    response = member_api.post(
        f"{API}/tickets", {**SEED_000_REQUEST, "service_id": service.pk}, format="json"
    )
    assert response.status_code == 403


def test_staff_creates_against_service_and_environment(
    staff_api, service, environment, member, staff2
):
    by_service = staff_api.post(
        f"{API}/tickets",
        {
            **SEED_000_REQUEST,
            "service_id": service.pk,
            "requester_id": member.pk,
            "assignee_id": staff2.pk,
        },
        format="json",
    )
    assert by_service.status_code == 201, by_service.content
    assert by_service.json()["data"]["entitlement_id"] == service.entitlement_id
    ticket = Ticket.objects.get(pk=by_service.json()["data"]["id"])
    assert (ticket.service, ticket.requester, ticket.assignee) == (service, member, staff2)
    by_env = staff_api.post(
        f"{API}/tickets", {**SEED_000_REQUEST, "environment_id": environment.pk}, format="json"
    )
    assert by_env.status_code == 201
    assert by_env.json()["data"]["entitlement_id"] == environment.entitlement_id


@pytest.mark.parametrize(
    ("field", "who"),
    [("requester_id", "other_owner"), ("assignee_id", "member")],
    ids=["requester_must_be_member", "assignee_must_be_staff"],
)
def test_staff_picks_requester_and_assignee_among_their_kind(
    field, who, request, staff_api, env_entitlement
):
    user = request.getfixturevalue(who)
    response = staff_api.post(
        f"{API}/tickets",
        {**SEED_000_REQUEST, "entitlement_id": env_entitlement.pk, field: user.pk},
        format="json",
    )
    assert response.status_code == 422
    assert field in response.json()["errors"]["fields"]


def test_staff_with_header_cannot_use_other_orgs_entitlement(staff, org, other_org):
    theirs = EntitlementFactory(organization=other_org)
    response = client_for(staff, org).post(
        f"{API}/tickets", {**SEED_000_REQUEST, "entitlement_id": theirs.pk}, format="json"
    )
    assert response.status_code == 422
    assert not Ticket.objects.exists()


def test_staff_standalone_entitlement_takes_header_org(staff, org):
    standalone = EntitlementFactory(organization=None)
    without_org = client_for(staff).post(
        f"{API}/tickets", {**SEED_000_REQUEST, "entitlement_id": standalone.pk}, format="json"
    )
    assert without_org.status_code == 422
    response = client_for(staff, org).post(
        f"{API}/tickets", {**SEED_000_REQUEST, "entitlement_id": standalone.pk}, format="json"
    )
    assert response.status_code == 201
    assert Ticket.objects.get(pk=response.json()["data"]["id"]).organization == org


# --- bad input and cross-organization ids ----------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "d", "entitlement_id": "ENT"}, "title"),
        ({"title": "t", "entitlement_id": "ENT"}, "description"),
        ({"title": "t", "description": "d"}, "entitlement_id"),
        ({"title": "t", "description": "d", "entitlement_id": "abc"}, "entitlement_id"),
        ({"title": "t", "description": "d", "entitlement_id": 999999}, "entitlement_id"),
        (
            {"title": "t", "description": "d", "entitlement_id": "ENT", "priority": "asap"},
            "priority",
        ),
        ({"title": "x" * 201, "description": "d", "entitlement_id": "ENT"}, "title"),
    ],
)
def test_invalid_input_422(member_api, env_entitlement, body, field):
    body = {k: env_entitlement.pk if v == "ENT" else v for k, v in body.items()}
    response = member_api.post(f"{API}/tickets", body, format="json")
    assert response.status_code == 422, response.content
    assert response.json()["errors"]["code"] == "VALIDATION_ERROR"
    assert field in response.json()["errors"]["fields"]


def test_malformed_json_422(member_api):
    response = member_api.post(f"{API}/tickets", "{nope", content_type="application/json")
    assert response.status_code == 422
    assert_envelope(response.json(), success=False)


def test_client_other_orgs_entitlement_is_not_honoured(member_api, other_org):
    theirs = EntitlementFactory(organization=other_org)
    response = member_api.post(
        f"{API}/tickets", {**SEED_000_REQUEST, "entitlement_id": theirs.pk}, format="json"
    )
    assert response.status_code == 422
    assert not Ticket.objects.exists()


def test_client_other_orgs_environment_404(member_api, other_environment):
    response = member_api.post(
        f"{API}/environments/{other_environment.pk}/tickets", SEED_000_REQUEST, format="json"
    )
    assert response.status_code == 404
    assert response.json()["errors"]["code"] == "NOT_FOUND"


def test_guest_cannot_post_environment_ticket(guest_api, environment):
    response = guest_api.post(
        f"{API}/environments/{environment.pk}/tickets", SEED_000_REQUEST, format="json"
    )
    assert response.status_code == 403


# --- mass assignment -------------------------------------------------------------------------


def test_system_fields_sent_by_a_client_are_ignored(member_api, env_entitlement, org, other_org):
    response = member_api.post(
        f"{API}/tickets",
        {
            **SEED_000_REQUEST,
            "entitlement_id": env_entitlement.pk,
            "status": "closed",
            "number": "SR-19990001",
            "organization_id": other_org.pk,
            "response_due_at": "2099-01-01T00:00:00Z",
            "resolution_due_at": "2099-01-01T00:00:00Z",
            "first_response_at": "2020-01-01T00:00:00Z",
            "rating": 5,
            "sla_status": "met",
            "id": 424242,
        },
        format="json",
    )
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.json()["data"]["id"])
    assert ticket.pk != 424242
    assert ticket.status == "open"
    assert ticket.number != "SR-19990001"
    assert ticket.organization == org
    assert ticket.response_due_at.year < 2099
    assert ticket.first_response_at is None
    assert ticket.rating is None


@pytest.mark.parametrize("field", ["assignee_id", "requester_id"])
def test_staff_only_fields_sent_by_a_client_are_refused(
    member_api, env_entitlement, staff, owner, field
):
    value = staff.pk if field == "assignee_id" else owner.pk
    response = member_api.post(
        f"{API}/tickets",
        {**SEED_000_REQUEST, "entitlement_id": env_entitlement.pk, field: value},
        format="json",
    )
    assert response.status_code == 403
    assert field in response.json()["errors"]["detail"]
    assert not Ticket.objects.exists()


def test_inactive_membership_cannot_create(org, owner, env_entitlement):
    membership = MembershipFactory(organization=org, role=Membership.Role.MEMBER)
    membership.is_active = False
    membership.save()
    response = client_for(membership.user, org).post(
        f"{API}/tickets", {**SEED_000_REQUEST, "entitlement_id": env_entitlement.pk}, format="json"
    )
    assert response.status_code == 403


def test_service_tickets_list(staff_api, member_api, service, make_ticket, staff):
    ticket = make_ticket(actor=staff, service=service, entitlement=None)
    make_ticket()  # not on the service
    response = member_api.get(f"{API}/services/{service.pk}/tickets")
    assert response.status_code == 200
    assert [t["id"] for t in response.json()["data"]] == [ticket.pk]
    assert response.json()["data"][0]["service_id"] == service.pk


def test_unauthenticated_401(anon):
    response = anon.get(f"{API}/tickets")
    assert response.status_code == 401
    assert_envelope(response.json(), success=False)


def test_service_factory_other_org_service_tickets_404(member_api, other_org):
    theirs = ServiceFactory(
        entitlement=EntitlementFactory(organization=other_org, entitlement_class="SVC")
    )
    response = member_api.get(f"{API}/services/{theirs.pk}/tickets")
    assert response.status_code == 404
