from django.urls import re_path

from mail.webhooks import mailgun_inbound

urlpatterns = [
    re_path(r"^inbound/mailgun(_mime)?/$", mailgun_inbound, name="mail-inbound-mailgun"),
]
