"""Tasks run in process (no broker configured, as `make run` and the tests): the outbox sends each
notification once, retries transient SMTP failures, records final failures for staff; the beat
schedule names real tasks, which share the commands' code (issue 16, items 1-3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts.models import IdempotencyKey
from config.celery import app
from ops.models import Delivery, FailedTask
from ops.outbox import requeue_unsent
from tests.ops.servers import SmtpSink, free_port
from tickets import actions, notifications
from tickets.models import SlaBreach, Ticket
from tickets.tasks import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_ticket(member, env_entitlement):
    def make(**kwargs) -> Ticket:
        return actions.ticket_create(
            actor=member,
            title=kwargs.pop("title", "Disk full"),
            description="d",
            entitlement=env_entitlement,
            **kwargs,
        )

    return make


@pytest.fixture
def smtp(settings):
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    yield sink
    sink.stop()


def test_tasks_run_in_process_without_a_broker():
    assert app.conf.task_always_eager
    assert app.conf.task_acks_late
    assert app.conf.task_reject_on_worker_lost
    assert notify.max_retries == 8
    assert notify.retry_backoff


def test_a_notification_is_queued_after_commit_and_sent_once(
    make_ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ticket = make_ticket()
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    delivery = Delivery.objects.get()
    assert (delivery.name, delivery.object_id) == ("ticket_created", ticket.pk)
    assert delivery.sent_at is not None

    # A redelivery of the same message (a worker died after sending, a duplicate): nothing more.
    assert notify.apply(args=("ticket_created", ticket.pk, delivery.pk)).get() is False
    assert len(mail.outbox) == 1


def test_the_same_notification_twice_is_two_deliveries(
    make_ticket, staff, django_capture_on_commit_callbacks
):
    """Resolved, reopened, resolved again: two mails, each sent once."""
    ticket = make_ticket()
    actions.ticket_assign(ticket=ticket, actor=staff, assignee=staff)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.ticket_transition(ticket=ticket, name="resolve", actor=staff, reason="a")
    with django_capture_on_commit_callbacks(execute=True):
        actions.ticket_transition(ticket=ticket, name="reopen", actor=staff, reason="b")
    with django_capture_on_commit_callbacks(execute=True):
        actions.ticket_transition(ticket=ticket, name="resolve", actor=staff, reason="c")
    resolved = [m for m in mail.outbox if "Resolved" in m.subject]
    assert len(resolved) == 2
    assert Delivery.objects.filter(name="ticket_resolved", sent_at__isnull=False).count() == 2


def test_a_rolled_back_change_queues_and_mails_nothing(
    make_ticket, django_capture_on_commit_callbacks
):
    def create_then_fail() -> None:
        with transaction.atomic():
            make_ticket()
            raise RuntimeError

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        create_then_fail()
    assert callbacks == []
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_muted_schedules_nothing(make_ticket, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), notifications.muted():
        make_ticket()
    assert not Delivery.objects.exists()
    assert mail.outbox == []


def test_transient_smtp_failures_are_retried_and_mailed_once(
    smtp, make_ticket, django_capture_on_commit_callbacks
):
    smtp.refuse_next = 3
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(title="Retry me")
    assert [m["Subject"] for m in smtp.messages] == [
        f"[{ticket.number}] New service request: Retry me"
    ]
    assert smtp.transactions == 4
    assert Delivery.objects.get().sent_at is not None
    assert not FailedTask.objects.exists()


def test_a_task_that_finally_fails_is_logged_with_its_arguments_and_kept_for_staff(
    settings, make_ticket, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket()
    delivery = Delivery.objects.get()
    assert delivery.sent_at is None
    assert delivery.failed_at is not None
    failed = FailedTask.objects.get()
    assert failed.task == "tickets.tasks.notify"
    assert failed.args == ["ticket_created", ticket.pk, delivery.pk]
    assert "ConnectionRefusedError" in failed.exception
    assert "Traceback" in failed.traceback
    [line] = [r for r in caplog.records if "failed for good" in r.getMessage()]
    assert line.levelname == "ERROR"
    assert line.task_args == ["ticket_created", ticket.pk, delivery.pk]
    attempts = [r for r in caplog.records if "Could not send ticket mail" in r.getMessage()]
    assert len(attempts) == 9  # the first try and 8 retries


def test_requeue_sends_what_was_never_queued_and_leaves_given_up_ones(make_ticket):
    ticket = make_ticket()  # no commit callbacks run: as if the broker was down at the commit
    lost = Delivery.objects.get()
    given_up = Delivery.objects.create(name="ticket_created", object_id=ticket.pk)
    recent = Delivery.objects.create(name="ticket_created", object_id=ticket.pk)
    old = timezone.now() - timedelta(hours=1)
    Delivery.objects.filter(pk__in=[lost.pk, given_up.pk]).update(queued_at=old)
    Delivery.objects.filter(pk=given_up.pk).update(failed_at=old)

    assert requeue_unsent() == 1
    assert len(mail.outbox) == 1
    assert Delivery.objects.get(pk=lost.pk).sent_at is not None
    assert Delivery.objects.get(pk=given_up.pk).sent_at is None
    assert Delivery.objects.get(pk=recent.pk).sent_at is None
    assert requeue_unsent() == 0  # idempotent


def test_the_beat_schedule_names_registered_tasks():
    schedule = app.conf.beat_schedule
    assert {"sla-sweep", "auto-close", "entitlement-expiry", "idempotency-purge"} <= set(schedule)
    for entry in schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_scheduled_tasks_run_the_commands_code(
    make_ticket, settings, django_capture_on_commit_callbacks
):
    ticket = make_ticket()
    late = timezone.now() - timedelta(days=3)
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=late, response_due_at=late, resolution_due_at=late
    )
    with django_capture_on_commit_callbacks(execute=True):
        recorded = app.tasks["tickets.tasks.sla_sweep"].delay().get()
    assert recorded == 2
    assert SlaBreach.objects.filter(ticket=ticket).count() == 2
    assert app.tasks["tickets.tasks.sla_sweep"].delay().get() == 0  # idempotent

    IdempotencyKey.objects.all().delete()
    assert app.tasks["accounts.tasks.purge_idempotency_keys"].delay().get() == 0
    assert app.tasks["entitlements.tasks.expire_entitlements"].delay().get() == 0
    assert app.tasks["tickets.tasks.close_resolved_tickets"].delay().get() == 0


def test_staff_queue_a_failed_task_again_from_the_admin(staff_admin, make_ticket):
    ticket = make_ticket()
    delivery = Delivery.objects.get()
    failed = FailedTask.objects.create(
        task="tickets.tasks.notify",
        args=["ticket_created", ticket.pk, delivery.pk],
        exception="SMTPServerDisconnected: gone",
    )
    changelist = "/admin/ops/failedtask/"
    page = staff_admin.get(changelist)
    assert page.status_code == 200
    assert b"SMTPServerDisconnected" in page.content
    response = staff_admin.post(
        changelist, {"action": "retry", "_selected_action": [failed.pk]}, follow=True
    )
    assert response.status_code == 200
    assert not FailedTask.objects.exists()
    assert Delivery.objects.get().sent_at is not None
    assert len(mail.outbox) == 1
