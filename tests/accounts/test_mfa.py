"""Staff two-factor sign-in at the admin (issue 13, problem 15 and item 10): enrolment with a QR
code and the typed secret, the code asked after the password, recovery codes that work once,
STAFF_MFA_REQUIRED sending staff to enrol, and no extra query per admin page."""

from __future__ import annotations

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from tests.accounts.mfa_helpers import code, enrol, key_from_secret
from tests.factories import PASSWORD, StaffFactory, UserFactory

SETUP = "/admin/mfa/setup/"
VERIFY = "/admin/mfa/verify/"
HOME = "/admin/"
PAGE = "/admin/accounts/user/"


def sign_in(email: str, password: str = PASSWORD, ip: str = "127.0.0.1") -> Client:
    """The admin's login form, as a browser posts it (password only)."""
    client = Client(REMOTE_ADDR=ip)
    response = client.post("/admin/login/", {"username": email, "password": password, "next": HOME})
    assert response.status_code == 302, response.content[:500]
    return client


def secret_on(page: bytes) -> str:
    return re.search(rb'data-testid="mfa-secret">([A-Z2-7 ]+)<', page).group(1).decode()


# --- enrolment --------------------------------------------------------------------------------


def test_setup_page_shows_a_qr_code_and_the_secret_and_writes_nothing(db):
    client = sign_in(StaffFactory().email)
    response = client.get(SETUP)
    assert response.status_code == 200
    assert b'src="data:image/svg+xml;base64,' in response.content  # inline: the CSP allows it
    assert len(key_from_secret(secret_on(response.content))) == 40  # 20 bytes, hex
    assert client.get(SETUP).content.count(secret_on(response.content).encode()) == 1  # stable
    assert not TOTPDevice.objects.exists()  # an abandoned enrolment leaves no row


def test_a_wrong_code_does_not_enrol(db):
    client = sign_in(StaffFactory().email)
    key = key_from_secret(secret_on(client.get(SETUP).content))
    wrong = f"{(int(code(key)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 200
    assert b"That code does not match" in response.content
    assert not TOTPDevice.objects.exists()
    assert not StaticDevice.objects.exists()


def test_enrolment_with_a_code_shows_ten_recovery_codes_once(db):
    staff = StaffFactory()
    client = sign_in(staff.email)
    key = key_from_secret(secret_on(client.get(SETUP).content))
    response = client.post(SETUP, {"code": code(key), "next": PAGE})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    stored = set(StaticToken.objects.filter(device__user=staff).values_list("token", flat=True))
    assert len(stored) == 10
    assert all(token.encode() in response.content for token in stored)
    device = TOTPDevice.objects.get(user=staff)
    assert device.confirmed
    assert device.key == key
    # This session gave the code: it goes on without another one; the codes are not shown again.
    assert client.get(PAGE).status_code == 200
    again = client.get(SETUP)
    assert again.status_code == 200
    assert not any(token.encode() in again.content for token in stored)
    assert b"10 unused recovery codes" in again.content


def test_only_staff_enrol(db):
    client = Client()
    client.force_login(UserFactory())
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# --- the code after the password --------------------------------------------------------------


