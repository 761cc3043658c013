"""Demo data: every environment status, platform and type, both service lifecycles, idempotent,
and the seed 001 and seed 000 examples reproducible through the API."""

from accounts import demo as accounts_demo
from environments import demo as environments_demo
from environments.models import Environment
from services import demo as services_demo
from services.models import Service
from tests.conftest import API, client_for


def _load() -> dict:
    context: dict = {}
    for loader in (accounts_demo.load, environments_demo.load, services_demo.load):
        context.update(loader(lambda line: None, context) or {})
    return context


def test_demo_covers_every_status_and_is_idempotent(db):
    context = _load()
    assert {e.status for e in Environment.objects.all()} == set(Environment.Status.values)
    assert {e.platform for e in Environment.objects.all()} == set(Environment.Platform.values)
    assert {e.environment_type for e in Environment.objects.all()} == set(Environment.Type.values)
    assert {s.lifecycle for s in Service.objects.all()} == set(Service.Lifecycle.values)
    assert {s.status for s in Service.objects.all()} == set(Service.Status.values)
    assert len(context["environments"]) == Environment.objects.count()
    counts = (Environment.objects.count(), Service.objects.count())
    _load()
    assert (Environment.objects.count(), Service.objects.count()) == counts
    suspended = Environment.objects.get(status="suspended")
    assert suspended.entitlement.status == "suspended"  # reached through the cascade
    assert suspended.history.last().reason == f"entitlement {suspended.entitlement.code} suspended"


def test_seed_examples_reproduce_on_demo_data(db):
    context = _load()
    acme = context["orgs"][0]
    api = client_for(context["client"], acme)
    response = api.get(
        f"{API}/environments",
        {"status": "active", "platform": "moodle", "environment_type": "production"},
    )
    assert response.status_code == 200
    [environment] = response.json()["data"]
    assert environment["name"] == "Acme Moodle Production"
    assert environment["url"] == "https://lms.example.com"
    assert environment["entitlement_code"].startswith("ENV-")
    assert environment["organization_id"] == acme.pk
    response = api.get(f"{API}/services", {"status": "in_progress", "lifecycle": "project"})
    [service] = response.json()["data"]
    assert service["name"] == "Moodle Customization Project"
    assert service["entitlement_code"].startswith("SVC-")
    detail = api.get(f"{API}/services/{service['id']}").json()["data"]
    assert detail["description"]
