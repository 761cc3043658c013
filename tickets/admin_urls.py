"""Staff pages of the back office outside the ModelAdmins, mounted under /admin/ by config.urls."""

from django.urls import path

from tickets.downloads import attachment_admin_download

urlpatterns = [
    # Staff download of an attachment (issue 14), linked from the workspace's conversation.
    path(
        "attachments/<int:pk>/download",
        attachment_admin_download,
        name="attachment-admin-download",
    ),
]
