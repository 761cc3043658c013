from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Service desk"  # the admin's breadcrumb and app list ("Tickets" was jargon)
    default_auto_field = "django.db.models.BigAutoField"
