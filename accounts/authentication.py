"""Bearer authentication: simplejwt with RS256 only, access tokens only, active users only."""

from rest_framework_simplejwt.authentication import JWTAuthentication as BaseJWTAuthentication


class JWTAuthentication(BaseJWTAuthentication):
    """simplejwt's authentication; it already refuses inactive users and refresh tokens.

    Named here so the whole project (DRF settings, the OpenAPI extension) points at one class.
    """

    www_authenticate_realm = "api"
