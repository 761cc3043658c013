"""`/metrics`: off without METRICS_TOKEN, 401 without the right bearer (loopback too), and
gauges that match the database (issue 16, item 5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from ops.models import FailedTask
from tickets import actions
from tickets.models import Ticket
from tickets.sla import AT_RISK, BREACHED, sla_status

pytestmark = pytest.mark.django_db
TOKEN = "m3tr1cs-t0ken-for-tests"
SHIFTED = ("created_at", "response_due_at", "resolution_due_at")


@pytest.fixture(autouse=True)
def _token(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_without_a_configured_token_the_endpoint_does_not_exist(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", TOKEN],
)
def test_anonymous_or_wrong_token_is_refused_even_from_loopback(client, authorization):
    extra = {"REMOTE_ADDR": "127.0.0.1"}
    if authorization is not None:
        extra["HTTP_AUTHORIZATION"] = authorization
    response = client.get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"desk_" not in response.content


def test_a_staff_session_is_no_token(client, superuser):
    client.force_login(superuser)
    assert client.get("/metrics").status_code == 401


def _ticket(member, entitlement, priority: str, *, age: timedelta | None = None) -> Ticket:
    ticket = actions.ticket_create(
        actor=member,
        title="Gauge",
        description="d",
        entitlement=entitlement,
        priority=priority,
    )
    if age:
        Ticket.objects.filter(pk=ticket.pk).update(
            **{name: F(name) - age for name in SHIFTED},
            response_risk_at=F("response_risk_at") - age,
            resolution_risk_at=F("resolution_risk_at") - age,
        )
    return Ticket.objects.get(pk=ticket.pk)


def test_gauges_match_the_database(client, member, staff, env_entitlement):
    _ticket(member, env_entitlement, "urgent", age=timedelta(days=5))  # breached, unassigned
    _ticket(member, env_entitlement, "normal", age=timedelta(hours=3))
    started = _ticket(member, env_entitlement, "high")
    actions.ticket_assign(ticket=started, actor=staff, assignee=staff)
    actions.ticket_transition(ticket=started, name="start", actor=staff, reason="on it")
    done = _ticket(member, env_entitlement, "low")
    actions.ticket_assign(ticket=done, actor=staff, assignee=staff)
    actions.ticket_transition(ticket=done, name="resolve", actor=staff, reason="fixed")
    FailedTask.objects.create(task="tickets.tasks.notify", args=["x", 1], exception="boom")

    samples = scrape(client)
    now = timezone.now()
    open_ = Ticket.objects.filter(status__in=["open", "in_progress", "waiting"])
    for ticket_status in ("open", "in_progress", "waiting"):
        for priority in ("low", "normal", "high", "urgent"):
            key = ("desk_requests_open", (("priority", priority), ("status", ticket_status)))
            expected = open_.filter(status=ticket_status, priority=priority).count()
            assert samples[key] == expected, key
    assert samples[("desk_requests_open", (("priority", "urgent"), ("status", "open")))] == 1
    assert samples[("desk_requests_open", (("priority", "low"), ("status", "open")))] == 0

    states = [sla_status(t, now) for t in open_]  # the Python twin of the SQL expression
    assert samples[("desk_requests_sla", (("state", "breached"),))] == states.count(BREACHED)
    assert samples[("desk_requests_sla", (("state", "at_risk"),))] == states.count(AT_RISK)
    assert states.count(BREACHED) >= 1

    oldest = open_.filter(assignee__isnull=True).order_by("created_at").first()
    age = samples[("desk_oldest_unassigned_request_age_seconds", ())]
    assert abs(age - (now - oldest.created_at).total_seconds()) < 60
    assert age > 4 * 24 * 3600

    assert samples[("desk_tasks_failed", ())] == 1
    assert samples[("desk_broker_queue_messages", ())] == 0  # no broker: tasks run in process
    # django-prometheus' own request metrics are there too.
    assert any(name.startswith("django_http_requests") for name, _ in samples)
