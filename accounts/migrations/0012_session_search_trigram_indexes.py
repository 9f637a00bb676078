"""Trigram indexes for the admin's device-name and IP searches at a million sessions (PostgreSQL only).

The admin searches a device name with ``icontains`` (``UPPER(device_name::text) LIKE
UPPER('%term%')``) and an IP address exactly, said a second time as ``contains``
(``HOST(ip_address) LIKE '%term%'``; accounts.admin.lists.search_q). A B-tree serves neither
a pattern with a leading wildcard; a GIN index of pg_trgm's trigrams on those very expressions
serves both, so that a search reads the few matching rows instead of the whole table
(docs/admin-at-scale.md has the figures). GIN keeps new entries in a pending list and merges
them in bulk, which is why it costs a bulk revocation less than the B-tree on the IP address
that migration 0006 dropped.

pg_trgm is one of PostgreSQL's trusted extensions: the database's owner may create it. The
indexes are built CONCURRENTLY, so logins and refreshes go on meanwhile, and live in the
database only (no model state), like those of migration 0003. Other databases (SQLite in
development) get nothing and search as before.
"""

from django.db import migrations

TABLE = "accounts_devicesession"
# (name, indexed expression): each the expression Django's lookup writes, so the planner matches it.
INDEXES = [
    ("session_device_trgm_idx", 'UPPER("device_name"::text)'),
    ("session_ip_trgm_idx", 'HOST("ip_address")'),
]


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {schema_editor.quote_name(name)} "
            f"ON {schema_editor.quote_name(TABLE)} USING gin (({expression}) gin_trgm_ops)"
        )


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: something else in the database may use it.
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [("accounts", "0011_passkeys")]

    operations = [migrations.RunPython(add_indexes, remove_indexes, atomic=False)]
