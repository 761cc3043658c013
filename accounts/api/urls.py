from django.urls import re_path

from accounts.api import views
from config.routers import Router

router = Router()
router.register("organizations", views.OrganizationViewSet, basename="organization")

# auth/<name>, named auth-<name>, with or without the trailing slash.
AUTH = {
    "register": views.RegisterView,
    "login": views.LoginView,
    "refresh": views.RefreshView,
    "logout": views.LogoutView,
    "logout-all": views.LogoutAllView,
    "password": views.PasswordView,
    "me": views.MeView,
}

urlpatterns = [
    *(re_path(rf"^auth/{n}/?$", view.as_view(), name=f"auth-{n}") for n, view in AUTH.items()),
    re_path(r"^invitations/?$", views.InvitationListView.as_view(), name="invitations"),
    *(
        re_path(
            rf"^invitations/(?P<pk>[^/.]+)/{verb}/?$",
            views.InvitationAnswerView.as_view(verb=verb),
            name=f"invitation-{verb}",
        )
        for verb in ("accept", "reject")
    ),
    *router.urls,
]
