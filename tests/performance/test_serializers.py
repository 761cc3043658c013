"""The hand-written TicketSerializer.to_representation says exactly what DRF's fields would."""

from __future__ import annotations

from rest_framework import serializers

from tickets.api.serializers import TicketSerializer
from tickets.models import Ticket


def _drf(ticket: Ticket) -> dict:
    """DRF's generic field-by-field representation of the same declared fields."""
    return serializers.ModelSerializer.to_representation(TicketSerializer(), ticket)


def test_fast_representation_equals_drf(world):
    tickets = list(Ticket.objects.with_related_names().order_by("id"))
    assert len(tickets) >= 24
    for ticket in tickets:
        fast = TicketSerializer(ticket).data
        assert list(fast) == TicketSerializer.Meta.fields
        assert fast == _drf(ticket), ticket.number
    # Nulls and values both occur among the compared fields.
    rows = [TicketSerializer(t).data for t in tickets]
    for name in ("assignee_id", "first_response_at", "resolved_at", "rating", "type"):
        assert any(r[name] is None for r in rows), name
        assert any(r[name] is not None for r in rows), name


def test_fast_representation_without_the_annotations(world):
    ticket = Ticket.objects.get(pk=world.busy_ticket.pk)  # plain manager: no annotations
    assert TicketSerializer(ticket).data == _drf(ticket)
