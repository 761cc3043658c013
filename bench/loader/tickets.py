"""Service requests with their conversations and history, a chunk at a time.

Each ticket is simulated along a timeline; the transitions that have happened by now are played
through the model's lifecycle (bench/loader/lifecycle.py): the FSM gives each status, the ticket's
clock methods move the SLA times, and every transition is one history row, as the actions record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from bench.loader.bulk import Progress, reserve_ids
from bench.loader.context import Context, Org
from bench.loader.lifecycle import Lifecycle, TicketClock
from bench.loader.shape import (
    CHUNK,
    CLIENT_REPLIES,
    DAY,
    DESCRIPTIONS,
    FIXES,
    HISTORY_FIELDS,
    NOTES,
    PLACES,
    PRIORITIES,
    SOURCES,
    STAFF_REPLIES,
    TITLES,
    UNTARGETED_RESOLUTION,
    UNTARGETED_RESPONSE,
    H,
)
from config.numbering import business_time, format_ticket_number, ticket_counter
from entitlements.models import SlaTier
from tickets.models import Priority, Reply, Ticket, TicketStatusChange
from tickets.sla import Targets, targets_for

MODELS = [Ticket, Reply, TicketStatusChange]
TICKET = Lifecycle(Ticket)
TICKET_FIELDS = [
    "id", "number", "title", "description", "status", "priority", "source", "due_at",
    "response_due_at", "resolution_due_at", "first_response_at", "paused_at", "paused_seconds",
    "resolved_at", "closed_at", "rating", "rated_at", "created_at", "updated_at", "assignee_id",
    "entitlement_id", "environment_id", "organization_id", "rated_by_id", "requester_id",
    "service_id", "category_id", "resolution_risk_at", "response_risk_at",
]  # fmt: skip
Event = tuple[str, datetime, int | None, str]  # (transition, when, by, reason)


def all_targets() -> dict[tuple[str, str], Targets]:
    """tickets/sla.py's targets of every tier and priority, read once for the whole load."""
    return {(t, p): targets_for(t, p) for t in SlaTier.values for p in Priority.values}


class TicketNumbers:
    """SR numbers in creation order: the domain's yearly counter and format.

    The business year (config/numbering.py's `ticket_counter`) is looked up again only when a
    ticket is created outside the year of the one before, which keeps it off the hot path.
    """

    def __init__(self, ctx: Context) -> None:
        self.counters = ctx.counters
        self.since = self.until = None
        self.year = self.counter = ""

    def next(self, created: datetime) -> str:
        if self.since is None or not self.since <= created < self.until:
            self.year, self.counter = ticket_counter(created)
            start = business_time(created).replace(
                month=1, day=1, hour=0, minute=0, second=0, microsecond=0
            )
            self.since, self.until = start, start.replace(year=start.year + 1)
        return format_ticket_number(self.year, self.counters.next(self.counter))


def load_tickets(ctx: Context, targets: dict[tuple[str, str], Targets]) -> None:
    """`ctx.n_tickets` requests over the window, each organization its share, oldest first."""
    rng, n = ctx.rng, ctx.n_tickets
    span = (ctx.now - ctx.window_start).total_seconds()
    # Volume grows over time (sqrt skews creation times towards now); sorted, so ids and
    # numbers increase with creation time as they do in production.
    offsets = sorted(span * math.sqrt(rng.random()) for _ in range(n))
    owners = _owners(ctx)
    ticket_start = reserve_ids(Ticket, n)
    tickets = ctx.table(Ticket, TICKET_FIELDS)
    replies = ctx.table(Reply, ["ticket_id", "author_id", "message", "internal", "created_at"])
    history = ctx.table(TicketStatusChange, HISTORY_FIELDS)
    progress = Progress("tickets", n, ctx.progress_stream)
    numbers = TicketNumbers(ctx)
    for lo in range(0, n, CHUNK):
        rows: tuple[list, list, list] = ([], [], [])
        for k in range(lo, min(lo + CHUNK, n)):
            created = ctx.window_start + timedelta(seconds=int(offsets[k]))
            org = ctx.orgs[owners[k]]
            _ticket(ctx, targets, ticket_start + k, numbers.next(created), created, org, rows)
        tickets.copy(rows[0])
        replies.copy(rows[1])
        history.copy(rows[2])
        progress.advance(len(rows[0]))


