"""Invitations with consent (issue 17, finding 3): adding a collaborator invites an address, the
same answer whether it has an account or not; only the addressee's acceptance makes a member."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import actions
from accounts.models import Invitation, Membership, User
from audit.models import AuditEntry
from tests.conftest import API, client_for
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import add_collaborator, assert_error, created_data, keys

pytestmark = pytest.mark.django_db

SHAPE = keys(
    "id user_id email name organization_id role scopes is_active created_at "
    "status invitation_id expires_at"
)
SCOPES = ["entitlements", "tickets"]
BODY = {"role": "member", "scopes": SCOPES}


def invite(client, org, email: str) -> dict:
    return created_data(add_collaborator(client, org, {"email": email, **BODY}), "Invitation sent")


def answer(user, invitation_id: int, verb: str):
    return client_for(user).post(f"{API}/invitations/{invitation_id}/{verb}")


def test_the_same_answer_whether_the_address_has_an_account_or_not(owner_api, org):
    known = UserFactory(email="known@example.com", name="Known Person")
    answers = [invite(owner_api, org, email) for email in (known.email, "nobody@example.com")]
    for data in answers:
        assert set(data) == SHAPE
        assert data["status"] == "pending"
        assert data["id"] is None
        assert data["user_id"] is None
        assert data["name"] == ""
        assert data["is_active"] is False
        assert data["invitation_id"] == Invitation.objects.get(email=data["email"]).pk
    differ = {"email", "invitation_id", "created_at", "expires_at"}  # their own values only
    same = [{k: v for k, v in data.items() if k not in differ} for data in answers]
    assert same[0] == same[1]
    expires = Invitation.objects.get(email=known.email).expires_at
    assert timedelta(days=6, hours=23) < expires - timezone.now() <= timedelta(days=7)
    assert not Membership.objects.filter(organization=org, user=known).exists()


def test_expiry_is_a_setting(owner_api, org, settings):
    settings.INVITATION_TTL_DAYS = 2
    invite(owner_api, org, "soon@example.com")
    left = Invitation.objects.get().expires_at - timezone.now()
    assert timedelta(days=1, hours=23) < left <= timedelta(days=2)


def test_a_pending_or_rejected_invitation_grants_nothing(owner_api, org):
    invitee = UserFactory()
    data = invite(owner_api, org, invitee.email)
    for _ in range(2):
        response = client_for(invitee, org).get(f"{API}/entitlements")
        assert_error(response, 403, "AUTHORIZATION_ERROR")
        assert client_for(invitee).get(f"{API}/organizations/{org.pk}").status_code == 404
        me = client_for(invitee).get(f"{API}/auth/me").json()["data"]
        assert me["memberships"] == []
        answer(invitee, data["invitation_id"], "reject")
    login = client_for(None).post(
        f"{API}/auth/login",
        {"email": invitee.email, "password": "pass-for-tests-123", "organization_id": org.pk},
        format="json",
    )
    assert login.status_code in (401, 403)  # no token names an organization it does not grant
    assert Invitation.objects.get().status == "rejected"


def test_the_invitee_sees_it_in_me_and_in_the_list(owner_api, owner, org):
    invitee = UserFactory()
    data = invite(owner_api, org, invitee.email.upper())
    me = client_for(invitee).get(f"{API}/auth/me").json()["data"]
    listed = client_for(invitee).get(f"{API}/invitations").json()["data"]
    assert me["invitations"] == listed
    (row,) = listed
    assert row["id"] == data["invitation_id"]
    assert row["organization"] == {"id": org.pk, "name": org.name}
    assert row["role"] == "member"
    assert row["scopes"] == SCOPES
    assert row["invited_by"] == {"email": owner.email, "name": owner.name}
    assert row["expires_at"] == data["expires_at"]
    # Nobody else sees it.
    assert client_for(owner).get(f"{API}/invitations").json()["data"] == []


def test_accepting_makes_a_live_member(owner_api, org):
    invitee = UserFactory()
    data = invite(owner_api, org, invitee.email)
    response = answer(invitee, data["invitation_id"], "accept")
    assert response.status_code == 200, response.content
    membership = Membership.objects.get(organization=org, user=invitee)
    assert response.json()["data"]["status"] == "accepted"
    assert (membership.role, membership.scopes, membership.is_active) == ("member", SCOPES, True)
    assert client_for(invitee, org).get(f"{API}/entitlements").status_code == 200
    me = client_for(invitee).get(f"{API}/auth/me").json()["data"]
    assert [m["organization_id"] for m in me["memberships"]] == [org.pk]
    assert me["invitations"] == []
    entry = AuditEntry.objects.get(action=AuditEntry.Action.MEMBER_ADD)
    assert (entry.actor, entry.object_id) == (invitee, membership.pk)
    assert_error(answer(invitee, data["invitation_id"], "accept"), 409, "CONFLICT")


def test_rejecting_grants_nothing(owner_api, org):
    invitee = UserFactory()
    data = invite(owner_api, org, invitee.email)
    response = answer(invitee, data["invitation_id"], "reject")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["status"] == "rejected"
    assert not Membership.objects.filter(user=invitee).exists()
    assert_error(answer(invitee, data["invitation_id"], "accept"), 409, "CONFLICT")


@pytest.mark.parametrize("verb", ["accept", "reject"])
def test_only_the_addressee_answers(owner_api, owner, org, staff, verb):
    invitee = UserFactory()
    data = invite(owner_api, org, invitee.email)
    for someone in (owner, staff, UserFactory()):
        assert_error(answer(someone, data["invitation_id"], verb), 404, "NOT_FOUND")
    assert Invitation.objects.get().status == "pending"
    assert_error(answer(invitee, 999999, verb), 404, "NOT_FOUND")
    assert_error(answer(invitee, "²", verb), 404, "NOT_FOUND")


def test_an_expired_invitation_is_409_and_no_longer_listed(owner_api, org):
    invitee = UserFactory()
    data = invite(owner_api, org, invitee.email)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client_for(invitee).get(f"{API}/invitations").json()["data"] == []
    for verb in ("accept", "reject"):
        body = assert_error(answer(invitee, data["invitation_id"], verb), 409, "CONFLICT")
        assert body["errors"]["reason"] == "MIDDAG-ORG-INVITATION_EXPIRED"
    assert not Membership.objects.filter(user=invitee).exists()
    # A new invitation replaces the expired one.
    invite(owner_api, org, invitee.email)
    assert sorted(Invitation.objects.values_list("status", flat=True)) == ["expired", "pending"]


def test_an_address_invited_before_it_had_an_account(owner_api, org):
    data = invite(owner_api, org, "later@example.com")
    newcomer = client_for(None).post(
        f"{API}/auth/register",
        {"email": "Later@Example.com", "password": "a-long-unusual-pass-42"},
        format="json",
    )
    assert newcomer.status_code == 201, newcomer.content
    user = User.objects.get(email="later@example.com")
    assert [i["id"] for i in client_for(user).get(f"{API}/invitations").json()["data"]] == [
        data["invitation_id"]
    ]
    assert answer(user, data["invitation_id"], "accept").status_code == 200


def test_an_active_member_is_still_409_and_a_pending_one_too(owner_api, org, member):
    assert_error(add_collaborator(owner_api, org, {"email": member.email}), 409, "CONFLICT")
    invite(owner_api, org, "twice@example.com")
    again = add_collaborator(owner_api, org, {"email": "twice@example.com"})
    assert assert_error(again, 409, "CONFLICT")["errors"]["reason"] == "MIDDAG-ORG-ALREADY_INVITED"


def test_staff_add_an_account_at_once(org, owner, staff):
    newcomer = UserFactory()
    response = add_collaborator(client_for(staff), org, {"email": newcomer.email, **BODY})
    data = created_data(response, "Collaborator added")
    assert set(data) == SHAPE
    assert (data["status"], data["is_active"], data["invitation_id"]) == ("active", True, None)
    assert data["user_id"] == newcomer.pk
    assert Membership.objects.get(organization=org, user=newcomer).is_active
    assert not Invitation.objects.exists()


def test_staff_invite_an_address_with_no_account(org, owner, staff):
    response = add_collaborator(client_for(staff), org, {"email": "nobody@example.com", **BODY})
    assert created_data(response, "Invitation sent")["status"] == "pending"


def test_the_admin_adds_through_collaborator_add_as_staff(org, owner, staff):
    """The admin's forms call collaborator_add with the staff user: active at once."""
    newcomer = UserFactory()
    membership = actions.collaborator_add(
        org=org, actor=staff, email=newcomer.email, role="member", scopes=[]
    )
    assert isinstance(membership, Membership)
    assert membership.is_active


