"""The tickets app's migrations 0001-0005, squashed into their final state.

Also carries the two data/SQL steps of the old migrations, unchanged:

- 0003: default SLA targets (minutes to first response / to resolution) and a few ticket
  categories. Only missing rows are created, so staff edits in the admin are never overwritten.
  Wall-clock minutes; `None` means no target for that clock (the free tier promises only an
  urgent reply).
- 0004: per-organization ticket counts, kept exact by PostgreSQL triggers on tickets_ticket.
  An unfiltered ticket list (a client's first or hundredth page, the staff desk's whole queue)
  reads its total here instead of counting rows, which grows with the table. Statement-level
  triggers with transition tables keep bulk loads cheap (one upsert per statement, not per
  row). Other databases get the table but no triggers; the API then counts rows as before.
"""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import django_fsm
from django.conf import settings
from django.db import migrations, models

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


INSTALL = """
CREATE OR REPLACE FUNCTION tickets_count_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tickets_ticketcount AS c (organization_id, tickets)
    SELECT organization_id, count(*) FROM added GROUP BY organization_id ORDER BY organization_id
    ON CONFLICT (organization_id) DO UPDATE SET tickets = c.tickets + EXCLUDED.tickets;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tickets_count_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tickets_ticketcount AS c SET tickets = c.tickets - r.n
    FROM (SELECT organization_id, count(*) AS n FROM removed GROUP BY organization_id) AS r
    WHERE c.organization_id = r.organization_id;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tickets_count_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tickets_ticketcount SET tickets = tickets - 1
    WHERE organization_id = OLD.organization_id;
    INSERT INTO tickets_ticketcount AS c (organization_id, tickets)
    VALUES (NEW.organization_id, 1)
    ON CONFLICT (organization_id) DO UPDATE SET tickets = c.tickets + 1;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tickets_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tickets_ticketcount;
    RETURN NULL;
END $$;

CREATE TRIGGER tickets_count_insert AFTER INSERT ON tickets_ticket
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION tickets_count_added();
CREATE TRIGGER tickets_count_delete AFTER DELETE ON tickets_ticket
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION tickets_count_removed();
CREATE TRIGGER tickets_count_move AFTER UPDATE OF organization_id ON tickets_ticket
    FOR EACH ROW WHEN (OLD.organization_id IS DISTINCT FROM NEW.organization_id)
    EXECUTE FUNCTION tickets_count_moved();
CREATE TRIGGER tickets_count_truncate AFTER TRUNCATE ON tickets_ticket
    FOR EACH STATEMENT EXECUTE FUNCTION tickets_count_truncated();

INSERT INTO tickets_ticketcount (organization_id, tickets)
SELECT organization_id, count(*) FROM tickets_ticket GROUP BY organization_id;
"""

