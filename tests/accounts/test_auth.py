"""Register, login, refresh, logout and me, through real HTTP requests (SPEC §1 Authentication)."""

import jwt
import pytest

from accounts.models import ALL_SCOPES, Membership, User
from tests.accounts.conftest import bearer, decode
from tests.conftest import API, assert_envelope
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def refresh(client, token: str):
    """POST /auth/refresh with `token` as the refresh token."""
    return client.post(f"{API}/auth/refresh", {"refresh_token": token}, format="json")


def logout(client, token: str):
    """POST /auth/logout revoking the refresh `token`."""
    return client.post(f"{API}/auth/logout", {"refresh_token": token}, format="json")


# --- register -----------------------------------------------------------------------------


def test_register_creates_user_without_token(anon):
    response = anon.post(
        f"{API}/auth/register",
        {"email": "New.Person@Example.com", "password": "a-long-unusual-pass-42", "name": "New"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert_envelope(body, success=True)
    assert body["message"]
    assert body["data"]["email"] == "new.person@example.com"
    assert body["data"]["is_staff"] is False
    assert "access_token" not in body["data"]
    assert "password" not in body["data"]
    user = User.objects.get(email="new.person@example.com")
    assert user.check_password("a-long-unusual-pass-42")


def test_register_duplicate_email_is_409_case_insensitive(anon, user):
    response = anon.post(
        f"{API}/auth/register",
        {"email": user.email.upper(), "password": "a-long-unusual-pass-42"},
        format="json",
    )
    assert response.status_code == 409
    body = response.json()
    assert_envelope(body, success=False)
    assert body["errors"]["code"] == "CONFLICT"
    assert User.objects.filter(email__iexact=user.email).count() == 1


@pytest.mark.parametrize("password", ["123", "password", "12345678901234", "short1"])
def test_register_weak_password_is_422(anon, password):
    response = anon.post(
        f"{API}/auth/register", {"email": "weak@example.com", "password": password}, format="json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["errors"]["code"] == "VALIDATION_ERROR"
    assert "password" in body["errors"]["fields"]
    assert not User.objects.filter(email="weak@example.com").exists()


def test_register_password_similar_to_email_is_422(anon):
    response = anon.post(
        f"{API}/auth/register",
        {"email": "marvellous.gazelle@example.com", "password": "marvellous.gazelle"},
        format="json",
    )
    assert response.status_code == 422
    assert "password" in response.json()["errors"]["fields"]


def test_register_missing_fields_lists_each(anon):
    response = anon.post(f"{API}/auth/register", {}, format="json")
    assert response.status_code == 422
    assert set(response.json()["errors"]["fields"]) == {"email", "password"}


# --- login --------------------------------------------------------------------------------


def test_login_shape_and_claims(login, org):
    user = MembershipFactory(organization=org, role=Membership.Role.ADMIN).user
    other = OrganizationFactory(name="Zeta Org", company="middag_global")
    MembershipFactory(user=user, organization=other, role=Membership.Role.GUEST)

    data = login(user)

    assert set(data) == {
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
        "user",
        "organizations",
    }
    assert data["token_type"] == "Bearer"
    assert data["expires_in"] == 24 * 3600
    assert data["user"]["id"] == user.pk
    assert data["user"]["email"] == user.email
    assert data["organizations"] == [
        {"id": org.pk, "name": org.name, "role": "admin"},
        {"id": other.pk, "name": "Zeta Org", "role": "guest"},
    ]
    claims = decode(data["access_token"])
    assert {"sub", "org", "roles", "scopes", "company", "iat", "exp", "jti"} <= set(claims)
    assert claims["sub"] == str(user.pk)
    assert claims["org"] is None  # issued without an organization
    assert claims["roles"] == []
    assert claims["scopes"] == []
    assert claims["company"] is None
    assert claims["exp"] - claims["iat"] == 24 * 3600
    assert jwt.get_unverified_header(data["access_token"])["alg"] == "RS256"
    refresh_claims = decode(data["refresh_token"])
    assert refresh_claims["token_type"] == "refresh"
    assert refresh_claims["exp"] - refresh_claims["iat"] == 7 * 24 * 3600


def test_login_records_last_login(login, member):
    assert member.last_login is None
    login(member)
    member.refresh_from_db()
    assert member.last_login is not None


def test_login_with_organization_puts_membership_in_claims(login, org):
    membership = MembershipFactory(
        organization=org, role=Membership.Role.MEMBER, scopes=["tickets", "entitlements"]
    )
    data = login(membership.user, organization_id=org.pk)
    claims = decode(data["access_token"])
    assert claims["org"] == org.pk
    assert claims["roles"] == ["member"]
    assert claims["scopes"] == ["tickets", "entitlements"]
    assert claims["company"] == org.company


def test_login_as_owner_claims_every_scope(login, owner, org):
    claims = decode(login(owner, organization_id=org.pk)["access_token"])
    assert claims["roles"] == ["owner"]
    assert sorted(claims["scopes"]) == sorted(ALL_SCOPES)


def test_login_with_foreign_organization_is_403(anon, member, other_org):
    response = anon.post(
        f"{API}/auth/login",
        {"email": member.email, "password": PASSWORD, "organization_id": other_org.pk},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["errors"]["code"] == "AUTHORIZATION_ERROR"


def test_login_with_out_of_range_organization_id_is_not_500(anon, member):
    response = anon.post(
        f"{API}/auth/login",
        {"email": member.email, "password": PASSWORD, "organization_id": 10**20},
        format="json",
    )
    assert response.status_code in (403, 422)
    assert_envelope(response.json(), success=False)


def test_login_email_is_case_insensitive(login, member):
    member.email = member.email.lower()
    member.save()
    member.email = member.email.upper()
    assert login(member)["user"]["email"] == member.email.lower()


def test_wrong_password_and_unknown_email_give_the_same_401(anon, member):
    wrong = anon.post(
        f"{API}/auth/login", {"email": member.email, "password": "nope-nope"}, format="json"
    )
    unknown = anon.post(
        f"{API}/auth/login", {"email": "ghost@example.com", "password": "nope-nope"}, format="json"
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["errors"]["code"] == "AUTHENTICATION_ERROR"


def test_login_missing_fields_is_422(anon):
    response = anon.post(f"{API}/auth/login", {"email": "a@example.com"}, format="json")
    assert response.status_code == 422
    assert list(response.json()["errors"]["fields"]) == ["password"]


def test_login_with_null_byte_is_422(anon):
    response = anon.post(
        f"{API}/auth/login", {"email": "a\x00@example.com", "password": "x"}, format="json"
    )
    assert response.status_code == 422


# --- me -----------------------------------------------------------------------------------


def test_me_lists_live_memberships(login, member, org):
    data = login(member)
    response = bearer(data["access_token"]).get(f"{API}/auth/me")
    assert response.status_code == 200
    body = response.json()
    assert_envelope(body, success=True)
    assert body["meta"] is None
    me = body["data"]
    assert me["id"] == member.pk
    assert me["email"] == member.email
    assert me["memberships"] == [
        {
            "id": Membership.objects.get(user=member).pk,
            "organization_id": org.pk,
            "organization_name": org.name,
            "role": "member",
            "scopes": ["entitlements", "tickets"],
        }
    ]
    assert me["date_joined"].endswith("Z")


def test_me_without_token_is_401(anon):
    response = anon.get(f"{API}/auth/me")
    assert response.status_code == 401
    assert_envelope(response.json(), success=False)
    assert response.json()["errors"]["code"] == "AUTHENTICATION_ERROR"
    assert response["WWW-Authenticate"].startswith("Bearer")


# --- refresh ------------------------------------------------------------------------------


def test_refresh_rotates_and_keeps_the_organization(login, member, org):
    first = login(member, organization_id=org.pk)
    response = refresh(bearer(""), first["refresh_token"])
    assert response.status_code == 200, response.content
    pair = response.json()["data"]
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert pair["refresh_token"] != first["refresh_token"]
    assert pair["access_token"] != first["access_token"]
    claims = decode(pair["access_token"])
    assert claims["org"] == org.pk
    assert claims["roles"] == ["member"]
    assert bearer(pair["access_token"]).get(f"{API}/auth/me").status_code == 200


def test_refresh_token_reuse_is_401(anon, login, member):
    first = login(member)
    assert refresh(anon, first["refresh_token"]).status_code == 200
    again = refresh(anon, first["refresh_token"])
    assert again.status_code == 401
    assert_envelope(again.json(), success=False)
    assert again.json()["errors"]["code"] == "AUTHENTICATION_ERROR"


def test_refresh_with_access_token_is_401(anon, login, member):
    access = login(member)["access_token"]
    response = refresh(anon, access)
    assert response.status_code == 401
    assert response.json()["errors"]["code"] == "AUTHENTICATION_ERROR"


@pytest.mark.parametrize("value", ["garbage", "a.b.c", ""])
def test_refresh_with_garbage_is_4xx(anon, value):
    response = refresh(anon, value)
    assert response.status_code == (422 if value == "" else 401)
    assert_envelope(response.json(), success=False)


def test_refresh_of_membership_lost_since_login_drops_the_claims(anon, login, member, org):
    first = login(member, organization_id=org.pk)
    Membership.objects.filter(user=member).delete()
    response = refresh(anon, first["refresh_token"])
    assert response.status_code == 200
    claims = decode(response.json()["data"]["access_token"])
    assert claims["roles"] == []
    assert claims["scopes"] == []


# --- logout -------------------------------------------------------------------------------


def test_logout_revokes_the_refresh_token(anon, login, member):
    data = login(member)
    client = bearer(data["access_token"])
    response = logout(client, data["refresh_token"])
    assert response.status_code == 200
    assert_envelope(response.json(), success=True)
    refused = refresh(anon, data["refresh_token"])
    assert refused.status_code == 401
    twice = logout(client, data["refresh_token"])
    assert twice.status_code == 401


def test_logout_needs_authentication(anon, login, member):
    data = login(member)
    response = logout(anon, data["refresh_token"])
    assert response.status_code == 401
    still_valid = refresh(anon, data["refresh_token"])
    assert still_valid.status_code == 200


def test_logout_cannot_revoke_someone_elses_token(anon, login, member, owner):
    victim = login(owner)
    attacker = login(member)
    response = logout(bearer(attacker["access_token"]), victim["refresh_token"])
    assert response.status_code in (401, 403)
    assert refresh(anon, victim["refresh_token"]).status_code == 200


# --- deactivated users --------------------------------------------------------------------


def test_deactivated_user_token_stops_working_and_cannot_login_or_refresh(anon, login):
    user = UserFactory()
    data = login(user)
    client = bearer(data["access_token"])
    assert client.get(f"{API}/auth/me").status_code == 200

    User.objects.filter(pk=user.pk).update(is_active=False)

    me = client.get(f"{API}/auth/me")
    assert me.status_code == 401
    assert me.json()["errors"]["code"] == "AUTHENTICATION_ERROR"
    relogin = anon.post(
        f"{API}/auth/login", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert relogin.status_code == 401
    refreshed = refresh(anon, data["refresh_token"])
    assert refreshed.status_code == 401
    assert refreshed.json()["errors"]["code"] == "AUTHENTICATION_ERROR"


def test_deleted_user_token_is_401(login):
    user = UserFactory()
    data = login(user)
    user.delete()
    assert bearer(data["access_token"]).get(f"{API}/auth/me").status_code == 401
