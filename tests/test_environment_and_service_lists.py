"""The environment and service lists keep the same contract: one test, once per resource."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import API
from tests.factories import EnvironmentFactory, ServiceFactory


@dataclass(frozen=True)
class Resource:
    url: str
    own: str  # the fixture of an object of `org`
    other: str  # the fixture of an object of `other_org`
    make: Callable  # make(org): one more object of the organization


RESOURCES = [
    pytest.param(
        Resource(
            f"{API}/environments",
            "environment",
            "other_environment",
            lambda org: EnvironmentFactory(entitlement__organization=org),
        ),
        id="environments",
    ),
    pytest.param(
        Resource(
            f"{API}/services",
            "service",
            "other_service",
            lambda org: ServiceFactory(entitlement__organization=org),
        ),
        id="services",
    ),
]


@pytest.mark.parametrize("page_size", [2, 50])
@pytest.mark.parametrize("resource", RESOURCES)
def test_list_query_count_is_constant(
    resource, page_size, member_api, org, django_assert_max_num_queries
):
    for _ in range(page_size + 1):
        resource.make(org)
    with django_assert_max_num_queries(6):
        response = member_api.get(resource.url, {"per_page": page_size})
    assert response.status_code == 200
    assert len(response.json()["data"]) == page_size


@pytest.mark.parametrize("resource", RESOURCES)
def test_list_query_count_is_the_same_at_two_page_sizes(resource, member_api, org):
    for _ in range(30):
        resource.make(org)
    counts = []
    for page_size in (1, 30):
        with CaptureQueriesContext(connection) as ctx:
            assert member_api.get(resource.url, {"per_page": page_size}).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("resource", RESOURCES)
def test_staff_without_header_sees_every_organization(resource, request, staff_api):
    own, other = request.getfixturevalue(resource.own), request.getfixturevalue(resource.other)
    response = staff_api.get(resource.url)
    assert {item["id"] for item in response.json()["data"]} == {own.pk, other.pk}


@pytest.mark.parametrize("resource", RESOURCES)
def test_other_organization_is_invisible(resource, request, member_api):
    own, other = request.getfixturevalue(resource.own), request.getfixturevalue(resource.other)
    listed = member_api.get(resource.url).json()["data"]
    assert [item["id"] for item in listed] == [own.pk]
    for path in (f"{resource.url}/{other.pk}", f"{resource.url}/{other.pk}/history"):
        response = member_api.get(path)
        assert response.status_code == 404, path
        assert response.json()["errors"]["code"] == "NOT_FOUND"
