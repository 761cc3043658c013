"""JWT pairs with the SPEC's claims, and refresh with mandatory, race-proof rotation."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import tenancy
from accounts.models import Organization, User
from config.errors import DomainError


class TokenRejected(DomainError):
    status_code, code = 401, "AUTHENTICATION_ERROR"
    default_detail = "The token is invalid, expired or revoked."


def _membership_claims(user: User, org: Organization | None) -> dict:
    membership = tenancy.live_membership(user, org.pk) if org is not None else None
    return {
        "org": org.pk if org is not None else None,
        "roles": [membership.role] if membership else [],
        "scopes": membership.effective_scopes if membership else [],
        "company": org.company if org is not None else None,
    }


def issue_pair(user: User, org: Organization | None = None) -> dict:
    """A new refresh/access pair for `user`, describing its membership of `org` (or none)."""
    refresh = RefreshToken.for_user(user)
    for claim, value in _membership_claims(user, org).items():
        refresh[claim] = value
    access = refresh.access_token
    return {
        "access_token": str(access),
        "refresh_token": str(refresh),
        "token_type": "Bearer",
        "expires_in": int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()),
    }


def _decode(raw: str) -> RefreshToken:
    """Check signature (RS256 only), expiry, type and the blacklist."""
    try:
        return RefreshToken(raw)
    except TokenError as exc:
        raise TokenRejected(str(exc)) from exc


@transaction.atomic
def refresh_rotate(raw: str) -> dict:
    """Spend a refresh token once: lock its row, refuse it if already spent, issue a new pair.

    The row lock makes two concurrent refreshes with one token queue up; the second sees the
    blacklist entry the first wrote and gets a 401.
    """
    token = _decode(raw)
    # order_by(): the model's default ordering joins the nullable user, and PostgreSQL refuses
    # FOR UPDATE on the nullable side of an outer join.
    outstanding = (
        OutstandingToken.objects.select_for_update(of=("self",))
        .filter(jti=token["jti"])
        .order_by()
        .first()
    )
    if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
        raise TokenRejected("The refresh token has already been used or revoked.")
    user = User.objects.filter(pk=token.get("sub"), is_active=True).first()
    if user is None:
        raise TokenRejected("The user is inactive or no longer exists.")
    BlacklistedToken.objects.create(token=outstanding)
    org = Organization.objects.filter(pk=token.get("org")).first() if token.get("org") else None
    return issue_pair(user, org)


@transaction.atomic
def refresh_revoke(raw: str, *, user: User) -> None:
    """Revoke the caller's own refresh token (logout); an already revoked token is a 401."""
    token = _decode(raw)
    if str(token.get("sub")) != str(user.pk):
        raise TokenRejected("The refresh token belongs to another user.")
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=token["jti"],
        defaults={
            "user": user,
            "token": raw,
            "created_at": timezone.now(),
            "expires_at": timezone.now(),
        },
    )
    BlacklistedToken.objects.get_or_create(token=outstanding)