UNINSTALL = """
DROP TRIGGER IF EXISTS tickets_count_insert ON tickets_ticket;
DROP TRIGGER IF EXISTS tickets_count_delete ON tickets_ticket;
DROP TRIGGER IF EXISTS tickets_count_move ON tickets_ticket;
DROP TRIGGER IF EXISTS tickets_count_truncate ON tickets_ticket;
DROP FUNCTION IF EXISTS tickets_count_added();
DROP FUNCTION IF EXISTS tickets_count_removed();
DROP FUNCTION IF EXISTS tickets_count_moved();
DROP FUNCTION IF EXISTS tickets_count_truncated();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNINSTALL)


class Migration(migrations.Migration):

    initial = True

    replaces = [('tickets', '0001_initial'), ('tickets', '0002_deletion_and_sla_risk'), ('tickets', '0003_seed_sla_targets_and_categories'), ('tickets', '0004_ticket_counts_and_queue_index'), ('tickets', '0005_ticket_org_status_priority_index')]

    dependencies = [
        ('accounts', '0001_squashed_0002_idempotency_key'),
        ('entitlements', '0001_squashed_0002_list_indexes'),
        ('environments', '0001_squashed_0002_suspended_manually_list_indexes'),
        ('services', '0001_squashed_0002_list_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TicketCategory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=80, unique=True)),
                ('slug', models.SlugField(max_length=80, unique=True)),
                ('is_active', models.BooleanField(default=True)),
            ],
            options={
                'verbose_name_plural': 'ticket categories',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='SlaTarget',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tier', models.CharField(choices=[('free', 'Free'), ('basic', 'Basic'), ('flex', 'Flex'), ('business', 'Business'), ('enterprise', 'Enterprise'), ('government', 'Government')], max_length=20)),
                ('priority', models.CharField(choices=[('low', 'Low'), ('normal', 'Normal'), ('high', 'High'), ('urgent', 'Urgent')], max_length=10)),
                ('first_response_minutes', models.PositiveIntegerField(blank=True, null=True)),
                ('resolution_minutes', models.PositiveIntegerField(blank=True, null=True)),
            ],
            options={
                'ordering': ['tier', 'priority'],
                'constraints': [models.UniqueConstraint(fields=('tier', 'priority'), name='sla_target_unique')],
            },
        ),
        migrations.CreateModel(
            name='Ticket',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(editable=False, max_length=20, unique=True)),
                ('title', models.CharField(max_length=200)),
                ('description', models.TextField()),
                ('status', django_fsm.FSMField(choices=[('open', 'Open'), ('in_progress', 'In progress'), ('waiting', 'Waiting'), ('resolved', 'Resolved'), ('closed', 'Closed'), ('cancelled', 'Cancelled')], default='open', max_length=20, protected=True)),
                ('priority', models.CharField(choices=[('low', 'Low'), ('normal', 'Normal'), ('high', 'High'), ('urgent', 'Urgent')], default='normal', max_length=10)),
                ('source', models.CharField(choices=[('account', 'Account API'), ('admin', 'Back office'), ('isp', 'ISP ticket API'), ('helpdesk', 'Helpdesk ticket API')], default='account', max_length=10)),
                ('due_at', models.DateTimeField(blank=True, help_text='A date agreed with the client.', null=True)),
                ('response_due_at', models.DateTimeField(blank=True, null=True)),
                ('resolution_due_at', models.DateTimeField(blank=True, null=True)),
                ('first_response_at', models.DateTimeField(blank=True, null=True)),
                ('paused_at', models.DateTimeField(blank=True, null=True)),
                ('paused_seconds', models.PositiveIntegerField(default=0)),
                ('resolved_at', models.DateTimeField(blank=True, null=True)),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('resolution_type', models.CharField(blank=True, max_length=80)),
                ('resolution_subject', models.CharField(blank=True, max_length=200)),
                ('rating', models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                ('rating_comment', models.TextField(blank=True)),
                ('rated_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('assignee', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='assigned_tickets', to=settings.AUTH_USER_MODEL)),
                ('entitlement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='entitlements.entitlement')),
                ('environment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='environments.environment')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='accounts.organization')),
                ('rated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('requester', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='requested_tickets', to=settings.AUTH_USER_MODEL)),
                ('service', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='services.service')),
                ('category', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tickets', to='tickets.ticketcategory')),
                ('resolution_risk_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('response_risk_at', models.DateTimeField(blank=True, editable=False, null=True)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['organization', '-created_at', '-id'], name='tkt_org_created'), models.Index(fields=['-created_at', '-id'], name='tkt_created'), models.Index(fields=['organization', 'status', '-created_at'], name='tkt_org_status'), models.Index(fields=['organization', 'priority'], name='tkt_org_priority'), models.Index(fields=['entitlement', '-created_at'], name='tkt_entitlement'), models.Index(fields=['environment', '-created_at'], name='tkt_environment'), models.Index(fields=['service', '-created_at'], name='tkt_service'), models.Index(fields=['assignee', 'status'], name='tkt_assignee'), models.Index(fields=['status', 'resolution_due_at'], name='tkt_status_due'), models.Index(fields=['status', 'resolved_at'], name='tkt_status_resolved'), models.Index(fields=['organization', 'assignee'], name='tkt_org_assignee'), models.Index(fields=['organization', '-updated_at'], name='tkt_org_updated'), models.Index(fields=['status', 'response_due_at'], name='tkt_status_response_due'), models.Index(fields=['due_at'], name='tkt_due'), models.Index(fields=['status', 'priority'], name='tkt_status_priority'), models.Index(fields=['organization', 'status', 'priority'], name='tkt_org_status_priority')],
                'constraints': [models.CheckConstraint(condition=models.Q(('rating__isnull', True), models.Q(('rating__gte', 1), ('rating__lte', 5)), _connector='OR'), name='ticket_rating_1_5')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='TicketStatusChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_status', models.CharField(blank=True, max_length=20, null=True)),
                ('to_status', models.CharField(max_length=20)),
                ('transition', models.CharField(blank=True, max_length=30)),
                ('changed_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('reason', models.TextField(blank=True)),
                ('notes', models.TextField(blank=True)),
                ('changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('subject', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='history', to='tickets.ticket')),
            ],
            options={
                'ordering': ['changed_at', 'id'],
                'indexes': [models.Index(fields=['subject', 'changed_at'], name='tkt_history_subject')],
            },
        ),
        migrations.CreateModel(
            name='SlaBreach',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('response', 'First response'), ('resolution', 'Resolution')], max_length=10)),
                ('due_at', models.DateTimeField()),
                ('recorded_at', models.DateTimeField(auto_now_add=True)),
                ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='breaches', to='tickets.ticket')),
            ],
            options={
                'ordering': ['-recorded_at'],
                'constraints': [models.UniqueConstraint(fields=('ticket', 'kind'), name='sla_breach_once')],
            },
        ),
        migrations.CreateModel(
            name='Reply',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('message', models.TextField()),
                ('internal', models.BooleanField(default=False)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('author', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='replies', to='tickets.ticket')),
            ],
            options={
                'verbose_name_plural': 'replies',
                'ordering': ['created_at', 'id'],
                'indexes': [models.Index(fields=['ticket', 'created_at'], name='reply_ticket_created')],
            },
        ),
        migrations.CreateModel(
            name='TicketDeletion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(db_index=True, max_length=20)),
                ('title', models.CharField(max_length=200)),
                ('organization_id', models.BigIntegerField(db_index=True)),
                ('entitlement_code', models.CharField(blank=True, max_length=20)),
                ('status', models.CharField(max_length=20)),
                ('replies_count', models.PositiveIntegerField(default=0)),
                ('deleted_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('deleted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-deleted_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='TicketCount',
            fields=[
                ('organization', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='accounts.organization')),
                ('tickets', models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(install, uninstall),
    ]
