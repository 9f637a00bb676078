"""Settings of the benchmarks (bench/): the project's settings plus stock SimpleJWT beside it.

Only the benchmarks use this module. It adds SimpleJWT's ``token_blacklist`` app and the
stock token views (``bench.urls``), configured the way a stock deployment that
rotates refresh tokens is: ``ROTATE_REFRESH_TOKENS`` and ``BLACKLIST_AFTER_ROTATION``.
"""

from config.settings import *  # noqa: F403
from config.settings import ALLOWED_HOSTS, INSTALLED_APPS, PASSWORD_HASHERS, SIMPLE_JWT, env

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework_simplejwt.token_blacklist"]
ROOT_URLCONF = "bench.urls"

SIMPLE_JWT = {**SIMPLE_JWT, "ROTATE_REFRESH_TOKENS": True, "BLACKLIST_AFTER_ROTATION": True}

# DEBUG would record every SQL statement of every request in memory, on both sides alike;
# the benchmarks measure what production runs. Bound to 127.0.0.1 only.
DEBUG = env.bool("BENCH_DEBUG", default=False)
# django.test.Client (the in-process benchmark) calls itself "testserver".
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]

# One hasher for both sides: both log in through django.contrib.auth.authenticate().
# Default: the project's own first hasher (Argon2).
PASSWORD_HASHERS = env.list("BENCH_PASSWORD_HASHERS", default=PASSWORD_HASHERS)

# bench/metrics_cost.py serves one side without the metrics middleware, to measure what it costs.
if not env.bool("BENCH_METRICS_MIDDLEWARE", default=True):
    MIDDLEWARE = [name for name in MIDDLEWARE if name != "common.middleware.MetricsMiddleware"]  # noqa: F405
