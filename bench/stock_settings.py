"""Settings of the stock side of the gunicorn benchmark: a stock SimpleJWT deployment.

What a new Django project keeps unless told otherwise: ``startproject``'s middleware, a new
database connection per request (``CONN_MAX_AGE`` 0, no health checks, Django's own PostgreSQL
backend), DRF's defaults but for the authentication class, and SimpleJWT rotating refresh
tokens and blacklisting the old ones (``token_blacklist``). Two things are shared with the
project's side so that both serve the same users the same way: the user model (the same table
and the same user serializer, ``users.views.UserMeView``) and the password hasher.

bench/run.py serves it with its own gunicorn beside the project's, on the same database.
"""

import environ

# The project's hasher and what it reads (accounts/hashers.py): the same cost on both sides.
from config.settings import (  # noqa: F401
    ARGON2_MEMORY_KIB,
    ARGON2_PARALLELISM,
    ARGON2_TIME_COST,
    PASSWORD_HASH_CONCURRENCY,
    PASSWORD_HASH_WAIT_SECONDS,
    PASSWORD_HASHERS,
)

env = environ.Env()

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="bench-stock-side-only-on-127.0.0.1-" + "x" * 20)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "accounts",  # the user model only: its views and URLs are not served here
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "bench.stock_urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = []

DATABASES = {"default": env.db_url("DATABASE_URL")}
# 0, Django's default, unless bench/run.py is asked to pool the stock side's connections too.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("BENCH_STOCK_CONN_MAX_AGE", default=0)
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = env.list("BENCH_PASSWORD_HASHERS", default=PASSWORD_HASHERS)
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
}
SIMPLE_JWT = {"ROTATE_REFRESH_TOKENS": True, "BLACKLIST_AFTER_ROTATION": True}

# Errors to stderr, as the project's side does; nothing per request.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
