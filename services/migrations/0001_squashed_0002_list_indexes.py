"""The services app's migrations 0001-0002, squashed into their final state."""

import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [('services', '0001_initial'), ('services', '0002_list_indexes')]

    dependencies = [
        ('accounts', '0001_squashed_0002_idempotency_key'),
        ('entitlements', '0001_squashed_0002_list_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Service',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200)),
                ('status', django_fsm.FSMField(choices=[('proposal', 'Proposal'), ('approved', 'Approved'), ('in_progress', 'In progress'), ('on_hold', 'On hold'), ('delivered', 'Delivered'), ('closed', 'Closed'), ('cancelled', 'Cancelled')], default='proposal', max_length=20, protected=True)),
                ('lifecycle', models.CharField(choices=[('ongoing', 'Ongoing'), ('project', 'Project')], default='project', max_length=10)),
                ('description', models.TextField(blank=True)),
                ('metadata', models.JSONField(blank=True, default=dict)),
                ('category', models.CharField(blank=True, max_length=80)),
                ('priority', models.CharField(choices=[('low', 'Low'), ('normal', 'Normal'), ('high', 'High'), ('urgent', 'Urgent')], default='normal', max_length=10)),
                ('start_date', models.DateField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('assigned_staff', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='assigned_services', to=settings.AUTH_USER_MODEL)),
                ('entitlement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='services', to='entitlements.entitlement')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='services', to='accounts.organization')),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['organization', '-created_at', '-id'], name='svc_org_created'), models.Index(fields=['organization', 'status'], name='svc_org_status'), models.Index(fields=['organization', 'lifecycle'], name='svc_org_lifecycle'), models.Index(fields=['-created_at', '-id'], name='svc_created'), models.Index(fields=['status', '-created_at'], name='svc_status')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='ServiceStatusChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_status', models.CharField(blank=True, max_length=20, null=True)),
                ('to_status', models.CharField(max_length=20)),
                ('transition', models.CharField(blank=True, max_length=30)),
                ('changed_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('reason', models.TextField(blank=True)),
                ('notes', models.TextField(blank=True)),
                ('changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('subject', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='history', to='services.service')),
            ],
            options={
                'ordering': ['changed_at', 'id'],
                'indexes': [models.Index(fields=['subject', 'changed_at'], name='svc_history_subject')],
            },
        ),
    ]
