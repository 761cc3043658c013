from django.apps import AppConfig


class EnvironmentsConfig(AppConfig):
    name = "environments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from entitlements.actions import CASCADES
        from environments.actions import entitlement_changed

        # An ENV entitlement's transition carries to its environment, in the same transaction.
        if entitlement_changed not in CASCADES:
            CASCADES.append(entitlement_changed)
