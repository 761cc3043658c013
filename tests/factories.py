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


# --- domain -------------------------------------------------------------------------------

from config.numbering import next_entitlement_code, next_ticket_number  # noqa: E402
from entitlements.models import Contract, Entitlement, License, Order  # noqa: E402
from environments.models import Environment  # noqa: E402
from services.models import Service  # noqa: E402
from tickets.models import Reply, Ticket, TicketCategory  # noqa: E402


class EntitlementFactory(DjangoModelFactory):
    class Meta:
        model = Entitlement

    entitlement_class = "ENV"
    code = factory.LazyAttribute(lambda o: next_entitlement_code(o.entitlement_class))
    product_name = factory.Sequence(lambda n: f"Product {n}")
    organization = factory.SubFactory(OrganizationFactory)
    company = "middag_br"
    sla_tier = "business"


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"{1000 + n}")
    status = Order.Status.COMPLETED
    total = "1250.00"
    organization = factory.SubFactory(OrganizationFactory)


class LicenseFactory(DjangoModelFactory):
    class Meta:
        model = License

    license_key = factory.Sequence(lambda n: f"LIC-{n:08d}")
    product_name = "Campus EAD"
    entitlement = factory.SubFactory(EntitlementFactory, entitlement_class="PLG")


class OnEntitlementFactory(DjangoModelFactory):
    """A row on an entitlement of its class (`entitlement_class`, ENV unless the factory says
    otherwise); it belongs to the entitlement's organization."""

    class Meta:
        abstract = True

    class Params:
        entitlement_class = "ENV"

    entitlement = factory.SubFactory(
        EntitlementFactory, entitlement_class=factory.SelfAttribute("..entitlement_class")
    )
    organization = factory.SelfAttribute("entitlement.organization")


class ContractFactory(OnEntitlementFactory):
    class Meta:
        model = Contract

    title = factory.Sequence(lambda n: f"Contract {n}")
    start_date = factory.Faker("date_object")


class EnvironmentFactory(OnEntitlementFactory):
    class Meta:
        model = Environment

    name = factory.Sequence(lambda n: f"Moodle {n}")
    platform = "moodle"
    environment_type = "production"
    url = factory.Sequence(lambda n: f"https://lms{n}.example.com")
    status = Environment.Status.ACTIVE


class ServiceFactory(OnEntitlementFactory):
    class Meta:
        model = Service

    class Params:
        entitlement_class = "SVC"

    name = factory.Sequence(lambda n: f"Project {n}")
    lifecycle = "project"
    status = Service.Status.IN_PROGRESS


class TicketCategoryFactory(DjangoModelFactory):
    class Meta:
        model = TicketCategory
        django_get_or_create = ["slug"]

    name = "Hosting"
    slug = "hosting"


class TicketFactory(DjangoModelFactory):
    """A ticket row without history or SLA times; use tickets.actions when those matter."""

    class Meta:
        model = Ticket

    number = factory.LazyFunction(next_ticket_number)
    title = factory.Sequence(lambda n: f"Request {n}")
    description = "Something needs attention."
    entitlement = factory.SubFactory(EntitlementFactory, entitlement_class="ENV")
    organization = factory.SelfAttribute("entitlement.organization")
    requester = factory.SubFactory(UserFactory)


class ReplyFactory(DjangoModelFactory):
    class Meta:
        model = Reply

    ticket = factory.SubFactory(TicketFactory)
    author = factory.SubFactory(UserFactory)
    message = "Thanks, looking into it."