def test_an_enrolled_staff_member_gives_the_code_before_any_admin_page(db):
    enrolled = enrol()
    client = sign_in(enrolled.user.email)
    for path in (HOME, PAGE, "/admin/tickets/ticket/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(f"{VERIFY}?next="), path
    response = client.post(VERIFY, {"code": code(enrolled.key), "next": PAGE})
    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert client.get(PAGE).status_code == 200


def test_a_wrong_code_keeps_the_admin_closed(db, settings):
    enrolled = enrol()
    client = sign_in(enrolled.user.email)
    wrong = f"{(int(code(enrolled.key)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert b"That code is not valid" in response.content
    assert client.get(HOME).status_code == 302


def test_a_code_is_taken_once(db, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # this test is about replay, not django-otp's back-off
    enrolled = enrol()
    now = code(enrolled.key)
    first = sign_in(enrolled.user.email)
    assert first.post(VERIFY, {"code": now})["Location"] == HOME
    second = sign_in(enrolled.user.email)
    assert second.post(VERIFY, {"code": now}).status_code == 200  # refused: already used
    assert second.get(HOME).status_code == 302


def test_a_recovery_code_works_once(db):
    enrolled = enrol()
    recovery = enrolled.recovery_codes[0]
    client = sign_in(enrolled.user.email)
    typed = f"{recovery[:4].upper()}-{recovery[4:]}"  # as printed or typed: case and dashes
    response = client.post(VERIFY, {"code": typed, "next": PAGE}, follow=True)
    assert response.redirect_chain[0][0] == PAGE
    assert b"9 left" in response.content
    assert StaticToken.objects.filter(device__user=enrolled.user).count() == 9
    again = sign_in(enrolled.user.email)
    assert again.post(VERIFY, {"code": recovery}).status_code == 200
    assert again.get(HOME).status_code == 302


def test_new_recovery_codes_replace_the_old(db):
    enrolled = enrol()
    client = sign_in(enrolled.user.email)
    client.post(VERIFY, {"code": code(enrolled.key)})
    response = client.post(SETUP, {"code": enrolled.recovery_codes[0]})
    assert response.status_code == 200
    new = set(
        StaticToken.objects.filter(device__user=enrolled.user).values_list("token", flat=True)
    )
    assert len(new) == 10
    assert not new & set(enrolled.recovery_codes)
    assert all(token.encode() in response.content for token in new)


def test_a_session_from_before_enrolment_is_asked_for_the_code(db):
    staff = StaffFactory()
    client = sign_in(staff.email)
    assert client.get(HOME).status_code == 200
    enrol(staff)  # enrolled elsewhere (another browser)
    assert client.get(HOME)["Location"].startswith(VERIFY)


def test_the_code_page_needs_a_session(db):
    response = Client().get(VERIFY)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_code_page_does_not_follow_a_foreign_next(db):
    enrolled = enrol()
    client = sign_in(enrolled.user.email)
    response = client.post(VERIFY, {"code": code(enrolled.key), "next": "https://evil.example/"})
    assert response["Location"] == HOME


def test_the_apis_are_not_redirected(db, anon):
    """Bearer-token routes never read the session: a half-signed-in browser gets their answers."""
    enrolled = enrol()
    client = sign_in(enrolled.user.email)
    assert client.get("/wp-json/middag-account/v1/auth/me").status_code == 401
    assert client.get("/api/schema/").status_code == 200


# --- STAFF_MFA_REQUIRED -----------------------------------------------------------------------


def test_required_sends_staff_without_an_authenticator_to_enrol(db, settings):
    settings.STAFF_MFA_REQUIRED = True
    client = sign_in(StaffFactory().email)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2Fadmin%2Faccounts%2Fuser%2F"
    page = client.get(response["Location"])
    assert b"Staff accounts need a second factor" in page.content
    key = key_from_secret(secret_on(page.content))
    client.post(SETUP, {"code": code(key)})
    assert client.get(PAGE).status_code == 200


def test_not_required_staff_without_an_authenticator_sign_in_as_before(db, settings):
    settings.STAFF_MFA_REQUIRED = False
    client = sign_in(StaffFactory().email)
    assert client.get(PAGE).status_code == 200


def test_required_leaves_clients_alone(db, settings):
    settings.STAFF_MFA_REQUIRED = True
    client = Client()
    client.force_login(UserFactory())
    response = client.get(HOME)  # the admin's own answer (its login page), not enrolment
    assert not response.get("Location", "").startswith(SETUP)


# --- cost -------------------------------------------------------------------------------------


def test_the_check_reads_enrolment_with_the_session_user(db, settings):
    """No query of its own: whether the user enrolled comes with the user's row."""
    settings.STAFF_MFA_REQUIRED = True
    client = Client()
    client.force_login(StaffFactory())
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 302  # sent to enrol
    otp_reads = [q["sql"] for q in queries if "otp_" in q["sql"]]
    assert len(otp_reads) == 1, otp_reads
    assert '"accounts_user"' in otp_reads[0]  # the session user's own SELECT


def test_is_enrolled_counts_only_a_confirmed_authenticator(db):
    staff = StaffFactory()
    TOTPDevice.objects.create(user=staff, name="pending", confirmed=False)
    mfa.recovery_codes_regenerate(user=staff)
    assert not mfa.is_enrolled(staff)
    assert mfa.is_enrolled(enrol(staff).user)


def test_superusers_reset_a_device_without_reading_its_secret(db, staff_admin):
    """A lost phone: a superuser deletes the device; no admin page shows its key or QR code."""
    enrolled = enrol()
    device = TOTPDevice.objects.get(user=enrolled.user)
    change = staff_admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert change.status_code == 200
    assert enrolled.key.encode() not in change.content
    assert staff_admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code == 403
    static = StaticDevice.objects.get(user=enrolled.user)
    page = staff_admin.get(f"/admin/otp_static/staticdevice/{static.pk}/change/")
    assert not any(c.encode() in page.content for c in enrolled.recovery_codes)
    staff_admin.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert not mfa.is_enrolled(enrolled.user)
