"""A realistic data set at scale, fast: what `manage.py load_scale_data --tickets N` loads.

Organizations with members of every role, entitlements of every class (with orders, licenses and
contracts), environments, services, and service requests across statuses, priorities and SLA
states, with their conversations and history. Everything is written with PostgreSQL COPY in one
transaction; ids come from each table's own sequence (reserved under a table lock) and the gapless
counters of django-sequences are advanced to the last number used, so creations after the load
continue the numbering.

The rows tell a consistent story: each ticket is simulated along a timeline (first staff reply,
a wait for the client, resolution, closing or cancellation) and what has happened by now decides
its status, SLA times, replies and one history row per transition; the SLA status then follows
from the stored times exactly as for tickets made through the actions. Organizations are
isolated: members belong to one organization, and a ticket's requester, entitlement, environment
and service all belong to the ticket's organization.

The loader writes in bulk but decides nothing the domain decides: SR numbers and entitlement
codes come from config/numbering.py's counters and formats, due and risk times from
tickets/sla.py (`targets_for`, `due_times`) moved by the ticket's own clock methods, and every
status and history row from the models' FSM transitions (bench/loader/lifecycle.py).

The benchmark's client is the member `client@scale-0001.example` of the largest organization
(`scale-0001`, 2 % of the tickets); staff is `agent01@middag-scale.example`; every scale user's
password is `scale-password`. Idempotent: when scale organizations exist, nothing is loaded.

    shape.py         sizes, shares and the words of the generated rows
    bulk.py          COPY, id reservation, deferred indexes, the sequence counters, progress
    lifecycle.py     statuses and transitions read from the models' FSM; the ticket clock
    context.py       one load's state (random generator, now, tables, organizations)
    people.py        organizations, users, memberships
    entitlements.py  entitlements, environments, services, orders, licenses, contracts
    tickets.py       tickets, replies, history
    main.py          the whole load, the summary, VACUUM ANALYZE
"""

from bench.loader.shape import CLIENT_EMAIL, PASSWORD, SLUG_PREFIX, STAFF_EMAIL

__all__ = ["CLIENT_EMAIL", "PASSWORD", "SLUG_PREFIX", "STAFF_EMAIL"]
