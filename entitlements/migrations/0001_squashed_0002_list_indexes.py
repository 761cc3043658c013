"""The entitlements app's migrations 0001-0002, squashed into their final state."""

import django.db.models.deletion
import django.utils.timezone
import django_fsm
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [('entitlements', '0001_initial'), ('entitlements', '0002_list_indexes')]

    dependencies = [
        ('accounts', '0001_squashed_0002_idempotency_key'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Entitlement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(editable=False, max_length=20, unique=True)),
                ('entitlement_class', models.CharField(choices=[('PLG', 'Plugin'), ('ENV', 'Environment'), ('SVC', 'Service'), ('ORD', 'Order'), ('AFL', 'Affiliate'), ('EDU', 'Education')], max_length=3, verbose_name='class')),
                ('product_name', models.CharField(max_length=200)),
                ('product_description', models.TextField(blank=True)),
                ('status', django_fsm.FSMField(choices=[('active', 'Active'), ('suspended', 'Suspended'), ('expired', 'Expired'), ('cancelled', 'Cancelled')], default='active', max_length=20, protected=True)),
                ('company', models.CharField(choices=[('middag_br', 'MIDDAG Brasil'), ('middag_global', 'MIDDAG Global')], default='middag_br', max_length=20)),
                ('starts_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('expires_at', models.DateTimeField(blank=True, null=True)),
                ('cancelled_at', models.DateTimeField(blank=True, null=True)),
                ('cancellation_reason', models.CharField(blank=True, max_length=200)),
                ('cancellation_notes', models.TextField(blank=True)),
                ('quote_id', models.PositiveBigIntegerField(blank=True, null=True)),
                ('auto_created', models.BooleanField(default=False)),
                ('metadata', models.JSONField(blank=True, default=dict)),
                ('sla_tier', models.CharField(choices=[('free', 'Free'), ('basic', 'Basic'), ('flex', 'Flex'), ('business', 'Business'), ('enterprise', 'Enterprise'), ('government', 'Government')], default='basic', max_length=20)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('organization', models.ForeignKey(blank=True, help_text='Empty for a standalone entitlement.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='entitlements', to='accounts.organization')),
                ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='children', to='entitlements.entitlement')),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['organization', '-created_at', '-id'], name='ent_org_created'), models.Index(fields=['organization', 'status'], name='ent_org_status'), models.Index(fields=['organization', 'entitlement_class'], name='ent_org_class'), models.Index(fields=['status', 'expires_at'], name='ent_status_expires'), models.Index(fields=['company'], name='ent_company'), models.Index(fields=['product_name'], name='ent_product'), models.Index(fields=['-created_at', '-id'], name='ent_created'), models.Index(fields=['entitlement_class'], name='ent_class'), models.Index(fields=['expires_at'], name='ent_expires')],
            },
            bases=(django_fsm.ConcurrentTransitionMixin, models.Model),
        ),
        migrations.CreateModel(
            name='Contract',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=200)),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('active', 'Active'), ('expired', 'Expired'), ('terminated', 'Terminated')], default='active', max_length=12)),
                ('start_date', models.DateField()),
                ('end_date', models.DateField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='contracts', to='accounts.organization')),
                ('entitlement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contracts', to='entitlements.entitlement')),
            ],
            options={
                'ordering': ['-start_date', '-id'],
                'indexes': [models.Index(fields=['entitlement', '-start_date', '-id'], name='contract_ent_start')],
            },
        ),
        migrations.CreateModel(
            name='EntitlementStatusChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_status', models.CharField(blank=True, max_length=20, null=True)),
                ('to_status', models.CharField(max_length=20)),
                ('transition', models.CharField(blank=True, max_length=30)),
                ('changed_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('reason', models.TextField(blank=True)),
                ('notes', models.TextField(blank=True)),
                ('changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('subject', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='history', to='entitlements.entitlement')),
            ],
            options={
                'ordering': ['changed_at', 'id'],
                'indexes': [models.Index(fields=['subject', 'changed_at'], name='ent_history_subject')],
            },
        ),
        migrations.CreateModel(
            name='License',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('license_key', models.CharField(max_length=64, unique=True)),
                ('product_name', models.CharField(max_length=200)),
                ('status', models.CharField(choices=[('active', 'Active'), ('inactive', 'Inactive'), ('expired', 'Expired'), ('revoked', 'Revoked')], default='active', max_length=10)),
                ('activations_limit', models.PositiveIntegerField(default=1)),
                ('expires_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('entitlement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='licenses', to='entitlements.entitlement')),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['entitlement', '-created_at', '-id'], name='license_ent_created')],
            },
        ),
        migrations.CreateModel(
            name='LicenseActivation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('domain', models.CharField(max_length=253)),
                ('activated_at', models.DateTimeField(auto_now_add=True)),
                ('license', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='activations', to='entitlements.license')),
            ],
            options={
                'ordering': ['activated_at', 'id'],
                'constraints': [models.UniqueConstraint(fields=('license', 'domain'), name='license_domain_unique')],
            },
        ),
        migrations.CreateModel(
            name='Order',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=40, unique=True)),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('processing', 'Processing'), ('on-hold', 'On hold'), ('completed', 'Completed'), ('cancelled', 'Cancelled'), ('refunded', 'Refunded'), ('failed', 'Failed')], default='pending', max_length=20)),
                ('total', models.DecimalField(decimal_places=2, default=0, max_digits=12)),
                ('currency', models.CharField(default='BRL', max_length=3)),
                ('date_created', models.DateTimeField(default=django.utils.timezone.now)),
                ('date_completed', models.DateTimeField(blank=True, null=True)),
                ('payment_method', models.CharField(blank=True, max_length=60)),
                ('items_count', models.PositiveIntegerField(default=1)),
                ('organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='orders', to='accounts.organization')),
            ],
            options={
                'ordering': ['-date_created', '-id'],
                'indexes': [models.Index(fields=['-date_created', '-id'], name='order_date_created')],
            },
        ),
        migrations.CreateModel(
            name='OrderEntitlement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('created', 'Created the entitlement'), ('renewal', 'Renewed the entitlement')], default='created', max_length=10)),
                ('linked_at', models.DateTimeField(auto_now_add=True)),
                ('entitlement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='order_links', to='entitlements.entitlement')),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='links', to='entitlements.order')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('order', 'entitlement'), name='order_entitlement_unique')],
                'ordering': ['linked_at', 'id'],
            },
        ),
        migrations.AddField(
            model_name='order',
            name='entitlements',
            field=models.ManyToManyField(blank=True, related_name='orders', through='entitlements.OrderEntitlement', to='entitlements.entitlement'),
        ),
    ]
