"""The portal's forms: input shapes only; every rule is the action's (the form's choices are the
organization's own rows, read through the same scoped querysets)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import ALL_SCOPES, Membership, User
from entitlements.models import Entitlement, EntitlementClass, Priority
from environments.models import Environment
from portal.i18n import time_zones
from portal.labels import choices
from services.models import Service
from tickets.models import Ticket

ANY = [("", _("Any"))]
ROLES = [Membership.Role.ADMIN, Membership.Role.MEMBER, Membership.Role.GUEST]


class SignInForm(AuthenticationForm):
    """Django's sign-in form, labelled for an e-mail address."""

    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The e-mail address or the password is not right."),
    }


class FilterForm(forms.Form):
    """A list's filters; an invalid value is reported and ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def filters(self) -> dict:
        """The valid, non-empty filters."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: v for k, v in data.items() if v not in (None, "") and k not in self.errors}


class RequestFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=ANY + choices(Ticket.Status.values)
    )
    environment = forms.TypedChoiceField(
        label=_("Environment"), required=False, coerce=int, empty_value=None
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=ANY + choices(Priority.values)
    )

    def __init__(self, *args, environments: list[Environment], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["environment"].choices = ANY + [(e.pk, e.name) for e in environments]


class EntitlementFilterForm(FilterForm):
    entitlement_class = forms.ChoiceField(
        label=_("Class"), required=False, choices=ANY + choices(EntitlementClass.values)
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=ANY + choices(Entitlement.Status.values)
    )


class EnvironmentFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=ANY + choices(Environment.Status.values)
    )
    platform = forms.ChoiceField(
        label=_("Platform"), required=False, choices=ANY + choices(Environment.Platform.values)
    )
    environment_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=ANY + choices(Environment.Type.values)
    )


class ServiceFilterForm(FilterForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=ANY + choices(Service.Status.values)
    )


class NewRequestForm(forms.Form):
    environment = forms.TypedChoiceField(label=_("Environment"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}))
    priority = forms.ChoiceField(
        label=_("Priority"), choices=choices(Priority.values), initial=Priority.NORMAL
    )

    def __init__(self, *args, environments: list[Environment], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["environment"].choices = [(e.pk, e.name) for e in environments]


class ReplyForm(forms.Form):
    message = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 4}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why do you reopen it?"), required=False, max_length=2000)


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(
        label=_("Role"), choices=choices(ROLES), initial=Membership.Role.MEMBER
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        required=False,
        choices=choices(ALL_SCOPES),
        widget=forms.CheckboxSelectMultiple,
        initial=["entitlements", "tickets"],
    )


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=choices([Membership.Role.OWNER, *ROLES]))
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        required=False,
        choices=choices(ALL_SCOPES),
        widget=forms.CheckboxSelectMultiple,
    )


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)

    class Meta:
        model = User
        fields = ["name", "language", "time_zone", "mail_replies", "mail_status"]
        labels = {
            "name": _("Name"),
            "language": _("Language"),
            "mail_replies": _("E-mail me when MIDDAG answers one of my requests"),
            "mail_status": _("E-mail me when one of my requests changes status"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            ("", _("As my browser says")),
            ("en", "English"),
            ("pt-br", "Português (Brasil)"),
        ]
        self.fields["time_zone"].choices = [("", _("MIDDAG's time zone"))] + [
            (name, name) for name in time_zones()
        ]


class PasswordForm(forms.Form):
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_new_password(self) -> str:
        password = self.cleaned_data["new_password"]
        password_validation.validate_password(password, self.user)
        return password
