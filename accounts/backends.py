"""Authentication and the back office's permissions.

`EmailBackend` is the one backend that checks passwords: every attempt costs exactly one hash,
whatever the outcome (unknown e-mail: Django's dummy hash; wrong password; right password of an
account that may not sign in), so timing tells nothing. A second authenticating backend would
hash a failed attempt twice and a success once: an oracle for right passwords.

Staff run the back office: every active `is_staff` user may use every admin page of the
product's apps, without per-model permission bookkeeping. Managing users (who is staff, who is
superuser) stays with superusers."""

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend

from accounts.mfa import enrolled_exists
from accounts.models import User
from accounts.signin import find_user

BACK_OFFICE_APPS = {
    "accounts",
    "audit",
    "entitlements",
    "environments",
    "services",
    "tickets",
    "mail",  # mailboxes staff configure, inbound messages (issue 14)
    "ops",  # mail deliveries and failed tasks, visible to staff (issue 16)
}
SUPERUSER_ONLY = {"accounts.add_user", "accounts.change_user", "accounts.delete_user"}


class EmailBackend(ModelBackend):
    """Django's model backend, finding the user by the account key (accounts.signin)."""

    def authenticate(self, request, username=None, password=None, **kwargs) -> User | None:
        email = kwargs.get(User.USERNAME_FIELD) if username is None else username
        if email is None or password is None:
            return None
        user = find_user(email)
        if user is None:
            User().set_password(password)  # the one hash of an unknown e-mail (Django #20760)
            return None
        # check_password hashes once, also for an unusable password (Django runs the hasher).
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    async def aauthenticate(self, request, username=None, password=None, **kwargs):
        return await sync_to_async(self.authenticate)(request, username, password, **kwargs)

    def get_user(self, user_id) -> User | None:
        """The session's user, with `mfa_enrolled` read in the same query (accounts.mfa): the
        admin's two-factor check costs no query of its own."""
        try:
            user = User._default_manager.annotate(mfa_enrolled=enrolled_exists()).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    async def aget_user(self, user_id) -> User | None:
        return await sync_to_async(self.get_user)(user_id)


class StaffBackOfficeBackend(ModelBackend):
    def authenticate(self, request, **credentials) -> None:
        return None  # permissions only: EmailBackend's one hash decides who signs in

    async def aauthenticate(self, request, **credentials) -> None:
        return None

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        if not (user_obj.is_active and user_obj.is_staff):
            return False
        if perm in SUPERUSER_ONLY:
            return bool(user_obj.is_superuser)
        return perm.split(".", 1)[0] in BACK_OFFICE_APPS

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return bool(user_obj.is_active and user_obj.is_staff and app_label in BACK_OFFICE_APPS)
