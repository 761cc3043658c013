# Placeholder for the attachments model (issue 14); filled in by that work.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0006_priority_rank_indexes"),
    ]

    operations = []
