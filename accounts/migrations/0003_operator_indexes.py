"""Indexes for the admin's searches at a million sessions: exact IP and session id lookups.

On PostgreSQL they are built CONCURRENTLY, so that migrating a live database does not
block logins and refreshes while the index is built. They live in the database only
(RunPython, no model state), so that the models and the migration state stay as they are.
"""

from django.db import migrations, models

INDEXES = [
    ("devicesession", models.Index(fields=["ip_address"], name="session_ip_idx")),
    ("securityevent", models.Index(fields=["ip_address"], name="event_ip_idx")),
    ("securityevent", models.Index(fields=["session_id"], name="event_session_idx")),
]


def _options(schema_editor):
    return {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}


def add_indexes(apps, schema_editor):
    for model_name, index in INDEXES:
        schema_editor.add_index(apps.get_model("accounts", model_name), index, **_options(schema_editor))


def remove_indexes(apps, schema_editor):
    for model_name, index in INDEXES:
        schema_editor.remove_index(apps.get_model("accounts", model_name), index, **_options(schema_editor))


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [("accounts", "0002_cache_table")]

    operations = [migrations.RunPython(add_indexes, remove_indexes, atomic=False)]
