"""Django settings, read from the environment (see the README's settings table)."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

# The one place that knows how a Redis URL names Redis through Sentinel (REDIS_SENTINELS below).
from common.failsafe import sentinel_url
from common.metrics import allowed_networks

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEV_SECRET_KEY = "dev-insecure-key-only-for-local-development-0123456789"

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "Set DJANGO_SECRET_KEY: the development key is refused when DJANGO_DEBUG is false."
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CORS_ALLOWED_ORIGINS = env.list(
    "CORS_ALLOWED_ORIGINS",
    default=["http://localhost:5173", "http://127.0.0.1:5173"],
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "corsheaders",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "accounts",
    "common",
    "users",
    "todos",
]

MIDDLEWARE = [
    # Outermost: every request counted and timed, whatever answers it (common/metrics.py).
    "common.middleware.MetricsMiddleware",
    # Then: whatever reads the request's host or scheme (HTTPS redirect, CSRF, DPoP) sees only
    # what NUM_PROXIES lets the proxies' X-Forwarded-Host and -Proto say.
    "common.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Above WhiteNoise, which answers static files itself: they get these headers too.
    "common.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Django's own three from common.pages_middleware, skipped under /api/: tokens, not the
    # session, authenticate there. CSRF runs everywhere (DRF's views are exempt themselves).
    "common.pages_middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "common.pages_middleware.AuthenticationMiddleware",
    "common.pages_middleware.MessageMiddleware",
    # Innermost: it turns a view's database outage into a 503 and tags security events' source.
    "common.middleware.DatabaseUnavailableMiddleware",
    "accounts.middleware.ApiSourceMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Templates here win over the apps' own: a deployer's versions of the mails, say
        # (accounts/email/*.txt, *.html; see docs/account-protection.md).
        "DIRS": env.list("TEMPLATE_DIRS", default=[]),
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Reuse connections across requests (gunicorn workers); health checks drop dead ones.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
# On by default: after a database restart a stale connection would otherwise fail one
# request per process. On PostgreSQL the check reads the socket, with no round trip.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that needs no round trip (common/db/postgresql).
    DATABASES["default"]["ENGINE"] = "common.db.postgresql"
    # A database that does not answer costs a request this long, then a 503 (not a hang).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DB_CONNECT_TIMEOUT_SECONDS", default=3)
    )
    # The two statements of refresh and authentication are prepared per connection; a pooler
    # that cannot keep prepared statements (PgBouncer before 1.21, transaction mode) needs false.
    # It means "behind a transaction pooler": a server-side cursor (QuerySet.iterator()) would
    # also outlive the transaction that a pooler gives a server connection for, so none is used.
    if not env.bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# The most one statement of a request may run or wait on a lock before PostgreSQL cancels it
# and the request gets a 503 (common/db): a blocked row must not hold a worker for good. Only
# request-serving processes apply it (config/wsgi.py); management commands run unbounded.
DB_STATEMENT_TIMEOUT_SECONDS = env.float("DB_STATEMENT_TIMEOUT_SECONDS", default=5.0)
# The admin's bulk revocations (one UPDATE of as many sessions as were selected) get this bound
# instead, under gunicorn's default 30 s worker timeout; more is work for `revoke_sessions`.
DB_ADMIN_STATEMENT_TIMEOUT_SECONDS = env.float("DB_ADMIN_STATEMENT_TIMEOUT_SECONDS", default=25.0)
if DB_STATEMENT_TIMEOUT_SECONDS < 0 or DB_ADMIN_STATEMENT_TIMEOUT_SECONDS < 0:
    raise ImproperlyConfigured(
        "DB_STATEMENT_TIMEOUT_SECONDS and DB_ADMIN_STATEMENT_TIMEOUT_SECONDS must be 0 (no bound) or more."
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait for the lock instead of failing at once; WAL lets readers
    # run beside the writer, and with WAL, synchronous=NORMAL is SQLite's recommended
    # setting (a commit survives a crash of the process, not a power cut).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# The cache is shared by every server process: throttling counters live there, and
# with Redis the session state that spares authentication its SQL query.
REDIS_URL = env.str("REDIS_URL", default="")
# Redis found through Sentinel: REDIS_URL (optional then) gives TLS, credentials and the database
# number, the Sentinels where the master is. Every user of Redis gets the same URL, with both in it.
REDIS_SENTINELS = env.list("REDIS_SENTINELS", default=[])
REDIS_SENTINEL_MASTER = env.str("REDIS_SENTINEL_MASTER", default="")
if bool(REDIS_SENTINELS) != bool(REDIS_SENTINEL_MASTER):
    raise ImproperlyConfigured("Set REDIS_SENTINELS and REDIS_SENTINEL_MASTER together, or neither.")
if REDIS_SENTINELS:
    try:
        REDIS_URL = sentinel_url(REDIS_URL, sentinels=REDIS_SENTINELS, master=REDIS_SENTINEL_MASTER)
    except ValueError as exc:
        raise ImproperlyConfigured(f"REDIS_SENTINELS, REDIS_SENTINEL_MASTER, REDIS_URL: {exc}.") from exc
# Redis is an accelerator (common.failsafe): each call waits at most this long, and after a
# failure nobody in the process asks Redis again for REDIS_RETRY_SECONDS.
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=0.25)
REDIS_RETRY_SECONDS = env.float("REDIS_RETRY_SECONDS", default=5.0)
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "common.cache.FailSafeRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}
    }

# Where authentication keeps session state (accounts.sessions.session_cache): only a store that
# every process shares, so only with Redis. SESSION_STATE_CACHE may name a Django cache instead.
SESSION_STATE_REDIS_URL = REDIS_URL or None
SESSION_STATE_CACHE = None
# The longest a cached session or user state may be served after the database changed
# behind the cache's back (Redis away during a revocation, a snapshot restored, QuerySet.update()).
SESSION_CACHE_SECONDS = env.int("SESSION_CACHE_SECONDS", default=30)

# The admin's flash messages ride in its session: the default (cookie first) builds a
# signer on every request, API requests included.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    # Argon2id at ARGON2_*'s cost; hashes of other parameters are rewritten at the next login.
    "accounts.hashers.ConfiguredArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# OWASP's Argon2id guidance by default (accounts/hashers.py); accounts.checks validates them.
ARGON2_MEMORY_KIB = env.int("ARGON2_MEMORY_KIB", default=19456)
ARGON2_TIME_COST = env.int("ARGON2_TIME_COST", default=2)
ARGON2_PARALLELISM = env.int("ARGON2_PARALLELISM", default=1)
# Password hashes a process computes at once, and how long one waits for its turn (then 503).
PASSWORD_HASH_CONCURRENCY = env.int("PASSWORD_HASH_CONCURRENCY", default=1)
PASSWORD_HASH_WAIT_SECONDS = env.float("PASSWORD_HASH_WAIT_SECONDS", default=5.0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Dates with the seconds and the time zone wherever Django formats them (the admin): config/formats.
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The web client (frontend/, built by `make run` when npm is present) is served at the
# site root by WhiteNoise: index.html at / and its hashed assets under /assets/.
WHITENOISE_ROOT = BASE_DIR / "frontend" / "dist"
WHITENOISE_INDEX_FILE = True
# WhiteNoise would answer every origin with "Access-Control-Allow-Origin: *"; the
# allowlist (CORS_ALLOWED_ORIGINS, under /api/) is the only CORS policy.
WHITENOISE_ALLOW_ALL_ORIGINS = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Tokens and sessions -------------------------------------------------------------------
# The accounts app's settings are only read from the environment here: their defaults, types and
# rules are accounts/app_settings.py's, which refuses a wrong value at start and in `manage.py check`.
ACCESS_TOKEN_LIFETIME = timedelta(seconds=env.int("ACCESS_TOKEN_LIFETIME_SECONDS", default=300))
REFRESH_TOKEN_LIFETIME = timedelta(seconds=env.int("REFRESH_TOKEN_LIFETIME_SECONDS", default=604800))
SESSION_MAX_LIFETIME = timedelta(seconds=env.int("SESSION_MAX_LIFETIME_SECONDS", default=2592000))
REFRESH_REUSE_GRACE = timedelta(seconds=env.int("REFRESH_REUSE_GRACE_SECONDS", default=0))
# How long `manage.py prune_sessions` keeps security events (the admins' audit trail).
SECURITY_EVENT_RETENTION_DAYS = env.int("SECURITY_EVENT_RETENTION_DAYS", default=365)
AUTH_THROTTLE_RATE = env.str("AUTH_THROTTLE_RATE", default="10/min")
# Reverse proxies in front that are trusted to set X-Forwarded-For, -Host and -Proto: DRF picks
# the client's address by it, common.middleware.TrustedProxyMiddleware the host and scheme.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured(f"NUM_PROXIES must be 0 or more, not {NUM_PROXIES}.")
# Django's get_host() then reads X-Forwarded-Host (the middleware has reduced it to the entry
# the outermost trusted proxy wrote) and validates it against ALLOWED_HOSTS.
USE_X_FORWARDED_HOST = NUM_PROXIES > 0

# Who may read /metrics (common/metrics.py): client IPs or networks, as NUM_PROXIES decides the IP.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
try:
    allowed_networks(METRICS_ALLOWED_IPS)
except ValueError as exc:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {exc}.") from exc

# --- Account protection (docs/account-protection.md) ----------------------------------------
# What refresh token reuse revokes: the session whose token was replayed, or every session of its user.
REFRESH_REUSE_REVOKES = env.str("REFRESH_REUSE_REVOKES", default="session")
# At most this many live sessions per user (0: no limit); past it, SESSION_LIMIT_POLICY decides.
SESSION_MAX_PER_USER = env.int("SESSION_MAX_PER_USER", default=0)
SESSION_LIMIT_POLICY = env.str("SESSION_LIMIT_POLICY", default="evict_oldest")
# A login from a User-Agent that none of the user's sessions used in this many days is mailed (0: never).
NEW_DEVICE_WINDOW_DAYS = env.int("NEW_DEVICE_WINDOW_DAYS", default=90)
# The web page a reset link opens, with uid and token after a "#" (never sent to a server); unset,
# the web client's page at the origin the reset request came to (accounts.credentials.reset). Django's
# token generator makes the tokens: single-use (they die with the password) and valid this long.
PASSWORD_RESET_URL = env.str("PASSWORD_RESET_URL", default="")
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_SECONDS", default=3600)

# --- Mail: EMAIL_URL in django-environ's form (consolemail://, smtp+tls://user:pass@host:587,
# filemail:////absolute/dir); sent after the commit, off the request thread (accounts.notifications).
globals().update(
    {
        name: value
        for name, value in env.email_url("EMAIL_URL", default="consolemail://").items()
        if value is not None and value != ""
    }
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@localhost")
# The most one SMTP conversation may take, so that a hung mail server never holds a thread for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT_SECONDS", default=10)
# Hand each mail to a short-lived thread so that no response waits on the mail server (and the
# time a password-reset request takes says nothing about whether the account exists).
EMAIL_SEND_IN_BACKGROUND = env.bool("EMAIL_SEND_IN_BACKGROUND", default=True)

# --- DPoP: sender-constrained tokens (RFC 9449; accounts/dpop/, docs/dpop.md) ----------------
# true: login, register and password change without a DPoP proof are refused, and so is the
# refresh of a session opened without one (its access token lives out its few minutes).
DPOP_REQUIRED = env.bool("DPOP_REQUIRED", default=False)
# A proof's iat may be this far in the past or the future (clock skew); its jti is remembered as long.
DPOP_PROOF_MAX_AGE_SECONDS = 60
# Where used proofs are remembered across processes; without Redis (or while it fails), the database.
DPOP_REPLAY_REDIS_URL = REDIS_URL or None
# For this long after Redis starts (a restart, a restore from a snapshot) it may have lost records
# of proofs still valid, so the database records every proof too (accounts/dpop/replay.py). A
# proof used at t is valid until t + 2 * max age at the latest; 10 s more for servers' clocks
# that disagree. Shorter breaks the bound.
DPOP_REPLAY_LOSS_WINDOW_SECONDS = 2 * DPOP_PROOF_MAX_AGE_SECONDS + 10
# --- end of DPoP ------------------------------------------------------------------------------

# --- Passkeys and re-authentication (accounts/passkeys/, docs/passkeys.md) ---------------------
# The relying party: a passkey is bound to this domain (the page's host or a parent of it), and
# a ceremony counts only from a page at one of the origins (scheme, host and port exactly).
WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default="localhost")
WEBAUTHN_RP_NAME = env.str("WEBAUTHN_RP_NAME", default="Refresh Token Demo")
WEBAUTHN_ORIGINS = env.list("WEBAUTHN_ORIGINS", default=["http://localhost:8000"])
WEBAUTHN_CHALLENGE_SECONDS = env.int("WEBAUTHN_CHALLENGE_SECONDS", default=300)
# Adding or deleting a passkey and deleting the account need an authentication this recent.
REAUTH_MAX_AGE_SECONDS = env.int("REAUTH_MAX_AGE_SECONDS", default=300)
# --- end of Passkeys ---------------------------------------------------------------------------

SIMPLE_JWT = {
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "ACCESS_TOKEN_LIFETIME": ACCESS_TOKEN_LIFETIME,
    "REFRESH_TOKEN_LIFETIME": REFRESH_TOKEN_LIFETIME,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "AUTH_TOKEN_CLASSES": ("accounts.sessions.tokens.SessionAccessToken",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "UPDATE_LAST_LOGIN": False,
    # Tokens carry and require these when set (see "Signing keys" below).
    "ISSUER": env.str("JWT_ISSUER", default="") or None,
    "AUDIENCE": env.str("JWT_AUDIENCE", default="") or None,
}

# --- Signing keys (accounts/keys/keyring.py; docs/keys.md) ----------------------------------------
# Tokens are signed by accounts.keys.keyring, not with SIMPLE_JWT's ALGORITHM/SIGNING_KEY: the active
# key signs, the fallbacks only verify (rotation without logging anyone out). Misconfiguration
# fails `manage.py check` and the WSGI start (config/wsgi.py), never a request.
JWT_ALGORITHM = env.str("JWT_ALGORITHM", default="HS256")
# HS256: JWT_SIGNING_KEY, else DJANGO_SECRET_KEY with DJANGO_SECRET_KEY_FALLBACKS as its fallbacks.
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default="") or None
JWT_SIGNING_KEY_FALLBACKS = env.list("JWT_SIGNING_KEY_FALLBACKS", default=[])
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
# RS256, ES256, EdDSA: PEM files; fallbacks may be private or public keys.
JWT_PRIVATE_KEY_FILE = env.str("JWT_PRIVATE_KEY_FILE", default="") or None
JWT_KEY_FALLBACK_FILES = env.list("JWT_KEY_FALLBACK_FILES", default=[])
# How long other services may cache /.well-known/jwks.json: a new key should be published
# (as a fallback) at least this long before it becomes the active one.
JWKS_MAX_AGE_SECONDS = env.int("JWKS_MAX_AGE_SECONDS", default=300)
# --- end of Signing keys ----------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.SessionJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["common.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "common.negotiation.FastContentNegotiation",
    "DEFAULT_PAGINATION_CLASS": "common.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "common.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "common.openapi.AutoSchema",
    # DRF's client-IP logic (throttling, recorded IPs): 0 means the socket peer only.
    "NUM_PROXIES": NUM_PROXIES,
}

# --- OpenAPI schema and docs (/api/schema/, /api/docs/) ---------------------------------------
SPECTACULAR_SETTINGS = {
    # Operation ids and tags come from the path after /api/ (the JWK Set's /.well-known/ path
    # would otherwise shorten the common prefix to "/" and rename every operation).
    "SCHEMA_PATH_PREFIX": r"/api/",
    "TITLE": "refresh-sessions API",
    "DESCRIPTION": "Per-device JWT sessions with rotating refresh tokens, and the resources behind them.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request and response components apart: write-only fields (passwords) stay out of responses.
    "COMPONENT_SPLIT_REQUEST": True,
    # Enum components as usual, then our descriptions and no `default` in request components.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.openapi.postprocess_schema",
        "accounts.openapi.postprocess_schema",
    ],
    # Swagger UI's JS and CSS come from drf-spectacular-sidecar's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # The refresh token's security scheme is added by accounts.openapi.postprocess_schema.
}

# --- CORS: the allowlist above (CORS_ALLOWED_ORIGINS), never "*" ------------------------------
CORS_URLS_REGEX = r"^/api/.*$"
# Tokens travel in the Authorization header (allowed by default), never in cookies.
CORS_ALLOW_CREDENTIALS = False
# Date: a DPoP client corrects its clock from it (frontend/src/api/dpop.ts), cross-origin too.
CORS_EXPOSE_HEADERS = ["Retry-After", "WWW-Authenticate", "Date"]

# --- Security headers ------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# --- HTTPS: on by default in production (DJANGO_DEBUG=false), off for `make run` over http ----
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# A load balancer probes the health check, and Prometheus scrapes, over plain http.
SECURE_REDIRECT_EXEMPT = [r"^api/health/$", r"^metrics$"]
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
# Behind a TLS-terminating proxy the request is http: trust its X-Forwarded-Proto only
# when a proxy is declared, as NUM_PROXIES does for X-Forwarded-For.
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=NUM_PROXIES > 0):
    if NUM_PROXIES == 0:
        # With no trusted proxy the header is the client's own: the middleware drops it.
        raise ImproperlyConfigured("DJANGO_SECURE_PROXY_SSL_HEADER=true needs NUM_PROXIES > 0.")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logs: to stderr whatever DJANGO_DEBUG says; never a token, password or Authorization header --
LOG_FORMAT = env.str("LOG_FORMAT", default="text").lower()
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'text' or 'json', not {LOG_FORMAT!r}.")
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}."
    )
LOGGING_CONFIG = "common.logs.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {
            "()": "common.logs.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
        },
        "json": {
            "()": "common.logs.RedactingJsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"levelname": "level", "asctime": "time", "name": "logger"},
        },
    },
    "filters": {
        "service_unavailable_is_no_error": {"()": "common.outages.ServiceUnavailableIsNoError"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers (mail to admins, the console only while DEBUG) are replaced.
        "django": {"handlers": ["stderr"], "level": LOG_LEVEL, "propagate": False},
        # A 503 is a deliberate answer whose cause is logged once (common.outages), not per request.
        "django.request": {"filters": ["service_unavailable_is_no_error"]},
        # SQL with its parameters (hashes, jtis) stays out of the logs even at DEBUG.
        "django.db.backends": {"level": "WARNING"},
    },
}
