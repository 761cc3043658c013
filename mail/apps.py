from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "mail"
    verbose_name = "E-mail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from anymail.signals import inbound

        from mail import notifications  # noqa: F401  (registers the desk's answers)
        from mail.webhooks import receive

        inbound.connect(receive, dispatch_uid="mail.webhooks.receive")
