"""Operations: OpenAPI and docs, deploy settings, createsuperuser, demo data, the admin."""

import os
import re
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from drf_spectacular.validation import validate_schema

from accounts.demo import CLIENT_EMAIL, DEMO_PASSWORD, STAFF_EMAIL
from accounts.models import Membership, Organization, User
from tests.conftest import API, client_for
from tests.factories import MembershipFactory, OrganizationFactory, StaffFactory, UserFactory
from tests.helpers import production_env, run_python, subprocess_env

BASE_DIR = Path(settings.BASE_DIR)
PROJECT_APPS = ["accounts", "entitlements", "environments", "services", "tickets"]


# --- OpenAPI ------------------------------------------------------------------------------


@pytest.fixture
def schema(anon) -> dict:
    response = anon.get("/api/schema/?format=json")
    assert response.status_code == 200, response.content[:500]
    return response.json()


@pytest.mark.django_db
def test_schema_is_valid_openapi(schema):
    validate_schema(schema)  # raises on an invalid document
    assert schema["openapi"].startswith("3.")


@pytest.mark.django_db
def test_schema_describes_auth_and_organizations(schema):
    paths = schema["paths"]
    for path in ["register", "login", "refresh", "logout", "me"]:
        assert f"{API}/auth/{path}" in paths, sorted(paths)
    assert f"{API}/organizations" in paths
    assert f"{API}/organizations/{{id}}/collaborators/{{membership_id}}" in paths
    # Written without trailing slashes, as in the SPEC and the seeds.
    assert not [p for p in paths if p.startswith("/wp-json/") and p.endswith("/")]


@pytest.mark.django_db
def test_schema_has_the_bearer_scheme_and_uses_it(schema):
    scheme = schema["components"]["securitySchemes"]["jwtAuth"]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    me = schema["paths"][f"{API}/auth/me"]["get"]
    assert {"jwtAuth": []} in me["security"]
    login = schema["paths"][f"{API}/auth/login"]["post"]
    assert {"jwtAuth": []} not in login.get("security", [{}])


@pytest.mark.django_db
def test_schema_describes_the_envelope(schema):
    components = schema["components"]["schemas"]
    assert set(components["ErrorEnvelope"]["required"]) == {
        "success",
        "data",
        "meta",
        "message",
        "errors",
    }
    login = schema["paths"][f"{API}/auth/login"]["post"]["responses"]
    ok = login["200"]["content"]["application/json"]["schema"]
    if "$ref" in ok:  # the envelope around `data` is a shared component (one per kind of data)
        ok = components[ok["$ref"].rsplit("/", 1)[1]]
    assert set(ok["required"]) == {"success", "data", "meta", "message", "errors"}
    assert ok["properties"]["data"] == {"$ref": "#/components/schemas/Login"}
    assert login["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorEnvelope"
    }
    listing = schema["paths"][f"{API}/organizations"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"page", "per_page"} <= names
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]
    if "$ref" in page:
        page = components[page["$ref"].rsplit("/", 1)[1]]
    # Wrapped once: `data` is the list itself, not another envelope.
    assert set(page["required"]) == {"success", "data", "meta", "message", "errors"}
    assert page["properties"]["data"]["type"] == "array"
    assert page["properties"]["meta"] == {"$ref": "#/components/schemas/PageMeta"}


@pytest.mark.django_db
@pytest.mark.urls("tests.accounts.urls")
def test_schema_documents_the_organization_header_on_org_scoped_views(anon):
    schema = anon.get("/api/schema/?format=json").json()
    probe = schema["paths"][f"{API}/__test__/probe"]["get"]
    headers = {p["name"]: p for p in probe["parameters"] if p["in"] == "header"}
    assert headers["X-Middag-Organization"]["schema"]["type"] == "integer"
    assert "X-Middag-Company" in headers
    # Endpoints that take the organization from the path do not ask for the header.
    org = schema["paths"][f"{API}/organizations/{{id}}"]["get"]
    assert "X-Middag-Organization" not in {p["name"] for p in org.get("parameters", [])}


