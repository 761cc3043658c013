"""A plain staff user (not superuser) runs the whole back office, but cannot manage users."""

import pytest
from django.test import Client

from tests.factories import StaffFactory


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/accounts/organization/",
        "/admin/entitlements/entitlement/",
        "/admin/environments/environment/",
        "/admin/services/service/",
        "/admin/tickets/ticket/",
        "/admin/tickets/ticket/add/",
        "/admin/accounts/user/",
    ],
)
def test_plain_staff_reaches_the_back_office(db, url):
    client = Client()
    client.force_login(StaffFactory(is_superuser=False))
    assert client.get(url).status_code == 200


def test_only_superusers_manage_users(db):
    client = Client()
    client.force_login(StaffFactory(is_superuser=False))
    assert client.get("/admin/accounts/user/add/").status_code == 403


def test_clients_never_reach_the_admin(member):
    client = Client()
    client.force_login(member)
    response = client.get("/admin/tickets/ticket/")
    assert response.status_code == 302  # to the admin login page