def _owners(ctx: Context) -> list[int]:
    """Exactly each organization's share of the tickets (largest remainders), in random order."""
    n = ctx.n_tickets
    exact = [w * n for w in ctx.org_weights]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(ctx.n_orgs), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    owners = [i for i, k in enumerate(counts) for _ in range(k)]
    ctx.rng.shuffle(owners)
    return owners


@dataclass(slots=True)
class Timeline:
    """When each step of a request would happen; what has happened by `now` is its story."""

    now: datetime
    created: datetime
    first: datetime  # the first staff reply
    wait_from: datetime
    wait_len: timedelta
    resolved: datetime
    closed: datetime
    cancel: datetime
    waits: bool
    cancels: bool

    @property
    def wait_to(self) -> datetime:
        return self.wait_from + self.wait_len

    def happened(self, at: datetime) -> bool:
        return at <= self.now and not (self.cancels and at > self.cancel)


def _pace(minutes: int | None, untargeted: timedelta) -> timedelta:
    return timedelta(minutes=minutes) if minutes else untargeted


def _timeline(ctx: Context, created: datetime, targets: Targets) -> Timeline:
    rng = ctx.rng
    response = _pace(targets.first_response_minutes, UNTARGETED_RESPONSE)
    resolution = _pace(targets.resolution_minutes, UNTARGETED_RESOLUTION)
    late = rng.random()
    fr_delay = response * (rng.uniform(0.05, 0.9) if late < 0.88 else rng.uniform(1.05, 3))
    tail = rng.random()
    # Most requests are resolved in time, some late, a few linger for weeks (the backlog).
    if tail < 0.82:
        res_delay = resolution * rng.uniform(0.1, 0.95)
    elif tail < 0.97:
        res_delay = resolution * rng.uniform(1.05, 2.0)
    else:
        res_delay = resolution * rng.uniform(2.0, 20.0)
    res_delay = max(res_delay, fr_delay * 1.2)
    first = created + fr_delay
    waits = rng.random() < 0.3
    wait_from = first + (res_delay - fr_delay) * rng.uniform(0.1, 0.5)
    wait_len = timedelta(seconds=rng.uniform(3600, 3 * 86400)) if waits else timedelta(0)
    resolved = created + res_delay + wait_len
    closed = resolved + timedelta(seconds=rng.uniform(3600, 7 * 86400))
    cancel = created + (resolved - created) * rng.uniform(0.05, 0.95)
    cancels = rng.random() < 0.05
    return Timeline(
        ctx.now, created, first, wait_from, wait_len, resolved, closed, cancel, waits, cancels
    )


def _events(t: Timeline, requester: int, agent: int) -> list[Event]:
    """The transitions that have happened by now, in order."""
    events: list[Event] = []
    if t.happened(t.first):
        events.append(("start", t.first, agent, ""))
    if t.waits and t.happened(t.first) and t.happened(t.wait_from):
        events.append(("wait", t.wait_from, agent, ""))
        if t.happened(t.wait_to):
            events.append(("start", t.wait_to, requester, "The client replied."))
    if t.happened(t.resolved):
        events.append(("resolve", t.resolved, agent, ""))
        if t.happened(t.closed):
            events.append(("close", t.closed, None, ""))
    if t.cancels and t.cancel <= t.now:
        events.append(("cancel", t.cancel, requester, ""))
    return events


