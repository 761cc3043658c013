"""One load's state, shared by its steps: the random generator, now, the tables, the counters."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TextIO

from django.db import models
from django.utils import timezone

from bench.loader.bulk import Counters, Table

# (entitlement id, environment id | None, service id | None, class, SLA tier)
Target = tuple[int, int | None, int | None, str, str]


@dataclass
class Org:
    id: int
    index: int
    tier: str
    created: datetime
    requesters: list[int] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)  # what its requests may be raised for


class Context:
    """What the steps share; each step adds what the next ones read (orgs, agents, weights)."""

    def __init__(
        self, *, tickets: int, orgs: int, days: int, seed: int, progress_stream: TextIO | None
    ) -> None:
        self.n_tickets, self.n_orgs, self.days = tickets, orgs, days
        self.rng = random.Random(seed)  # noqa: S311  (reproducible data, not secrets)
        self.now = timezone.now().replace(microsecond=0)
        self.window_start = self.now - timedelta(days=days)
        self.progress_stream = progress_stream
        self.counters = Counters()
        self.timings: dict[str, float] = {}
        self.tables: dict[str, Table] = {}
        self.orgs: list[Org] = []
        self.org_weights: list[float] = []
        self.agents: list[int] = []
        self.categories: list[int | None] = []

    def table(self, model: type[models.Model], attnames: list[str]) -> Table:
        """The model's COPY target (the first call's columns), counted in the summary."""
        key = model._meta.label
        if key not in self.tables:
            self.tables[key] = Table(model, attnames, self.now)
        return self.tables[key]

    def timed(self, name: str, started: float) -> None:
        self.timings[name] = time.monotonic() - started
