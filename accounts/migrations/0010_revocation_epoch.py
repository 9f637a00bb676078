"""Revocation epochs: "every session created at or before T and live then is revoked".

``revoke_sessions --all`` writes one row here instead of updating every session
(docs/admin-at-scale.md). A new, empty table: nothing to lock or rewrite on a live database.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_dpop'),
    ]

    operations = [
        migrations.CreateModel(
            name='RevocationEpoch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('revoked_at', models.DateTimeField()),
                ('reason', models.CharField(choices=[('logout', 'Logged out'), ('logout_all', 'Logged out everywhere'), ('session_deleted', 'Revoked by the user'), ('password_changed', 'Password changed'), ('reuse_detected', 'Refresh token reuse detected'), ('user_deactivated', 'User deactivated'), ('admin', 'Revoked by an admin'), ('command', 'Revoked by a management command'), ('logout_others', 'Logged out on every other device'), ('session_limit', 'Evicted: too many sessions'), ('password_reset', 'Password reset')], max_length=32)),
                ('settled_at', models.DateTimeField(blank=True, help_text='When every session it revoked had it written into its row.', null=True)),
            ],
            options={
                'verbose_name': 'revocation of every session',
                'verbose_name_plural': 'revocations of every session',
                'indexes': [models.Index(condition=models.Q(('settled_at__isnull', True)), fields=['revoked_at'], name='epoch_unsettled_idx')],
            },
        ),
    ]
