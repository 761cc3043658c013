"""One transaction per write, none per read (config.api.ApiViewMixin).

Writes (POST, PUT, PATCH, DELETE) run whole in one transaction that an error answer rolls back;
reads run outside one, so they cost no BEGIN and COMMIT round trips. Django logs BEGIN, COMMIT
and ROLLBACK among the captured queries, which is what these tests read.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization
from tests.conftest import API, client_for

pytestmark = pytest.mark.urls("tests.accounts.urls")

PROBE = f"{API}/__test__/probe"  # tests/accounts/urls.py: its POST writes a row, then fails


def _transaction_control(client, method: str, url: str, **kwargs) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, **kwargs)
    control = [
        q["sql"] for q in ctx.captured_queries if q["sql"] in {"BEGIN", "COMMIT", "ROLLBACK"}
    ]
    return response.status_code, control


@pytest.mark.django_db(transaction=True)
def test_reads_run_outside_a_transaction(owner, org):
    api = client_for(owner, org)
    for url in (PROBE, f"{API}/organizations", f"{API}/organizations/{org.pk}", f"{API}/auth/me"):
        status, control = _transaction_control(api, "get", url)
        assert status == 200, url
        assert control == [], (url, control)


@pytest.mark.django_db(transaction=True)
def test_a_write_runs_in_one_transaction_that_commits(user):
    status, control = _transaction_control(
        client_for(user), "post", f"{API}/organizations", data={"name": "Nova"}, format="json"
    )
    assert status == 201
    assert control == ["BEGIN", "COMMIT"]
    assert Organization.objects.filter(name="Nova").exists()


@pytest.mark.django_db(transaction=True)
def test_a_write_answered_with_an_error_rolls_back_what_it_wrote(owner, org):
    status, control = _transaction_control(
        client_for(owner, org), "post", PROBE, data={}, format="json"
    )
    assert status == 409
    assert control == ["BEGIN", "ROLLBACK"]
    assert not Organization.objects.filter(slug="half-written").exists()


@pytest.mark.django_db
def test_an_error_answer_to_a_read_leaves_a_surrounding_transaction_usable(member, org):
    """A read has no transaction of its own to roll back; its 404 must not mark the caller's
    (here the test's atomic block) as failed. It did, once reads left the request transaction."""
    api = client_for(member, org)
    with transaction.atomic():
        assert api.get(f"{API}/organizations/987654").status_code == 404
        assert Organization.objects.filter(pk=org.pk).exists()  # would raise if marked broken
    with transaction.atomic():
        response = api.get("/api/v1/get_ticket_details/987654")
        assert response.status_code == 404
        assert Organization.objects.filter(pk=org.pk).exists()
