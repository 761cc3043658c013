"""Fixtures for the environment and service tests: entitlements, environments, an admin login."""

import pytest
from django.test import Client

from accounts.models import User
from entitlements.models import Entitlement
from environments.models import Environment
from tests.factories import EntitlementFactory, EnvironmentFactory, StaffFactory


@pytest.fixture
def env_entitlement(org) -> Entitlement:
    return EntitlementFactory(organization=org, entitlement_class="ENV")


@pytest.fixture
def environment(org) -> Environment:
    return EnvironmentFactory(entitlement__organization=org, status=Environment.Status.ACTIVE)


@pytest.fixture
def other_environment(other_org) -> Environment:
    return EnvironmentFactory(entitlement__organization=other_org)


@pytest.fixture
def superuser(db) -> User:
    return StaffFactory(is_superuser=True)


@pytest.fixture
def staff_admin(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client
