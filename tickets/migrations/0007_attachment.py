# The attachments model (issue 14).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import tickets.models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_invitation"),
        ("tickets", "0006_priority_rank_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Attachment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("file", models.FileField(max_length=255, storage=tickets.models.attachment_storage, upload_to=tickets.models.attachment_path)),
                ("filename", models.CharField(help_text="The sanitized original filename.", max_length=255)),
                ("size", models.PositiveBigIntegerField()),
                ("content_type", models.CharField(help_text="Detected from the content.", max_length=100)),
                ("sha256", models.CharField(max_length=64)),
                ("internal", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("organization", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="attachments", to="accounts.organization")),
                ("reply", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="attachments", to="tickets.reply")),
                ("ticket", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="attachments", to="tickets.ticket")),
                ("uploaded_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "ordering": ["created_at", "id"],
                "indexes": [
                    models.Index(fields=["ticket", "created_at"], name="attachment_ticket_created"),
                    models.Index(fields=["organization", "created_at"], name="attachment_org_created"),
                ],
            },
        ),
    ]
