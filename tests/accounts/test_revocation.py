"""Tokens die with logout, a password change, a deactivation, "sign out everywhere" and the reuse
of a spent refresh token (issue 17, finding 2)."""

import pytest
from django.test import RequestFactory
from rest_framework.request import Request

from accounts.authentication import JWTAuthentication
from accounts.models import User
from accounts.tokens import issue_pair
from tests.accounts.conftest import bearer
from tests.conftest import API, assert_envelope
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-unusual-pass-77"


def refresh(client, token: str):
    return client.post(f"{API}/auth/refresh", {"refresh_token": token}, format="json")


def me(token: str) -> int:
    return bearer(token).get(f"{API}/auth/me").status_code


def change_password(token: str, current: str = PASSWORD, new: str = NEW_PASSWORD):
    return bearer(token).post(
        f"{API}/auth/password",
        {"current_password": current, "new_password": new},
        format="json",
    )


def assert_401(response) -> None:
    assert response.status_code == 401, response.content
    assert response.json()["errors"]["code"] == "AUTHENTICATION_ERROR"


# --- logout ---------------------------------------------------------------------------------


def test_logout_makes_its_access_token_401(login, member):
    data = login(member)
    client = bearer(data["access_token"])
    response = client.post(
        f"{API}/auth/logout", {"refresh_token": data["refresh_token"]}, format="json"
    )
    assert response.status_code == 200
    assert_401(client.get(f"{API}/auth/me"))


def test_logout_ends_the_whole_session_and_no_other(anon, login, member):
    """The access tokens issued before a rotation belong to the session too; another login lives."""
    first = login(member)
    rotated = refresh(anon, first["refresh_token"]).json()["data"]
    other = login(member)
    response = bearer(rotated["access_token"]).post(
        f"{API}/auth/logout", {"refresh_token": rotated["refresh_token"]}, format="json"
    )
    assert response.status_code == 200
    assert me(first["access_token"]) == 401
    assert me(rotated["access_token"]) == 401
    assert me(other["access_token"]) == 200
    assert refresh(anon, other["refresh_token"]).status_code == 200


# --- password change ------------------------------------------------------------------------


def test_password_change_revokes_every_token_and_answers_a_new_pair(anon, login, member):
    session = login(member)
    elsewhere = login(member)
    response = change_password(session["access_token"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert_envelope(body, success=True)
    assert body["message"] == "Password changed"
    for old in (session, elsewhere):
        assert me(old["access_token"]) == 401
        assert_401(refresh(anon, old["refresh_token"]))
    assert me(body["data"]["access_token"]) == 200
    assert refresh(anon, body["data"]["refresh_token"]).status_code == 200
    # The new password logs in and its tokens work; the old one no longer logs in.
    assert me(login(member, password=NEW_PASSWORD)["access_token"]) == 200
    refused = anon.post(
        f"{API}/auth/login", {"email": member.email, "password": PASSWORD}, format="json"
    )
    assert refused.status_code == 401


def test_tokens_issued_in_the_same_second_after_a_change_work():
    """Revocation compares with microseconds: a token issued just before dies, just after lives."""
    user = UserFactory()
    before = issue_pair(user)
    user.set_password(NEW_PASSWORD)
    user.save()
    after = issue_pair(user)
    assert me(before["access_token"]) == 401
    assert me(after["access_token"]) == 200
    assert refresh(bearer(""), after["refresh_token"]).status_code == 200


def test_a_password_set_from_the_admin_revokes_tokens(staff_admin, login):
    user = UserFactory()
    data = login(user)
    response = staff_admin.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:2000]
    assert me(data["access_token"]) == 401
    assert_401(refresh(bearer(""), data["refresh_token"]))


def test_new_password_goes_through_django_validators(login, member):
    data = login(member)
    response = change_password(data["access_token"], new="123")
    assert response.status_code == 422
    fields = response.json()["errors"]["fields"]
    assert "new_password" in fields
    similar = change_password(data["access_token"], new=member.email)
    assert similar.status_code == 422
    assert me(data["access_token"]) == 200  # nothing revoked


def test_wrong_current_password_is_422_and_revokes_nothing(login, member):
    data = login(member)
    response = change_password(data["access_token"], current="not-my-password")
    assert response.status_code == 422
    assert response.json()["errors"]["fields"] == {
        "current_password": ["The current password is incorrect."]
    }
    assert me(data["access_token"]) == 200
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_password_change_is_throttled_like_login(login, member):
    data = login(member)
    statuses = [
        change_password(data["access_token"], current="wrong").status_code for _ in range(6)
    ]
    assert statuses[-1] == 429, statuses


def test_password_change_needs_a_token(anon):
    payload = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert_401(anon.post(f"{API}/auth/password", payload, format="json"))


# --- deactivation ---------------------------------------------------------------------------


def test_deactivation_revokes_tokens_for_good(anon, login):
    """Reactivating the account does not bring the tokens of before back to life."""
    user = UserFactory()
    data = login(user)
    user.is_active = False
    user.save()
    user.is_active = True
    user.save()
    assert me(data["access_token"]) == 401
    assert_401(refresh(anon, data["refresh_token"]))
    assert me(login(user)["access_token"]) == 200


# --- sign out everywhere --------------------------------------------------------------------


def test_logout_all_revokes_every_token_of_the_user_only(anon, login, member, owner):
    sessions = [login(member), login(member)]
    bystander = login(owner)
    response = bearer(sessions[0]["access_token"]).post(f"{API}/auth/logout-all")
    assert response.status_code == 200, response.content
    assert response.json()["message"] == "Signed out everywhere"
    for session in sessions:
        assert me(session["access_token"]) == 401
        assert_401(refresh(anon, session["refresh_token"]))
    assert me(bystander["access_token"]) == 200
    assert me(login(member)["access_token"]) == 200


# --- refresh-token reuse --------------------------------------------------------------------


def test_reusing_a_spent_refresh_token_revokes_its_descendants(anon, login, member):
    first = login(member)
    second = refresh(anon, first["refresh_token"]).json()["data"]
    third = refresh(anon, second["refresh_token"]).json()["data"]
    other = login(member)  # another session of the same user

    assert_401(refresh(anon, first["refresh_token"]))  # spent: a thief or a replay

    assert_401(refresh(anon, third["refresh_token"]))
    for pair in (first, second, third):
        assert me(pair["access_token"]) == 401
    assert me(other["access_token"]) == 200
    assert refresh(anon, other["refresh_token"]).status_code == 200


# --- cost -----------------------------------------------------------------------------------


@pytest.mark.parametrize("with_org", [True, False])
def test_authentication_still_reads_the_user_in_one_query(
    org, member, with_org, django_assert_num_queries
):
    """The revocation time sits on the user row authentication reads; the denylist is the cache."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issue_pair(member, org)['access_token']}"}
    if with_org:
        headers["HTTP_X_MIDDAG_ORGANIZATION"] = str(org.pk)
    request = Request(RequestFactory().get("/", **headers))
    with django_assert_num_queries(1):
        user, _ = JWTAuthentication().authenticate(request)
    assert isinstance(user, User)
    assert user.pk == member.pk
