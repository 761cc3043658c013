"""Codes as an authenticator app computes them (RFC 6238 through django-otp's own TOTP), and a
staff member enrolled through the real action."""

from __future__ import annotations

import base64
import time
from binascii import unhexlify
from dataclasses import dataclass

from django_otp.oath import TOTP

from accounts import mfa
from accounts.models import User
from tests.factories import StaffFactory


def code(key: str, steps: int = 0) -> str:
    """The 6-digit code of hex secret `key`, `steps` time steps (30 s) from now."""
    totp = TOTP(unhexlify(key), step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * steps
    return f"{totp.token():06d}"


def key_from_secret(secret: str) -> str:
    """The hex key of the base32 secret a person types from the enrolment page."""
    text = secret.replace(" ", "").upper()
    return base64.b32decode(text + "=" * (-len(text) % 8)).hex()


@dataclass
class Enrolled:
    user: User
    key: str
    recovery_codes: list[str]


def enrol(user: User | None = None, **fields) -> Enrolled:
    """Enrol with the previous step's code: this step's and the next one's stay unused."""
    user = user or StaffFactory(**fields)
    key = mfa.new_secret()
    enrolled = mfa.mfa_enrol(user=user, key=key, code=code(key, -1))
    assert enrolled is not None
    return Enrolled(user=user, key=key, recovery_codes=enrolled[1])
