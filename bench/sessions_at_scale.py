"""Time the operators' tools at a million sessions in PostgreSQL.

    .venv/bin/python bench/sessions_at_scale.py [--sessions 1000000] [--users 10000] [--repeats 3]

Creates its own database (``bench_sessions`` on 127.0.0.1:5432, user postgres; never the
development one), seeds it with INSERT ... SELECT generate_series, times
``revoke_sessions --user``, ``revoke_sessions --all``, settling its revocation epoch,
``prune_sessions`` and the admin's session list (a logged-in superuser through
django.test.Client; without an epoch, with an unsettled one and once it is settled), prints the
medians, and drops the database whatever happens. ``--timeout`` bounds the whole run.
"""

import argparse
import io
import os
import platform
import re
import secrets
import signal
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEVICES = ["iPhone 15", "Pixel 8", "Firefox on Linux", "Chrome on Windows", "Safari on macOS", "ThinkPad"]


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=1_000_000, help="Sessions to seed (default 1M).")
    parser.add_argument("--users", type=int, default=10_000, help="Users to spread them over.")
    parser.add_argument("--repeats", type=int, default=3, help="Runs of each command (median shown).")
    parser.add_argument("--page-repeats", type=int, default=5, help="Loads of each admin page.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5432)
    parser.add_argument("--db-user", default="postgres")
    parser.add_argument("--database", default="bench_sessions", help="Created and dropped; never reuse one.")
    parser.add_argument("--timeout", type=int, default=1800, help="Abort (and clean up) after this many s.")
    return parser.parse_args()


def rows_shown(page: bytes) -> int:
    """Return the rows an admin page lists: its change list's, else its inlines' (the form rows)."""
    start = page.find(b'id="result_list"')
    if start != -1:
        body = page[start : page.index(b"</table>", start)]
        return body.count(b"<tr") - 1  # the heading's row
    return sum(b"empty-form" not in row for row in re.findall(rb'<tr class="form-row[^"]*"', page))


def admin_connection(args):
    import psycopg

    return psycopg.connect(
        host=args.host, port=args.port, user=args.db_user, dbname="postgres", autocommit=True
    )


def recreate_database(args):
    with admin_connection(args) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')


def drop_database(args):
    with admin_connection(args) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


def configure_django(args):
    os.environ["DATABASE_URL"] = f"postgres://{args.db_user}@{args.host}:{args.port}/{args.database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    # Production-like: no query log kept in memory, no per-process cache in the way.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.db.backends.signals import connection_created

    settings.ALLOWED_HOSTS = ["*"]

    def statement_timeout(sender, connection, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = '300s'")

    connection_created.connect(statement_timeout, weak=False)


def sql(statement, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def settle():
    """Vacuum, analyze and checkpoint, so that no timed step pays for the set-up before it."""
    sql("VACUUM ANALYZE accounts_devicesession")
    sql("VACUUM ANALYZE accounts_securityevent")
    sql("CHECKPOINT")


def seed_users(count):
    from accounts.models import User

    sql(
        """
        INSERT INTO accounts_user (password, is_superuser, email, first_name, last_name,
                                   is_staff, is_active, date_joined)
        SELECT '!', false, 'user' || i || '@bench.test', 'Bench', 'User ' || i, false, true, now()
        FROM generate_series(1, %s) AS i
        """,
        [count],
    )
    admin = User.objects.create_superuser("admin@bench.test", secrets.token_urlsafe(16))
    first_id = User.objects.filter(email="user1@bench.test").values_list("pk", flat=True).get()
    return admin, first_id


# Rows get the time-ordered (UUIDv7) ids that the application gives them (48 bits of
# milliseconds, then the version, then random bits) and go in in the order of their creation,
# as in a table filled by logins; ``ordered=False`` stores them in no order, the worst case of
# a table whose freed space has been reused at random. Users, devices and IP addresses come
# in no order.
SESSION_INSERT = """
    INSERT INTO accounts_devicesession (id, user_id, device_name, user_agent, ip_address, refresh_jti,
        previous_jti, rotated_at, created_at, last_used_at, expires_at, absolute_expires_at,
        revoked_at, revoke_reason, auth_time, amr)
    SELECT (lpad(to_hex(floor(extract(epoch FROM created) * 1000)::bigint), 12, '0')
            || '7' || substr(r, 14, 3) || substr(r, 17, 16))::uuid,
           %(first_id)s + (i %% %(users)s),
           (%(devices)s::text[])[1 + i %% 6] || ' #' || (i %% 97), 'bench',
           ('10.' || (i >> 16) %% 256 || '.' || (i >> 8) %% 256 || '.' || i %% 256)::inet,
           md5(i::text), '', NULL, created, used, {expires}, created + interval '30 days',
           {revoked_at}, {reason}, created, 'pwd'
    FROM (
        SELECT i, created, greatest(created, {used}) AS used, replace(gen_random_uuid()::text, '-', '') AS r
        FROM (SELECT i, {created} AS created FROM generate_series(%(start)s::bigint, %(stop)s::bigint) AS i) AS s
    ) AS t
    {order}
"""


# What each kind of seeded session looks like: SQL expressions of the row number ``i``.
LIVE = {
    # Created in the last 20 days, used in the last 6: all live.
    "created": "now() - ((i * 7919) %% (20 * 86400)) * interval '1 second'",
    "used": "now() - ((i * 31) %% (6 * 86400)) * interval '1 second'",
    "expires": "least(used + interval '7 days', created + interval '30 days')",
    "revoked_at": "NULL",
    "reason": "''",
}
OLD = {
    # Ended 40 to 90 days ago: every other one revoked, the rest expired.
    "created": "now() - interval '100 days' + ((i * 7919) %% (50 * 86400)) * interval '1 second'",
    "used": "created + interval '1 day'",
    "expires": "used + interval '7 days'",
    "revoked_at": "CASE WHEN i %% 2 = 0 THEN used + interval '1 hour' END",
    "reason": "CASE WHEN i %% 2 = 0 THEN 'logout' ELSE '' END",
}


def seed(kind, *, start, stop, first_id, users, ordered=True):
    """Insert sessions ``start`` to ``stop`` of ``kind`` (LIVE or OLD), in creation order unless not ``ordered``."""
    return sql(
        SESSION_INSERT.format(order="ORDER BY created" if ordered else "", **kind),
        {"first_id": first_id, "users": users, "devices": DEVICES, "start": start, "stop": stop},
    )


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def command(*args, starting=""):
    """Run a management command; return the first line it printed that starts with ``starting``."""
    from django.core.management import call_command

    out = io.StringIO()
    call_command(*args, stdout=out)
    return next(line for line in out.getvalue().strip().splitlines() if line.startswith(starting))


class Report:
    def __init__(self):
        self.rows = []

    def add(self, name, rows, seconds, target=None, note=""):
        median = statistics.median(seconds)
        ok = "" if target is None else ("yes" if median <= target else "NO")
        self.rows.append((name, rows, median, min(seconds), max(seconds), target, ok, note))
        target_text = "" if target is None else f"{target:g}"
        print(f"  {name:<44} median {median:8.3f} s  (target {target_text or '-'}) {note}", flush=True)

    worst_revoke_all = None

    def print(self):
        print()
        print("| operation | rows | median (s) | min (s) | max (s) | target (s) | met | notes |")
        print("|---|---:|---:|---:|---:|---:|---|---|")
        for name, rows, median, low, high, target, ok, note in self.rows:
            target_text = "" if target is None else f"{target:g}"
            print(
                f"| {name} | {rows:,} | {median:.3f} | {low:.3f} | {high:.3f} | {target_text} | {ok} | {note} |"
            )
        if self.worst_revoke_all is not None:
            ok = "met" if self.worst_revoke_all < 10 else "NOT met"
            print()
            print(
                f"revoke_sessions --all, worst case (slowest run, rows in order or not): "
                f"{self.worst_revoke_all:.3f} s; target < 10 s: {ok}"
            )


def make_live_again():
    """Undo ``revoke_sessions --all``: no epoch, no revoked row; return how many sessions there are."""
    sql("DELETE FROM accounts_revocationepoch")
    sql(
        "UPDATE accounts_devicesession SET revoked_at = NULL, revoke_reason = '' WHERE revoked_at IS NOT NULL"
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_devicesession")
        return cursor.fetchone()[0]


def revoke_everybody(repeats):
    """Time ``revoke_sessions --all``, every session made live again before each run.

    Return the times and the command's first line. The last run's epoch is left unsettled.
    """
    times = []
    for _ in range(repeats):
        sessions = make_live_again()
        settle()
        seconds, line = timed(lambda: command("revoke_sessions", "--all"))
        times.append(seconds)
        assert line == f"Revoked {sessions} session(s) of every user.", line
    return times, line


def settle_epoch(repeats):
    """Time writing the epoch of ``revoke_sessions --all`` into every session's row (what prune_sessions does first).

    Before each run every session is live again and revoked by one new epoch (not timed).
    Settled at once, where prune_sessions waits until the epoch is SETTLE_AFTER old. Return
    the times and how many rows the last run wrote.
    """
    from accounts.models import DeviceSession
    from accounts.sessions.housekeeping import revocation_epochs_settle

    times = []
    for _ in range(repeats):
        sessions = make_live_again()
        command("revoke_sessions", "--all")
        settle()
        seconds, settled = timed(lambda: revocation_epochs_settle(older_than=timedelta(0)))
        times.append(seconds)
        assert [each.sessions for each in settled] == [sessions], settled
        assert not DeviceSession.objects.filter(revoked_at__isnull=True).exists(), "settling left rows"
    return times, settled[0].sessions


def run(args):
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import DeviceSession, User

    report = Report()
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = cursor.fetchone()[0]
    print(f"PostgreSQL: {pg_version}")

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    admin, first_id = seed_users(args.users)

    print(f"Seeding {args.sessions:,} live sessions for {args.users:,} users ...", flush=True)
    seconds, _ = timed(lambda: seed(LIVE, start=1, stop=args.sessions, first_id=first_id, users=args.users))
    # As many security events (logins of the last 90 days), for the events list.
    sql(
        """
        INSERT INTO accounts_securityevent (type, created_at, user_id, session_id, ip_address,
                                            source, reason, count, detail)
        SELECT CASE WHEN i %% 10 = 0 THEN 'login_failed' ELSE 'login' END,
               now() - ((i * 7919) %% (90 * 86400)) * interval '1 second', %(first_id)s + (i %% %(users)s),
               gen_random_uuid(), ('10.' || (i >> 16) %% 256 || '.' || (i >> 8) %% 256 || '.' || i %% 256)::inet,
               'api', '', 1, '{}'
        FROM generate_series(1, %(count)s::bigint) AS i
        """,
        {"first_id": first_id, "users": args.users, "count": args.sessions},
    )
    settle()
    print(f"  seeded in {seconds:.1f} s (and as many security events)", flush=True)

    # --- revoke_sessions --user: one user's ~100 sessions among a million.
    times = []
    for n in range(args.repeats):
        email = f"user{1 + n * 7}@bench.test"
        seconds, line = timed(lambda email=email: command("revoke_sessions", "--user", email))
        times.append(seconds)
    report.add("revoke_sessions --user EMAIL", args.sessions, times, None, line)

    # --- revoke_sessions --all: every live session, one revocation epoch; then settling it,
    # which writes it into every row in batches (background work: no target).
    times, line = revoke_everybody(args.repeats)
    report.add("revoke_sessions --all", args.sessions, times, 10, line)
    worst = max(times)
    times, rows = settle_epoch(args.repeats)
    report.add("settling the epoch of --all", args.sessions, times, None, f"{rows} session rows written")

    # The same on a table whose rows are stored in no order (the worst case: same target).
    print("Reseeding: the same sessions, stored in no order ...", flush=True)
    sql("TRUNCATE accounts_devicesession")
    sql("DELETE FROM accounts_revocationepoch")
    seed(LIVE, start=1, stop=args.sessions, first_id=first_id, users=args.users, ordered=False)
    times, line = revoke_everybody(args.repeats)
    report.add("revoke_sessions --all, rows in no order", args.sessions, times, 10, line)
    worst = max(worst, *times)
    times, rows = settle_epoch(args.repeats)
    report.add(
        "settling the epoch of --all, rows in no order",
        args.sessions,
        times,
        None,
        f"{rows} session rows written",
    )
    report.worst_revoke_all = worst

    # --- A realistic mix: half live, half ended 40 to 90 days ago.
    print("Reseeding: half live, half ended long ago ...", flush=True)
    half = args.sessions // 2
    sql("TRUNCATE accounts_devicesession")
    sql("DELETE FROM accounts_revocationepoch")
    seed(OLD, start=half + 1, stop=args.sessions, first_id=first_id, users=args.users)
    seed(LIVE, start=1, stop=half, first_id=first_id, users=args.users)
    settle()

    client = Client()
    client.force_login(admin)
    busy_user = (
        DeviceSession.objects.values("user_id").annotate(n=Count("pk")).order_by("-n").first()["user_id"]
    )
    email = User.objects.get(pk=busy_user).email
    week_ago = (DeviceSession.objects.latest("created_at").created_at - timedelta(days=7)).isoformat()
    pages = [
        ("admin sessions: first page", ""),
        ("admin sessions: state=active", "?state=active"),
        ("admin sessions: state=revoked", "?state=revoked"),
        ("admin sessions: state=expired", "?state=expired"),
        ("admin sessions: reason=logout", "?revoke_reason=logout"),
        ("admin sessions: created in the last 7 days", "?" + urlencode({"created_at__gte": week_ago})),
        ("admin sessions: one user's (user filter)", f"?user={busy_user}"),
        ("admin sessions: search an email", "?" + urlencode({"q": email})),
        ("admin sessions: search an IP", "?q=10.0.3.7"),
        ("admin sessions: search a device name", "?" + urlencode({"q": "ThinkPad #13"})),
        ("admin sessions: page 100", "?p=100"),
    ]
    other_pages = [
        ("admin user page (sessions inline)", f"/admin/accounts/user/{busy_user}/change/"),
        ("admin security events: first page", "/admin/accounts/securityevent/"),
        ("admin security events: failed logins", "/admin/accounts/securityevent/?type__exact=login_failed"),
        (
            "admin security events: search an email",
            "/admin/accounts/securityevent/?" + urlencode({"q": email}),
        ),
    ]
    targets = [(name, "/admin/accounts/devicesession/" + query, 0.3) for name, query in pages]
    targets += [(name, url, 0.3) for name, url in other_pages]

    def time_pages(phase):
        for name, url, target in targets:
            response = client.get(url, secure=True)  # warm up (and check)
            assert response.status_code == 200, (url, response.status_code)
            times = []
            for _ in range(args.page_repeats):
                with CaptureQueriesContext(connection) as queries:
                    seconds, response = timed(lambda url=url: client.get(url, secure=True))
                times.append(seconds)
            shown = rows_shown(response.content)
            report.add(
                f"{name}{phase}", args.sessions, times, target, f"{len(queries)} queries, {shown} rows shown"
            )

    time_pages("")
    # The same pages once revoke_sessions --all has revoked the live half with an epoch
    # that is not in the rows yet, then once settling has written it there.
    command("revoke_sessions", "--all")
    settle()
    time_pages(" [unsettled epoch]")
    from accounts.sessions.housekeeping import revocation_epochs_settle

    revocation_epochs_settle(older_than=timedelta(0))
    settle()
    time_pages(" [settled epoch]")

    # --- prune_sessions: the half that ended long ago, in batches.
    times = []
    for n in range(args.repeats):
        if n:
            seed(OLD, start=half + 1, stop=args.sessions, first_id=first_id, users=args.users)
        settle()
        seconds, line = timed(lambda: command("prune_sessions", starting="Deleted"))
        times.append(seconds)
        assert DeviceSession.objects.count() == half, "prune_sessions left old sessions"
    report.add(f"prune_sessions ({args.sessions - half:,} old)", args.sessions, times, 30, line)
    return report, pg_version


def main():
    args = parse_args()

    def abort(signum, frame):
        raise TimeoutError(f"the benchmark ran for more than {args.timeout} s")

    signal.signal(signal.SIGALRM, abort)
    signal.alarm(args.timeout)
    recreate_database(args)
    try:
        configure_django(args)
        started = time.perf_counter()
        report, pg_version = run(args)
        import django

        report.print()
        print()
        print(
            f"{args.sessions:,} sessions, {args.users:,} users; {os.cpu_count()} CPUs; "
            f"Python {platform.python_version()}, Django {django.get_version()}, {pg_version.split(' on ')[0]}; "
            f"total {time.perf_counter() - started:.0f} s"
        )
    finally:
        signal.alarm(0)
        try:
            from django.db import connections

            connections.close_all()
        finally:
            drop_database(args)
        print(f"Dropped database {args.database}.")


if __name__ == "__main__":
    main()
