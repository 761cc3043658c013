"""The entitlement endpoints against seed 004 and SPEC §2: fields, filters, scoping, writes."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from entitlements.models import Entitlement, EntitlementStatusChange, Order, OrderEntitlement
from tests.conftest import API, assert_envelope, client_for
from tests.factories import (
    ContractFactory,
    LicenseFactory,
    OrderFactory,
    OrganizationFactory,
)
from tests.helpers import created_data, keys, the_only_item, validation_error_fields

pytestmark = pytest.mark.django_db

# The keys of each body, as seed 004 documents them.
LIST_FIELDS = keys(
    "id code class product_name status organization_id company expires_at auto_created "
    "created_at updated_at"
)
DETAIL_FIELDS = keys(
    "id code class product_name product_description status organization_id company "
    "expires_at quote_id auto_created metadata created_at updated_at"
)
ORDER_FIELDS = keys(
    "id number status total currency date_created date_completed payment_method items_count"
)
LICENSE_FIELDS = keys(
    "id license_key product_name status entitlement_id entitlement_code activations_limit "
    "activations_count activated_domains expires_at created_at"
)
CONTRACT_FIELDS = keys(
    "id title status start_date end_date organization_id entitlement_id created_at"
)
HISTORY_FIELDS = keys("from_status to_status changed_at changed_by reason")

TRANSITION_PATHS = ["suspend", "reactivate", "expire", "renew", "cancel", "win-back"]


def link(order: Order, entitlement: Entitlement, kind: str = "created") -> None:
    OrderEntitlement.objects.create(order=order, entitlement=entitlement, kind=kind)


# --- reads: fields ------------------------------------------------------------------------


def test_list_fields_as_seed_004(member_api, make_entitlement, org):
    entitlement = make_entitlement(
        entitlement_class="PLG", product_name="Campus EAD", auto_created=True
    )
    item = the_only_item(member_api.get(f"{API}/entitlements"))
    assert set(item) == LIST_FIELDS
    assert item["id"] == entitlement.pk
    assert item["code"] == entitlement.code
    assert item["class"] == "PLG"
    assert item["product_name"] == "Campus EAD"
    assert item["status"] == "active"
    assert item["organization_id"] == org.pk
    assert item["company"] == "middag_br"
    assert item["auto_created"] is True
    assert item["created_at"].endswith("Z")


def test_detail_and_code_lookup_fields_as_seed_004(member_api, make_entitlement):
    entitlement = make_entitlement(
        entitlement_class="PLG",
        product_name="Campus EAD",
        product_description="Plugin suite",
        quote_id=77,
        metadata={"seats": 500},
        expires_at=datetime(2027, 4, 1, tzinfo=UTC),
    )
    detail = member_api.get(f"{API}/entitlements/{entitlement.pk}")
    assert detail.status_code == 200
    data = detail.json()["data"]
    assert set(data) == DETAIL_FIELDS
    assert detail.json()["meta"] is None
    assert data["metadata"] == {"seats": 500}
    assert data["quote_id"] == 77
    assert data["product_description"] == "Plugin suite"
    assert data["expires_at"] == "2027-04-01T00:00:00Z"
    by_code = member_api.get(f"{API}/entitlements/code/{entitlement.code}")
    assert by_code.status_code == 200
    assert by_code.json()["data"] == data


def test_code_lookup_tolerates_case_and_trailing_slash(member_api, entitlement):
    response = member_api.get(f"{API}/entitlements/code/{entitlement.code.lower()}/")
    assert response.status_code == 200
    assert response.json()["data"]["id"] == entitlement.pk


@pytest.mark.parametrize("code", ["PLG-2026049999", "nope", "PLG-2026040001x"])
def test_unknown_code_is_404(member_api, entitlement, code):
    response = member_api.get(f"{API}/entitlements/code/{code}")
    assert response.status_code == 404
    assert_envelope(response.json(), success=False)
    assert response.json()["errors"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("path", ["999999", "abc", "999999/orders", "999999/history"])
def test_unknown_id_is_404(member_api, path):
    response = member_api.get(f"{API}/entitlements/{path}")
    assert response.status_code == 404
    assert_envelope(response.json(), success=False)


def test_orders_of_an_entitlement(member_api, entitlement, org):
    first = OrderFactory(organization=org, total="1250.00", currency="BRL", items_count=2)
    renewal = OrderFactory(organization=org, total="99.90", payment_method="pix")
    link(first, entitlement)
    link(renewal, entitlement, "renewal")
    link(OrderFactory(organization=org), Entitlement.objects.create(
        code="ORD-2026010001", entitlement_class="ORD", product_name="x", organization=org
    ))  # fmt: skip
    response = member_api.get(f"{API}/entitlements/{entitlement.pk}/orders")
    assert response.status_code == 200
    body = response.json()
    assert body["meta"]["total"] == 2
    assert {o["id"] for o in body["data"]} == {first.pk, renewal.pk}
    item = next(o for o in body["data"] if o["id"] == first.pk)
    assert set(item) == ORDER_FIELDS
    assert item["total"] == "1250.00"
    assert item["currency"] == "BRL"
    assert item["items_count"] == 2


def test_licenses_of_a_plg_entitlement(member_api, entitlement):
    license_ = LicenseFactory(entitlement=entitlement, activations_limit=3)
    license_.activations.create(domain="lms.acme.example")
    license_.activations.create(domain="staging.acme.example")
    item = the_only_item(member_api.get(f"{API}/entitlements/{entitlement.pk}/licenses"))
    assert set(item) == LICENSE_FIELDS
    assert item["entitlement_id"] == entitlement.pk
    assert item["entitlement_code"] == entitlement.code
    assert item["activations_limit"] == 3
    assert item["activations_count"] == 2
    assert item["activated_domains"] == ["lms.acme.example", "staging.acme.example"]


def test_licenses_are_empty_for_other_classes(member_api, make_entitlement):
    env = make_entitlement(entitlement_class="ENV")
    LicenseFactory(entitlement=env)  # a stray row (the model's clean refuses it) stays hidden
    response = member_api.get(f"{API}/entitlements/{env.pk}/licenses")
    assert response.status_code == 200
    assert response.json()["data"] == []
    assert response.json()["meta"]["total"] == 0


def test_contracts_of_an_entitlement(member_api, entitlement, org):
    contract = ContractFactory(entitlement=entitlement, title="Hosting agreement")
    ContractFactory()  # another entitlement's
    item = the_only_item(member_api.get(f"{API}/entitlements/{entitlement.pk}/contracts"))
    assert set(item) == CONTRACT_FIELDS
    assert item["id"] == contract.pk
    assert item["organization_id"] == org.pk
    assert item["entitlement_id"] == entitlement.pk
    assert item["title"] == "Hosting agreement"


def test_history_in_seed_000_shape(member_api, staff_api, entitlement, staff):
    staff_api.post(
        f"{API}/entitlements/{entitlement.pk}/cancel", {"reason": "Churned"}, format="json"
    )
    response = member_api.get(f"{API}/entitlements/{entitlement.pk}/history")
    assert response.status_code == 200
    rows = response.json()["data"]
    assert all(set(row) == HISTORY_FIELDS for row in rows)
    assert [(r["from_status"], r["to_status"]) for r in rows] == [
        (None, "active"),
        ("active", "cancelled"),
    ]
    assert rows[1]["changed_by"] == staff.pk
    assert rows[1]["reason"] == "Churned"


# --- reads: filters and pagination --------------------------------------------------------


@pytest.fixture
def catalogue(make_entitlement):
    return {
        "plg": make_entitlement(entitlement_class="PLG", product_name="Campus EAD"),
        "plg_suspended": make_entitlement(
            "suspended", entitlement_class="PLG", product_name="Quiz"
        ),
        "env": make_entitlement(entitlement_class="ENV", product_name="Moodle Hosting"),
        "svc": make_entitlement(
            "cancelled", entitlement_class="SVC", product_name="Campus migration"
        ),
        "edu": make_entitlement("expired", entitlement_class="EDU", product_name="Academy"),
    }


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["data"]}


def test_filter_by_class_status_and_search(member_api, catalogue):
    c = catalogue
    url = f"{API}/entitlements"
    assert _ids(member_api.get(url, {"class": "PLG"})) == {c["plg"].pk, c["plg_suspended"].pk}
    assert _ids(member_api.get(url, {"status": "suspended"})) == {c["plg_suspended"].pk}
    assert _ids(member_api.get(url, {"class": "PLG", "status": "active"})) == {c["plg"].pk}
    assert _ids(member_api.get(url, {"search": "campus"})) == {c["plg"].pk, c["svc"].pk}
    assert _ids(member_api.get(url, {"search": c["env"].code})) == {c["env"].pk}
    assert _ids(member_api.get(url, {"search": c["env"].code[:3].lower()})) == {c["env"].pk}
    assert _ids(member_api.get(url, {"status": "expired", "unknown": "x"})) == {c["edu"].pk}


def test_ordering_and_default_order(member_api, catalogue):
    default = member_api.get(f"{API}/entitlements").json()["data"]
    assert [i["id"] for i in default] == sorted((i["id"] for i in default), reverse=True)
    by_name = member_api.get(f"{API}/entitlements", {"ordering": "product_name"}).json()["data"]
    assert [i["product_name"] for i in by_name] == sorted(i["product_name"] for i in by_name)


@pytest.mark.parametrize(
    ("param", "value"),
    [("class", "XYZ"), ("class", "plg"), ("status", "deleted"), ("ordering", "metadata")],
)
def test_invalid_filter_value_is_422(member_api, catalogue, param, value):
    response = member_api.get(f"{API}/entitlements", {param: value})
    assert param in validation_error_fields(response)


def test_pagination(member_api, catalogue):
    response = member_api.get(f"{API}/entitlements", {"per_page": 2, "page": 3})
    assert response.json()["meta"] == {"page": 3, "per_page": 2, "total": 5, "pages": 3}
    assert len(response.json()["data"]) == 1
    past_end = member_api.get(f"{API}/entitlements", {"per_page": 2, "page": 9})
    assert past_end.status_code == 200
    assert past_end.json()["data"] == []


def test_list_filters_do_not_apply_to_detail_routes(member_api, entitlement):
    response = member_api.get(
        f"{API}/entitlements/{entitlement.pk}/orders", {"status": "completed"}
    )
    assert response.status_code == 200


# --- organization scoping -----------------------------------------------------------------


def test_list_shows_only_the_header_organization(member_api, entitlement, other_entitlement):
    assert _ids(member_api.get(f"{API}/entitlements")) == {entitlement.pk}


@pytest.mark.parametrize(
    "suffix", ["", "/orders", "/licenses", "/contracts", "/history"], ids=lambda s: s or "detail"
)
def test_another_organizations_entitlement_is_404(member_api, other_entitlement, suffix):
    response = member_api.get(f"{API}/entitlements/{other_entitlement.pk}{suffix}")
    assert response.status_code == 404
    assert response.json()["errors"]["code"] == "NOT_FOUND"


def test_another_organizations_code_is_404(member_api, other_entitlement):
    response = member_api.get(f"{API}/entitlements/code/{other_entitlement.code}")
    assert response.status_code == 404


@pytest.mark.parametrize("path", [*TRANSITION_PATHS, ""])
def test_staff_scoped_to_one_org_get_404_for_another_orgs_entitlement(
    staff_org_api, other_entitlement, path
):
    url = f"{API}/entitlements/{other_entitlement.pk}" + (f"/{path}" if path else "")
    body = {"reason": "x"}
    response = (
        staff_org_api.post(url, body, format="json")
        if path
        else staff_org_api.patch(url, {"product_name": "Renamed"}, format="json")
    )
    assert response.status_code == 404
    other_entitlement.refresh_from_db()
    assert other_entitlement.status == "active"
    assert other_entitlement.product_name == "Other Hosting"


def test_staff_without_header_see_every_organization_and_standalone(
    staff_api, make_entitlement, entitlement, other_entitlement
):
    standalone = make_entitlement(organization=None, product_name="Standalone")
    ids = _ids(staff_api.get(f"{API}/entitlements", {"per_page": 100}))
    assert ids == {entitlement.pk, other_entitlement.pk, standalone.pk}
    detail = staff_api.get(f"{API}/entitlements/{standalone.pk}")
    assert detail.json()["data"]["organization_id"] is None


def test_staff_with_header_see_that_organization_only(
    staff_org_api, entitlement, other_entitlement
):
    assert _ids(staff_org_api.get(f"{API}/entitlements")) == {entitlement.pk}


def test_company_header_narrows_the_list(staff_api, make_entitlement):
    br = make_entitlement(product_name="BR")
    global_ = make_entitlement(organization=None, company="middag_global", product_name="GL")
    ids = _ids(staff_api.get(f"{API}/entitlements", HTTP_X_MIDDAG_COMPANY="middag_global"))
    assert ids == {global_.pk}
    assert br.pk not in ids
    bad = staff_api.get(f"{API}/entitlements", HTTP_X_MIDDAG_COMPANY="acme")
    assert bad.status_code == 422


def test_client_without_header_is_422(member, entitlement):
    response = client_for(member).get(f"{API}/entitlements")
    assert response.status_code == 422


def test_non_member_organization_header_is_403(member, other_org, other_entitlement):
    response = client_for(member, other_org).get(f"{API}/entitlements")
    assert response.status_code == 403


def test_scopeless_member_is_403(scopeless_member, org, entitlement):
    client = client_for(scopeless_member, org)
    for path in [
        "",
        f"/{entitlement.pk}",
        f"/code/{entitlement.code}",
        f"/{entitlement.pk}/orders",
    ]:
        response = client.get(f"{API}/entitlements{path}")
        assert response.status_code == 403, path
        assert response.json()["errors"]["code"] == "AUTHORIZATION_ERROR"


def test_guest_with_the_scope_can_read(guest_api, entitlement):
    assert guest_api.get(f"{API}/entitlements/{entitlement.pk}").status_code == 200


def test_anonymous_is_401(anon, entitlement):
    assert anon.get(f"{API}/entitlements").status_code == 401


# --- clients cannot write -----------------------------------------------------------------


@pytest.mark.parametrize("client_name", ["owner_api", "member_api", "guest_api"])
def test_clients_cannot_write(request, client_name, entitlement, org):
    client = request.getfixturevalue(client_name)
    create = client.post(
        f"{API}/entitlements",
        {"class": "ENV", "product_name": "Sneaky", "organization_id": org.pk},
        format="json",
    )
    assert create.status_code == 403
    assert create.json()["errors"]["code"] == "AUTHORIZATION_ERROR"
    patch = client.patch(
        f"{API}/entitlements/{entitlement.pk}", {"product_name": "Renamed"}, format="json"
    )
    assert patch.status_code == 403
    for path in TRANSITION_PATHS:
        response = client.post(
            f"{API}/entitlements/{entitlement.pk}/{path}", {"reason": "x"}, format="json"
        )
        assert response.status_code == 403, path
    entitlement.refresh_from_db()
    assert (entitlement.status, entitlement.product_name) == ("active", "Campus EAD")
    assert Entitlement.objects.count() == 1
    assert EntitlementStatusChange.objects.count() == 1


def test_put_and_delete_are_405(staff_api, entitlement):
    url = f"{API}/entitlements/{entitlement.pk}"
    assert staff_api.put(url, {}, format="json").status_code == 405
    assert staff_api.delete(url).status_code == 405


# --- staff writes -------------------------------------------------------------------------


def test_staff_create(staff_api, staff, org):
    response = staff_api.post(
        f"{API}/entitlements",
        {
            "class": "SVC",
            "product_name": "Moodle Customization Project",
            "organization_id": org.pk,
            "expires_at": "2030-01-01T00:00:00Z",
            "metadata": {"hours": 120},
            "quote_id": 12,
            "auto_created": True,
            "sla_tier": "enterprise",
        },
        format="json",
    )
    data = created_data(response, "Entitlement created")
    assert set(data) == DETAIL_FIELDS
    assert data["class"] == "SVC"
    assert data["code"].startswith("SVC-")
    assert data["status"] == "active"
    assert data["organization_id"] == org.pk
    assert data["company"] == org.company
    assert data["metadata"] == {"hours": 120}
    entitlement = Entitlement.objects.get(pk=data["id"])
    assert entitlement.sla_tier == "enterprise"
    history = list(entitlement.history.values_list("from_status", "to_status", "changed_by"))
    assert history == [(None, "active", staff.pk)]


def test_staff_create_standalone_and_with_header_default(staff_api, staff_org_api, org):
    standalone = staff_api.post(
        f"{API}/entitlements", {"class": "ORD", "product_name": "Health check"}, format="json"
    )
    assert standalone.status_code == 201
    assert standalone.json()["data"]["organization_id"] is None
    scoped = staff_org_api.post(
        f"{API}/entitlements", {"class": "ORD", "product_name": "Health check"}, format="json"
    )
    assert scoped.json()["data"]["organization_id"] == org.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"product_name": "No class"}, "class"),
        ({"class": "XXX", "product_name": "Bad class"}, "class"),
        ({"class": "ENV"}, "product_name"),
        ({"class": "ENV", "product_name": "  "}, "product_name"),
        ({"class": "ENV", "product_name": "x", "organization_id": 999999}, "organization_id"),
        ({"class": "ENV", "product_name": "x", "metadata": [1, 2]}, "metadata"),
        ({"class": "ENV", "product_name": "x", "company": "acme"}, "company"),
        (
            {
                "class": "ENV",
                "product_name": "x",
                "starts_at": "2030-01-01T00:00:00Z",
                "expires_at": "2029-01-01T00:00:00Z",
            },
            "expires_at",
        ),
    ],
)
def test_staff_create_invalid_is_422(staff_api, body, field):
    response = staff_api.post(f"{API}/entitlements", body, format="json")
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]["fields"]
    assert Entitlement.objects.count() == 0


def test_staff_create_in_header_org_refuses_another_org_id(staff_org_api, other_org):
    response = staff_org_api.post(
        f"{API}/entitlements",
        {"class": "ENV", "product_name": "x", "organization_id": other_org.pk},
        format="json",
    )
    assert response.status_code == 422
    assert "organization_id" in response.json()["errors"]["fields"]


def test_staff_create_refuses_a_parent_of_another_org(staff_api, org, other_entitlement):
    response = staff_api.post(
        f"{API}/entitlements",
        {"class": "ENV", "product_name": "x", "organization_id": org.pk,
         "parent_id": other_entitlement.pk},
        format="json",
    )  # fmt: skip
    assert response.status_code == 422
    assert "parent_id" in response.json()["errors"]["fields"]


def test_malformed_json_is_422(staff_api):
    response = staff_api.post(
        f"{API}/entitlements", data="{not json", content_type="application/json"
    )
    assert response.status_code == 422


def test_staff_patch_changes_fields_but_never_the_code(staff_api, entitlement):
    code = entitlement.code
    response = staff_api.patch(
        f"{API}/entitlements/{entitlement.pk}",
        {"product_name": "Campus EAD Pro", "expires_at": "2031-01-01T00:00:00Z", "metadata": {}},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["message"] == "Entitlement updated"
    data = response.json()["data"]
    assert (data["product_name"], data["expires_at"], data["code"]) == (
        "Campus EAD Pro",
        "2031-01-01T00:00:00Z",
        code,
    )
    entitlement.refresh_from_db()
    assert entitlement.code == code
    assert entitlement.history.count() == 1  # an edit is not a transition


@pytest.mark.parametrize(
    "body",
    [
        {"code": "PLG-2026010001"},
        {"status": "cancelled"},
        {"class": "ENV"},
        {"organization_id": None},
        {"expires_at": "2000-01-01T00:00:00Z"},
        {"product_name": ""},
    ],
)
def test_staff_patch_refuses_immutable_or_invalid_fields(staff_api, entitlement, body):
    before = Entitlement.objects.filter(pk=entitlement.pk).values().get()
    response = staff_api.patch(f"{API}/entitlements/{entitlement.pk}", body, format="json")
    assert response.status_code == 422, response.content
    assert set(response.json()["errors"]["fields"]) & ({*body, "class"})
    assert Entitlement.objects.filter(pk=entitlement.pk).values().get() == before


# --- constant number of queries ------------------------------------------------------------


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_list_queries_do_not_grow_with_page_size(
    member_api, make_entitlement, django_assert_max_num_queries
):
    for n in range(12):
        make_entitlement(product_name=f"Product {n}")
    small = _count_queries(member_api, f"{API}/entitlements?per_page=2")
    large = _count_queries(member_api, f"{API}/entitlements?per_page=12")
    assert small == large
    for per_page in (2, 12):
        with django_assert_max_num_queries(small):
            member_api.get(f"{API}/entitlements?per_page={per_page}")


def test_sub_resource_queries_do_not_grow_with_page_size(
    member_api, entitlement, org, django_assert_max_num_queries
):
    for n in range(6):
        link(OrderFactory(organization=org), entitlement)
        license_ = LicenseFactory(entitlement=entitlement)
        license_.activations.create(domain=f"d{n}.example")
        license_.activations.create(domain=f"e{n}.example")
        ContractFactory(entitlement=entitlement)
        EntitlementStatusChange.objects.create(
            subject=entitlement, from_status="active", to_status="active", transition="note"
        )
    for suffix in ("orders", "licenses", "contracts"):
        base = f"{API}/entitlements/{entitlement.pk}/{suffix}"
        small = _count_queries(member_api, f"{base}?per_page=1")
        large = _count_queries(member_api, f"{base}?per_page=6")
        assert small == large, suffix
        with django_assert_max_num_queries(small):
            member_api.get(f"{base}?per_page=6")
    history = f"{API}/entitlements/{entitlement.pk}/history"
    with django_assert_max_num_queries(_count_queries(member_api, history)):
        assert len(member_api.get(history).json()["data"]) == 7


def test_other_org_orders_never_leak_through_a_shared_number(member_api, entitlement):
    other = OrganizationFactory()
    order = OrderFactory(organization=other)
    link(order, entitlement)  # linked to our entitlement: it is ours to see through it
    assert _ids(member_api.get(f"{API}/entitlements/{entitlement.pk}/orders")) == {order.pk}


def test_staff_patch_parent_same_org_only_and_never_a_loop(
    staff_api, entitlement, make_entitlement, other_entitlement
):
    child = make_entitlement(product_name="Add-on")
    url = f"{API}/entitlements/{child.pk}"
    assert staff_api.patch(url, {"parent_id": entitlement.pk}, format="json").status_code == 200
    child.refresh_from_db()
    assert child.parent == entitlement
    loop = staff_api.patch(
        f"{API}/entitlements/{entitlement.pk}", {"parent_id": child.pk}, format="json"
    )
    assert loop.status_code == 422
    assert "parent_id" in loop.json()["errors"]["fields"]
    other = staff_api.patch(url, {"parent_id": other_entitlement.pk}, format="json")
    assert other.status_code == 422
    child.refresh_from_db()
    assert child.parent == entitlement
