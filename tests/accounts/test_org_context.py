"""The organization header and the live membership check that every org-scoped viewset inherits.

A test-only org-scoped viewset (tests/accounts/urls.py) reports the context the foundation
resolved, so these rules are checked once here, apart from any domain app.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership, Organization
from tests.conftest import API, client_for
from tests.factories import MembershipFactory
from tests.helpers import assert_error, change_collaborator

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.accounts.urls")]

PROBE = f"{API}/__test__/probe"


def test_member_with_header_gets_the_context(member_api, org):
    response = member_api.get(PROBE)
    assert response.status_code == 200, response.content
    assert response.json()["data"] == {"org": org.pk, "role": "member"}


def test_header_missing_is_422(member):
    body = assert_error(client_for(member).get(PROBE), 422, "VALIDATION_ERROR")
    assert "X-Middag-Organization" in body["errors"]["fields"]


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "0",
        "-1",
        "1.5",
        "1e3",
        "0x10",
        "x" * 10_240,
        "9" * 10_240,
        "99999999999999999999",
        "\u00b2",  # superscript two, a Unicode digit: str.isdigit() is true but int() refuses it
        "\u0661\u0662",  # Arabic-Indic digits: int() would read them as 12
        "\uff11\uff12",  # full-width digits
    ],
)
def test_header_malformed_is_422_never_500(member, value):
    client = client_for(member)
    response = client.get(PROBE, headers={"X-Middag-Organization": value})
    assert_error(response, 422, "VALIDATION_ERROR")


def test_header_with_surrounding_spaces_is_accepted(member, org):
    client = client_for(member)
    response = client.get(PROBE, headers={"X-Middag-Organization": f" {org.pk} "})
    assert response.status_code == 200


def test_foreign_organization_is_403(member, other_org, other_owner):
    response = client_for(member, other_org).get(PROBE)
    assert_error(response, 403, "AUTHORIZATION_ERROR")


def test_nonexistent_organization_is_403_for_clients(member):
    response = client_for(member).get(PROBE, headers={"X-Middag-Organization": "987654"})
    assert_error(response, 403, "AUTHORIZATION_ERROR")


def test_inactive_organization_is_403(member_api, org):
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.INACTIVE)
    assert_error(member_api.get(PROBE), 403, "AUTHORIZATION_ERROR")


def test_inactive_membership_is_403(member_api, member):
    Membership.objects.filter(user=member).update(is_active=False)
    assert_error(member_api.get(PROBE), 403, "AUTHORIZATION_ERROR")


def test_no_token_is_401_before_the_header_is_read(anon):
    response = anon.get(PROBE, headers={"X-Middag-Organization": "abc"})
    assert_error(response, 401, "AUTHENTICATION_ERROR")


def test_missing_scope_is_403(scopeless_member, org):
    body = assert_error(client_for(scopeless_member, org).get(PROBE), 403, "AUTHORIZATION_ERROR")
    assert "entitlements" in body["errors"]["detail"]


def test_admin_holds_every_scope_even_without_listed_scopes(admin_user, org):
    assert client_for(admin_user, org).get(PROBE).json()["data"]["role"] == "admin"


def test_guest_reads_but_cannot_write(guest_api):
    assert guest_api.get(PROBE).status_code == 200
    assert_error(guest_api.post(PROBE, {}, format="json"), 403, "AUTHORIZATION_ERROR")


def test_staff_only_action_is_403_for_owner_and_allowed_for_staff(owner_api, staff, org):
    assert_error(owner_api.get(f"{PROBE}/staff_only"), 403, "AUTHORIZATION_ERROR")
    assert client_for(staff, org).get(f"{PROBE}/staff_only").status_code == 200


def test_staff_may_omit_the_header_or_use_any_organization(staff, org):
    response = client_for(staff).get(PROBE)
    assert response.json()["data"] == {"org": None, "role": None}
    response = client_for(staff, org).get(PROBE)
    assert response.json()["data"] == {"org": org.pk, "role": None}


def test_staff_with_unknown_organization_is_404(staff):
    response = client_for(staff).get(PROBE, headers={"X-Middag-Organization": "987654"})
    assert_error(response, 404, "NOT_FOUND")


@pytest.mark.parametrize("value", ["middag_br", "middag_global"])
def test_company_header_valid_values_pass(member_api, value):
    assert member_api.get(PROBE, headers={"X-Middag-Company": value}).status_code == 200


def test_a_removed_member_loses_access_at_once_with_the_token_still_valid(owner_api, member, org):
    member_api = client_for(member, org)
    assert member_api.get(PROBE).status_code == 200
    assert member_api.get(f"{API}/organizations").json()["meta"]["total"] == 1

    membership = Membership.objects.get(user=member, organization=org)
    removed = owner_api.delete(f"{API}/organizations/{org.pk}/collaborators/{membership.pk}")
    assert removed.status_code == 200, removed.content

    # The same token, still unexpired and correctly signed:
    assert member_api.get(f"{API}/auth/me").status_code == 200
    assert member_api.get(f"{API}/auth/me").json()["data"]["memberships"] == []
    assert_error(member_api.get(PROBE), 403, "AUTHORIZATION_ERROR")
    assert_error(member_api.get(f"{API}/organizations/{org.pk}"), 404, "NOT_FOUND")
    assert member_api.get(f"{API}/organizations").json()["meta"]["total"] == 0


def test_a_demoted_member_loses_write_access_at_once(owner_api, member, org):
    member_api = client_for(member, org)  # a token issued while a member
    assert member_api.post(PROBE, {}, format="json").status_code == 409  # the probe's own rule
    membership = Membership.objects.get(user=member, organization=org)
    response = change_collaborator(owner_api, org, membership, {"role": "guest"})
    assert response.status_code == 200, response.content
    assert_error(member_api.post(PROBE, {}, format="json"), 403, "AUTHORIZATION_ERROR")


def test_a_failing_request_leaves_no_partial_write(owner_api):
    before = Organization.objects.count()
    body = assert_error(owner_api.post(PROBE, {}, format="json"), 409, "CONFLICT")
    assert body["errors"]["reason"] == "TEST-ROLLBACK"
    assert Organization.objects.count() == before
    assert not Organization.objects.filter(slug="half-written").exists()


def test_token_claims_do_not_grant_access(member, org, other_org):
    """A token issued for org A does not open org B; the live membership decides."""
    MembershipFactory(organization=other_org, role=Membership.Role.OWNER)
    client = client_for(member, org, header=False)
    response = client.get(PROBE, headers={"X-Middag-Organization": str(other_org.pk)})
    assert_error(response, 403, "AUTHORIZATION_ERROR")


def test_a_deactivated_user_is_401_even_with_a_live_membership(member, org):
    """The user and the membership are read in one query; the user must still be active."""
    member_api = client_for(member, org)
    assert member_api.get(PROBE).status_code == 200
    type(member).objects.filter(pk=member.pk).update(is_active=False)
    assert_error(member_api.get(PROBE), 401, "AUTHENTICATION_ERROR")


def test_a_member_is_read_with_the_membership_in_one_query(member_api, member, org):
    with CaptureQueriesContext(connection) as ctx:
        assert member_api.get(PROBE).status_code == 200
    reads = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) == 1, reads
    assert '"accounts_user"' in reads[0]
    assert '"accounts_membership"' in reads[0]


def test_staff_who_are_members_get_their_role(staff, org):
    MembershipFactory(user=staff, organization=org, role=Membership.Role.ADMIN)
    response = client_for(staff, org).get(PROBE)
    assert response.json()["data"] == {"org": org.pk, "role": "admin"}


def test_a_malformed_header_is_422_after_a_valid_token(member):
    """The authentication reads the header quietly; the organization check answers it."""
    response = client_for(member).get(PROBE, headers={"X-Middag-Organization": "1e3"})
    assert_error(response, 422, "VALIDATION_ERROR")
