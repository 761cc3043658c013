"""The API's id inputs ask the same tenancy rule as the actions: a requester must hold a LIVE
membership (an active membership of an active organization)."""

import pytest

from accounts.models import Organization
from tests.conftest import API, client_for
from tests.factories import EntitlementFactory, EnvironmentFactory

pytestmark = pytest.mark.django_db


def test_staff_cannot_name_a_requester_whose_organization_is_inactive(staff, member, org):
    entitlement = EntitlementFactory(organization=org, entitlement_class="ENV")
    EnvironmentFactory(entitlement=entitlement, organization=org)
    body = {
        "title": "Site down",
        "description": "500 on every page",
        "entitlement_id": entitlement.pk,
        "requester_id": member.pk,
    }
    api = client_for(staff, org)
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.INACTIVE)
    refused = api.post(f"{API}/tickets", body, format="json")
    assert refused.status_code == 422
    assert "requester_id" in refused.json()["errors"]["fields"]
    Organization.objects.filter(pk=org.pk).update(status=Organization.Status.ACTIVE)
    assert api.post(f"{API}/tickets", body, format="json").status_code == 201


@pytest.mark.parametrize("command", ["close_resolved_tickets", "sla_sweep", "expire_entitlements"])
def test_a_command_names_its_organization_through_the_resolver(command, org):
    from io import StringIO

    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="Organization 999999999 does not exist"):
        call_command(command, "--org", "999999999", stdout=StringIO())
    call_command(command, "--org", str(org.pk), "--dry-run", stdout=StringIO())  # a real one runs


@pytest.mark.parametrize(
    ("header", "status"),
    [("0", 422), (str(2**63), 422), ("99999999999999999999", 422), (str(2**63 - 1), 403)],
)
def test_the_organization_header_takes_what_the_schema_declares(member, header, status):
    """1 to 2^63-1: outside the bounds is a 422; inside, an organization you are not in is 403."""
    api = client_for(member)
    response = api.get(f"{API}/tickets", HTTP_X_MIDDAG_ORGANIZATION=header)
    assert response.status_code == status
