from django.apps import AppConfig
from django.core.checks import ERROR
from django.core.exceptions import ImproperlyConfigured


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        from accounts import checks, signals  # noqa: F401 - connects the receivers, registers the checks
        from accounts.app_settings import app_settings
        from accounts.passkeys import checks as passkey_checks

        # Every accounts setting checked now: a wrong value stops the start (and `manage.py check`).
        app_settings.reload()
        # The rules that tie settings together (Argon2's bounds, the passkey origins under the RP
        # id) are system checks; gunicorn runs no checks, so their errors stop the start here too,
        # as a value of the wrong type does.
        for message in (*checks.password_hashing_check(), *passkey_checks.passkey_settings_check()):
            if message.level >= ERROR:
                raise ImproperlyConfigured(f"{message.msg} ({message.id}) {message.hint}")
