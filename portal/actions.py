"""The portal's one write of its own: a person's profile (no organization, no tenancy involved).
Everything else the portal changes goes through the apps' actions, as the API does."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User

PROFILE_FIELDS = ("name", "language", "time_zone", "mail_replies", "mail_status")


@transaction.atomic
def profile_update(*, user: User, **fields: object) -> User:
    """A person changes their own name, language, time zone and e-mail choices, nothing else."""
    unknown = sorted(set(fields) - set(PROFILE_FIELDS))
    if unknown:
        raise ValueError(f"Not a profile field: {', '.join(unknown)}")
    for name, value in fields.items():
        setattr(user, name, value)
    user.save(update_fields=list(fields))
    return user
