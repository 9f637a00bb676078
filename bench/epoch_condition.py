"""What the revocation-epoch condition costs the two hot-path statements, on PostgreSQL, in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME .venv/bin/python -m bench.epoch_condition

Creates the database ``<NAME>_epoch_sql`` beside the one DATABASE_URL names (and drops it at the
end), seeds ``--sessions`` live sessions, then times the authentication join and the rotation
``UPDATE`` of accounts/sessions/hot_sql.py as they are, without the epoch condition, and with the two
other ways of writing it, with 0, 1 and ``--epochs`` epochs in the table (all older than every
session, so every session stays live). Prints microseconds per statement (median of ``--reps``
rounds of ``-n`` statements, the variants interleaved): sent as Django sends them (planned on
every run), then prepared once per connection; then PostgreSQL's own planning and execution
times of the unprepared ones, and each variant's plan.
"""

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--epochs", type=int, default=20, help="the largest number of epochs tried")
    parser.add_argument("-n", type=int, default=2_000, help="statements per round and variant")
    parser.add_argument("--reps", type=int, default=7)
    return parser.parse_args(argv)


def variants(current, epoch_table, epoch_column, settled_column, created):
    """Return {name: the statement with that form of the epoch condition} from the shipped statement."""
    # Identifiers from the models' metadata, values as parameters (as in accounts/sessions/hot_sql.py).
    unsettled = f"{epoch_table}.{settled_column} IS NULL"
    shipped = f"NOT EXISTS (SELECT 1 FROM {epoch_table} WHERE {unsettled} AND {epoch_table}.{epoch_column} >= {created})"  # noqa: S608
    assert shipped in current, current
    most_recent = f"(SELECT MAX({epoch_column}) FROM {epoch_table} WHERE {unsettled})"  # noqa: S608
    every = f"(SELECT {epoch_column} FROM {epoch_table} WHERE {unsettled})"  # noqa: S608
    return {
        "without (before)": current.replace(f"AND {shipped}", "").replace(f"{shipped} AND", ""),
        "NOT EXISTS (shipped)": current,
        "> COALESCE(MAX)": current.replace(shipped, f"{created} > COALESCE({most_recent}, %s)"),
        "> ALL": current.replace(shipped, f"{created} > ALL {every}"),
    }


