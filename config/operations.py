"""The operations side's settings (issue 16), read from the environment by config/settings.py:
logs, Celery and Sentry. Each function returns plain settings values (README, Settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import environ


def logging_settings(log_format: str, level: str) -> dict[str, Any]:
    """LOGGING: one JSON object per line (`json`, production's default) or readable text; both
    carry the request id, user and organization and redact secrets (ops.logs)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "ops.logs.JsonFormatter"},
            "text": {"()": "ops.logs.TextFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if log_format == "json" else "text",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Through the root handler only (Django's own console handler would print them twice).
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            "django.db.backends": {"level": "WARNING"},
        },
    }


def celery_settings(env: environ.Env, var_dir: Path) -> dict[str, Any]:
    """CELERY_* settings. Redis is the default broker (redis://127.0.0.1:6379/2), RabbitMQ the
    documented alternative (amqp://user:pass@host:5672/vhost); without one, tasks run in process
    after the commit that queued them (`make run`, SQLite, the tests)."""
    broker = env.str("CELERY_BROKER_URL", default="")
    # Redis redelivers a message whose worker died after this many seconds: it must exceed the
    # longest task and retry countdown (retries back off to at most 600 s).
    visibility = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    return {
        "CELERY_BROKER_URL": broker or "memory://",  # in process: quiets the producer it opens
        "CELERY_TASK_ALWAYS_EAGER": not broker,
        "CELERY_TASK_EAGER_PROPAGATES": False,  # in process too, a failing mail fails no request
        "CELERY_TASK_DEFAULT_QUEUE": env.str("CELERY_QUEUE", default="desk"),
        "CELERY_TASK_ACKS_LATE": True,  # acknowledged when the task is done, not when taken
        "CELERY_TASK_REJECT_ON_WORKER_LOST": True,  # a task whose process died goes back
        "CELERY_WORKER_PREFETCH_MULTIPLIER": 1,  # one message per process, not a batch
        "CELERY_TASK_IGNORE_RESULT": True,  # no result backend: tasks write to the database
        "CELERY_TASK_SERIALIZER": "json",
        "CELERY_ACCEPT_CONTENT": ["json"],
        "CELERY_TIMEZONE": "UTC",
        "CELERY_WORKER_HIJACK_ROOT_LOGGER": False,  # workers log through LOGGING (JSON)
        "CELERY_WORKER_SEND_TASK_EVENTS": False,
        "CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP": True,
        "CELERY_BEAT_SCHEDULE_FILENAME": env.str(
            "CELERY_BEAT_SCHEDULE_FILENAME", default=str(var_dir / "celerybeat-schedule")
        ),
        "CELERY_BROKER_TRANSPORT_OPTIONS": {
            "visibility_timeout": visibility,
            # A short timeout (the tests' kill-the-worker case) wants the sweep as often.
            "unacked_restore_interval": min(10, max(1, visibility // 4)),
            "unacked_restore_throttle": 1 if visibility < 60 else 10,
        },
    }


def init_sentry(env: environ.Env) -> str:
    """Errors of requests and tasks go to Sentry when SENTRY_DSN is set (no personal data)."""
    dsn = env.str("SENTRY_DSN", default="")
    if dsn:
        import sentry_sdk
        from sentry_sdk.integrations.celery import CeleryIntegration
        from sentry_sdk.integrations.django import DjangoIntegration

        sentry_sdk.init(
            dsn=dsn,
            integrations=[DjangoIntegration(), CeleryIntegration()],
            environment=env.str("SENTRY_ENVIRONMENT", default="production"),
            traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
            send_default_pii=False,
        )
    return dsn
