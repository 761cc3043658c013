"""Canned replies: placeholders filled for a request, managed in the admin (issue 13, item 5)."""

import pytest
from django.urls import reverse

from tests.factories import EnvironmentFactory
from tickets.canned import canned_for, fill, placeholder_values
from tickets.models import CannedReply

pytestmark = pytest.mark.django_db


def test_fill_replaces_known_placeholders_only():
    values = {"requester_name": "Ana", "request_number": "SR-20260001"}
    text = fill("Hi {requester_name}, {request_number}; {unknown} {{ json }}", values)
    assert text == "Hi Ana, SR-20260001; {unknown} {{ json }}"


def test_placeholders_of_a_request(make_ticket, env_entitlement, org, member, staff):
    environment = EnvironmentFactory(
        entitlement=env_entitlement, organization=org, url="https://lms.acme.example"
    )
    ticket = make_ticket(environment=environment)
    values = placeholder_values(ticket, staff)
    assert values == {
        "requester_name": member.get_full_name(),
        "request_number": ticket.number,
        "request_title": ticket.title,
        "organization": org.name,
        "environment_url": "https://lms.acme.example",
        "agent_name": staff.get_full_name(),
    }


def test_canned_for_lists_active_ones_filled(make_ticket, staff, staff2):
    ticket = make_ticket()
    CannedReply.objects.create(title="B", body="{request_number}", transition="wait")
    CannedReply.objects.create(title="A", body="Hi", assignee=staff2)
    CannedReply.objects.create(title="C", body="old", is_active=False)
    offered = canned_for(ticket, staff)
    assert [c["title"] for c in offered] == ["A", "B"]
    assert offered[1]["body"] == ticket.number
    assert (offered[1]["transition"], offered[1]["then"]) == ("wait", "Wait for the client")
    assert offered[0]["assignee"] == staff2.pk


def test_staff_manage_canned_replies_in_the_admin(staff_admin, staff):
    response = staff_admin.post(
        reverse("admin:tickets_cannedreply_add"),
        {
            "title": "Need access",
            "body": "Hello {requester_name}, please give us access to {environment_url}.",
            "transition": "wait",
            "assignee": str(staff.pk),
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    canned = CannedReply.objects.get()
    assert (canned.transition, canned.assignee) == ("wait", staff)
    listing = staff_admin.get(reverse("admin:tickets_cannedreply_changelist"))
    assert "Need access" in listing.text
    page = staff_admin.get(reverse("admin:tickets_cannedreply_add")).text
    assert "{requester_name}" in page  # the placeholders are listed for the writer
