"""In-process benchmark: django.test.Client against this project and stock SimpleJWT, side by side.

Run by ``bench/run.py`` in a subprocess whose environment names the database (and Redis);
prints one JSON document. Runs alone too::

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=... .venv/bin/python -m bench.inprocess

(the database must be migrated with the bench settings first).
"""

import argparse
import json
import os
import sys
import time
import uuid

import django

PASSWORD = "bench-Passw0rd-long-enough"


def command(*, reps, n, n_login):
    """Return the command line that runs this benchmark in a subprocess."""
    return [
        sys.executable,
        "-m",
        "bench.inprocess",
        "--reps",
        str(reps),
        "-n",
        str(n),
        "--n-login",
        str(n_login),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=5, help="repetitions (the median is reported)")
    parser.add_argument("-n", type=int, default=300, help="requests per repetition and operation")
    parser.add_argument("--n-login", type=int, default=15, help="logins per repetition and side")
    parser.add_argument("--sql-ops", type=int, default=10, help="operations to count SQL over")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    print(json.dumps(run(args), indent=1))


def run(args):
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from bench.stats import classify_sql, median_of_reps, summarize_rep
    from bench.views import VIEW_URL

    client = Client()
    nonce = uuid.uuid4().hex[:8]
    user = User.objects.create_user(email=f"get-{nonce}@bench.invalid", password=PASSWORD)
    login_user = User.objects.create_user(email=f"login-{nonce}@bench.invalid", password=PASSWORD)
    list_url = VIEW_URL

    def post(path, body=None, token=None, expect=200):
        extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        response = client.post(
            path, json.dumps(body) if body is not None else "", "application/json", **extra
        )
        if response.status_code != expect:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.content[:300]!r}")
        return json.loads(response.content) if response.content else None

    def get(path, token=None, expect=200, **extra):
        if token:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        response = client.get(path, **extra)
        if response.status_code != expect:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.content[:300]!r}")
        return response

    ours = post("/api/auth/login/", {"email": user.email, "password": PASSWORD, "device_name": "bench"})
    stock = post("/bench/stock/token/", {"email": user.email, "password": PASSWORD})
    state = {"ours": ours["refresh"], "stock": stock["refresh"]}
    session_id = ours["session"]["id"]

    def login_ours():
        post("/api/auth/login/", {"email": login_user.email, "password": PASSWORD, "device_name": "bench"})

    def login_stock():
        post("/bench/stock/token/", {"email": login_user.email, "password": PASSWORD})

    def refresh_ours():
        state["ours"] = post("/api/auth/refresh/", token=state["ours"])["refresh"]

    def refresh_stock():
        state["stock"] = post("/bench/stock/refresh/", {"refresh": state["stock"]})["refresh"]

    def get_ours():
        get(list_url, ours["access"])

    def get_stock():
        get("/bench/stock/list/", stock["access"])

    def get_anon():
        get("/bench/anon/list/", HTTP_X_BENCH_USER=str(user.pk))

    def floor():
        get(f"/bench/floor/?sid={session_id}")

    operations = {
        "login_ours": login_ours,
        "login_stock": login_stock,
        "refresh_ours": refresh_ours,
        "refresh_stock": refresh_stock,
        "get_ours": get_ours,
        "get_stock": get_stock,
        "get_anon": get_anon,
        "floor": floor,
    }
    for name, operation in operations.items():  # warm up
        for _ in range(2 if name.startswith("login") else 30):
            operation()

    reps = {name: [] for name in operations}
    names = list(operations)
    for rep in range(args.reps):
        # Alternate the order, so that drift on a shared machine hits both sides alike.
        for name in names if rep % 2 == 0 else reversed(names):
            operation = operations[name]
            count = args.n_login if name.startswith("login") else args.n
            latencies = []
            started = time.perf_counter()
            for _ in range(count):
                t0 = time.perf_counter()
                operation()
                latencies.append(time.perf_counter() - t0)
            reps[name].append(summarize_rep(latencies, time.perf_counter() - started))
    timing = {name: median_of_reps(values) for name, values in reps.items()}

    sql = {}
    for name, operation in operations.items():
        count = 2 if name.startswith("login") else args.sql_ops
        transactions = _CountTransactions(connection)
        with transactions, CaptureQueriesContext(connection) as captured:
            for _ in range(count):
                operation()
        sql[name] = classify_sql(captured.captured_queries, count)
        # On PostgreSQL an outermost atomic block is a BEGIN and a COMMIT that the cursor never
        # sees (psycopg sends them); SQLite's go through the cursor and are captured already.
        sql[name]["transaction_control"] = max(
            sql[name]["transaction_control"], 2 * transactions.count / count
        )
        sql[name]["sample"] = [q["sql"][:160] for q in captured.captured_queries[: len(captured) // count]]

    # Immediate revocation, in this process (bench/run.py checks every gunicorn worker).
    fresh = post("/api/auth/login/", {"email": user.email, "password": PASSWORD, "device_name": "revoke"})
    get(list_url, fresh["access"])
    get(list_url, fresh["access"])
    post("/api/auth/logout/", token=fresh["access"], expect=204)
    revoked_status = client.get(list_url, HTTP_AUTHORIZATION=f"Bearer {fresh['access']}").status_code

    return {
        "mode": "in-process",
        "database": connection.vendor,
        "redis": bool(getattr(settings, "REDIS_URL", "")),
        "session_cache": getattr(settings, "SESSION_STATE_CACHE", None),
        "hashers": settings.PASSWORD_HASHERS[:1],
        "list_url": list_url,
        "timing": timing,
        "sql": sql,
        "revoked_access_status": revoked_status,
    }


class _CountTransactions:
    """Count commits and rollbacks of outermost transactions while active."""

    def __init__(self, connection):
        self.connection = connection
        self.count = 0

    def __enter__(self):
        connection = self.connection
        self.originals = connection.commit, connection.rollback

        def counted(original):
            def wrapper(*args, **kwargs):
                self.count += 1
                return original(*args, **kwargs)

            return wrapper

        connection.commit, connection.rollback = (counted(each) for each in self.originals)
        return self

    def __exit__(self, *exc):
        del self.connection.commit, self.connection.rollback


if __name__ == "__main__":
    sys.exit(main())
