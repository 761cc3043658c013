"""Every portal page: what a member sees, another organization's object as a friendly 404, and
the role and scope cases the API has (guest reads only; no `entitlements` scope, no records)."""

import re

import pytest
from django.utils import timezone

from accounts.models import Membership
from entitlements.models import Entitlement
from environments.models import Environment
from tests.factories import (
    ContractFactory,
    EntitlementFactory,
    EnvironmentFactory,
    MembershipFactory,
    OrderFactory,
    ServiceFactory,
)
from tickets import actions
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


# --- every page, as a member ------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/portal/requests/")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/?next=/portal/requests/")


def test_home_shows_open_requests_with_their_promise_environments_and_expiring(
    portal_client, member, ticket, environment, org
):
    soon = EntitlementFactory(
        organization=org,
        product_name="Plugin Pro",
        expires_at=timezone.now() + timezone.timedelta(days=10),
    )
    EntitlementFactory(
        organization=org,
        product_name="Far away",
        expires_at=timezone.now() + timezone.timedelta(days=90),
    )
    body = text(portal_client(member).get("/portal/"))
    assert ticket.number in body
    assert "We will answer by" in body  # the business tier has a first-response target
    assert "Campus Moodle" in body
    assert environment.url in body
    assert soon.code in body
    assert "Far away" not in body


def test_requests_list_detail_and_pages_of_records(
    portal_client, member, ticket, service, environment
):
    client = portal_client(member)
    for url, expected in [
        ("/portal/requests/", ticket.number),
        (f"/portal/requests/{ticket.pk}/", "Since Monday the quiz page"),
        ("/portal/environments/", "Campus Moodle"),
        (f"/portal/environments/{environment.pk}/", ticket.number),
        ("/portal/services/", "Theme project"),
        (f"/portal/services/{service.pk}/", "Theme project"),
        ("/portal/entitlements/", environment.entitlement.code),
        (f"/portal/entitlements/{environment.entitlement_id}/", environment.entitlement.code),
        ("/portal/requests/new/", "Campus Moodle"),
        ("/portal/profile/", member.email),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in text(response), url


def test_entitlement_detail_lists_orders_contracts_and_history(portal_client, member, org):
    entitlement = EntitlementFactory(organization=org, entitlement_class="ENV")
    order = OrderFactory(organization=org, number="7788")
    order.links.create(entitlement=entitlement)
    ContractFactory(entitlement=entitlement, organization=org, title="Hosting 2026")
    body = text(portal_client(member).get(f"/portal/entitlements/{entitlement.pk}/"))
    assert "#7788" in body
    assert "Hosting 2026" in body


# --- another organization's object is a friendly 404 ----------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/portal/requests/{ticket}/",
        "/portal/environments/{environment}/",
        "/portal/services/{service}/",
        "/portal/entitlements/{entitlement}/",
    ],
)
def test_another_organizations_object_is_a_friendly_404(
    portal_client, member, other_ticket, other_org, url
):
    service = ServiceFactory(
        entitlement=EntitlementFactory(organization=other_org, entitlement_class="SVC")
    )
    ids = {
        "ticket": other_ticket.pk,
        "environment": other_ticket.environment_id,
        "service": service.pk,
        "entitlement": other_ticket.entitlement_id,
    }
    response = portal_client(member).get(url.format(**ids))
    assert response.status_code == 404
    assert "Not found" in text(response)
    assert "Back to the portal" in text(response)  # the portal's page, not the API's JSON


@pytest.mark.parametrize("name", ["reply", "resolve", "cancel", "rate"])
def test_acting_on_another_organizations_request_is_a_404_and_changes_nothing(
    portal_client, member, other_ticket, name
):
    response = portal_client(member).post(
        f"/portal/requests/{other_ticket.pk}/{name}/", {"message": "hi", "rating": 5}
    )
    assert response.status_code == 404
    other_ticket.refresh_from_db()
    assert other_ticket.status == Ticket.Status.OPEN
    assert other_ticket.replies.count() == 0


def test_new_request_on_another_organizations_environment_is_refused(
    portal_client, member, other_environment, environment
):
    response = portal_client(member).post(
        "/portal/requests/new/",
        {
            "environment": other_environment.pk,
            "title": "x",
            "description": "y",
            "priority": "normal",
        },
    )
    assert response.status_code == 422  # not among the choices: the form says so
    assert not Ticket.objects.exists()


