"""Signing in and out of the portal, and resetting a password by e-mail."""

import re

import pytest
from django.core import mail
from django.test import Client, override_settings

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def page_without(response, email: str) -> str:
    """The page without what differs by design: the e-mail typed and the CSRF token."""
    body = response.content.decode().replace(email, "EMAIL")
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", body)


def sign_in(client: Client, email: str, password: str):
    return client.post("/portal/login/", {"username": email, "password": password})


def test_sign_in_with_email_and_password_opens_the_portal(client, member):
    response = sign_in(client, member.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200


def test_unknown_email_and_wrong_password_get_the_same_answer(client, member):
    unknown = sign_in(client, "nobody@example.com", PASSWORD)
    wrong = sign_in(client, member.email, "not-the-password")
    assert unknown.status_code == wrong.status_code == 400
    message = "The e-mail address or the password is not right."
    assert message in unknown.content.decode()
    assert message in wrong.content.decode()
    assert page_without(unknown, "nobody@example.com") == page_without(wrong, member.email)


def test_an_inactive_account_gets_the_same_answer(client, member):
    member.is_active = False
    member.save()
    response = sign_in(client, member.email, PASSWORD)
    assert response.status_code == 400
    assert "The e-mail address or the password is not right." in response.content.decode()


@override_settings(API_THROTTLE_AUTH="3/min")
def test_sign_in_shares_the_api_logins_limit(client, member, api_client_for):
    from tests.conftest import API

    anon = api_client_for(None)
    anon.post(f"{API}/auth/login", {"email": member.email, "password": "x"}, format="json")
    sign_in(client, member.email, "wrong")
    sign_in(client, member.email, "wrong")
    refused = sign_in(client, member.email, PASSWORD)  # the fourth try, right password or not
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post(client, member):
    client.force_login(member)
    assert client.get("/portal/logout/").status_code == 405
    response = client.post("/portal/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/login/"
    assert client.get("/portal/").status_code == 302


def test_password_reset_by_email(client, member):
    response = client.post("/portal/password-reset/", {"email": member.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/portal/reset/\S+/)", mail.outbox[0].body)[1]
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Fresh-passphrase-2026", "new_password2": "Fresh-passphrase-2026"},
    )
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.check_password("Fresh-passphrase-2026")
    assert member.tokens_valid_after is not None  # the API's tokens die with the old password


def test_password_reset_answers_the_same_for_an_unknown_address(client):
    response = client.post("/portal/password-reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/portal/password-reset/sent/"
    assert mail.outbox == []


def test_sign_in_page_speaks_the_browsers_language(client):
    response = client.get("/portal/login/", headers={"Accept-Language": "pt-BR,pt;q=0.9"})
    assert "Entrar" in response.content.decode()
    assert response["Content-Language"] == "pt-br"
    assert "Accept-Language" in response["Vary"]
    response = client.get("/portal/login/", headers={"Accept-Language": "de-DE"})
    assert "Sign in" in response.content.decode()
