"""Organizations and collaborators (SPEC §1): the role and scope matrix, owner rules, CNPJ, pages."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import ALL_SCOPES, Invitation, Membership, Organization
from tests.conftest import API, assert_envelope, client_for
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    OwnerMembershipFactory,
    StaffFactory,
    UserFactory,
)
from tests.helpers import add_collaborator, assert_error, change_collaborator, created_data, keys

pytestmark = pytest.mark.django_db

Role = Membership.Role
VALID_CNPJ = "11.222.333/0001-81"
OTHER_VALID_CNPJ = "11444777000161"


# --- the matrix ---------------------------------------------------------------------------


@pytest.fixture
def cast(org, other_org):
    """Everyone who might call an organization endpoint, and a plain member to act upon."""
    people = {
        "owner": OwnerMembershipFactory(organization=org).user,
        "admin": MembershipFactory(organization=org, role=Role.ADMIN, scopes=[]).user,
        "member": MembershipFactory(
            organization=org, role=Role.MEMBER, scopes=["organization", "entitlements"]
        ).user,
        "noscope": MembershipFactory(
            organization=org, role=Role.MEMBER, scopes=["entitlements", "tickets"]
        ).user,
        "guest": MembershipFactory(organization=org, role=Role.GUEST, scopes=["organization"]).user,
        "outsider": OwnerMembershipFactory(organization=other_org).user,
        "staff": StaffFactory(),
    }
    target = MembershipFactory(organization=org, role=Role.MEMBER, scopes=["tickets"])
    return people, target


ACTORS = ["owner", "admin", "member", "noscope", "guest", "outsider", "staff"]
# Expected status per operation, in the order of ACTORS.
MATRIX = {
    "get_org": [200, 200, 200, 403, 200, 404, 200],
    "put_org": [200, 200, 200, 403, 403, 404, 200],
    "delete_org": [200, 403, 403, 403, 403, 404, 200],
    "list_collaborators": [200, 200, 200, 403, 200, 404, 200],
    "add_collaborator": [201, 201, 403, 403, 403, 404, 201],
    "patch_collaborator": [200, 200, 403, 403, 403, 404, 200],
    "delete_collaborator": [200, 200, 403, 403, 403, 404, 200],
}


def run(operation: str, client, org: Organization, target: Membership):
    base = f"{API}/organizations/{org.pk}"
    if operation == "get_org":
        return client.get(base)
    if operation == "put_org":
        return client.put(base, {"name": "Renamed", "phone": "+55 11 5555-0000"}, format="json")
    if operation == "delete_org":
        return client.delete(base)
    if operation == "list_collaborators":
        return client.get(f"{base}/collaborators")
    if operation == "add_collaborator":
        newcomer = UserFactory()
        return client.post(
            f"{base}/collaborators",
            {"email": newcomer.email, "role": "member", "scopes": ["tickets"]},
            format="json",
        )
    if operation == "patch_collaborator":
        return client.patch(
            f"{base}/collaborators/{target.pk}", {"scopes": ["tickets", "orders"]}, format="json"
        )
    if operation == "delete_collaborator":
        return client.delete(f"{base}/collaborators/{target.pk}")
    raise AssertionError(operation)


@pytest.mark.parametrize(
    ("operation", "actor", "expected"),
    [
        pytest.param(op, actor, MATRIX[op][i], id=f"{op}-{actor}")
        for op in MATRIX
        for i, actor in enumerate(ACTORS)
    ],
)
def test_role_and_scope_matrix(cast, org, operation, actor, expected):
    people, target = cast
    before = {
        "org": Organization.objects.filter(pk=org.pk).values("name").first(),
        "memberships": list(Membership.objects.values_list("pk", "role", "scopes").order_by("pk")),
    }
    response = run(operation, client_for(people[actor]), org, target)
    assert response.status_code == expected, response.content
    body = response.json()
    assert_envelope(body, success=expected < 400)
    if expected >= 400:
        codes = {403: "AUTHORIZATION_ERROR", 404: "NOT_FOUND"}
        assert body["errors"]["code"] == codes[expected]
        # A refusal changes nothing.
        assert Organization.objects.filter(pk=org.pk).values("name").first() == before["org"]
        assert (
            list(Membership.objects.values_list("pk", "role", "scopes").order_by("pk"))
            == before["memberships"]
        )
    elif operation == "delete_org":
        assert not Organization.objects.filter(pk=org.pk).exists()
    elif operation == "put_org":
        assert Organization.objects.get(pk=org.pk).name == "Renamed"
    elif operation == "delete_collaborator":
        assert not Membership.objects.filter(pk=target.pk).exists()
    elif operation == "patch_collaborator":
        assert Membership.objects.get(pk=target.pk).scopes == ["tickets", "orders"]


# --- organizations ------------------------------------------------------------------------


def test_organization_fields(owner_api, owner, org):
    response = owner_api.get(f"{API}/organizations/{org.pk}")
    data = response.json()["data"]
    assert set(data) == keys(
        "id name slug legal_name cnpj email phone type country company status owner_id "
        "created_at updated_at"
    )
    assert data["owner_id"] == owner.pk
    assert response.json()["meta"] is None
    assert data["created_at"].endswith("Z")


def test_list_shows_only_the_callers_organizations(member_api, org, other_org, other_owner):
    response = member_api.get(f"{API}/organizations")
    assert [o["id"] for o in response.json()["data"]] == [org.pk]


def test_staff_list_shows_every_organization(staff_api, org, other_org):
    response = staff_api.get(f"{API}/organizations")
    assert {o["id"] for o in response.json()["data"]} == {org.pk, other_org.pk}


def test_list_needs_a_token(anon):
    assert_error(anon.get(f"{API}/organizations"), 401, "AUTHENTICATION_ERROR")


def test_create_makes_the_caller_owner(user):
    client = client_for(user)
    response = client.post(
        f"{API}/organizations",
        {
            "name": "Nova Escola",
            "cnpj": VALID_CNPJ,
            "type": "school",
            "country": "br",
            "company": "middag_global",
            "email": "contato@nova.example",
        },
        format="json",
    )
    data = created_data(response, "Organization created")
    assert data["owner_id"] == user.pk
    assert data["cnpj"] == "11222333000181"
    assert data["slug"] == "nova-escola"
    assert data["country"] == "BR"
    assert data["company"] == "middag_global"
    membership = Membership.objects.get(organization_id=data["id"])
    assert membership.user == user
    assert membership.role == Role.OWNER
    assert membership.effective_scopes == ALL_SCOPES


def test_create_twice_with_same_name_gets_distinct_slugs(user):
    client = client_for(user)
    slugs = [
        client.post(f"{API}/organizations", {"name": "Twin"}, format="json").json()["data"]["slug"]
        for _ in range(2)
    ]
    assert slugs == ["twin", "twin-2"]


@pytest.mark.parametrize(
    "cnpj",
    [
        "11.222.333/0001-82",  # wrong second check digit
        "11222333000191",  # wrong first check digit
        "00000000000000",  # repeated digits pass the arithmetic, not the registry
        "1122233300018",  # 13 digits
        "112223330001811",  # 15 digits
        "11.222.333/0001",
        "11-222-333-0001-81",
        "abcdefghijklmn",
        "11.222.333/0001-8a",
    ],
)
def test_create_with_invalid_cnpj_is_422(user, cnpj):
    response = client_for(user).post(
        f"{API}/organizations", {"name": "Bad", "cnpj": cnpj}, format="json"
    )
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert "cnpj" in body["errors"]["fields"]
    assert not Organization.objects.filter(name="Bad").exists()


def test_create_with_duplicate_cnpj_is_409_in_either_spelling(user):
    client = client_for(user)
    assert (
        client.post(
            f"{API}/organizations", {"name": "First", "cnpj": VALID_CNPJ}, format="json"
        ).status_code
        == 201
    )
    response = client.post(
        f"{API}/organizations", {"name": "Second", "cnpj": "11222333000181"}, format="json"
    )
    assert_error(response, 409, "CONFLICT")
    assert not Organization.objects.filter(name="Second").exists()


def test_organizations_without_cnpj_do_not_conflict(user):
    client = client_for(user)
    for name in ("A", "B"):
        assert client.post(f"{API}/organizations", {"name": name}, format="json").status_code == 201


def test_update_to_a_cnpj_used_elsewhere_is_409(owner_api, org):
    OrganizationFactory(cnpj=OTHER_VALID_CNPJ)
    response = owner_api.put(
        f"{API}/organizations/{org.pk}", {"cnpj": OTHER_VALID_CNPJ}, format="json"
    )
    assert_error(response, 409, "CONFLICT")


def test_update_keeps_unsent_fields_and_validates(owner_api, org):
    Organization.objects.filter(pk=org.pk).update(legal_name="Acme Ltda")
    response = owner_api.patch(f"{API}/organizations/{org.pk}", {"phone": "123"}, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["legal_name"] == "Acme Ltda"
    bad = owner_api.put(
        f"{API}/organizations/{org.pk}", {"type": "castle", "country": "BRA"}, format="json"
    )
    body = assert_error(bad, 422, "VALIDATION_ERROR")
    assert set(body["errors"]["fields"]) == {"type", "country"}


def test_create_with_missing_or_bad_fields_is_422(user):
    response = client_for(user).post(
        f"{API}/organizations", {"email": "nope", "company": "acme"}, format="json"
    )
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert set(body["errors"]["fields"]) == {"name", "email", "company"}


@pytest.mark.parametrize("pk", ["abc", "0", "99999999999999999999", "²"])
def test_odd_organization_ids_are_404(owner_api, pk):
    assert_error(owner_api.get(f"{API}/organizations/{pk}"), 404, "NOT_FOUND")


# --- collaborators ------------------------------------------------------------------------


def test_collaborator_shape_and_listing(owner_api, owner, member, org):
    response = owner_api.get(f"{API}/organizations/{org.pk}/collaborators")
    body = response.json()
    assert body["meta"] == {"page": 1, "per_page": 20, "total": 2, "pages": 1}
    rows = {row["user_id"]: row for row in body["data"]}
    assert set(rows) == {owner.pk, member.pk}
    assert set(rows[member.pk]) == keys(
        "id user_id email name organization_id role scopes is_active created_at"
    )
    assert rows[member.pk]["scopes"] == ["entitlements", "tickets"]
    assert rows[owner.pk]["scopes"] == ALL_SCOPES


def test_add_collaborator_existing_member_is_409(owner_api, member, org):
    response = add_collaborator(owner_api, org, {"email": member.email})
    assert_error(response, 409, "CONFLICT")


def test_add_collaborator_unknown_email_is_a_pending_invitation(owner_api, org):
    # Issue 17, finding 3: no more 404 telling who has an account (tests/accounts/test_invitations.py).
    response = add_collaborator(owner_api, org, {"email": "nobody@example.com"})
    assert created_data(response, "Invitation sent")["status"] == "pending"


def test_add_collaborator_inactive_user_is_a_pending_invitation(owner_api, org):
    ghost = UserFactory(is_active=False)
    response = add_collaborator(owner_api, org, {"email": ghost.email})
    assert created_data(response, "Invitation sent")["status"] == "pending"
    assert not Membership.objects.filter(user=ghost).exists()


def test_add_collaborator_validates_role_and_scopes(owner_api, org):
    newcomer = UserFactory()
    response = add_collaborator(
        owner_api,
        org,
        {"email": newcomer.email, "role": "emperor", "scopes": ["tickets", "everything"]},
    )
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert set(body["errors"]["fields"]) == {"role", "scopes"}
    not_a_list = add_collaborator(owner_api, org, {"email": newcomer.email, "scopes": "tickets"})
    assert_error(not_a_list, 422, "VALIDATION_ERROR")


def test_add_collaborator_email_is_case_insensitive(owner_api, org):
    newcomer = UserFactory(email="mixed.case@example.com")
    response = add_collaborator(
        owner_api,
        org,
        {"email": "Mixed.Case@Example.COM", "role": "guest", "scopes": ["tickets", "tickets"]},
    )
    assert response.status_code == 201, response.content
    # The invitation binds to the address (its answer names no account: issue 17, finding 3).
    assert response.json()["data"]["email"] == newcomer.email
    assert (
        Invitation.objects.addressed_to(newcomer).get().pk
        == response.json()["data"]["invitation_id"]
    )
    assert response.json()["data"]["scopes"] == ["tickets"]


def test_admin_cannot_grant_a_role_above_their_own(org, admin_user, owner):
    client = client_for(admin_user)
    newcomer = UserFactory()
    response = add_collaborator(client, org, {"email": newcomer.email, "role": "owner"})
    assert_error(response, 403, "AUTHORIZATION_ERROR")
    equal = add_collaborator(client, org, {"email": newcomer.email, "role": "admin"})
    assert equal.status_code == 201


def test_admin_cannot_promote_to_owner_or_touch_the_owner(org, admin_user, owner, member):
    client = client_for(admin_user)
    member_ms = Membership.objects.get(user=member, organization=org)
    owner_ms = Membership.objects.get(user=owner, organization=org)
    promote = change_collaborator(client, org, member_ms, {"role": "owner"})
    assert_error(promote, 403, "AUTHORIZATION_ERROR")
    touch = change_collaborator(client, org, owner_ms, {"scopes": []})
    assert_error(touch, 403, "AUTHORIZATION_ERROR")
    assert Membership.objects.get(pk=owner_ms.pk).role == Role.OWNER


def test_owner_cannot_add_a_second_owner(owner_api, org):
    newcomer = UserFactory()
    response = add_collaborator(owner_api, org, {"email": newcomer.email, "role": "owner"})
    assert_error(response, 409, "CONFLICT")
    assert Membership.objects.filter(organization=org, role=Role.OWNER).count() == 1


@pytest.mark.parametrize("who", ["owner", "staff", "admin"])
def test_the_owner_cannot_be_removed(org, owner, admin_user, staff, who):
    client = client_for({"owner": owner, "staff": staff, "admin": admin_user}[who])
    owner_ms = Membership.objects.get(user=owner, organization=org)
    response = client.delete(f"{API}/organizations/{org.pk}/collaborators/{owner_ms.pk}")
    assert response.status_code in (403, 409)
    assert_envelope(response.json(), success=False)
    assert Membership.objects.filter(pk=owner_ms.pk, role=Role.OWNER).exists()


def test_owner_cannot_demote_themselves(owner_api, owner, org):
    owner_ms = Membership.objects.get(user=owner, organization=org)
    response = change_collaborator(owner_api, org, owner_ms, {"role": "admin"})
    assert_error(response, 409, "CONFLICT")
    assert Membership.objects.get(pk=owner_ms.pk).role == Role.OWNER


@pytest.mark.parametrize("by", ["owner", "staff"])
def test_ownership_transfer_keeps_exactly_one_owner(org, owner, member, staff, by):
    client = client_for(owner if by == "owner" else staff)
    member_ms = Membership.objects.get(user=member, organization=org)
    response = change_collaborator(client, org, member_ms, {"role": "owner"})
    assert response.status_code == 200, response.content
    assert response.json()["data"]["role"] == "owner"
    owners = Membership.objects.filter(organization=org, role=Role.OWNER)
    assert list(owners.values_list("user_id", flat=True)) == [member.pk]
    assert Membership.objects.get(user=owner, organization=org).role == Role.ADMIN
    shown = client_for(member).get(f"{API}/organizations/{org.pk}").json()["data"]
    assert shown["owner_id"] == member.pk
    # The former owner, now an admin, can no longer delete the organization.
    assert client_for(owner).delete(f"{API}/organizations/{org.pk}").status_code == 403


def test_database_refuses_a_second_owner(org, owner):
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(organization=org, role=Role.OWNER)
    assert Membership.objects.filter(organization=org, role=Role.OWNER).count() == 1


def test_database_refuses_a_duplicate_membership(org, member):
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(organization=org, user=member)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transfers_leave_exactly_one_owner():
    org = OrganizationFactory()
    owner = OwnerMembershipFactory(organization=org).user
    candidates = [MembershipFactory(organization=org, role=Role.MEMBER) for _ in range(2)]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def transfer(membership: Membership) -> None:
        try:
            client = client_for(owner)
            barrier.wait(timeout=10)
            response = change_collaborator(client, org, membership, {"role": "owner"})
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=transfer, args=(m,)) for m in candidates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert 200 in statuses
    assert all(status in (200, 403, 409) for status in statuses), statuses
    assert Membership.objects.filter(organization=org, role=Role.OWNER).count() == 1


def test_a_removed_member_can_be_added_again(owner_api, member, org):
    membership = Membership.objects.get(user=member, organization=org)
    assert (
        owner_api.delete(f"{API}/organizations/{org.pk}/collaborators/{membership.pk}").status_code
        == 200
    )
    again = add_collaborator(
        owner_api, org, {"email": member.email, "role": "guest", "scopes": ["tickets"]}
    )
    assert again.status_code == 201, again.content
    assert again.json()["data"]["role"] == "guest"


def test_a_member_may_leave(org, owner):
    leaver = MembershipFactory(organization=org, role=Role.MEMBER, scopes=["organization"])
    response = client_for(leaver.user).delete(
        f"{API}/organizations/{org.pk}/collaborators/{leaver.pk}"
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(pk=leaver.pk).exists()


@pytest.mark.parametrize("membership_id", ["abc", "0", "999999", "99999999999999999999", "²"])
def test_odd_collaborator_ids_are_404(owner_api, org, membership_id):
    response = owner_api.patch(
        f"{API}/organizations/{org.pk}/collaborators/{membership_id}",
        {"role": "member"},
        format="json",
    )
    assert_error(response, 404, "NOT_FOUND")


def test_another_organizations_collaborator_is_404(owner_api, org, other_org, other_owner):
    foreign = Membership.objects.get(user=other_owner)
    response = owner_api.delete(f"{API}/organizations/{org.pk}/collaborators/{foreign.pk}")
    assert_error(response, 404, "NOT_FOUND")
    assert Membership.objects.filter(pk=foreign.pk).exists()


# --- pagination ---------------------------------------------------------------------------


@pytest.fixture
def many_orgs(db):
    OrganizationFactory.create_batch(125)


def test_pagination_defaults(staff_api, many_orgs):
    body = staff_api.get(f"{API}/organizations").json()
    assert_envelope(body, success=True)
    assert len(body["data"]) == 20
    assert body["meta"] == {"page": 1, "per_page": 20, "total": 125, "pages": 7}


def test_pagination_clamps_per_page_at_100(staff_api, many_orgs):
    body = staff_api.get(f"{API}/organizations?per_page=1000").json()
    assert len(body["data"]) == 100
    assert body["meta"] == {"page": 1, "per_page": 100, "total": 125, "pages": 2}
    second = staff_api.get(f"{API}/organizations?per_page=1000&page=2").json()
    assert len(second["data"]) == 25
    ids = [o["id"] for o in body["data"]] + [o["id"] for o in second["data"]]
    assert len(set(ids)) == 125  # pages neither overlap nor skip


def test_page_past_the_end_is_empty_with_correct_meta(staff_api, many_orgs):
    response = staff_api.get(f"{API}/organizations?page=99&per_page=50")
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == []
    assert body["meta"] == {"page": 99, "per_page": 50, "total": 125, "pages": 3}


def test_empty_list_meta(user):
    body = client_for(user).get(f"{API}/organizations").json()
    assert body["data"] == []
    assert body["meta"] == {"page": 1, "per_page": 20, "total": 0, "pages": 0}


@pytest.mark.parametrize(
    "query",
    ["per_page=abc", "page=0", "page=abc", "per_page=0", "per_page=-5", "page=1.5", "page=%C2%B2"],
)
def test_bad_pagination_values_are_422(staff_api, query):
    response = staff_api.get(f"{API}/organizations?{query}")
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert set(body["errors"]["fields"]) <= {"page", "per_page"}


def test_huge_page_number_is_an_empty_page_not_an_error(staff_api, org):
    response = staff_api.get(f"{API}/organizations?page=99999999999999999999")
    assert response.status_code in (200, 422)
    assert_envelope(response.json(), success=response.status_code == 200)


def test_collaborators_are_paginated(owner_api, org, owner):
    MembershipFactory.create_batch(4, organization=org)
    body = owner_api.get(f"{API}/organizations/{org.pk}/collaborators?per_page=2&page=3").json()
    assert len(body["data"]) == 1
    assert body["meta"] == {"page": 3, "per_page": 2, "total": 5, "pages": 3}


def test_deleting_an_organization_that_still_owns_records_is_409(owner_api, org):
    from tests.factories import EntitlementFactory

    EntitlementFactory(organization=org)
    response = owner_api.delete(f"{API}/organizations/{org.pk}")
    assert_error(response, 409, "CONFLICT")
    assert Organization.objects.filter(pk=org.pk).exists()
    assert Membership.objects.filter(organization=org).exists()