def test_changing_another_organizations_member_is_a_404(portal_client, owner, other_owner):
    theirs = Membership.objects.get(user=other_owner)
    response = portal_client(owner).post(
        f"/portal/organization/members/{theirs.pk}/", {f"m{theirs.pk}-role": "guest"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.role == Membership.Role.OWNER


def test_an_id_too_long_for_the_database_is_a_404(portal_client, member):
    assert portal_client(member).get("/portal/requests/99999999999999999999/").status_code == 404


# --- roles and scopes -------------------------------------------------------------------------


def test_guest_reads_everything_and_changes_nothing(portal_client, guest, ticket):
    client = portal_client(guest)
    detail = client.get(f"/portal/requests/{ticket.pk}/")
    assert detail.status_code == 200
    assert "Send reply" not in text(detail)
    assert "Mark solved" not in text(detail)
    assert "New request" not in text(client.get("/portal/requests/"))
    response = client.post(f"/portal/requests/{ticket.pk}/reply/", {"message": "Let me in"})
    assert response.status_code == 403
    assert "Guests have read-only access." in text(response)
    assert ticket.replies.count() == 0
    response = client.post(
        "/portal/requests/new/",
        {"environment": ticket.environment_id, "title": "t", "description": "d", "priority": "low"},
    )
    assert response.status_code == 403
    assert Ticket.objects.count() == 1


def test_member_without_the_entitlements_scope_sees_what_the_api_shows(
    portal_client, scopeless_member, ticket
):
    client = portal_client(scopeless_member)
    home = client.get("/portal/")
    assert home.status_code == 200
    assert ticket.number not in text(home)
    assert "does not include the entitlements scope" in text(home)
    for url in ["/portal/requests/", f"/portal/requests/{ticket.pk}/", "/portal/environments/"]:
        response = client.get(url)
        assert response.status_code == 403
        assert "lacks the &#x27;entitlements&#x27; scope" in text(response)


def test_organization_page_needs_the_organization_scope(portal_client, member, owner):
    assert portal_client(member).get("/portal/organization/").status_code == 403
    response = portal_client(owner).get("/portal/organization/")
    assert response.status_code == 200
    assert member.email in text(response)
    assert "Invite a collaborator" in text(response)


# --- the organization switcher ------------------------------------------------------------------


def test_switcher_keeps_the_choice_and_checks_the_membership_each_time(
    portal_client, member, ticket, other_org, other_ticket
):
    second = MembershipFactory(user=member, organization=other_org)
    client = portal_client(member)
    assert ticket.number in text(client.get("/portal/requests/"))
    response = client.post("/portal/switch/", {"org": other_org.pk})
    assert response.status_code == 302
    listing = text(client.get("/portal/requests/"))
    assert other_ticket.number in listing
    assert ticket.number not in listing
    second.is_active = False  # the membership ends: the next request falls back to the first
    second.save()
    listing = text(client.get("/portal/requests/"))
    assert ticket.number in listing
    assert other_ticket.number not in listing


def test_switching_to_an_organization_you_are_not_in_is_refused(
    portal_client, member, other_org, ticket
):
    client = portal_client(member)
    response = client.post("/portal/switch/", {"org": other_org.pk})
    assert response.status_code == 403
    assert ticket.number in text(client.get("/portal/requests/"))
    assert client.post("/portal/switch/", {"org": "abc"}).status_code == 400


def test_a_user_without_organization_sees_their_invitations(portal_client, owner, org, user):
    from accounts.actions import collaborator_add

    collaborator_add(org=org, actor=owner, email=user.email, role="member", scopes=["entitlements"])
    client = portal_client(user)
    body = text(client.get("/portal/"))
    assert "No organization yet" in body
    assert org.name in body
    invitation = org.invitations.get()
    response = client.post(f"/portal/invitations/{invitation.pk}/accept/")
    assert response.status_code == 302
    assert org.invitations.get().status == "accepted"
    assert Membership.objects.filter(user=user, organization=org, is_active=True).exists()


# --- requests: filters, the conversation, the moves ---------------------------------------------


def test_filters_and_search_use_the_apis_filter_set(portal_client, member, open_request, org):
    urgent = open_request(title="Backup failed", priority="urgent")
    calm = open_request(title="Theme colours", priority="low")
    client = portal_client(member)
    body = text(client.get("/portal/requests/", {"priority": "urgent"}))
    assert urgent.number in body
    assert calm.number not in body
    body = text(client.get("/portal/requests/", {"q": "colours"}))
    assert calm.number in body
    assert urgent.number not in body
    body = text(client.get("/portal/requests/", {"status": "resolved"}))
    assert urgent.number not in body
    assert "No requests match" in body
    bad = client.get("/portal/requests/", {"status": "nonsense"})
    assert bad.status_code == 200
    assert urgent.number in text(bad)
    assert "Select a valid choice" in text(bad)


def test_filters_answer_htmx_with_the_results_only(portal_client, member, ticket):
    response = portal_client(member).get(
        "/portal/requests/", {"q": ticket.title}, headers={"HX-Request": "true"}
    )
    body = text(response)
    assert ticket.number in body
    assert "<html" not in body


def test_requests_are_paginated(portal_client, member, open_request):
    made = [open_request(title=f"Request {n}") for n in range(22)]
    client = portal_client(member)
    first = text(client.get("/portal/requests/"))
    assert made[-1].number in first
    assert made[0].number not in first
    assert "Page 1 of 2" in first
    second = text(client.get("/portal/requests/", {"page": 2}))
    assert made[0].number in second
    searched = text(client.get("/portal/requests/", {"q": "Request", "page": 2}))
    assert made[0].number in searched
    assert "Page 2 of 2" in searched
    assert "22 requests" in searched  # the total read with the page's rows
    beyond = text(client.get("/portal/requests/", {"q": "Request", "page": 99}))
    assert "Page 2 of 2" in beyond  # past the end: the last page
    assert "Page 1 of 2" in text(client.get("/portal/requests/", {"page": "x"}))


def test_conversation_never_shows_an_internal_note(portal_client, member, staff, ticket):
    actions.ticket_reply(ticket=ticket, author=staff, message="We are on it")
    actions.ticket_reply(ticket=ticket, author=staff, message="Secret staff note", internal=True)
    body = text(portal_client(member).get(f"/portal/requests/{ticket.pk}/"))
    assert "We are on it" in body
    assert "Secret staff note" not in body
    # staff looking at the portal see what the client sees
    MembershipFactory(user=staff, organization=ticket.organization)
    body = text(portal_client(staff).get(f"/portal/requests/{ticket.pk}/"))
    assert "Secret staff note" not in body


def test_reply_through_htmx_returns_the_request_fragment(portal_client, member, ticket):
    response = portal_client(member).post(
        f"/portal/requests/{ticket.pk}/reply/",
        {"message": "Here is more"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Here is more" in text(response)
    assert "Reply sent." in text(response)
    assert "<html" not in text(response)
    assert ticket.replies.get().author == member


def test_reply_without_javascript_redirects_back(portal_client, member, ticket):
    client = portal_client(member)
    response = client.post(f"/portal/requests/{ticket.pk}/reply/", {"message": "Plain form"})
    assert response.status_code == 302
    assert "Reply sent." in text(client.get(response["Location"]))
    empty = client.post(f"/portal/requests/{ticket.pk}/reply/", {"message": "  "})
    assert empty.status_code == 422
    assert "Write a message first." in text(empty)


def test_solve_reopen_with_reason_rate_and_close(portal_client, member, ticket):
    client = portal_client(member)
    assert client.post(f"/portal/requests/{ticket.pk}/resolve/").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    detail = text(client.get(f"/portal/requests/{ticket.pk}/"))
    assert "Reopen" in detail
    assert "Cancel request" not in detail
    refused = client.post(f"/portal/requests/{ticket.pk}/reopen/", {"reason": ""})
    assert refused.status_code == 422
    assert "A reason is required to reopen a service request." in text(refused)
    client.post(f"/portal/requests/{ticket.pk}/reopen/", {"reason": "Still slow"})
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert "Still slow" in text(client.get(f"/portal/requests/{ticket.pk}/"))  # history reason
    client.post(f"/portal/requests/{ticket.pk}/resolve/")
    response = client.post(f"/portal/requests/{ticket.pk}/rate/", {"rating": 4, "comment": "Quick"})
    assert response.status_code == 302
    client.post(f"/portal/requests/{ticket.pk}/close/")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.rating, ticket.rating_comment) == ("closed", 4, "Quick")


def test_refusals_are_the_actions_messages(portal_client, member, ticket):
    client = portal_client(member)
    response = client.post(f"/portal/requests/{ticket.pk}/rate/", {"rating": 5})
    assert response.status_code == 409
    assert "Only resolved or closed requests are rated" in text(response)
    client.post(f"/portal/requests/{ticket.pk}/resolve/")
    response = client.post(f"/portal/requests/{ticket.pk}/cancel/")
    assert response.status_code == 403
    assert "closed or reopened, not cancelled" in text(response)
    assert client.post(f"/portal/requests/{ticket.pk}/rate/", {"rating": 9}).status_code == 422


def test_cancel_while_allowed(portal_client, member, ticket):
    portal_client(member).post(f"/portal/requests/{ticket.pk}/cancel/")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CANCELLED


def test_new_request_on_an_active_environment(portal_client, member, environment, org):
    decommissioned = EnvironmentFactory(
        entitlement=EntitlementFactory(organization=org),
        organization=org,
        name="Old site",
        status=Environment.Status.DECOMMISSIONED,
    )
    client = portal_client(member)
    form = text(client.get("/portal/requests/new/"))
    assert "Campus Moodle" in form
    assert "Old site" not in form
    response = client.post(
        "/portal/requests/new/",
        {
            "environment": environment.pk,
            "title": "Grades export",
            "description": "It fails.",
            "priority": "high",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/requests/{ticket.pk}/"
    assert (ticket.requester, ticket.environment, ticket.priority) == (member, environment, "high")
    assert ticket.source == Ticket.Source.PORTAL
    assert ticket.history.get().transition == "create"
    refused = client.post(
        "/portal/requests/new/",
        {"environment": decommissioned.pk, "title": "x", "description": "y", "priority": "low"},
    )
    assert refused.status_code == 422
    assert Ticket.objects.count() == 1


def test_new_request_on_an_inactive_entitlement_shows_the_apis_refusal(
    portal_client, member, environment
):
    Entitlement.objects.filter(pk=environment.entitlement_id).update(status="suspended")
    response = portal_client(member).post(
        "/portal/requests/new/",
        {"environment": environment.pk, "title": "t", "description": "d", "priority": "low"},
    )
    assert response.status_code == 409
    assert "service requests need an active entitlement" in text(response)


# --- organization -----------------------------------------------------------------------------


def test_owner_invites_changes_scopes_and_transfers_ownership(portal_client, owner, member, org):
    client = portal_client(owner)
    response = client.post(
        "/portal/organization/invite/",
        {"email": "new.person@example.com", "role": "member", "scopes": ["entitlements"]},
    )
    assert response.status_code == 302
    invitation = org.invitations.get()
    assert (invitation.email, invitation.role, invitation.scopes) == (
        "new.person@example.com",
        "member",
        ["entitlements"],
    )
    assert "new.person@example.com" in text(client.get("/portal/organization/"))
    theirs = Membership.objects.get(user=member)
    client.post(
        f"/portal/organization/members/{theirs.pk}/",
        {f"m{theirs.pk}-role": "member", f"m{theirs.pk}-scopes": ["entitlements", "organization"]},
    )
    theirs.refresh_from_db()
    assert theirs.scopes == ["organization", "entitlements"]
    client.post(f"/portal/organization/members/{theirs.pk}/", {f"m{theirs.pk}-role": "owner"})
    theirs.refresh_from_db()
    assert theirs.role == "owner"
    assert Membership.objects.get(user=owner).role == "admin"


def test_owner_cannot_be_removed_and_members_cannot_manage(portal_client, owner, member, org):
    mine = Membership.objects.get(user=owner)
    theirs = Membership.objects.get(user=member)
    theirs.scopes = ["entitlements", "organization"]
    theirs.save()
    admin = MembershipFactory(organization=org, role="admin").user
    response = portal_client(admin).post(f"/portal/organization/members/{mine.pk}/remove/")
    assert response.status_code == 409
    assert "The owner cannot be removed." in text(response)
    client = portal_client(member)
    page = text(client.get("/portal/organization/"))
    assert "Invite a collaborator" not in page
    response = client.post(
        "/portal/organization/invite/", {"email": "x@example.com", "role": "guest"}
    )
    assert response.status_code == 403
    assert "Only the owner or an admin may manage collaborators." in text(response)
    assert not org.invitations.exists()


def test_invitation_to_a_member_is_a_clear_conflict(portal_client, owner, member):
    response = portal_client(owner).post(
        "/portal/organization/invite/", {"email": member.email, "role": "member"}
    )
    assert response.status_code == 409
    assert "already a member" in text(response)


# --- profile ------------------------------------------------------------------------------------


def test_profile_saves_name_language_time_zone_and_mail_choices(portal_client, member):
    client = portal_client(member)
    response = client.post(
        "/portal/profile/",
        {
            "name": "Ana Souza",
            "language": "pt-br",
            "time_zone": "America/Sao_Paulo",
            "mail_replies": "on",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (
        member.name,
        member.language,
        member.time_zone,
        member.mail_replies,
        member.mail_status,
    ) == (
        "Ana Souza",
        "pt-br",
        "America/Sao_Paulo",
        True,
        False,
    )
    assert "Perfil" in text(client.get("/portal/profile/"))  # the profile's language wins
    bad = client.post("/portal/profile/", {"name": "A", "language": "xx", "time_zone": "Mars/Base"})
    assert bad.status_code == 422


def test_password_change_proves_the_current_one_and_keeps_the_session(portal_client, member):
    client = portal_client(member)
    wrong = client.post(
        "/portal/profile/password/",
        {"current_password": "nope", "new_password": "A-much-better-secret-42"},
    )
    assert wrong.status_code == 422
    assert "The current password is incorrect." in text(wrong)
    from tests.factories import PASSWORD

    right = client.post(
        "/portal/profile/password/",
        {"current_password": PASSWORD, "new_password": "A-much-better-secret-42"},
    )
    assert right.status_code == 302
    member.refresh_from_db()
    assert member.check_password("A-much-better-secret-42")
    assert member.tokens_valid_after
    assert client.get("/portal/profile/").status_code == 200  # still signed in


# --- the conversation's polling, staff, the page's policy -----------------------------------------


def test_the_conversation_fragment_brings_a_new_answer_without_the_internal_note(
    portal_client, member, staff, ticket
):
    client = portal_client(member)
    actions.ticket_reply(ticket=ticket, author=staff, message="Fixed the index")
    actions.ticket_reply(ticket=ticket, author=staff, message="Note to self", internal=True)
    response = client.get(
        f"/portal/requests/{ticket.pk}/",
        headers={"HX-Request": "true", "HX-Target": "conversation"},
    )
    body = text(response)
    assert body.lstrip().startswith('<ol class="conversation" id="conversation"')
    assert "Fixed the index" in body
    assert "Note to self" not in body


def test_staff_without_a_membership_choose_any_organization(portal_client, staff, org, ticket):
    client = portal_client(staff)
    page = text(client.get("/portal/"))
    assert "No organization yet" in page
    assert "Organization id (staff)" in page
    client.post("/portal/switch/", {"org": org.pk})
    assert ticket.number in text(client.get("/portal/requests/"))
    assert client.post("/portal/switch/", {"org": 987654321}).status_code == 404


def test_pages_carry_the_strict_policy_and_no_inline_script(portal_client, member, ticket):
    response = portal_client(member).get(f"/portal/requests/{ticket.pk}/")
    policy = response["Content-Security-Policy"]
    script_src = policy.split("script-src", 1)[1].split(";", 1)[0].split()
    assert script_src[0] == "'self'"
    assert all(source.startswith("'nonce-") for source in script_src[1:])  # nothing else
    body = text(response)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", body) == []  # no inline script
    assert re.findall(r"\son[a-z]+=", body) == []  # no inline event handler
    assert 'name="csrfmiddlewaretoken"' in body


def test_entitlement_and_environment_filters_are_the_apis(portal_client, member, org):
    plugin = EntitlementFactory(organization=org, entitlement_class="PLG", product_name="Quiz pro")
    expired = EntitlementFactory(organization=org, entitlement_class="ENV", status="expired")
    client = portal_client(member)
    body = text(client.get("/portal/entitlements/", {"entitlement_class": "PLG"}))
    assert plugin.code in body
    assert expired.code not in body
    body = text(client.get("/portal/entitlements/", {"status": "expired"}))
    assert expired.code in body
    assert plugin.code not in body
    assert plugin.code in text(client.get("/portal/entitlements/", {"q": "quiz"}))
    live = EnvironmentFactory(entitlement=EntitlementFactory(organization=org), organization=org)
    staging = EnvironmentFactory(
        entitlement=EntitlementFactory(organization=org),
        organization=org,
        environment_type="staging",
        status=Environment.Status.MAINTENANCE,
    )
    body = text(client.get("/portal/environments/", {"status": "maintenance"}))
    assert staging.name in body
    assert live.name not in body
    body = text(client.get("/portal/environments/", {"environment_type": "production"}))
    assert live.name in body
    assert staging.name not in body


def test_the_sla_promise_follows_the_clock(portal_client, member, staff, ticket):
    client = portal_client(member)
    assert "We will answer by" in text(client.get(f"/portal/requests/{ticket.pk}/"))
    actions.ticket_reply(ticket=ticket, author=staff, message="Looking")  # first response given
    assert "We aim to solve it by" in text(client.get(f"/portal/requests/{ticket.pk}/"))
    actions.ticket_transition(ticket=ticket, name="start", actor=staff)
    actions.ticket_transition(ticket=ticket, name="wait", actor=staff)
    assert "the clock is paused" in text(client.get(f"/portal/requests/{ticket.pk}/"))
