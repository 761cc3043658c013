"""Gapless human numbers from django-sequences: a counter row locked and incremented inside the
creating transaction, so a rollback gives the number back and concurrent creations queue up."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from sequences import get_next_value


def business_time(when: datetime | None = None) -> datetime:
    """`when` (default now) in the business time zone, which decides months and years."""
    return timezone.localtime(when or timezone.now(), ZoneInfo(settings.BUSINESS_TIME_ZONE))


def next_entitlement_code(entitlement_class: str, when: datetime | None = None) -> str:
    """`{CLASS}-{YYYY}{MM}{SEQ:4d}`: one counter per class per month (5 digits past 9999)."""
    local = business_time(when)
    period = f"{local:%Y%m}"
    seq = get_next_value(f"entitlement.{entitlement_class}.{period}")
    return f"{entitlement_class}-{period}{seq:04d}"


def next_ticket_number(when: datetime | None = None) -> str:
    """`SR-{YYYY}{SEQ:4d}`: one counter per calendar year (5 digits past 9999)."""
    year = f"{business_time(when):%Y}"
    return f"SR-{year}{get_next_value(f'ticket.{year}'):04d}"
