from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The staff workspace on top of the admin: dashboard, queues, canned replies."""

    name = "backoffice"
    verbose_name = "Back office"
    default_auto_field = "django.db.models.BigAutoField"
