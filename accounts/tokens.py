"""JWT pairs with the SPEC's claims, refresh with mandatory, race-proof rotation, and revocation.

A token is revoked when it was issued before its user's `tokens_valid_after` (a password change,
a deactivation, "sign out everywhere": read on the user row authentication already loads), or
when its `jti` or its session (`sid`, shared by a login's refresh tokens and their access tokens)
is in the cache's denylist (logout, reuse of a spent refresh token) until it would expire anyway.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, Token
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts import tenancy
from accounts.models import Organization, User
from config.errors import DomainError

logger = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# `iat` is whole seconds (and `exp - iat` the lifetime); this claim says when, to the microsecond,
# so a token issued in the same second as a revocation but after it still works.
ISSUED_US = "iat_us"
SESSION = "sid"


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


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def _new_refresh(user: User, claims: dict) -> RefreshToken:
    """simplejwt's RefreshToken.for_user, stored with every claim (reuse detection reads `sid`)."""
    refresh = RefreshToken()
    refresh["sub"] = str(user.pk)
    refresh[ISSUED_US] = _micros(refresh.current_time)
    for claim, value in claims.items():
        refresh[claim] = value
    OutstandingToken.objects.create(
        user=user,
        jti=refresh["jti"],
        token=str(refresh),
        created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
    return refresh


def issue_pair(user: User, org: Organization | None = None, *, session: str | None = None) -> dict:
    """A new refresh/access pair for `user`, describing its membership of `org` (or none).

    `session` continues a login's session (a refresh); without it the pair starts a new one.
    """
    claims = {SESSION: session or uuid.uuid4().hex, **_membership_claims(user, org)}
    refresh = _new_refresh(user, claims)
    access = refresh.access_token
    access.set_iat(at_time=refresh.current_time)  # the pair's one moment, as `iat_us` says
    return {
        "access_token": str(access),
        "refresh_token": str(refresh),
        "token_type": "Bearer",
        "expires_in": int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()),
    }


def _deny(kind: str, value: str | None, lifetime: timedelta) -> None:
    """Deny a token id or a session in the cache for as long as its tokens can live."""
    if value:
        cache.set(f"revoked:{kind}:{value}", True, int(lifetime.total_seconds()) + 1)


def deny_access(token: Token) -> None:
    """Refuse this access token from now until it expires (logout)."""
    remaining = datetime_from_epoch(token["exp"]) - timezone.now()
    if remaining > timedelta(0):
        _deny("jti", token.get("jti"), remaining)


def deny_session(session: str | None) -> None:
    """Refuse every token of a login's session: its newest refresh token lives a refresh lifetime."""
    _deny(SESSION, session, settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"])


def is_revoked(token: Token, user: User) -> bool:
    """Issued before the user's `tokens_valid_after`, or its id or session denied in the cache."""
    valid_after = user.tokens_valid_after
    issued = token.get(ISSUED_US)
    if not isinstance(issued, int):  # a token of before: whole seconds, the start of its second
        issued = int(token.get("iat", 0)) * 1_000_000
    if valid_after is not None and issued < _micros(valid_after):
        return True
    keys = [f"revoked:jti:{token.get('jti')}", f"revoked:{SESSION}:{token.get(SESSION)}"]
    try:
        return bool(cache.get_many(keys))
    except Exception:  # a cache outage must not take the API down; logged, like the throttles
        logger.warning("Token denylist unavailable; token accepted", exc_info=True)
        return False


class _SpendableRefresh(RefreshToken):
    def check_blacklist(self) -> None:
        """refresh_rotate reads the blacklist under the row lock: a spent token is reuse."""


def _decode(raw: str, token_class: type[RefreshToken] = RefreshToken) -> RefreshToken:
    """Check signature (RS256 only), expiry, type and (unless the class skips it) the blacklist."""
    try:
        return token_class(raw)
    except TokenError as exc:
        raise TokenRejected(str(exc)) from exc


class RefreshReused(TokenRejected):
    default_detail = "The refresh token has already been used or revoked."


def _outstanding(user_id: object) -> list[OutstandingToken]:
    """The user's refresh tokens neither expired nor blacklisted."""
    return list(
        OutstandingToken.objects.filter(
            user_id=user_id, expires_at__gt=timezone.now(), blacklistedtoken__isnull=True
        ).order_by()
    )


def _blacklist(tokens: list[OutstandingToken]) -> None:
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in tokens], ignore_conflicts=True
    )


def revoke_session(user_id: object, session: str | None) -> None:
    """Refresh-token reuse: every token of the session dies (its access tokens by the denylist)."""
    deny_session(session)
    if session:
        claims = [(t, token_backend.decode(t.token, verify=False)) for t in _outstanding(user_id)]
        _blacklist([t for t, payload in claims if payload.get(SESSION) == session])


def blacklist_refresh_tokens(user: User) -> None:
    """Blacklist every live refresh token of the user (with a saved `tokens_valid_after`, which
    already refuses them: the blacklist says so in the admin and outlives a later change)."""
    _blacklist(_outstanding(user.pk))


@transaction.atomic
def refresh_rotate(raw: str) -> dict:
    """Spend a refresh token once: lock its row, refuse it if already spent, issue a new pair.

    The row lock makes two concurrent refreshes with one token queue up; the second sees the
    blacklist entry the first wrote and gets a 401. A spent token presented again is reuse (a
    stolen copy, or the thief's): its whole session is revoked and RefreshReused raised, which
    the caller answers without rolling the revocation back.
    """
    token = _decode(raw, _SpendableRefresh)
    # order_by(): the model's default ordering joins the nullable user, and PostgreSQL refuses
    # FOR UPDATE on the nullable side of an outer join.
    outstanding = (
        OutstandingToken.objects.select_for_update(of=("self",))
        .filter(jti=token["jti"])
        .order_by()
        .first()
    )
    if outstanding is None:
        raise TokenRejected("The refresh token has already been used or revoked.")
    if BlacklistedToken.objects.filter(token=outstanding).exists():
        revoke_session(token.get("sub"), token.get(SESSION))
        raise RefreshReused()
    user = User.objects.filter(pk=token.get("sub"), is_active=True).first()
    if user is None:
        raise TokenRejected("The user is inactive or no longer exists.")
    if is_revoked(token, user):
        raise TokenRejected("The refresh token has been revoked.")
    BlacklistedToken.objects.create(token=outstanding)
    return issue_pair(user, token_org(token), session=token.get(SESSION))


def token_org(token: Token) -> Organization | None:
    """The organization a token describes, if it still exists."""
    return Organization.objects.filter(pk=token.get("org")).first() if token.get("org") else None


@transaction.atomic
def refresh_revoke(raw: str, *, user: User, access: Token | None = None) -> None:
    """Logout: revoke the caller's own refresh token, its session and the access token used;
    an already revoked token is a 401."""
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
    deny_session(token.get(SESSION))
    if access is not None:
        deny_access(access)
