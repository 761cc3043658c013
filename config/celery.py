"""The Celery application and the one schedule of periodic work.

    celery -A config worker      # make worker: sends the mail, runs what beat queues
    celery -A config beat        # make beat: exactly one per deployment

Settings are Django's `CELERY_*` (config/settings.py). With no `CELERY_BROKER_URL` (make run,
SQLite, the tests) tasks run in the process that queues them, after its transaction commits.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("desk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job, in one place (it replaces the README's cron table). The management commands
# of the same names stay, as the manual and emergency way, and run the same code.
app.conf.beat_schedule = {
    "sla-sweep": {"task": "tickets.tasks.sla_sweep", "schedule": 300.0},
    "auto-close": {
        "task": "tickets.tasks.close_resolved_tickets",
        "schedule": crontab(hour=3, minute=15),
    },
    "entitlement-expiry": {"task": "entitlements.tasks.expire_entitlements", "schedule": 3600.0},
    "idempotency-purge": {"task": "accounts.tasks.purge_idempotency_keys", "schedule": 3600.0},
    # Mail whose task never ran (the broker was down when its transaction committed).
    "requeue-unsent-mail": {"task": "ops.tasks.requeue_unsent_mail", "schedule": 600.0},
    # E-mail fetching (issue 14): poll the IMAP mailboxes staff configure; idempotent, so a run
    # that overlaps the previous one handles nothing twice.
    "fetch-email": {"task": "mail.tasks.fetch_email", "schedule": 60.0},
}
