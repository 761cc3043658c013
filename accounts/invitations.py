"""Invitations to an organization: how long they last, how many may be sent, and their mail.

Settings (read at call time, so overrides apply): `INVITATION_TTL_DAYS` (7),
`INVITATION_RATE_PER_ORGANIZATION` and `INVITATION_RATE_PER_INVITER` ("20/hour" each, counted
in the shared cache like the sign-in limits), `INVITATION_SIGNUP_URL` (where an address with no
account is sent to register). The mail is sent after the transaction commits and re-reads the
invitation, so a rolled-back invitation mails nobody; whether the address has an account is
decided there, in the mail, never in the answer to the inviter.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import Throttled

from accounts.models import Invitation, User
from accounts.throttles import _AuthThrottle

logger = logging.getLogger("accounts.invitations")
API = "/wp-json/middag-account/v1"


def expiry() -> datetime:
    """When an invitation sent now expires."""
    return timezone.now() + timedelta(days=getattr(settings, "INVITATION_TTL_DAYS", 7))


class _InvitationLimit(_AuthThrottle):
    """One bucket (per organization or per inviter) of invitations, in the shared cache."""

    def __init__(self, scope: str, ident: int) -> None:
        self.scope, self.ident = scope, ident
        super().__init__()

    def get_rate(self) -> str:
        return getattr(settings, f"INVITATION_RATE_PER_{self.scope.upper()}", "20/hour")

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": f"invite_{self.scope}", "ident": self.ident}


def limit(org_id: int, inviter_id: int) -> None:
    """Count one invitation of the organization and of the inviter; over either limit, a 429
    with Retry-After (both buckets see every attempt, as the sign-in limits do)."""
    limits = [_InvitationLimit("organization", org_id), _InvitationLimit("inviter", inviter_id)]
    waits = [t.wait() or 0.0 for t in limits if not t.allow_request(None, None)]
    if waits:
        raise Throttled(wait=max(waits), detail="Too many invitations; try again later.")


def schedule_mail(invitation_id: int) -> None:
    """Mail the invitation once the current transaction commits."""
    transaction.on_commit(partial(invitation_mail, invitation_id))


def invitation_mail(invitation_id: int) -> None:
    """To the invited address: who invites them where, and how to answer (or sign up first)."""
    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(pk=invitation_id, status=Invitation.Status.PENDING)
        .first()
    )
    if invitation is None:
        return
    inviter = invitation.invited_by.get_full_name() if invitation.invited_by else "MIDDAG"
    if User.objects.filter(email__iexact=invitation.email, is_active=True).exists():
        how = (
            "Sign in to see it in your invitations, then accept or reject it "
            f"(POST {API}/invitations/{invitation.pk}/accept or /reject)."
        )
    else:
        signup = getattr(settings, "INVITATION_SIGNUP_URL", f"{API}/auth/register")
        how = (
            f"You have no account yet: sign up with this e-mail address at {signup}; "
            "the invitation will be waiting in your invitations."
        )
    body = (
        f"{inviter} invited you to join {invitation.organization.name} as "
        f"{invitation.get_role_display().lower()}.\n\n{how}\n\n"
        f"The invitation expires on {invitation.expires_at:%Y-%m-%d %H:%M} UTC.\n"
    )
    try:
        send_mail(f"Invitation to {invitation.organization.name}", body, None, [invitation.email])
    except Exception:  # the invitation is committed; a mail outage must not turn it into a 500
        logger.exception("Could not send invitation %s to %s", invitation.pk, invitation.email)
