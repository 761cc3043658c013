"""Fixtures of the portal tests: an organization with an active environment, a service, a
request opened through tickets.actions, and test clients signed in by session."""

import importlib
from collections.abc import Callable

import pytest
from django.apps import apps
from django.test import Client

from accounts.models import User
from tests.factories import EntitlementFactory, EnvironmentFactory, ServiceFactory
from tickets import actions
from tickets.models import Ticket


@pytest.fixture(autouse=True)
def _default_sla_targets(db):
    """The migration's SLA targets and categories (a transactional test flushes them)."""
    seed = importlib.import_module(
        "tickets.migrations.0001_squashed_0005_ticket_org_status_priority_index"
    )
    seed.seed(apps, None)


@pytest.fixture
def environment(org):
    entitlement = EntitlementFactory(organization=org, entitlement_class="ENV", sla_tier="business")
    return EnvironmentFactory(entitlement=entitlement, organization=org, name="Campus Moodle")


@pytest.fixture
def service(org):
    entitlement = EntitlementFactory(organization=org, entitlement_class="SVC")
    return ServiceFactory(entitlement=entitlement, organization=org, name="Theme project")


@pytest.fixture
def other_environment(other_org):
    entitlement = EntitlementFactory(organization=other_org, entitlement_class="ENV")
    return EnvironmentFactory(entitlement=entitlement, organization=other_org, name="Elsewhere")


@pytest.fixture
def open_request(member, environment) -> Callable[..., Ticket]:
    """Open a request through tickets.actions (number, SLA times, history), by `member`."""

    def make(actor: User | None = None, **kwargs) -> Ticket:
        kwargs.setdefault("title", "Quiz page is slow")
        kwargs.setdefault("description", "Since Monday the quiz page takes ten seconds.")
        return actions.ticket_create(
            actor=actor or member, environment=kwargs.pop("environment", environment), **kwargs
        )

    return make


@pytest.fixture
def ticket(open_request) -> Ticket:
    return open_request()


@pytest.fixture
def other_ticket(other_owner, other_environment) -> Ticket:
    return actions.ticket_create(
        actor=other_owner, environment=other_environment, title="Theirs", description="Not yours."
    )


@pytest.fixture
def portal_client() -> Callable[[User], Client]:
    """A browser-like client signed in as `user` (session), answering in English."""

    def make(user: User, **headers: str) -> Client:
        client = Client(headers={"Accept-Language": "en", **headers})
        client.force_login(user)
        return client

    return make
