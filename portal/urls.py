"""The client portal's routes, mounted at /portal/."""

from django.urls import path, re_path, register_converter

from portal import auth, views


class IdConverter:
    """A primary key that fits a bigint (a longer number is a 404, never a database error)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth.SignInView.as_view(), name="login"),
    path("logout/", auth.SignOutView.as_view(), name="logout"),
    path("password-reset/", auth.ResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth.ResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth.ResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth.ResetCompleteView.as_view(), name="password_reset_complete"),
    path("switch/", views.switch, name="switch"),
    re_path(
        r"^invitations/(?P<pk>[0-9]{1,18})/(?P<verb>accept|reject)/$",
        views.invitation_answer,
        name="invitation_answer",
    ),
    path("entitlements/", views.entitlement_list, name="entitlement_list"),
    path("entitlements/<id:pk>/", views.entitlement_detail, name="entitlement_detail"),
    path("environments/", views.environment_list, name="environment_list"),
    path("environments/<id:pk>/", views.environment_detail, name="environment_detail"),
    path("services/", views.service_list, name="service_list"),
    path("services/<id:pk>/", views.service_detail, name="service_detail"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<id:pk>/", views.request_detail, name="request_detail"),
    re_path(
        r"^requests/(?P<pk>[0-9]{1,18})/(?P<name>reply|rate|resolve|reopen|close|cancel)/$",
        views.request_action,
        name="request_action",
    ),
    path("attachments/<id:pk>/", views.attachment_download, name="attachment_download"),
    path("organization/", views.organization, name="organization"),
    path("organization/invite/", views.invite, name="invite"),
    path(
        "organization/members/<id:membership_id>/",
        views.member_change,
        name="member_change",
    ),
    path(
        "organization/members/<id:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.password_change, name="password_change"),
]
