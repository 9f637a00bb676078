"""Drop the index on the session's IP address: revoking in bulk paid for it, row by row.

IP addresses come in no order, so each of a million revoked rows added an entry to a
random page of this index: about 3 s of a 1M-session revocation on a stock PostgreSQL.
An exact-IP search in the admin now scans the table instead (0.15 s at 1M sessions;
see docs/admin-at-scale.md). Dropped and re-created CONCURRENTLY on PostgreSQL, like
migration 0003 built it, so that logins are not blocked meanwhile.
"""

from django.db import migrations, models

INDEX = models.Index(fields=["ip_address"], name="session_ip_idx")


def _options(schema_editor):
    return {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}


def drop_index(apps, schema_editor):
    # IF EXISTS: on SQLite, migration 0005 rebuilt the table from the model state, which has
    # never held this database-only index.
    concurrently = "CONCURRENTLY " if _options(schema_editor) else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {schema_editor.quote_name(INDEX.name)}")


def restore_index(apps, schema_editor):
    schema_editor.add_index(apps.get_model("accounts", "devicesession"), INDEX, **_options(schema_editor))


class Migration(migrations.Migration):
    # DROP INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [("accounts", "0005_session_uuid7_ids")]

    operations = [migrations.RunPython(drop_index, restore_index, atomic=False)]
