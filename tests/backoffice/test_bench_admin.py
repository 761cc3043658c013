"""The benchmark's back-office scenarios (issue 13, item 8) sign in as a person does: the session
cookie bench/prepare.py makes opens the dashboard, queue and workspace, two-factor check on."""

from __future__ import annotations

import pytest
from django.test import Client

from bench.prepare import admin_session_cookie
from bench.scenarios import scenarios
from tests.factories import StaffFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_the_admin_scenarios_answer_200_with_the_session_cookie(settings, org):
    settings.STAFF_MFA_REQUIRED = True  # as in production: a session must be verified
    staff = StaffFactory()
    ticket = TicketFactory(organization=org)
    cookie = admin_session_cookie(staff)
    ids = {"entitlement_id": ticket.entitlement_id, "org_id": org.pk, "staff_id": staff.pk}
    admin = [s for s in scenarios({**ids, "ticket_id": ticket.pk}) if s["caller"] == "admin"]
    assert [s["path"] for s in admin] == [
        "/admin/",
        "/admin/tickets/ticket/",
        f"/admin/tickets/ticket/{ticket.pk}/change/",
    ]
    for scenario in admin:
        response = Client().get(scenario["path"], headers={"Cookie": cookie})
        assert response.status_code == 200, (scenario["path"], response.get("Location"))
    assert Client().get("/admin/").status_code == 302  # without it: the sign-in page
