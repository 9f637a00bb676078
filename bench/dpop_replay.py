"""What each design of the DPoP replay record costs a request, measured side by side in one run.

    REDIS_URL=redis://127.0.0.1:6379/11 .venv/bin/python -m bench.dpop_replay [--reps 40] [-n 25]

The database is ``DATABASE_URL`` (default: a new SQLite file, migrated here; a PostgreSQL
database named there must exist and is migrated). ``REDIS_URL`` is needed: every design but
"database" records in Redis. The designs, each swapped in for ``replay.first_use``:

* ``off``: no record at all, the same-run baseline;
* ``redis_only``: the record before this design, ``SET NX EX`` (the database only while Redis is away);
* ``database``: (a) the database as the only authority, one INSERT per proof (an upsert that
  takes over a lapsed row);
* ``redis_then_read``: (b) ``SET NX EX`` then, when Redis says new, a primary-key read;
* ``chosen``: ``accounts.dpop.replay`` as it is: (b) with Redis's uptime in the same round trip
  (one script), so that a restarted Redis can be told apart;
* ``chosen_after_restart``: the same within two minutes of a Redis restart: script, then INSERT.

(c), replaying into Redis the records a process made while Redis was away, costs what
``redis_only`` costs as long as nothing is pending. The database statements are those of
``accounts/sessions/hot_sql.py`` in every design. Each repetition runs every design in turn, ``-n``
replay records alone and then ``-n`` authenticated DPoP requests (``GET /api/users/me/``,
proofs signed before the clock starts); small chunks taking turns, each repetition starting
with another design, so that every design meets the machine's load alike, and ``off`` is the
same-run baseline. Prints medians over ``--reps`` repetitions in microseconds, the extra over
``off``, and the SQL statements of one record.
"""

import contextlib
import json
import math
import statistics
import sys
import time
import uuid

from bench.dpop import PASSWORD, command_line


def designs():
    """Return {name: context manager factory that installs the design as ``first_use``}."""
    from django.conf import settings
    from django.test import override_settings

    from accounts.dpop import replay
    from common import failsafe

    url = settings.DPOP_REPLAY_REDIS_URL

    def set_nx(key, valid_until):
        ttl = max(1, math.ceil(valid_until - time.time()))
        return failsafe.call(failsafe.redis_client(url).set, replay.KEY_PREFIX + key, b"1", nx=True, ex=ttl)

    def redis_only(*, jkt, jti, valid_until):
        key = replay.proof_key(jkt=jkt, jti=jti)
        stored = set_nx(key, valid_until)
        if stored is not failsafe.UNAVAILABLE:
            return bool(stored)
        return replay._first_use_in_database(key, valid_until)

    def database(*, jkt, jti, valid_until):
        return replay._first_use_in_database(replay.proof_key(jkt=jkt, jti=jti), valid_until)

    def redis_then_read(*, jkt, jti, valid_until):
        key = replay.proof_key(jkt=jkt, jti=jti)
        stored = set_nx(key, valid_until)
        if stored is failsafe.UNAVAILABLE:
            return replay._first_use_in_database(key, valid_until)
        return bool(stored) and not replay._recorded_in_database(key)

    @contextlib.contextmanager
    def installed(function, *, window=settings.DPOP_REPLAY_LOSS_WINDOW_SECONDS):
        # replay reads the window from accounts' app_settings, which is built again only on
        # setting_changed: a bare assignment to settings would leave it at 130 s.
        saved = replay.first_use
        replay.first_use = function
        try:
            with override_settings(DPOP_REPLAY_LOSS_WINDOW_SECONDS=window):
                yield
        finally:
            replay.first_use = saved

    chosen = replay.first_use
    return {
        "off": lambda: installed(lambda **_: True),
        "redis_only": lambda: installed(redis_only),
        "database": lambda: installed(database),
        "redis_then_read": lambda: installed(redis_then_read),
        # A Redis up for a second is past a window of one (so the figures do not depend on
        # when the bench's Redis started), and never past an endless one.
        "chosen": lambda: installed(chosen, window=1),
        "chosen_after_restart": lambda: installed(chosen, window=math.inf),
    }


def run(args):
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from accounts.dpop import replay
    from accounts.models import User
    from accounts.tests.dpop_helpers import ClientKey

    if not settings.DPOP_REPLAY_REDIS_URL:
        raise SystemExit("REDIS_URL must name a Redis: the designs compared here use it")
    setup_test_environment()  # "testserver" is an allowed host
    # DEBUG would keep every SQL statement in memory, a cost production does not pay.
    settings.DEBUG = False
    client = Client()
    key = ClientKey()
    user = User.objects.create_user(email=f"replay-{uuid.uuid4().hex[:8]}@bench.invalid", password=PASSWORD)
    response = client.post(
        "/api/auth/login/",
        json.dumps({"email": user.email, "password": PASSWORD}),
        "application/json",
        HTTP_DPOP=key.proof("POST", "/api/auth/login/"),
    )
    assert response.status_code == 200, response.content
    access = response.json()["access"]
    path = "/api/users/me/"

    def record(jti):
        assert replay.first_use(jkt=key.jkt, jti=jti, valid_until=time.time() + 60)

    def request(proof):
        response = client.get(path, HTTP_AUTHORIZATION=f"DPoP {access}", HTTP_DPOP=proof)
        assert response.status_code == 200, response.content

    def mean_us(operation, prepared):
        started = time.perf_counter()
        for item in prepared:
            operation(item)
        return (time.perf_counter() - started) / len(prepared) * 1e6

    available = designs()
    figures = {name: {"record_us": [], "request_us": []} for name in available}
    names = list(available)
    for rep in range(args.reps):
        # Each design in turn, a chunk of -n at a time, each round starting with another one:
        # a change in the machine's load falls on every design alike.
        for name in names[rep % len(names) :] + names[: rep % len(names)]:
            with available[name]():
                jtis = [uuid.uuid4().hex for _ in range(args.n)]
                figures[name]["record_us"].append(mean_us(record, jtis))
                proofs = [key.proof("GET", path, access=access) for _ in range(args.n)]
                figures[name]["request_us"].append(mean_us(request, proofs))
    statements = {}
    for name in names:
        with available[name]():
            record(uuid.uuid4().hex)  # so that the once-a-minute prune is not the one captured
            with CaptureQueriesContext(connection) as captured:
                record(uuid.uuid4().hex)
        statements[name] = [query["sql"].split(None, 1)[0] for query in captured.captured_queries]

    medians = {
        name: {figure: round(statistics.median(values), 1) for figure, values in by_figure.items()}
        for name, by_figure in figures.items()
    }
    baseline = medians["off"]
    return {
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "reps": args.reps,
        "n": args.n,
        "designs": {
            name: {
                **values,
                "request_extra_us": round(values["request_us"] - baseline["request_us"], 1),
                "sql_per_record": statements[name],
            }
            for name, values in medians.items()
        },
    }


def main(argv=None):
    command_line(run, __doc__, argv, reps=40, n=25)


if __name__ == "__main__":
    sys.exit(main())
