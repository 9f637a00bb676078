"""System checks (``manage.py check``, and runserver's start) for the signing keys and the mail.

The mail checks tagged ``deploy`` run with ``manage.py check --deploy`` only, and only report
with ``DJANGO_DEBUG=false``: a development server mails to its console and links to itself.
"""

from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from accounts.app_settings import app_settings
from accounts.keys.keyring import KeyConfig, KeyringError, load_keyring
from accounts.notifications import CONSOLE_BACKEND

# Mail backends that never hand a mail to anyone outside the server process.
UNDELIVERED_MAIL_BACKENDS = {
    CONSOLE_BACKEND: "printed on the server's standard output",
    "django.core.mail.backends.locmem.EmailBackend": "kept in the process's memory",
    "django.core.mail.backends.dummy.EmailBackend": "thrown away",
}
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
MAIL_HINT = "See docs/account-protection.md, 'Mail'."


@register(Tags.security)
def signing_keys_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report a key configuration that would fail at start, and weak HMAC secrets."""
    try:
        # Built afresh, not the process's cached keyring: the check reads the files now.
        keyring = load_keyring(KeyConfig.from_settings())
    except KeyringError as exc:
        return [
            Error(
                str(exc),
                hint="See docs/keys.md for the JWT_* key settings.",
                id="accounts.E001",
            )
        ]
    return [Warning(message, id="accounts.W001") for message in keyring.warnings]


@register(Tags.security)
def password_reset_url_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report a PASSWORD_RESET_URL that a mail cannot link to: not an absolute http(s) URL."""
    url = app_settings.PASSWORD_RESET_URL
    if not url:
        return []
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.hostname:
        return []
    return [
        Error(
            f"PASSWORD_RESET_URL {url!r} is not an absolute http(s) URL, so a mailed reset link cannot open it.",
            hint="Set it to the full address of the reset page, e.g. https://app.example.com/#/reset-password, "
            "or unset it to link to the web client at the origin the reset request came to.",
            id="accounts.E002",
        )
    ]


@register(Tags.security, deploy=True)
def production_mail_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report, with DEBUG off, mail settings that leave users without mail or with links that lead nowhere."""
    if settings.DEBUG:
        return []
    messages: list[CheckMessage] = []
    url = app_settings.PASSWORD_RESET_URL
    if not url:
        messages.append(
            Error(
                "PASSWORD_RESET_URL is unset: reset links point at whatever host the reset request named.",
                hint="Set PASSWORD_RESET_URL to the public address of the reset page, e.g. "
                "https://app.example.com/#/reset-password for the web client.",
                id="accounts.E003",
            )
        )
    else:
        parts = urlsplit(url)
        if parts.hostname in LOOPBACK_HOSTS:
            messages.append(
                Error(
                    f"PASSWORD_RESET_URL {url!r} names this machine: a link in a user's mail cannot reach it.",
                    hint="Set PASSWORD_RESET_URL to the public address of the reset page.",
                    id="accounts.E004",
                )
            )
        elif parts.scheme == "http":
            messages.append(
                Warning(
                    f"PASSWORD_RESET_URL {url!r} is plain http: the page that reads the reset token "
                    "can be altered on its way to the user.",
                    hint="Serve the reset page over https.",
                    id="accounts.W002",
                )
            )
    fate = UNDELIVERED_MAIL_BACKENDS.get(settings.EMAIL_BACKEND)
    if fate is not None:
        messages.append(
            Error(
                f"Mail is {fate} ({settings.EMAIL_BACKEND}): no user gets a reset link, nor a warning "
                "of token reuse or of a new device.",
                hint="Set EMAIL_URL to your mail server, e.g. smtp+tls://user:password@smtp.example.com:587. "
                + MAIL_HINT,
                id="accounts.E005",
            )
        )
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2].lower()
    if domain == "localhost" or domain.endswith(".localhost") or "." not in domain:
        messages.append(
            Error(
                f"DEFAULT_FROM_EMAIL {settings.DEFAULT_FROM_EMAIL!r} is not an address of a public domain: "
                "mail servers reject or file as spam what it sends.",
                hint="Set DEFAULT_FROM_EMAIL to an address of your domain, e.g. no-reply@example.com. "
                + MAIL_HINT,
                id="accounts.E006",
            )
        )
    return messages


# OWASP's Argon2id pairs trade memory for passes (19 MiB x 2, 12 MiB x 3 ... 7 MiB x 5): about
# this much memory-time at least.
ARGON2_MIN_MEMORY_TIME_KIB = 7168 * 5
ARGON2_HINT = "See the README's settings table and accounts/hashers.py."


@register(Tags.security)
def password_hashing_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report Argon2 parameters Argon2 refuses or OWASP finds too weak, and a hashing bound that cannot work."""
    memory, passes, lanes = (
        app_settings.ARGON2_MEMORY_KIB,
        app_settings.ARGON2_TIME_COST,
        app_settings.ARGON2_PARALLELISM,
    )
    problems = []
    if passes < 1 or lanes < 1 or memory < 8 * max(lanes, 1):
        problems.append(
            Error(
                f"ARGON2_TIME_COST ({passes}) and ARGON2_PARALLELISM ({lanes}) must be 1 or more, and "
                f"ARGON2_MEMORY_KIB ({memory}) at least 8 per lane: Argon2 refuses these, so no password "
                "could be set or checked.",
                hint=ARGON2_HINT,
                id="accounts.E007",
            )
        )
    elif memory * passes < ARGON2_MIN_MEMORY_TIME_KIB:
        problems.append(
            Warning(
                f"Argon2 with {memory} KiB and {passes} pass(es) is below OWASP's Argon2id guidance "
                "(19456 KiB and 2 passes, or an equivalent pair such as 12288 KiB and 3): a stolen hash "
                "is cheaper to guess.",
                hint=ARGON2_HINT,
                id="accounts.W003",
            )
        )
    if app_settings.PASSWORD_HASH_CONCURRENCY < 0 or app_settings.PASSWORD_HASH_WAIT_SECONDS <= 0:
        problems.append(
            Error(
                f"PASSWORD_HASH_CONCURRENCY ({app_settings.PASSWORD_HASH_CONCURRENCY}) must be 0 (no bound) or "
                f"more, and PASSWORD_HASH_WAIT_SECONDS ({app_settings.PASSWORD_HASH_WAIT_SECONDS}) more than 0.",
                hint=ARGON2_HINT,
                id="accounts.E008",
            )
        )
    return problems
