"""Template filters of the portal: translated labels of stored values."""

from __future__ import annotations

from django import template

from portal.labels import label as _label

register = template.Library()


@register.filter
def label(value: object) -> str:
    """`{{ ticket.status|label }}`: the value's translated label."""
    return _label(value)


@register.filter
def has(values: object, value: object) -> bool:
    """`{% if member.scopes|has:"tickets" %}`: membership of a list."""
    return value in (values or [])
