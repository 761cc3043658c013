"""Mail sent by a real `celery worker` process through the real Redis broker to a real SMTP
receiver, for requests created through the API served by gunicorn (issue 16, item 8)."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from accounts.tokens import issue_pair
from ops.models import Delivery
from tests.ops.servers import wait_for
from tickets.models import Ticket

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("seeded")]
API = "/wp-json/middag-account/v1"


def create_ticket(stack, member, entitlement, title: str, request_id: str = "") -> dict:
    token = issue_pair(member, entitlement.organization)["access_token"]
    headers = {
        "Authorization": f"Bearer {token}",
        "X-Middag-Organization": str(entitlement.organization_id),
    }
    if request_id:
        headers["X-Request-ID"] = request_id
    status, response_headers, body = stack.request(
        "POST",
        f"{API}/tickets",
        {"title": title, "description": "The site is down.", "entitlement_id": entitlement.pk},
        headers,
    )
    assert status == 201, body
    return {"headers": response_headers, **json.loads(body)["data"]}


@pytest.fixture(autouse=True)
def _fresh_sink(stack):
    """Numbers start again after each test's flush: forget the mail of the tests before."""
    stack.sink.messages.clear()


def mails_about(stack, number: str) -> list:
    return [m for m in stack.sink.messages if number in m["Subject"]]


def test_api_request_is_mailed_by_the_worker_and_followed_by_its_request_id(
    stack, member, env_entitlement
):
    stack.start_worker() if not stack.workers else None
    request_id = f"trace-{uuid.uuid4()}"
    started = time.monotonic()
    ticket = create_ticket(stack, member, env_entitlement, "Worker mail", request_id)
    answered = time.monotonic() - started
    assert ticket["headers"]["X-Request-ID"] == request_id

    wait_for(lambda: mails_about(stack, ticket["number"]), timeout=60)
    [mail] = mails_about(stack, ticket["number"])
    assert mail["To"] == "desk@middag.example"
    delivery = Delivery.objects.get(name="ticket_created", object_id=ticket["id"])
    assert delivery.sent_at is not None
    assert delivery.request_id == request_id
    # One request, followed from the API call to the mail the worker sent.
    sent = [
        line
        for line in stack.worker_lines()
        if line.get("request_id") == request_id and "sent" in line["message"]
    ]
    assert any(line["message"] == "mail sent" for line in sent), stack.workers[0].output()[-3000:]
    assert answered < 10  # the API did not wait for the mail server


def test_transient_smtp_failure_is_retried_and_delivered_once(stack, member, env_entitlement):
    stack.start_worker() if not stack.workers else None
    stack.sink.refuse_next = 2  # two 451s, then the server takes mail again
    ticket = create_ticket(stack, member, env_entitlement, "Flaky mail server")

    wait_for(lambda: mails_about(stack, ticket["number"]), timeout=90)
    time.sleep(3)  # any duplicate would arrive meanwhile
    assert len(mails_about(stack, ticket["number"])) == 1
    assert stack.sink.refuse_next == 0
    failures = [
        line
        for line in stack.worker_lines()
        if line["message"].startswith(f"Could not send ticket mail ticket_created({ticket['id']})")
    ]
    assert len(failures) == 2
    assert Delivery.objects.get(object_id=ticket["id"]).sent_at is not None


def test_worker_killed_mid_task_loses_nothing_and_sends_nothing_twice(
    stack, member, env_entitlement
):
    for process in stack.workers:  # a worker of this test's own, to kill
        process.kill()
    stack.workers.clear()
    first = stack.start_worker()
    stack.sink.hold_next = True  # the mail server stalls in the middle of the conversation
    ticket = create_ticket(stack, member, env_entitlement, "Killed worker")
    assert stack.sink.holding.wait(60), first.output()[-3000:]

    first.kill()  # SIGKILL, the whole worker: no warm shutdown, no acknowledgement
    stack.sink.release.set()
    assert mails_about(stack, ticket["number"]) == []
    assert Delivery.objects.get(object_id=ticket["id"]).sent_at is None

    stack.start_worker()  # Redis hands the unacknowledged message back after its timeout
    wait_for(lambda: mails_about(stack, ticket["number"]), timeout=90)
    time.sleep(8)  # past another visibility timeout: a second delivery would show now
    assert len(mails_about(stack, ticket["number"])) == 1
    assert Delivery.objects.get(object_id=ticket["id"]).sent_at is not None
    assert Ticket.objects.get(pk=ticket["id"]).number == ticket["number"]
