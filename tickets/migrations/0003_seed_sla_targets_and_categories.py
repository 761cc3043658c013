"""Default SLA targets (minutes to first response / to resolution) and a few ticket categories.

Only missing rows are created, so staff edits in the admin are never overwritten. Wall-clock
minutes; `None` means no target for that clock (the free tier promises only an urgent reply).
"""

from django.db import migrations

H = 60
DAY = 24 * H

TARGETS = {
    #               urgent              high                normal              low
    "enterprise": [(30, 4 * H), (1 * H, 8 * H), (4 * H, 1 * DAY), (8 * H, 3 * DAY)],
    "government": [(30, 4 * H), (1 * H, 8 * H), (4 * H, 1 * DAY), (8 * H, 3 * DAY)],
    "business": [(1 * H, 8 * H), (2 * H, 1 * DAY), (8 * H, 2 * DAY), (1 * DAY, 5 * DAY)],
    "flex": [(2 * H, 1 * DAY), (4 * H, 2 * DAY), (1 * DAY, 3 * DAY), (2 * DAY, 7 * DAY)],
    "basic": [(4 * H, 1 * DAY), (8 * H, 2 * DAY), (1 * DAY, 5 * DAY), (2 * DAY, 10 * DAY)],
    "free": [(1 * DAY, None), (None, None), (None, None), (None, None)],
}
PRIORITIES = ["urgent", "high", "normal", "low"]

CATEGORIES = [
    ("Hosting", "hosting"),
    ("Incident", "incident"),
    ("Upgrade", "upgrade"),
    ("Access", "access"),
    ("Payment", "payment"),
    ("Other", "other"),
]


def seed(apps, schema_editor):
    SlaTarget = apps.get_model("tickets", "SlaTarget")
    TicketCategory = apps.get_model("tickets", "TicketCategory")
    for tier, rows in TARGETS.items():
        for priority, (response, resolution) in zip(PRIORITIES, rows, strict=True):
            SlaTarget.objects.get_or_create(
                tier=tier,
                priority=priority,
                defaults={"first_response_minutes": response, "resolution_minutes": resolution},
            )
    for name, slug in CATEGORIES:
        if not TicketCategory.objects.filter(slug=slug).exists():
            TicketCategory.objects.get_or_create(name=name, defaults={"slug": slug})


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_deletion_and_sla_risk")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
