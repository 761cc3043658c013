"""Idempotency-Key on the POSTs that create things: a retry creates nothing and answers the same."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import IdempotencyKey, Organization
from entitlements.models import Entitlement
from environments.models import Environment
from services.models import Service
from tests.conftest import API, client_for
from tests.factories import EntitlementFactory
from tests.helpers import race
from tickets.models import Reply, Ticket

KEY = "3f0c2f0e-6a1b-4c55-9a57-1d2c3b4a5e6f"


def _cases(world) -> dict[str, tuple[str, str, Callable[[], dict], type]]:
    """name → (caller, url, body builder, model whose rows the POST creates)."""
    spare = EntitlementFactory(organization=world.org, entitlement_class="ENV")
    return {
        "ticket": (
            "member",
            f"{API}/tickets",
            lambda: {"entitlement_id": world.env_entitlement.pk, "title": "T", "description": "D"},
            Ticket,
        ),
        "environment ticket": (
            "member",
            f"{API}/environments/{world.environment.pk}/tickets",
            lambda: {"title": "T", "description": "D"},
            Ticket,
        ),
        "reply": (
            "member",
            f"{API}/tickets/{world.ticket.pk}/replies",
            lambda: {"message": "Any news?"},
            Reply,
        ),
        "entitlement": (
            "staff",
            f"{API}/entitlements",
            lambda: {"class": "PLG", "product_name": "Plugin", "organization_id": world.org.pk},
            Entitlement,
        ),
        "environment": (
            "staff",
            f"{API}/environments",
            lambda: {
                "entitlement_id": spare.pk,
                "name": "Second",
                "platform": "moodle",
                "environment_type": "staging",
                "url": "https://second.example.com",
            },
            Environment,
        ),
        "service": (
            "staff",
            f"{API}/services",
            lambda: {
                "entitlement_id": world.svc_entitlement.pk,
                "name": "P",
                "lifecycle": "project",
            },
            Service,
        ),
        "organization": (
            "member",
            f"{API}/organizations",
            lambda: {"name": "New Org"},
            Organization,
        ),
        "isp ticket": (
            "staff",
            "/api/v1/tickets",
            lambda: {
                "isp_id": world.org.pk,
                "branch_id": world.environment.pk,
                "user_id": world.user("staff").pk,
                "title": "No internet",
                "description": "Since 9 am.",
                "priority": 2,
            },
            Ticket,
        ),
        "helpdesk ticket": (
            "member",
            "/api/v1/raise_ticket",
            lambda: {
                "type": "Hosting",
                "subject": "Mail bounces",
                "comments": "Every message.",
                "userId": world.member.pk,
                "entitlementCode": world.env_entitlement.code,
            },
            Ticket,
        ),
        "helpdesk message": (
            "member",
            "/api/v1/send_message",
            lambda: {
                "ticketId": world.ticket.pk,
                "ticketMessage": "Hello",
                "sender": "user",
                "sender_name": "me",
                "showToUser": "true",
            },
            Reply,
        ),
    }


CASES = [
    "ticket",
    "environment ticket",
    "reply",
    "entitlement",
    "environment",
    "service",
    "organization",
    "isp ticket",
    "helpdesk ticket",
    "helpdesk message",
]


@pytest.mark.parametrize("case", CASES)
def test_a_retry_with_the_same_key_returns_the_first_answer_and_creates_nothing(world, case):
    caller, url, body, model = _cases(world)[case]
    client = world.clients[caller]
    before = model.objects.count()
    first = client.post(url, body(), format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code in (200, 201), first.content
    assert model.objects.count() == before + 1
    for _ in range(2):
        again = client.post(url, body(), format="json", HTTP_IDEMPOTENCY_KEY=KEY)
        assert again.status_code == first.status_code
        assert again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
    assert model.objects.count() == before + 1
    if case == "environment":
        return  # one environment per entitlement: a second one would be a 409 anyway
    # With another key the same body creates again: the key is what counts.
    other = client.post(url, body(), format="json", HTTP_IDEMPOTENCY_KEY=KEY + "-2")
    assert other.status_code == first.status_code
    assert "Idempotent-Replayed" not in other
    assert model.objects.count() == before + 2


@pytest.mark.parametrize("case", ["ticket", "isp ticket", "helpdesk ticket"])
def test_the_same_key_with_another_body_is_422_and_creates_nothing(world, case):
    caller, url, body, model = _cases(world)[case]
    client = world.clients[caller]
    assert client.post(url, body(), format="json", HTTP_IDEMPOTENCY_KEY=KEY).status_code in (
        200,
        201,
    )
    count = model.objects.count()
    changed = {**body()}
    changed[next(k for k in ("title", "subject") if k in changed)] = "Something else"
    response = client.post(url, changed, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert response.status_code == 422, response.content
    assert model.objects.count() == count
    assert "Idempotency-Key" in response.content.decode()


def test_reused_key_error_is_the_envelope_with_a_reason(world):
    client = world.clients["member"]
    url = f"{API}/tickets/{world.ticket.pk}/replies"
    client.post(url, {"message": "one"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    response = client.post(url, {"message": "two"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    body = response.json()
    assert response.status_code == 422
    assert body["success"] is False
    assert body["errors"]["code"] == "VALIDATION_ERROR"
    assert body["errors"]["reason"] == "IDEMPOTENCY_KEY_REUSED"
    assert "Idempotency-Key" in body["errors"]["fields"]


def test_the_same_key_on_another_path_or_organization_is_422(world):
    client = world.clients["member"]
    client.post(
        f"{API}/tickets/{world.ticket.pk}/replies",
        {"message": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=KEY,
    )
    response = client.post(
        f"{API}/organizations", {"message": "x"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY
    )
    assert response.status_code == 422


def test_the_trailing_slash_spelling_is_the_same_request(world):
    client = world.clients["member"]
    url = f"{API}/tickets/{world.ticket.pk}/replies"
    first = client.post(url, {"message": "x"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    again = client.post(url + "/", {"message": "x"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert again.json() == first.json()
    assert Reply.objects.filter(ticket=world.ticket).count() == 1


def test_keys_belong_to_their_user(world):
    url = f"{API}/tickets/{world.ticket.pk}/replies"
    for caller in ("member", "owner"):
        response = world.clients[caller].post(
            url, {"message": "same words"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY
        )
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response
    assert Reply.objects.filter(ticket=world.ticket).count() == 2


def test_a_failed_request_is_not_remembered(world):
    client = world.clients["member"]
    url = f"{API}/tickets"
    bad = client.post(url, {"title": "no description"}, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert bad.status_code == 422
    assert not IdempotencyKey.objects.exists()
    body = {"entitlement_id": world.env_entitlement.pk, "title": "T", "description": "D"}
    good = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert good.status_code == 201
    assert IdempotencyKey.objects.get().status_code == 201


def test_a_refused_request_does_not_claim_the_key(world):
    url = f"{API}/tickets"
    body = {"entitlement_id": world.env_entitlement.pk, "title": "T", "description": "D"}
    refused = world.clients["guest"].post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert refused.status_code == 403
    assert not IdempotencyKey.objects.exists()


def _reply(world, message: str, key: str):
    """The member replies on the world's ticket with Idempotency-Key `key`."""
    return world.clients["member"].post(
        f"{API}/tickets/{world.ticket.pk}/replies",
        {"message": message},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def _expire_keys(settings, **filters) -> None:
    """A TTL of one hour, and the keys matching `filters` two hours old."""
    settings.IDEMPOTENCY_KEY_TTL = 3600
    old = timezone.now() - timedelta(hours=2)
    IdempotencyKey.objects.filter(**filters).update(created_at=old)


def test_an_expired_key_may_be_used_again(world, settings):
    _reply(world, "x", KEY)
    _expire_keys(settings)
    again = _reply(world, "y", KEY)
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Reply.objects.filter(ticket=world.ticket).count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\there", "é"])
def test_a_malformed_key_is_422(world, key):
    response = _reply(world, "x", key)
    assert response.status_code == 422
    assert not Reply.objects.filter(ticket=world.ticket).exists()


def test_anonymous_requests_ignore_the_header(anon):
    body = {"email": "new@example.com", "password": "a-long-unusual-pass-42", "name": "N"}
    first = anon.post(f"{API}/auth/register", body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == 201
    assert not IdempotencyKey.objects.exists()


def test_purge_command_deletes_only_expired_keys(world, settings):
    from io import StringIO

    from django.core.management import call_command

    for n in range(3):
        _reply(world, str(n), f"k{n}")
    _expire_keys(settings, key__in=["k0", "k1"])
    out = StringIO()
    call_command("purge_idempotency_keys", "--dry-run", stdout=out)
    assert "2" in out.getvalue()
    assert IdempotencyKey.objects.count() == 3
    call_command("purge_idempotency_keys", stdout=StringIO())
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["k2"]
    call_command("purge_idempotency_keys", stdout=StringIO())  # idempotent itself
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.postgres
def test_concurrent_requests_with_one_key_create_one_row(committed_world):
    world = committed_world
    member = world.member
    url = f"{API}/tickets"
    body = {"entitlement_id": world.env_entitlement.pk, "title": "Race", "description": "D"}
    before = Ticket.objects.count()
    threads_n = 6
    clients = [client_for(member, world.org) for _ in range(threads_n)]

    def post(i: int) -> tuple[int, dict]:
        response = clients[i].post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
        return response.status_code, response.json()

    results = race(threads_n, post)
    assert {status for status, _ in results} == {201}, results
    assert len({body["data"]["number"] for _, body in results}) == 1
    assert Ticket.objects.count() == before + 1
    assert IdempotencyKey.objects.count() == 1
