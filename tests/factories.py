"""Factories for every model. They may set `status=`; use real actions when history matters."""

import factory
from factory.django import DjangoModelFactory

from accounts.models import ALL_SCOPES, Membership, Organization, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    is_staff = True
    email = factory.Sequence(lambda n: f"staff{n}@middag.example")


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"organization-{n}")
    company = "middag_br"


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.MEMBER
    scopes = factory.LazyFunction(lambda: ["entitlements", "tickets"])


class OwnerMembershipFactory(MembershipFactory):
    role = Membership.Role.OWNER
    scopes = factory.LazyFunction(lambda: list(ALL_SCOPES))
