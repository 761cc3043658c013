"""Two-factor sign-in (django-otp): a TOTP authenticator and one-time recovery codes.

- Enrolled means a confirmed TOTP device (`TOTPDevice`). Recovery codes (`StaticDevice`, one
  token each, deleted when used) stand in for the authenticator; they alone enrol nobody.
- Whoever has enrolled gives a code at every door: the admin (a session is let in only once
  verified, `StaffMFAMiddleware`) and the API's login (`require_second_factor`).
- `STAFF_MFA_REQUIRED`: a staff session without an authenticator is sent to enrol first.
- Enrolment keeps the new secret in the session until a code from it confirms it, so an
  abandoned enrolment leaves no row.
"""

from __future__ import annotations

import base64
import re
import time
from binascii import unhexlify
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts.models import User
from config.errors import DomainError

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
SETUP_KEY_SESSION = "mfa_setup_key"
_TOTP_CODE = re.compile(r"[0-9]{6}")


class SecondFactorRequired(DomainError):
    """401: the password was right, and this account also needs its code (`otp`)."""

    status_code, code = 401, "AUTHENTICATION_ERROR"
    reason = "MIDDAG-ACC-OTP_REQUIRED"
    default_detail = (
        "This account uses two-factor authentication: send the code from the authenticator app "
        "(or a recovery code) as `otp`."
    )


class SecondFactorInvalid(DomainError):
    """401: the code (`otp`) is not the authenticator's current code nor an unused recovery code."""

    status_code, code = 401, "AUTHENTICATION_ERROR"
    reason = "MIDDAG-ACC-OTP_INVALID"
    default_detail = "The two-factor code is not valid."


# --- who has enrolled -------------------------------------------------------------------------


def enrolled_exists() -> Exists:
    """An `Exists` for annotating users: has a confirmed authenticator (accounts.backends)."""
    return Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))


def is_enrolled(user: User) -> bool:
    """The user has a confirmed authenticator; read from the session user's annotation if loaded."""
    if not getattr(user, "is_authenticated", False):
        return False
    known = getattr(user, "mfa_enrolled", None)
    if known is not None:
        return bool(known)
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    """How many unused recovery codes the user holds."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- enrolment --------------------------------------------------------------------------------


def new_secret() -> str:
    """A fresh TOTP secret, hex-encoded (20 random bytes, as TOTPDevice's default)."""
    return random_hex(20)


def secret_base32(key: str) -> str:
    """The secret as an authenticator app takes it typed in: base32 in groups of four."""
    text = base64.b32encode(unhexlify(key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def provisioning_uri(user: User, key: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code (issuer OTP_TOTP_ISSUER)."""
    return TOTPDevice(user=user, key=key).config_url  # django-otp's own, from an unsaved device


def qr_data_uri(text: str) -> str:
    """A QR code of `text` as an inline SVG data URI (the CSP allows data: images, no scripts)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


def _matching_step(key: str, code: str) -> int | None:
    """The time step whose code from `key` is `code` (now, or one step either side), or None."""
    if not _TOTP_CODE.fullmatch(code):
        return None
    totp = TOTP(unhexlify(key), step=30, t0=0, digits=6)
    totp.time = time.time()
    return totp.t() if totp.verify(int(code), tolerance=1) else None


@transaction.atomic
def mfa_enrol(*, user: User, key: str, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm a new authenticator with a code from it: it replaces any earlier one, and a new set
    of recovery codes replaces the old; None (nothing written) when the code does not match."""
    step = _matching_step(key, normalize_code(code))
    if step is None:
        return None
    TOTPDevice.objects.filter(user=user).delete()
    # last_t: the code just used cannot sign in again (django-otp accepts later steps only).
    device = TOTPDevice.objects.create(
        user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True, last_t=step
    )
    return device, recovery_codes_regenerate(user=user)


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """A new set of recovery codes for the user; every earlier one stops working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return sorted(codes)


# --- verification -----------------------------------------------------------------------------


def normalize_code(code: str) -> str:
    """A code as typed, without spaces or dashes, lower-case (recovery codes are base32)."""
    return re.sub(r"[\s-]", "", code or "").lower()


@transaction.atomic
def verify_code(*, user: User, code: str) -> Device | None:
    """The device that accepts `code`: six digits are the authenticator's (each step once),
    anything else an unused recovery code (deleted by its use); None when none does."""
    code = normalize_code(code)
    if not code or len(code) > 16:
        return None
    # Each device is tried only with what it could accept, so a recovery code never counts as a
    # failed authenticator code in django-otp's own back-off (and the reverse).
    model = TOTPDevice if _TOTP_CODE.fullmatch(code) else StaticDevice
    for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
        if device.verify_token(code):
            return device
    return None


def require_second_factor(*, user: User, code: str | None) -> Device | None:
    """The API login's second step: nothing for a user who has not enrolled; otherwise a
    valid code, else SecondFactorRequired (none sent) or SecondFactorInvalid (401 both)."""
    if not is_enrolled(user):
        return None
    if not code:
        raise SecondFactorRequired
    device = verify_code(user=user, code=code)
    if device is None:
        raise SecondFactorInvalid
    return device


# --- the admin door ---------------------------------------------------------------------------

# Paths that never read the session (the APIs use bearer tokens) or that an unverified session
# must reach: the two-factor pages themselves, and signing in or out.
_OPEN_PREFIXES = ("/wp-json/", "/api/")


class StaffMFAMiddleware:
    """After OTPMiddleware: a session whose user has enrolled but not yet given a code this
    session is sent to the code page; with STAFF_MFA_REQUIRED a staff session without an
    authenticator is sent to enrol. API requests (bearer tokens) pass untouched."""

    def __init__(self, get_response) -> None:  # type: ignore[no-untyped-def]
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def _open_paths(self) -> tuple[str, ...]:
        if self._open is None:
            static = "/" + settings.STATIC_URL.lstrip("/")
            self._open = (
                *_OPEN_PREFIXES,
                static,
                reverse("mfa-verify").rsplit("/", 2)[0] + "/",  # every /admin/mfa/ page
                reverse("admin:login"),
                reverse("admin:logout"),
            )
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(self._open_paths()):
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and not user.is_verified():
            if is_enrolled(user):
                return _redirect(request, "mfa-verify")
            if user.is_staff and settings.STAFF_MFA_REQUIRED:
                return _redirect(request, "mfa-setup")
        return self.get_response(request)


def _redirect(request: HttpRequest, name: str) -> HttpResponse:
    url = f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"
    response = HttpResponseRedirect(url)
    if request.headers.get("HX-Request"):
        response["HX-Redirect"] = url  # htmx: the whole page goes, not a fragment swapped in
    return response
