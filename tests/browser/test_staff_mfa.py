"""A staff member turns on two-factor authentication and signs in with a code, in Chromium
(issue 13, problem 15 and item 10)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.accounts.mfa_helpers import code, key_from_secret
from tests.factories import PASSWORD, StaffFactory


def sign_in(page, live_server, email: str) -> None:
    """Open the back office and sign in with the password, as a person does (the login page
    then knows where to go back to)."""
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("[type=submit]").first.click()
    page.wait_for_load_state()


def test_staff_enrol_and_sign_in_with_a_code(page, live_server, settings, screenshot):
    settings.STAFF_MFA_REQUIRED = True
    staff = StaffFactory(email="agent@middag.example", name="Ana Agent")

    # Compulsory: the first admin sign-in lands on enrolment, not in the back office.
    sign_in(page, live_server, staff.email)
    expect(page).to_have_url(re.compile(r"/admin/mfa/setup/\?next="))
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    screenshot(page, "staff-mfa-setup")
    secret = page.get_by_test_id("mfa-secret").inner_text()
    key = key_from_secret(secret)
    page.get_by_label("Code").fill(code(key))
    page.get_by_role("button", name="Turn on two-factor authentication").click()

    recovery = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(recovery).to_have_count(10)
    screenshot(page, "staff-mfa-recovery-codes")
    page.get_by_role("link", name=re.compile("I have saved them")).click()
    expect(page).to_have_url(f"{live_server.url}/admin/")

    # Next sign-in, in a fresh browser: the password, then the code.
    page.context.clear_cookies()
    sign_in(page, live_server, staff.email)
    expect(page).to_have_url(re.compile(r"/admin/mfa/verify/\?next="))
    screenshot(page, "staff-mfa-verify")
    page.get_by_label("Code").fill("000000" if code(key, 1) != "000000" else "111111")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not valid.")).to_be_visible()
    page.wait_for_timeout(1100)  # django-otp's back-off after a wrong code: one second
    page.get_by_label("Code").fill(code(key, 1))  # the next step's code: the last one is spent
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")
