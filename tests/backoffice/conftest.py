"""The service request fixtures (SLA targets, entitlements, tickets made through the actions)."""

from tests.tickets.conftest import (  # noqa: F401 (fixtures)
    _default_sla_targets,
    env_entitlement,
    make_ticket,
    staff2,
)
