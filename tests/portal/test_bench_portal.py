"""The benchmark's portal scenarios (issue 15, item 5) sign in as a client does: the session
cookie bench/prepare.py makes opens every portal page it measures, in the chosen organization."""

from __future__ import annotations

import pytest
from django.test import Client

from bench.prepare import portal_session_cookie
from bench.scenarios import scenarios

pytestmark = pytest.mark.django_db


def test_the_portal_scenarios_answer_200_with_the_session_cookie(member, org, ticket, staff):
    cookie = portal_session_cookie(member, org)
    ids = {
        "entitlement_id": ticket.entitlement_id,
        "org_id": org.pk,
        "staff_id": staff.pk,
        "ticket_id": ticket.pk,
    }
    portal = [s for s in scenarios(ids) if s["caller"] == "portal"]
    assert len(portal) == 9
    for scenario in portal:
        response = Client().get(scenario["path"], headers={"Cookie": cookie})
        assert response.status_code == 200, scenario["path"]
    home = Client().get("/portal/", headers={"Cookie": cookie}).content.decode()
    assert org.name in home
    assert Client().get("/portal/").status_code == 302  # without it: the sign-in page
