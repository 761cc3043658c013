"""Fixtures for the service tests: SVC entitlements, services, an admin login."""

import pytest
from django.test import Client

from accounts.models import User
from entitlements.models import Entitlement
from services.models import Service
from tests.factories import EntitlementFactory, ServiceFactory, StaffFactory


@pytest.fixture
def svc_entitlement(org) -> Entitlement:
    return EntitlementFactory(organization=org, entitlement_class="SVC")


@pytest.fixture
def service(org) -> Service:
    return ServiceFactory(entitlement__organization=org, status=Service.Status.IN_PROGRESS)


@pytest.fixture
def other_service(other_org) -> Service:
    return ServiceFactory(entitlement__organization=other_org)


@pytest.fixture
def superuser(db) -> User:
    return StaffFactory(is_superuser=True)


@pytest.fixture
def staff_admin(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client
