from tests.conftest import API, assert_envelope
from tests.factories import PASSWORD


def test_login_me_and_unknown_route(anon, member, org):
    response = anon.post(
        f"{API}/auth/login", {"email": member.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert_envelope(body, success=True)
    token = body["data"]["access_token"]
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    me = anon.get(f"{API}/auth/me/")
    assert me.status_code == 200
    assert me.json()["data"]["memberships"][0]["organization_id"] == org.pk
    missing = anon.get(f"{API}/nope")
    assert missing.status_code == 404
    assert_envelope(missing.json(), success=False)


def test_organizations_list(member_api, org):
    response = member_api.get(f"{API}/organizations")
    assert response.status_code == 200, response.content
    assert response.json()["meta"]["total"] == 1
