"""Shared fixtures: users with tokens, organizations with members of every role, API clients.

Tests marked `postgres` need PostgreSQL; on SQLite they are skipped, unless REQUIRE_POSTGRES=1
(as in CI), where running them on SQLite is an error.
"""

import os
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Membership, Organization, User
from accounts.tokens import issue_pair
from entitlements.models import Entitlement
from environments.models import Environment
from services.models import Service
from tests.factories import (
    EntitlementFactory,
    EnvironmentFactory,
    MembershipFactory,
    OrganizationFactory,
    OwnerMembershipFactory,
    ServiceFactory,
    StaffFactory,
    UserFactory,
)

API = "/wp-json/middag-account/v1"


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL.")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    """Tests hash many passwords; a fast hasher keeps the suite quick (production keeps PBKDF2)."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _attachments_in_a_temporary_folder(tmp_path_factory):
    """Attachment files written by any test land in a folder of the run, never in var/."""
    from django.conf import settings
    from django.test import override_settings

    root = tmp_path_factory.mktemp("attachments")
    storages = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    with override_settings(STORAGES=storages):
        yield root


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # throttle counters must not leak between tests
    yield
    cache.clear()


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def client_for(
    user: User | None, org: Organization | None = None, *, header: bool = True
) -> APIClient:
    """An API client with a bearer token for `user` and the organization header for `org`."""
    client = APIClient()
    if user is not None:
        token = issue_pair(user, org)["access_token"]
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    if org is not None and header:
        client.defaults["HTTP_X_MIDDAG_ORGANIZATION"] = str(org.pk)
    return client


@pytest.fixture
def api_client_for() -> Callable[..., APIClient]:
    return client_for


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def org(db) -> Organization:
    return OrganizationFactory(name="Acme Learning")


@pytest.fixture
def other_org(db) -> Organization:
    return OrganizationFactory(name="Other Org")


@pytest.fixture
def owner(org) -> User:
    return OwnerMembershipFactory(organization=org).user


@pytest.fixture
def admin_user(org) -> User:
    return MembershipFactory(organization=org, role=Membership.Role.ADMIN, scopes=[]).user


@pytest.fixture
def member(org, owner) -> User:
    return MembershipFactory(organization=org, role=Membership.Role.MEMBER).user


@pytest.fixture
def guest(org, owner) -> User:
    return MembershipFactory(organization=org, role=Membership.Role.GUEST).user


@pytest.fixture
def scopeless_member(org, owner) -> User:
    return MembershipFactory(organization=org, role=Membership.Role.MEMBER, scopes=[]).user


@pytest.fixture
def other_owner(other_org) -> User:
    return OwnerMembershipFactory(organization=other_org).user


@pytest.fixture
def staff(db) -> User:
    return StaffFactory()


@pytest.fixture(params=["system", "staff"])
def staff_actor(request, staff) -> User | None:
    """The system (None, a management command) and a staff user may do what staff may."""
    return None if request.param == "system" else staff


@pytest.fixture
def user(db) -> User:
    return UserFactory()


@pytest.fixture
def superuser(db) -> User:
    return StaffFactory(is_superuser=True)


@pytest.fixture
def staff_admin(superuser) -> Client:
    """The admin site, logged in as a superuser."""
    client = Client()
    client.force_login(superuser)
    return client


# --- one entitlement-backed object of each kind (tickets/ and compat/ define their own) ---


@pytest.fixture
def env_entitlement(org) -> Entitlement:
    return EntitlementFactory(organization=org, entitlement_class="ENV")


@pytest.fixture
def svc_entitlement(org) -> Entitlement:
    return EntitlementFactory(organization=org, entitlement_class="SVC")


@pytest.fixture
def environment(org) -> Environment:
    return EnvironmentFactory(entitlement__organization=org, status=Environment.Status.ACTIVE)


@pytest.fixture
def service(org) -> Service:
    return ServiceFactory(entitlement__organization=org, status=Service.Status.IN_PROGRESS)


@pytest.fixture
def other_environment(other_org) -> Environment:
    return EnvironmentFactory(entitlement__organization=other_org)


@pytest.fixture
def other_service(other_org) -> Service:
    return ServiceFactory(entitlement__organization=other_org)


@pytest.fixture
def member_api(member, org) -> APIClient:
    return client_for(member, org)


@pytest.fixture
def owner_api(owner, org) -> APIClient:
    return client_for(owner, org)


@pytest.fixture
def guest_api(guest, org) -> APIClient:
    return client_for(guest, org)


@pytest.fixture
def staff_api(staff) -> APIClient:
    return client_for(staff)


@pytest.fixture
def other_api(other_owner, other_org) -> APIClient:
    return client_for(other_owner, other_org)


def assert_envelope(body: dict, *, success: bool) -> None:
    assert set(body) == {"success", "data", "meta", "message", "errors"}
    assert body["success"] is success
    if not success:
        assert body["data"] is None
        assert set(body["errors"]) >= {"code", "detail"}
