"""One tenancy rule (accounts.tenancy): a live membership is an active membership of an ACTIVE
organization, wherever it is asked: tokens, ticket requesters, the API."""

import jwt
import pytest
from django.conf import settings

from accounts import tenancy
from accounts.models import Organization
from accounts.tokens import issue_pair
from config.errors import Forbidden, NotFound
from config.request_scope import request_scope
from tests.factories import (
    EntitlementFactory,
    EnvironmentFactory,
    OrganizationFactory,
    StaffFactory,
)
from tickets.actions import ticket_create
from tickets.errors import TicketInvalid

pytestmark = pytest.mark.django_db


def _claims(token: str) -> dict:
    public = settings.SIMPLE_JWT["VERIFYING_KEY"]
    return jwt.decode(token, public, algorithms=["RS256"], options={"verify_aud": False})


def test_a_token_claims_no_role_in_an_inactive_organization(member, org):
    active = _claims(issue_pair(member, org)["access_token"])
    assert active["roles"] == ["member"]
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.INACTIVE)
    claims = _claims(issue_pair(member, org)["access_token"])
    assert claims["roles"] == []
    assert claims["scopes"] == []


def test_staff_cannot_choose_a_requester_of_an_inactive_organization(member, org):
    staff = StaffFactory()
    entitlement = EntitlementFactory(organization=org, entitlement_class="ENV")
    environment = EnvironmentFactory(entitlement=entitlement, organization=org)
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.INACTIVE)
    with pytest.raises(TicketInvalid, match="requester must be a member"):
        ticket_create(
            actor=staff,
            title="Site down",
            description="500 on every page",
            environment=environment,
            requester=member,
        )


def test_resolve_org_member_staff_and_stranger(member, org, other_org, staff):
    assert tenancy.resolve_org(member, org.pk) == (org, tenancy.live_membership(member, org.pk))
    assert tenancy.resolve_org(staff, other_org.pk) == (other_org, None)
    with pytest.raises(Forbidden):
        tenancy.resolve_org(member, other_org.pk)
    with pytest.raises(NotFound):
        tenancy.resolve_org(staff, 999_999_999)


def test_a_request_reads_a_membership_once(member, org, django_assert_num_queries):
    with request_scope(), django_assert_num_queries(1):
        tenancy.live_membership(member, org.pk)
        tenancy.require_member(member, org.pk)
    with django_assert_num_queries(1):  # outside a request nothing is kept
        tenancy.live_membership(member, org.pk)


def test_require_member_refuses_guests_writing_and_strangers(guest, org, other_org):
    assert tenancy.require_member(guest, org.pk, write=False).role == "guest"
    with pytest.raises(Forbidden, match="Guests"):
        tenancy.require_member(guest, org.pk)
    with pytest.raises(Forbidden, match="not a member"):
        tenancy.require_member(guest, OrganizationFactory().pk)
    assert tenancy.require_member(None, other_org.pk) is None  # the system
