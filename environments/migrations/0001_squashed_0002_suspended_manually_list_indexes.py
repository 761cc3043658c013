"""The environments app's migrations 0001-0002, squashed into their final state."""

import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [('environments', '0001_initial'), ('environments', '0002_suspended_manually_list_indexes')]

    dependencies = [
        ('accounts', '0001_squashed_0002_idempotency_key'),
        ('entitlements', '0001_squashed_0002_list_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Environment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('status', django_fsm.FSMField(choices=[('provisioning', 'Provisioning'), ('active', 'Active'), ('maintenance', 'Maintenance'), ('suspended', 'Suspended'), ('decommissioned', 'Decommissioned')], default='provisioning', max_length=20, protected=True)),
                ('platform', models.CharField(choices=[('moodle', 'Moodle'), ('wordpress', 'WordPress'), ('custom', 'Custom')], max_length=20)),
                ('environment_type', models.CharField(choices=[('production', 'Production'), ('staging', 'Staging'), ('development', 'Development'), ('sandbox', 'Sandbox')], default='production', max_length=20)),
                ('url', models.URLField(blank=True)),
                ('metadata', models.JSONField(blank=True, default=dict)),
                ('platform_version', models.CharField(blank=True, max_length=40)),
                ('admin_url', models.URLField(blank=True)),
                ('hosting_provider', models.CharField(blank=True, max_length=80)),
                ('region', models.CharField(blank=True, max_length=60)),
                ('backup_schedule', models.CharField(blank=True, help_text='e.g. daily 03:00 UTC', max_length=60)),
                ('backup_retention_days', models.PositiveIntegerField(default=30)),
                ('health', models.CharField(choices=[('unknown', 'Unknown'), ('healthy', 'Healthy'), ('degraded', 'Degraded'), ('down', 'Down')], default='unknown', max_length=10)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('entitlement', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='environment', to='entitlements.entitlement')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='environments', to='accounts.organization')),
                ('suspended_manually', models.BooleanField(default=False, editable=False)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['organization', '-created_at', '-id'], name='env_org_created'), models.Index(fields=['organization', 'status'], name='env_org_status'), models.Index(fields=['organization', 'platform'], name='env_org_platform'), models.Index(fields=['organization', 'environment_type'], name='env_org_type'), models.Index(fields=['-created_at', '-id'], name='env_created'), models.Index(fields=['status', '-created_at'], name='env_status')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='EnvironmentStatusChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_status', models.CharField(blank=True, max_length=20, null=True)),
                ('to_status', models.CharField(max_length=20)),
                ('transition', models.CharField(blank=True, max_length=30)),
                ('changed_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('reason', models.TextField(blank=True)),
                ('notes', models.TextField(blank=True)),
                ('changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('subject', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='history', to='environments.environment')),
            ],
            options={
                'ordering': ['changed_at', 'id'],
                'indexes': [models.Index(fields=['subject', 'changed_at'], name='env_history_subject')],
            },
        ),
    ]
