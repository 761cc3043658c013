"""The abstract base of every organization-owned model with a lifecycle, and its list indexes.

Entitlements, environments and services (tickets may follow) are rows an organization owns,
moved by `django_fsm` transitions (config.fsm) and listed newest first. Their shared columns and
the indexes every such list needs are written here once; each model adds its `status` field,
its transitions and its own fields.
"""

from __future__ import annotations

from django.db import models
from django_fsm import ConcurrentTransitionMixin

from accounts.models import OrgOwnedModel


class LifecycleModel(ConcurrentTransitionMixin, OrgOwnedModel):
    """An organization's row with a status lifecycle: `Model.objects.for_org(org)`, newest first.

    Each model declares its `organization` key itself: its reverse name is written into the
    migrations, and an entitlement's may be empty.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


def list_indexes(prefix: str, filters: dict[str, str]) -> list[models.Index]:
    """The indexes of a newest-first list: an organization's, filtered by each of `filters`
    (index name suffix → field) too, and staff's list of every organization at once."""
    return [
        models.Index(fields=["organization", "-created_at", "-id"], name=f"{prefix}_org_created"),
        *(
            models.Index(fields=["organization", field], name=f"{prefix}_org_{suffix}")
            for suffix, field in filters.items()
        ),
        models.Index(fields=["-created_at", "-id"], name=f"{prefix}_created"),
    ]