def _play(
    tid: int, t: Timeline, clock: TicketClock, events: list[Event], by: int, h_rows: list
) -> tuple[str, datetime | None, datetime | None]:
    """Run `events` through the lifecycle: (status, resolved_at, closed_at); history rows added.

    Besides the status, each transition does what the model's does (Ticket.start, wait, resolve,
    close, cancel), at the event's time instead of now: the clock through its own methods.
    """
    status, resolved_at, closed_at = TICKET.initial, None, None
    h_rows.append((None, status, "create", t.created, by, "", tid))
    for name, at, who, reason in events:
        before, status = status, TICKET.after(status, name)
        if name == "wait":
            clock.pause_clock(at)
        elif name in ("start", "resolve", "cancel"):
            clock.resume_clock(at)
        if name == "resolve":
            resolved_at = at
        elif name in ("close", "cancel"):
            closed_at = at
        h_rows.append((before, status, name, at, who, reason, tid))
    return status, resolved_at, closed_at


def _ticket(
    ctx: Context, targets_by: dict, tid: int, number: str, created: datetime, org: Org, rows
) -> None:
    rng, now = ctx.rng, ctx.now
    t_rows, r_rows, h_rows = rows
    ent_id, env_id, svc_id, _cls, tier = rng.choice(org.targets)
    priority = rng.choice(PRIORITIES)
    requester = rng.choice(org.requesters)
    agent = rng.choice(ctx.agents)
    targets = targets_by[(tier, priority)]
    t = _timeline(ctx, created, targets)
    events = _events(t, requester, agent)
    clock = TicketClock(created, targets)  # as ticket_create sets it
    if t.happened(t.first):
        clock.first_response_at = t.first  # the first public staff reply (below)
    status, resolved_at, closed_at = _play(tid, t, clock, events, requester, h_rows)
    assignee = agent if clock.first_response_at or rng.random() < 0.25 else None
    rating = rated_at = rated_by = None
    if resolved_at and rng.random() < 0.35:
        rating = rng.choices([1, 2, 3, 4, 5], [5, 5, 15, 35, 40])[0]
        rated_at = min(resolved_at + H, now)
        rated_by = requester
    updated = max(events[-1][1] if events else created, rated_at or created)
    t_rows.append(
        (tid, number, f"{rng.choice(TITLES)} on {rng.choice(PLACES)}",
         rng.choice(DESCRIPTIONS), status, priority, rng.choice(SOURCES),
         now + 7 * DAY if rng.random() < 0.03 else None,
         clock.response_due_at, clock.resolution_due_at, clock.first_response_at,
         clock.paused_at, clock.paused_seconds, resolved_at, closed_at, rating, rated_at,
         created, updated, assignee, ent_id, env_id, org.id, rated_by, requester, svc_id,
         rng.choice(ctx.categories), clock.resolution_risk_at, clock.response_risk_at)
    )  # fmt: skip
    _replies(ctx, tid, t, requester, agent, resolved_at, r_rows)


def _replies(
    ctx: Context, tid: int, t: Timeline, requester: int, agent: int, resolved_at, r_rows: list
) -> None:
    """The conversation: the first public staff reply is the first response."""
    rng, soon = ctx.rng, t.created + timedelta(minutes=10)
    if rng.random() < 0.4 and t.happened(soon):
        r_rows.append((tid, requester, rng.choice(CLIENT_REPLIES), False, soon))
    if t.happened(t.first):
        r_rows.append((tid, agent, rng.choice(STAFF_REPLIES), False, t.first))
        if rng.random() < 0.3 and t.happened(t.first + H) and t.first + H < t.resolved:
            r_rows.append((tid, agent, rng.choice(NOTES), True, t.first + H))
    if t.waits and t.happened(t.first) and t.happened(t.wait_from):
        r_rows.append((tid, agent, STAFF_REPLIES[2], False, t.wait_from))
        if t.happened(t.wait_to):
            r_rows.append((tid, requester, CLIENT_REPLIES[1], False, t.wait_to))
    if resolved_at:
        r_rows.append((tid, agent, rng.choice(FIXES), False, t.resolved))
