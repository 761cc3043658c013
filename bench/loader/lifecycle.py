"""The models' lifecycles as the loader uses them: read from their django-fsm transitions.

A loaded object's statuses and history rows are a walk along its model's transitions: the
creation row starts at the status field's default, and each later row is a transition the FSM
allows from the status before it, ending where the transition's target says. Nothing here knows
a status or a transition by name; a change of the models' lifecycles changes what is loaded (or
makes the load fail loudly when a story no longer fits).
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Any

from django.db import models
from django_fsm import ANY_OTHER_STATE, ANY_STATE, Transition

from tickets.models import Ticket
from tickets.sla import Targets, due_times

Step = tuple[str, str, str]  # (from status, to status, transition)


class Lifecycle:
    """A model's status graph: what a transition leads to, and the paths between statuses.

    Conditions (`conditions=[...]` on a transition) are checked on the `subject` passed in; a
    conditional transition is never taken without one.
    """

    def __init__(self, model: type[models.Model], field: str = "status") -> None:
        status = model._meta.get_field(field)
        self.initial = str(status.get_default())  # plain strings: the choices' values
        states = [str(value) for value, _label in status.choices]
        self.moves: dict[str, list[Transition]] = {state: [] for state in states}
        for transition in status.get_all_transitions(model):
            for source in _sources(transition, states):
                self.moves[source].append(transition)
        # The unconditional moves, for the hot path (a million tickets).
        self._plain = {
            (source, t.name): str(t.target) for source, ts in self.moves.items() for t in ts
            if not t.conditions
        }  # fmt: skip

    def after(self, status: str, name: str, subject: Any = None) -> str:
        """The status transition `name` leads to from `status` (ValueError if not allowed)."""
        target = self._plain.get((status, name))
        if target is not None:
            return target
        for transition in self.moves.get(status, []):
            if transition.name == name and self._allowed(transition, subject):
                return str(transition.target)
        raise ValueError(f"{name} is not a transition from {status!r}.")

    def path(self, *stops: str, subject: Any = None) -> list[Step]:
        """The shortest walk from the initial status through each of `stops` in turn."""
        steps: list[Step] = []
        here = self.initial
        for stop in stops:
            steps += self._shortest(here, stop, subject)
            here = stop
        return steps

    def _shortest(self, start: str, goal: str, subject: Any) -> list[Step]:
        came: dict[str, Step | None] = {start: None}
        queue = deque([start])
        while queue and goal not in came:
            here = queue.popleft()
            for transition in self.moves.get(here, []):
                target = str(transition.target)
                if target not in came and self._allowed(transition, subject):
                    came[target] = (here, target, transition.name)
                    queue.append(target)
        if goal not in came:
            raise ValueError(f"No path from {start!r} to {goal!r}.")
        steps: list[Step] = []
        while (step := came[goal]) is not None:
            steps.append(step)
            goal = step[0]
        return steps[::-1]

    @staticmethod
    def _allowed(transition: Transition, subject: Any) -> bool:
        if not transition.conditions:
            return True
        return subject is not None and all(check(subject) for check in transition.conditions)


def _sources(transition: Transition, states: list[str]) -> list[str]:
    if transition.source == ANY_STATE:
        return states
    if transition.source == ANY_OTHER_STATE:
        return [s for s in states if s != str(transition.target)]
    return [str(transition.source)]


class TicketClock:
    """One generated ticket's SLA clock, moved by the model's own clock methods.

    Due and risk times start as `ticket_create` sets them (tickets/sla.py's `due_times` from the
    creation time and the targets); `Ticket.pause_clock`, `resume_clock` and `credit` then move
    them exactly as the transitions do. They touch these attributes only, so they run on this
    slotted object: a model instance per row would add about half a minute per million tickets.
    """

    __slots__ = (
        "first_response_at",
        "paused_at",
        "paused_seconds",
        "resolution_due_at",
        "resolution_risk_at",
        "response_due_at",
        "response_risk_at",
    )
    pause_clock = Ticket.pause_clock
    resume_clock = Ticket.resume_clock
    credit = Ticket.credit

    def __init__(self, created: datetime, targets: Targets) -> None:
        (
            self.response_due_at,
            self.response_risk_at,
            self.resolution_due_at,
            self.resolution_risk_at,
        ) = due_times(created, targets)
        self.first_response_at: datetime | None = None
        self.paused_at: datetime | None = None
        self.paused_seconds = 0
