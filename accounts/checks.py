"""System checks (``manage.py check``, and runserver's start) for the signing keys."""

from typing import Any

from django.core.checks import CheckMessage, Error, Tags, Warning, register

from accounts.keyring import KeyConfig, KeyringError, load_keyring


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
