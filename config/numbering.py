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


def entitlement_counter(entitlement_class: str, when: datetime | None = None) -> tuple[str, str]:
    """(period `YYYYMM`, counter name) of an entitlement made at `when`: one per class and month."""
    period = f"{business_time(when):%Y%m}"
    return period, f"entitlement.{entitlement_class}.{period}"


def format_entitlement_code(entitlement_class: str, period: str, seq: int) -> str:
    """`{CLASS}-{YYYY}{MM}{SEQ:4d}` (5 digits past 9999)."""
    return f"{entitlement_class}-{period}{seq:04d}"


def next_entitlement_code(entitlement_class: str, when: datetime | None = None) -> str:
    """`{CLASS}-{YYYY}{MM}{SEQ:4d}`: one counter per class per month (5 digits past 9999)."""
    period, counter = entitlement_counter(entitlement_class, when)
    return format_entitlement_code(entitlement_class, period, get_next_value(counter))


def ticket_counter(when: datetime | None = None) -> tuple[str, str]:
    """(year `YYYY`, counter name) of a ticket made at `when`: one counter per business year."""
    year = f"{business_time(when):%Y}"
    return year, f"ticket.{year}"


def format_ticket_number(year: str | int, seq: int) -> str:
    """`SR-{YYYY}{SEQ:4d}` (5 digits past 9999)."""
    return f"SR-{year}{seq:04d}"


def next_ticket_number(when: datetime | None = None) -> str:
    """`SR-{YYYY}{SEQ:4d}`: one counter per calendar year (5 digits past 9999)."""
    year, counter = ticket_counter(when)
    return format_ticket_number(year, get_next_value(counter))
