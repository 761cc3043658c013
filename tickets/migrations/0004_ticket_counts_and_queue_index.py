"""Per-organization ticket counts, kept exact by PostgreSQL triggers on tickets_ticket.

An unfiltered ticket list (a client's first or hundredth page, the staff desk's whole queue)
reads its total here instead of counting rows, which grows with the table. Statement-level
triggers with transition tables keep bulk loads cheap (one upsert per statement, not per row).
Other databases get the table but no triggers; the API then counts rows as before.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

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

    dependencies = [
        ('accounts', '0002_idempotency_key'),
        ('entitlements', '0002_list_indexes'),
        ('environments', '0002_suspended_manually_list_indexes'),
        ('services', '0002_list_indexes'),
        ('tickets', '0003_seed_sla_targets_and_categories'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TicketCount',
            fields=[
                ('organization', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='accounts.organization')),
                ('tickets', models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(install, uninstall),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['status', 'priority'], name='tkt_status_priority'),
        ),
    ]
