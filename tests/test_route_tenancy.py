"""Every route of the account API and both compatibility APIs decides its organization through
the one resolver (accounts.tenancy), in a declared way; a view that bypasses it fails here."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.access import OrgScopedViewSet
from tests.conftest import client_for
from tickets.compat.common import CompatView

KINDS = {"organization", "compat", "organization-in-path", "own-account"}
API_PREFIXES = ("wp-json/middag-account/v1/", "api/v1/")


def _routes(patterns=None, prefix: str = ""):
    """(route, view class) of every DRF route below the root URLconf."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            cls = getattr(pattern.callback, "cls", None)
            if cls is not None and route.lstrip("^").startswith(API_PREFIXES):
                yield route, cls


ROUTES = sorted({(route, cls) for route, cls in _routes()}, key=lambda row: row[0])


def test_the_apis_have_routes():
    assert len(ROUTES) > 30


@pytest.mark.parametrize(("route", "cls"), ROUTES, ids=[route for route, _ in ROUTES])
def test_every_route_declares_how_it_decides_the_organization(route, cls):
    assert cls.tenancy in KINDS, f"{cls.__name__} ({route}) declares no tenancy kind"
    if cls.tenancy == "organization":
        assert issubclass(cls, OrgScopedViewSet)
        assert "get_queryset" not in vars(cls)
    if cls.tenancy == "compat":
        assert issubclass(cls, CompatView)


def test_a_viewset_that_overrides_get_queryset_is_refused():
    with pytest.raises(TypeError, match="never get_queryset"):

        class Leaky(OrgScopedViewSet):
            def get_queryset(self):
                return []


LIST_ROUTES = [
    (route, cls)
    for route, cls in ROUTES
    if cls.tenancy in {"organization", "compat"}
    and "(?P<" not in route
    and "<" not in route
    and hasattr(cls, "get")
]


def _path(route: str) -> str:
    return "/" + re.sub(r"[\^$?]|/\?|\\\.\(\?P<format>\[a-z0-9\]\+\)/\?", "", route).rstrip("/")


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "cls"), LIST_ROUTES, ids=[route for route, _ in LIST_ROUTES])
def test_naming_another_organization_is_refused_on_every_list(route, cls, member, other_org):
    """The resolver runs on every organization route: a member naming an organization they do
    not belong to is refused before anything is read."""
    api = client_for(member, other_org)
    response = api.get(_path(route))
    assert response.status_code == 403, (route, response.status_code, response.content)
