from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Operations"

    def ready(self) -> None:
        from config.celery import app
        from ops import signals  # noqa: F401 - the request id travels, failures are recorded

        # Register every app's tasks in every process (web too), so a task queued by name
        # (ops.outbox) runs in process when no broker is configured.
        app.autodiscover_tasks(force=True)
