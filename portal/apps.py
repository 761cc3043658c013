from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The client portal at /portal/: pages over the same tenancy resolver and actions as the API."""

    name = "portal"
    verbose_name = "Client portal"
    default_auto_field = "django.db.models.BigAutoField"
