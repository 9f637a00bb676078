"""Every setting of the accounts app, with its default, its type and its rule, read as one object.

``config/settings.py`` maps the environment onto Django settings and nothing more; this module
is where their values are checked and read: ``app_settings.SESSION_MAX_PER_USER``. The object
is built when the app is ready (``AccountsConfig.ready``: a wrong value stops the start, and
``manage.py check``, with the same ImproperlyConfigured naming the variable) and built again
whenever a test or a deployer's code changes one of them (``setting_changed``).

Settings that Django owns (``SECRET_KEY``, ``DEBUG``, ``EMAIL_BACKEND``...) are read from
``django.conf.settings`` as they are; ``PASSWORD_RESET_TIMEOUT`` is here too because the
accounts app gives it a rule of its own.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

_THROTTLE_RATE = re.compile(r"[0-9]+/(s|sec|second|m|min|minute|h|hour|d|day)")


def _lowered(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


@dataclass(frozen=True)
class Setting:
    """One setting: its default, the types it may have, and the rule its value must follow.

    ``rule`` says in words what ``check`` demands, for the error; ``env`` is the environment
    variable that config/settings.py reads it from, which the error names (what an operator set).
    """

    default: Any
    types: type | tuple[type, ...]
    check: Callable[[Any], bool] | None = None
    rule: str = ""
    env: str | None = None
    clean: Callable[[Any], Any] | None = None


def _at_least(minimum: int) -> Callable[[Any], bool]:
    return lambda value: value >= minimum


def _one_of(*choices: str) -> tuple[Callable[[Any], bool], str]:
    return (lambda value: value in choices), "be " + " or ".join(f"'{choice}'" for choice in choices)


_NOT_NEGATIVE = _at_least(0)
_DURATION = timedelta
_OPTIONAL_STR = (str, type(None))
_STRINGS = (list, tuple)

SETTINGS: dict[str, Setting] = {
    # Tokens and sessions (docs/architecture.md, "The session rule").
    "ACCESS_TOKEN_LIFETIME": Setting(timedelta(minutes=5), _DURATION, env="ACCESS_TOKEN_LIFETIME_SECONDS"),
    "REFRESH_TOKEN_LIFETIME": Setting(timedelta(days=7), _DURATION, env="REFRESH_TOKEN_LIFETIME_SECONDS"),
    "SESSION_MAX_LIFETIME": Setting(timedelta(days=30), _DURATION, env="SESSION_MAX_LIFETIME_SECONDS"),
    "REFRESH_REUSE_GRACE": Setting(timedelta(0), _DURATION, env="REFRESH_REUSE_GRACE_SECONDS"),
    "SECURITY_EVENT_RETENTION_DAYS": Setting(365, int),
    "AUTH_THROTTLE_RATE": Setting(
        "10/min",
        str,
        lambda value: value.strip().lower() == "none" or bool(_THROTTLE_RATE.fullmatch(value.strip())),
        "look like '10/min' or be 'none'",
    ),
    # The session state that spares authentication its query (accounts/sessions/cache.py).
    "SESSION_STATE_REDIS_URL": Setting(None, _OPTIONAL_STR, env="REDIS_URL"),
    "SESSION_STATE_CACHE": Setting(None, _OPTIONAL_STR),
    "SESSION_CACHE_SECONDS": Setting(30, int, _NOT_NEGATIVE, "be 0 (no cache) or more"),
    # Account protection (docs/account-protection.md).
    "REFRESH_REUSE_REVOKES": Setting("session", str, *_one_of("session", "user"), clean=_lowered),
    "SESSION_MAX_PER_USER": Setting(0, int, _NOT_NEGATIVE, "be 0 (no limit) or more"),
    "SESSION_LIMIT_POLICY": Setting("evict_oldest", str, *_one_of("evict_oldest", "deny"), clean=_lowered),
    "NEW_DEVICE_WINDOW_DAYS": Setting(90, int, _NOT_NEGATIVE, "be 0 (no new-device mail) or more"),
    "PASSWORD_RESET_URL": Setting("", str),
    "PASSWORD_RESET_TIMEOUT": Setting(
        259200, int, _at_least(1), "be more than 0", env="PASSWORD_RESET_TIMEOUT_SECONDS"
    ),
    "EMAIL_SEND_IN_BACKGROUND": Setting(True, bool),
    # What a password costs to check (accounts/hashers.py); accounts.E007, W003 and E008 judge them
    # (their errors stop the start as well: AccountsConfig.ready).
    "ARGON2_MEMORY_KIB": Setting(19456, int),
    "ARGON2_TIME_COST": Setting(2, int),
    "ARGON2_PARALLELISM": Setting(1, int),
    "PASSWORD_HASH_CONCURRENCY": Setting(1, int),
    "PASSWORD_HASH_WAIT_SECONDS": Setting(5.0, (int, float)),
    # DPoP (docs/dpop.md).
    "DPOP_REQUIRED": Setting(False, bool),
    "DPOP_PROOF_MAX_AGE_SECONDS": Setting(60, int, _at_least(1), "be more than 0"),
    "DPOP_REPLAY_REDIS_URL": Setting(None, _OPTIONAL_STR, env="REDIS_URL"),
    # Shorter than twice the proofs' age plus the clocks' spread breaks the replay bound; only
    # a test that wants to see a loss window end sets it so (tests_cross_process/).
    "DPOP_REPLAY_LOSS_WINDOW_SECONDS": Setting(130, (int, float), _NOT_NEGATIVE, "be 0 or more"),
    # Passkeys and re-authentication (docs/passkeys.md): accounts/passkeys/checks.py judges them
    # (its errors stop the start as well: AccountsConfig.ready).
    "WEBAUTHN_RP_ID": Setting("localhost", str, clean=_lowered),
    "WEBAUTHN_RP_NAME": Setting("Refresh Token Demo", str),
    "WEBAUTHN_ORIGINS": Setting(
        ("http://localhost:8000",),
        _STRINGS,
        clean=lambda origins: [origin.strip().rstrip("/") for origin in origins],
    ),
    "WEBAUTHN_CHALLENGE_SECONDS": Setting(300, int),
    "REAUTH_MAX_AGE_SECONDS": Setting(300, int),
    # Signing keys (docs/keys.md): the keyring checks their content (accounts.E001, and at start).
    "JWT_ALGORITHM": Setting("HS256", str),
    "JWT_SIGNING_KEY": Setting(None, _OPTIONAL_STR),
    "JWT_SIGNING_KEY_FALLBACKS": Setting((), _STRINGS),
    "JWT_PRIVATE_KEY_FILE": Setting(None, _OPTIONAL_STR),
    "JWT_KEY_FALLBACK_FILES": Setting((), _STRINGS),
    "JWKS_MAX_AGE_SECONDS": Setting(300, int, _NOT_NEGATIVE, "be 0 or more"),
}


def _value(name: str, setting: Setting) -> Any:
    """Return the value of ``name`` in Django's settings (its default when unset); raise ImproperlyConfigured."""
    value = getattr(django_settings, name, setting.default)
    if setting.clean is not None:
        value = setting.clean(value)
    label = setting.env or name
    # bool is an int: a flag set where a number belongs is refused too.
    if not isinstance(value, setting.types) or (isinstance(value, bool) and setting.types is int):
        raise ImproperlyConfigured(f"{label} must be of type {_type_names(setting.types)}, not {value!r}.")
    if setting.check is not None and not setting.check(value):
        raise ImproperlyConfigured(f"{label} must {setting.rule}, not {_shown(value)}.")
    return value


def _type_names(types: type | tuple[type, ...]) -> str:
    names = [kind.__name__ for kind in (types if isinstance(types, tuple) else (types,))]
    return " or ".join("None" if name == "NoneType" else name for name in names)


def _shown(value: Any) -> Any:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else repr(value)


class AppSettings:
    """The accounts settings as attributes, checked as a whole whenever they are (re)built."""

    def __getattr__(self, name: str) -> Any:
        # Reached only before the first build (and for names that are not settings).
        if name not in SETTINGS:
            raise AttributeError(f"accounts has no setting {name!r}")
        self.reload()
        return self.__dict__[name]

    def reload(self) -> None:
        """Read and check every setting now; raise ImproperlyConfigured for the first wrong one."""
        values = {name: _value(name, setting) for name, setting in SETTINGS.items()}
        self.__dict__.update(values)


app_settings = AppSettings()


@receiver(setting_changed)
def _reload_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    if setting in SETTINGS:
        app_settings.reload()
