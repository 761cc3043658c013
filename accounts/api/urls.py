from django.urls import re_path

from accounts.api import views
from config.routers import Router

router = Router()
router.register("organizations", views.OrganizationViewSet, basename="organization")

urlpatterns = [
    re_path(r"^auth/register/?$", views.RegisterView.as_view(), name="auth-register"),
    re_path(r"^auth/login/?$", views.LoginView.as_view(), name="auth-login"),
    re_path(r"^auth/refresh/?$", views.RefreshView.as_view(), name="auth-refresh"),
    re_path(r"^auth/logout/?$", views.LogoutView.as_view(), name="auth-logout"),
    re_path(r"^auth/logout-all/?$", views.LogoutAllView.as_view(), name="auth-logout-all"),
    re_path(r"^auth/password/?$", views.PasswordView.as_view(), name="auth-password"),
    re_path(r"^auth/me/?$", views.MeView.as_view(), name="auth-me"),
    *router.urls,
]