def test_schema_generation_has_no_warnings_from_the_foundation():
    result = run_python(
        "manage.py", "spectacular", "--validate", "--file", os.devnull, env=subprocess_env()
    )
    assert result.returncode == 0, result.stderr
    ours = [
        line
        for line in result.stderr.splitlines()
        if re.search(r"/(accounts|config)/", line) and "Warning" in line
    ]
    assert ours == []


@pytest.mark.django_db
def test_docs_page_uses_only_local_assets(anon):
    response = anon.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    sources = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', html)
    assert sources, html[:1000]
    assert [s for s in sources if re.match(r"(https?:)?//", s)] == []
    assert "cdn" not in html.lower()
    assert f"{settings.STATIC_URL.strip('/')}/drf_spectacular_sidecar/" in html
    # The assets it names are really shipped by the sidecar package.
    from django.contrib.staticfiles import finders

    for source in sources:
        if "drf_spectacular_sidecar" in source:
            relative = source.split("/static/", 1)[1].split("?", 1)[0]
            assert finders.find(relative), relative


# --- settings from the environment --------------------------------------------------------


@pytest.fixture(name="production_env")
def production_env_fixture(tmp_path) -> dict:
    return production_env(tmp_path)


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return run_python("manage.py", *args, env=env)


def test_check_deploy_passes_with_the_production_variables(production_env):
    result = manage(production_env, "check", "--deploy")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not re.findall(r"\(security\.[WE]\d+\)", output), output
    assert not re.findall(r"\((admin|auth|fields|models|urls)\.[WE]\d+\)", output), output


