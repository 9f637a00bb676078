from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self):
        from accounts import checks, signals  # noqa: F401 - connects the receivers, registers the checks
        from accounts.app_settings import app_settings
        from accounts.passkeys import checks as passkey_checks  # noqa: F401 - registers the passkey checks

        # Every accounts setting checked now: a wrong value stops the start (and `manage.py check`).
        app_settings.reload()
