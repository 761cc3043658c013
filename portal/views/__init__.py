"""The portal's pages: resolve the organization (portal.base), read through the apps' queries and
the API's filter sets, write through the apps' actions, render a template (or an htmx fragment).

No page decides who may do what: a refusal is the action's, shown as a message. One module per
family of pages; portal.urls reaches them all through this package.
"""

from portal.views.account import invitation_answer, password_change, profile, switch
from portal.views.common import sla_promise
from portal.views.organization import invite, member_change, member_remove, organization
from portal.views.records import (
    entitlement_detail,
    entitlement_list,
    environment_detail,
    environment_list,
    home,
    service_detail,
    service_list,
)
from portal.views.requests import (
    attachment_download,
    request_action,
    request_detail,
    request_list,
    request_new,
)

__all__ = [
    "attachment_download",
    "entitlement_detail",
    "entitlement_list",
    "environment_detail",
    "environment_list",
    "home",
    "invitation_answer",
    "invite",
    "member_change",
    "member_remove",
    "organization",
    "password_change",
    "profile",
    "request_action",
    "request_detail",
    "request_list",
    "request_new",
    "service_detail",
    "service_list",
    "sla_promise",
    "switch",
]
