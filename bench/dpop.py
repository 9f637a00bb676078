"""What DPoP costs: a refresh and an authenticated request, bound (DPoP) beside plain Bearer, in process.

    .venv/bin/python -m bench.dpop [--reps 5] [-n 300]

The database is ``DATABASE_URL`` (default: a fresh SQLite file in a temporary directory,
migrated here; a PostgreSQL database named there is migrated too); ``REDIS_URL`` (say
``redis://127.0.0.1:6379/11``) puts the replay record and the session state in Redis. Proofs
are signed before the clock starts, as a client signs its own: what is timed is the server's
side (proof verification, the replay record, and the rest of the request). Prints medians over
``--reps`` repetitions of ``-n`` requests each, in microseconds per request, and the cost of
the two DPoP steps alone.
"""

import argparse
import atexit
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid

PASSWORD = "bench-Passw0rd-long-enough"


def main(argv=None):
    command_line(run, __doc__, argv)


def command_line(run, doc, argv, *, reps=5, n=300):
    """Parse ``--reps`` and ``-n``, set Django up, and print what ``run(args)`` returns as JSON."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--reps", type=int, default=reps)
    parser.add_argument("-n", type=int, default=n)
    args = parser.parse_args(argv)
    setup_django()
    print(json.dumps(run(args), indent=1))


def setup_django():
    """Set Django up on ``DATABASE_URL`` (default: a new SQLite file), migrated, throttling off."""
    if not os.environ.get("DATABASE_URL"):
        directory = tempfile.mkdtemp(prefix="bench-dpop-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)  # the run's own database only
        os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench-dpop.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("AUTH_THROTTLE_RATE", "none")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def run(args):
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.dpop import proofs, replay
    from accounts.models import User
    from accounts.tests.dpop_helpers import ClientKey

    setup_test_environment()  # "testserver" is an allowed host
    client = Client()
    key = ClientKey()
    user = User.objects.create_user(email=f"dpop-{uuid.uuid4().hex[:8]}@bench.invalid", password=PASSWORD)
    base = "http://testserver"

    def login(proof=None):
        extra = {"HTTP_DPOP": proof} if proof else {}
        body = json.dumps({"email": user.email, "password": PASSWORD})
        response = client.post("/api/auth/login/", body, "application/json", **extra)
        assert response.status_code == 200, response.content
        return response.json()

    bearer = login()
    bound = login(key.proof("POST", "/api/auth/login/"))
    assert bound["token_type"] == "DPoP"
    path = "/api/users/me/"

    def timed(operation, prepare):
        """Return the median over reps of the mean microseconds of ``operation(prepared)``."""
        means = []
        for _ in range(args.reps):
            prepared = [prepare() for _ in range(args.n)]
            started = time.perf_counter()
            for item in prepared:
                operation(item)
            means.append((time.perf_counter() - started) / args.n * 1e6)
        return round(statistics.median(means), 1)

    def expect(response, status=200):
        assert response.status_code == status, response.content
        return response

    # Authenticated request
    results = {}
    results["request_bearer_us"] = timed(
        lambda _: expect(client.get(path, HTTP_AUTHORIZATION=f"Bearer {bearer['access']}")), lambda: None
    )
    results["request_dpop_us"] = timed(
        lambda proof: expect(client.get(path, HTTP_AUTHORIZATION=f"DPoP {bound['access']}", HTTP_DPOP=proof)),
        lambda: key.proof("GET", path, access=bound["access"]),
    )

    # Refresh: each rotation hands the next token on.
    state = {"bearer": bearer["refresh"], "bound": bound["refresh"]}

    def refresh_bearer(_):
        body = expect(
            client.post(
                "/api/auth/refresh/", "", "application/json", HTTP_AUTHORIZATION=f"Bearer {state['bearer']}"
            )
        ).json()
        state["bearer"] = body["refresh"]

    def refresh_bound(proof):
        response = client.post(
            "/api/auth/refresh/",
            "",
            "application/json",
            HTTP_AUTHORIZATION=f"DPoP {state['bound']}",
            HTTP_DPOP=proof,
        )
        state["bound"] = expect(response).json()["refresh"]

    results["refresh_bearer_us"] = timed(refresh_bearer, lambda: None)
    results["refresh_dpop_us"] = timed(refresh_bound, lambda: key.proof("POST", "/api/auth/refresh/"))

    # The two DPoP steps alone: verification (signature, claims) and the replay record.
    class FakeRequest:
        method = "GET"
        scheme = "http"
        path = "/api/users/me/"
        META: dict = {}

        def get_host(self):
            return "testserver"

    results["replay_record_us"] = timed(
        lambda jti: replay.first_use(jkt=key.jkt, jti=jti, valid_until=time.time() + 60),
        lambda: uuid.uuid4().hex,
    )
    request = FakeRequest()

    def full_verify(proof):
        request.META = {"HTTP_DPOP": proof}
        proofs.verify_proof(request, access_token=bound["access"], jkt=key.jkt)

    results["verify_proof_with_replay_us"] = timed(
        full_verify, lambda: key.proof("GET", base + path, access=bound["access"])
    )
    # Verification alone: the replay record switched off for this one measurement.
    first_use = replay.first_use
    replay.first_use = lambda **_: True
    try:
        results["verify_proof_without_replay_us"] = timed(
            full_verify, lambda: key.proof("GET", base + path, access=bound["access"])
        )
    finally:
        replay.first_use = first_use
    results["replay_store"] = "redis" if settings.DPOP_REPLAY_REDIS_URL else "database"
    results["database"] = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    results["reps"], results["n"] = args.reps, args.n
    return results


if __name__ == "__main__":
    sys.exit(main())
