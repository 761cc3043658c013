"""Demo users and organizations; each app adds its own demo data in its own demo.py."""

from accounts.models import ALL_SCOPES, Membership, Organization, User

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105  (demo data, printed by load_demo)
STAFF_EMAIL = "staff@middag.example"
CLIENT_EMAIL = "client@acme.example"


def _user(email: str, name: str, *, staff: bool = False) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"name": name, "is_staff": staff, "is_superuser": staff}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _org(name: str, slug: str, company: str, cnpj: str = "") -> Organization:
    org, _ = Organization.objects.get_or_create(
        slug=slug, defaults={"name": name, "company": company, "cnpj": cnpj, "country": "BR"}
    )
    return org


def _member(user: User, org: Organization, role: str, scopes: list[str]) -> None:
    Membership.objects.get_or_create(
        user=user, organization=org, defaults={"role": role, "scopes": scopes}
    )


def load(log, context: dict) -> dict:
    """Idempotent: running it again changes nothing."""
    staff = _user(STAFF_EMAIL, "Ana Staff", staff=True)
    client = _user(CLIENT_EMAIL, "Carla Client")
    colleague = _user("member@acme.example", "Marcos Member")
    viewer = _user("guest@acme.example", "Gabi Guest")
    other = _user("owner@globex.example", "Otto Owner")
    acme = _org("Acme Learning", "acme-learning", "middag_br", "11222333000181")
    globex = _org("Globex University", "globex-university", "middag_global")
    _member(client, acme, Membership.Role.OWNER, ALL_SCOPES)
    _member(colleague, acme, Membership.Role.MEMBER, ["entitlements", "tickets"])
    _member(viewer, acme, Membership.Role.GUEST, ["entitlements"])
    _member(other, globex, Membership.Role.OWNER, ALL_SCOPES)
    log(f"accounts: {User.objects.count()} users, {Organization.objects.count()} organizations")
    return {"staff": staff, "client": client, "member": colleague, "orgs": [acme, globex]}