def test_production_settings_disable_debug_and_the_browsable_api(production_env):
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.REST_FRAMEWORK['DEFAULT_RENDERER_CLASSES'], s.SIMPLE_JWT['ALGORITHM'])"
    )
    result = manage(production_env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False ['config.api.EnvelopeRenderer'] RS256"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "JWT_PRIVATE_KEY_PATH"])
def test_production_refuses_to_start_without_its_secrets(production_env, missing):
    env = dict(production_env)
    del env[missing]
    result = manage(env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


# --- createsuperuser and demo data --------------------------------------------------------


@pytest.mark.django_db
def test_createsuperuser_noinput_from_the_environment(monkeypatch, anon):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Middag.Example")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-unusual-pass-42")
    call_command("createsuperuser", interactive=False, stdout=StringIO())
    user = User.objects.get()
    assert user.email == "root@middag.example"
    assert user.is_staff
    assert user.is_superuser
    response = anon.post(
        f"{API}/auth/login",
        {"email": "root@middag.example", "password": "a-long-unusual-pass-42"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["data"]["user"]["is_staff"] is True
    admin = Client()
    assert admin.login(email="root@middag.example", password="a-long-unusual-pass-42")
    assert admin.get("/admin/").status_code == 200


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
    }


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_prints_the_logins(anon):
    out = StringIO()
    call_command("load_demo", stdout=out)
    first = _counts()
    assert first["accounts.User"] >= 2
    assert first["accounts.Organization"] >= 2
    assert STAFF_EMAIL in out.getvalue()
    assert CLIENT_EMAIL in out.getvalue()
    assert DEMO_PASSWORD in out.getvalue()

    call_command("load_demo", stdout=StringIO())
    assert _counts() == first

    for email in (STAFF_EMAIL, CLIENT_EMAIL):
        response = anon.post(
            f"{API}/auth/login", {"email": email, "password": DEMO_PASSWORD}, format="json"
        )
        assert response.status_code == 200, (email, response.content)
    assert User.objects.get(email=STAFF_EMAIL).is_staff
    acme = Organization.objects.get(slug="acme-learning")
    assert Membership.objects.get(organization=acme, role="owner").user.email == CLIENT_EMAIL


@pytest.mark.django_db
def test_load_demo_dry_run_saves_nothing():
    before = _counts()
    out = StringIO()
    call_command("load_demo", "--dry-run", stdout=out)
    assert _counts() == before
    assert "Dry run" in out.getvalue()


# --- admin --------------------------------------------------------------------------------


@pytest.fixture
def admin_web(db) -> Client:
    operator = StaffFactory(is_superuser=True)
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def admin_data(db):
    org = OrganizationFactory(name="Searchable Org", cnpj="11222333000181")
    membership = MembershipFactory(organization=org, user=UserFactory(email="findme@example.com"))
    return org, membership


@pytest.mark.parametrize("model", ["user", "organization", "membership"])
def test_admin_changelists_search_and_filters_load(admin_web, admin_data, model):
    base = f"/admin/accounts/{model}/"
    assert admin_web.get(base).status_code == 200
    search = admin_web.get(base, {"q": "findme" if model != "organization" else "Searchable"})
    assert search.status_code == 200
    assert "Searchable" in search.content.decode() or "findme" in search.content.decode()
    filters = {
        "user": {"is_staff__exact": "0"},
        "organization": {"company": "middag_br"},
        "membership": {"role": "member"},
    }[model]
    assert admin_web.get(base, filters).status_code == 200
    assert admin_web.get(f"{base}add/").status_code == 200


def test_admin_change_forms_load(admin_web, admin_data):
    org, membership = admin_data
    for url in (
        f"/admin/accounts/user/{membership.user_id}/change/",
        f"/admin/accounts/organization/{org.pk}/change/",
        f"/admin/accounts/membership/{membership.pk}/change/",
    ):
        response = admin_web.get(url)
        assert response.status_code == 200, url
    org_page = admin_web.get(f"/admin/accounts/organization/{org.pk}/change/").content.decode()
    assert "findme@example.com" in org_page  # memberships inline on the organization


def test_admin_autocomplete_for_users_and_organizations(admin_web, admin_data):
    for model, field, term in (("user", "user", "findme"), ("organization", "organization", "Sea")):
        response = admin_web.get(
            "/admin/autocomplete/",
            {
                "term": term,
                "app_label": "accounts",
                "model_name": "membership",
                "field_name": field,
            },
        )
        assert response.status_code == 200, (model, response.content[:300])
        assert response.json()["results"], model


def _inline_post(page: str, prefix: str, row: dict, base: dict) -> dict:
    data = dict(base)
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    )
    data.update({f"{prefix}-0-{key}": value for key, value in row.items()})
    return data


def test_admin_adds_a_membership_from_the_user_page(admin_web, admin_data):
    org, _ = admin_data
    person = UserFactory(email="newbie@example.com", name="Newbie")
    url = f"/admin/accounts/user/{person.pk}/change/"
    page = admin_web.get(url)
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    data = _inline_post(
        url,
        prefix,
        {"organization": str(org.pk), "role": "guest", "scopes": '["tickets"]', "is_active": "on"},
        {
            "email": person.email,
            "name": person.name,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    response = admin_web.post(url, data)
    assert response.status_code == 302, _form_errors(response)
    assert Membership.objects.get(user=person).organization == org


def test_admin_refuses_a_second_owner_without_crashing(admin_web, admin_data):
    org, membership = admin_data
    MembershipFactory(organization=org, role="owner")
    url = f"/admin/accounts/membership/{membership.pk}/change/"
    response = admin_web.post(
        url,
        {
            "user": str(membership.user_id),
            "organization": str(org.pk),
            "role": "owner",
            "scopes": "[]",
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert Membership.objects.filter(organization=org, role="owner").count() == 1


def test_admin_is_closed_to_clients(db, member):
    client = Client()
    client.force_login(member)
    response = client.get("/admin/accounts/organization/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def _form_errors(response) -> str:
    context = getattr(response, "context", None)
    if not context:
        return str(response.status_code)
    errors = []
    if context.get("adminform"):
        errors.append(str(context["adminform"].form.errors))
    for inline in context.get("inline_admin_formsets", []):
        errors.append(str(inline.formset.errors) + str(inline.formset.non_form_errors()))
    return " ".join(errors)


def test_api_client_sees_demo_org_via_token(db):
    call_command("load_demo", stdout=StringIO())
    client_user = User.objects.get(email=CLIENT_EMAIL)
    acme = Organization.objects.get(slug="acme-learning")
    response = client_for(client_user).get(f"{API}/organizations/{acme.pk}")
    assert response.status_code == 200
