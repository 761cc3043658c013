"""Bearer authentication: simplejwt with RS256 only, access tokens only, active users only,
tokens not revoked (accounts.tokens.is_revoked)."""

from __future__ import annotations

from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication as BaseJWTAuthentication
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

from accounts.models import User
from accounts.tokens import is_revoked
from config.errors import Invalid


class JWTAuthentication(BaseJWTAuthentication):
    """simplejwt's authentication; it already refuses inactive users and refresh tokens.

    When the request names an organization (X-Middag-Organization), the user is read together
    with their live membership of it, in one query, and the membership is kept on the request
    for the organization check (accounts.tenancy): the hot path of every
    organization-scoped request is one query instead of two. Without a membership (staff, a
    non-member, an inactive user) the user is read alone, as simplejwt does, and refused the same.
    Either way the user row carries `tokens_valid_after`, so revocation costs no query of its own
    (the denylist of logged-out tokens is in the cache).

    Named here so the whole project (DRF settings, the OpenAPI extension) points at one class.
    """

    www_authenticate_realm = "api"

    def authenticate(self, request: Request) -> tuple[User, Token] | None:
        from accounts.access import parse_org_header
        from accounts.tenancy import live_membership_with_user

        header = self.get_header(request)
        raw_token = None if header is None else self.get_raw_token(header)
        if raw_token is None:
            return None
        token = self.get_validated_token(raw_token)
        try:
            org_id = parse_org_header(request)
        except Invalid:
            org_id = None  # answered by the organization check, after authentication
        user_id = token.get(api_settings.USER_ID_CLAIM)
        membership = None
        if org_id is not None and str(user_id).isdecimal():
            membership = live_membership_with_user(user_id, org_id)  # kept for the request
        user = membership.user if membership is not None else self.get_user(token)
        if is_revoked(token, user):
            raise AuthenticationFailed("The token has been revoked.", code="token_revoked")
        return user, token