def main(argv=None):
    args = parse_args(argv)
    base = os.environ.get("DATABASE_URL", "")
    from testing.servers import is_postgres, pg_create, pg_database_name, pg_drop, pg_url_with_name

    if not is_postgres(base):
        sys.exit("DATABASE_URL must name a PostgreSQL database")
    url = pg_url_with_name(base, f"{pg_database_name(base)}_epoch_sql")
    pg_create(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Production-like: no query log kept in memory.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.pop("REDIS_URL", None)
    try:
        import django

        django.setup()
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        pg_drop(url)
        print(f"Dropped {pg_database_name(url)}.")


def run(args):
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.backends.postgresql import base as postgresql_base
    from django.utils import timezone

    from accounts.models import DeviceSession, RevocationEpoch
    from accounts.querysets import NO_EPOCH
    from accounts.sessions import hot_sql
    from bench.sessions_at_scale import LIVE, seed, seed_users, sql

    call_command("migrate", verbosity=0)
    _admin, first_id = seed_users(args.users)
    seed(LIVE, start=1, stop=args.sessions, first_id=first_id, users=args.users)
    sql("VACUUM ANALYZE")
    sample = list(DeviceSession.objects.order_by("?").values_list("pk", "user_id", "refresh_jti")[:20_000])
    jtis = {pk: jti for pk, _, jti in sample}
    quote = connection.ops.quote_name
    epoch_table = quote(RevocationEpoch._meta.db_table)
    epoch_column = quote(RevocationEpoch._meta.get_field("revoked_at").column)
    settled_column = quote(RevocationEpoch._meta.get_field("settled_at").column)
    created = (
        f"{quote(DeviceSession._meta.db_table)}.{quote(DeviceSession._meta.get_field('created_at').column)}"
    )
    live_sql = variants(
        hot_sql._live_user_sql(connection.alias), epoch_table, epoch_column, settled_column, created
    )
    rotate_sql = variants(
        hot_sql._rotate_sql(connection.alias), epoch_table, epoch_column, settled_column, created
    )
    adapt = connection.ops.adapt_datetimefield_value
    no_epoch = adapt(NO_EPOCH)

    def extra(name):
        return [no_epoch] if "COALESCE" in name else []

    @contextmanager
    def cursor_of(prepared):
        """Yield a cursor as Django's (bound on the client, planned on every run), or prepared per connection.

        Prepared: parameters bound on the server and the statement prepared at its first run,
        what the main branch's backend now does for the two hot statements.
        """
        if not prepared:
            with connection.cursor() as cursor:
                yield cursor
            return
        connection.ensure_connection()
        raw = connection.connection
        factory, threshold = raw.cursor_factory, raw.prepare_threshold
        raw.cursor_factory, raw.prepare_threshold = postgresql_base.ServerBindingCursor, 0
        try:
            with connection.cursor() as cursor:
                yield cursor
        finally:
            raw.cursor_factory, raw.prepare_threshold = factory, threshold

    def time_live(name, now, prepared=False):
        statement, extra_params = live_sql[name], extra(name)
        rows = random.sample(sample, args.n)
        with cursor_of(prepared) as cursor:
            started = time.perf_counter()
            for pk, user_id, _ in rows:
                cursor.execute(statement, [pk, user_id, now, now, *extra_params])
                assert cursor.fetchone() is not None
            return (time.perf_counter() - started) / args.n * 1e6

    def time_rotate(name, now, prepared=False):
        statement, extra_params = rotate_sql[name], extra(name)
        rows = random.sample(sample, args.n)
        expires = adapt(timezone.now() + timedelta(days=7))
        # One transaction, rolled back: the statement's own cost, not a commit's WAL flush each.
        with transaction.atomic(), cursor_of(prepared) as cursor:
            started = time.perf_counter()
            for pk, user_id, _ in rows:
                new = uuid.uuid4().hex
                cursor.execute(
                    statement,
                    [new, jtis[pk], now, now, expires, pk, user_id, jtis[pk], now, now, *extra_params],
                )
                assert cursor.rowcount == 1
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        return elapsed / args.n * 1e6

    def server_side(name, now, statement, params_of):
        """Return the medians of PostgreSQL's own planning and execution times (EXPLAIN ANALYZE), in µs."""
        planning, execution = [], []
        rows = random.sample(sample, min(args.n, 500))
        with transaction.atomic(), connection.cursor() as cursor:
            for row in rows:
                cursor.execute(
                    f"EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT JSON) {statement}",
                    params_of(row) + extra(name),
                )
                plan = cursor.fetchone()[0]
                plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
                planning.append(plan["Planning Time"] * 1000)
                execution.append(plan["Execution Time"] * 1000)
            transaction.set_rollback(True)
        return statistics.median(planning), statistics.median(execution)

    print(
        f"PostgreSQL, {args.sessions:,} live sessions; microseconds per statement, median of "
        f"{args.reps} rounds of {args.n} (variants interleaved); then PostgreSQL's own planning + "
        f"execution time (EXPLAIN ANALYZE, median of {min(args.n, 500)})"
    )
    print()
    print("| epochs | statement | " + " | ".join(live_sql) + " |")
    print("|---:|---|" + "---:|" * len(live_sql))
    oldest = DeviceSession.objects.order_by("created_at").values_list("created_at", flat=True).first()
    for epochs in sorted({0, 1, args.epochs}):
        RevocationEpoch.objects.all().delete()
        RevocationEpoch.objects.bulk_create(
            RevocationEpoch(revoked_at=oldest - timedelta(days=1, hours=i), reason="command")
            for i in range(epochs)
        )
        sql("ANALYZE accounts_revocationepoch")
        now = adapt(timezone.now())
        timers = [
            ("authentication join", time_live, False),
            ("rotation UPDATE", time_rotate, False),
            ("authentication join, prepared", time_live, True),
            ("rotation UPDATE, prepared", time_rotate, True),
        ]
        for label, timer, prepared in timers:
            names = list(live_sql)
            for name in names:  # warm-up (and, prepared, the PREPARE itself)
                timer(name, now, prepared)
            times = {name: [] for name in names}
            for _ in range(args.reps):
                random.shuffle(names)
                for name in names:
                    times[name].append(timer(name, now, prepared))
            cells = " | ".join(f"{statistics.median(times[name]):.1f}" for name in live_sql)
            print(f"| {epochs} | {label}, round trip | {cells} |", flush=True)
        expires = adapt(timezone.now() + timedelta(days=7))

        def live_params(row, now=now):
            return [row[0], row[1], now, now]

        def rotate_params(row, now=now, expires=expires):
            pk, user_id, _ = row
            return [uuid.uuid4().hex, jtis[pk], now, now, expires, pk, user_id, jtis[pk], now, now]

        for label, statements, params_of in (
            ("authentication join", live_sql, live_params),
            ("rotation UPDATE", rotate_sql, rotate_params),
        ):
            cells = []
            for name in live_sql:
                planning, execution = server_side(name, now, statements[name], params_of)
                cells.append(f"{planning:.0f} + {execution:.0f}")
            print(f"| {epochs} | {label}, in PostgreSQL | {' | '.join(cells)} |", flush=True)

    pk, user_id, _ = sample[0]
    now = adapt(timezone.now())
    print()
    for name, statement in live_sql.items():
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {statement}", [pk, user_id, now, now, *extra(name)])
            plan = "\n    ".join(row[0] for row in cursor.fetchall())
        print(f"{name}, authentication join, {args.epochs} epochs:\n    {plan}")


if __name__ == "__main__":
    main()