def test_staff_cannot_add_a_deactivated_account(org, owner, staff):
    ghost = UserFactory(is_active=False)
    refused = add_collaborator(client_for(staff), org, {"email": ghost.email, **BODY})
    assert assert_error(refused, 409, "CONFLICT")["errors"]["reason"] == "MIDDAG-ORG-USER_INACTIVE"
    assert not Invitation.objects.exists()


def test_invitations_are_limited_per_organization(owner_api, org, owner, settings):
    settings.INVITATION_RATE_PER_ORGANIZATION = "3/hour"
    admin = MembershipFactory(organization=org, role="admin").user
    for n in range(2):
        invite(owner_api, org, f"a{n}@example.com")
    invite(client_for(admin), org, "b0@example.com")
    refused = add_collaborator(client_for(admin), org, {"email": "b1@example.com", **BODY})
    assert_error(refused, 429, "RATE_LIMIT")
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert Invitation.objects.count() == 3


def test_invitations_are_limited_per_inviter(owner, settings, org):
    settings.INVITATION_RATE_PER_INVITER = "2/hour"
    orgs = [org, *(MembershipFactory(user=owner, role="owner").organization for _ in range(2))]
    for n, each in enumerate(orgs[:2]):
        invite(client_for(owner), each, f"x{n}@example.com")
    refused = add_collaborator(client_for(owner), orgs[2], {"email": "x9@example.com", **BODY})
    assert_error(refused, 429, "RATE_LIMIT")
    assert "Retry-After" in refused


def test_the_mail_leaves_on_commit(org, owner, django_capture_on_commit_callbacks):
    known = UserFactory(email="known@example.com")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.collaborator_add(org=org, actor=owner, email=known.email, role="guest", scopes=[])
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    with django_capture_on_commit_callbacks(execute=True):
        actions.collaborator_add(
            org=org, actor=owner, email="stranger@example.com", role="guest", scopes=[]
        )
    assert [m.to for m in mail.outbox] == [["known@example.com"], ["stranger@example.com"]]
    assert org.name in mail.outbox[0].subject
    assert "/accept" in mail.outbox[0].body
    assert "sign up" in mail.outbox[1].body


def test_invitations_are_audited(owner_api, owner, org):
    invitee = UserFactory()
    data = invite(owner_api, org, invitee.email)
    answer(invitee, data["invitation_id"], "reject")
    rows = [
        (e.action, e.actor_id, e.changes)
        for e in AuditEntry.objects.filter(organization=org).order_by("pk")
    ]
    assert rows == [
        (
            "update",
            owner.pk,
            {"status": [None, "pending"], "role": [None, "member"], "scopes": [None, SCOPES]},
        ),
        ("update", invitee.pk, {"status": ["pending", "rejected"]}),
    ]
