"""Staff run the back office: every active `is_staff` user may use every admin page of the
product's apps, without per-model permission bookkeeping. Managing users (who is staff, who is
superuser) stays with superusers."""

from django.contrib.auth.backends import ModelBackend

BACK_OFFICE_APPS = {"accounts", "audit", "entitlements", "environments", "services", "tickets"}
SUPERUSER_ONLY = {"accounts.add_user", "accounts.change_user", "accounts.delete_user"}


class StaffBackOfficeBackend(ModelBackend):
    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        if not (user_obj.is_active and user_obj.is_staff):
            return False
        if perm in SUPERUSER_ONLY:
            return bool(user_obj.is_superuser)
        return perm.split(".", 1)[0] in BACK_OFFICE_APPS

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return bool(user_obj.is_active and user_obj.is_staff and app_label in BACK_OFFICE_APPS)
