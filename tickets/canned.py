"""Canned replies: the placeholders of a saved answer, filled for one service request."""

from __future__ import annotations

import re
from collections.abc import Iterable

from accounts.models import User
from tickets.models import CannedReply, Ticket

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PLACEHOLDERS = (
    "requester_name",
    "request_number",
    "request_title",
    "organization",
    "environment_url",
    "agent_name",
)


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name().strip() or user.email


def placeholder_values(ticket: Ticket, agent: User | None) -> dict[str, str]:
    """What each placeholder stands for on `ticket` (relations read, not queried, when joined)."""
    environment = ticket.environment
    return {
        "requester_name": _name(ticket.requester),
        "request_number": ticket.number,
        "request_title": ticket.title,
        "organization": ticket.organization.name,
        "environment_url": (environment.url if environment is not None else "") or "",
        "agent_name": _name(agent),
    }


def fill(body: str, values: dict[str, str]) -> str:
    """The body with each known {placeholder} replaced; other braces are left as written."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def canned_for(ticket: Ticket, agent: User | None) -> list[dict]:
    """The active canned replies, filled for `ticket`, as the workspace offers them (one query)."""
    values = placeholder_values(ticket, agent)
    replies: Iterable[CannedReply] = CannedReply.objects.filter(is_active=True).order_by("title")
    return [
        {
            "id": canned.pk,
            "title": canned.title,
            "body": fill(canned.body, values),
            "transition": canned.transition,
            "then": str(canned.get_transition_display()) if canned.transition else "",
            "assignee": canned.assignee_id,
        }
        for canned in replies
    ]
